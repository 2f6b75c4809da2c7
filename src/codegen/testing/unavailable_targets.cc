// Stand-ins for the generators a branch does not have yet (tests/CMakeLists.txt
// compiles this only for the targets whose .cc is missing), so the
// differential test still builds and reports that target as failing.
#include "codegen/codegen_internal.h"

namespace worm::codegen::internal {

namespace {
Status Missing(const char* what) {
  return Status::Unimplemented(std::string("codegen: the ") + what +
                               " target is not in this build");
}
}  // namespace

#ifdef WORM_NO_TS_TARGET
Result<std::vector<GeneratedFile>> GenerateTypeScript(const schema::Schema&, const Options&) {
  return Missing("TypeScript");
}
#endif
#ifdef WORM_NO_CPP_TARGET
Result<std::vector<GeneratedFile>> GenerateCpp(const schema::Schema&, const Options&) {
  return Missing("C++");
}
#endif
#ifdef WORM_NO_JSON_SCHEMA_TARGET
Result<std::vector<GeneratedFile>> GenerateJsonSchema(const schema::Schema&, const Options&) {
  return Missing("JSON Schema");
}
#endif
#ifdef WORM_NO_OPENAPI_TARGET
Result<std::vector<GeneratedFile>> GenerateOpenApi(const schema::Schema&, const Options&) {
  return Missing("OpenAPI");
}
#endif

}  // namespace worm::codegen::internal

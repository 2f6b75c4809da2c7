#include "codegen/codegen_internal.h"

namespace worm::codegen::internal {

Result<std::vector<GeneratedFile>> GenerateTypeScript(const schema::Schema&, const Options&) {
  return Status::Unimplemented("codegen: target not built yet");
}

}  // namespace worm::codegen::internal

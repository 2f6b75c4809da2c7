#include "codegen/codegen.h"

#include <algorithm>

#include "codegen/codegen_internal.h"

namespace worm::codegen {

namespace {
struct Named {
  Target target;
  std::string_view name;
};
constexpr Named kTargets[] = {{Target::kTypeScript, "ts"},
                              {Target::kCpp, "cpp"},
                              {Target::kJsonSchema, "json-schema"},
                              {Target::kOpenApi, "openapi"}};
}  // namespace

std::string_view TargetName(Target target) {
  for (const Named& n : kTargets) {
    if (n.target == target) return n.name;
  }
  return "?";
}

Result<Target> ParseTarget(std::string_view name) {
  for (const Named& n : kTargets) {
    if (n.name == name) return n.target;
  }
  return Status::InvalidArgument("codegen: unknown language '" + std::string(name) +
                                 "'; expected ts, cpp, json-schema or openapi");
}

Result<std::vector<GeneratedFile>> Generate(const schema::Schema& schema, Target target,
                                            const Options& options) {
  Result<std::vector<GeneratedFile>> files = Status::Internal("codegen: no target");
  switch (target) {
    case Target::kTypeScript:
      files = internal::GenerateTypeScript(schema, options);
      break;
    case Target::kCpp:
      files = internal::GenerateCpp(schema, options);
      break;
    case Target::kJsonSchema:
      files = internal::GenerateJsonSchema(schema, options);
      break;
    case Target::kOpenApi:
      files = internal::GenerateOpenApi(schema, options);
      break;
  }
  if (!files.ok()) return files;
  std::sort(files->begin(), files->end(),
            [](const GeneratedFile& a, const GeneratedFile& b) { return a.path < b.path; });
  return files;
}

}  // namespace worm::codegen

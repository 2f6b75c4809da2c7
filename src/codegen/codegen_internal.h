// The per-target generators behind codegen::Generate (codegen.h), one file
// each: typescript.cc, cpp.cc, json_schema.cc, openapi.cc. JSON Schema and
// OpenAPI share ModelJsonSchema so their model descriptions cannot drift.
#pragma once

#include <vector>

#include "codegen/codegen.h"

namespace worm::codegen::internal {

Result<std::vector<GeneratedFile>> GenerateTypeScript(const schema::Schema& schema,
                                                      const Options& options);
Result<std::vector<GeneratedFile>> GenerateCpp(const schema::Schema& schema,
                                               const Options& options);
Result<std::vector<GeneratedFile>> GenerateJsonSchema(const schema::Schema& schema,
                                                      const Options& options);
Result<std::vector<GeneratedFile>> GenerateOpenApi(const schema::Schema& schema,
                                                   const Options& options);

// The JSON Schema (2020-12) of `model`'s stored document (`input` false) or
// of what Create accepts (`input` true), without "$schema"/"$id" (callers
// add them or embed it under components.schemas).
Result<Json> ModelJsonSchema(const schema::Schema& schema, const schema::Model& model, bool input);

}  // namespace worm::codegen::internal

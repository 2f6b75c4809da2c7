// LoadSchema and LoadSchemaFile: the schema layer's entry points.
#include "schema/schema.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "schema/lint.h"
#include "schema/schema_builder.h"

namespace worm::schema {

namespace {

// A schema.json larger than this is refused before parsing: real schemas are
// a few KB, and the cap bounds memory for hostile files.
constexpr std::uintmax_t kMaxSchemaFileBytes = 8u << 20;

}  // namespace

Result<Schema> LoadSchema(const Json& doc) {
  internal::BuildOutput out = internal::BuildSchema(doc);
  if (const internal::Problem* p = out.first_error()) {
    return Status::InvalidArgument(internal::DottedPath(p->pointer) + ": " + p->message);
  }
  return std::move(out.schema);
}

Result<Schema> LoadSchemaFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return Status::NotFound(path + ": no such file; run `worm init` to create a schema");
  }
  auto size = std::filesystem::file_size(path, ec);
  if (!ec && size > kMaxSchemaFileBytes) {
    return Status::InvalidArgument(path + ": " + std::to_string(size) +
                                   " bytes is too large for a schema (limit 8 MiB)");
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  if (!in) return Status::PermissionDenied(path + ": cannot read the file");
  std::string text = ss.str();
  for (const Diagnostic& d : LintSchemaText(text)) {
    if (d.severity == Severity::kError) {
      return Status::InvalidArgument(FormatDiagnostic(d, path));
    }
  }
  Result<Json> doc = ParseJson(text, path);
  if (!doc.ok()) return doc.status();
  Result<Schema> schema = LoadSchema(*doc);
  if (!schema.ok()) return schema.status().WithContext(path);
  return schema;
}

}  // namespace worm::schema

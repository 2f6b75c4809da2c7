#include "schema/fuzz.h"

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "schema/ids.h"
#include "schema/lint.h"
#include "schema/lint_fix.h"
#include "schema/resolver.h"
#include "schema/schema.h"

namespace worm::schema {

namespace {

[[noreturn]] void InvariantBroken(const char* what, std::string_view input) {
  std::fprintf(stderr, "schema fuzz invariant broken: %s\ninput: %.*s\n", what,
               static_cast<int>(input.size()), input.data());
  std::abort();
}

Symbols CustomSymbols() {
  Symbols s;
  s.namespace_symbol = "%";
  s.collection_symbol = "!!";
  s.dynamic_open = "{", s.dynamic_close = "}";
  s.file_open = "<", s.file_close = ">";
  return s;
}

// Builds a one-model schema around `p` and checks the resolver's two
// directions agree on an id made of '1's when the types accept it.
void CheckResolver(const PathPattern& p, std::string_view input) {
  if (p.file() == nullptr) return;
  Schema schema;
  schema.dynamic_types = BuiltinDynamicTypes();
  Model m;
  m.name = "M";
  m.full = p;
  m.path.segments.assign(p.segments.begin(), p.segments.end() - 1);
  m.file.segments = {p.segments.back()};
  m.singleton = p.dynamic_segments().empty();
  schema.models.push_back(m);
  StorageResolver r(schema);
  const Model& model = schema.models[0];
  (void)r.BasePath(model);
  (void)r.SystemFolderTemplates(model);
  std::string tmpl = r.KeyTemplate(model);
  EntityIds ids(p.dynamic_segments().size(), "1");
  Result<std::string> key = r.EntityKey(model, ids);
  if (!key.ok()) return;  // "1" is not of every type; fine
  Result<EntityIds> back = r.ParseEntityKey(model, *key);
  if (!back.ok() || *back != ids) InvariantBroken("EntityKey -> ParseEntityKey", input);
  if (IsSystemKey(*key)) InvariantBroken("entity key is a system key", input);
  if (!ValidateKey(*key).ok()) InvariantBroken("entity key fails ValidateKey", input);
  (void)tmpl;
}

}  // namespace

Status FuzzPathDsl(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  // Keys and ids see the same bytes.
  (void)ValidateIdSegment(input);
  (void)ValidateKey(input);
  (void)IsSystemKey(input);
  // First byte picks the symbols: odd means custom ones.
  Symbols symbols = (size > 0 && (data[0] & 1)) ? CustomSymbols() : Symbols{};
  std::string_view text = size > 0 ? input.substr(1) : input;
  Result<PathPattern> p = ParsePath(text, symbols);
  if (!p.ok()) return p.status();
  std::string printed = PrintPath(*p, symbols);
  if (printed != text) InvariantBroken("PrintPath(ParsePath(x)) != x", input);
  Result<PathPattern> again = ParsePath(printed, symbols);
  if (!again.ok() || PrintPath(*again) != PrintPath(*p)) InvariantBroken("reparse", input);
  CheckResolver(*p, input);
  return Status::OK();
}

Status FuzzSchemaLint(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<Diagnostic> diags = LintSchemaText(text);
  bool lint_error = false, not_json = false;
  for (const Diagnostic& d : diags) {
    lint_error = lint_error || d.severity == Severity::kError;
    not_json = not_json || d.code == "invalid-json" || d.code == "too-deep";
    (void)DiagnosticToJson(d).dump();
  }
  if (not_json) return Status::InvalidArgument("not JSON");
  Result<Json> doc = ParseJson(text);
  if (!doc.ok()) InvariantBroken("lint accepted JSON that nlohmann refuses", text);
  Result<Schema> schema = LoadSchema(*doc);
  if (schema.ok() == lint_error) InvariantBroken("LoadSchema and lint disagree", text);
  if (!schema.ok()) return schema.status();
  StorageResolver r(*schema);
  for (const Model& m : schema->models) {
    (void)r.KeyTemplate(m);
    (void)r.SystemFolderTemplates(m);
    (void)r.Classify(r.KeyTemplate(m));
  }
  return Status::OK();
}

Status FuzzSchemaLintFix(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<Diagnostic> before = LintSchemaText(text);
  FixResult fixed = FixSchemaText(text);
  if (!fixed.changed()) {
    if (fixed.text != text) InvariantBroken("no fix reported but the text changed", text);
    return Status::OK();
  }
  std::vector<Diagnostic> after = LintSchemaText(fixed.text);
  auto errors = [](const std::vector<Diagnostic>& ds) {
    size_t n = 0;
    for (const Diagnostic& d : ds) n += d.severity == Severity::kError;
    return n;
  };
  if (errors(after) > errors(before)) InvariantBroken("--fix added an error", text);
  if (after.size() >= before.size()) InvariantBroken("--fix did not reduce the findings", text);
  for (const Diagnostic& d : after) {
    if (d.code == "invalid-json" || d.code == "too-deep") {
      InvariantBroken("--fix broke the JSON", text);
    }
  }
  if (FixSchemaText(fixed.text).changed()) InvariantBroken("--fix is not idempotent", text);
  (void)UnifiedDiff(text, fixed.text, "schema.json");
  return Status::OK();
}

}  // namespace worm::schema

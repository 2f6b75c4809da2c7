// Lint: every problem of a schema.json with its JSON Pointer and line:column.
#include "schema/lint.h"

#include <algorithm>

#include "schema/json_locator.h"
#include "schema/schema_builder.h"

namespace worm::schema {

namespace {

Diagnostic Make(Severity severity, std::string code, std::string path, TextPosition pos,
                std::string message) {
  Diagnostic d;
  d.severity = severity;
  d.code = std::move(code);
  d.json_path = std::move(path);
  d.line = pos.line;
  d.column = pos.column;
  d.message = std::move(message);
  return d;
}

// nlohmann's own verdict, for the rare text the locator accepts and it does not.
std::optional<Diagnostic> ParseWithNlohmann(std::string_view text, Json* doc) {
  try {
    *doc = Json::parse(text.begin(), text.end());
    return std::nullopt;
  } catch (const Json::exception& e) {
    size_t offset = 0;
    if (const auto* pe = dynamic_cast<const Json::parse_error*>(&e)) {
      offset = pe->byte > 0 ? pe->byte - 1 : 0;
    }
    return Make(Severity::kError, "invalid-json", "", PositionOfOffset(text, offset),
                std::string("invalid JSON: ") + e.what());
  }
}

}  // namespace

std::vector<Diagnostic> LintSchemaText(std::string_view text) {
  JsonSyntaxError error;
  Result<JsonLocator> locator = JsonLocator::Build(text, &error);
  if (!locator.ok()) {
    return {Make(Severity::kError, error.too_deep ? "too-deep" : "invalid-json", "", error.position,
                 error.too_deep ? "JSON " + error.message + ": a schema needs only a few levels"
                                : "invalid JSON: " + error.message)};
  }
  Json doc;
  if (auto d = ParseWithNlohmann(text, &doc)) return {*d};
  internal::BuildOutput out = internal::BuildSchema(doc);
  std::vector<Diagnostic> diags;
  for (internal::Problem& p : out.problems) {
    TextPosition pos = locator->Locate(p.pointer, p.at_key);
    diags.push_back(
        Make(p.severity, std::move(p.code), std::move(p.pointer), pos, std::move(p.message)));
  }
  for (const std::string& ptr : locator->duplicate_keys()) {
    std::string key = ptr.substr(ptr.rfind('/') + 1);
    diags.push_back(Make(Severity::kWarning, "duplicate-key", ptr, locator->Locate(ptr, true),
                         "member '" + key +
                             "' appears twice in one object and JSON keeps only "
                             "the last: remove or rename one"));
  }
  std::stable_sort(diags.begin(), diags.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.line, a.column) < std::tie(b.line, b.column);
  });
  return diags;
}

Json DiagnosticToJson(const Diagnostic& d) {
  return Json{{"severity", d.severity == Severity::kError ? "error" : "warning"},
              {"code", d.code},
              {"path", d.json_path},
              {"line", d.line},
              {"column", d.column},
              {"message", d.message}};
}

std::string FormatDiagnostic(const Diagnostic& d, std::string_view file) {
  std::string out(file);
  out += ":" + std::to_string(d.line) + ":" + std::to_string(d.column) + ": ";
  out += d.severity == Severity::kError ? "error: " : "warning: ";
  out += d.message + " [" + d.code + "]";
  if (!d.json_path.empty()) out += " at " + d.json_path;
  return out;
}

}  // namespace worm::schema

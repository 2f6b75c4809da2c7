#include "security/access_lint.h"

#include <algorithm>

#include "schema/json_locator.h"
#include "schema/schema_builder.h"
#include "security/access_internal.h"

namespace worm::security {

namespace {

class Loc final : public internal::Locator {
 public:
  explicit Loc(const schema::JsonLocator& l) : l_(l) {}
  TextPosition Locate(const std::string& p) const override { return l_.Locate(p, false); }

 private:
  const schema::JsonLocator& l_;
};

}  // namespace

std::vector<schema::Diagnostic> LintAccessText(std::string_view text) {
  Result<schema::JsonLocator> locator = schema::JsonLocator::Build(text);
  if (!locator.ok()) return {};
  Result<Json> doc = ParseJson(text, "schema.json");
  if (!doc.ok() || !doc->is_object()) return {};
  auto it = doc->find("access");
  if (it == doc->end() || !it->is_object()) return {};  // schema lint reports a wrong type
  // The models as far as they load: an access rule naming a model with an
  // error of its own still finds it.
  schema::internal::BuildOutput built = schema::internal::BuildSchema(*doc);
  built.schema.access = *it;
  Loc loc(*locator);
  internal::CompileOutput out = internal::CompileAccess(built.schema, &loc);
  std::vector<schema::Diagnostic> diags;
  for (internal::AccessProblem& p : out.problems) {
    schema::Diagnostic d;
    d.severity = p.error ? schema::Severity::kError : schema::Severity::kWarning;
    d.code = std::move(p.code);
    TextPosition pos = locator->Locate(p.pointer, p.at_key);
    d.line = pos.line;
    d.column = pos.column;
    d.json_path = std::move(p.pointer);
    d.message = std::move(p.message);
    diags.push_back(std::move(d));
  }
  return diags;
}

std::vector<schema::Diagnostic> LintSchemaWithAccess(std::string_view text) {
  std::vector<schema::Diagnostic> diags = schema::LintSchemaText(text);
  std::vector<schema::Diagnostic> more = LintAccessText(text);
  diags.insert(diags.end(), more.begin(), more.end());
  std::stable_sort(diags.begin(), diags.end(),
                   [](const schema::Diagnostic& a, const schema::Diagnostic& b) {
                     return std::tie(a.line, a.column) < std::tie(b.line, b.column);
                   });
  return diags;
}

}  // namespace worm::security

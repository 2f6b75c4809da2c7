#include "security/fuzz_access.h"

#include <cstdlib>
#include <string_view>

#include "core/json_util.h"
#include "schema/schema.h"
#include "security/access_lint.h"
#include "worm/access.h"

namespace worm::security {

Status FuzzAccessPolicy(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  // The invariant holds for schemas the schema layer accepts.
  for (const auto& d : schema::LintSchemaText(text)) {
    if (d.severity == schema::Severity::kError) return Status::InvalidArgument(d.code);
  }
  bool lint_error = false;
  for (const auto& d : LintAccessText(text)) {
    lint_error = lint_error || d.severity == schema::Severity::kError;
  }
  ASSIGN_OR_RETURN(Json doc, ParseJson(text, "fuzz"));
  ASSIGN_OR_RETURN(schema::Schema s, schema::LoadSchema(doc));
  Result<std::shared_ptr<const AccessPolicy>> policy = CompileAccessPolicy(s, text);
  // Lint and the compiler share one code path: they agree.
  if (policy.ok() == lint_error) std::abort();
  if (!policy.ok()) return policy.status();
  std::vector<Principal> principals(3);
  principals[1].id = "alice";
  principals[1].roles = (*policy)->Roles();
  principals[2].id = "bob";
  principals[2].scopes.push_back({{Action::kRead}, {}, {"1"}, {"org/"}});
  Json document = {{"ownerId", "alice"}, {"status", "paid"}};
  Json grants = Json::parse(R"j({"grants": [{"principals": ["bob"], "actions": ["*"]}]})j");
  for (const schema::Model& m : s.models) {
    std::vector<std::string> ids(m.full.dynamic_segments().size(), "1");
    for (const Principal& p : principals) {
      (void)(*policy)->Fields(p, m.name);
      for (Action a : kAllActions) {
        for (int i = 0; i < 3; ++i) {
          AccessRequest r;
          r.principal = &p;
          r.action = a;
          r.resource.model = m.name;
          if (i > 0) r.resource.ids = ids;
          if (i == 2) {
            r.document = &document;
            r.entity_grants = &grants;
          }
          Decision d = (*policy)->Decide(r);
          if (i == 2 && d.effect == Decision::Effect::kNeedsDocument) std::abort();
        }
      }
    }
  }
  return Status::OK();
}

}  // namespace worm::security

// Shared by the rules tests: a schema with a flat collection, a nested one,
// a singleton and an owned model, and its access section.
#pragma once

#include <memory>
#include <string>

#include "schema/schema.h"
#include "testing/test_util.h"
#include "worm/access.h"

namespace worm::security::testing {

// `access` is the section's JSON text (or empty: no section).
inline std::string SchemaText(const std::string& access) {
  std::string s = R"j({
  "models": {
    "Customer": {
      "path": "#org/@customers/(id:uuid)", "file": "[profile].json",
      "fields": {"name": {"type": "string"}, "email": {"type": "string"},
                 "address": {"type": "object", "properties": {"street": {"type": "string"}}}}
    },
    "Invoice": {
      "path": "#org/@invoices/(id:int)", "file": "[data].json",
      "fields": {"ownerId": {"type": "string"}, "amount": {"type": "number"},
                 "status": {"type": "string"}, "team": {"type": "string"}}
    },
    "Team": {
      "path": "#org/@departments/(deptId:int)/@teams/(teamId:int)", "file": "[roster].json",
      "fields": {"members": {"type": "array"}}
    },
    "Settings": {
      "path": "#org/@settings", "singleton": true, "file": "[config].json",
      "fields": {"plan": {"type": "string"}}
    }
  })j";
  if (!access.empty()) s += ",\n  \"access\": " + access;
  s += "\n}\n";
  return s;
}

struct Compiled {
  std::string text;
  schema::Schema schema;
  std::shared_ptr<const AccessPolicy> policy;
};

inline Result<Compiled> CompileText(const std::string& access) {
  Compiled c;
  c.text = SchemaText(access);
  ASSIGN_OR_RETURN(Json doc, ParseJson(c.text));
  ASSIGN_OR_RETURN(c.schema, schema::LoadSchema(doc));
  ASSIGN_OR_RETURN(c.policy, CompileAccessPolicy(c.schema, c.text));
  return c;
}

}  // namespace worm::security::testing

// The compiled form of the schema's "access" section, shared by the
// evaluator (access_policy.cc), its compiler and lint (access_compile.cc)
// and the AWS policy export (aws_export.cc). Internal to src/security.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "query/filter.h"
#include "schema/schema.h"
#include "security/access_path.h"
#include "worm/access.h"

namespace worm::security::internal {

inline uint32_t ActionBit(Action a) { return 1u << static_cast<int>(a); }
inline constexpr uint32_t kAllActionBits = (1u << 7) - 1;

// Where a rule sits: layer and position in the section.
enum class Layer { kBucket, kModel, kPath };

struct Rule {
  Layer layer = Layer::kBucket;
  std::string pointer;  // "/access/models/Invoice/rules/2"
  int line = 0, column = 0;
  bool deny = false;
  uint32_t actions = 0;
  std::vector<int> roles;  // role indices the rule names
  std::vector<std::string> principals;
  bool everyone = false;       // "*": any caller, anonymous included
  bool authenticated = false;  // "$authenticated"
  bool anonymous = false;      // "$anonymous"
  std::string description;
  std::string allow_reason;            // precomputed: allows are decided per document
  int model = -1;                      // kModel: index into CompiledPolicy::models
  std::optional<AccessPath> path;      // kPath
  std::vector<uint8_t> path_relation;  // kPath: Match per model, against its key template
  // Row-level condition. Without principal variables it is compiled once
  // (`where`); with them, per principal (PrincipalState::conditions).
  bool has_where = false;
  Json where_json;
  std::optional<query::FilterNode> where;
  bool where_vars = false;
  bool where_uses_id = false;             // names $principal.id: never holds for anonymous callers
  std::vector<std::string> where_fields;  // top-level document members it reads
};

struct FieldMask {
  std::vector<std::string> hidden;
  std::vector<std::string> read_only;
};

struct ModelInfo {
  std::string name;
  bool singleton = false;
  std::vector<std::string> literals;              // per key segment: its text (dynamic: empty)
  std::vector<const schema::DynamicType*> types;  // per key segment: dynamic type or null
  std::vector<int> id_index;                      // per key segment: which id, or -1
  std::vector<int> rules;                         // model-layer rule indices
  bool entity_grants = false;
  std::string grants_pointer;
  int grants_line = 0, grants_column = 0;
  std::map<std::string, FieldMask, std::less<>> fields;  // by role name or "*"
  std::string collection_prefix;  // "org/customers/" (singleton: "org/settings/")
};

class CompiledPolicy final : public AccessPolicy {
 public:
  bool enabled() const override { return enabled_; }
  Decision Decide(const AccessRequest& request) const override;
  FieldAccess Fields(const Principal& principal, std::string_view model) const override;
  bool UsesEntityGrants(std::string_view model) const override;
  std::vector<std::string> Roles() const override { return role_names_; }
  std::optional<std::vector<std::string>> ConditionFields(const Principal& principal,
                                                          std::string_view model) const override;
  RowCheck CompileRowCheck(const Principal& principal, std::string_view model,
                           const std::vector<Action>& actions) const override;

  // For export and explain.
  const std::vector<Rule>& rules() const { return rules_; }
  const std::vector<ModelInfo>& models() const { return models_; }
  const ModelInfo* FindModel(std::string_view name) const;
  // The roles whose closure contains `role` (itself included).
  std::vector<int> RolesIncluding(int role) const;
  const std::string& RoleName(int i) const { return role_names_[i]; }

  // Filled by the compiler.
  bool enabled_ = false;
  uint64_t serial_ = 0;
  std::vector<std::string> role_names_;
  std::map<std::string, int, std::less<>> role_index_;
  std::vector<std::vector<uint8_t>> role_closure_;  // [role][other]: role has other's rights
  std::vector<Rule> rules_;
  std::vector<int> bucket_rules_, path_rules_;
  std::vector<ModelInfo> models_;
  std::map<std::string, int, std::less<>> model_index_;
  std::map<std::string, schema::DynamicType> types_;
  schema::Symbols symbols_;

 private:
  struct PrincipalState;
  // Valid until the next StateFor call on this thread (a per-thread cache).
  const PrincipalState* StateFor(const Principal& p) const;
  std::shared_ptr<PrincipalState> BuildState(const Principal& p) const;
};

// One problem in the section, with the JSON pointer of the value.
struct AccessProblem {
  bool error = true;
  std::string code;
  std::string pointer;
  bool at_key = false;
  std::string message;
};

struct CompileOutput {
  std::shared_ptr<CompiledPolicy> policy;  // complete when no problem is an error
  std::vector<AccessProblem> problems;
};

// Compiles schema.access; `locate` (may be null) gives a pointer its line:column.
struct Locator {
  virtual ~Locator() = default;
  virtual TextPosition Locate(const std::string& pointer) const = 0;
};
CompileOutput CompileAccess(const schema::Schema& schema, const Locator* locate);

// `where` with principal variables replaced; false when a variable is unknown.
bool SubstituteVariables(const Json& where, const std::string& id, const Json& roles, Json* out);

}  // namespace worm::security::internal

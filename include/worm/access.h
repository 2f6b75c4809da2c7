// Access control: who may do what. One evaluator (AccessPolicy) decides for
// every door a request comes through: the engine (library, CLI), `worm serve`
// for keys the schema covers, and later the REST gateway. A rule means the
// same thing whichever door is used.
//
// Rules live in the "access" section of .worm/schema.json (roles, bucket
// defaults, per-model rules, path-pattern rules, row-level conditions,
// field-level read/write masks); docs/access-control.md is the reference.
// Identities and secrets never live in the schema (security/identity.h,
// security/keychain.h).
//
// Precedence (every layer is evaluated; the strictest wins):
//   1. an explicit deny at any layer (bucket, model, path, entity) wins;
//   2. a token's scopes (Principal::scopes) can only narrow: a request any
//      scope does not admit is denied, whatever the rules grant;
//   3. otherwise an allow from any layer grants, provided its row-level
//      condition (if any) holds for the document;
//   4. otherwise deny (default deny once the schema has an access section).
// A schema without an "access" section keeps the open behaviour:
// AccessPolicy::enabled() is false and every Decide() allows.
//
// Thread-safety: an AccessPolicy is immutable after compilation and safe to
// use from any number of threads.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "worm/result.h"

namespace worm {

namespace schema {
struct Schema;
}

enum class Action { kRead, kList, kCreate, kUpdate, kDelete, kRestore, kAdmin };
inline constexpr Action kAllActions[] = {Action::kRead,   Action::kList,   Action::kCreate,
                                         Action::kUpdate, Action::kDelete, Action::kRestore,
                                         Action::kAdmin};
// "read", "list", ... Inline (as the table above): token parsing uses them
// without the policy evaluator's library.
inline constexpr std::string_view kActionNames[] = {"read",   "list",    "create", "update",
                                                    "delete", "restore", "admin"};
inline std::string_view ActionName(Action action) {
  const auto i = static_cast<size_t>(action);
  return i < std::size(kActionNames) ? kActionNames[i] : std::string_view("?");
}
inline std::optional<Action> ParseAction(std::string_view name) {
  for (Action a : kAllActions) {
    if (ActionName(a) == name) return a;
  }
  return std::nullopt;
}

// One restriction a token carries (a caveat set). An empty list admits
// anything on that axis; a request must be admitted on every axis.
struct Scope {
  std::vector<Action> actions;
  std::vector<std::string> models;
  // Entity ids, composite ids joined by '/'.
  std::vector<std::string> ids;
  // Path DSL patterns of the schema's layout ("#org/@customers/*") or plain
  // key prefixes ending in '/'; a key is admitted when any one matches.
  std::vector<std::string> paths;
};

// Who is asking. Built from a verified token (security/token.h), a local
// identity (--as, security/identity.h) or a `worm serve` access key.
struct Principal {
  std::string id;  // "alice"; empty for an anonymous caller
  std::vector<std::string> roles;
  // Narrowing from a token; every scope must admit the request
  // (attenuation appends scopes, it never removes one).
  std::vector<Scope> scopes;
  bool anonymous() const { return id.empty(); }
};

// What a request touches.
struct Resource {
  std::string model;             // empty: a key no model covers (`worm serve`)
  std::vector<std::string> ids;  // empty: the model as a whole (list, create before ids)
  std::string key;               // the object key when known
};

// One evaluation's inputs besides the policy.
struct AccessRequest {
  const Principal* principal = nullptr;  // required
  Action action = Action::kRead;
  Resource resource;
  // The document the row-level conditions look at: the stored document for
  // read/list/update/delete/restore, the proposed one for create. For update
  // the engine asks twice: once with the stored document (may the caller
  // touch this row?) and once with the new one (may the row become this?).
  // Null: not known yet (see Decision::kNeedsDocument).
  const nlohmann::json* document = nullptr;
  // The per-entity grants stored with the entity (its system file), when the
  // model's rules use them (AccessPolicy::UsesEntityGrants). Null: none.
  const nlohmann::json* entity_grants = nullptr;
};

struct Decision {
  enum class Effect {
    kAllow,
    kDeny,
    // Only a row-level condition or an entity grant can decide: ask again
    // with the document (and grants). Never returned when a document is given.
    kNeedsDocument,
  };
  Effect effect = Effect::kDeny;
  // The rule that decided, as a JSON pointer into schema.json
  // ("/access/models/Invoice/rules/2"); empty for the default deny, a token
  // scope, or a disabled policy.
  std::string rule;
  int line = 0;  // 1-based position of that rule in schema.json (0: unknown)
  int column = 0;
  // Human reason: "denied by rule ...", "no rule grants read on Invoice",
  // "token scope does not admit model Customer". Never a hidden field's value.
  std::string reason;

  bool allowed() const { return effect == Effect::kAllow; }
};

// Field-level security of one principal on one model. Paths are field names
// or dotted paths into nested objects ("address.street").
struct FieldAccess {
  std::vector<std::string> hidden;          // may not read: absent from every result
  std::vector<std::string> read_only;       // may not write: create/update refused
  bool Hides(std::string_view path) const;  // path or a parent/child of it is hidden
};

// A row-level test compiled once (AccessPolicy::CompileRowCheck): whether
// Decide() would allow the compiled actions on an entity with this document.
// Valid while the policy that compiled it lives; safe from any thread.
using RowCheck = std::function<bool(const nlohmann::json& document)>;

class AccessPolicy {
 public:
  virtual ~AccessPolicy() = default;

  // False when the schema has no access section: every Decide() allows and
  // no field is hidden (the open behaviour of a project without rules).
  virtual bool enabled() const = 0;

  virtual Decision Decide(const AccessRequest& request) const = 0;

  // Field masks for `principal` on `model` (empty when nothing is masked).
  virtual FieldAccess Fields(const Principal& principal, std::string_view model) const = 0;

  // Whether Decide() for `model` may look at per-entity grants, so that the
  // engine reads the grants file only when it matters.
  virtual bool UsesEntityGrants(std::string_view model) const = 0;

  // Roles the policy declares (for `worm access explain`, lint, identities).
  virtual std::vector<std::string> Roles() const = 0;

  // The top-level document members the row-level conditions on `model` may
  // read for `principal` (any action), sorted and unique; nullopt when the
  // policy cannot say, and the caller must give Decide() whole documents.
  // Lets a caller that builds only some members of each document (the
  // query runner's partial parser) decide on those. Not virtual-pure so
  // that an evaluator without it stays correct (only slower).
  virtual std::optional<std::vector<std::string>> ConditionFields(const Principal& principal,
                                                                  std::string_view model) const {
    (void)principal;
    (void)model;
    return std::nullopt;
  }

  // For a listing's per-row decisions: a test that gives, for any one
  // entity of `model` and its document, what Decide() with that entity's
  // ids, key and document would give (allowed() for every one of `actions`),
  // without allocating. Empty when the answer can depend on more than the
  // document (entity grants, path rules or token scopes that single out
  // some entities): the caller then asks Decide() per entity. Not
  // virtual-pure, like ConditionFields.
  virtual RowCheck CompileRowCheck(const Principal& principal, std::string_view model,
                                   const std::vector<Action>& actions) const {
    (void)principal;
    (void)model;
    (void)actions;
    return {};
  }
};

// Compiles `schema.access` (the "access" section as LoadSchema kept it)
// against `schema` (models, path DSL). `schema_text`, the whole schema.json
// when known, only serves to give decisions their line:column (empty: 0:0).
// A schema without the section gives a disabled policy. InvalidArgument
// "access...: <why>" for a bad section; `worm lint` reports every problem.
Result<std::shared_ptr<const AccessPolicy>> CompileAccessPolicy(const schema::Schema& schema,
                                                                std::string_view schema_text);

// A policy that allows everything (what a project without rules uses).
std::shared_ptr<const AccessPolicy> OpenAccessPolicy();

}  // namespace worm

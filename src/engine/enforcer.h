// Enforcer: one principal's use of the access rules (worm/access.h) inside the
// engine. A Project bound to a principal (or a view from Project::As) owns
// one; Repository calls and the engine paths that reach other models on the
// caller's behalf (populate, onDelete cascades, links) ask it. Null where an
// Enforcer is taken means the trusted owner: nothing is checked.
//
// Decisions go model level first (no document; cached per model for
// listings), then, when the policy answers kNeedsDocument, again with the
// document and, when the model's rules use them, the entity's grants file.
// Hidden and read-only fields come from AccessPolicy::Fields, split into
// paths once per model.
//
// Thread-safety: immutable after construction except the lazily filled
// model-level decision cache (behind a mutex); safe from any thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "worm/access.h"
#include "worm/repository.h"

namespace worm::engine {

class ModelStore;
class ProjectState;

class Enforcer {
 public:
  // `broken`: the access section did not compile; every check returns it.
  Enforcer(const ProjectState* project, std::shared_ptr<const AccessPolicy> policy,
           Principal principal, Status broken = Status::OK());

  const Principal& principal() const { return principal_; }
  // "alice", or "anonymous".
  std::string Who() const;
  // False when the policy is disabled (no access section): every check passes.
  bool active() const { return active_; }

  // OK, or PermissionDenied "<who> may not <action> <Model id>: <reason>".
  // `doc` null: the model-level decision only (kNeedsDocument passes: a row
  // check with the document follows). With a document, the full decision.
  Status Require(ModelStore& store, Action action, const EntityIds& ids, const Json* doc) const;
  // OK only when `action` is allowed on the model as a whole (no row-level
  // condition can allow a model-wide operation such as Repair).
  Status RequireWhole(ModelStore& store, Action action) const;
  // Whether the principal may read `doc` (and list it when `listing`).
  // PermissionDenied when the model is not readable (listable) at all.
  // `key`: the document's key when known (else computed).
  Result<bool> CanRead(ModelStore& store, const EntityIds& ids, const std::string* key,
                       const Json& doc, bool listing) const;
  // NotFound "<Model id>: not found" (as for a missing entity) when the
  // principal may not read `doc`; PermissionDenied as CanRead.
  Status RequireVisible(ModelStore& store, const EntityIds& ids, const Json& doc) const;
  // The members CanRead needs (Repository::VisibilityFields).
  std::optional<std::vector<std::string>> VisibilityFields(const ModelStore& store) const;

  // ---- fields
  const FieldAccess& Fields(const ModelStore& store) const;
  // Removes the hidden fields of `store`'s model from `doc`.
  void Redact(const ModelStore& store, Json& doc) const;
  // PermissionDenied naming the first hidden one of `paths`.
  Status CheckReadable(const ModelStore& store, const std::vector<std::string>& paths) const;
  // PermissionDenied naming the first read-only field `after` sets (create:
  // `before` null) or changes.
  Status CheckWrite(const ModelStore& store, const EntityIds& ids, Action action,
                    const Json* before, const Json& after) const;
  // `mutate` as the principal runs it: the row must be visible and
  // updatable, the callback edits a redacted copy, hidden fields come back
  // from the stored document, read-only ones must stay, and the new
  // document must be one the principal may update to.
  std::function<Status(Json&)> GuardUpdate(ModelStore& store, const EntityIds& ids,
                                           std::function<Status(Json&)> mutate) const;

 private:
  // CanRead's per-row test, compiled once per model and kind (read, list):
  // `usable` when every action the row needs is allowed at model level or
  // decided by the document alone (AccessPolicy::CompileRowCheck).
  struct RowTest {
    std::once_flag once;
    bool usable = false;
    RowCheck check;  // empty: every action allowed at model level
  };
  struct ModelFields {
    FieldAccess access;
    std::vector<std::vector<std::string>> hidden, read_only;  // split paths
    std::unique_ptr<RowTest> rows[2];                         // [listing]
  };
  // The policy's answer for `action` on `store` (ids, key, doc, grants as given).
  Result<Decision> Ask(ModelStore& store, Action action, const EntityIds& ids,
                       const std::string* key, const Json* doc) const;
  // Model-level (no ids, no document) decision, cached.
  Decision::Effect ModelEffect(ModelStore& store, Action action, std::string* reason) const;
  // The compiled per-row test of CanRead, or null (ask per row).
  const RowTest* RowTestFor(ModelStore& store, bool listing) const;
  Status Denied(const ModelStore& store, Action action, const EntityIds& ids,
                const Decision& d) const;

  const ProjectState* project_;
  std::shared_ptr<const AccessPolicy> policy_;
  Principal principal_;
  Status broken_;
  bool active_;
  std::map<const schema::Model*, ModelFields> fields_;
  mutable std::mutex mu_;
  mutable std::map<std::pair<const schema::Model*, Action>, Decision> model_decisions_;
  // The members any "where" of the access section names (VisibilityFields
  // when the policy says nothing); nullopt when that cannot be told.
  std::optional<std::vector<std::string>> condition_fields_;
};

}  // namespace worm::engine

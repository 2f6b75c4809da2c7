// Enforcer: decisions, row visibility and field masks for one principal.
#include "engine/enforcer.h"

#include <set>

#include "core/strings.h"
#include "engine/engine_internal.h"

namespace worm::engine {
namespace {

// Erases the member `segs[i..]` names, in every object element of arrays on
// the way (as query paths reach through arrays).
void ErasePath(Json& v, const std::vector<std::string>& segs, size_t i) {
  if (v.is_array()) {
    for (Json& e : v) ErasePath(e, segs, i);
    return;
  }
  if (!v.is_object()) return;
  if (i + 1 == segs.size()) {
    v.erase(segs[i]);
    return;
  }
  auto it = v.find(segs[i]);
  if (it != v.end()) ErasePath(*it, segs, i + 1);
}

// Copies members at `segs[i..]` that `stored` holds and `next` lacks
// (through objects; a path through an array is not reached).
void CopyMissing(const Json& stored, Json& next, const std::vector<std::string>& segs, size_t i) {
  if (!stored.is_object() || !next.is_object()) return;
  auto from = stored.find(segs[i]);
  if (from == stored.end()) return;
  auto to = next.find(segs[i]);
  if (i + 1 == segs.size()) {
    if (to == next.end()) next[segs[i]] = *from;
    return;
  }
  if (!from->is_object()) return;
  if (to == next.end()) to = next.emplace(segs[i], Json::object()).first;
  CopyMissing(*from, *to, segs, i + 1);
}

// The value at `segs` following objects; the first non-object on the way
// stands for the whole path (a change inside an array is a change of it).
const Json* ValueAt(const Json& doc, const std::vector<std::string>& segs) {
  const Json* v = &doc;
  for (const std::string& s : segs) {
    if (!v->is_object()) return v;
    auto it = v->find(s);
    if (it == v->end() || it->is_null()) return nullptr;
    v = &*it;
  }
  return v;
}

// Every top-level document member a row-level condition of the access
// section could read: the first segment of every object key, at any depth,
// of every "where" anywhere in the section ("$..." operators aside). A
// superset (it ignores which model or role a rule is for), only used to
// choose which members a partial document must hold; the evaluator still
// decides. nullopt when a "where" is not an object.
bool CollectKeys(const Json& v, std::set<std::string>* out) {
  if (v.is_array()) {
    for (const Json& e : v)
      if (!CollectKeys(e, out)) return false;
  } else if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (!it.key().empty() && it.key()[0] != '$')
        out->insert(it.key().substr(0, it.key().find('.')));
      if (!CollectKeys(it.value(), out)) return false;
    }
  }
  return true;
}

bool CollectWhere(const Json& v, std::set<std::string>* out) {
  if (v.is_array()) {
    for (const Json& e : v)
      if (!CollectWhere(e, out)) return false;
  } else if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (it.key() == "where") {
        if (!it.value().is_object() || !CollectKeys(it.value(), out)) return false;
      } else if (!CollectWhere(it.value(), out)) {
        return false;
      }
    }
  }
  return true;
}

bool SameValue(const Json* a, const Json* b) {
  if (a == nullptr || b == nullptr) return a == b;
  return *a == *b;
}

}  // namespace

Enforcer::Enforcer(const ProjectState* project, std::shared_ptr<const AccessPolicy> policy,
                   Principal principal, Status broken)
    : project_(project),
      policy_(std::move(policy)),
      principal_(std::move(principal)),
      broken_(std::move(broken)),
      active_(!broken_.ok() || (policy_ != nullptr && policy_->enabled())) {
  if (!active_ || !broken_.ok()) return;
  std::set<std::string> members;
  if (CollectWhere(project_->schema().access, &members)) {
    condition_fields_.emplace(members.begin(), members.end());
  }
  for (const schema::Model& m : project_->schema().models) {
    ModelFields f;
    f.access = policy_->Fields(principal_, m.name);
    for (const std::string& p : f.access.hidden) f.hidden.push_back(Split(p, '.'));
    for (const std::string& p : f.access.read_only) f.read_only.push_back(Split(p, '.'));
    for (auto& rows : f.rows) rows = std::make_unique<RowTest>();
    fields_.emplace(&m, std::move(f));
  }
}

std::string Enforcer::Who() const {
  return principal_.anonymous() ? std::string("anonymous") : principal_.id;
}

Status Enforcer::Denied(const ModelStore& store, Action action, const EntityIds& ids,
                        const Decision& d) const {
  std::string reason = d.reason.empty() ? std::string("denied") : d.reason;
  return Status::PermissionDenied(Who() + " may not " + std::string(ActionName(action)) + " " +
                                  store.Describe(ids) + ": " + reason);
}

Result<Decision> Enforcer::Ask(ModelStore& store, Action action, const EntityIds& ids,
                               const std::string* key, const Json* doc) const {
  if (!broken_.ok()) return broken_;
  // One request per thread, reused: its strings keep their capacity, so a
  // listing's per-row decisions do not allocate for the resource.
  thread_local AccessRequest request;
  request.principal = &principal_;
  request.action = action;
  request.resource.model = store.model().name;
  request.resource.ids = ids;
  request.resource.key.clear();
  if (key != nullptr) {
    request.resource.key = *key;
  } else if (!ids.empty() || store.model().singleton) {
    if (auto k = store.KeyOf(ids); k.ok()) request.resource.key = std::move(*k);
  }
  request.document = doc;
  request.entity_grants = nullptr;
  std::optional<Json> grants;
  if (doc != nullptr && policy_->UsesEntityGrants(store.model().name)) {
    ASSIGN_OR_RETURN(grants, store.ReadGrants(ids));
    if (grants) request.entity_grants = &*grants;
  }
  Decision d = policy_->Decide(request);
  request.document = nullptr;
  request.entity_grants = nullptr;
  if (doc != nullptr && d.effect == Decision::Effect::kNeedsDocument) {
    d.effect = Decision::Effect::kDeny;  // the contract says never; fail closed
  }
  return d;
}

Decision::Effect Enforcer::ModelEffect(ModelStore& store, Action action,
                                       std::string* reason) const {
  auto id = std::make_pair(&store.model(), action);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = model_decisions_.find(id); it != model_decisions_.end()) {
      if (reason != nullptr) *reason = it->second.reason;
      return it->second.effect;
    }
  }
  Result<Decision> d = Ask(store, action, {}, nullptr, nullptr);
  Decision out;
  if (d.ok()) out = std::move(*d);
  if (!d.ok()) out.reason = d.status().message();
  if (reason != nullptr) *reason = out.reason;
  Decision::Effect effect = out.effect;
  std::lock_guard<std::mutex> lock(mu_);
  model_decisions_.emplace(id, std::move(out));
  return effect;
}

Status Enforcer::Require(ModelStore& store, Action action, const EntityIds& ids,
                         const Json* doc) const {
  if (!active_) return Status::OK();
  ASSIGN_OR_RETURN(Decision d, Ask(store, action, ids, nullptr, doc));
  if (d.allowed() || (doc == nullptr && d.effect == Decision::Effect::kNeedsDocument)) {
    return Status::OK();
  }
  return Denied(store, action, ids, d);
}

Status Enforcer::RequireWhole(ModelStore& store, Action action) const {
  if (!active_) return Status::OK();
  ASSIGN_OR_RETURN(Decision d, Ask(store, action, {}, nullptr, nullptr));
  if (d.allowed()) return Status::OK();
  if (d.effect == Decision::Effect::kNeedsDocument) {
    d.reason = "only some of its entities are granted, and this acts on them all";
  }
  return Denied(store, action, {}, d);
}

const Enforcer::RowTest* Enforcer::RowTestFor(ModelStore& store, bool listing) const {
  auto it = fields_.find(&store.model());
  if (it == fields_.end()) return nullptr;
  RowTest* t = it->second.rows[listing ? 1 : 0].get();
  std::call_once(t->once, [&] {
    std::vector<Action> per_row;
    for (Action action : {Action::kList, Action::kRead}) {
      if (action == Action::kList && !listing) continue;
      Decision::Effect e = ModelEffect(store, action, nullptr);
      if (e == Decision::Effect::kAllow) continue;
      if (e != Decision::Effect::kNeedsDocument) return;  // denied: the slow path says why
      per_row.push_back(action);
    }
    if (!per_row.empty()) {
      t->check = policy_->CompileRowCheck(principal_, store.model().name, per_row);
      if (!t->check) return;
    }
    t->usable = true;
  });
  return t->usable ? t : nullptr;
}

Result<bool> Enforcer::CanRead(ModelStore& store, const EntityIds& ids, const std::string* key,
                               const Json& doc, bool listing) const {
  if (!active_) return true;
  if (!broken_.ok()) return broken_;
  // A listing asks per row: once the rules reduce to a test of the document,
  // run that (no request built, no lock, no allocation).
  if (const RowTest* fast = RowTestFor(store, listing)) return !fast->check || fast->check(doc);
  // Per action: decided at model level, or asked again with the document.
  Action row[2];
  int rows = 0;
  for (Action action : {Action::kList, Action::kRead}) {
    if (action == Action::kList && !listing) continue;
    Decision::Effect e = ModelEffect(store, action, nullptr);  // no copy of the reason per row
    if (e == Decision::Effect::kNeedsDocument) {
      row[rows++] = action;
      continue;
    }
    if (e == Decision::Effect::kAllow) continue;
    std::string reason;
    ModelEffect(store, action, &reason);
    // Flatly denied at model level: maybe only this id is admitted (a
    // token scoped to ids); ask for the entity before refusing.
    ASSIGN_OR_RETURN(Decision d, Ask(store, action, ids, key, nullptr));
    if (d.effect == Decision::Effect::kNeedsDocument) {
      row[rows++] = action;
      continue;
    }
    if (!d.allowed()) {
      Decision model;
      model.reason = reason.empty() ? d.reason : reason;
      return Denied(store, action, {}, model);
    }
  }
  for (int i = 0; i < rows; ++i) {
    ASSIGN_OR_RETURN(Decision d, Ask(store, row[i], ids, key, &doc));
    if (!d.allowed()) return false;
  }
  return true;
}

Status Enforcer::RequireVisible(ModelStore& store, const EntityIds& ids, const Json& doc) const {
  ASSIGN_OR_RETURN(bool visible, CanRead(store, ids, nullptr, doc, /*listing=*/false));
  if (!visible) return Status::NotFound(store.Describe(ids) + ": not found");
  return Status::OK();
}

std::optional<std::vector<std::string>> Enforcer::VisibilityFields(const ModelStore& store) const {
  if (!active_) return std::vector<std::string>();
  if (!broken_.ok()) return std::nullopt;
  ModelStore& s = const_cast<ModelStore&>(store);
  bool allowed = true;
  for (Action action : {Action::kList, Action::kRead}) {
    if (ModelEffect(s, action, nullptr) != Decision::Effect::kAllow) allowed = false;
  }
  if (allowed) return std::vector<std::string>();
  // Denied models too: CanRead asks per entity before refusing (ids scopes).
  std::optional<std::vector<std::string>> fields =
      policy_->ConditionFields(principal_, store.model().name);
  if (!fields) fields = condition_fields_;
  // Entity grants live in a file of their own: the members are not enough
  // to miss, but an empty list would mean "no row check" here.
  if (fields && fields->empty()) fields->push_back("id");
  return fields;
}

const FieldAccess& Enforcer::Fields(const ModelStore& store) const {
  static const FieldAccess kNone;
  auto it = fields_.find(&store.model());
  return it == fields_.end() ? kNone : it->second.access;
}

void Enforcer::Redact(const ModelStore& store, Json& doc) const {
  auto it = fields_.find(&store.model());
  if (it == fields_.end()) return;
  for (const auto& segs : it->second.hidden) ErasePath(doc, segs, 0);
}

Status Enforcer::CheckReadable(const ModelStore& store,
                               const std::vector<std::string>& paths) const {
  if (!active_) return Status::OK();
  RETURN_NOT_OK(broken_);
  const FieldAccess& f = Fields(store);
  if (f.hidden.empty()) return Status::OK();
  for (const std::string& p : paths) {
    if (f.Hides(p)) {
      return Status::PermissionDenied(Who() + " may not read " + store.model().name + "." + p +
                                      ": the field is hidden from it");
    }
  }
  return Status::OK();
}

Status Enforcer::CheckWrite(const ModelStore& store, const EntityIds& ids, Action action,
                            const Json* before, const Json& after) const {
  auto it = fields_.find(&store.model());
  if (it == fields_.end()) return Status::OK();
  const ModelFields& f = it->second;
  for (size_t i = 0; i < f.read_only.size(); ++i) {
    const Json* now = ValueAt(after, f.read_only[i]);
    const Json* was = before != nullptr ? ValueAt(*before, f.read_only[i]) : nullptr;
    if (SameValue(now, was)) continue;
    return Status::PermissionDenied(Who() + " may not " + std::string(ActionName(action)) + " " +
                                    store.Describe(ids) + ": field \"" + f.access.read_only[i] +
                                    "\" is read-only for it");
  }
  return Status::OK();
}

std::function<Status(Json&)> Enforcer::GuardUpdate(ModelStore& store, const EntityIds& ids,
                                                   std::function<Status(Json&)> mutate) const {
  return [this, &store, ids, mutate = std::move(mutate)](Json& doc) -> Status {
    if (!active_) return mutate(doc);
    RETURN_NOT_OK(RequireVisible(store, ids, doc));
    RETURN_NOT_OK(Require(store, Action::kUpdate, ids, &doc));
    auto it = fields_.find(&store.model());
    bool masked =
        it != fields_.end() && !(it->second.hidden.empty() && it->second.read_only.empty());
    std::optional<Json> stored;
    if (masked) {
      stored = doc;
      Redact(store, doc);
    }
    RETURN_NOT_OK(mutate(doc));
    if (!doc.is_object()) return Status::OK();  // the engine refuses it, naming the type
    if (masked) {
      for (const auto& segs : it->second.hidden) CopyMissing(*stored, doc, segs, 0);
      RETURN_NOT_OK(CheckWrite(store, ids, Action::kUpdate, &*stored, doc));
    }
    // The ids as the engine will stamp them, so rules on them see the row.
    std::vector<std::string> names = store.IdFieldNames();
    for (size_t i = 0; i < names.size() && i < ids.size(); ++i) {
      if (!doc.contains(names[i])) doc[names[i]] = ids[i];
    }
    return Require(store, Action::kUpdate, ids, &doc);
  };
}

}  // namespace worm::engine

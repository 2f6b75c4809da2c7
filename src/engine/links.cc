// Entity links: onDelete rules of ref fields and many-to-many links through
// a join model (the source model's "links"). Populate is in populate.cc.
#include "engine/enforcer.h"
#include "engine/engine_internal.h"

namespace worm::engine {
namespace {

using schema::Field;

// Does `v` (a ref field's value: an id or an array of ids) point at `id`?
bool RefersTo(const Json& v, const std::string& id) {
  if (v.is_string()) return v.get<std::string>() == id;
  if (v.is_array()) {
    for (const Json& e : v)
      if (e.is_string() && e.get<std::string>() == id) return true;
  }
  return false;
}

struct LinkSpec {
  ModelStore* join = nullptr;
  ModelStore* target = nullptr;
  std::string from, to;
};

}  // namespace

namespace {

// setNull of `field`: ids equal to `id` removed from an array, else null.
void UnsetRef(Json& doc, const std::string& field, const std::string& id) {
  Json& v = doc[field];
  if (v.is_array()) {
    Json kept = Json::array();
    for (const Json& x : v)
      if (!(x.is_string() && x.get<std::string>() == id)) kept.push_back(x);
    v = kept;
  } else {
    v = nullptr;
  }
}

}  // namespace

Status ModelStore::ApplyOnDelete(const EntityIds& ids, const RemoveOptions& options,
                                 bool check_only, const Enforcer* enforcer) {
  if (enforcer != nullptr && !enforcer->active()) enforcer = nullptr;
  const std::string id = JoinIds(ids);
  std::vector<std::string> restricting;
  size_t restricting_unseen = 0;  // referencing entities the principal may not read
  for (const auto& [name, store] : project_->stores()) {
    for (const Field& f : store->model().fields) {
      bool ref_here = f.ref == model_->name || (f.items && f.items->ref == model_->name);
      schema::OnDelete rule = f.ref == model_->name ? f.on_delete
                              : f.items             ? f.items->on_delete
                                                    : schema::OnDelete::kNone;
      if (!ref_here || rule == schema::OnDelete::kNone) continue;
      // The check pass sees restrict rules, and every rule when rights are checked.
      bool wanted = check_only ? (rule == schema::OnDelete::kRestrict || enforcer != nullptr)
                               : rule != schema::OnDelete::kRestrict;
      if (!wanted) continue;
      ListOptions lo;
      std::vector<Entity> hits;
      RETURN_NOT_OK(store->Scan(lo, [&](const Entity& e) -> Status {
        auto it = e.document.find(f.name);
        if (it != e.document.end() && RefersTo(*it, id)) hits.push_back(e);
        return Status::OK();
      }));
      for (const Entity& e : hits) {
        if (rule == schema::OnDelete::kRestrict) {
          bool seen = true;
          if (enforcer != nullptr) {
            ASSIGN_OR_RETURN(seen, enforcer->CanRead(*store, e.ids, &e.key, e.document, false));
          }
          if (seen) {
            restricting.push_back(store->Describe(e.ids) + " (" + f.name + ")");
          } else {
            ++restricting_unseen;
          }
        } else if (check_only) {
          // The principal's rights over the effect, before anything is written.
          ASSIGN_OR_RETURN(bool seen, enforcer->CanRead(*store, e.ids, &e.key, e.document, false));
          const std::string what = rule == schema::OnDelete::kCascade ? "delete" : "update";
          if (!seen) {
            return Status::PermissionDenied(
                enforcer->Who() + " may not delete " + Describe(ids) + ": onDelete " +
                (rule == schema::OnDelete::kCascade ? "cascade" : "setNull") + " would " + what +
                " " + store->model().name + " entities it may not read");
          }
          if (rule == schema::OnDelete::kCascade) {
            RETURN_NOT_OK(enforcer->Require(*store, Action::kDelete, e.ids, &e.document)
                              .WithContext(Describe(ids) + ": cascade"));
            RETURN_NOT_OK(store->ApplyOnDelete(e.ids, options, true, enforcer));
          } else {
            Json after = e.document;
            UnsetRef(after, f.name, id);
            RETURN_NOT_OK(enforcer->Require(*store, Action::kUpdate, e.ids, &e.document)
                              .WithContext(Describe(ids) + ": setNull"));
            RETURN_NOT_OK(enforcer->CheckWrite(*store, e.ids, Action::kUpdate, &e.document, after)
                              .WithContext(Describe(ids) + ": setNull"));
            RETURN_NOT_OK(enforcer->Require(*store, Action::kUpdate, e.ids, &after)
                              .WithContext(Describe(ids) + ": setNull"));
          }
        } else if (rule == schema::OnDelete::kCascade) {
          RemoveOptions ro = options;
          ro.if_match.clear();
          ro.reason = "cascade: " + Describe(ids) + " deleted";
          Status st = store->Delete(e.ids, ro, enforcer);
          if (!st.ok() && !st.IsNotFound()) return st.WithContext(Describe(ids) + ": cascade");
        } else {
          const std::string field = f.name;
          std::function<Status(Json&)> unset = [&](Json& doc) -> Status {
            UnsetRef(doc, field, id);
            return Status::OK();
          };
          if (enforcer != nullptr) unset = enforcer->GuardUpdate(*store, e.ids, unset);
          UpdateOptions uo;
          uo.actor = options.actor;
          auto r = store->Update(e.ids, unset, uo, false);
          if (!r.ok() && !r.status().IsNotFound()) {
            return r.status().WithContext(Describe(ids) + ": setNull");
          }
        }
      }
    }
  }
  if (restricting.empty() && restricting_unseen == 0) return Status::OK();
  std::string list;
  for (size_t i = 0; i < restricting.size() && i < 10; ++i)
    list += (i ? ", " : "") + restricting[i];
  if (restricting.size() > 10) list += ", ... (" + std::to_string(restricting.size()) + " in all)";
  if (restricting_unseen > 0) {
    list += (list.empty() ? "" : ", and ") + std::to_string(restricting_unseen) +
            " entities the caller may not read";
  }
  return Status::FailedPrecondition(Describe(ids) + ": still referenced (onDelete restrict) by " +
                                    list + "; delete or re-point those first");
}

namespace {

Result<LinkSpec> FindLink(ProjectState& p, const schema::Model& m, const std::string& link) {
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument(m.name + ": link '" + link + "': " + why);
  };
  if (!m.links.is_object() || !m.links.contains(link)) {
    std::string known;
    if (m.links.is_object())
      for (auto it = m.links.begin(); it != m.links.end(); ++it)
        known += (known.empty() ? "" : ", ") + it.key();
    return Status::NotFound(m.name + ": no link '" + link + "' (known: " +
                            (known.empty() ? "none" : known) + "); declare it in \"links\"");
  }
  const Json& spec = m.links[link];
  if (!spec.is_object() || !spec.contains("through") || !spec["through"].is_string()) {
    return bad("needs {\"through\": <join model>, \"from\": <field>, \"to\": <field>}");
  }
  LinkSpec out;
  ASSIGN_OR_RETURN(out.join, p.Store(spec["through"].get<std::string>()));
  out.from = spec.value("from", std::string());
  out.to = spec.value("to", std::string());
  if (out.from.empty() || out.to.empty()) return bad("\"from\" and \"to\" must name fields");
  std::string target = spec.value("model", std::string());
  if (target.empty()) {
    const Field* to = out.join->model().FindField(out.to);
    if (to == nullptr || to->ref.empty()) return bad("field '" + out.to + "' has no ref");
    target = to->ref;
  }
  ASSIGN_OR_RETURN(out.target, p.Store(target));
  return out;
}

}  // namespace

// A link changes the source entity's relations: the principal must see and
// update it, and see the target; the join entity is created (deleted) under
// the join model's own create (delete) rules.
Status ModelStore::CheckLinkRights(const EntityIds& ids, ModelStore* target,
                                   const EntityIds& target_ids, const Enforcer* enforcer,
                                   bool update) {
  if (enforcer == nullptr || !enforcer->active()) return Status::OK();
  ASSIGN_OR_RETURN(Entity source, Get(ids, {}));
  RETURN_NOT_OK(enforcer->RequireVisible(*this, ids, source.document));
  if (update) RETURN_NOT_OK(enforcer->Require(*this, Action::kUpdate, ids, &source.document));
  if (target == nullptr) return Status::OK();
  ASSIGN_OR_RETURN(Entity t, target->Get(target_ids, {}));
  return enforcer->RequireVisible(*target, target_ids, t.document);
}

Result<Entity> ModelStore::Link(const EntityIds& ids, const std::string& link,
                                const EntityIds& target, const WriteContext& ctx,
                                const Enforcer* enforcer) {
  ASSIGN_OR_RETURN(LinkSpec spec, FindLink(*project_, *model_, link));
  RETURN_NOT_OK(CheckLinkRights(ids, spec.target, target, enforcer, true));
  std::string from = JoinIds(ids), to = JoinIds(target);
  std::optional<Entity> existing;
  RETURN_NOT_OK(spec.join->Scan({}, [&](const Entity& e) -> Status {
    if (e.document.value(spec.from, Json()) == from && e.document.value(spec.to, Json()) == to)
      existing = e;
    return Status::OK();
  }));
  if (existing) return *existing;
  CreateOptions co;
  co.actor = ctx.actor;
  return spec.join->Create(Json{{spec.from, from}, {spec.to, to}}, co, enforcer);
}

Status ModelStore::Unlink(const EntityIds& ids, const std::string& link, const EntityIds& target,
                          const WriteContext& ctx, const Enforcer* enforcer) {
  ASSIGN_OR_RETURN(LinkSpec spec, FindLink(*project_, *model_, link));
  RETURN_NOT_OK(CheckLinkRights(ids, nullptr, target, enforcer, true));
  std::string from = JoinIds(ids), to = JoinIds(target);
  std::vector<EntityIds> hits;
  RETURN_NOT_OK(spec.join->Scan({}, [&](const Entity& e) -> Status {
    if (e.document.value(spec.from, Json()) == from && e.document.value(spec.to, Json()) == to)
      hits.push_back(e.ids);
    return Status::OK();
  }));
  if (hits.empty())
    return Status::NotFound(Describe(ids) + ": not linked to " + to + " via " + link);
  RemoveOptions ro;
  ro.actor = ctx.actor;
  ro.hard = true;
  for (const EntityIds& h : hits) {
    Status st = spec.join->Delete(h, ro, enforcer);
    if (!st.ok() && !st.IsNotFound()) return st;
  }
  return Status::OK();
}

Result<std::vector<Entity>> ModelStore::Linked(const EntityIds& ids, const std::string& link,
                                               const Enforcer* enforcer) {
  ASSIGN_OR_RETURN(LinkSpec spec, FindLink(*project_, *model_, link));
  if (enforcer != nullptr && !enforcer->active()) enforcer = nullptr;
  RETURN_NOT_OK(CheckLinkRights(ids, nullptr, {}, enforcer, false));
  std::string from = JoinIds(ids);
  std::vector<std::string> targets;
  RETURN_NOT_OK(spec.join->Scan({}, [&](const Entity& e) -> Status {
    auto to = e.document.find(spec.to);
    if (e.document.value(spec.from, Json()) == from && to != e.document.end() && to->is_string())
      targets.push_back(to->get<std::string>());
    return Status::OK();
  }));
  std::vector<Entity> out;
  for (const std::string& t : targets) {
    auto got = spec.target->Get(SplitIds(t), {});
    if (got.status().IsNotFound()) continue;
    RETURN_NOT_OK(got.status());
    if (enforcer != nullptr) {  // targets the principal may not read are left out
      ASSIGN_OR_RETURN(bool seen,
                       enforcer->CanRead(*spec.target, got->ids, &got->key, got->document, false));
      if (!seen) continue;
      enforcer->Redact(*spec.target, got->document);
    }
    out.push_back(std::move(*got));
  }
  return out;
}

}  // namespace worm::engine

// Entity links: onDelete rules of ref fields and many-to-many links through
// a join model (the source model's "links"). Populate is in populate.cc.
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

Status ModelStore::ApplyOnDelete(const EntityIds& ids, const RemoveOptions& options,
                                 bool check_only) {
  const std::string id = JoinIds(ids);
  std::vector<std::string> restricting;
  for (const auto& [name, store] : project_->stores()) {
    for (const Field& f : store->model().fields) {
      bool ref_here = f.ref == model_->name || (f.items && f.items->ref == model_->name);
      schema::OnDelete rule = f.ref == model_->name ? f.on_delete
                              : f.items             ? f.items->on_delete
                                                    : schema::OnDelete::kNone;
      if (!ref_here || rule == schema::OnDelete::kNone) continue;
      if (check_only != (rule == schema::OnDelete::kRestrict)) continue;
      ListOptions lo;
      std::vector<Entity> hits;
      RETURN_NOT_OK(store->Scan(lo, [&](const Entity& e) -> Status {
        auto it = e.document.find(f.name);
        if (it != e.document.end() && RefersTo(*it, id)) hits.push_back(e);
        return Status::OK();
      }));
      for (const Entity& e : hits) {
        if (rule == schema::OnDelete::kRestrict) {
          restricting.push_back(store->Describe(e.ids) + " (" + f.name + ")");
        } else if (rule == schema::OnDelete::kCascade) {
          RemoveOptions ro = options;
          ro.if_match.clear();
          ro.reason = "cascade: " + Describe(ids) + " deleted";
          Status st = store->Delete(e.ids, ro);
          if (!st.ok() && !st.IsNotFound()) return st.WithContext(Describe(ids) + ": cascade");
        } else {
          const std::string field = f.name;
          auto unset = [&](Json& doc) -> Status {
            Json& v = doc[field];
            if (v.is_array()) {
              Json kept = Json::array();
              for (const Json& x : v)
                if (!(x.is_string() && x.get<std::string>() == id)) kept.push_back(x);
              v = kept;
            } else {
              v = nullptr;
            }
            return Status::OK();
          };
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
  if (restricting.empty()) return Status::OK();
  std::string list;
  for (size_t i = 0; i < restricting.size() && i < 10; ++i)
    list += (i ? ", " : "") + restricting[i];
  if (restricting.size() > 10) list += ", ... (" + std::to_string(restricting.size()) + " in all)";
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

Result<Entity> ModelStore::Link(const EntityIds& ids, const std::string& link,
                                const EntityIds& target, const WriteContext& ctx) {
  ASSIGN_OR_RETURN(LinkSpec spec, FindLink(*project_, *model_, link));
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
  return spec.join->Create(Json{{spec.from, from}, {spec.to, to}}, co);
}

Status ModelStore::Unlink(const EntityIds& ids, const std::string& link, const EntityIds& target,
                          const WriteContext& ctx) {
  ASSIGN_OR_RETURN(LinkSpec spec, FindLink(*project_, *model_, link));
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
    Status st = spec.join->Delete(h, ro);
    if (!st.ok() && !st.IsNotFound()) return st;
  }
  return Status::OK();
}

Result<std::vector<Entity>> ModelStore::Linked(const EntityIds& ids, const std::string& link) {
  ASSIGN_OR_RETURN(LinkSpec spec, FindLink(*project_, *model_, link));
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
    out.push_back(std::move(*got));
  }
  return out;
}

}  // namespace worm::engine

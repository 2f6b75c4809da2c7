// worm migrate: plan and apply (migrate.h, docs/migrate.md).
//
// Apply's order per entity, each step idempotent so a rerun finishes it:
//   1. copy each system object (oplog, snapshots, trash) to its new key, create-only;
//   2. copy the document to its new key, create-only;
//   3. delete the document at its old key (If-Match the planned ETag);
//   4. delete the old system objects;
// then the document changes, through the engine (Repository::Mutate), which
// writes their oplog entries. A reader under either schema sees each entity
// once: the old schema's keys and the new schema's never overlap as two
// entities of one model.
#include "migrate/migrate.h"

#include <set>

#include "core/json_util.h"
#include "core/layout.h"
#include "schema/resolver.h"
#include "worm/repository.h"

namespace worm::migrate {
namespace {

bool EngineField(const schema::Model& model, const std::string& name) {
  if (name == "createdAt" || name == "updatedAt") return true;
  for (const auto& id : schema::StorageResolver::IdNames(model))
    if (id == name) return true;
  return false;
}

// The field edits of one model, applied the same way by plan and apply.
struct FieldEdits {
  std::map<std::string, std::string> rename;  // old -> new
  std::map<std::string, Json> add;            // required with a default
  std::set<std::string> required_no_default;
  std::set<std::string> remove;
};

FieldEdits EditsFor(const schema::Model& from, const schema::Model& to, const Json& renames) {
  FieldEdits e;
  for (auto& [k, v] : renames.items()) {
    auto dot = k.find('.');
    if (k.substr(0, dot) == to.name) e.rename[k.substr(dot + 1)] = v.get<std::string>();
  }
  std::set<std::string> renamed_to;
  for (auto& [o, n] : e.rename) renamed_to.insert(n);
  for (const auto& f : from.fields)
    if (!to.FindField(f.name) && !e.rename.count(f.name) && to.strict) e.remove.insert(f.name);
  for (const auto& f : to.fields) {
    if (!f.required || renamed_to.count(f.name)) continue;
    if (f.default_value)
      e.add[f.name] = *f.default_value;
    else
      e.required_no_default.insert(f.name);
  }
  return e;
}

// The edit of one document: {"rename":{...},"add":{...},"remove":[...]} with
// only what applies to it; empty object when nothing does.
Json DocumentChange(const FieldEdits& e, const Json& doc) {
  Json change = Json::object();
  for (auto& [o, n] : e.rename)
    if (doc.contains(o) && !doc.contains(n)) change["rename"][o] = n;
  for (auto& [f, v] : e.add)
    if (!doc.contains(f)) change["add"][f] = v;
  for (auto& f : e.remove)
    if (doc.contains(f)) change["remove"].push_back(f);
  return change;
}

// Applies a planned change; idempotent (a done rename or add is skipped).
bool ApplyChange(const Json& change, Json& doc) {
  bool changed = false;
  if (change.contains("rename"))
    for (auto& [o, n] : change["rename"].items())
      if (doc.contains(o) && !doc.contains(n.get<std::string>())) {
        doc[n.get<std::string>()] = doc[o];
        doc.erase(o);
        changed = true;
      }
  if (change.contains("add"))
    for (auto& [f, v] : change["add"].items())
      if (!doc.contains(f)) doc[f] = v, changed = true;
  if (change.contains("remove"))
    for (auto& f : change["remove"])
      if (doc.contains(f.get<std::string>())) doc.erase(f.get<std::string>()), changed = true;
  return changed;
}

Json IdsJson(const EntityIds& ids) { return Json(ids); }
EntityIds IdsOf(const Json& j) { return j.get<EntityIds>(); }

Status Stale(const std::string& why) {
  return Status::FailedPrecondition("stale plan: " + why + "; run `worm migrate plan` again");
}

struct Schemas {
  schema::Schema from, to;
};

Result<Schemas> LoadBoth(const Json& plan) {
  if (!plan.is_object() || plan.value("format", 0) != 1 || !plan.contains("from") ||
      !plan.contains("to") || !plan.contains("models"))
    return Status::InvalidArgument("not a worm migrate plan (format 1)");
  Schemas s;
  ASSIGN_OR_RETURN(s.from, schema::LoadSchema(plan["from"]));
  ASSIGN_OR_RETURN(s.to, schema::LoadSchema(plan["to"]));
  return s;
}

}  // namespace

Status ParseRename(const std::string& text, std::map<std::string, std::string>* renames) {
  auto dot = text.find('.');
  auto eq = text.find('=');
  if (dot == std::string::npos || eq == std::string::npos || dot == 0 || eq < dot + 2 ||
      eq + 1 == text.size() || text.find('.', eq) != std::string::npos)
    return Status::InvalidArgument("--rename '" + text + "': expected Model.old=new");
  (*renames)[text.substr(0, eq)] = text.substr(eq + 1);
  return Status::OK();
}

Result<Json> Plan(const Json& old_schema, const Json& new_schema, Transport& bucket,
                  const PlanOptions& options) {
  ASSIGN_OR_RETURN(schema::Schema from, schema::LoadSchema(old_schema));
  ASSIGN_OR_RETURN(schema::Schema to, schema::LoadSchema(new_schema));
  schema::StorageResolver rf(from), rt(to);
  Json renames = Json::object();
  for (auto& [k, v] : options.renames) {
    auto dot = k.find('.');
    const schema::Model* m = to.FindModel(k.substr(0, dot));
    const schema::Model* om = from.FindModel(k.substr(0, dot));
    std::string old_name = k.substr(dot + 1);
    if (!m || !om)
      return Status::InvalidArgument("--rename " + k + ": no model of that name in both schemas");
    if (!om->FindField(old_name))
      return Status::InvalidArgument("--rename " + k + ": the old schema has no field '" +
                                     old_name + "'");
    if (!m->FindField(v))
      return Status::InvalidArgument("--rename " + k + "=" + v + ": the new schema has no field '" +
                                     v + "'");
    renames[k] = v;
  }
  Json models = Json::array();
  int64_t entities = 0, moves = 0, changes = 0, system = 0, lists = 0;
  Json removed_models = Json::array();
  for (const auto& om : from.models)
    if (!to.FindModel(om.name)) removed_models.push_back(om.name);
  for (const auto& m : to.models) {
    const schema::Model* om = from.FindModel(m.name);
    if (!om) continue;
    FieldEdits edits = EditsFor(*om, m, renames);
    schema::EntityKeyParser parser(from, *om);
    ASSIGN_OR_RETURN(auto listed, bucket.ListAll(rf.CollectionPrefix(*om)));
    lists += 1 + static_cast<int64_t>(listed.size()) / 1000;
    Json mv = Json::array(), ch = Json::array();
    int64_t count = 0;
    for (const auto& meta : listed) {
      EntityIds ids;
      if (!parser.Parse(meta.key, &ids)) continue;
      ++count;
      auto new_key = rt.EntityKey(m, ids);
      if (!new_key.ok())
        return Status::InvalidArgument(
            m.name + " " + meta.key +
            ": its ids do not fit the new path: " + new_key.status().message());
      ASSIGN_OR_RETURN(Object obj, bucket.Get(meta.key, {}));
      ASSIGN_OR_RETURN(Json doc, ParseJson(obj.data, meta.key));
      ASSIGN_OR_RETURN(auto fo, rf.SystemFoldersFor(*om, ids));
      ASSIGN_OR_RETURN(auto fn, rt.SystemFoldersFor(m, ids));
      Json sys = Json::array();
      for (auto [a, b] : {std::pair{fo.oplog, fn.oplog}, std::pair{fo.snapshots, fn.snapshots},
                          std::pair{fo.trash, fn.trash}}) {
        if (a == b) continue;
        ASSIGN_OR_RETURN(auto objs, bucket.ListAll(a));
        ++lists;
        for (const auto& o : objs)
          sys.push_back({{"from", o.key}, {"to", b + o.key.substr(a.size())}});
      }
      if (*new_key != meta.key || !sys.empty()) {
        mv.push_back({{"ids", IdsJson(ids)},
                      {"from", meta.key},
                      {"to", *new_key},
                      {"etag", obj.meta.etag},
                      {"system", sys}});
        ++moves;
        system += static_cast<int64_t>(sys.size());
      }
      Json change = DocumentChange(edits, doc);
      for (const auto& f : edits.required_no_default)
        if (!doc.contains(f) && !(change.contains("rename")))
          return Status::InvalidArgument(m.name + "." + f + ": required with no default, and " +
                                         meta.key + " has no value (add a \"default\")");
      if (!change.empty()) {
        change["ids"] = IdsJson(ids);
        change["key"] = *new_key;
        change["etag"] = obj.meta.etag;
        ch.push_back(change);
        ++changes;
      }
    }
    entities += count;
    if (mv.empty() && ch.empty()) continue;
    Json entry = {{"model", m.name},         {"entities", count}, {"from", rf.KeyTemplate(*om)},
                  {"to", rt.KeyTemplate(m)}, {"moves", mv},       {"changes", ch}};
    models.push_back(entry);
  }
  // What apply sends, estimated: a check (LIST pages + a HEAD per entity),
  // GET+PUT+DELETE per moved object, a sentinel PUT per moved model, and per
  // changed document the engine's read, oplog entry and write.
  int64_t moved_models = 0;
  for (auto& e : models) moved_models += e["moves"].empty() ? 0 : 1;
  int64_t objs = moves + system;
  Json req = {{"HEAD", entities},
              {"LIST", lists},
              {"GET", objs + 2 * changes},
              {"PUT", objs + moved_models + 2 * changes},
              {"DELETE", objs}};
  req["total"] = req["HEAD"].get<int64_t>() + lists + req["GET"].get<int64_t>() +
                 req["PUT"].get<int64_t>() + objs;
  return Json{{"format", 1},
              {"kind", "worm-migrate-plan"},
              {"renames", renames},
              {"models", models},
              {"removedModels", removed_models},
              {"counts",
               {{"entities", entities},
                {"moves", moves},
                {"systemObjects", system},
                {"documentChanges", changes}}},
              {"requests", req},
              {"from", old_schema},
              {"to", new_schema}};
}

namespace {

Status CopyCreate(Transport& t, const std::string& from, const std::string& to, bool* skipped) {
  auto obj = t.Get(from, {});
  if (!obj.ok()) {
    if (!obj.status().IsNotFound()) return obj.status();
    // Gone from the old key: done before, when the new key holds it.
    auto h = t.Head(to, {});
    if (h.ok()) return *skipped = true, Status::OK();
    return Stale(from + " is missing and " + to + " does not exist");
  }
  WriteOptions wo;
  wo.mode = PutMode::kCreate;
  auto put = t.Put(to, obj->data, wo);
  if (put.ok()) return Status::OK();
  if (!put.status().IsAlreadyExists()) return put.status();
  ASSIGN_OR_RETURN(ObjectMeta there, t.Head(to, {}));
  if (there.etag != obj->meta.etag) return Stale(to + " exists with other contents than " + from);
  *skipped = true;
  return Status::OK();
}

Status DeleteIf(Transport& t, const std::string& key, const std::string& etag) {
  DeleteOptions d;
  d.if_match = etag;
  Status s = t.Delete(key, d);
  if (s.ok() || s.IsNotFound()) return Status::OK();
  if (s.code() == StatusCode::kFailedPrecondition) {
    auto h = t.Head(key, {});
    if (!h.ok() && h.status().IsNotFound()) return Status::OK();  // deleted meanwhile
  }
  return s;
}

}  // namespace

Result<ApplyReport> Apply(const Json& plan, std::shared_ptr<Transport> bucket,
                          const std::string& actor) {
  ASSIGN_OR_RETURN(Schemas s, LoadBoth(plan));
  schema::StorageResolver rf(s.from), rt(s.to);
  Transport& t = *bucket;
  ApplyReport report;
  // 1. The data must be what the plan was made from (or a part-applied run of it).
  for (const auto& entry : plan["models"]) {
    const std::string name = entry["model"];
    const schema::Model* om = s.from.FindModel(name);
    const schema::Model* m = s.to.FindModel(name);
    if (!om || !m) return Status::InvalidArgument("plan names model " + name + " its schemas lack");
    std::map<std::string, std::string> planned;  // old key -> etag
    std::map<std::string, Json> change_at;       // new key -> change
    for (const auto& c : entry["changes"]) change_at[c["key"]] = c;
    for (const auto& mv : entry["moves"]) planned[mv["from"]] = mv["etag"];
    for (const auto& c : entry["changes"]) {
      auto ids = IdsOf(c["ids"]);
      ASSIGN_OR_RETURN(std::string ok, rf.EntityKey(*om, ids));
      planned.emplace(ok, c["etag"]);
    }
    schema::EntityKeyParser parser(s.from, *om);
    ASSIGN_OR_RETURN(auto listed, t.ListAll(rf.CollectionPrefix(*om)));
    std::set<std::string> seen;
    for (const auto& meta : listed) {
      EntityIds ids;
      if (!parser.Parse(meta.key, &ids)) continue;
      seen.insert(meta.key);
      auto it = planned.find(meta.key);
      if (it == planned.end()) {
        // An entity the plan does not know, unless it is a migrated one
        // already at its (unchanged) key.
        return Stale(name + " " + meta.key + " is not in the plan (created since?)");
      }
      if (meta.etag == it->second) continue;
      ASSIGN_OR_RETURN(std::string nk, rt.EntityKey(*m, ids));
      auto c = change_at.find(nk);
      if (nk == meta.key && c != change_at.end()) {
        ASSIGN_OR_RETURN(Object obj, t.Get(meta.key, {}));
        ASSIGN_OR_RETURN(Json doc, ParseJson(obj.data, meta.key));
        if (!ApplyChange(c->second, doc)) continue;  // changed by an earlier run
      }
      return Stale(name + " " + meta.key + " changed since the plan was made");
    }
    for (const auto& [k, etag] : planned) {
      if (seen.count(k)) continue;
      auto ids = rf.ParseEntityKey(*om, k);
      if (!ids.ok()) return Stale(k + " is no entity of " + name);
      ASSIGN_OR_RETURN(std::string nk, rt.EntityKey(*m, *ids));
      auto h = t.Head(nk, {});
      if (!h.ok()) {
        if (h.status().IsNotFound())
          return Stale(name + " " + k + " was deleted since the plan was made");
        return h.status();
      }
    }
  }
  // 2. Moves.
  for (const auto& entry : plan["models"]) {
    const schema::Model* m = s.to.FindModel(entry["model"].get<std::string>());
    if (!entry["moves"].empty()) {
      WriteOptions wo;
      wo.mode = PutMode::kCreate;
      auto put = t.Put(rt.SentinelKey(*m), layout::CollectionSentinelBody(m->name), wo);
      if (!put.ok() && !put.status().IsAlreadyExists()) return put.status();
    }
    for (const auto& mv : entry["moves"]) {
      const std::string from = mv["from"], to = mv["to"], etag = mv["etag"];
      for (const auto& so : mv["system"]) {
        bool skipped = false;
        RETURN_NOT_OK(CopyCreate(t, so["from"], so["to"], &skipped));
        skipped ? ++report.skipped : ++report.system_moved;
      }
      if (from != to) {
        bool skipped = false;
        RETURN_NOT_OK(CopyCreate(t, from, to, &skipped));
        RETURN_NOT_OK(DeleteIf(t, from, etag));
        skipped ? ++report.skipped : ++report.moved;
      }
      for (const auto& so : mv["system"]) {
        auto h = t.Head(so["from"].get<std::string>(), {});
        if (h.ok())
          RETURN_NOT_OK(DeleteIf(t, so["from"], h->etag));
        else if (!h.status().IsNotFound())
          return h.status();
      }
    }
  }
  // 3. Document changes, through the engine: oplog entries, validation.
  auto project = Project::Create(s.to, bucket);
  for (const auto& entry : plan["models"]) {
    if (entry["changes"].empty()) continue;
    ASSIGN_OR_RETURN(Repository * repo, project->Get(entry["model"].get<std::string>()));
    for (const auto& c : entry["changes"]) {
      auto ids = IdsOf(c["ids"]);
      // A done change writes nothing (Mutate would append an oplog entry).
      ASSIGN_OR_RETURN(Entity current, repo->Get(ids));
      Json probe = current.document;
      if (!ApplyChange(c, probe)) {
        ++report.skipped;
        continue;
      }
      bool did = false;
      UpdateOptions uo;
      uo.actor = actor;
      auto r = repo->Mutate(
          ids,
          [&](Json& doc) {
            did = ApplyChange(c, doc);
            // Done already (an interrupted run the engine rolled forward
            // first): veto, so no empty update entry is appended.
            return did ? Status::OK() : Status::Cancelled("already migrated");
          },
          uo);
      if (!r.ok() && !(r.status().code() == StatusCode::kCancelled && !did)) return r.status();
      did ? ++report.changed : ++report.skipped;
    }
  }
  return report;
}

}  // namespace worm::migrate

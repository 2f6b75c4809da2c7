// Delete (soft to ".worm.trash/<entity path>/" with a ".worm.tombstone", or
// hard) and Restore, each ordered so that a crash at any step leaves a state
// that RepairTrash completes or undoes:
//
//   soft delete: (1) tombstone {state "deleting", etag of the live object}
//                (the commit point without an oplog), (2) copy the document
//                to the trash, (3) delete the live object (If-Match),
//                (4) tombstone state "deleted".
//   restore:     (1) tombstone state "restoring" (commit point), (2) create
//                the live object, (3) delete the tombstone, (4) the copy.
//
// RepairTrash:
//   tombstone "deleting"   -> finish: copy, delete live, mark "deleted" (or
//                             undo when the live object changed meanwhile)
//   tombstone "restoring"  -> finish: create live if missing (with an oplog
//                             and no restore entry: undo), drop tombstone+copy
//   tombstone "deleted"    -> consistent (a live object with the same id is a
//                             new entity); without a copy: drop the tombstone
//   copy, no tombstone, live present -> drop the copy (restore leftovers)
// With an oplog the log decides first (RollForward), then these rules tidy;
// a "deleting" tombstone whose live document the oplog does not delete (no
// delete entry: removed) is reported, not completed.
#include "core/hash.h"
#include "engine/enforcer.h"
#include "engine/engine_internal.h"

namespace worm::engine {

Result<ModelStore::TrashKeys> ModelStore::TrashKeysOf(const EntityIds& ids) const {
  ASSIGN_OR_RETURN(std::string key, KeyOf(ids));
  ASSIGN_OR_RETURN(schema::SystemFolders folders, FoldersOf(ids));
  std::string folder = folders.trash;
  if (!folder.empty() && folder.back() != '/') folder += '/';
  return TrashKeys{key, folder + FileName(), folder + layout::kTombstoneName};
}

Status ModelStore::MaterializeSoftDelete(const EntityIds& ids, const Stored& live,
                                         const std::string& actor, const std::string& reason,
                                         bool undo_on_race) {
  ASSIGN_OR_RETURN(TrashKeys k, TrashKeysOf(ids));
  Transport* t = transport();
  const std::string who = Describe(ids) + ": soft delete";
  Json tomb = {{"deletedAt", project_->Now()}, {"actor", actor},    {"reason", reason},
               {"originalKey", k.live},        {"etag", live.etag}, {"state", "deleting"}};
  RETURN_NOT_OK(t->Put(k.tomb, Serialize(tomb), {}).status().WithContext(who));
  RETURN_NOT_OK(t->Put(k.doc, live.bytes, {}).status().WithContext(who));
  Status st = t->Delete(k.live, DeleteOptions{live.etag});
  if (!st.ok() && !st.IsFailedPrecondition()) return st.WithContext(who);
  if (st.IsFailedPrecondition() && undo_on_race) {
    auto now = t->Head(k.live, {});
    if (now.ok()) {
      // Changed concurrently: take the trash entry back and let the caller retry.
      RETURN_NOT_OK(t->Delete(k.tomb, {}));
      RETURN_NOT_OK(t->Delete(k.doc, {}));
      return LostRace(Describe(ids) + ": changed while being deleted");
    }
  }
  tomb["state"] = "deleted";
  return t->Put(k.tomb, Serialize(tomb), {}).status().WithContext(who);
}

Status ModelStore::PurgeTrash(const EntityIds& ids) {
  ASSIGN_OR_RETURN(TrashKeys k, TrashKeysOf(ids));
  auto tomb = transport()->Head(k.tomb, {});
  if (tomb.status().IsNotFound()) return Status::NotFound(Describe(ids) + ": not found");
  RETURN_NOT_OK(tomb.status());
  RETURN_NOT_OK(transport()->Delete(k.tomb, {}));
  return transport()->Delete(k.doc, {});
}

Status ModelStore::Delete(const EntityIds& ids, const RemoveOptions& options,
                          const Enforcer* enforcer) {
  RETURN_NOT_OK(CheckWritable(*model_, false));
  int retries = project_->options().max_cas_retries;
  for (int attempt = 0; attempt <= retries; ++attempt) {
    Status st = DeleteOnce(ids, options, enforcer);
    if (!st.IsAborted()) return st;
    if (!options.if_match.empty()) {
      return Status::FailedPrecondition(Describe(ids) + ": changed concurrently since etag " +
                                        options.if_match + "; re-read and retry");
    }
    Backoff(attempt);
  }
  return Status::Aborted(Describe(ids) + ": delete kept losing to concurrent writers; retry");
}

Status ModelStore::DeleteOnce(const EntityIds& ids, const RemoveOptions& options,
                              const Enforcer* enforcer) {
  if (enforcer != nullptr && !enforcer->active()) enforcer = nullptr;
  ASSIGN_OR_RETURN(std::string key, KeyOf(ids));
  std::string actor = Actor(options);
  ASSIGN_OR_RETURN(std::optional<Stored> cur, Read(key));
  OplogHead head;
  if (model_->oplog) {
    ASSIGN_OR_RETURN(head, ReadOplogHead(ids));
    if (!HeadAgrees(head, cur)) {
      RETURN_NOT_OK(RollForward(ids, head, cur, nullptr));
      return LostRace(Describe(ids) + ": rolled forward a pending write");
    }
  }
  if (!cur) {
    if (options.hard && model_->soft_delete) {
      if (enforcer != nullptr) {
        ASSIGN_OR_RETURN(std::optional<Entity> trashed, GetFromTrash(ids));
        if (!trashed) return Status::NotFound(Describe(ids) + ": not found");
        RETURN_NOT_OK(enforcer->RequireVisible(*this, ids, trashed->document));
        RETURN_NOT_OK(enforcer->Require(*this, Action::kDelete, ids, &trashed->document));
      }
      return PurgeTrash(ids);
    }
    return Status::NotFound(Describe(ids) + ": not found");
  }
  if (enforcer != nullptr) {
    RETURN_NOT_OK(enforcer->RequireVisible(*this, ids, cur->doc));
    RETURN_NOT_OK(enforcer->Require(*this, Action::kDelete, ids, &cur->doc));
  }
  if (!options.if_match.empty() && cur->etag != options.if_match) {
    return Status::FailedPrecondition(Describe(ids) + ": etag " + options.if_match +
                                      " is stale (stored: " + cur->etag +
                                      "); re-read the entity and retry");
  }
  HookEvent event{HookOp::kDelete, model_->name, ids, actor, &cur->doc, nullptr};
  RETURN_NOT_OK(RunBefore(event));
  RETURN_NOT_OK(ApplyOnDelete(ids, options, /*check_only=*/true, enforcer));
  RETURN_NOT_OK(ApplyOnDelete(ids, options, /*check_only=*/false, enforcer));
  bool soft = model_->soft_delete && !options.hard;
  if (model_->oplog) {
    Json extra = {{"reason", options.reason}, {"beforeHash", HashDoc(cur->doc)}};
    if (!soft) extra["hard"] = true;
    RETURN_NOT_OK(AppendOplog(head, "delete", nullptr, actor, extra).status());
  }
  Status st = soft ? MaterializeSoftDelete(ids, *cur, actor, options.reason, !model_->oplog)
                   : transport()->Delete(key, DeleteOptions{cur->etag});
  if (!st.ok()) {
    bool lost = st.IsAborted() || st.IsFailedPrecondition();
    if (!model_->oplog && lost) return LostRace(Describe(ids) + ": changed while being deleted");
    if (!lost) return st.WithContext(Describe(ids) + ": delete");
  }
  RunAfter(event);
  return Status::OK();
}

Result<std::optional<Entity>> ModelStore::GetFromTrash(const EntityIds& ids) {
  ASSIGN_OR_RETURN(TrashKeys k, TrashKeysOf(ids));
  auto tomb = transport()->Head(k.tomb, {});
  if (tomb.status().IsNotFound()) return std::optional<Entity>();
  RETURN_NOT_OK(tomb.status());
  ASSIGN_OR_RETURN(std::optional<Stored> doc, Read(k.doc));
  if (!doc) return std::optional<Entity>();
  return std::optional<Entity>(Entity{ids, k.doc, doc->etag, std::move(doc->doc), true});
}

Result<Entity> ModelStore::Restore(const EntityIds& ids, const WriteContext& options) {
  RETURN_NOT_OK(CheckWritable(*model_, false));
  int retries = project_->options().max_cas_retries;
  for (int attempt = 0; attempt <= retries; ++attempt) {
    Result<Entity> r = RestoreOnce(ids, Actor(options));
    if (!r.status().IsAborted()) return r;
    Backoff(attempt);
  }
  return Status::Aborted(Describe(ids) + ": restore kept losing to concurrent writers; retry");
}

Result<Entity> ModelStore::RestoreOnce(const EntityIds& ids, const std::string& actor) {
  ASSIGN_OR_RETURN(TrashKeys k, TrashKeysOf(ids));
  Transport* t = transport();
  ASSIGN_OR_RETURN(std::optional<Stored> tomb, Read(k.tomb));
  ASSIGN_OR_RETURN(std::optional<Stored> copy, Read(k.doc));
  if (!tomb || !copy) return Status::NotFound(Describe(ids) + ": not in the trash");
  if (tomb->doc.value("state", std::string()) == "deleting") {
    std::vector<std::string> ignored;
    RETURN_NOT_OK(RepairTrash(ids, &ignored));
    return LostRace(Describe(ids) + ": finished an interrupted delete first");
  }
  ASSIGN_OR_RETURN(std::optional<Stored> live, Read(k.live));
  OplogHead head;
  if (model_->oplog) {
    ASSIGN_OR_RETURN(head, ReadOplogHead(ids));
    if (!HeadAgrees(head, live)) {
      RETURN_NOT_OK(RollForward(ids, head, live, nullptr));
      return LostRace(Describe(ids) + ": rolled forward a pending write");
    }
  }
  if (live) {
    return Status::AlreadyExists(Describe(ids) +
                                 ": a live entity has this id; delete it before restoring");
  }
  Json marked = tomb->doc;
  marked["state"] = "restoring";
  auto mark = t->Put(k.tomb, Serialize(marked), WriteOptions::Update(tomb->etag));
  if (!mark.ok()) {
    if (mark.status().IsFailedPrecondition()) return LostRace(k.tomb + ": changed concurrently");
    return mark.status().WithContext(Describe(ids) + ": restore");
  }
  auto unmark = [&] { (void)t->Put(k.tomb, tomb->bytes, WriteOptions::Update(mark->etag)); };
  Json doc = copy->doc;
  doc["updatedAt"] = project_->Now();
  std::string bytes = Serialize(doc);
  if (model_->oplog) {
    auto appended = AppendOplog(head, "restore", &doc, actor);
    if (!appended.ok()) {
      // Only a lost race is certain not to be ours; any other failure may
      // have been applied, so the "restoring" mark stays for Repair.
      if (appended.status().IsAborted()) unmark();
      return appended.status();
    }
  }
  auto put = t->Put(k.live, bytes, WriteOptions::Create());
  if (!put.ok() && !(model_->oplog && put.status().IsAlreadyExists())) {
    if (put.status().IsAlreadyExists()) {
      unmark();
      return Status::AlreadyExists(Describe(ids) + ": a live entity appeared with this id");
    }
    return put.status().WithContext(Describe(ids) + ": restore (`worm repair` completes it)");
  }
  RETURN_NOT_OK(t->Delete(k.tomb, {}).WithContext(Describe(ids) + ": restore cleanup"));
  RETURN_NOT_OK(t->Delete(k.doc, {}).WithContext(Describe(ids) + ": restore cleanup"));
  std::string etag = put.ok() ? put->etag : Md5Hex(bytes);
  return Entity{ids, k.live, etag, std::move(doc)};
}

Status ModelStore::RepairTrash(const EntityIds& ids, std::vector<std::string>* actions) {
  ASSIGN_OR_RETURN(TrashKeys k, TrashKeysOf(ids));
  Transport* t = transport();
  ASSIGN_OR_RETURN(std::optional<Stored> tomb, Read(k.tomb));
  ASSIGN_OR_RETURN(std::optional<Stored> copy, Read(k.doc));
  ASSIGN_OR_RETURN(std::optional<Stored> live, Read(k.live));
  std::string who = Describe(ids) + ": ";
  if (!tomb) {
    if (copy && live) {
      RETURN_NOT_OK(t->Delete(k.doc, {}));
      actions->push_back(who + "removed a trash copy left by an interrupted restore");
    }
    return Status::OK();
  }
  const std::string state = tomb->doc.value("state", std::string("deleted"));
  if (state == "deleting") return FinishSoftDelete(ids, k, *tomb, copy, live, actions);
  if (!copy) {
    RETURN_NOT_OK(t->Delete(k.tomb, {}));
    actions->push_back(who + "removed a tombstone without a trash copy");
    return Status::OK();
  }
  if (state != "restoring") return Status::OK();
  if (!live && model_->oplog) {
    // The restore never reached the oplog: undo it.
    Json back = tomb->doc;
    back["state"] = "deleted";
    RETURN_NOT_OK(t->Put(k.tomb, Serialize(back), WriteOptions::Update(tomb->etag)).status());
    actions->push_back(who + "undid an interrupted restore");
    return Status::OK();
  }
  if (!live) {
    Json doc = copy->doc;
    doc["updatedAt"] = project_->Now();
    auto put = t->Put(k.live, Serialize(doc), WriteOptions::Create());
    if (!put.ok() && !put.status().IsAlreadyExists()) return put.status();
  }
  RETURN_NOT_OK(t->Delete(k.tomb, {}));
  RETURN_NOT_OK(t->Delete(k.doc, {}));
  actions->push_back(who + "completed an interrupted restore");
  return Status::OK();
}

Status ModelStore::FinishSoftDelete(const EntityIds& ids, const TrashKeys& k, const Stored& tomb,
                                    const std::optional<Stored>& copy,
                                    const std::optional<Stored>& live,
                                    std::vector<std::string>* actions) {
  Transport* t = transport();
  const std::string etag = tomb.doc.value("etag", std::string());
  std::string who = Describe(ids) + ": ";
  if (live && live->etag != etag) {
    // The live entity changed after the tombstone: the delete lost; undo it.
    RETURN_NOT_OK(t->Delete(k.tomb, {}));
    if (copy && copy->etag == etag) RETURN_NOT_OK(t->Delete(k.doc, {}));
    actions->push_back(who + "undid a soft delete that lost to a concurrent update");
    return Status::OK();
  }
  if (live && model_->oplog) {
    // With an oplog the delete entry precedes the tombstone: without one,
    // the delete never committed, or its entry was removed. Either way the
    // live document is not this delete's to take.
    ASSIGN_OR_RETURN(OplogHead head, ReadOplogHead(ids));
    if (head.seq > 0 && head.op() != "delete") {
      return Contradiction(ids,
                           "a soft delete is under way (tombstone \"deleting\"), but the "
                           "newest oplog entry " +
                               std::to_string(head.seq) + " (" + head.op() +
                               ") is not a delete (the delete entry was removed)");
    }
  }
  if (live) {
    if (!copy || copy->etag != etag) RETURN_NOT_OK(t->Put(k.doc, live->bytes, {}).status());
    Status st = t->Delete(k.live, DeleteOptions{live->etag});
    if (!st.ok() && !st.IsFailedPrecondition()) return st;
  } else if (!copy || copy->etag != etag) {
    return Status::DataLoss(k.tomb + ": interrupted soft delete lost the document copy");
  }
  Json done = tomb.doc;
  done["state"] = "deleted";
  RETURN_NOT_OK(t->Put(k.tomb, Serialize(done), WriteOptions::Update(tomb.etag)).status());
  actions->push_back(who + "completed an interrupted soft delete");
  return Status::OK();
}

}  // namespace worm::engine

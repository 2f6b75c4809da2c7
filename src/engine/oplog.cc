// The per-entity oplog: ".oplog/<entity path>/0001.json", 0002, ... (at
// least 4 digits, numeric order), a BLAKE3 hash chain, written before the
// entity (write-ahead). An entry, once created, is the commit point of its
// operation: whoever finds the entity lagging behind it rolls it forward.
#include <algorithm>
#include <cstdio>

#include "core/hash.h"
#include "engine/engine_internal.h"

namespace worm::engine {
namespace {

std::string SeqName(int64_t seq) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%04lld.json", static_cast<long long>(seq));
  return buf;
}

// 0 when `name` is not "<digits>.json".
int64_t ParseSeq(std::string_view name) {
  constexpr std::string_view kExt = ".json";
  if (name.size() <= kExt.size() || name.substr(name.size() - kExt.size()) != kExt) return 0;
  std::string_view digits = name.substr(0, name.size() - kExt.size());
  if (digits.size() > 18) return 0;
  int64_t v = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return 0;
    v = v * 10 + (c - '0');
  }
  return v;
}

std::string EnsureSlash(std::string folder) {
  if (!folder.empty() && folder.back() != '/') folder += '/';
  return folder;
}

// Entries of a folder as (seq, key), numerically sorted.
Result<std::vector<std::pair<int64_t, std::string>>> ListEntries(Transport* t,
                                                                 const std::string& folder) {
  ASSIGN_OR_RETURN(std::vector<ObjectMeta> metas, t->ListAll(folder));
  std::vector<std::pair<int64_t, std::string>> out;
  for (const ObjectMeta& m : metas) {
    std::string_view name = std::string_view(m.key).substr(folder.size());
    if (name.find('/') != std::string_view::npos) continue;
    if (int64_t seq = ParseSeq(name); seq > 0) out.emplace_back(seq, m.key);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::string OplogHead::op() const {
  return seq > 0 && entry.is_object() ? entry.value("op", std::string()) : std::string();
}

Result<OplogHead> ModelStore::ReadOplogHead(const EntityIds& ids) {
  ASSIGN_OR_RETURN(schema::SystemFolders folders, FoldersOf(ids));
  OplogHead head;
  head.folder = EnsureSlash(folders.oplog);
  int64_t seq = 0;
  {
    std::lock_guard<std::mutex> lock(head_mu_);
    if (auto it = head_cache_.find(head.folder); it != head_cache_.end()) seq = it->second;
  }
  std::optional<Stored> entry;
  if (seq > 0) {
    ASSIGN_OR_RETURN(entry, Read(head.folder + SeqName(seq)));
    if (!entry) seq = 0;  // the cache is stale (store replaced): list again
  }
  if (seq == 0) {
    ASSIGN_OR_RETURN(auto entries, ListEntries(transport(), head.folder));
    if (!entries.empty()) {
      seq = entries.back().first;
      ASSIGN_OR_RETURN(entry, Read(entries.back().second));
      if (!entry) return LostRace(head.folder + ": oplog entry vanished while reading");
    }
  }
  // Walk forward over entries written since (by us or anyone else).
  while (true) {
    ASSIGN_OR_RETURN(std::optional<Stored> next, Read(head.folder + SeqName(seq + 1)));
    if (!next) break;
    ++seq;
    entry = std::move(next);
  }
  head.seq = seq;
  if (seq > 0) {
    head.entry = std::move(entry->doc);
    head.entry_hash = HashDoc(head.entry);
  }
  std::lock_guard<std::mutex> lock(head_mu_);
  if (head_cache_.size() > 100000) head_cache_.clear();  // bound memory
  head_cache_[head.folder] = seq;
  return head;
}

Result<Json> ModelStore::AppendOplog(const OplogHead& head, const std::string& op,
                                     const Json* after, const std::string& actor,
                                     const Json& extra) {
  Json entry = {{"seq", head.seq + 1},
                {"op", op},
                {"at", project_->Now()},
                {"actor", actor},
                {"prevHash", head.entry_hash}};
  if (after != nullptr) {
    entry["after"] = *after;
    entry["afterHash"] = HashDoc(*after);
  }
  for (auto it = extra.begin(); it != extra.end(); ++it) entry[it.key()] = it.value();
  std::string key = head.folder + SeqName(head.seq + 1);
  auto put = transport()->Put(key, Serialize(entry), WriteOptions::Create());
  if (!put.ok()) {
    if (put.status().IsAlreadyExists()) return LostRace(key + ": oplog entry already taken");
    return put.status().WithContext("writing oplog entry " + key);
  }
  std::lock_guard<std::mutex> lock(head_mu_);
  head_cache_[head.folder] = head.seq + 1;
  return entry;
}

bool ModelStore::HeadAgrees(const OplogHead& head, const std::optional<Stored>& live) {
  if (head.seq == 0) return true;
  if (head.op() == "delete") return !live.has_value();
  return live.has_value() && HashDoc(live->doc) == head.entry.value("afterHash", std::string());
}

namespace {

// "entry 2 (update)"
std::string EntryName(int64_t seq, const std::string& op) {
  return "entry " + std::to_string(seq) + " (" + op + ")";
}

// The hash of the document an update/delete entry replaced: its own
// "beforeHash" (written since that field exists), else the afterHash of the
// entry before it. "" with *why set when that cannot be known.
std::string BeforeHash(const OplogHead& head, const Json* prev, std::string* why) {
  if (auto it = head.entry.find("beforeHash"); it != head.entry.end() && it->is_string()) {
    return it->get<std::string>();
  }
  const std::string prev_name = "entry " + std::to_string(head.seq - 1);
  if (head.seq <= 1) {
    *why = "; entry 1 replaced a document older than the history, which it does not record";
  } else if (prev == nullptr) {
    *why = "; " + prev_name + ", the state entry " + std::to_string(head.seq) +
           " replaced, is missing (a gap in the oplog)";
  } else if (!prev->is_object() || !prev->contains("afterHash")) {
    *why = "; " + prev_name + " holds no document for entry " + std::to_string(head.seq) +
           " to replace";
  } else {
    return prev->value("afterHash", std::string());
  }
  return "";
}

}  // namespace

Result<bool> ModelStore::TrashHoldsHead(const EntityIds& ids, const OplogHead& head) {
  if (!model_->soft_delete) return false;
  ASSIGN_OR_RETURN(TrashKeys k, TrashKeysOf(ids));
  ASSIGN_OR_RETURN(std::optional<Stored> tomb, Read(k.tomb));
  // "restoring": a restore in progress moves the copy back; not a delete.
  if (!tomb || (tomb->doc.is_object() && tomb->doc.value("state", std::string()) == "restoring")) {
    return false;
  }
  ASSIGN_OR_RETURN(std::optional<Stored> copy, Read(k.doc));
  return copy.has_value() && HashDoc(copy->doc) == head.entry.value("afterHash", std::string());
}

Result<HeadCheck> ModelStore::CheckHead(const EntityIds& ids, const OplogHead& head,
                                        const std::optional<Stored>& live,
                                        const std::vector<OplogEntry>* history) {
  HeadCheck check;
  if (HeadAgrees(head, live)) return check;
  const std::string op = head.op();
  const std::string newest = "the newest is entry " + std::to_string(head.seq) + ", " + op;
  const std::string live_hash = live ? HashDoc(live->doc) : std::string();
  std::string why;
  if (op == "create" || op == "restore") {
    // Written against no live object. A missing one is an interrupted write
    // unless the trash holds this very document: then a delete came after.
    if (!live) {
      ASSIGN_OR_RETURN(bool trashed, TrashHoldsHead(ids, head));
      if (!trashed) {
        check.state = HeadState::kPending;
        return check;
      }
      why = "the entity is in the trash, but no delete entry follows the newest oplog " +
            EntryName(head.seq, op) + " (the newest entries were removed)";
    }
  } else if (op == "update" || op == "delete") {
    // Written against the live document it replaced.
    if (live) {
      std::optional<Json> prev;
      if (head.seq > 1 && history != nullptr &&
          static_cast<int64_t>(history->size()) >= head.seq - 1 &&
          (*history)[head.seq - 2].seq == head.seq - 1) {
        prev = (*history)[head.seq - 2].raw;
      } else if (head.seq > 1) {
        ASSIGN_OR_RETURN(std::optional<Stored> got, Read(head.folder + SeqName(head.seq - 1)));
        if (got) prev = std::move(got->doc);
      }
      std::string unknown;
      std::string before = BeforeHash(head, prev ? &*prev : nullptr, &unknown);
      if (!before.empty() && before == live_hash) {
        check.state = HeadState::kPending;
        return check;
      }
      if (!unknown.empty()) why = unknown;
    } else {
      ASSIGN_OR_RETURN(bool trashed, TrashHoldsHead(ids, head));
      why = trashed
                ? "the entity is in the trash, but no delete entry follows the newest oplog " +
                      EntryName(head.seq, op) + " (the newest entries were removed)"
                : "the live document is missing, but the newest oplog " + EntryName(head.seq, op) +
                      " says it exists (it was deleted outside worm, or the newest entries "
                      "were removed)";
    }
  } else {
    why = "the newest oplog " + EntryName(head.seq, op) + " has an unknown op";
  }
  // A live state the head was not written against. Unless a writer moved
  // the entity on since `live` was read, nothing in worm wrote it.
  ASSIGN_OR_RETURN(std::string key, KeyOf(ids));
  ASSIGN_OR_RETURN(std::optional<Stored> again, Read(key));
  if (again.has_value() != live.has_value() || (again && again->etag != live->etag)) {
    return LostRace(Describe(ids) + ": changed while checking it against its oplog");
  }
  if (live && (why.empty() || why[0] == ';')) {
    std::string detail = std::move(why);
    why = op == "delete"
              ? "a live document is present that the newest oplog " + EntryName(head.seq, op) +
                    " did not delete (written outside worm, or the newest entries "
                    "were removed)"
              : "the live document matches no oplog entry (" + newest +
                    "; entries after it were removed, or the document was changed outside "
                    "worm)";
    if (history != nullptr) {
      for (const OplogEntry& e : *history) {
        if (!e.after_hash.empty() && e.after_hash == live_hash && e.seq < head.seq) {
          why = "the live document is an older version (oplog entry " + std::to_string(e.seq) +
                "'s; " + newest + "): an older copy was put back, or writes were lost";
          detail.clear();
          break;
        }
      }
    }
    why += detail;
  }
  check.state = HeadState::kContradicts;
  check.why = std::move(why);
  return check;
}

Status ModelStore::Contradiction(const EntityIds& ids, const std::string& why) const {
  return Status::DataLoss(Describe(ids) + ": the live state contradicts the oplog: " + why +
                          "; left untouched (restore the missing oplog entries; or, if the live "
                          "state is right, `worm repair " +
                          model_->name + " --adopt " + JoinIds(ids) + "`)");
}

Status ModelStore::RollForward(const EntityIds& ids, const OplogHead& head,
                               const std::optional<Stored>& live,
                               std::vector<std::string>* actions) {
  ASSIGN_OR_RETURN(HeadCheck check, CheckHead(ids, head, live));
  if (check.state == HeadState::kAgrees) return Status::OK();
  if (check.state == HeadState::kContradicts) return Contradiction(ids, check.why);
  ASSIGN_OR_RETURN(std::string key, KeyOf(ids));
  std::string what = Describe(ids) + ": rolled forward oplog entry " + std::to_string(head.seq) +
                     " (" + head.op() + ")";
  if (head.op() == "delete") {
    if (!live) return Status::OK();
    if (model_->soft_delete && !head.entry.value("hard", false)) {
      RETURN_NOT_OK(MaterializeSoftDelete(ids, *live, head.entry.value("actor", std::string()),
                                          head.entry.value("reason", std::string())));
    } else {
      Status st = transport()->Delete(key, DeleteOptions{live->etag});
      if (!st.ok() && !st.IsFailedPrecondition()) return st.WithContext(what);
    }
    if (actions) actions->push_back(what);
    return Status::OK();
  }
  if (!head.entry.contains("after")) {
    return Status::DataLoss(head.folder + std::to_string(head.seq) + ": " + head.op() +
                            " entry has no 'after' document");
  }
  WriteOptions wo = live ? WriteOptions::Update(live->etag) : WriteOptions::Create();
  auto put = transport()->Put(key, Serialize(head.entry["after"]), wo);
  if (!put.ok() && !put.status().IsFailedPrecondition() && !put.status().IsAlreadyExists()) {
    return put.status().WithContext(what);
  }
  if (actions) actions->push_back(what);
  return Status::OK();
}

Result<std::vector<OplogEntry>> ModelStore::History(const EntityIds& ids) {
  std::vector<OplogEntry> out;
  if (!model_->oplog) return out;
  ASSIGN_OR_RETURN(schema::SystemFolders folders, FoldersOf(ids));
  std::string folder = EnsureSlash(folders.oplog);
  ASSIGN_OR_RETURN(auto entries, ListEntries(transport(), folder));
  std::string prev_hash;
  int64_t expected = 1;
  for (const auto& entry_key : entries) {
    // Named copies: clang 14 cannot capture structured bindings in lambdas.
    const int64_t seq = entry_key.first;
    const std::string& key = entry_key.second;
    ASSIGN_OR_RETURN(std::optional<Stored> got, Read(key));
    if (!got) return LostRace(key + ": oplog entry vanished while reading");
    const Json& e = got->doc;
    auto broken = [&](const std::string& why) {
      return Status::DataLoss(Describe(ids) + ": oplog broken at " + key + ": " + why +
                              " (the history was altered; entries from here cannot be trusted)");
    };
    if (!e.is_object()) return broken("entry is not a JSON object");
    if (seq != expected) return broken("missing entry " + std::to_string(expected));
    if (e.value("seq", int64_t{0}) != seq) return broken("seq field does not match the file name");
    if (e.value("prevHash", std::string()) != prev_hash) return broken("prevHash does not match");
    if (e.contains("after") && e.value("afterHash", std::string()) != HashDoc(e["after"])) {
      return broken("afterHash does not match the document");
    }
    OplogEntry entry;
    entry.seq = seq;
    entry.op = e.value("op", std::string());
    entry.at = e.value("at", std::string());
    entry.actor = e.value("actor", std::string());
    entry.after = e.contains("after") ? e["after"] : Json();
    entry.after_hash = e.value("afterHash", std::string());
    entry.prev_hash = prev_hash;
    entry.key = key;
    entry.raw = e;
    out.push_back(std::move(entry));
    prev_hash = HashDoc(e);
    ++expected;
  }
  return out;
}

Result<OplogState> ModelStore::VerifyOplog(const EntityIds& ids) {
  if (!model_->oplog) return OplogState::kNoOplog;
  ASSIGN_OR_RETURN(std::string key, KeyOf(ids));
  ASSIGN_OR_RETURN(schema::SystemFolders folders, FoldersOf(ids));
  Status st;
  for (int attempt = 0; attempt < 4; ++attempt) {
    if (attempt > 0) Backoff(attempt - 1);
    // The live object before the entries: whatever worm wrote there has its
    // entry in the listing that follows (write-ahead).
    ASSIGN_OR_RETURN(std::optional<Stored> live, Read(key));
    Result<std::vector<OplogEntry>> history = History(ids);
    if (history.status().IsAborted()) {
      st = history.status();
      continue;
    }
    RETURN_NOT_OK(history.status());
    if (history->empty()) return OplogState::kNoHistory;
    OplogHead head;
    head.folder = EnsureSlash(folders.oplog);
    head.seq = history->back().seq;
    head.entry = history->back().raw;
    head.entry_hash = HashDoc(head.entry);
    Result<HeadCheck> check = CheckHead(ids, head, live, &*history);
    if (check.status().IsAborted()) {
      st = check.status();
      continue;
    }
    RETURN_NOT_OK(check.status());
    switch (check->state) {
      case HeadState::kAgrees:
        return OplogState::kAgrees;
      case HeadState::kPending:
        return OplogState::kPending;
      case HeadState::kContradicts:
        return Contradiction(ids, check->why);
    }
  }
  return st;
}

Result<OplogEntry> ModelStore::AdoptLive(const EntityIds& ids, const WriteContext& ctx) {
  RETURN_NOT_OK(CheckWritable(*model_, false));
  if (!model_->oplog) return Status::FailedPrecondition(model_->name + " keeps no oplog");
  ASSIGN_OR_RETURN(std::string key, KeyOf(ids));
  ASSIGN_OR_RETURN(std::optional<Stored> live, Read(key));
  ASSIGN_OR_RETURN(std::vector<OplogEntry> history, History(ids));
  if (history.empty()) {
    return Status::FailedPrecondition(Describe(ids) +
                                      ": no oplog entries; the next write starts the history");
  }
  ASSIGN_OR_RETURN(OplogHead head, ReadOplogHead(ids));
  if (head.seq != history.back().seq) return LostRace(Describe(ids) + ": the oplog moved on");
  ASSIGN_OR_RETURN(HeadCheck check, CheckHead(ids, head, live, &history));
  if (check.state != HeadState::kContradicts) {
    return Status::FailedPrecondition(
        Describe(ids) + ": the live state does not contradict the oplog (" +
        (check.state == HeadState::kAgrees ? "it agrees" : "an interrupted write: `worm repair`") +
        "); nothing to adopt");
  }
  Json extra = {{"reason", "adopted: " + check.why}};
  if (live) extra["beforeHash"] = HashDoc(live->doc);
  if (!live) {
    ASSIGN_OR_RETURN(bool trashed, TrashHoldsHead(ids, head));
    if (!trashed) extra["hard"] = true;  // gone, not in the trash
  }
  ASSIGN_OR_RETURN(Json entry, AppendOplog(head, live ? "update" : "delete",
                                           live ? &live->doc : nullptr, Actor(ctx), extra));
  OplogEntry out;
  out.seq = head.seq + 1;
  out.op = entry.value("op", std::string());
  out.at = entry.value("at", std::string());
  out.actor = entry.value("actor", std::string());
  out.after = entry.contains("after") ? entry["after"] : Json();
  out.after_hash = entry.value("afterHash", std::string());
  out.prev_hash = head.entry_hash;
  out.key = head.folder + SeqName(out.seq);
  out.raw = std::move(entry);
  return out;
}

}  // namespace worm::engine

// SyncEngine: scanning, planning and reporting. Transfers are in transfer.cc.
#include "sync/engine.h"

#include <algorithm>
#include <mutex>
#include <thread>

#include "core/hash.h"
#include "core/layout.h"
#include "core/parallel.h"

namespace worm::sync {

bool IsSentinelKey(std::string_view key) {
  return layout::IsSentinelKey(key) || key.starts_with(layout::kProbePrefix);
}

const std::string& DeleteFenceEtag() {
  static const std::string etag = Md5Hex(kDeleteFence);
  return etag;
}

bool IsDeleteFence(uint64_t size, std::string_view etag) {
  return size == kDeleteFence.size() && etag == DeleteFenceEtag();
}

std::string_view DeleteGuaranteeName(DeleteGuarantee g) {
  switch (g) {
    case DeleteGuarantee::kNone:
      return "none";
    case DeleteGuarantee::kAtomic:
      return "atomic";
    case DeleteGuarantee::kFenced:
      return "fenced";
    case DeleteGuarantee::kCheckedOnly:
      return "checked";
  }
  return "?";
}

DeleteGuarantee DeleteGuaranteeFor(const Capabilities& caps) {
  if (caps.conditional_delete) return DeleteGuarantee::kAtomic;
  if (caps.conditional_update) return DeleteGuarantee::kFenced;
  return DeleteGuarantee::kCheckedOnly;
}

std::string_view DeleteGuaranteeText(DeleteGuarantee g) {
  switch (g) {
    case DeleteGuarantee::kNone:
      return "no remote delete was made";
    case DeleteGuarantee::kAtomic:
      return "remote deletes are conditional (If-Match): a remote change made since the last "
             "sync is never lost";
    case DeleteGuarantee::kFenced:
      return "the server ignores If-Match on DELETE, so remote deletes are fenced (a conditional "
             "PUT first): a change by a client using conditional writes (worm push, If-Match) is "
             "never lost; an unconditional write landing within a delete's last round trip can be";
    case DeleteGuarantee::kCheckedOnly:
      return "the server has no conditional writes, so each remote delete is checked with a HEAD "
             "just before: a remote change landing within that round trip can be lost";
  }
  return "";
}

std::string_view ActionName(ActionKind kind) {
  switch (kind) {
    case ActionKind::kUpload:
      return "upload";
    case ActionKind::kDeleteRemote:
      return "delete-remote";
    case ActionKind::kDownload:
      return "download";
    case ActionKind::kDeleteLocal:
      return "delete-local";
    case ActionKind::kRecord:
      return "record";
    case ActionKind::kForget:
      return "forget";
    case ActionKind::kWriteSentinel:
      return "write-sentinel";
    case ActionKind::kClearFence:
      return "clear-fence";
    case ActionKind::kSkip:
      return "skip";
  }
  return "unknown";
}

Status SyncReport::FirstError(std::string_view op) const {
  const ActionOutcome* first = nullptr;
  const ActionOutcome* first_conflict = nullptr;
  for (const auto& o : outcomes) {
    if (o.status.ok()) continue;
    if (!first) first = &o;
    StatusCode c = o.status.code();
    if (!first_conflict && (c == StatusCode::kFailedPrecondition ||
                            c == StatusCode::kAlreadyExists || c == StatusCode::kAborted)) {
      first_conflict = &o;
    }
  }
  if (!first) return Status::OK();
  std::string others =
      failed > 1 ? " (and " + std::to_string(failed - 1) + " more failure(s))" : "";
  if (first_conflict) {
    return Status::FailedPrecondition(
        std::string(op) + ": " + first_conflict->key +
        " changed on the other side while syncing: " + first_conflict->status.message() + others +
        "; run `worm status` and sync again");
  }
  return Status(first->status.code(),
                std::string(op) + ": " + first->key + ": " + first->status.message() + others +
                    "; rerun to finish (completed objects are not transferred again)");
}

SyncEngine::SyncEngine(std::shared_ptr<Transport> local, std::shared_ptr<Transport> remote,
                       StateDb* state, std::string remote_name, Clock* clock)
    : local_(std::move(local)),
      remote_(std::move(remote)),
      state_(state),
      remote_name_(std::move(remote_name)),
      clock_(clock ? clock : Clock::Default()) {}

namespace {

// Keys per listing range: a little under one 1,000-key page, so a range whose
// remote holds a few keys more than the hint still fits in one request.
constexpr size_t kRangeKeys = 990;
// Range listings in flight at once.
constexpr size_t kListJobs = 8;

// Every object of `t` with key in (after, upto] (upto empty: to the end),
// following pages.
Result<std::vector<ObjectMeta>> ListRange(Transport& t, const std::string& after,
                                          const std::string& upto) {
  std::vector<ObjectMeta> out;
  ListRequest r;
  r.start_after = after;
  for (;;) {
    ASSIGN_OR_RETURN(ListPage page, t.List(r));
    for (ObjectMeta& m : page.objects) {
      if (!upto.empty() && m.key > upto) return out;
      out.push_back(std::move(m));
    }
    if (page.next_token.empty()) return out;
    r.token = std::move(page.next_token);
  }
}

// Lists all of `t`. With `bounds` (ascending keys, e.g. every kRangeKeys-th
// key of the last sync), the key space is cut into ranges (-, b0], (b0, b1],
// ..., (bn, +) listed in parallel: about as many LIST requests as one
// sequential walk, in a fraction of the latency. Bounds only shape the
// ranges; every key is found whatever they are.
Result<std::vector<ObjectMeta>> ListParallel(Transport& t, const std::vector<std::string>& bounds) {
  if (bounds.empty()) return t.ListAll("");
  size_t n = bounds.size() + 1;
  std::vector<Result<std::vector<ObjectMeta>>> parts(n, Status::Internal("not listed"));
  ParallelFor(n, static_cast<int>(kListJobs), [&](size_t i) {
    parts[i] = ListRange(t, i == 0 ? "" : bounds[i - 1], i < bounds.size() ? bounds[i] : "");
  });
  std::vector<ObjectMeta> all;
  for (auto& p : parts) {
    if (!p.ok()) return p.status();
    for (ObjectMeta& m : *p) all.push_back(std::move(m));
  }
  return all;
}

}  // namespace

Result<Listing> SyncEngine::ListSide(Transport& t, bool local,
                                     const std::vector<std::string>& bounds) {
  ASSIGN_OR_RETURN(std::vector<ObjectMeta> all, ListParallel(t, bounds));
  Listing out;
  std::vector<std::string> sentinels;
  std::set<std::string> fences;
  for (ObjectMeta& m : all) {
    if (IsSentinelKey(m.key)) {
      sentinels.push_back(std::move(m.key));
      continue;
    }
    if (!local && IsDeleteFence(m.size, m.etag)) {  // a delete under way or interrupted
      fences.insert(std::move(m.key));
      continue;
    }
    SideMeta s;
    s.size = m.size;
    s.etag = std::move(m.etag);
    s.mtime_ns = m.last_modified_ms * 1'000'000;
    out.emplace_hint(out.end(), std::move(m.key), std::move(s));
  }
  if (!local) {
    remote_sentinels_ = std::move(sentinels);
    remote_fences_ = std::move(fences);
  }
  return out;
}

Result<Classification> SyncEngine::Scan(bool record) {
  ASSIGN_OR_RETURN(BaseMap base, state_->Load(remote_name_));
  // The remote is listed in parallel ranges cut where the last sync saw
  // every kRangeKeys-th key; the local walk overlaps with it.
  std::vector<std::string> bounds;
  size_t i = 0;
  for (const auto& [key, entry] : base) {
    if (++i % kRangeKeys == 0) bounds.push_back(key);
  }
  Result<Listing> local = Status::Internal("not listed");
  std::thread local_lister([&] { local = ListSide(*local_, true, {}); });
  Result<Listing> remote = ListSide(*remote_, false, bounds);
  local_lister.join();
  if (!local.ok()) return local.status().WithContext("scan: list local data");
  if (!remote.ok()) {
    return remote.status().WithContext("scan: list remote '" + remote_name_ + "'");
  }
  // A listing without ETags (not the local fs transport): trust the base
  // while size and mtime match, else ask the transport (which hashes).
  for (auto& [key, meta] : *local) {
    if (!meta.etag.empty()) continue;
    auto b = base.find(key);
    if (b != base.end() && b->second.local_size == meta.size &&
        b->second.local_mtime_ns == meta.mtime_ns) {
      meta.etag = b->second.local_etag;
      continue;
    }
    ASSIGN_OR_RETURN(ObjectMeta m, local_->Head(key, {}));
    meta.etag = m.etag;
  }
  Classification c = Classify(*local, *remote, base);
  RETURN_NOT_OK(ApplyIntents(&c));
  if (record && c.in_sync > 0) {
    for (const Entry& e : c.entries) {
      if (e.state == SyncState::kInSync) RETURN_NOT_OK(RecordEqual(e));
    }
    RETURN_NOT_OK(state_->Flush());
  }
  return c;
}

// A conflict on a key an interrupted push was uploading, whose local content
// is still what that push was writing, is our own unfinished write (a server
// without atomic PUTs may even hold a torn copy): it becomes an ahead change
// that the next push re-uploads unconditionally.
Status SyncEngine::ApplyIntents(Classification* c) {
  if (c->conflicts == 0) return Status::OK();
  ASSIGN_OR_RETURN(auto intents, state_->LoadIntents(remote_name_));
  for (Entry& e : c->entries) {
    if (e.state != SyncState::kConflict || !e.local) continue;
    auto it = intents.find(e.key);
    if (it == intents.end() || it->second != e.local->etag) continue;
    e.state = e.base ? SyncState::kLocalModified : SyncState::kLocalAdded;
    e.conflict.clear();
    e.resumed = true;
    --c->conflicts;
    ++c->ahead;
  }
  return Status::OK();
}

namespace {

// FailedPrecondition listing the first conflicts, with what to do.
Status ConflictError(std::string_view op, const Classification& c) {
  std::string keys;
  size_t shown = 0;
  for (const Entry& e : c.entries) {
    if (e.state != SyncState::kConflict) continue;
    if (shown++ == 5) {
      keys += ", ...";
      break;
    }
    keys += (keys.empty() ? "" : ", ") + e.key + " (" + e.conflict + ")";
  }
  return Status::FailedPrecondition(
      std::string(op) + ": refusing: " + std::to_string(c.conflicts) +
      " conflict(s) with the remote: " + keys +
      "; inspect with `worm diff --content`, then `worm push --force` (local wins) or "
      "`worm pull --force` (remote wins)");
}

}  // namespace

std::vector<Action> SyncEngine::PlanPush(const Classification& c, const SyncOptions& o) {
  std::vector<Action> actions;
  for (const Entry& e : c.entries) {
    Action a;
    a.entry = e;
    switch (e.state) {
      case SyncState::kLocalAdded:
      case SyncState::kLocalModified:
        a.kind = ActionKind::kUpload;
        a.forced = e.resumed;
        break;
      case SyncState::kLocalDeleted:
        a.kind = ActionKind::kDeleteRemote;
        break;
      case SyncState::kConflict:
        a.forced = true;
        a.kind = e.local ? ActionKind::kUpload : ActionKind::kDeleteRemote;
        break;
      default:
        continue;
    }
    actions.push_back(std::move(a));
  }
  for (const auto& [key, body] : o.sentinels) {
    bool present = false;
    for (const std::string& k : remote_sentinels_) present = present || k == key;
    if (present) continue;
    Action a;
    a.kind = ActionKind::kWriteSentinel;
    a.entry.key = key;
    a.body = body;
    actions.push_back(std::move(a));
  }
  for (const std::string& key : remote_fences_) {
    // An upload of the key replaces the fence itself (RemoteWriteMode).
    bool uploaded = false;
    for (const Action& u : actions)
      uploaded = uploaded || (u.kind == ActionKind::kUpload && u.entry.key == key);
    if (uploaded) continue;
    Action a;
    a.kind = ActionKind::kClearFence;
    a.entry.key = key;
    actions.push_back(std::move(a));
  }
  return actions;
}

std::vector<Action> SyncEngine::PlanPull(const Classification& c, const SyncOptions& o) {
  std::vector<Action> actions;
  for (const Entry& e : c.entries) {
    Action a;
    a.entry = e;
    switch (e.state) {
      case SyncState::kRemoteAdded:
      case SyncState::kRemoteModified:
        a.kind = ActionKind::kDownload;
        break;
      case SyncState::kRemoteDeleted:
        if (!o.prune) continue;
        a.kind = ActionKind::kDeleteLocal;
        break;
      case SyncState::kConflict:
        a.forced = true;
        a.kind = e.remote ? ActionKind::kDownload : ActionKind::kDeleteLocal;
        break;
      default:
        continue;
    }
    actions.push_back(std::move(a));
  }
  return actions;
}

Result<SyncReport> SyncEngine::Push(const SyncOptions& options) {
  ASSIGN_OR_RETURN(Classification scan, Scan(!options.dry_run));
  if (scan.conflicts > 0 && !options.force) return ConflictError("push", scan);
  if (!options.dry_run) {
    remote_caps_ = remote_->capabilities();
    caps_known_ = true;
  }
  std::vector<Action> actions = PlanPush(scan, options);
  if (!options.dry_run) {
    std::vector<std::pair<std::string, std::string>> intents;
    for (const Action& a : actions) {
      if (a.kind == ActionKind::kUpload) intents.emplace_back(a.entry.key, a.entry.local->etag);
    }
    RETURN_NOT_OK(state_->AddIntents(remote_name_, intents));
  }
  size_t skipped = scan.behind;
  SyncReport report = Execute(std::move(scan), std::move(actions), options);
  report.skipped = skipped;
  return report;
}

Result<SyncReport> SyncEngine::Pull(const SyncOptions& options) {
  ASSIGN_OR_RETURN(Classification scan, Scan(!options.dry_run));
  if (scan.conflicts > 0 && !options.force) return ConflictError("pull", scan);
  std::vector<Action> actions = PlanPull(scan, options);
  size_t skipped = scan.ahead;
  if (!options.prune) {
    for (const Entry& e : scan.entries) skipped += e.state == SyncState::kRemoteDeleted;
  }
  SyncReport report = Execute(std::move(scan), std::move(actions), options);
  report.skipped = skipped;
  return report;
}

SyncReport SyncEngine::Execute(Classification scan, std::vector<Action> actions,
                               const SyncOptions& o) {
  SyncReport report;
  report.dry_run = o.dry_run;
  report.outcomes.resize(actions.size());
  std::mutex progress_mu;
  Progress progress;
  progress.total = actions.size();
  auto run_one = [&](size_t i) {
    const Action& a = actions[i];
    ActionOutcome& out = report.outcomes[i];
    out.key = a.entry.key;
    out.kind = a.kind;
    if (!o.dry_run) out.status = RunAction(a, &out.bytes);
    if (o.dry_run && a.entry.local && a.kind == ActionKind::kUpload)
      out.bytes = a.entry.local->size;
    if (o.dry_run && a.entry.remote && a.kind == ActionKind::kDownload) {
      out.bytes = a.entry.remote->size;
    }
    std::lock_guard<std::mutex> lock(progress_mu);
    ++progress.done;
    progress.bytes += out.bytes;
    if (o.progress) o.progress(progress);
  };
  ParallelFor(actions.size(), o.jobs, run_one);
  Status flushed = o.dry_run ? Status::OK() : state_->Flush();
  for (size_t i = 0; i < report.outcomes.size(); ++i) {
    const ActionOutcome& out = report.outcomes[i];
    if (!out.status.ok()) {
      ++report.failed;
      continue;
    }
    report.bytes += out.bytes;
    switch (out.kind) {
      case ActionKind::kUpload:
        ++report.uploaded;
        break;
      case ActionKind::kDeleteRemote:
        ++report.deleted_remote;
        if (!o.dry_run && !actions[i].forced && actions[i].entry.base) {
          report.delete_guarantee =
              std::max(report.delete_guarantee, DeleteGuaranteeFor(remote_caps_));
        }
        break;
      case ActionKind::kDownload:
        ++report.downloaded;
        break;
      case ActionKind::kDeleteLocal:
        ++report.deleted_local;
        break;
      case ActionKind::kWriteSentinel:
        ++report.sentinels;
        break;
      default:
        ++report.recorded;
        break;
    }
  }
  if (!flushed.ok()) {
    report.outcomes.push_back({"(sync state)", ActionKind::kRecord, flushed, 0});
    ++report.failed;
  }
  report.scan = std::move(scan);
  return report;
}

}  // namespace worm::sync

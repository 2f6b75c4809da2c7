#include "server/upload_staging.h"

#include <sys/stat.h>

#include <algorithm>
#include <map>

#include "core/json_util.h"

namespace worm::server {

std::string_view StateName(StagedUpload::State state) {
  switch (state) {
    case StagedUpload::State::kInProgress:
      return "in-progress";
    case StagedUpload::State::kCompleted:
      return "completed";
    case StagedUpload::State::kOrphaned:
      return "orphaned";
  }
  return "orphaned";
}

namespace {

// The record's key and time field, or false when it does not parse.
bool ReadRecord(Transport& uploads, const std::string& key, const char* time_field,
                StagedUpload* u) {
  Result<Object> obj = uploads.Get(key, {});
  if (!obj.ok()) return false;
  Result<Json> j = ParseJson(obj->data, key);
  if (!j.ok() || !j->is_object()) return false;
  u->key = j->value("key", "");
  u->since_ms = j->value(time_field, int64_t{0});
  return true;
}

}  // namespace

Result<std::vector<StagedUpload>> ListStagedUploads(Transport& uploads) {
  ASSIGN_OR_RETURN(std::vector<ObjectMeta> files, uploads.ListAll(""));
  struct Folder {
    bool upload = false, completed = false;
    int64_t newest_ms = 0;
    uint64_t bytes = 0;
    int parts = 0;
  };
  std::map<std::string, Folder> folders;
  for (const ObjectMeta& m : files) {
    size_t slash = m.key.find('/');
    if (slash == std::string::npos) continue;  // not an upload's file
    Folder& f = folders[m.key.substr(0, slash)];
    std::string_view name = std::string_view(m.key).substr(slash + 1);
    f.newest_ms = std::max(f.newest_ms, m.last_modified_ms);
    if (name == kUploadRecord) f.upload = true;
    if (name == kCompletedRecord) f.completed = true;
    if (name.rfind("p-", 0) == 0) {
      f.bytes += m.size;
      ++f.parts;
    }
  }
  std::vector<StagedUpload> out;
  for (const auto& [id, f] : folders) {
    StagedUpload u;
    u.id = id;
    u.bytes = f.bytes;
    u.parts = f.parts;
    // A completion record wins over an upload record: the object is installed.
    if (f.completed && ReadRecord(uploads, id + "/" + kCompletedRecord, "completed", &u)) {
      u.state = StagedUpload::State::kCompleted;
    } else if (f.upload && ReadRecord(uploads, id + "/" + kUploadRecord, "initiated", &u)) {
      u.state = StagedUpload::State::kInProgress;
    } else {
      u.key.clear();
      u.state = StagedUpload::State::kOrphaned;
      u.since_ms = f.newest_ms;
    }
    out.push_back(std::move(u));
  }
  return out;
}

Status RemoveStagedUpload(Transport& uploads, const std::string& id) {
  (void)uploads.Delete(id + "/" + kUploadRecord, {});  // first: no longer an upload
  ASSIGN_OR_RETURN(std::vector<ObjectMeta> files, uploads.ListAll(id + "/"));
  for (const ObjectMeta& m : files) {
    if (m.key != id + "/" + kCompletedRecord) RETURN_NOT_OK(uploads.Delete(m.key, {}));
  }
  return uploads.Delete(id + "/" + kCompletedRecord, {});  // last: repeats answered until now
}

UploadLocks::Guard::Guard(UploadLocks* locks, std::string entry)
    : locks_(locks), entry_(std::move(entry)) {
  std::lock_guard<std::mutex> lock(locks_->mu_);
  locked_ = locks_->held_.insert(entry_).second;
}

UploadLocks::Guard::~Guard() {
  if (!locked_) return;
  std::lock_guard<std::mutex> lock(locks_->mu_);
  locks_->held_.erase(entry_);
}

bool DueForSweep(const StagedUpload& u, const std::string& bucket, int64_t now_ms,
                 const SweepPolicy& policy) {
  const int64_t age = now_ms - u.since_ms;
  const int64_t abandoned = policy.AbandonedAfterMs(bucket);
  switch (u.state) {
    case StagedUpload::State::kInProgress:
      return abandoned > 0 && age >= abandoned;
    case StagedUpload::State::kCompleted:
      return age >= policy.completed_retention_ms;
    case StagedUpload::State::kOrphaned: {
      int64_t wait = policy.completed_retention_ms;
      if (abandoned > 0) wait = std::min(wait, abandoned);
      return age >= wait;
    }
  }
  return false;
}

Result<SweepStats> SweepBucket(Bucket& bucket, const SweepPolicy& policy, int64_t now_ms,
                               UploadLocks* locks) {
  SweepStats stats;
  ASSIGN_OR_RETURN(std::vector<StagedUpload> staged, ListStagedUploads(*bucket.uploads));
  for (const StagedUpload& u : staged) {
    if (!DueForSweep(u, bucket.name, now_ms, policy)) continue;
    UploadLocks::Guard guard = locks->TryLock(bucket.name, u.id);
    if (!guard.locked()) {
      ++stats.busy;
      continue;
    }
    RETURN_NOT_OK(RemoveStagedUpload(*bucket.uploads, u.id));
    stats.bytes += u.bytes;
    switch (u.state) {
      case StagedUpload::State::kInProgress:
        ++stats.abandoned;
        break;
      case StagedUpload::State::kCompleted:
        ++stats.completed;
        break;
      case StagedUpload::State::kOrphaned:
        ++stats.orphaned;
        break;
    }
  }
  return stats;
}

Result<SweepStats> SweepAllBuckets(BucketStore& store, const SweepPolicy& policy, int64_t now_ms,
                                   UploadLocks* locks) {
  ASSIGN_OR_RETURN(std::vector<BucketInfo> buckets, store.List());
  SweepStats total;
  Status first_error;
  const BucketStoreOptions& o = store.options();
  for (const BucketInfo& info : buckets) {
    // A bucket folder with no staging folder has nothing to sweep; opening it
    // would give it a .wormfs folder it never needed.
    struct stat st;
    std::string root = o.root_mode ? o.root + "/" + info.name : o.root;
    if (::lstat(UploadsDir(root).c_str(), &st) != 0) continue;
    Result<std::shared_ptr<Bucket>> bucket = store.Get(info.name);
    Result<SweepStats> s = bucket.ok() ? SweepBucket(**bucket, policy, now_ms, locks)
                                       : Result<SweepStats>(bucket.status());
    if (!s.ok()) {
      if (first_error.ok()) first_error = s.status().WithContext("sweep bucket " + info.name);
      continue;
    }
    total.abandoned += s->abandoned;
    total.completed += s->completed;
    total.orphaned += s->orphaned;
    total.bytes += s->bytes;
    total.busy += s->busy;
  }
  if (!first_error.ok()) return first_error;
  return total;
}

}  // namespace worm::server

// Multipart staging: what lives in a bucket's staging folder
// (<bucket root>/.wormfs/uploads/, the bucket's `uploads` transport), the
// per-upload lock Complete, Abort and the sweep share, and the sweep that
// removes abandoned uploads and expired completion records.
//
// Layout, one folder per upload id (32 hex digits, a UUIDv7: ids sort by
// creation time):
//   <id>/upload.json     the upload is in progress: key, initiated (ms),
//                        content type, metadata, checksum algorithm and type
//   <id>/p-00001         part bytes (ETag = MD5)
//   <id>/c-00001         "<ALGORITHM>:<base64>" when the part had a checksum
//   <id>/completed.json  the upload was completed: key, completed (ms), the
//                        parts list it was completed with, and the result
//                        (ETag, checksum) a repeated Complete is answered
//                        with (handlers_multipart.cc)
// completed.json is written (fsync'd) after the object is installed and
// before upload.json is removed: a folder holding both is a completed upload
// whose cleanup was cut short. A folder holding neither (parts left by a
// crash during an abort or a sweep, or a part that landed after one) is
// orphaned.
//
// Thread-safety: UploadLocks is thread-safe; the functions are safe to call
// concurrently (each upload folder is changed under its UploadLocks entry).
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "server/bucket_store.h"
#include "worm/transport.h"

namespace worm::server {

// `worm serve --abandoned-upload-age`: an upload not completed this long after
// it was initiated is removed, parts and all. Seven days, the age most S3
// lifecycle examples use for AbortIncompleteMultipartUpload (MinIO's own
// stale-uploads expiry defaults to 24 h; a week spares slow, resumable clients).
inline constexpr int64_t kDefaultAbandonedUploadAgeMs = 7LL * 24 * 3600 * 1000;
// `--completed-upload-retention`: how long a repeated Complete of a completed
// upload is answered with its result. AWS documents no figure; a day covers
// any client's retry schedule and a restart.
inline constexpr int64_t kDefaultCompletedUploadRetentionMs = 24LL * 3600 * 1000;
// How often `worm serve` sweeps while running (it also sweeps at start).
inline constexpr int64_t kDefaultUploadSweepIntervalMs = 3600LL * 1000;

inline constexpr char kUploadRecord[] = "upload.json";
inline constexpr char kCompletedRecord[] = "completed.json";

// One upload folder as found on disk.
struct StagedUpload {
  enum class State { kInProgress, kCompleted, kOrphaned };
  std::string id;
  std::string key;  // empty when orphaned
  State state = State::kOrphaned;
  // In progress: when it was initiated; completed: when it was completed;
  // orphaned: the newest file's modification time (Unix ms).
  int64_t since_ms = 0;
  uint64_t bytes = 0;  // part bytes staged
  int parts = 0;
};

std::string_view StateName(StagedUpload::State state);  // "in-progress", ...

// Every upload folder of `uploads` (a bucket's staging transport), in id
// order. A record that cannot be parsed makes its folder orphaned (aged by
// its files) rather than failing the listing.
Result<std::vector<StagedUpload>> ListStagedUploads(Transport& uploads);

// Removes one upload folder: first the record that makes it an upload
// (so UploadPart/Complete see NoSuchUpload from then on), then the parts,
// then the completion record. Idempotent.
Status RemoveStagedUpload(Transport& uploads, const std::string& id);

// Uploads being changed in this process (Complete, Abort, the sweep), by
// bucket and id: at most one of them works on an upload at a time. Not held
// by UploadPart (S3 lets parts race an abort: "might or might not succeed").
class UploadLocks {
 public:
  // RAII: owns the entry when locked().
  class Guard {
   public:
    Guard(UploadLocks* locks, std::string entry);
    ~Guard();
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;
    bool locked() const { return locked_; }

   private:
    UploadLocks* locks_;
    std::string entry_;
    bool locked_ = false;
  };
  // Never blocks: a busy upload is the caller's to report (Complete and
  // Abort answer SlowDown, which every SDK retries; the sweep skips it).
  Guard TryLock(const std::string& bucket, const std::string& id) {
    return Guard(this, bucket + "/" + id);
  }

 private:
  std::mutex mu_;
  std::set<std::string> held_;  // guarded by mu_
};

// When staged uploads are removed. The age is asked per bucket so that a
// bucket's AbortIncompleteMultipartUpload lifecycle rule (DaysAfterInitiation)
// can override the server-wide --abandoned-upload-age when lifecycle
// configuration exists.
struct SweepPolicy {
  // Age since initiation at which an in-progress upload of `bucket` is
  // abandoned; <= 0: never. Null: kDefaultAbandonedUploadAgeMs.
  std::function<int64_t(const std::string& bucket)> abandoned_after_ms;
  // Completion records older than this are removed (a repeat of the
  // Complete then gets NoSuchUpload).
  int64_t completed_retention_ms = kDefaultCompletedUploadRetentionMs;

  int64_t AbandonedAfterMs(const std::string& bucket) const {
    return abandoned_after_ms ? abandoned_after_ms(bucket) : kDefaultAbandonedUploadAgeMs;
  }
};

// Whether the sweep removes `u` (of `bucket`) at `now_ms`. In progress: its
// age since initiation reached the bucket's abandoned age; completed: its
// record outlived completed_retention_ms; orphaned: its newest file is older
// than the abandoned age (or the retention, whichever is shorter: an orphan
// is garbage, the wait only spares a write still landing).
bool DueForSweep(const StagedUpload& u, const std::string& bucket, int64_t now_ms,
                 const SweepPolicy& policy);

struct SweepStats {
  int abandoned = 0;   // in-progress uploads removed
  int completed = 0;   // completion records removed
  int orphaned = 0;    // orphaned folders removed
  uint64_t bytes = 0;  // part bytes freed
  int busy = 0;        // due but skipped: Complete or Abort was working on it
};

// Sweeps one bucket's staging folder.
Result<SweepStats> SweepBucket(Bucket& bucket, const SweepPolicy& policy, int64_t now_ms,
                               UploadLocks* locks);
// Sweeps every bucket of `store`; a bucket that fails is skipped (its error
// is returned after the others were swept).
Result<SweepStats> SweepAllBuckets(BucketStore& store, const SweepPolicy& policy, int64_t now_ms,
                                   UploadLocks* locks);

}  // namespace worm::server

// SyncEngine: git-like sync between a local bucket (a Transport over
// `.worm/data`) and a remote (any Transport; S3 in real use), using a base
// (StateDb) to tell which side changed. See classify.h for the states.
//
// Scan lists both sides (ListObjectsV2 pages on S3: ETags and sizes come with
// the listing) and loads the base; it never reads object bodies, so a no-op
// status costs about one LIST per 1,000 keys and a local directory walk. The
// remote is listed in parallel key ranges cut at the keys of the last sync.
//
// Push uploads local changes (creates, updates, deletes); Pull downloads
// remote ones (local deletes only with prune). Both refuse to run while
// conflicts exist unless `force` (push: local wins; pull: remote wins).
// Transfers run on a bounded pool of `jobs` threads; bodies up to
// kSmallObjectBytes move in one request, larger ones stream in chunks, so
// memory is bounded by jobs x max(kSmallObjectBytes, stream chunk) whatever
// the object size.
//
// Concurrent remote writers are detected, not overwritten: an update is a
// conditional PUT (If-Match: the base's remote ETag) and a create is a
// create-only PUT (If-None-Match: *) when the remote's capabilities say it
// honours them. Otherwise (e.g. s3rver) an update or delete first HEADs the
// key and compares its ETag with the base, and a create relies on the listing
// Scan just took (the key was absent moments before): a narrower race window
// than a conditional PUT, documented in `worm push --help`.
//
// Deletes are conditional DELETEs where the remote honours them. Where it
// has conditional PUTs but ignores If-Match on DELETE (Ceph RGW 16.2), a
// delete is fenced: a conditional PUT first replaces the base's object with
// kDeleteFence (refused if anyone changed it), then the fence is deleted
// after a HEAD confirms it is still there. A writer using conditions (another
// push, any If-Match client) then never loses a change: it either lands
// before the fence (the delete is refused) or is refused by the fence. Only
// an unconditional writer landing within the last round trip can be lost;
// SyncReport::delete_guarantee says which guarantee a push gave. Fences a
// crash left behind read as absent and the next push removes them.
//
// Resumable: the base is updated as each object completes (batched SQLite
// transactions). A rerun after a crash redoes only what is left; an object
// whose write finished but whose base row was lost is recognised as in sync
// (same ETag on both sides) without a transfer. Before uploading, Push notes
// its intents (key, local ETag) in the state: a key left different on the
// remote by an interrupted upload (a torn write on servers whose PUT is not
// atomic, such as s3rver) is re-uploaded by the rerun instead of being
// reported as a conflict, as long as the local file is still what was being
// uploaded.
//
// Keys named ".worm" (bucket and collection sentinels) are not synced as
// data; Push writes the sentinels it is given when they are missing.
//
// Thread-safety: one operation at a time per engine; internally parallel.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "sync/classify.h"
#include "sync/state_db.h"
#include "worm/clock.h"
#include "worm/transport.h"

namespace worm::sync {

// Objects up to this size are read and written in one request.
inline constexpr uint64_t kSmallObjectBytes = uint64_t{8} << 20;
// Default parallel transfers: enough to hide S3 latency, small enough for
// servers that throttle per connection.
inline constexpr int kDefaultJobs = 16;

// True for sentinel keys (".worm" at any level) and capability probes
// (".worm.probe/..."), which are not synced as data.
bool IsSentinelKey(std::string_view key);

// What a remote key holds between the two steps of a fenced delete.
inline constexpr std::string_view kDeleteFence =
    "worm: this object is being deleted by `worm push` (a delete fence)\n";
// kDeleteFence's ETag (its MD5), and whether `size` and `etag` are its.
const std::string& DeleteFenceEtag();
bool IsDeleteFence(uint64_t size, std::string_view etag);

// How far a push's remote deletes were protected against a concurrent
// remote change (see the class comment).
enum class DeleteGuarantee {
  kNone,         // no conditional remote delete was made
  kAtomic,       // conditional DELETEs: no change is ever lost
  kFenced,       // fenced: conditional writers never lose a change
  kCheckedOnly,  // HEAD just before an unconditional DELETE (no conditional writes)
};
std::string_view DeleteGuaranteeName(DeleteGuarantee g);  // "atomic", "fenced", ...
// What a push's remote deletes can promise on a remote with `caps`.
DeleteGuarantee DeleteGuaranteeFor(const Capabilities& caps);
// That promise in one sentence, for `worm push` and `worm doctor`.
std::string_view DeleteGuaranteeText(DeleteGuarantee g);

struct Progress {
  size_t done = 0, total = 0;
  uint64_t bytes = 0;
};
using ProgressFn = std::function<void(const Progress&)>;

struct SyncOptions {
  int jobs = kDefaultJobs;
  bool dry_run = false;  // plan only: no transfer, no base change
  bool force = false;    // resolve conflicts: push = local wins, pull = remote wins
  bool prune = false;    // pull: delete local files deleted on the remote
  // Push: sentinel objects written when missing on the remote (key -> body).
  std::vector<std::pair<std::string, std::string>> sentinels;
  ProgressFn progress;  // called from worker threads, serialized
};

enum class ActionKind {
  kUpload,  // local -> remote
  kDeleteRemote,
  kDownload,  // remote -> local
  kDeleteLocal,
  kRecord,  // both sides already equal: only the base changes
  kForget,  // gone on both sides: drop the base row
  kWriteSentinel,
  kClearFence,  // removes a delete fence an interrupted push left
  kSkip,        // behind on push / ahead on pull / remote deletion without prune
};
std::string_view ActionName(ActionKind kind);

struct Action {
  ActionKind kind = ActionKind::kSkip;
  Entry entry;
  bool forced = false;  // resolves a conflict
  std::string body;     // kWriteSentinel only
};

struct ActionOutcome {
  std::string key;
  ActionKind kind;
  Status status;
  uint64_t bytes = 0;
};

struct SyncReport {
  bool dry_run = false;
  Classification scan;
  std::vector<ActionOutcome> outcomes;  // one per planned action, key order
  size_t uploaded = 0, downloaded = 0, deleted_remote = 0, deleted_local = 0;
  size_t recorded = 0, sentinels = 0, skipped = 0, failed = 0;
  uint64_t bytes = 0;
  // The weakest protection a remote delete of this push had.
  DeleteGuarantee delete_guarantee = DeleteGuarantee::kNone;

  // OK, or the first failure with a count of the others; conflicts found
  // while writing (a key changed since the scan) give FailedPrecondition.
  Status FirstError(std::string_view op) const;
};

class SyncEngine {
 public:
  // `remote_name` scopes the base rows. `clock` stamps synced_at (null:
  // Clock::Default()). The transports and state must outlive the engine.
  SyncEngine(std::shared_ptr<Transport> local, std::shared_ptr<Transport> remote, StateDb* state,
             std::string remote_name, Clock* clock = nullptr);

  // Lists both sides and classifies every key. With `record` (the default),
  // keys found identical on both sides are written to the base.
  Result<Classification> Scan(bool record = true);

  Result<SyncReport> Push(const SyncOptions& options);
  Result<SyncReport> Pull(const SyncOptions& options);

  // Both versions of a key, for content diffs; missing sides are nullopt.
  Result<std::optional<std::string>> ReadLocal(const std::string& key);
  Result<std::optional<std::string>> ReadRemote(const std::string& key);

 private:
  Result<Listing> ListSide(Transport& t, bool local, const std::vector<std::string>& bounds);
  Status ApplyIntents(Classification* c);
  std::vector<Action> PlanPush(const Classification& c, const SyncOptions& o);
  std::vector<Action> PlanPull(const Classification& c, const SyncOptions& o);
  SyncReport Execute(Classification scan, std::vector<Action> actions, const SyncOptions& o);
  Status RunAction(const Action& a, uint64_t* bytes);
  Status Upload(const Action& a, uint64_t* bytes);
  Status UploadOnce(const Action& a, uint64_t* bytes);
  Status DeleteRemote(const Action& a);
  Status Download(const Action& a, uint64_t* bytes);
  Status DeleteLocal(const Action& a);
  Status RecordEqual(const Entry& e);
  Status RecordBase(const std::string& key, uint64_t local_size, const std::string& local_etag,
                    const std::string& remote_etag, uint64_t remote_size);
  Status CheckRemoteUnchanged(const Entry& e);
  WriteOptions RemoteWriteMode(const Action& a);

  std::shared_ptr<Transport> local_, remote_;
  StateDb* state_;
  std::string remote_name_;
  Clock* clock_;
  Capabilities remote_caps_;
  bool caps_known_ = false;
  std::vector<std::string> remote_sentinels_;  // sentinel keys seen by the last scan
  std::set<std::string> remote_fences_;        // delete fences seen by the last scan
};

}  // namespace worm::sync

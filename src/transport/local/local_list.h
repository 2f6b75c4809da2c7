// LocalKeyWalker: the keys of a local transport root in byte order, found
// lazily. A folder that is still changing (or any folder, without a cache)
// is scanned for only the next `batch` entries past the resume point (a
// bounded max-heap): memory is the page size times the folder depth. A
// settled folder is read whole and sorted once, and with a DirListingCache
// (the local transport always passes one) reused by later List calls: memory
// then holds the names of the folders on the current path (~50 bytes an
// entry; the cache keeps at most DirListingCache::kMaxEntries between calls).
//
// Byte order across folders: a folder "a" sorts as "a/" among its siblings
// (so "a-b" < "a/x" < "a0", as S3 orders the keys), and a depth-first walk
// in that order yields every key in byte order.
//
// Not thread-safe; one List call owns one walker.
//
// Paging a big folder would re-read it once per page (O(N^2 / page) for a
// collection of N entities), and a collection of N entities is N small
// folders (one per entity) to open and read per listing. DirListingCache
// keeps the sorted entries of folders between List calls, keyed by the
// folder's inode and change times: any entry added, removed or renamed
// changes the folder's mtime/ctime, so one stat of the folder validates its
// entry. Only folders unchanged for kSettleSeconds are cached, so a change in
// the same clock tick as the read cannot hide behind an equal timestamp (the
// "racy git" rule). FileRecordCache does the same for the files' metadata
// records, so listing an unchanged file is one stat, not a stat and an xattr
// read.
//
// The walker opens the folder it starts in once and reaches everything below
// relative to it: the kernel then resolves a short path per stat instead of
// the whole root path again. Symlinks are skipped: a listing shows only the
// regular files and real folders beneath the root.
#pragma once

#include <dirent.h>
#include <sys/stat.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "transport/local/folder_watch.h"
#include "transport/local/id_map.h"
#include "transport/local/local_fs.h"
#include "transport/transport_util.h"

namespace worm::transport_internal {

struct DirEntry {
  // The key segment the entry stands for (local_keys.h), plus '/' for a folder.
  std::string sort_name;
  std::string name;     // its name on disk
  bool beside = false;  // a file beside a folder of the same segment (".wormfs.o")
  bool is_dir = false;
  ino_t ino = 0;  // from the folder's own listing (d_ino); 0 for symlinks and unknown types
};
using SortedDir = std::vector<DirEntry>;

// A folder as a stat names it.
struct FolderId {
  dev_t dev = 0;
  ino_t ino = 0;
  bool operator==(const FolderId&) const = default;
};

// The folder part of a listing prefix: "a/b/" of "a/b/c", "" of "c".
inline std::string_view FolderOfPrefix(std::string_view prefix) {
  return prefix.substr(0, prefix.rfind('/') + 1);
}

// What the caches below are keyed by: a 64-bit hash of the path, not the
// path (a lookup per listed key then costs no string compare or copy). Two
// paths that collide cannot be confused: a slot is used only for the inode
// (and times) it was read from, and one inode is one folder or file.
inline uint64_t PathKey(std::string_view path) { return std::hash<std::string_view>{}(path); }

// A process-wide counter that orders stats against watches and events: a
// stat taken after reading epoch e saw every change made before the counter
// reached e.
uint64_t ListEpoch();
uint64_t NextListEpoch();
// Folders and files the process's listings took from a cache without a stat
// (trusted: watched, no event since). For tests.
uint64_t TrustedListingHits();

// Thread-safe; shared by the List calls of one transport.
//
// With a FolderWatch, a cached folder listed twice gets an inotify watch.
// From then on it is "trusted" while no event arrives for it: a listing
// takes its entries without a stat, and files in it whose records were
// confirmed by a stat since the watch (or the last event) are taken from
// FileRecordCache without a stat either. Each event on the folder ends the
// trust until a stat confirms the folder again. Drain() must run at the
// start of every listing.
class DirListingCache {
 public:
  static constexpr int kSettleSeconds = 2;
  // Bound on memory (~100 MB): each folder counts as kFolderCost entries
  // (its path and bookkeeping) plus its entries.
  static constexpr size_t kMaxEntries = 2'000'000;
  static constexpr size_t kFolderCost = 5;

  // `watch`: the watches' budget (FolderWatchOptions::max_watches).
  explicit DirListingCache(bool watch_folders = false, local::FolderWatchOptions watch = {})
      : watching_(watch_folders), watch_(watch) {}
  ~DirListingCache();

  // What Find learned about the folder besides its entries.
  struct Trust {
    // Nonzero when the folder is trusted: the epoch since which no event
    // arrived for it (a file record confirmed at or after it needs no stat).
    uint64_t since = 0;
    // The folder has no watch yet and may get one (Watch).
    bool want_watch = false;
  };
  // The cached listing of `path` (the folder's key prefix) if `st` (its stat
  // now, taken after reading `epoch`) matches.
  std::shared_ptr<const SortedDir> Find(const std::string& path, const struct stat& st,
                                        uint64_t epoch, Trust* trust);
  // The cached listing of a trusted folder, whose parent's listing names
  // inode `ino` at `path`; no stat needed. Sets *since (Trust::since).
  std::shared_ptr<const SortedDir> FindTrusted(const std::string& path, ino_t ino, uint64_t* since);
  // Adds a watch on the cached folder `path` (open as `dir_fd`, beneath the
  // root); true when it has one now (then a stat taken from now on can make
  // it trusted by Find).
  bool Watch(const std::string& path, int dir_fd);
  // Applies the events queued since the last call: each ends the trust in
  // its folder. Call at the start of each listing.
  void Drain();
  // True when the folder (its stat `st`) has not changed for kSettleSeconds:
  // a change in the same timestamp tick as a read can no longer follow.
  static bool Settled(const struct stat& st);
  // Keeps `entries` when the folder has settled.
  void Offer(const std::string& path, const struct stat& st,
             std::shared_ptr<const SortedDir> entries);
  // Bumped whenever a folder may have lost its trust or its slot (an event,
  // lost events, a changed or evicted folder): a listing made of trusted
  // folders only stays current while this does not move (ListSummaries).
  uint64_t Generation() const { return generation_.load(std::memory_order_acquire); }

 private:
  struct Slot {
    ino_t ino;
    struct timespec mtime, ctime;
    std::shared_ptr<const SortedDir> entries;
    int wd = -1;               // its watch, if any
    uint64_t quiet_since = 0;  // epoch since which no event arrived (watched folders)
    bool trusted = false;      // confirmed by a stat taken at or after quiet_since
    bool unwatchable = false;  // a watch could not be added
  };
  static size_t Cost(const Slot& slot);
  void EraseLocked(uint64_t id, const Slot& slot);
  void ClearLocked();

  std::mutex mu_;
  IdMap<Slot> slots_;  // by PathKey
  size_t total_entries_ = 0;
  const bool watching_;
  local::FolderWatch watch_;
  std::unordered_map<int, uint64_t> by_wd_;  // watch descriptor -> PathKey
  std::atomic<uint64_t> generation_{1};      // bumped under mu_
};

// Thread-safe; shared by the List calls of one transport.
class FileRecordCache {
 public:
  // Bound on memory (~200 MB at most; a slot is the key, the record and
  // bookkeeping): past it, start over.
  static constexpr size_t kMaxSlots = 1'000'000;

  // The record kept for `key` if the file `st` describes (its stat now, taken
  // after reading `epoch`) is the one it was read from: same inode, size,
  // mtime and ctime. Any write of the file's data or xattr since moves its
  // ctime. Without `with_metadata` only the ETag is copied out.
  bool Find(const std::string& key, const struct stat& st, uint64_t epoch, bool with_metadata,
            MetaRecord* record);
  // Without a stat: the record kept for `key` when its file is inode `ino`
  // (its folder's listing says so), has one link, and a stat confirmed it at
  // or after epoch `since` (when its folder became trusted). Fills st_ino,
  // st_size, st_mtim and st_ctim of *st.
  bool FindTrusted(const std::string& key, ino_t ino, uint64_t since, bool with_metadata,
                   MetaRecord* record, struct stat* st);
  // Keeps `record`, read from the file `st` describes (stat taken after
  // reading `epoch`), when the file has settled (DirListingCache::Settled).
  void Offer(const std::string& key, const struct stat& st, uint64_t epoch,
             const MetaRecord& record);

 private:
  struct Slot {
    ino_t ino;
    off_t size;
    struct timespec mtime, ctime;
    uint64_t confirmed = 0;  // epoch read before the last stat that matched
    bool single_link = false;
    MetaRecord record;
  };
  std::mutex mu_;
  IdMap<Slot> slots_;  // by PathKey
};

class LocalKeyWalker {
 public:
  // `plan` is consulted at each step: raising its seek (SkipPrefix) prunes
  // the rest of the walk. Must outlive the walker. `cache` may be null.
  // `root_fd` is the root folder (`root` its path, for messages): every
  // folder is opened beneath it (OpenBeneath), and symlinks are neither
  // listed nor followed.
  LocalKeyWalker(std::string root, int root_fd, const ListPlan* plan, size_t batch,
                 DirListingCache* cache = nullptr);

  // The next key >= plan.seek under plan.prefix, or null at the end. The
  // string is the walker's own: valid until the next call.
  Result<const std::string*> Next();
  // lstat(2) of the file Next() returned last, by its name in its folder
  // (opened beneath the root, once per folder). -1 with errno set on failure.
  int StatFile(struct stat* st);
  // That file's folder (-1 with errno set if it cannot be opened) and its
  // name in it: for *at() calls that must not leave the root.
  int FileFolder();
  const char* file_name() const { return file_name_.c_str(); }
  // About the file Next() returned last: its inode as its folder's listing
  // names it (0 when unknown), and its folder's Trust::since (0: untrusted).
  ino_t file_ino() const { return file_ino_; }
  uint64_t file_trusted_since() const { return file_trusted_since_; }
  // True when the folder the walk starts in, and every folder it listed
  // since, came from the cache without a stat (DirListingCache::FindTrusted).
  bool all_folders_trusted() const { return base_trusted_ && !any_untrusted_; }
  // The folder the walk started in ({} when there is none).
  FolderId base_folder() const { return base_folder_; }

 private:
  using Entry = DirEntry;
  // One folder on the path of the walk. Frames are reused as the walk goes
  // down and up (their strings keep their capacity): a collection of N
  // entities is N folders to enter.
  struct Frame {
    std::string key_prefix;                  // "" for the root, else "a/b/"
    std::string disk_path;                   // the folder on disk, from the base ("." for it)
    std::string name_filter;                 // entries must start with this (first frame only)
    std::shared_ptr<const SortedDir> whole;  // the folder's sorted entries, when all are known
    std::vector<Entry> batch;                // else the next entries of a bounded scan, ascending
    size_t pos = 0, end = 0;     // entries still to visit: [pos, end) of `whole` or `batch`
    std::string resume_after;    // entries <= this were already consumed
    bool complete = false;       // [pos, end) holds every remaining entry
    uint64_t selected_at = 0;    // ListPlan::moves when SelectFrom chose [pos, end) of `whole`
    ino_t ino = 0;               // the folder's inode as its parent's listing names it
    UniqueFd fd;                 // the folder (beneath the root), once a file in it was stat'ed
    uint64_t trusted_since = 0;  // DirListingCache::Trust::since of the folder
    const Entry& at(size_t i) const { return whole ? (*whole)[i] : batch[i]; }
  };

  Status Fill(Frame* frame);
  // Points the frame at the entries of `entries` (the folder's complete
  // sorted listing) that can still be wanted.
  void SelectFrom(std::shared_ptr<const SortedDir> entries, Frame* frame) const;
  bool Acceptable(const Frame& frame, const Entry& entry) const;
  bool Wanted(const Frame& frame, const Entry& entry) const;
  void PushFrame(std::string_view key_prefix, std::string_view disk_path,
                 std::string_view name_filter, ino_t ino);
  // The entry `e` of folder `dir_fd` (of `frame`) decoded (local_keys.h), or
  // nullopt when it is no part of a key.
  std::optional<Entry> EntryOf(const Frame& frame, int dir_fd, const struct dirent* e) const;
  // The folder's cached listing when the cache has one that is still
  // current; may add a watch. Sets frame->trusted_since.
  std::shared_ptr<const SortedDir> CachedListing(Frame* frame);

  std::string root_;
  std::string base_prefix_;  // the key prefix of the folder the walk starts in
  UniqueFd base_fd_;         // that folder (O_PATH); invalid when it does not exist
  const ListPlan* plan_;
  size_t batch_;
  DirListingCache* cache_;
  std::vector<Frame> stack_;  // frames [0, depth_) are the walk's path; the rest are spare
  size_t depth_ = 0;
  std::string full_;  // scratch: the key or folder prefix of the entry being visited
  std::string disk_scratch_;
  std::string file_name_;  // on disk, of the file Next() returned last
  ino_t file_ino_ = 0;
  size_t file_frame_ = 0;  // the frame of the file Next() returned last
  uint64_t file_trusted_since_ = 0;
  FolderId base_folder_;
  bool base_trusted_ = false;   // the first frame was listed trusted
  bool any_untrusted_ = false;  // a folder was listed otherwise
  Status error_;
};

}  // namespace worm::transport_internal

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
// the whole root path again.
#pragma once

#include <sys/stat.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "transport/local_fs.h"
#include "transport/transport_util.h"

namespace worm::transport_internal {

struct DirEntry {
  std::string sort_name;  // the file name, or the folder name plus '/'
  bool is_dir = false;
};
using SortedDir = std::vector<DirEntry>;

// What the caches below are keyed by: a 64-bit hash of the path, not the
// path (a lookup per listed key then costs no string compare or copy). Two
// paths that collide cannot be confused: a slot is used only for the inode
// (and times) it was read from, and one inode is one folder or file.
inline uint64_t PathKey(std::string_view path) { return std::hash<std::string_view>{}(path); }

// Thread-safe; shared by the List calls of one transport.
class DirListingCache {
 public:
  static constexpr int kSettleSeconds = 2;
  // Bound on memory (~100 MB): each folder counts as kFolderCost entries
  // (its path and bookkeeping) plus its entries.
  static constexpr size_t kMaxEntries = 2'000'000;
  static constexpr size_t kFolderCost = 5;

  // The cached listing of `path` (the folder's key prefix) if `st` (its stat
  // now) matches.
  std::shared_ptr<const SortedDir> Find(const std::string& path, const struct stat& st);
  // True when the folder (its stat `st`) has not changed for kSettleSeconds:
  // a change in the same timestamp tick as a read can no longer follow.
  static bool Settled(const struct stat& st);
  // Keeps `entries` when the folder has settled.
  void Offer(const std::string& path, const struct stat& st,
             std::shared_ptr<const SortedDir> entries);

 private:
  static size_t Cost(const SortedDir& entries) { return entries.size() + kFolderCost; }
  struct Slot {
    ino_t ino;
    struct timespec mtime, ctime;
    std::shared_ptr<const SortedDir> entries;
  };
  std::mutex mu_;
  std::unordered_map<uint64_t, Slot> slots_;  // by PathKey
  size_t total_entries_ = 0;
};

// Thread-safe; shared by the List calls of one transport.
class FileRecordCache {
 public:
  // Bound on memory (~200 MB at most; a slot is the key, the record and
  // bookkeeping): past it, start over.
  static constexpr size_t kMaxSlots = 1'000'000;

  // The record kept for `key` if the file `st` describes (its stat now) is
  // the one it was read from: same inode, size, mtime and ctime. Any write of
  // the file's data or xattr since moves its ctime. Without `with_metadata`
  // only the ETag is copied out.
  bool Find(const std::string& key, const struct stat& st, bool with_metadata, MetaRecord* record);
  // Keeps `record`, read from the file `st` describes, when the file has
  // settled (DirListingCache::Settled).
  void Offer(const std::string& key, const struct stat& st, const MetaRecord& record);

 private:
  struct Slot {
    ino_t ino;
    off_t size;
    struct timespec mtime, ctime;
    MetaRecord record;
  };
  std::mutex mu_;
  std::unordered_map<uint64_t, Slot> slots_;  // by PathKey
};

class LocalKeyWalker {
 public:
  // `plan` is consulted at each step: raising its seek (SkipPrefix) prunes
  // the rest of the walk. Must outlive the walker. `cache` may be null.
  LocalKeyWalker(std::string root, const ListPlan* plan, size_t batch,
                 DirListingCache* cache = nullptr);

  // The next key >= plan.seek under plan.prefix, or nullopt at the end.
  Result<std::optional<std::string>> Next();
  // stat(2) of the file at `key` (one Next returned), resolved from the
  // folder the walk started in. -1 with errno set on failure.
  int StatKey(const std::string& key, struct stat* st) const;

 private:
  using Entry = DirEntry;
  // One folder on the path of the walk. Frames are reused as the walk goes
  // down and up (their strings keep their capacity): a collection of N
  // entities is N folders to enter.
  struct Frame {
    std::string key_prefix;                  // "" for the root, else "a/b/"
    std::string name_filter;                 // entries must start with this (first frame only)
    std::shared_ptr<const SortedDir> whole;  // the folder's sorted entries, when all are known
    std::vector<Entry> batch;                // else the next entries of a bounded scan, ascending
    size_t pos = 0, end = 0;   // entries still to visit: [pos, end) of `whole` or `batch`
    std::string resume_after;  // entries <= this were already consumed
    bool complete = false;     // [pos, end) holds every remaining entry
    const Entry& at(size_t i) const { return whole ? (*whole)[i] : batch[i]; }
  };

  Status Fill(Frame* frame);
  // Points the frame at the entries of `entries` (the folder's complete
  // sorted listing) that can still be wanted.
  void SelectFrom(std::shared_ptr<const SortedDir> entries, Frame* frame) const;
  bool Acceptable(const Frame& frame, const Entry& entry) const;
  bool Wanted(const Frame& frame, const Entry& entry) const;
  void PushFrame(std::string_view key_prefix, std::string_view name_filter);

  // `key_prefix` (or a key) relative to the base folder, "." for the base
  // itself. Points into `key_prefix`.
  const char* RelativePath(const std::string& key_prefix) const;

  std::string root_;
  std::string base_prefix_;  // the key prefix of the folder the walk starts in
  UniqueFd base_fd_;         // that folder (O_PATH); invalid when it does not exist
  const ListPlan* plan_;
  size_t batch_;
  DirListingCache* cache_;
  std::vector<Frame> stack_;  // frames [0, depth_) are the walk's path; the rest are spare
  size_t depth_ = 0;
  std::string full_;  // scratch: the key or folder prefix of the entry being visited
  Status error_;
};

}  // namespace worm::transport_internal

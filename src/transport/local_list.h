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
// "racy git" rule).
#pragma once

#include <sys/stat.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "transport/transport_util.h"

namespace worm::transport_internal {

struct DirEntry {
  std::string sort_name;  // the file name, or the folder name plus '/'
  bool is_dir = false;
};
using SortedDir = std::vector<DirEntry>;

// Thread-safe; shared by the List calls of one transport.
class DirListingCache {
 public:
  static constexpr int kSettleSeconds = 2;
  // Bound on memory (~100 MB): each folder counts as kFolderCost entries
  // (its path and bookkeeping) plus its entries.
  static constexpr size_t kMaxEntries = 2'000'000;
  static constexpr size_t kFolderCost = 5;

  // The cached listing of `path` if `st` (its stat now) matches.
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
  std::unordered_map<std::string, Slot> slots_;
  size_t total_entries_ = 0;
};

class LocalKeyWalker {
 public:
  // `plan` is consulted at each step: raising its seek (SkipPrefix) prunes
  // the rest of the walk. Must outlive the walker. `cache` may be null.
  LocalKeyWalker(std::string root, const ListPlan* plan, size_t batch,
                 DirListingCache* cache = nullptr);

  // The next key >= plan.seek under plan.prefix, or nullopt at the end.
  Result<std::optional<std::string>> Next();

 private:
  using Entry = DirEntry;
  struct Frame {
    std::string key_prefix;    // "" for the root, else "a/b/"
    std::string name_filter;   // entries must start with this (first frame only)
    std::vector<Entry> batch;  // ascending by sort_name
    size_t pos = 0;
    std::string resume_after;  // entries <= this were already consumed
    bool complete = false;     // the batch holds every remaining entry
  };

  Status Fill(Frame* frame);
  // Fills the frame's batch from a complete sorted listing of its folder.
  void SelectFrom(const SortedDir& entries, Frame* frame) const;
  bool Acceptable(const Frame& frame, const Entry& entry) const;
  bool Wanted(const Frame& frame, const Entry& entry) const;
  void PushFrame(std::string key_prefix, std::string name_filter);

  std::string root_;
  const ListPlan* plan_;
  size_t batch_;
  DirListingCache* cache_;
  std::vector<Frame> stack_;
  Status error_;
};

}  // namespace worm::transport_internal

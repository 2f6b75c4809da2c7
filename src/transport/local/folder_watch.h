// FolderWatch: inotify watches on folders, so a long-lived process can
// reuse what it cached about a folder and the files in it without a stat
// per entry while no event arrived for that folder (DirListingCache), or
// act on changes as they happen (`worm dev`). Part of the local backend's
// API for other layers.
//
// A watch on a folder reports entries created, deleted or renamed in it, and
// writes, truncations and metadata or xattr changes of the files in it; the
// event is queued inside the writer's own system call, so a change finished
// before a listing drains the queue is always seen by that listing. What it
// cannot report, and the caches therefore never trust a watch for:
// - other machines' writes to a network filesystem: the caches watch only
//   local filesystems (LocalFilesystem below, FolderWatchOptions::local_only);
// - writes through a hard link in an unwatched folder: only files with one
//   link are trusted (FileRecordCache);
// - symlinked entries: never trusted;
// - lost events (queue overflow): every folder is distrusted at once.
// Two known holes remain (NewLocalTransport in worm/transport.h states them
// as behaviour): stores through a shared writable mmap, and a filesystem
// mounted over a watched folder; both are still seen by a process that lists
// once.
//
// Each watch costs ~1 KiB of kernel memory and one of the user's inotify
// watches (fs.inotify.max_user_watches, shared by every process of the
// user), so the process takes at most FolderWatchOptions::max_watches of
// them (all its FolderWatches together); the caches add them only for
// folders listed twice (a one-shot process adds none).
//
// Thread-compatible: the owner serializes calls (DirListingCache's mutex).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

#include "transport/local/unique_fd.h"

namespace worm::local {

struct FolderWatchOptions {
  // The most watches the whole process may hold (every FolderWatch's count)
  // for this one to add another: 0 adds none (watching off), -1 half of the
  // user's fs.inotify.max_user_watches (DefaultBudget()).
  int64_t max_watches = -1;
  // Watch only folders whose changes are all made by this machine's kernel
  // (LocalFilesystem): what a cache that trusts a quiet folder needs.
  bool local_only = true;
};

class FolderWatch {
 public:
  explicit FolderWatch(FolderWatchOptions options = {}) : options_(options) {}
  FolderWatch(const FolderWatch&) = delete;
  FolderWatch& operator=(const FolderWatch&) = delete;

  // A watch descriptor for the folder open as `dir_fd` (inotify's, >= 0), or
  // -1 with errno set when none can be had: inotify unavailable, the budget
  // spent (ENOSPC), not a local filesystem with local_only (EXDEV), no
  // /proc, or an error. The same folder (inode) watched twice gets the same
  // descriptor. The watch is added through /proc/self/fd/N, on the very
  // folder the caller opened (beneath its root), never by a path a symlink
  // could redirect; `dir_fd` may be closed afterwards.
  int Add(int dir_fd);
  void Remove(int wd);
  // Counts off a watch the kernel already ended (`gone` below), or a second
  // Add of a folder already watched (same descriptor, one watch).
  void Forget(int wd);
  // Hands every queued event to fn(wd, gone) without blocking: `gone` when
  // the watch ended (its folder was deleted). fn(-1, false) when events were
  // lost: every watched folder may have changed.
  void Drain(const std::function<void(int wd, bool gone)>& fn);

  // One change in a watched folder, for callers that act on what changed.
  struct Event {
    enum What : uint32_t {
      kCreated = 1,     // an entry appeared (a file may still be written)
      kDeleted = 2,     // an entry was removed
      kMovedOut = 4,    // an entry was renamed away
      kMovedIn = 8,     // an entry was renamed into the folder
      kWritten = 16,    // a file open for writing was closed
      kChanged = 32,    // bytes, size, times, mode or xattrs of an entry
      kFolderGone = 64  // the folder itself was deleted or moved
    };
    int wd = -1;             // the watch; -1 when `lost`
    uint32_t what = 0;       // What bits
    bool is_folder = false;  // the entry is a folder
    bool gone = false;       // the watch ended (then nothing else is set)
    bool lost = false;       // events were lost: every folder may have changed
    std::string_view name;   // the entry; empty for the folder itself
  };
  // Hands every queued event to `fn` without blocking (`name` is valid
  // during the call only).
  void DrainEvents(const std::function<void(const Event&)>& fn);
  // The inotify descriptor, to poll(2) for queued events (POLLIN); -1 until
  // the first Add.
  int fd() const { return fd_.get(); }
  ~FolderWatch();

  // Half of fs.inotify.max_user_watches (8192 when unknown): the default
  // max_watches.
  static int64_t DefaultBudget();
  // Whether changes to files in the folder open as `dir_fd` are all made by
  // this machine's kernel (ext4, xfs, btrfs, tmpfs, f2fs, zfs, bcachefs,
  // overlayfs).
  static bool LocalFilesystem(int dir_fd);

 private:
  const FolderWatchOptions options_;
  UniqueFd fd_;
  bool opened_ = false;  // tried to open fd_ (it stays invalid if inotify is unavailable)
  size_t watches_ = 0;
};

}  // namespace worm::local

// FolderWatch: inotify watches on listed folders, so a long-lived process
// can reuse what it cached about a folder and the files in it without a stat
// per entry while no event arrived for that folder (DirListingCache).
//
// A watch on a folder reports entries created, deleted or renamed in it, and
// writes, truncations and metadata or xattr changes of the files in it; the
// event is queued inside the writer's own system call, so a change finished
// before a listing drains the queue is always seen by that listing. What it
// cannot report, and the caches therefore never trust a watch for:
// - other machines' writes to a network filesystem: watches are added only
//   on local filesystems (LocalFilesystem below);
// - writes through a hard link in an unwatched folder: only files with one
//   link are trusted (FileRecordCache);
// - symlinked entries: never trusted;
// - lost events (queue overflow): every folder is distrusted at once.
// Two known holes remain and are documented in worm/transport.h: stores
// through a shared writable mmap, and a filesystem mounted over a watched
// folder; both are still seen by a process that lists once.
//
// Each watch costs ~1 KiB of kernel memory and one of the user's inotify
// watches (fs.inotify.max_user_watches, shared by every process of the
// user), so the process takes at most WatchBudget() of them, and only for
// folders listed twice (a one-shot process adds none).
//
// Thread-compatible: the owner serializes calls (DirListingCache's mutex).
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include "transport/local/local_fs.h"

namespace worm::transport_internal {

class FolderWatch {
 public:
  // A watch descriptor for the folder open as `dir_fd` (inotify's, >= 0), or
  // -1 when none can be had: inotify unavailable, the budget spent, a
  // network or unknown filesystem, no /proc, or an error. The same folder
  // (inode) watched twice gets the same descriptor. The watch is added
  // through /proc/self/fd/N, on the very folder the caller opened (beneath
  // its root), never by a path a symlink could redirect.
  int Add(int dir_fd);
  void Remove(int wd);
  // Counts off a watch the kernel already ended (`gone` below), or a second
  // Add of a folder already watched (same descriptor, one watch).
  void Forget(int wd);
  // Hands every queued event to fn(wd, gone) without blocking: `gone` when
  // the watch ended (its folder was deleted). fn(-1, false) when events were
  // lost: every watched folder may have changed.
  void Drain(const std::function<void(int wd, bool gone)>& fn);
  ~FolderWatch();

  // How many watches the whole process may hold: WORM_WATCH_LIMIT when set
  // (0 turns watching off), else half of fs.inotify.max_user_watches.
  static long WatchBudget();
  // Whether changes to files in the folder open as `dir_fd` are all made by
  // this machine's kernel (ext4, xfs, btrfs, tmpfs, f2fs, zfs, bcachefs,
  // overlayfs).
  static bool LocalFilesystem(int dir_fd);

 private:
  UniqueFd fd_;
  bool opened_ = false;  // tried to open fd_ (it stays invalid if inotify is unavailable)
  size_t watches_ = 0;
};

}  // namespace worm::transport_internal

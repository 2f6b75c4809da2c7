#include "transport/local/folder_watch.h"

#include <sys/inotify.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <utility>

namespace worm::local {

namespace {

// Watches held by every FolderWatch of the process (the budget is the
// process's, whatever number of transports it opens).
std::atomic<int64_t> g_watches{0};

// Everything that changes a folder's entries or a file's bytes, size, times,
// mode or xattrs, and the end of the folder itself.
constexpr uint32_t kEvents = IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_CREATE | IN_DELETE |
                             IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF |
                             IN_ONLYDIR;

}  // namespace

int64_t FolderWatch::DefaultBudget() {
  static const int64_t budget = [] {
    int64_t max_user = 8192;  // the kernel's old fixed default
    std::ifstream in("/proc/sys/fs/inotify/max_user_watches");
    in >> max_user;
    return max_user / 2;
  }();
  return budget;
}

bool FolderWatch::LocalFilesystem(int dir_fd) {
  struct statfs fs;
  if (::fstatfs(dir_fd, &fs) != 0) return false;
  switch (static_cast<unsigned long>(fs.f_type)) {
    case 0xEF53:      // ext2/3/4
    case 0x58465342:  // xfs
    case 0x9123683E:  // btrfs
    case 0x01021994:  // tmpfs
    case 0xF2F52010:  // f2fs
    case 0x2FC12FC1:  // zfs
    case 0xCA451A4E:  // bcachefs
    case 0x794C7630:  // overlayfs: its layers may only change through it
      return true;
    default:  // NFS, SMB, FUSE, ...: other machines' writes raise no event here
      return false;
  }
}

int FolderWatch::Add(int dir_fd) {
  if (!opened_) {
    opened_ = true;
    fd_ = UniqueFd(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  }
  if (!fd_.valid()) return -1;  // errno from inotify_init1
  if (options_.local_only && !LocalFilesystem(dir_fd)) {
    errno = EXDEV;
    return -1;
  }
  const int64_t budget = options_.max_watches < 0 ? DefaultBudget() : options_.max_watches;
  if (g_watches.fetch_add(1) >= budget) {
    g_watches.fetch_sub(1);
    errno = ENOSPC;
    return -1;
  }
  char path[32];
  std::snprintf(path, sizeof(path), "/proc/self/fd/%d", dir_fd);
  int wd = ::inotify_add_watch(fd_.get(), path, kEvents);
  if (wd < 0) {
    const int err = errno;
    g_watches.fetch_sub(1);
    errno = err;
    return -1;
  }
  ++watches_;
  return wd;
}

void FolderWatch::Remove(int wd) {
  if (wd < 0 || !fd_.valid()) return;
  (void)::inotify_rm_watch(fd_.get(), wd);
  Forget(wd);
}

void FolderWatch::Forget(int wd) {
  if (wd < 0 || !fd_.valid()) return;
  --watches_;
  g_watches.fetch_sub(1);
}

void FolderWatch::Drain(const std::function<void(int wd, bool gone)>& fn) {
  DrainEvents([&fn](const Event& e) { fn(e.wd, e.gone); });
}

void FolderWatch::DrainEvents(const std::function<void(const Event&)>& fn) {
  if (!fd_.valid()) return;
  alignas(struct inotify_event) char buf[64 * 1024];
  for (;;) {
    ssize_t n = ::read(fd_.get(), buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // EAGAIN: drained
    for (ssize_t at = 0; at < n;) {
      const auto* event = reinterpret_cast<const struct inotify_event*>(buf + at);
      at += static_cast<ssize_t>(sizeof(struct inotify_event) + event->len);
      Event e;
      if ((event->mask & IN_Q_OVERFLOW) != 0) {
        e.lost = true;
      } else if ((event->mask & IN_IGNORED) != 0) {
        e.wd = event->wd;
        e.gone = true;
      } else {
        const uint32_t m = event->mask;
        e.wd = event->wd;
        e.is_folder = (m & IN_ISDIR) != 0;
        if (event->len > 0) e.name = std::string_view(event->name);  // NUL-padded
        static constexpr std::pair<uint32_t, uint32_t> kWhat[] = {
            {IN_CREATE, Event::kCreated},
            {IN_DELETE, Event::kDeleted},
            {IN_MOVED_FROM, Event::kMovedOut},
            {IN_MOVED_TO, Event::kMovedIn},
            {IN_CLOSE_WRITE, Event::kWritten},
            {IN_MODIFY | IN_ATTRIB, Event::kChanged},
            {IN_DELETE_SELF | IN_MOVE_SELF, Event::kFolderGone}};
        for (const auto& [mask, what] : kWhat) {
          if ((m & mask) != 0) e.what |= what;
        }
      }
      fn(e);
    }
  }
}

FolderWatch::~FolderWatch() {
  // Closing the inotify descriptor ends every watch.
  g_watches.fetch_sub(static_cast<int64_t>(watches_));
}

}  // namespace worm::local

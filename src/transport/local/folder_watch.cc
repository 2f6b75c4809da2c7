#include "transport/local/folder_watch.h"

#include <sys/inotify.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace worm::transport_internal {

namespace {

// Watches held by every FolderWatch of the process (the budget is the
// process's, whatever number of transports it opens).
std::atomic<long> g_watches{0};

// Everything that changes a folder's entries or a file's bytes, size, times,
// mode or xattrs, and the end of the folder itself.
constexpr uint32_t kEvents = IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_CREATE | IN_DELETE |
                             IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF |
                             IN_ONLYDIR;

}  // namespace

long FolderWatch::WatchBudget() {
  static const long budget = [] {
    if (const char* env = std::getenv("WORM_WATCH_LIMIT"); env != nullptr && *env != '\0') {
      char* end = nullptr;
      long v = std::strtol(env, &end, 10);
      return end != nullptr && *end == '\0' && v >= 0 ? v : 0L;
    }
    long max_user = 8192;  // the kernel's old fixed default
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
  if (!fd_.valid() || !LocalFilesystem(dir_fd)) return -1;
  if (g_watches.fetch_add(1) >= WatchBudget()) {
    g_watches.fetch_sub(1);
    return -1;
  }
  char path[32];
  std::snprintf(path, sizeof(path), "/proc/self/fd/%d", dir_fd);
  int wd = ::inotify_add_watch(fd_.get(), path, kEvents);
  if (wd < 0) {
    g_watches.fetch_sub(1);
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
  if (!fd_.valid()) return;
  alignas(struct inotify_event) char buf[64 * 1024];
  for (;;) {
    ssize_t n = ::read(fd_.get(), buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // EAGAIN: drained
    for (ssize_t at = 0; at < n;) {
      const auto* event = reinterpret_cast<const struct inotify_event*>(buf + at);
      at += static_cast<ssize_t>(sizeof(struct inotify_event) + event->len);
      if ((event->mask & IN_Q_OVERFLOW) != 0) {
        fn(-1, false);
      } else {
        fn(event->wd, (event->mask & IN_IGNORED) != 0);
      }
    }
  }
}

FolderWatch::~FolderWatch() {
  // Closing the inotify descriptor ends every watch.
  g_watches.fetch_sub(static_cast<long>(watches_));
}

}  // namespace worm::transport_internal

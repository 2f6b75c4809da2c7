#include "transport/local_list.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <climits>

#include "transport/local_fs.h"
#include "transport/posix_error.h"

namespace worm::transport_internal {

namespace {

// True when `dir_prefix` ("a/b/") is a folder path a key could live under.
bool ValidFolderPrefix(std::string_view dir_prefix) {
  size_t start = 0;
  bool first = true;
  while (start < dir_prefix.size()) {
    size_t slash = dir_prefix.find('/', start);
    std::string_view seg = dir_prefix.substr(start, slash - start);
    if (seg.empty() || seg == "." || seg == ".." || seg.size() > NAME_MAX) return false;
    if (first && seg == kLocalReservedDir) return false;
    first = false;
    start = slash + 1;
  }
  return true;
}

// Whether a directory entry is a folder, a regular file, or neither (then
// it is skipped: sockets, fifos, dangling links).
enum class Kind { kFile, kDir, kOther };

Kind KindOf(int dir_fd, const struct dirent* e) {
  switch (e->d_type) {
    case DT_REG:
      return Kind::kFile;
    case DT_DIR:
      return Kind::kDir;
    case DT_LNK:
    case DT_UNKNOWN: {
      struct stat st;
      if (::fstatat(dir_fd, e->d_name, &st, 0) != 0) return Kind::kOther;
      if (S_ISREG(st.st_mode)) return Kind::kFile;
      if (S_ISDIR(st.st_mode)) return Kind::kDir;
      return Kind::kOther;
    }
    default:
      return Kind::kOther;
  }
}

bool SortNameLess(const std::string& a, const std::string& b) { return a < b; }

}  // namespace

LocalKeyWalker::LocalKeyWalker(std::string root, const ListPlan* plan, size_t batch)
    : root_(std::move(root)), plan_(plan), batch_(std::max<size_t>(batch, 1)) {
  const std::string& prefix = plan_->prefix;
  size_t slash = prefix.rfind('/');
  std::string dir = slash == std::string::npos ? "" : prefix.substr(0, slash + 1);
  std::string name = slash == std::string::npos ? prefix : prefix.substr(slash + 1);
  if (!ValidFolderPrefix(dir)) return;  // no key can live there: empty walk
  PushFrame(std::move(dir), std::move(name));
}

void LocalKeyWalker::PushFrame(std::string key_prefix, std::string name_filter) {
  Frame frame;
  frame.key_prefix = std::move(key_prefix);
  frame.name_filter = std::move(name_filter);
  stack_.push_back(std::move(frame));
  Status st = Fill(&stack_.back());
  if (!st.ok() && error_.ok()) error_ = st;
}

// Whether an entry can still yield a key at or after the plan's seek.
bool LocalKeyWalker::Wanted(const Frame& frame, const Entry& entry) const {
  if (plan_->exhausted) return false;
  std::string full = frame.key_prefix + entry.sort_name;
  if (!entry.is_dir) return full >= plan_->seek;
  // Every key under the folder is below PrefixSuccessor(full).
  std::optional<std::string> end = PrefixSuccessor(full);
  return !end || *end > plan_->seek;
}

Status LocalKeyWalker::Fill(Frame* frame) {
  frame->batch.clear();
  frame->pos = 0;
  frame->complete = true;
  std::string path = root_ + "/" + frame->key_prefix;
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) {
    if (errno == ENOENT || errno == ENOTDIR) return Status::OK();
    return ErrnoToStatus(errno, "list: open folder " + path);
  }
  const bool at_root = frame->key_prefix.empty();
  auto heap_less = [](const Entry& a, const Entry& b) {
    return SortNameLess(a.sort_name, b.sort_name);
  };
  std::vector<Entry>& heap = frame->batch;  // max-heap of the smallest entries
  errno = 0;
  while (struct dirent* e = ::readdir(dir)) {
    std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    if (at_root && name == kLocalReservedDir) continue;
    if (!StartsWith(name, frame->name_filter)) continue;
    Kind kind = KindOf(::dirfd(dir), e);
    if (kind == Kind::kOther) continue;
    Entry entry{std::string(name), kind == Kind::kDir};
    if (entry.is_dir) entry.sort_name.push_back('/');
    if (!frame->resume_after.empty() && entry.sort_name <= frame->resume_after) continue;
    if (!Wanted(*frame, entry)) continue;
    if (heap.size() == batch_) {
      if (!heap_less(entry, heap.front())) {
        frame->complete = false;
        continue;
      }
      std::pop_heap(heap.begin(), heap.end(), heap_less);
      heap.pop_back();
      frame->complete = false;
    }
    heap.push_back(std::move(entry));
    std::push_heap(heap.begin(), heap.end(), heap_less);
  }
  int err = errno;
  ::closedir(dir);
  if (err != 0) return ErrnoToStatus(err, "list: read folder " + path);
  std::sort_heap(heap.begin(), heap.end(), heap_less);
  return Status::OK();
}

Result<std::optional<std::string>> LocalKeyWalker::Next() {
  while (!stack_.empty()) {
    RETURN_NOT_OK(error_);
    if (plan_->exhausted) return std::optional<std::string>();
    Frame& frame = stack_.back();
    if (frame.pos == frame.batch.size()) {
      if (frame.complete || frame.batch.empty()) {
        stack_.pop_back();
        continue;
      }
      frame.resume_after = frame.batch.back().sort_name;
      RETURN_NOT_OK(Fill(&frame));
      continue;
    }
    const Entry& entry = frame.batch[frame.pos++];
    if (!Wanted(frame, entry)) continue;  // the plan moved on since the scan
    std::string full = frame.key_prefix + entry.sort_name;
    if (entry.is_dir) {
      PushFrame(std::move(full), "");
      continue;
    }
    return std::optional<std::string>(std::move(full));
  }
  RETURN_NOT_OK(error_);
  return std::optional<std::string>();
}

}  // namespace worm::transport_internal

#include "transport/local/local_list.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <ctime>
#include <iterator>

#include "transport/local/local_fs.h"
#include "transport/local/posix_error.h"

namespace worm::transport_internal {

namespace {

// Whether a directory entry is a folder, a regular file, or neither (then
// it is skipped: sockets, fifos, and symlinks, which are never followed).
enum class Kind { kFile, kDir, kOther };

Kind KindOf(int dir_fd, const struct dirent* e) {
  switch (e->d_type) {
    case DT_REG:
      return Kind::kFile;
    case DT_DIR:
      return Kind::kDir;
    case DT_UNKNOWN: {
      struct stat st;
      if (::fstatat(dir_fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) return Kind::kOther;
      if (S_ISREG(st.st_mode)) return Kind::kFile;
      if (S_ISDIR(st.st_mode)) return Kind::kDir;
      return Kind::kOther;
    }
    default:
      return Kind::kOther;
  }
}

// The entry's inode when the listing names it reliably: not for symlinks
// (their target can change with no event in this folder) nor unknown types.
ino_t TrustableIno(const struct dirent* e) {
  return e->d_type == DT_REG || e->d_type == DT_DIR ? e->d_ino : 0;
}

// By key order; of two entries for one key (a file being moved beside a
// folder, seen under both names), the plain one first: readers try it first.
bool EntryLess(const DirEntry& a, const DirEntry& b) {
  if (int c = a.sort_name.compare(b.sort_name); c != 0) return c < 0;
  return !a.beside && b.beside;
}

// Drops the later of entries for one key (sorted by EntryLess).
void DropDuplicates(std::vector<DirEntry>* entries) {
  entries->erase(
      std::unique(entries->begin(), entries->end(),
                  [](const DirEntry& a, const DirEntry& b) { return a.sort_name == b.sort_name; }),
      entries->end());
}

// a + b compared with s (<0, 0, >0), without joining a and b.
int CompareJoined(std::string_view a, std::string_view b, std::string_view s) {
  size_t n = std::min(a.size(), s.size());
  if (int c = a.substr(0, n).compare(s.substr(0, n)); c != 0) return c;
  if (a.size() > s.size()) return 1;
  return b.compare(s.substr(a.size()));
}

// Whether s starts with a + b.
bool JoinedPrefixOf(std::string_view a, std::string_view b, std::string_view s) {
  return s.size() >= a.size() + b.size() && s.starts_with(a) && s.substr(a.size()).starts_with(b);
}

bool SameTime(const struct timespec& a, const struct timespec& b) {
  return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

}  // namespace

namespace {
std::atomic<uint64_t> g_list_epoch{1};
std::atomic<uint64_t> g_trusted_hits{0};
}  // namespace

uint64_t TrustedListingHits() { return g_trusted_hits.load(); }

uint64_t ListEpoch() { return g_list_epoch.load(); }
uint64_t NextListEpoch() { return g_list_epoch.fetch_add(1) + 1; }

// Closing the inotify descriptor (FolderWatch) ends every watch at once.
DirListingCache::~DirListingCache() = default;

size_t DirListingCache::Cost(const Slot& slot) {
  return (slot.entries ? slot.entries->size() : 0) + kFolderCost;
}

void DirListingCache::EraseLocked(uint64_t id, const Slot& slot) {
  generation_.fetch_add(1, std::memory_order_acq_rel);
  if (slot.wd >= 0) {
    watch_.Remove(slot.wd);
    by_wd_.erase(slot.wd);
  }
  total_entries_ -= Cost(slot);
  slots_.Erase(id);
}

void DirListingCache::ClearLocked() {
  generation_.fetch_add(1, std::memory_order_acq_rel);
  slots_.ForEach([&](uint64_t, Slot& slot) { watch_.Remove(slot.wd); });
  slots_.Clear();
  by_wd_.clear();
  total_entries_ = 0;
}

std::shared_ptr<const SortedDir> DirListingCache::Find(const std::string& path,
                                                       const struct stat& st, uint64_t epoch,
                                                       Trust* trust) {
  *trust = Trust{};
  const uint64_t id = PathKey(path);
  std::lock_guard<std::mutex> lock(mu_);
  Slot* found = slots_.Find(id);
  if (found == nullptr) return nullptr;
  Slot& slot = *found;
  if (slot.ino != st.st_ino) {
    EraseLocked(id, slot);
    return nullptr;
  }
  if (!slot.entries || !SameTime(slot.mtime, st.st_mtim) || !SameTime(slot.ctime, st.st_ctim)) {
    if (slot.wd < 0) {
      EraseLocked(id, slot);
      return nullptr;
    }
    // Changed: the listing goes, its watch stays for the next Offer (it
    // still reports every later change).
    total_entries_ -= Cost(slot);
    slot.entries.reset();
    total_entries_ += Cost(slot);
    slot.trusted = false;
    generation_.fetch_add(1, std::memory_order_acq_rel);
    return nullptr;
  }
  if (slot.wd >= 0 && epoch >= slot.quiet_since) slot.trusted = true;
  if (slot.trusted) trust->since = slot.quiet_since;
  trust->want_watch = watching_ && slot.wd < 0 && !slot.unwatchable;
  return slot.entries;
}

std::shared_ptr<const SortedDir> DirListingCache::FindTrusted(const std::string& path, ino_t ino,
                                                              uint64_t* since) {
  const uint64_t id = PathKey(path);
  std::lock_guard<std::mutex> lock(mu_);
  const Slot* slot = slots_.Find(id);
  if (slot == nullptr || !slot->trusted || !slot->entries || slot->ino != ino) return nullptr;
  *since = slot->quiet_since;
  g_trusted_hits.fetch_add(1, std::memory_order_relaxed);
  return slot->entries;
}

bool DirListingCache::Watch(const std::string& path, int dir_fd) {
  const uint64_t id = PathKey(path);
  std::lock_guard<std::mutex> lock(mu_);
  Slot* found = slots_.Find(id);
  if (found == nullptr) return false;
  Slot& slot = *found;
  if (slot.wd >= 0) return true;
  if (slot.unwatchable) return false;
  int wd = watch_.Add(dir_fd);
  if (wd >= 0 && by_wd_.count(wd) != 0) {  // the same folder under another path
    watch_.Forget(wd);
    wd = -1;
  }
  if (wd < 0) {
    slot.unwatchable = true;  // not tried again while the slot lives
    return false;
  }
  slot.wd = wd;
  by_wd_[wd] = id;
  slot.quiet_since = NextListEpoch();  // stats from now on can confirm it
  slot.trusted = false;
  return true;
}

void DirListingCache::Drain() {
  if (!watching_) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (by_wd_.empty()) return;
  uint64_t now = 0;  // one new epoch for all the events of this drain
  auto distrust = [&](Slot& slot) {
    if (now == 0) {
      now = NextListEpoch();
      generation_.fetch_add(1, std::memory_order_acq_rel);
    }
    slot.trusted = false;
    slot.quiet_since = now;
  };
  watch_.Drain([&](int wd, bool gone) {
    if (wd < 0) {  // events were lost
      slots_.ForEach([&](uint64_t, Slot& slot) { distrust(slot); });
      return;
    }
    auto by = by_wd_.find(wd);
    if (by == by_wd_.end()) return;  // a watch removed since
    Slot* slot = slots_.Find(by->second);
    if (slot != nullptr) distrust(*slot);
    if (gone) {
      watch_.Forget(wd);
      by_wd_.erase(by);
      if (slot != nullptr) slot->wd = -1;
    }
  });
}

bool DirListingCache::Settled(const struct stat& st) {
  struct timespec now;
  ::clock_gettime(CLOCK_REALTIME, &now);
  return now.tv_sec - st.st_mtim.tv_sec >= kSettleSeconds &&
         now.tv_sec - st.st_ctim.tv_sec >= kSettleSeconds;
}

void DirListingCache::Offer(const std::string& path, const struct stat& st,
                            std::shared_ptr<const SortedDir> entries) {
  if (!Settled(st)) return;
  std::lock_guard<std::mutex> lock(mu_);
  const uint64_t id = PathKey(path);
  Slot slot{st.st_ino, st.st_mtim, st.st_ctim, std::move(entries)};
  if (Slot* old = slots_.Find(id)) {
    if (old->wd >= 0 && old->ino == st.st_ino) {
      // Same folder: its watch carries over. Events up to now were drained
      // (quiet_since moved with them), so a later stat can confirm it.
      slot.wd = old->wd;
      slot.quiet_since = old->quiet_since;
      old->wd = -1;
    }
    EraseLocked(id, *old);
  }
  const size_t cost = Cost(slot);
  if (cost > kMaxEntries) {  // too big to keep: its watch goes too
    if (slot.wd >= 0) {
      watch_.Remove(slot.wd);
      by_wd_.erase(slot.wd);
    }
    return;
  }
  if (total_entries_ + cost > kMaxEntries) {  // simple bound: start over
    ClearLocked();
    if (slot.wd >= 0) by_wd_[slot.wd] = id;  // the carried-over watch stays known
  }
  total_entries_ += cost;
  slots_.Put(id, std::move(slot));
}

bool FileRecordCache::Find(const std::string& key, const struct stat& st, uint64_t epoch,
                           bool with_metadata, MetaRecord* record) {
  const uint64_t id = PathKey(key);
  std::lock_guard<std::mutex> lock(mu_);
  Slot* found = slots_.Find(id);
  if (found == nullptr) return false;
  Slot& slot = *found;
  if (slot.ino != st.st_ino || slot.size != st.st_size || !SameTime(slot.mtime, st.st_mtim) ||
      !SameTime(slot.ctime, st.st_ctim)) {
    slots_.Erase(id);
    return false;
  }
  slot.confirmed = std::max(slot.confirmed, epoch);
  slot.single_link = st.st_nlink == 1;
  if (with_metadata) {
    *record = slot.record;
  } else {
    record->etag = slot.record.etag;
  }
  return true;
}

bool FileRecordCache::FindTrusted(const std::string& key, ino_t ino, uint64_t since,
                                  bool with_metadata, MetaRecord* record, struct stat* st) {
  if (since == 0 || ino == 0) return false;
  const uint64_t id = PathKey(key);
  std::lock_guard<std::mutex> lock(mu_);
  const Slot* found = slots_.Find(id);
  if (found == nullptr) return false;
  const Slot& slot = *found;
  if (slot.ino != ino || !slot.single_link || slot.confirmed < since) return false;
  g_trusted_hits.fetch_add(1, std::memory_order_relaxed);
  st->st_ino = slot.ino;
  st->st_size = slot.size;
  st->st_mtim = slot.mtime;
  st->st_ctim = slot.ctime;
  if (with_metadata) {
    *record = slot.record;
  } else {
    record->etag = slot.record.etag;
  }
  return true;
}

void FileRecordCache::Offer(const std::string& key, const struct stat& st, uint64_t epoch,
                            const MetaRecord& record) {
  if (!DirListingCache::Settled(st)) return;
  const uint64_t id = PathKey(key);
  std::lock_guard<std::mutex> lock(mu_);
  if (slots_.size() >= kMaxSlots) slots_.Clear();  // simple bound: start over
  slots_.Put(id,
             Slot{st.st_ino, st.st_size, st.st_mtim, st.st_ctim, epoch, st.st_nlink == 1, record});
}

LocalKeyWalker::LocalKeyWalker(std::string root, int root_fd, const ListPlan* plan, size_t batch,
                               DirListingCache* cache)
    : root_(std::move(root)), plan_(plan), batch_(std::max<size_t>(batch, 1)), cache_(cache) {
  const std::string& prefix = plan_->prefix;
  std::string dir(FolderOfPrefix(prefix));
  std::string name = prefix.substr(dir.size());
  if (dir.size() >= kMaxKeyBytes) return;  // no key can live there: empty walk
  const std::string disk = EncodeFolder(dir);
  base_fd_ =
      UniqueFd(OpenBeneath(root_fd, disk.empty() ? "." : disk.c_str(), O_PATH | O_DIRECTORY));
  if (!base_fd_.valid()) {
    if (!IsNotThere(errno)) error_ = ErrnoToStatus(errno, "list: open folder " + root_ + "/" + dir);
    return;  // no such folder (or a symlink on the way): empty walk
  }
  base_prefix_ = dir;
  struct stat st;
  if (cache_ != nullptr && ::fstat(base_fd_.get(), &st) == 0) base_folder_ = {st.st_dev, st.st_ino};
  PushFrame(dir, ".", name, base_folder_.ino);
}

int LocalKeyWalker::FileFolder() {
  Frame& frame = stack_[file_frame_];
  if (!frame.fd.valid()) {
    frame.fd = UniqueFd(OpenBeneath(base_fd_.get(), frame.disk_path.c_str(), O_PATH | O_DIRECTORY));
  }
  return frame.fd.get();
}

// By name in the file's own folder: one segment, nothing a symlink swapped
// in for a folder could redirect.
int LocalKeyWalker::StatFile(struct stat* st) {
  int dir = FileFolder();
  if (dir < 0) return -1;
  return ::fstatat(dir, file_name(), st, AT_SYMLINK_NOFOLLOW);
}

void LocalKeyWalker::PushFrame(std::string_view key_prefix, std::string_view disk_path,
                               std::string_view name_filter, ino_t ino) {
  if (depth_ == stack_.size()) stack_.emplace_back();
  Frame& frame = stack_[depth_++];
  frame.key_prefix.assign(key_prefix);
  frame.disk_path.assign(disk_path);
  frame.name_filter.assign(name_filter);
  frame.resume_after.clear();
  frame.ino = ino;
  frame.fd.Reset();
  Status st = Fill(&frame);
  if (!st.ok() && error_.ok()) error_ = st;
}

// Whether an entry can still yield a key at or after the plan's seek.
bool LocalKeyWalker::Wanted(const Frame& frame, const Entry& entry) const {
  if (plan_->exhausted) return false;
  const std::string& seek = plan_->seek;
  int order = CompareJoined(frame.key_prefix, entry.sort_name, seek);
  if (!entry.is_dir) return order >= 0;
  // A folder holds keys >= seek when it sorts after it or the seek lies in it.
  return order > 0 || JoinedPrefixOf(frame.key_prefix, entry.sort_name, seek);
}

Status LocalKeyWalker::Fill(Frame* frame) {
  frame->whole.reset();
  frame->batch.clear();
  frame->pos = frame->end = 0;
  frame->complete = true;
  frame->trusted_since = 0;
  const std::string& path = frame->key_prefix;  // names the folder in the cache
  const char* relative = frame->disk_path.c_str();
  if (cache_ != nullptr) {
    if (std::shared_ptr<const SortedDir> entries = CachedListing(frame)) {
      SelectFrom(std::move(entries), frame);
      return Status::OK();
    }
  }
  any_untrusted_ = true;
  int fd = OpenBeneath(base_fd_.get(), relative, O_RDONLY | O_DIRECTORY);
  if (fd >= 0) frame->fd = UniqueFd(::fcntl(fd, F_DUPFD_CLOEXEC, 0));  // for StatFile
  DIR* dir = fd >= 0 ? ::fdopendir(fd) : nullptr;
  if (dir == nullptr) {
    int err = errno;
    if (fd >= 0) ::close(fd);
    if (IsNotThere(err)) return Status::OK();  // gone, or swapped for a symlink
    return ErrnoToStatus(err, "list: open folder " + root_ + "/" + path);
  }
  struct stat st;
  if (cache_ != nullptr && ::fstat(::dirfd(dir), &st) != 0) {
    int err = errno;
    ::closedir(dir);
    return ErrnoToStatus(err, "list: stat folder " + root_ + "/" + path);
  }
  // A settled folder is read whole, sorted, and reused by later pages and
  // listings while it is unchanged (the cache missed just above). One that is
  // still changing is scanned for just this batch (bounded memory; its sorted
  // copy would be stale at once).
  if (cache_ != nullptr && DirListingCache::Settled(st)) {
    auto all = std::make_shared<SortedDir>();
    errno = 0;
    while (struct dirent* e = ::readdir(dir)) {
      if (std::optional<Entry> entry = EntryOf(*frame, ::dirfd(dir), e)) {
        all->push_back(std::move(*entry));
      }
      errno = 0;
    }
    int err = errno;
    ::closedir(dir);
    if (err != 0) return ErrnoToStatus(err, "list: read folder " + root_ + "/" + path);
    std::sort(all->begin(), all->end(), EntryLess);
    DropDuplicates(all.get());
    cache_->Offer(path, st, all);
    SelectFrom(std::move(all), frame);
    return Status::OK();
  }
  auto heap_less = EntryLess;
  std::vector<Entry>& heap = frame->batch;  // max-heap of the smallest entries
  errno = 0;
  while (struct dirent* e = ::readdir(dir)) {
    std::optional<Entry> found = EntryOf(*frame, ::dirfd(dir), e);
    errno = 0;
    if (!found) continue;
    Entry& entry = *found;
    if (!Acceptable(*frame, entry)) continue;
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
  if (err != 0) return ErrnoToStatus(err, "list: read folder " + root_ + "/" + path);
  std::sort_heap(heap.begin(), heap.end(), heap_less);
  DropDuplicates(&heap);
  frame->end = heap.size();
  return Status::OK();
}

std::optional<DirEntry> LocalKeyWalker::EntryOf(const Frame& frame, int dir_fd,
                                                const struct dirent* e) const {
  const char* name = e->d_name;
  std::optional<DecodedName> decoded =
      DecodeEntryName(name, /*at_root=*/frame.key_prefix.empty(),
                      [&] { return ReadXattrAt(dir_fd, name, kNameXattr); });
  if (!decoded) return std::nullopt;
  Kind kind = KindOf(dir_fd, e);
  if (kind == Kind::kOther || (decoded->beside_folder && kind != Kind::kFile)) return std::nullopt;
  Entry entry;
  entry.sort_name = std::move(decoded->segment);
  entry.name.assign(name);
  entry.beside = decoded->beside_folder;
  entry.is_dir = kind == Kind::kDir;
  entry.ino = TrustableIno(e);
  if (entry.is_dir) entry.sort_name.push_back('/');
  return entry;
}

std::shared_ptr<const SortedDir> LocalKeyWalker::CachedListing(Frame* frame) {
  const std::string& path = frame->key_prefix;
  // Trusted (watched, no event since): no stat at all.
  if (frame->ino != 0) {
    if (auto entries = cache_->FindTrusted(path, frame->ino, &frame->trusted_since)) {
      if (frame == &stack_[0]) base_trusted_ = true;
      return entries;
    }
  }
  any_untrusted_ = true;
  // Else one stat: a hit was settled when cached, and is unchanged.
  const char* relative = frame->disk_path.c_str();
  uint64_t epoch = ListEpoch();
  struct stat st;
  if (::fstatat(base_fd_.get(), relative, &st, AT_SYMLINK_NOFOLLOW) != 0) return nullptr;
  DirListingCache::Trust trust;
  std::shared_ptr<const SortedDir> entries = cache_->Find(path, st, epoch, &trust);
  // Listed a second time: worth a watch. A stat after the watch is on
  // confirms the folder, and it is trusted from here. The watch is added on
  // the folder opened beneath the root, never by path.
  if (entries && trust.want_watch) {
    UniqueFd folder(OpenBeneath(base_fd_.get(), relative, O_PATH | O_DIRECTORY));
    if (folder.valid() && cache_->Watch(path, folder.get())) {
      epoch = ListEpoch();
      if (::fstatat(base_fd_.get(), relative, &st, AT_SYMLINK_NOFOLLOW) != 0) return nullptr;
      entries = cache_->Find(path, st, epoch, &trust);
    }
  }
  if (entries) frame->trusted_since = trust.since;
  return entries;
}

bool LocalKeyWalker::Acceptable(const Frame& frame, const Entry& entry) const {
  if (!entry.sort_name.starts_with(frame.name_filter)) return false;
  if (!frame.resume_after.empty() && entry.sort_name <= frame.resume_after) return false;
  return Wanted(frame, entry);
}

void LocalKeyWalker::SelectFrom(std::shared_ptr<const SortedDir> whole, Frame* frame) const {
  const SortedDir& entries = *whole;
  auto by_name = [](const Entry& e, std::string_view v) { return e.sort_name < v; };
  // Skip what cannot be wanted by binary search: entries up to resume_after,
  // before the name filter, and before the plan's seek within this folder
  // (keeping a folder whose subtree holds the seek).
  auto start = entries.begin();
  auto raise = [&](SortedDir::const_iterator it) {
    if (it > start) start = it;
  };
  if (!frame->resume_after.empty()) {
    raise(std::upper_bound(entries.begin(), entries.end(), frame->resume_after,
                           [](std::string_view v, const Entry& e) { return v < e.sort_name; }));
  }
  raise(std::lower_bound(entries.begin(), entries.end(), frame->name_filter, by_name));
  if (!plan_->seek.starts_with(frame->key_prefix) && frame->key_prefix < plan_->seek) {
    start = entries.end();  // the whole folder sorts before the seek
  } else if (plan_->seek.starts_with(frame->key_prefix)) {
    std::string_view rel = std::string_view(plan_->seek).substr(frame->key_prefix.size());
    auto it = std::lower_bound(entries.begin(), entries.end(), rel, by_name);
    if (it != entries.begin() && std::prev(it)->is_dir &&
        rel.starts_with(std::prev(it)->sort_name)) {
      --it;
    }
    raise(it);
  }
  // Sorted: the entries with the name filter's prefix are one run.
  auto stop = std::partition_point(start, entries.end(), [&](const Entry& e) {
    return e.sort_name.starts_with(frame->name_filter);
  });
  frame->pos = static_cast<size_t>(start - entries.begin());
  frame->end = std::max(frame->pos, static_cast<size_t>(stop - entries.begin()));
  frame->selected_at = plan_->moves;
  frame->whole = std::move(whole);
}

Result<const std::string*> LocalKeyWalker::Next() {
  while (depth_ > 0) {
    RETURN_NOT_OK(error_);
    if (plan_->exhausted) return static_cast<const std::string*>(nullptr);
    Frame& frame = stack_[depth_ - 1];
    if (frame.pos == frame.end) {
      if (frame.complete || frame.end == 0) {
        frame.whole.reset();  // let a stale listing go
        frame.fd.Reset();
        --depth_;
        continue;
      }
      frame.resume_after = frame.at(frame.end - 1).sort_name;
      RETURN_NOT_OK(Fill(&frame));
      continue;
    }
    const Entry& entry = frame.at(frame.pos++);
    // SelectFrom kept only acceptable entries of a whole folder: they stay so
    // while the plan has not moved. Scanned entries were filtered then, but
    // the plan may have moved on since.
    if ((!frame.whole || frame.selected_at != plan_->moves) && !Acceptable(frame, entry)) continue;
    full_.assign(frame.key_prefix).append(entry.sort_name);
    if (entry.is_dir) {
      if (frame.disk_path == ".") {
        disk_scratch_.assign(entry.name);
      } else {
        disk_scratch_.assign(frame.disk_path).append("/").append(entry.name);
      }
      PushFrame(full_, disk_scratch_, "", entry.ino);  // may move `frame`
      continue;
    }
    file_name_.assign(entry.name);
    file_ino_ = entry.ino;
    file_frame_ = depth_ - 1;
    file_trusted_since_ = frame.trusted_since;
    return &full_;
  }
  RETURN_NOT_OK(error_);
  return static_cast<const std::string*>(nullptr);
}

}  // namespace worm::transport_internal

#include "transport/local/local_fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <ctime>
#include <vector>

#include "core/hash.h"
#include "core/random.h"
#include "transport/local/posix_error.h"

namespace worm::transport_internal {

namespace {

// Read chunk for hashing whole files: bounded memory, few syscalls.
constexpr size_t kHashChunk = 256 * 1024;
// Temp files older than this are swept even if their writer pid looks alive
// (pids are reused).
constexpr int64_t kStaleTempSeconds = 24 * 3600;
// First byte of the xattr record; bump when the layout changes (an older
// record is then recomputed on first read).
constexpr char kRecordVersion = 3;
// Content types common enough to take one byte in the record (code = index).
constexpr std::string_view kCommonTypes[] = {"", "application/json", "application/octet-stream",
                                             "binary/octet-stream", "text/plain"};
constexpr uint8_t kOtherType = 0xff;
// Spares (SparePool) kept per transport, and the largest object kept as one:
// enough for the writes in flight, without holding much disk.
constexpr size_t kMaxSpares = 64;

void AppendVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

bool ReadVarint(std::string_view* in, uint64_t* v) {
  *v = 0;
  for (int shift = 0; shift < 64 && !in->empty(); shift += 7) {
    auto byte = static_cast<uint8_t>(in->front());
    in->remove_prefix(1);
    *v |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

void AppendFixed(std::string* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

bool ReadFixed(std::string_view* in, int bytes, uint64_t* v) {
  if (in->size() < static_cast<size_t>(bytes)) return false;
  *v = 0;
  for (int i = 0; i < bytes; ++i)
    *v |= static_cast<uint64_t>(static_cast<uint8_t>((*in)[i])) << (8 * i);
  in->remove_prefix(static_cast<size_t>(bytes));
  return true;
}

void AppendString(std::string* out, std::string_view s) {
  AppendVarint(out, s.size());
  out->append(s);
}

bool ReadString(std::string_view* in, std::string_view* s) {
  uint64_t n = 0;
  if (!ReadVarint(in, &n) || n > in->size()) return false;
  *s = in->substr(0, n);
  in->remove_prefix(n);
  return true;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

}  // namespace

uint64_t StableHash(std::string_view key) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : key) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

namespace {

// Whether openat2(2) works here: probed once (a kernel before 5.6 answers
// ENOSYS; some container seccomp filters answer EPERM to calls they do not
// know). Tests can turn it off.
std::atomic<int> g_openat2{-1};  // -1 unknown, 0 no, 1 yes

int Openat2(int dir_fd, const char* path, int flags) {
  struct open_how how = {};
  how.flags = static_cast<uint64_t>(flags);
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS;  // implies RESOLVE_NO_MAGICLINKS
  return static_cast<int>(::syscall(SYS_openat2, dir_fd, path, &how, sizeof(how)));
}

bool HaveOpenat2() {
  int known = g_openat2.load(std::memory_order_relaxed);
  if (known >= 0) return known == 1;
  int fd = Openat2(AT_FDCWD, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  bool works = fd >= 0 || (errno != ENOSYS && errno != EPERM);
  if (fd >= 0) ::close(fd);
  g_openat2.store(works ? 1 : 0, std::memory_order_relaxed);
  return works;
}

// The fallback: one openat(O_NOFOLLOW) per segment. Folders on the way are
// opened O_PATH | O_DIRECTORY | O_NOFOLLOW, which fails on a symlink.
int OpenBySegments(int base_fd, std::string_view rel, int flags) {
  while (!rel.empty() && rel.back() == '/') {
    rel.remove_suffix(1);
    flags |= O_DIRECTORY;
  }
  if (rel.empty() || rel == ".") return ::openat(base_fd, ".", flags);
  UniqueFd dir;
  int at = base_fd;
  char name[NAME_MAX + 1];
  for (;;) {
    size_t slash = rel.find('/');
    std::string_view seg = rel.substr(0, slash);
    if (seg.empty() || seg == "." || seg == ".." || seg.size() > NAME_MAX) {
      errno = seg.size() > NAME_MAX ? ENAMETOOLONG : ENOENT;
      return -1;
    }
    seg.copy(name, seg.size());
    name[seg.size()] = '\0';
    if (slash == std::string_view::npos) return ::openat(at, name, flags | O_NOFOLLOW);
    int next = ::openat(at, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (next < 0) return -1;
    dir = UniqueFd(next);
    at = next;
    rel.remove_prefix(slash + 1);
  }
}

}  // namespace

void TEST_SetOpenat2Enabled(bool enabled) {
  g_openat2.store(enabled ? -1 : 0, std::memory_order_relaxed);
}

namespace {
// Paths longer than this are resolved a piece at a time (each piece beneath
// the folder the one before opened): an encoded key can be longer than
// PATH_MAX (kMaxKeyBytes of empty segments is 1,025 ".wormfs.e" folders).
constexpr size_t kMaxPathPiece = 3072;

int OpenBeneathPiece(int base_fd, const char* rel, int flags) {
  if (HaveOpenat2()) return Openat2(base_fd, rel, flags);
  return OpenBySegments(base_fd, rel, flags);
}
}  // namespace

int OpenBeneath(int base_fd, const char* rel, int flags) {
  flags |= O_CLOEXEC;
  std::string_view path(rel);
  if (path.size() <= kMaxPathPiece) return OpenBeneathPiece(base_fd, rel, flags);
  UniqueFd dir;
  int at = base_fd;
  while (path.size() > kMaxPathPiece) {
    size_t cut = path.rfind('/', kMaxPathPiece);
    if (cut == std::string_view::npos || cut == 0) {
      errno = ENAMETOOLONG;
      return -1;
    }
    std::string piece(path.substr(0, cut));
    int next = OpenBeneathPiece(at, piece.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (next < 0) return -1;
    dir = UniqueFd(next);
    at = next;
    path.remove_prefix(cut + 1);
  }
  return OpenBeneathPiece(at, std::string(path).c_str(), flags);
}

int StatBeneath(int base_fd, const char* rel, struct stat* st) {
  // O_PATH | O_NOFOLLOW opens a symlink at the end itself (lstat), in both
  // modes; one in the middle fails the open.
  UniqueFd fd(OpenBeneath(base_fd, rel, O_PATH | O_NOFOLLOW));
  if (!fd.valid()) return -1;
  return ::fstat(fd.get(), st);
}

int MakeDirsBeneath(int base_fd, std::string_view rel, bool sync) {
  UniqueFd dir;
  int at = base_fd;
  char name[NAME_MAX + 1];
  while (!rel.empty()) {
    size_t slash = rel.find('/');
    std::string_view seg = rel.substr(0, slash);
    rel.remove_prefix(slash == std::string_view::npos ? rel.size() : slash + 1);
    if (seg.empty()) continue;
    if (seg == "." || seg == ".." || seg.size() > NAME_MAX) {
      errno = EINVAL;
      return -1;
    }
    seg.copy(name, seg.size());
    name[seg.size()] = '\0';
    if (::mkdirat(at, name, 0777) == 0) {
      if (sync && ::fsync(at) != 0) return -1;
    } else if (errno != EEXIST) {
      return -1;
    }
    int next = ::openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (next < 0) return -1;
    dir = UniqueFd(next);
    at = next;
  }
  return dir.valid() ? dir.Release() : ::openat(base_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int OpenParentBeneath(int root_fd, const KeyPath& path, ParentDir* out) {
  out->owned.Reset();
  out->leaf = path.leaf.c_str();
  out->beside_leaf = path.beside_leaf.c_str();
  if (path.folder.empty()) {
    out->fd = root_fd;
    return 0;
  }
  out->fd = -1;
  out->owned = UniqueFd(OpenBeneath(root_fd, path.folder.c_str(), O_RDONLY | O_DIRECTORY));
  if (!out->owned.valid()) return errno;
  out->fd = out->owned.get();
  return 0;
}

// Binary and small: ext4 keeps an xattr of up to about 60 bytes inside the
// inode (a bigger one costs a block of its own on every write and read), and
// a record for a JSON document with no user metadata takes about 40.
std::string EncodeMetaRecord(const MetaRecord& r) {
  std::string out;
  out.reserve(48);
  out.push_back(kRecordVersion);
  for (size_t i = 0; i < 32; i += 2) {  // the MD5, raw (an ETag is lowercase hex)
    int hi = i + 1 < r.etag.size() ? HexValue(r.etag[i]) : 0;
    int lo = i + 1 < r.etag.size() ? HexValue(r.etag[i + 1]) : 0;
    out.push_back(static_cast<char>(std::max(hi, 0) * 16 + std::max(lo, 0)));
  }
  AppendVarint(&out, r.size);
  AppendFixed(&out, static_cast<uint64_t>(r.mtime_ns), 8);
  AppendVarint(&out, r.ino);
  AppendFixed(&out, r.key_hash, 4);
  const auto* common = std::find(std::begin(kCommonTypes), std::end(kCommonTypes), r.content_type);
  if (common != std::end(kCommonTypes)) {
    out.push_back(static_cast<char>(common - std::begin(kCommonTypes)));
  } else {
    out.push_back(static_cast<char>(kOtherType));
    AppendString(&out, r.content_type);
  }
  AppendVarint(&out, r.user_metadata.size());
  for (const auto& [name, value] : r.user_metadata) {
    AppendString(&out, name);
    AppendString(&out, value);
  }
  return out;
}

bool DecodeMetaRecord(std::string_view blob, MetaRecord* r) {
  constexpr size_t kMd5Bytes = 16;
  if (blob.size() < 1 + kMd5Bytes || blob[0] != kRecordVersion) return false;
  r->etag = HexEncode(blob.substr(1, kMd5Bytes));
  blob.remove_prefix(1 + kMd5Bytes);
  uint64_t mtime = 0, key_hash = 0, count = 0;
  if (!ReadVarint(&blob, &r->size) || !ReadFixed(&blob, 8, &mtime) || !ReadVarint(&blob, &r->ino) ||
      !ReadFixed(&blob, 4, &key_hash) || blob.empty()) {
    return false;
  }
  r->mtime_ns = static_cast<int64_t>(mtime);
  r->key_hash = static_cast<uint32_t>(key_hash);
  auto type = static_cast<uint8_t>(blob.front());
  blob.remove_prefix(1);
  if (type < std::size(kCommonTypes)) {
    r->content_type.assign(kCommonTypes[type]);
  } else {
    std::string_view other;
    if (type != kOtherType || !ReadString(&blob, &other)) return false;
    r->content_type.assign(other);
  }
  if (!ReadVarint(&blob, &count)) return false;
  r->user_metadata.clear();
  for (uint64_t i = 0; i < count; ++i) {
    std::string_view name, value;
    if (!ReadString(&blob, &name) || !ReadString(&blob, &value)) return false;
    r->user_metadata.emplace(name, value);
  }
  return blob.empty();
}

int64_t MtimeNanos(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

bool RecordMatches(const MetaRecord& r, const struct stat& st) {
  return r.size == static_cast<uint64_t>(st.st_size) && r.mtime_ns == MtimeNanos(st) &&
         r.ino == static_cast<uint64_t>(st.st_ino);
}

namespace {
// Xattr blobs are small (ext4 allows about 4 KiB per inode); one stack
// buffer covers the common case, then the exact size is asked for.
template <typename GetFn>
std::optional<std::string> ReadXattrWith(GetFn get) {
  char buf[1024];
  ssize_t n = get(buf, sizeof(buf));
  if (n >= 0) return std::string(buf, static_cast<size_t>(n));
  if (errno != ERANGE) return std::nullopt;
  ssize_t size = get(nullptr, 0);
  if (size <= 0) return std::nullopt;
  std::string out(static_cast<size_t>(size), '\0');
  n = get(out.data(), out.size());
  if (n < 0) return std::nullopt;
  out.resize(static_cast<size_t>(n));
  return out;
}
}  // namespace

std::optional<std::string> ReadMetaXattr(int fd) {
  return ReadXattrWith([fd](char* b, size_t n) { return ::fgetxattr(fd, kMetaXattr, b, n); });
}

namespace {
#if defined(SYS_getxattrat)
constexpr long kGetxattrat = SYS_getxattrat;
#elif defined(__x86_64__) || defined(__aarch64__)
constexpr long kGetxattrat = 464;  // Linux 6.13; not in older headers
#else
constexpr long kGetxattrat = -1;
#endif
std::atomic<bool> g_getxattrat{kGetxattrat >= 0};
struct XattrArgs {  // struct xattr_args
  uint64_t value;
  uint32_t size;
  uint32_t flags;
};
}  // namespace

std::optional<std::string> ReadXattrAt(int dir_fd, const char* name, const char* attr) {
  if (g_getxattrat.load(std::memory_order_relaxed)) {
    std::optional<std::string> out = ReadXattrWith([&](char* b, size_t n) -> ssize_t {
      XattrArgs args{reinterpret_cast<uintptr_t>(b), static_cast<uint32_t>(n), 0};
      return ::syscall(kGetxattrat, dir_fd, name, AT_SYMLINK_NOFOLLOW, attr, &args, sizeof(args));
    });
    if (out || errno != ENOSYS) return out;
    g_getxattrat.store(false, std::memory_order_relaxed);
  }
  UniqueFd fd(::openat(dir_fd, name, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) return std::nullopt;
  return ReadXattrWith([&](char* b, size_t n) { return ::fgetxattr(fd.get(), attr, b, n); });
}

std::optional<std::string> ReadMetaXattrAt(int dir_fd, const char* name) {
  return ReadXattrAt(dir_fd, name, kMetaXattr);
}

int WriteMetaXattr(int fd, const MetaRecord& record) {
  std::string blob = EncodeMetaRecord(record);
  if (::fsetxattr(fd, kMetaXattr, blob.data(), blob.size(), 0) != 0) return errno;
  return 0;
}

Status WriteAll(int fd, ByteView data, std::string_view context) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoToStatus(errno, context);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::OK();
}

Status PreadAll(int fd, char* buf, size_t n, uint64_t offset, std::string_view context) {
  while (n > 0) {
    ssize_t got = ::pread(fd, buf, n, static_cast<off_t>(offset));
    if (got < 0) {
      if (errno == EINTR) continue;
      return ErrnoToStatus(errno, context);
    }
    if (got == 0) {
      return Status::DataLoss(std::string(context) + ": file ended early (changed while read)");
    }
    buf += got;
    n -= static_cast<size_t>(got);
    offset += static_cast<uint64_t>(got);
  }
  return Status::OK();
}

Result<std::string> HashFile(int fd, uint64_t size, std::string_view context) {
  std::unique_ptr<Hasher> md5 = Hasher::New(HashAlgorithm::kMd5);
  std::vector<char> buf(static_cast<size_t>(std::min<uint64_t>(kHashChunk, size)));
  uint64_t offset = 0;
  while (offset < size) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(buf.size(), size - offset));
    RETURN_NOT_OK(PreadAll(fd, buf.data(), n, offset, context));
    md5->Update(std::string_view(buf.data(), n));
    offset += n;
  }
  return md5->FinishHex();
}

Status SyncDir(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoToStatus(errno, "open folder " + dir);
  if (::fsync(fd.get()) != 0) return ErrnoToStatus(errno, "fsync folder " + dir);
  return Status::OK();
}

std::string NewTempPath(const std::string& tmp_dir) {
  static std::atomic<uint64_t> sequence{0};
  char name[96];
  std::snprintf(name, sizeof(name), "/%ld-%llu-%016llx.tmp", static_cast<long>(::getpid()),
                static_cast<unsigned long long>(sequence.fetch_add(1)),
                static_cast<unsigned long long>(RandomU64()));
  return tmp_dir + name;
}

Result<TempFile> TempFile::Create(const std::string& tmp_dir) {
  std::string path = NewTempPath(tmp_dir);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) return ErrnoToStatus(errno, "create temp file " + path);
  return TempFile(UniqueFd(fd), std::move(path), false);
}

TempFile::TempFile(TempFile&& other) noexcept
    : fd_(std::move(other.fd_)), path_(std::move(other.path_)), reused_(other.reused_) {
  other.path_.clear();
}

TempFile& TempFile::operator=(TempFile&& other) noexcept {
  if (this != &other) {
    if (!path_.empty()) ::unlink(path_.c_str());
    fd_ = std::move(other.fd_);
    path_ = std::move(other.path_);
    reused_ = other.reused_;
    other.path_.clear();
  }
  return *this;
}

TempFile::~TempFile() {
  fd_.Reset();
  if (!path_.empty()) ::unlink(path_.c_str());
}

SparePool::~SparePool() {
  for (const std::string& path : spares_) ::unlink(path.c_str());
}

void SparePool::Disable() {
  enabled_.store(false, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(mu_);
  for (const std::string& path : spares_) ::unlink(path.c_str());
  spares_.clear();
}

std::string SparePool::Preserve(int dir_fd, const char* name) {
  if (!enabled()) return "";
  std::string spare = NewTempPath(tmp_dir_);
  if (::linkat(dir_fd, name, AT_FDCWD, spare.c_str(), 0) == 0) return spare;
  // ENOENT: a new key. EPERM: a folder (the rename reports the clash).
  if (errno == EXDEV || errno == ENOTSUP || errno == EOPNOTSUPP || errno == EMLINK) Disable();
  return "";
}

void SparePool::Settle(std::string spare_path, bool replaced) {
  if (spare_path.empty()) return;
  struct stat st;
  if (replaced && ::lstat(spare_path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
      st.st_nlink == 1 && st.st_size <= static_cast<off_t>(kMaxReusedInodeBytes)) {
    std::lock_guard<std::mutex> lock(mu_);
    if (enabled() && spares_.size() < kMaxSpares) {
      spares_.push_back(std::move(spare_path));
      return;
    }
  }
  ::unlink(spare_path.c_str());
}

std::optional<TempFile> SparePool::Take() {
  while (enabled()) {
    std::string path;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (spares_.empty()) return std::nullopt;
      path = std::move(spares_.front());
      spares_.pop_front();
    }
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW));
    // The lease holder is signalled when someone opens the file meanwhile:
    // SIGURG is ignored unless handled, where the default SIGIO would end
    // the process. F_SETLEASE fails with EAGAIN while any other descriptor
    // (a reader of the old object) is open.
    if (fd.valid() && ::fcntl(fd.get(), F_SETSIG, SIGURG) == 0 &&
        ::fcntl(fd.get(), F_SETLEASE, F_WRLCK) == 0) {
      struct stat st;
      if (::fstat(fd.get(), &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 1) {
        return TempFile(std::move(fd), std::move(path), true);
      }
    } else if (fd.valid() && (errno == EINVAL || errno == ENOLCK)) {
      Disable();  // no leases on this filesystem: never reuse
    }             // else busy (EAGAIN) or another owner's file (EACCES): drop this one
    ::unlink(path.c_str());
  }
  return std::nullopt;
}

void SweepStaleTempFiles(const std::string& tmp_dir) {
  DIR* dir = ::opendir(tmp_dir.c_str());
  if (dir == nullptr) return;
  const time_t now = ::time(nullptr);
  while (struct dirent* e = ::readdir(dir)) {
    std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    std::string path = tmp_dir + "/" + std::string(name);
    long pid = std::strtol(e->d_name, nullptr, 10);
    bool writer_gone = pid <= 0 || (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH);
    struct stat st;
    bool old = ::stat(path.c_str(), &st) == 0 && now - st.st_mtime > kStaleTempSeconds;
    // Folders are staged folders (hashed names) that never got renamed.
    if ((writer_gone || old) && ::unlink(path.c_str()) != 0 && errno == EISDIR) {
      ::rmdir(path.c_str());
    }
  }
  ::closedir(dir);
}

Status LockStripes::Open(const std::string& lock_dir) {
  for (int i = 0; i < kStripes; ++i) {
    char name[16];
    std::snprintf(name, sizeof(name), "/%02d", i);
    std::string path = lock_dir + name;
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) return ErrnoToStatus(errno, "open lock file " + path);
    fds_[i] = UniqueFd(fd);
  }
  return Status::OK();
}

Status LockStripes::Lock(std::string_view key, Guard* guard) {
  int stripe = static_cast<int>(StableHash(key) % kStripes);
  mutexes_[stripe].lock();
  while (::flock(fds_[stripe].get(), LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    int err = errno;
    mutexes_[stripe].unlock();
    return ErrnoToStatus(err, "lock stripe for " + Quote(key));
  }
  guard->owner_ = this;
  guard->stripe_ = stripe;
  return Status::OK();
}

void LockStripes::Guard::Unlock() {
  if (owner_ == nullptr) return;
  ::flock(owner_->fds_[stripe_].get(), LOCK_UN);
  owner_->mutexes_[stripe_].unlock();
  owner_ = nullptr;
}

}  // namespace worm::transport_internal

// Building blocks of the local filesystem transport: key-to-path rules,
// resolving keys beneath the root without following symlinks, the metadata
// record kept in the "user.worm.meta" xattr, file descriptors, temp files and
// cross-process lock stripes. Linux-specific (xattrs, flock, openat2).
//
// Thread-safety: free functions are thread-safe; LockStripes is thread-safe;
// UniqueFd and TempFile are owned by one thread at a time.
#pragma once

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "transport/local/local_keys.h"
#include "transport/local/unique_fd.h"
#include "worm/transport.h"

struct stat;

namespace worm::transport_internal {

// What the xattr caches about a file. The ETag is trusted only while size,
// mtime and inode still match the file (an editor may have changed it).
// key_hash names the key the file was written for: an inode can be reused
// for another key (SparePool), and a reader that opened it through a stale
// lookup must notice.
struct MetaRecord {
  std::string etag;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  uint64_t ino = 0;
  uint32_t key_hash = 0;  // RecordKeyHash
  std::string content_type;
  std::map<std::string, std::string> user_metadata;
};
inline constexpr char kMetaXattr[] = "user.worm.meta";

std::string EncodeMetaRecord(const MetaRecord& record);
// False when `blob` is not a record this version wrote.
bool DecodeMetaRecord(std::string_view blob, MetaRecord* record);
int64_t MtimeNanos(const struct stat& st);
// True when `record` was computed for the file `st` describes.
bool RecordMatches(const MetaRecord& record, const struct stat& st);
// FNV-1a: stable across processes and builds, unlike std::hash.
uint64_t StableHash(std::string_view s);
inline uint32_t RecordKeyHash(std::string_view key) {
  return static_cast<uint32_t>(StableHash(key));
}

using local::UniqueFd;

// ---- Keys resolved beneath the root ------------------------------------------
// Every file or folder the local transport reaches for a key (also the
// files local::OpenObjectFile hands to worm serve) is resolved beneath a
// descriptor of the root folder and follows no symbolic link, at any depth:
// a symlink in a served folder is neither an object nor a folder of keys, so
// no key can name a file outside the root. openat2(2) with RESOLVE_BENEATH |
// RESOLVE_NO_SYMLINKS does it in one call (Linux 5.6+); where it is missing
// (ENOSYS, or EPERM from a seccomp filter) each segment is opened in turn
// with O_NOFOLLOW. A symlink on the way fails the call with ELOOP or ENOTDIR
// (EXDEV if the path would leave the base), as a missing entry fails with
// ENOENT: IsNotThere() of all of them, and readers answer "no such key".
//
// `rel` is an on-disk path (local_keys.h: a KeyPath's, or EncodeFolder's),
// of any length, or "." for the base itself. Thread-safe.

// A new descriptor (O_CLOEXEC added) or -1 with errno set.
int OpenBeneath(int base_fd, const char* rel, int flags);
// lstat(2) of `rel` beneath `base_fd`: a symlink at the end is reported as
// one (S_ISLNK), never followed. 0, or -1 with errno set.
int StatBeneath(int base_fd, const char* rel, struct stat* st);
// Creates the folders of `rel` beneath `base_fd` that are missing, following
// no symlink, and opens the last one (O_RDONLY | O_DIRECTORY, so it can be
// fsynced). With `sync`, each folder that got a new entry is fsynced. A new
// descriptor, or -1 with errno set (ELOOP or ENOTDIR: a symlink or a file is
// in the way; ENOENT: a folder was removed meanwhile, try again).
int MakeDirsBeneath(int base_fd, std::string_view rel, bool sync);
// What a failed lookup beneath the root means for a reader: the entry is
// missing, or a symlink or a file is in the way.
inline bool IsNotThere(int err) {
  return err == ENOENT || err == ENOTDIR || err == ELOOP || err == EXDEV;
}
// The folder that holds a key, opened beneath the root (O_RDONLY |
// O_DIRECTORY), and the names its file may have in it: the *at() calls that
// create, rename, inspect or remove the key's file take these, so a symlink
// swapped in for a folder after the check cannot redirect them.
struct ParentDir {
  UniqueFd owned;                     // invalid for a top-level key
  int fd = -1;                        // owned.get(), or the root's descriptor
  const char* leaf = nullptr;         // into the KeyPath: its leaf
  const char* beside_leaf = nullptr;  // and its beside_leaf
};
// 0, or errno as OpenBeneath sets it (ENOENT: a folder on the way is missing).
// The names are set either way; `fd` only on success. `path` must outlive `out`.
int OpenParentBeneath(int root_fd, const KeyPath& path, ParentDir* out);
// For tests: false resolves segment by segment, as where openat2 is missing.
void TEST_SetOpenat2Enabled(bool enabled);

// The xattr blob of an open file; nullopt when absent or when the filesystem
// has no xattrs.
std::optional<std::string> ReadMetaXattr(int fd);
// The same for the entry `name` (one path segment) of the folder `dir_fd`,
// not following a symlink: getxattrat(2) where the kernel has it (6.13+),
// else an open (O_NOFOLLOW | O_NONBLOCK) and fgetxattr.
std::optional<std::string> ReadMetaXattrAt(int dir_fd, const char* name);
// The same for any xattr `attr` (kNameXattr of a hashed name, say); works on
// folders too.
std::optional<std::string> ReadXattrAt(int dir_fd, const char* name, const char* attr);
// Stores `record` on `fd`; errno on failure (ENOTSUP: no xattrs here).
int WriteMetaXattr(int fd, const MetaRecord& record);

// Writes all of `data` at the current offset, retrying short writes.
Status WriteAll(int fd, ByteView data, std::string_view context);
// Reads exactly `n` bytes at `offset`; DataLoss if the file ends first.
Status PreadAll(int fd, char* buf, size_t n, uint64_t offset, std::string_view context);
// Hex MD5 of the first `size` bytes, read in chunks (memory stays bounded).
Result<std::string> HashFile(int fd, uint64_t size, std::string_view context);
// fsync of a folder, so a rename or unlink inside it is durable.
Status SyncDir(const std::string& dir);

// A unique path in the tmp folder: "<pid>-<sequence>-<random>.tmp", so
// stale ones can be swept.
std::string NewTempPath(const std::string& tmp_dir);

// A file being written under the reserved tmp folder. Removed on
// destruction unless Release()d (after it was renamed into place).
class TempFile {
 public:
  static Result<TempFile> Create(const std::string& tmp_dir);
  TempFile(TempFile&&) noexcept;
  TempFile& operator=(TempFile&&) noexcept;
  ~TempFile();
  int fd() const { return fd_.get(); }
  const std::string& path() const { return path_; }
  // A reused inode (SparePool): old bytes past what is written now remain
  // until the writer truncates to the new size.
  bool reused() const { return reused_; }
  void CloseFd() { fd_.Reset(); }
  // Forget the file: it was renamed away.
  void Release() { path_.clear(); }

 private:
  friend class SparePool;
  TempFile(UniqueFd fd, std::string path, bool reused)
      : fd_(std::move(fd)), path_(std::move(path)), reused_(reused) {}
  UniqueFd fd_;
  std::string path_;
  bool reused_ = false;
};

// The largest object whose inode SparePool may rewrite after the object is
// replaced: larger objects' pages never change once written, so sending them
// with sendfile(2) is safe (local::ObjectFile::zero_copy).
inline constexpr uint64_t kMaxReusedInodeBytes = 64 * 1024;

// Inodes of overwritten objects, kept (hard-linked under the tmp folder) to
// be rewritten as the next temp files instead of freeing one inode and
// allocating another per overwrite. Why: ext4 without a journal skips
// inodes freed in the last minutes and checks them one by one on every
// create; under steady overwrites that scan was most of a PUT's CPU.
//
// An inode is rewritten only while nothing else can see its bytes: it has
// no other link, and the writer holds a write lease, which the kernel grants
// only when no other descriptor is open on it and which makes any later
// open wait until the rewrite is finished. Pages can outlive every
// descriptor, though: sendfile(2) queues page references in the socket, and
// an in-place rewrite would change bytes a GET is still sending. So only
// objects of at most kMaxReusedInodeBytes are pooled, and readers must copy
// those (read(2)), never hand their pages to a zero-copy send. A reader whose path lookup raced
// the reuse gets a complete file whose record names another key
// (MetaRecord::key_hash). Falls back to plain temp files where leases or
// hard links are unsupported. Thread-safe.
class SparePool {
 public:
  explicit SparePool(std::string tmp_dir) : tmp_dir_(std::move(tmp_dir)) {}
  SparePool(const SparePool&) = delete;
  SparePool& operator=(const SparePool&) = delete;
  ~SparePool();  // unlinks the spares

  bool enabled() const { return enabled_.load(std::memory_order_relaxed); }
  // Called with the key's stripe held, right before a rename replaces the
  // object `name` in folder `dir_fd`: links the current inode to a fresh
  // spare path. Returns that path, or "" (no object there, pool off, or link
  // unsupported).
  std::string Preserve(int dir_fd, const char* name);
  // After the rename (and, when writes are synced, after it is durable):
  // keeps the spare if it is small enough to be worth holding and the pool
  // has room, else unlinks it. `replaced` false (the rename failed) always
  // unlinks. "" is ignored.
  void Settle(std::string spare_path, bool replaced);
  // A spare opened for rewriting (lease held), or nullopt when none is free.
  std::optional<TempFile> Take();

 private:
  void Disable();

  const std::string tmp_dir_;
  std::atomic<bool> enabled_{true};
  std::mutex mu_;
  std::deque<std::string> spares_;  // oldest first
};

// Removes temp files whose writer process is gone or that are over a day
// old: what a crash mid-write leaves behind. Never visible to readers.
void SweepStaleTempFiles(const std::string& tmp_dir);

// kStripes lock files; a key maps to one by a stable hash (the same in every
// process). Lock() holds an in-process mutex and an exclusive flock, so it
// excludes other threads and other processes. Hold it only around a check
// and the rename or unlink it guards.
class LockStripes {
 public:
  static constexpr int kStripes = 64;
  Status Open(const std::string& lock_dir);

  // Releases the stripe it holds on destruction.
  class Guard {
   public:
    Guard() = default;
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;
    ~Guard() { Unlock(); }
    void Unlock();

   private:
    friend class LockStripes;
    LockStripes* owner_ = nullptr;
    int stripe_ = 0;
  };
  // Blocks until the stripe of `key` is held by `guard` (which must be idle).
  Status Lock(std::string_view key, Guard* guard);

 private:
  std::array<std::mutex, kStripes> mutexes_;
  std::array<UniqueFd, kStripes> fds_;
};

}  // namespace worm::transport_internal

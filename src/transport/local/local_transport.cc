// LocalTransport: objects as plain files under a root folder. The contract
// is NewLocalTransport's (worm/transport.h); the on-disk format is in
// docs/local-backend.md and README.md here; the pieces are in local_fs.h,
// local_keys.h, local_list.h and folder_watch.h. How the contract is kept:
//
// - Writes go to a temp file in root/.wormfs/tmp, get their metadata record
//   (the xattr "user.worm.meta": content type, user metadata, the MD5 ETag
//   with the size, mtime, inode and key hash it was computed for, so a file
//   edited by hand is hashed again), are fsynced (with sync), then renamed
//   into place and the folder fsynced.
// - Inode reuse (SparePool, local_fs.h): an overwrite keeps the inode it
//   replaced (hard-linked in .wormfs/tmp, at most 64 of at most
//   kMaxReusedInodeBytes each) and writes a later object into it instead of a
//   new file, only while no one has it open (a write lease), so a reader of
//   an old version reads it whole. Why: ext4 without a journal makes every
//   inode allocation scan the inodes freed in the last minutes. Such small
//   objects are never sent by reference (local::ObjectFile::zero_copy).
// - Every write holds a lock stripe (flock on root/.wormfs/locks/NN, chosen
//   by a hash of the key) around its check and rename: conditional writes
//   hold across threads and processes.
// - Every path is resolved beneath the root's descriptor (openat2
//   RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS, or one O_NOFOLLOW open per segment
//   on kernels without it), so no symlink inside the root is followed.
// - Listings keep folders and file records between calls (DirListingCache,
//   FileRecordCache; local_list.h) and check each with a stat. A folder
//   listed a second time gets an inotify watch (FolderWatch, local
//   filesystems only, at most LocalTransportOptions::max_watches for the
//   process); while no event comes for it, it and its single-link files are
//   listed without a stat. Once a scan of a prefix (no delimiter, page after
//   page) found everything trusted, later listings of that prefix come from a
//   flat copy of the whole listing (ListSummaries, at most 128 MB per
//   transport) until any event arrives. Lost events distrust every folder.
//
// Thread-safe.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>

#include "core/hash.h"
#include "transport/local/list_summary.h"
#include "transport/local/local_fs.h"
#include "transport/local/local_list.h"
#include "transport/local/local_object.h"
#include "transport/local/posix_error.h"
#include "transport/transport_util.h"
#include "worm/clock.h"
#include "worm/transport.h"

namespace worm {

namespace {

using namespace transport_internal;  // NOLINT

// Write streams buffer this much before a write(2): few syscalls, bounded memory.
constexpr size_t kWriteBuffer = 256 * 1024;
// Attempts at mkdir + rename when a concurrent delete prunes the new folder
// (or a concurrent PUT makes a folder where the file was to go). Each retry
// means another writer made progress, so this bounds a livelock, not work.
constexpr int kInstallAttempts = 64;

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

struct OpenObject {
  UniqueFd fd;
  ObjectMeta meta;
};

// Which of its two names (local_keys.h) a key's file has in its folder.
enum class Found { kNone, kLeaf, kBeside, kBlocked };
struct FoundObject {
  Found where = Found::kNone;
  bool leaf_is_folder = false;  // the plain name is a folder (of longer keys)
  struct stat st;               // of the object, when found
  const char* name = nullptr;   // its name in the folder, when found
};
// lstat of the key's names in `dir`: the plain name first (a regular file
// there is the object; a symlink or other entry blocks the key), then, when
// that is missing or a folder, the name beside the folder. 0, or errno.
int FindObjectIn(int dir, const ParentDir& parent, FoundObject* out) {
  *out = FoundObject{};
  if (::fstatat(dir, parent.leaf, &out->st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (S_ISREG(out->st.st_mode)) {
      out->where = Found::kLeaf;
      out->name = parent.leaf;
      return 0;
    }
    if (!S_ISDIR(out->st.st_mode)) {
      out->where = Found::kBlocked;
      return 0;
    }
    out->leaf_is_folder = true;
  } else if (errno != ENOENT) {
    return errno;
  }
  if (::fstatat(dir, parent.beside_leaf, &out->st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (S_ISREG(out->st.st_mode)) {
      out->where = Found::kBeside;
      out->name = parent.beside_leaf;
    }
    return 0;
  }
  return errno == ENOENT ? 0 : errno;
}

class LocalTransport final : public Transport {
 public:
  LocalTransport(std::string root, UniqueFd root_fd, LocalTransportOptions options)
      : root_(std::move(root)),
        root_fd_(std::move(root_fd)),
        dir_cache_(/*watch_folders=*/true, local::FolderWatchOptions{options.max_watches}),
        options_(options) {}

  Status Init();

  Capabilities capabilities() const override {
    Capabilities caps;
    caps.name = "local";
    caps.user_metadata = xattrs_;
    return caps;
  }

  Result<ObjectMeta> Head(const Key& key, const ReadOptions& options) override;
  Result<Object> Get(const Key& key, const ReadOptions& options) override;
  Result<std::unique_ptr<ReadStream>> OpenRead(const Key& key, const ReadOptions& options) override;
  Result<PutResult> Put(const Key& key, ByteView data, const WriteOptions& options) override;
  Result<std::unique_ptr<WriteStream>> OpenWrite(const Key& key,
                                                 const WriteOptions& options) override;
  Status Delete(const Key& key, const DeleteOptions& options) override;
  Result<ListPage> List(const ListRequest& request) override;

  // Finishes a fully written temp file (metadata xattr, fsync) and renames
  // it to `key` under the key's lock stripe, applying options.mode.
  Result<PutResult> CommitTemp(const Key& key, TempFile* tmp, std::string etag, uint64_t size,
                               const WriteOptions& options);
  const std::string& tmp_dir() const { return tmp_dir_; }
  // The object's file opened for reading, and its metadata, of that inode.
  Result<OpenObject> Open(std::string_view op, const Key& key, const ReadOptions& options);

 private:
  // EncodeKey, and InvalidArgument for a key whose names need the name
  // xattr where there are no xattrs.
  Status PathOf(std::string_view op, const Key& key, KeyPath* path) const;
  // 0 and the stat of the key's file now (either name), or -1 with errno.
  int StatObject(const KeyPath& path, struct stat* st) const;
  ObjectMeta MetaFrom(const Key& key, const struct stat& st, MetaRecord record) const;
  Result<ObjectMeta> MetaOfFd(const Key& key, int fd, const struct stat& st);
  Result<ObjectMeta> StatMeta(const Key& key);
  // The metadata of the file `st` (its stat just now) describes at `key`: a
  // cached or xattr record when one still describes it, else hashed.
  // Without `with_metadata` the content type and user metadata may be left
  // out (a listing's objects carry neither).
  // `epoch` is ListEpoch() read before the stat (0: unknown). The file is
  // `name` in folder `dir_fd` (both opened beneath the root by the caller).
  Result<ObjectMeta> MetaOfStat(const Key& key, const struct stat& st, bool with_metadata,
                                uint64_t epoch, int dir_fd, const char* name);
  Result<std::optional<ObjectMeta>> CurrentMeta(const Key& key);
  // A temp file to write a new object into: a reused spare inode if one is
  // free, else a new file.
  Result<TempFile> NewTemp();
  Status FinishTemp(TempFile* tmp, MetaRecord* record, const KeyPath& path, bool sync);
  Status RenameLocked(const Key& key, const ParentDir& parent, TempFile* tmp,
                      const WriteOptions& options, int* err, std::string* replaced);
  // Opens the folder of `key` beneath the root, creating missing folders.
  Status OpenOrMakeParent(const Key& key, const KeyPath& path, bool sync, ParentDir* parent);
  // Creates (or opens) the folders of the key's segments but the last, in
  // turn: a hashed name is made in the tmp folder with its name xattr and
  // renamed into place; an object whose file has a folder's name (the key
  // "a/b" when "a/b/c" is written) moves beside the folder first, under its
  // key's stripe. A descriptor of the deepest folder, or -1 with errno
  // (ELOOP: a symlink or a special file is in the way).
  int MakeKeyFolders(const Key& key, bool sync);
  int MakeHashedFolder(int at, const char* name, std::string_view segment, bool sync);
  int MoveBesideFolder(std::string_view object_key, int at, std::string_view segment, bool at_root,
                       bool sync);
  Status ClashError(std::string_view op, const Key& key, const KeyPath& path);
  Status PruneParents(const Key& key, const KeyPath& path, const ParentDir& parent, bool sync);

  const std::string root_;
  // The root folder, opened once: every key is resolved beneath it
  // (OpenBeneath and friends), never by path.
  UniqueFd root_fd_;
  transport_internal::DirListingCache dir_cache_;  // between List calls
  transport_internal::FileRecordCache records_;    // metadata of listed files
  transport_internal::ListSummaries summaries_;    // whole listings of quiet prefixes
  const LocalTransportOptions options_;
  std::string tmp_dir_;
  bool xattrs_ = true;
  LockStripes locks_;
  std::unique_ptr<SparePool> spares_;
};

Status LocalTransport::Init() {
  if (!root_fd_.valid()) {
    std::error_code ec;
    std::filesystem::create_directories(root_, ec);
    if (ec) return ErrnoToStatus(ec.value(), "open local transport at " + root_);
    root_fd_ = UniqueFd(::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!root_fd_.valid()) return ErrnoToStatus(errno, "open local transport at " + root_);
  }
  // The reserved folders are real folders too: a symlink there would send
  // temp files (and so object bytes) elsewhere.
  for (const char* sub : {"/tmp", "/locks"}) {
    UniqueFd made(MakeDirsBeneath(root_fd_.get(), std::string(kLocalReservedDir) + sub, false));
    if (!made.valid()) {
      int err = errno;
      if (err == ELOOP || err == ENOTDIR) {
        return Status::InvalidArgument("open local transport at " + root_ + ": " +
                                       std::string(kLocalReservedDir) + sub +
                                       " is not a folder (a symbolic link or a file)");
      }
      return ErrnoToStatus(err, "open local transport at " + root_);
    }
  }
  tmp_dir_ = root_ + "/" + std::string(kLocalReservedDir) + "/tmp";
  SweepStaleTempFiles(tmp_dir_);
  RETURN_NOT_OK(locks_.Open(root_ + "/" + std::string(kLocalReservedDir) + "/locks"));
  ASSIGN_OR_RETURN(TempFile probe, TempFile::Create(tmp_dir_));
  int err = WriteMetaXattr(probe.fd(), MetaRecord{});
  xattrs_ = err == 0;
  if (err != 0 && err != ENOTSUP && err != EOPNOTSUPP && err != EPERM) {
    return ErrnoToStatus(err, "probe xattrs under " + root_);
  }
  spares_ = std::make_unique<SparePool>(tmp_dir_);
  return Status::OK();
}

ObjectMeta LocalTransport::MetaFrom(const Key& key, const struct stat& st,
                                    MetaRecord record) const {
  ObjectMeta meta;
  meta.key = key;
  meta.size = static_cast<uint64_t>(st.st_size);
  meta.etag = std::move(record.etag);
  meta.last_modified_ms = MtimeNanos(st) / 1000000;
  meta.content_type = std::move(record.content_type);
  meta.user_metadata = std::move(record.user_metadata);
  return meta;
}

// The metadata of an open file: the xattr record when it still describes the
// file, else a fresh MD5 (written back as the new record when the file did
// not change while being hashed).
Status LocalTransport::PathOf(std::string_view op, const Key& key, KeyPath* path) const {
  RETURN_NOT_OK(EncodeKey(op, key, path));
  if (!xattrs_ && key.size() > NAME_MAX - 20) {  // only such keys can need a hashed name
    auto hashed = [](std::string_view names) {
      for (size_t start = 0;;) {
        size_t slash = names.find('/', start);
        if (IsHashedName(names.substr(start, slash - start))) return true;
        if (slash == std::string_view::npos) return false;
        start = slash + 1;
      }
    };
    if (hashed(path->folder) || IsHashedName(path->leaf) || IsHashedName(path->beside_leaf)) {
      return Status::InvalidArgument(std::string(op) + " " + Quote(key) +
                                     ": the local backend cannot store this key: a segment is "
                                     "too long for a file name, and this filesystem has no "
                                     "extended attributes to keep it in");
    }
  }
  return Status::OK();
}

int LocalTransport::StatObject(const KeyPath& path, struct stat* st) const {
  if (StatBeneath(root_fd_.get(), path.path().c_str(), st) == 0 && S_ISREG(st->st_mode)) return 0;
  return StatBeneath(root_fd_.get(), path.beside_path().c_str(), st);
}

Result<ObjectMeta> LocalTransport::MetaOfFd(const Key& key, int fd, const struct stat& st) {
  MetaRecord record;
  bool decoded = false;
  if (xattrs_) {
    std::optional<std::string> blob = ReadMetaXattr(fd);
    decoded = blob && DecodeMetaRecord(*blob, &record);
    if (decoded && RecordMatches(record, st)) {
      if (record.key_hash == RecordKeyHash(key)) return MetaFrom(key, st, std::move(record));
      // Written for another key: either the file was moved here by hand, or
      // this open raced a reuse of the inode (SparePool) and the key now
      // names another file.
      struct stat now;
      KeyPath path;
      if (!EncodeKey("open", key, &path).ok() || StatObject(path, &now) != 0 ||
          now.st_ino != st.st_ino) {
        return Status::Aborted("open " + Quote(key) + ": the file was replaced while opened");
      }
      record.key_hash = RecordKeyHash(key);
      (void)WriteMetaXattr(fd, record);  // best effort: only a cache
      return MetaFrom(key, st, std::move(record));
    }
  }
  if (!decoded) record = MetaRecord{};
  ASSIGN_OR_RETURN(record.etag,
                   HashFile(fd, static_cast<uint64_t>(st.st_size), "hash " + Quote(key)));
  struct stat after;
  if (::fstat(fd, &after) == 0 && MtimeNanos(after) == MtimeNanos(st) &&
      after.st_size == st.st_size) {
    record.size = static_cast<uint64_t>(st.st_size);
    record.mtime_ns = MtimeNanos(st);
    record.ino = static_cast<uint64_t>(st.st_ino);
    record.key_hash = RecordKeyHash(key);
    if (xattrs_) {
      (void)WriteMetaXattr(fd, record);  // best effort: only a cache
    } else {
      records_.Offer(key, after, 0, record);  // else every listing would hash the file again
    }
  }
  return MetaFrom(key, st, std::move(record));
}

// Head's fast path: a stat + a cached or xattr record, no open of the file.
Result<ObjectMeta> LocalTransport::StatMeta(const Key& key) {
  KeyPath path;
  RETURN_NOT_OK(PathOf("head", key, &path));
  // By name in the key's folder opened beneath the root: one openat2 (none
  // for a top-level key), then calls no symlink can redirect.
  ParentDir parent;
  FoundObject found;
  const uint64_t epoch = ListEpoch();
  int err = OpenParentBeneath(root_fd_.get(), path, &parent);
  if (err == 0) err = FindObjectIn(parent.fd, parent, &found);
  if (err != 0 && !IsNotThere(err)) return ErrnoToStatus(err, "head " + Quote(key));
  // A symlink is not an object (it is never followed).
  if (err != 0 || found.name == nullptr) {
    return Status::NotFound("head " + Quote(key) + ": no such key");
  }
  return MetaOfStat(key, found.st, true, epoch, parent.fd, found.name);
}

Result<ObjectMeta> LocalTransport::MetaOfStat(const Key& key, const struct stat& st,
                                              bool with_metadata, uint64_t epoch, int dir_fd,
                                              const char* name) {
  MetaRecord record;
  if (records_.Find(key, st, epoch, with_metadata, &record)) {
    return MetaFrom(key, st, std::move(record));
  }
  if (xattrs_) {
    std::optional<std::string> blob = ReadMetaXattrAt(dir_fd, name);
    // The record names the inode it describes, so one read from a file that
    // replaced `st`'s since the stat does not match.
    if (blob && DecodeMetaRecord(*blob, &record) && RecordMatches(record, st) &&
        record.key_hash == RecordKeyHash(key)) {
      records_.Offer(key, st, epoch, record);
      return MetaFrom(key, st, std::move(record));
    }
  }
  ASSIGN_OR_RETURN(OpenObject obj, Open("head", key, ReadOptions{}));
  return std::move(obj.meta);
}

Result<OpenObject> LocalTransport::Open(std::string_view op, const Key& key,
                                        const ReadOptions& options) {
  // The common key is its own path: no encoding work on the GET fast path.
  KeyPath path;
  const bool plain = IsPlainKey(key);
  if (!plain) RETURN_NOT_OK(PathOf(op, key, &path));
  auto not_found = [&] {
    return Status::NotFound(std::string(op) + " " + Quote(key) + ": no such key");
  };
  // O_NONBLOCK: a FIFO at the key must not block the open (it is no object).
  constexpr int kFlags = O_RDONLY | O_NONBLOCK;
  // Retried only when the open raced a rewrite of the inode (MetaOfFd).
  constexpr int kOpenAttempts = 5;
  for (int attempt = 1;; ++attempt) {
    OpenObject obj;
    struct stat st;
    // The plain name first (one openat2), then the name beside a folder.
    obj.fd =
        UniqueFd(OpenBeneath(root_fd_.get(), plain ? key.c_str() : path.path().c_str(), kFlags));
    bool have_stat = obj.fd.valid() && ::fstat(obj.fd.get(), &st) == 0;
    if ((have_stat && S_ISDIR(st.st_mode)) || (!obj.fd.valid() && errno == ENOENT)) {
      if (plain && path.leaf.empty()) RETURN_NOT_OK(PathOf(op, key, &path));
      obj.fd = UniqueFd(OpenBeneath(root_fd_.get(), path.beside_path().c_str(), kFlags));
      if (!obj.fd.valid() && errno == ENOENT) return not_found();
      have_stat = false;
    }
    if (!obj.fd.valid()) {
      if (IsNotThere(errno)) return not_found();  // a symlink on the way (never followed)
      return ErrnoToStatus(errno, std::string(op) + " " + Quote(key));
    }
    if (!have_stat && ::fstat(obj.fd.get(), &st) != 0) {
      return ErrnoToStatus(errno, std::string(op) + " " + Quote(key));
    }
    if (!S_ISREG(st.st_mode)) return not_found();
    Result<ObjectMeta> meta = MetaOfFd(key, obj.fd.get(), st);
    if (meta.status().IsAborted() && attempt < kOpenAttempts) continue;
    RETURN_NOT_OK(meta.status());
    obj.meta = std::move(*meta);
    RETURN_NOT_OK(CheckReadConditions(op, obj.meta, options));
    return obj;
  }
}

Result<std::optional<ObjectMeta>> LocalTransport::CurrentMeta(const Key& key) {
  Result<OpenObject> obj = Open("put", key, ReadOptions{});
  if (obj.ok()) return std::optional<ObjectMeta>(std::move(obj->meta));
  if (obj.status().IsNotFound()) return std::optional<ObjectMeta>();
  return obj.status();
}

Result<ObjectMeta> LocalTransport::Head(const Key& key, const ReadOptions& options) {
  ASSIGN_OR_RETURN(ObjectMeta meta, StatMeta(key));
  RETURN_NOT_OK(CheckReadConditions("head", meta, options));
  return meta;
}

Result<Object> LocalTransport::Get(const Key& key, const ReadOptions& options) {
  ASSIGN_OR_RETURN(OpenObject obj, Open("get", key, options));
  ASSIGN_OR_RETURN(Slice slice, ResolveRange(key, obj.meta.size, options.range));
  Object out;
  out.data.resize(slice.length);
  RETURN_NOT_OK(
      PreadAll(obj.fd.get(), out.data.data(), slice.length, slice.offset, "get " + Quote(key)));
  out.meta = std::move(obj.meta);
  return out;
}

class LocalReadStream final : public ReadStream {
 public:
  LocalReadStream(OpenObject obj, Slice slice)
      : obj_(std::move(obj)), pos_(slice.offset), end_(slice.offset + slice.length) {}
  const ObjectMeta& meta() const override { return obj_.meta; }
  Result<size_t> Read(char* buf, size_t n) override {
    size_t want = static_cast<size_t>(std::min<uint64_t>(n, end_ - pos_));
    if (want == 0) return size_t{0};
    for (;;) {
      ssize_t got = ::pread(obj_.fd.get(), buf, want, static_cast<off_t>(pos_));
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) return ErrnoToStatus(errno, "read " + Quote(obj_.meta.key));
      if (got == 0) {
        return Status::DataLoss("read " + Quote(obj_.meta.key) +
                                ": file ended early (changed while read)");
      }
      pos_ += static_cast<uint64_t>(got);
      return static_cast<size_t>(got);
    }
  }

 private:
  OpenObject obj_;
  uint64_t pos_;
  uint64_t end_;
};

Result<std::unique_ptr<ReadStream>> LocalTransport::OpenRead(const Key& key,
                                                             const ReadOptions& options) {
  ASSIGN_OR_RETURN(OpenObject obj, Open("get", key, options));
  ASSIGN_OR_RETURN(Slice slice, ResolveRange(key, obj.meta.size, options.range));
  return std::unique_ptr<ReadStream>(std::make_unique<LocalReadStream>(std::move(obj), slice));
}

Result<PutResult> LocalTransport::Put(const Key& key, ByteView data, const WriteOptions& options) {
  KeyPath path;
  RETURN_NOT_OK(PathOf("put", key, &path));
  RETURN_NOT_OK(ValidateWriteOptions("put", key, options));
  ASSIGN_OR_RETURN(TempFile tmp, NewTemp());
  RETURN_NOT_OK(WriteAll(tmp.fd(), data, "put " + Quote(key) + ": write temp file"));
  return CommitTemp(key, &tmp, Md5Hex(data), data.size(), options);
}

class LocalWriteStream final : public WriteStream {
 public:
  LocalWriteStream(LocalTransport* owner, Key key, WriteOptions options, TempFile tmp)
      : owner_(owner),
        key_(std::move(key)),
        options_(std::move(options)),
        tmp_(std::move(tmp)),
        md5_(Hasher::New(HashAlgorithm::kMd5)) {}

  Status Append(ByteView data) override {
    if (done_) return Status::FailedPrecondition("append " + Quote(key_) + ": stream is closed");
    md5_->Update(data);
    size_ += data.size();
    if (buffer_.size() + data.size() < kWriteBuffer) {
      buffer_.append(data);
      return Status::OK();
    }
    RETURN_NOT_OK(Flush());
    return WriteAll(tmp_.fd(), data, "put " + Quote(key_) + ": write temp file");
  }

  Result<PutResult> Commit() override {
    if (done_) return Status::FailedPrecondition("commit " + Quote(key_) + ": stream is closed");
    done_ = true;
    RETURN_NOT_OK(Flush());
    TempFile tmp = std::move(tmp_);
    return owner_->CommitTemp(key_, &tmp, md5_->FinishHex(), size_, options_);
  }

  void Abort() override {
    done_ = true;
    TempFile discard = std::move(tmp_);  // unlinked here
    buffer_.clear();
  }

 private:
  Status Flush() {
    if (buffer_.empty()) return Status::OK();
    Status st = WriteAll(tmp_.fd(), buffer_, "put " + Quote(key_) + ": write temp file");
    buffer_.clear();
    return st;
  }

  LocalTransport* owner_;
  Key key_;
  WriteOptions options_;
  TempFile tmp_;
  std::unique_ptr<Hasher> md5_;
  std::string buffer_;
  uint64_t size_ = 0;
  bool done_ = false;
};

Result<std::unique_ptr<WriteStream>> LocalTransport::OpenWrite(const Key& key,
                                                               const WriteOptions& options) {
  KeyPath path;
  RETURN_NOT_OK(PathOf("put", key, &path));
  RETURN_NOT_OK(ValidateWriteOptions("put", key, options));
  ASSIGN_OR_RETURN(TempFile tmp, NewTemp());
  return std::unique_ptr<WriteStream>(
      std::make_unique<LocalWriteStream>(this, key, options, std::move(tmp)));
}

Result<TempFile> LocalTransport::NewTemp() {
  if (std::optional<TempFile> spare = spares_->Take()) return std::move(*spare);
  return TempFile::Create(tmp_dir_);
}

// `record` arrives with the written size; a reused inode is cut to it.
Status LocalTransport::FinishTemp(TempFile* tmp, MetaRecord* record, const KeyPath& path,
                                  bool sync) {
  if (tmp->reused() && ::ftruncate(tmp->fd(), static_cast<off_t>(record->size)) != 0) {
    return ErrnoToStatus(errno, "truncate " + tmp->path());
  }
  if (options_.clock != nullptr) {
    int64_t us = options_.clock->NowMicros();
    struct timespec times[2];
    times[0].tv_sec = times[1].tv_sec = us / 1000000;
    times[0].tv_nsec = times[1].tv_nsec = (us % 1000000) * 1000;
    if (::futimens(tmp->fd(), times) != 0) return ErrnoToStatus(errno, "set mtime " + tmp->path());
  }
  struct stat st;
  if (::fstat(tmp->fd(), &st) != 0) return ErrnoToStatus(errno, "stat " + tmp->path());
  record->size = static_cast<uint64_t>(st.st_size);
  record->mtime_ns = MtimeNanos(st);
  record->ino = static_cast<uint64_t>(st.st_ino);
  if (xattrs_) {
    int err = WriteMetaXattr(tmp->fd(), *record);
    if (err == E2BIG || err == ENOSPC || err == ERANGE) {
      return Status::InvalidArgument("metadata too large for an xattr (" +
                                     std::to_string(EncodeMetaRecord(*record).size()) +
                                     " bytes); keep user metadata under 2 KiB");
    }
    if (err != 0) return ErrnoToStatus(err, "set metadata xattr on " + tmp->path());
    // The key's segment, for a file whose name is its hash (set on every
    // write, as either name may be the one the rename uses).
    if (IsHashedName(path.leaf) || IsHashedName(path.beside_leaf)) {
      if (::fsetxattr(tmp->fd(), kNameXattr, path.last_segment.data(), path.last_segment.size(),
                      0) != 0) {
        return ErrnoToStatus(errno, "set name xattr on " + tmp->path());
      }
    }
  }
  if (sync && ::fsync(tmp->fd()) != 0) return ErrnoToStatus(errno, "fsync " + tmp->path());
  tmp->CloseFd();
  return Status::OK();
}

Result<PutResult> LocalTransport::CommitTemp(const Key& key, TempFile* tmp, std::string etag,
                                             uint64_t size, const WriteOptions& options) {
  const bool sync = options_.sync && options.sync;
  KeyPath path;
  RETURN_NOT_OK(PathOf("put", key, &path));
  MetaRecord record;
  record.etag = std::move(etag);
  record.size = size;
  record.key_hash = RecordKeyHash(key);
  record.content_type = options.content_type;
  record.user_metadata = options.user_metadata;
  RETURN_NOT_OK(FinishTemp(tmp, &record, path, sync).WithContext("put " + Quote(key)));
  // The inode the rename replaced becomes a spare only after the rename is
  // durable: reused before, a crash could leave the key naming it while it
  // holds another object's bytes.
  std::string replaced;
  struct SettleOnExit {
    SparePool* pool;
    std::string* path;
    ~SettleOnExit() { pool->Settle(std::move(*path), true); }
  } settle{spares_.get(), &replaced};
  ParentDir parent;
  for (int attempt = 0;; ++attempt) {
    RETURN_NOT_OK(OpenOrMakeParent(key, path, sync, &parent));
    int err = 0;
    RETURN_NOT_OK(RenameLocked(key, parent, tmp, options, &err, &replaced));
    if (err == 0) break;
    // The folder was pruned meanwhile, or a folder took the file's name.
    if ((err == ENOENT || err == EISDIR) && attempt < kInstallAttempts) continue;
    if (err == ENOTDIR || err == EISDIR || err == ENOTEMPTY || err == EEXIST || err == ELOOP) {
      return ClashError("put", key, path);
    }
    return ErrnoToStatus(err, "put " + Quote(key) + ": rename into place");
  }
  if (sync && ::fsync(parent.fd) != 0) {
    return ErrnoToStatus(errno, "put " + Quote(key) + ": fsync its folder");
  }
  return PutResult{std::move(record.etag), ""};
}

Status LocalTransport::OpenOrMakeParent(const Key& key, const KeyPath& path, bool sync,
                                        ParentDir* parent) {
  for (int attempt = 0;; ++attempt) {
    int err = OpenParentBeneath(root_fd_.get(), path, parent);
    if (err == ENOENT || err == ENOTDIR) {  // folders missing, or an object in the way
      parent->owned = UniqueFd(MakeKeyFolders(key, sync));
      err = parent->owned.valid() ? 0 : errno;
      if (err == 0) parent->fd = parent->owned.get();
    }
    if (err == 0) return Status::OK();
    if (err == ENOENT && attempt < kInstallAttempts) continue;  // pruned by a concurrent delete
    if (err == ENOTDIR || err == ELOOP || err == EXDEV) return ClashError("put", key, path);
    return ErrnoToStatus(err, "put " + Quote(key) + ": open its folder");
  }
}

int LocalTransport::MakeKeyFolders(const Key& key, bool sync) {
  UniqueFd dir;
  int at = root_fd_.get();
  const size_t last_slash = key.rfind('/');
  for (size_t start = 0; start <= last_slash && last_slash != std::string::npos;) {
    const size_t slash = key.find('/', start);
    const std::string_view segment(key.data() + start, slash - start);
    const bool at_root = start == 0;
    const std::string name = SegmentName(segment, at_root);
    int next = -1;
    for (int attempt = 0; next < 0; ++attempt) {
      if (attempt == kInstallAttempts) return -1;  // errno from the last try
      next = ::openat(at, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (next >= 0) break;
      if (errno == ENOENT) {
        int made = IsHashedName(name) ? MakeHashedFolder(at, name.c_str(), segment, sync)
                                      : ::mkdirat(at, name.c_str(), 0777);
        if (made != 0 && errno != EEXIST) return -1;
        if (made == 0 && sync && ::fsync(at) != 0) return -1;
        continue;
      }
      if (errno != ENOTDIR && errno != ELOOP) return -1;
      // An entry that is not a folder has the name: the object of the key
      // that ends here moves beside the folder; anything else is in the way.
      struct stat st;
      if (::fstatat(at, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT) continue;
        return -1;
      }
      if (S_ISDIR(st.st_mode)) continue;
      if (!S_ISREG(st.st_mode)) {
        errno = ELOOP;
        return -1;
      }
      if (MoveBesideFolder(std::string_view(key).substr(0, slash), at, segment, at_root, sync) !=
          0) {
        return -1;
      }
    }
    dir = UniqueFd(next);
    at = next;
    start = slash + 1;
  }
  return dir.valid() ? dir.Release() : ::openat(at, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

// A folder whose name is a hash: made with its name xattr in the tmp folder
// and renamed into place, so no listing sees it without the xattr. 0, or -1
// with errno (EEXIST: someone else made it first).
int LocalTransport::MakeHashedFolder(int at, const char* name, std::string_view segment,
                                     bool sync) {
  std::string staged = NewTempPath(tmp_dir_);
  if (::mkdir(staged.c_str(), 0777) != 0) return -1;
  int rc = ::setxattr(staged.c_str(), kNameXattr, segment.data(), segment.size(), 0);
  if (rc == 0 && sync) {
    UniqueFd fd(::open(staged.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    rc = fd.valid() && ::fsync(fd.get()) == 0 ? 0 : -1;
  }
  if (rc == 0) rc = ::renameat2(AT_FDCWD, staged.c_str(), at, name, RENAME_NOREPLACE);
  if (rc != 0 && (errno == EINVAL || errno == ENOSYS)) {  // no RENAME_NOREPLACE here
    struct stat st;
    if (::fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
      errno = EEXIST;
    } else {
      rc = ::renameat(AT_FDCWD, staged.c_str(), at, name);
    }
  }
  if (rc != 0) {
    int err = errno;
    ::rmdir(staged.c_str());
    errno = err;
  }
  return rc;
}

// Under the stripe of `object_key`: renames its file in folder `at` from the
// plain name to the name beside a folder, which a reader tries next (so the
// object never seems missing). 0 (also when the file is gone meanwhile), or
// -1 with errno.
int LocalTransport::MoveBesideFolder(std::string_view object_key, int at, std::string_view segment,
                                     bool at_root, bool sync) {
  LockStripes::Guard guard;
  if (!locks_.Lock(object_key, &guard).ok()) return -1;
  const std::string from = SegmentName(segment, at_root);
  const std::string to = ObjectBesideFolderName(segment, at_root);
  struct stat st;
  if (::fstatat(at, from.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) {
    return 0;  // moved or deleted meanwhile: the caller looks again
  }
  if (IsHashedName(to)) {  // worm's own files have it already; one put there by hand may not
    UniqueFd file(::openat(at, from.c_str(), O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC));
    if (!file.valid() ||
        ::fsetxattr(file.get(), kNameXattr, segment.data(), segment.size(), 0) != 0) {
      return -1;
    }
  }
  int rc = ::renameat2(at, from.c_str(), at, to.c_str(), RENAME_NOREPLACE);
  if (rc != 0 && (errno == EINVAL || errno == ENOSYS)) {
    if (::fstatat(at, to.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
      errno = EEXIST;
    } else {
      rc = ::renameat(at, from.c_str(), at, to.c_str());
    }
  }
  if (rc != 0) {
    if (errno == EEXIST) errno = ELOOP;  // two files for one key: not ours to pick
    return -1;
  }
  return sync ? ::fsync(at) : 0;
}

// Under the key's stripe: finds where the key's file is or goes, checks the
// mode, then renames. A failed rename is reported through `err` (the caller
// decides whether to retry: ENOENT, the folder was pruned; EISDIR, a folder
// took the name meanwhile). After an overwrite, `replaced` names a link to
// the inode it replaced (for the spare pool), else it is left empty.
Status LocalTransport::RenameLocked(const Key& key, const ParentDir& parent, TempFile* tmp,
                                    const WriteOptions& options, int* err, std::string* replaced) {
  LockStripes::Guard guard;
  RETURN_NOT_OK(locks_.Lock(key, &guard));
  if (options.mode == PutMode::kUpdate) {
    ASSIGN_OR_RETURN(std::optional<ObjectMeta> current, CurrentMeta(key));
    RETURN_NOT_OK(CheckWriteMode("put", key, current ? &*current : nullptr, options));
  }
  const int dir = parent.fd;
  FoundObject found;
  if (int e = FindObjectIn(dir, parent, &found); e != 0) {
    *err = e;
    return Status::OK();
  }
  // A symlink (or a special file) at the key is left alone, not replaced:
  // it is not an object.
  if (found.where == Found::kBlocked) {
    *err = ELOOP;
    return Status::OK();
  }
  const char* leaf = found.name != nullptr  ? found.name
                     : found.leaf_is_folder ? parent.beside_leaf
                                            : parent.leaf;
  int rc;
  if (options.mode == PutMode::kCreate) {
    if (found.name != nullptr) {
      return Status::AlreadyExists("put " + Quote(key) +
                                   ": create-only write found an existing object");
    }
    rc = ::renameat2(AT_FDCWD, tmp->path().c_str(), dir, leaf, RENAME_NOREPLACE);
    if (rc != 0 && (errno == EINVAL || errno == ENOSYS)) {  // no RENAME_NOREPLACE here
      struct stat st;
      if (::fstatat(dir, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        errno = EEXIST;
      } else {
        rc = ::renameat(AT_FDCWD, tmp->path().c_str(), dir, leaf);
      }
    }
    if (rc != 0 && errno == EEXIST) {
      // Only a folder can have appeared (a file for this key needs the stripe).
      struct stat st;
      if (::fstatat(dir, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)) {
        errno = EISDIR;
      }
    }
  } else {
    std::string spare = spares_->Preserve(dir, leaf);  // the inode this rename frees
    rc = ::renameat(AT_FDCWD, tmp->path().c_str(), dir, leaf);
    int rename_errno = errno;
    if (rc == 0) {
      *replaced = std::move(spare);
    } else {
      spares_->Settle(std::move(spare), false);
    }
    errno = rename_errno;
  }
  *err = rc == 0 ? 0 : errno;
  if (rc == 0) tmp->Release();
  return Status::OK();
}

// Explains why `key` cannot be stored: a symlink or a special file is where
// one of its folders or its file would be. Names keys, never paths: `worm
// serve` relays it to clients (KeyConflict).
Status LocalTransport::ClashError(std::string_view op, const Key& key, const KeyPath& path) {
  const std::string head =
      std::string(op) + " " + Quote(key) + ": the local backend cannot store this key: ";
  auto blocked = [&](std::string_view name, const struct stat& st) {
    if (S_ISLNK(st.st_mode)) {
      return Status::InvalidArgument(head + Quote(name) +
                                     " is a symbolic link, and a symbolic link cannot also be an "
                                     "object or a folder of keys (worm never follows or replaces "
                                     "one); remove it or choose another key");
    }
    return Status::InvalidArgument(head + Quote(name) +
                                   " is a special file (not a regular file or folder), and it "
                                   "cannot also be an object or a folder of keys; remove it or "
                                   "choose another key");
  };
  std::string disk;
  for (size_t slash = key.find('/'), start = 0; slash != std::string::npos;
       start = slash + 1, slash = key.find('/', start)) {
    if (start > 0) disk.push_back('/');
    disk += SegmentName(std::string_view(key).substr(start, slash - start), start == 0);
    struct stat st;
    if (StatBeneath(root_fd_.get(), disk.c_str(), &st) != 0) break;
    if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) return blocked(key.substr(0, slash), st);
  }
  struct stat st;
  if (StatBeneath(root_fd_.get(), path.path().c_str(), &st) == 0 && !S_ISDIR(st.st_mode) &&
      !S_ISREG(st.st_mode)) {
    return blocked(key, st);
  }
  return Status::Aborted(head + "its folders kept changing while it was written; try again");
}

Status LocalTransport::Delete(const Key& key, const DeleteOptions& options) {
  KeyPath path;
  RETURN_NOT_OK(PathOf("delete", key, &path));
  ParentDir parent;
  bool removed = false;
  {
    LockStripes::Guard guard;
    RETURN_NOT_OK(locks_.Lock(key, &guard));
    if (!options.if_match.empty()) {
      ASSIGN_OR_RETURN(std::optional<ObjectMeta> current, CurrentMeta(key));
      RETURN_NOT_OK(CheckDeleteCondition(key, current ? &*current : nullptr, options));
    }
    if (int err = OpenParentBeneath(root_fd_.get(), path, &parent); err != 0) {
      if (IsNotThere(err)) return Status::OK();  // no such folder, or a symlink on the way
      return ErrnoToStatus(err, "delete " + Quote(key));
    }
    // A symlink at the key is not an object: left alone, like any key that
    // does not exist.
    FoundObject found;
    if (int err = FindObjectIn(parent.fd, parent, &found); err != 0 && !IsNotThere(err)) {
      return ErrnoToStatus(err, "delete " + Quote(key));
    }
    if (found.name != nullptr) {
      if (::unlinkat(parent.fd, found.name, 0) == 0) {
        removed = true;
      } else if (errno != ENOENT && errno != ENOTDIR && errno != EISDIR) {
        return ErrnoToStatus(errno, "delete " + Quote(key));
      }
    }
  }
  if (!removed) return Status::OK();
  return PruneParents(key, path, parent, options_.sync);
}

// Removes the key's folders that are now empty, deepest first, so listings
// show no ghost prefixes; each is removed from its parent opened beneath the
// root. With `sync`, fsyncs the deepest folder left standing. `parent` is
// the key's folder. A concurrent PUT into a folder removed here finds it
// gone (ENOENT) and makes it again.
Status LocalTransport::PruneParents(const Key& key, const KeyPath& path, const ParentDir& parent,
                                    bool sync) {
  UniqueFd held;  // the survivor, when it is neither `parent` nor the root
  int survivor = parent.fd;
  const std::string& disk = path.folder;
  for (size_t end = disk.size(); end != 0 && end != std::string::npos;) {
    std::string folder = disk.substr(0, end);  // the folder to remove
    size_t up = folder.rfind('/');
    UniqueFd up_fd;
    if (up != std::string::npos) {
      up_fd = UniqueFd(
          OpenBeneath(root_fd_.get(), folder.substr(0, up).c_str(), O_RDONLY | O_DIRECTORY));
      if (!up_fd.valid()) break;
    }
    const int up_dir = up_fd.valid() ? up_fd.get() : root_fd_.get();
    const char* name = folder.c_str() + (up == std::string::npos ? 0 : up + 1);
    if (::unlinkat(up_dir, name, AT_REMOVEDIR) != 0) break;  // not empty (or gone)
    held = std::move(up_fd);
    survivor = held.valid() ? held.get() : root_fd_.get();
    end = up == std::string::npos ? 0 : up;
  }
  if (sync && ::fsync(survivor) != 0) return ErrnoToStatus(errno, "delete " + Quote(key));
  return Status::OK();
}

Result<ListPage> LocalTransport::List(const ListRequest& request) {
  ASSIGN_OR_RETURN(ListPlan plan, PlanList(request));
  dir_cache_.Drain();  // changes made before this listing end the trust in their folders
  const uint64_t generation = dir_cache_.Generation();
  // Summaries: flat listings only, while the prefix's folder is the one
  // summarized.
  const bool flat = plan.delimiter.empty();
  if (flat) {
    std::string folder = EncodeFolder(transport_internal::FolderOfPrefix(plan.prefix));
    struct stat st;
    if (StatBeneath(root_fd_.get(), folder.empty() ? "." : folder.c_str(), &st) == 0 &&
        S_ISDIR(st.st_mode)) {
      auto summary =
          summaries_.Find(plan.prefix, request.with_metadata, generation, {st.st_dev, st.st_ino});
      if (summary) return summary->Page(plan, request.with_metadata);
    }
  }
  const ListPlan start = plan;
  bool files_trusted = true;
  ListPage page;
  LocalKeyWalker walker(root_, root_fd_.get(), &plan, static_cast<size_t>(plan.max_keys) + 1,
                        &dir_cache_);
  int count = 0;
  std::string last;
  bool last_is_prefix = false;
  for (;;) {
    ASSIGN_OR_RETURN(const std::string* key, walker.Next());
    if (!key) break;
    if (count == plan.max_keys) {
      page.next_token = EncodeListToken(last, last_is_prefix);
      break;
    }
    std::string_view rolled = plan.RollUp(*key);
    if (!rolled.empty()) {
      last.assign(rolled);
      last_is_prefix = true;
      page.common_prefixes.push_back(last);
      plan.SkipPrefix(last);
      ++count;
      continue;
    }
    struct stat st;
    MetaRecord record;
    if (records_.FindTrusted(*key, walker.file_ino(), walker.file_trusted_since(),
                             request.with_metadata, &record, &st)) {
      page.objects.push_back(MetaFrom(*key, st, std::move(record)));  // watched folder: no stat
    } else {
      files_trusted = false;
      const uint64_t epoch = ListEpoch();
      if (walker.StatFile(&st) != 0) {
        if (errno == ENOENT || errno == ENOTDIR) continue;  // deleted since the scan
        return ErrnoToStatus(errno, "list: stat " + Quote(*key));
      }
      if (!S_ISREG(st.st_mode)) continue;  // replaced by a folder since the scan
      Result<ObjectMeta> meta = MetaOfStat(*key, st, request.with_metadata, epoch,
                                           walker.FileFolder(), walker.file_name());
      if (!meta.ok()) {
        if (meta.status().IsNotFound()) continue;  // deleted since the scan
        return meta.status();
      }
      page.objects.push_back(std::move(*meta));
      if (!request.with_metadata) {  // as S3: List carries no content type or user metadata
        page.objects.back().content_type.clear();
        page.objects.back().user_metadata.clear();
      }
    }
    last = *key;
    last_is_prefix = false;
    ++count;
  }
  if (flat) {
    bool trusted =
        files_trusted && walker.all_folders_trusted() && dir_cache_.Generation() == generation;
    summaries_.Record(start, request.with_metadata, generation, walker.base_folder(), trusted,
                      page.objects, page.next_token.empty());
  }
  return page;
}

}  // namespace

Result<std::shared_ptr<Transport>> NewLocalTransport(const std::string& root,
                                                     LocalTransportOptions options) {
  if (root.empty()) return Status::InvalidArgument("local transport: empty root folder");
  std::string clean = root;
  while (clean.size() > 1 && clean.back() == '/') clean.pop_back();
  auto transport = std::make_shared<LocalTransport>(std::move(clean), UniqueFd(), options);
  RETURN_NOT_OK(transport->Init());
  return std::shared_ptr<Transport>(std::move(transport));
}

namespace local {

static_assert(kMaxCopiedBytes >= kMaxReusedInodeBytes,
              "a reused inode's pages must never be sent by reference");

Result<ObjectFile> OpenObjectFile(Transport* transport, const Key& key,
                                  const ReadOptions& options) {
  auto* local = dynamic_cast<LocalTransport*>(transport);
  if (local == nullptr) {
    return Status::InvalidArgument("open " + Quote(key) + ": not a local transport");
  }
  ReadOptions conditions = options;
  conditions.range.reset();
  ASSIGN_OR_RETURN(OpenObject obj, local->Open("get", key, conditions));
  ObjectFile out;
  out.zero_copy = obj.meta.size > kMaxReusedInodeBytes;
  out.fd = std::move(obj.fd);
  out.meta = std::move(obj.meta);
  return out;
}

Result<std::shared_ptr<Transport>> NewTransportAt(UniqueFd root_fd, const std::string& root,
                                                  LocalTransportOptions options) {
  if (!root_fd.valid()) return Status::InvalidArgument("local transport: no root folder");
  auto transport = std::make_shared<LocalTransport>(root, std::move(root_fd), options);
  RETURN_NOT_OK(transport->Init());
  return std::shared_ptr<Transport>(std::move(transport));
}

Result<std::shared_ptr<Transport>> NewTransportBeneath(int base_fd, std::string_view rel,
                                                       const std::string& root,
                                                       LocalTransportOptions options) {
  UniqueFd fd(MakeDirsBeneath(base_fd, rel, false));
  if (!fd.valid()) {
    const int err = errno;
    if (err == ELOOP || err == ENOTDIR) {
      return Status::InvalidArgument("open local transport at " + root +
                                     ": a symbolic link or a file is in the way");
    }
    return ErrnoToStatus(err, "open local transport at " + root);
  }
  return NewTransportAt(std::move(fd), root, options);
}

}  // namespace local

}  // namespace worm

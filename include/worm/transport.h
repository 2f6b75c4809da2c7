// Transport: the storage interface every backend implements (memory, local
// filesystem, overlay, S3) and every wrapper decorates (counting, retrying,
// fault injection). The engine sees storage only through this interface.
//
// Thread-safety: a Transport is safe for concurrent use without external
// synchronization. A ReadStream or WriteStream is used by one thread at a time.
//
// Keys. The namespace is flat: a key is an opaque byte string (UTF-8 in
// practice) of 1..max_key_size bytes; '/' matters only to List's delimiter.
// Backends that map keys to files refuse keys they cannot represent
// (InvalidArgument), never silently alias two keys.
//
// ETags. The ETag of a single-part object is the lowercase hex MD5 of its
// bytes, without quotes, as S3 returns it (quotes stripped).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "worm/result.h"

namespace worm {

class Clock;

using ByteView = std::string_view;
using Key = std::string;

struct ObjectMeta {
  Key key;
  uint64_t size = 0;
  std::string etag;                                  // hex MD5 for single-part objects, no quotes
  int64_t last_modified_ms = 0;                      // Unix milliseconds
  std::string version;                               // backend-specific; empty when unversioned
  std::string content_type;                          // empty when unknown (List does not fill it)
  std::map<std::string, std::string> user_metadata;  // x-amz-meta-*, lowercase names
};

// Bytes [offset, offset + length) of an object; length unset means "to the end".
struct ByteRange {
  uint64_t offset = 0;
  std::optional<uint64_t> length;
};

struct ReadOptions {
  std::optional<ByteRange> range;
  std::string if_match;       // FailedPrecondition unless the ETag equals this
  std::string if_none_match;  // FailedPrecondition if the ETag equals this ("*": exists)
  int64_t deadline_ms = 0;    // absolute Unix ms; 0 means none. Remote backends only.
};

struct Object {
  ObjectMeta meta;
  std::string data;
};

enum class PutMode {
  kOverwrite,  // unconditional
  kCreate,     // If-None-Match: *  -> AlreadyExists when the key exists
  kUpdate,     // If-Match: etag    -> FailedPrecondition when missing or different
};

struct WriteOptions {
  PutMode mode = PutMode::kOverwrite;
  std::string if_match;  // REQUIRES: non-empty iff mode == kUpdate
  std::string content_type;
  std::map<std::string, std::string> user_metadata;
  // Local backends: fsync file and folder before acknowledging. Default true:
  // an acknowledged write survives a crash. Turning it off trades durability
  // for speed (about 3x more small-file creates per second, see docs/peers.md).
  bool sync = true;

  static WriteOptions Create() {
    WriteOptions o;
    o.mode = PutMode::kCreate;
    return o;
  }
  static WriteOptions Update(std::string etag) {
    WriteOptions o;
    o.mode = PutMode::kUpdate;
    o.if_match = std::move(etag);
    return o;
  }
};

struct PutResult {
  std::string etag;
  std::string version;
};

struct DeleteOptions {
  // When set: FailedPrecondition if the object is missing or its ETag
  // differs. Atomic where capabilities().conditional_delete; elsewhere the
  // backend checks the ETag just before deleting (a window of one round trip).
  std::string if_match;
};

struct ListRequest {
  std::string prefix;
  std::string delimiter;    // usually "" or "/"
  std::string start_after;  // exclusive; keys <= start_after are skipped
  std::string token;        // continuation token from a previous ListPage
  int max_keys = 1000;      // 1..1000, as S3 caps it
  // Also fill content_type and user_metadata where the backend reads them
  // with the listing at no extra cost (local); S3 listings never carry them.
  bool with_metadata = false;
};

struct ListPage {
  std::vector<ObjectMeta> objects;           // byte-sorted by key
  std::vector<std::string> common_prefixes;  // byte-sorted, each ends with the delimiter
  std::string next_token;                    // empty on the last page
};

// What a backend can promise. The engine checks these rather than guessing.
struct Capabilities {
  std::string name;                // "memory", "local", "overlay", "s3"
  bool conditional_create = true;  // honours PutMode::kCreate atomically
  bool conditional_update = true;  // honours PutMode::kUpdate atomically
  bool conditional_delete = true;  // honours DeleteOptions::if_match atomically
  bool list_after_write = true;    // a completed Put is visible to the next List
  bool user_metadata = true;       // keeps content_type and user_metadata
  bool object_lock = false;
  size_t max_key_size = 1024;
};

// A streamed object body. Read returns the number of bytes placed in `buf`,
// 0 at the end. A body that turns out shorter or different than its metadata
// promised gives DataLoss.
class ReadStream {
 public:
  virtual ~ReadStream() = default;
  virtual const ObjectMeta& meta() const = 0;
  virtual Result<size_t> Read(char* buf, size_t n) = 0;
};

// A streamed upload. Nothing is visible to readers before Commit succeeds.
// Abort, or destruction before Commit, discards the upload. After Commit or
// Abort the stream must not be used again.
class WriteStream {
 public:
  virtual ~WriteStream() = default;
  virtual Status Append(ByteView data) = 0;
  // Applies the WriteOptions' mode atomically, as Put does.
  virtual Result<PutResult> Commit() = 0;
  virtual void Abort() = 0;
};

class Transport {
 public:
  Transport() = default;
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;
  virtual ~Transport() = default;

  virtual Capabilities capabilities() const = 0;

  // Metadata of `key`. NotFound when missing; FailedPrecondition when an
  // If-Match / If-None-Match condition in `options` fails.
  virtual Result<ObjectMeta> Head(const Key& key, const ReadOptions& options) = 0;

  // The whole object, or `options.range` of it. NotFound when missing;
  // FailedPrecondition on a failed condition; OutOfRange when the range
  // starts at or past the end of a non-empty object.
  virtual Result<Object> Get(const Key& key, const ReadOptions& options) = 0;

  // As Get, streamed: memory stays bounded whatever the object size.
  virtual Result<std::unique_ptr<ReadStream>> OpenRead(const Key& key,
                                                       const ReadOptions& options) = 0;

  // Atomically stores `data` at `key`: readers see the old object or the new,
  // never part of one. kCreate gives AlreadyExists if the key exists; kUpdate
  // gives FailedPrecondition if it is missing or its ETag differs. Concurrent
  // conditional puts on one key: exactly one wins; a loser gets
  // FailedPrecondition, or Aborted where the server cut it off mid-write. InvalidArgument for a key
  // the backend cannot store.
  virtual Result<PutResult> Put(const Key& key, ByteView data, const WriteOptions& options) = 0;

  // A streamed Put; the mode is checked at Commit.
  virtual Result<std::unique_ptr<WriteStream>> OpenWrite(const Key& key,
                                                         const WriteOptions& options) = 0;

  // Removes `key`. Idempotent: deleting a missing key is OK. With if_match
  // set, a missing object or a different ETag gives FailedPrecondition
  // (atomically only where capabilities().conditional_delete).
  virtual Status Delete(const Key& key, const DeleteOptions& options) = 0;

  // One page of keys under `request.prefix`, byte-sorted. With a delimiter,
  // keys sharing the next delimited segment roll up into common_prefixes.
  // InvalidArgument for max_keys outside 1..1000 or a malformed token.
  virtual Result<ListPage> List(const ListRequest& request) = 0;

  // Copies `from` to `to` (server-side where the backend can). The default
  // implementation is Get + Put. NotFound when `from` is missing.
  virtual Result<PutResult> Copy(const Key& from, const Key& to, const WriteOptions& options);

  // Every object under `prefix` (no delimiter), following all pages.
  Result<std::vector<ObjectMeta>> ListAll(const std::string& prefix);
};

// Forwards every call to a target (leveldb's EnvWrapper). Decorators derive
// from it and override only what they change.
class TransportWrapper : public Transport {
 public:
  explicit TransportWrapper(std::shared_ptr<Transport> target) : target_(std::move(target)) {}
  Transport* target() const { return target_.get(); }

  Capabilities capabilities() const override { return target_->capabilities(); }
  Result<ObjectMeta> Head(const Key& key, const ReadOptions& o) override {
    return target_->Head(key, o);
  }
  Result<Object> Get(const Key& key, const ReadOptions& o) override { return target_->Get(key, o); }
  Result<std::unique_ptr<ReadStream>> OpenRead(const Key& key, const ReadOptions& o) override {
    return target_->OpenRead(key, o);
  }
  Result<PutResult> Put(const Key& key, ByteView data, const WriteOptions& o) override {
    return target_->Put(key, data, o);
  }
  Result<std::unique_ptr<WriteStream>> OpenWrite(const Key& key, const WriteOptions& o) override {
    return target_->OpenWrite(key, o);
  }
  Status Delete(const Key& key, const DeleteOptions& o) override { return target_->Delete(key, o); }
  Result<ListPage> List(const ListRequest& r) override { return target_->List(r); }
  Result<PutResult> Copy(const Key& from, const Key& to, const WriteOptions& o) override {
    return target_->Copy(from, to, o);
  }

 protected:
  std::shared_ptr<Transport> target_;
};

// ---- Backends ---------------------------------------------------------------

// Objects in memory. For tests and as a scratch store. last_modified comes
// from `clock` (Clock::Default() when null; not owned, must outlive the
// transport).
std::shared_ptr<Transport> NewMemoryTransport();
std::shared_ptr<Transport> NewMemoryTransport(Clock* clock);

struct LocalTransportOptions {
  // fsync files and their folder before acknowledging writes (overridable per
  // write by WriteOptions::sync). Off only for throwaway data.
  // A write is fsynced only when both this and WriteOptions::sync are true.
  bool sync = true;
  // When set, file modification times (and so last_modified) come from this
  // clock instead of the filesystem's. Not owned; must outlive the transport.
  Clock* clock = nullptr;
  // Listings of a long-lived process hold one of the user's inotify watches
  // per folder listed twice (~1 KiB of kernel memory each, out of
  // fs.inotify.max_user_watches, which every process of the user shares).
  // This transport adds one only while the whole process holds fewer than
  // this many: 0 adds none (listings then stat every entry), -1 allows half
  // of the user's limit. `worm` sets it from WORM_WATCH_LIMIT.
  int64_t max_watches = -1;
};

// The reserved top-level folder of a local root, holding temp files (tmp/)
// and cross-process lock stripes (locks/). List never shows it; a key whose
// first segment is this name is stored under an encoded name instead.
inline constexpr std::string_view kLocalReservedDir = ".wormfs";

// Objects as plain files under `root` (created if missing): key "a/b.json" is
// the file root/a/b.json, so other tools can read and write the folder; a
// file changed by hand gets a fresh ETag when next read. Every key S3
// accepts is stored (1 to 1,024 bytes, no NUL): one that cannot be its own
// path (an empty, "." or ".." segment, a segment over NAME_MAX, a key that is
// also a "folder" of other keys, a folder marker "a/") gets an encoded
// ".wormfs.*" name and is listed under its key; others give InvalidArgument
// naming the key. The on-disk format and how the backend works:
// docs/local-backend.md.
//
// Writes are atomic: a reader, in this process or another, sees the old
// object or the new one whole, never a mix, and a reader that opened the old
// version reads all of it. A write with sync on is durable when it returns.
// Conditional writes (PutMode, if_match) and deletes (if_match) are atomic
// across the threads and processes of this machine that use the same folder. Content
// type and user metadata are kept with the file; on a filesystem without
// extended attributes, capabilities().user_metadata is false and ETags are
// hashed on demand. Deletes prune folders left empty. Streams must not
// outlive the transport.
//
// Symlinks: the root folder itself may be one, but no symlink inside it is
// ever followed, replaced or removed, at any depth. A key whose path passes
// through or ends at a symlink does not exist: Head/Get give NotFound, List
// leaves symlinks out (and never descends through one), Delete does nothing,
// and Put gives InvalidArgument naming the link (also for a special file,
// e.g. a FIFO, where a file or folder would go). Why so strict: a symlink
// that stays inside the root today can be repointed tomorrow, and S3 has no
// links for a client to expect. The reserved folder (kLocalReservedDir) must
// be a real folder too, or opening the transport fails.
//
// Listings: a long-lived process (worm serve, a gateway, repeated queries)
// lists an unchanged collection from memory, with no system call per entry,
// and still sees every write, rename, truncation or metadata change made by
// anyone on this machine on its next call. Two changes are missed by such a
// process until something else changes the folder: stores through a shared
// writable mmap, and a filesystem mounted over a listed folder. On a network
// filesystem, or past LocalTransportOptions::max_watches, folders are
// checked on every call instead (other machines' writes raise no event
// here). The memory kept for this is bounded per transport.
Result<std::shared_ptr<Transport>> NewLocalTransport(const std::string& root,
                                                     LocalTransportOptions options = {});

// Where the overlay keeps whiteouts in `upper`: deleting key k writes the
// empty object kOverlayWhiteoutPrefix + k. User keys under this prefix are
// refused with InvalidArgument and never listed.
inline constexpr std::string_view kOverlayWhiteoutPrefix = ".worm.whiteout/";

// Copy-on-write overlay (OANIX CowFs): reads fall through to `lower` unless
// `upper` has the key or a whiteout for it; writes and deletes go to `upper`
// only (deletes as whiteouts). `lower` is never written: a sandbox over real
// data, or a dry run. List merges both, hiding whiteouts. Conditional writes
// check the merged view; they are atomic among users of one overlay object
// (an in-process lock stripe per key) and, where upper holds the key, also
// against other writers of upper. Keys are limited to upper's max_key_size
// minus the whiteout prefix. Streams must not outlive the transport.
std::shared_ptr<Transport> NewOverlayTransport(std::shared_ptr<Transport> upper,
                                               std::shared_ptr<Transport> lower);

}  // namespace worm

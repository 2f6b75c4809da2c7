// DocCache: a local cache of stored documents keyed by object key, so a query
// over a remote bucket fetches only what changed since the last run. One
// SQLite file per model (".worm/cache/<model>/docs.sqlite"), rows
// {key, etag, crc, bytes}.
//
// Never trusted blindly: a row is used only when its ETag equals the one the
// listing just returned, and its bytes still have the CRC-32C taken when they
// were stored (a torn or bit-rotted row is a miss, then overwritten). Rows are
// stored only when their bytes hash to their ETag (plain-MD5 ETags), so the
// one MD5 per document is paid when it is fetched, not on every warm read
// (it was a third of a warm query). Safe to delete at any time: a missing,
// unreadable, corrupt or older-format file is recreated empty. Rows of
// entities deleted from the bucket stay until the file is deleted (they are
// never listed, so never used).
//
// Thread-safety: one DocCache per thread; several processes may share a file
// (SQLite WAL and a busy timeout).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "worm/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace worm::query {

class DocCache {
 public:
  struct Row {
    std::string key;
    std::string etag;
    std::string bytes;
  };

  // Opens or creates the cache at `path` (parent folders created).
  static Result<std::unique_ptr<DocCache>> Open(const std::string& path);
  ~DocCache();
  DocCache(const DocCache&) = delete;
  DocCache& operator=(const DocCache&) = delete;

  // The cached bytes of `key` when they are those of `etag`; nullopt otherwise.
  std::optional<std::string> Lookup(const std::string& key, const std::string& etag);
  // Every intact cached row with first <= key <= last (byte order), in key
  // order, in one read: how a listing page's keys are looked up. The caller
  // still compares each row's ETag with the listed one.
  Status ScanRange(const std::string& first, const std::string& last, std::vector<Row>* rows);
  // The same rows, handed to fn(key, etag, bytes) without copies; the views
  // are valid during the call only.
  using RowFn = std::function<void(std::string_view, std::string_view, std::string_view)>;
  Status ScanRange(const std::string& first, const std::string& last, const RowFn& fn);
  // Inserts or replaces rows in one transaction. A row whose bytes do not
  // hash to its plain-MD5 ETag is not stored (its ETag is not its content's).
  Status Store(const std::vector<Row>& rows);
  Status Erase(const std::vector<std::string>& keys);

 private:
  DocCache() = default;
  Status Init(const std::string& path);
  Status Exec(const char* sql);
  Status Migrate();

  sqlite3* db_ = nullptr;
  sqlite3_stmt* lookup_ = nullptr;
  sqlite3_stmt* upsert_ = nullptr;
  sqlite3_stmt* erase_ = nullptr;
  sqlite3_stmt* range_ = nullptr;
};

// True when `etag` is a plain hex MD5 (single-part object), which the bytes
// can be checked against.
bool IsMd5Etag(const std::string& etag);
// Whether `bytes` may be those of an object with `etag`: their MD5 when the
// ETag is a plain MD5, anything for multipart ETags (not a content hash).
bool BytesMatchEtag(std::string_view bytes, const std::string& etag);

}  // namespace worm::query

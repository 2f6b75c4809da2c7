#include "query/doc_cache.h"

#include <openssl/evp.h>
#include <sqlite3.h>

#include <filesystem>
#include <memory>

#include "core/hash.h"

namespace worm::query {

namespace {

namespace fs = std::filesystem;

// Waiting for another process holding the write lock, in milliseconds.
constexpr int kBusyTimeoutMs = 5000;
// Reads through a memory map instead of one pread per page (syscalls dominate
// lookups otherwise); address space only, the OS shares the page cache.
constexpr const char* kPragmas =
    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA mmap_size=1073741824; "
    "PRAGMA cache_size=-16384;";

// The table's layout, kept in PRAGMA user_version. A file of another layout
// (1 had no crc column) is emptied: it is only a cache.
constexpr int kFormat = 2;
constexpr const char* kCreateTable =
    "DROP TABLE IF EXISTS docs; CREATE TABLE docs (key TEXT PRIMARY KEY, etag TEXT NOT NULL, "
    "crc INTEGER NOT NULL, bytes BLOB NOT NULL) WITHOUT ROWID; PRAGMA user_version = 2;";

Status SqliteError(sqlite3* db, const std::string& what) {
  return Status::Unavailable("query cache: " + what + ": " +
                             (db != nullptr ? sqlite3_errmsg(db) : "cannot open"));
}

}  // namespace

bool IsMd5Etag(const std::string& etag) {
  if (etag.size() != 32) return false;
  for (char c : etag) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Status DocCache::Exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err != nullptr ? err : "?";
    sqlite3_free(err);
    return Status::Unavailable(std::string("query cache: ") + msg);
  }
  return Status::OK();
}

Status DocCache::Init(const std::string& path) {
  // No SQLite mutexes: a DocCache is never used by two threads at once, and
  // they cost a lock per column read.
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    return SqliteError(db_, "open " + path);
  }
  sqlite3_busy_timeout(db_, kBusyTimeoutMs);
  RETURN_NOT_OK(Exec(kPragmas));
  RETURN_NOT_OK(Migrate());
  const char* kLookup = "SELECT crc, bytes FROM docs WHERE key = ?1 AND etag = ?2";
  const char* kUpsert =
      "INSERT OR REPLACE INTO docs (key, etag, crc, bytes) VALUES (?1, ?2, ?3, ?4)";
  const char* kErase = "DELETE FROM docs WHERE key = ?1";
  const char* kRange = "SELECT key, etag, crc, bytes FROM docs WHERE key >= ?1 AND key <= ?2";
  if (sqlite3_prepare_v2(db_, kLookup, -1, &lookup_, nullptr) != SQLITE_OK ||
      sqlite3_prepare_v2(db_, kRange, -1, &range_, nullptr) != SQLITE_OK ||
      sqlite3_prepare_v2(db_, kUpsert, -1, &upsert_, nullptr) != SQLITE_OK ||
      sqlite3_prepare_v2(db_, kErase, -1, &erase_, nullptr) != SQLITE_OK) {
    return SqliteError(db_, "prepare");
  }
  return Status::OK();
}

namespace {

int UserVersion(sqlite3* db) {
  sqlite3_stmt* st = nullptr;
  int version = -1;
  if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW) {
    version = sqlite3_column_int(st, 0);
  }
  sqlite3_finalize(st);
  return version;
}

}  // namespace

Status DocCache::Migrate() {
  if (UserVersion(db_) == kFormat) return Status::OK();
  RETURN_NOT_OK(Exec("BEGIN IMMEDIATE"));
  // Checked again under the write lock: another process may have done it.
  Status st = UserVersion(db_) == kFormat ? Status::OK() : Exec(kCreateTable);
  if (!st.ok()) {
    (void)Exec("ROLLBACK");
    return st;
  }
  return Exec("COMMIT");
}

Result<std::unique_ptr<DocCache>> DocCache::Open(const std::string& path) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  std::unique_ptr<DocCache> cache(new DocCache);
  Status st = cache->Init(path);
  if (st.ok()) return cache;
  // Unreadable or corrupt: it is only a cache. Start over once.
  cache.reset(new DocCache);
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path + suffix, ec);
  RETURN_NOT_OK(cache->Init(path));
  return cache;
}

DocCache::~DocCache() {
  sqlite3_finalize(lookup_);
  sqlite3_finalize(upsert_);
  sqlite3_finalize(erase_);
  sqlite3_finalize(range_);
  sqlite3_close(db_);
}

namespace {

// MD5 of `bytes` as lowercase hex equals `hex`. Once per stored document (a
// fresh digest fetch + context per call cost more than the hashing itself).
bool Md5HexEquals(std::string_view bytes, const std::string& hex) {
  static EVP_MD* const md5 = EVP_MD_fetch(nullptr, "MD5", nullptr);
  thread_local std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                                           &EVP_MD_CTX_free);
  if (md5 == nullptr || ctx == nullptr) return Md5Hex(bytes) == hex;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (EVP_DigestInit_ex(ctx.get(), md5, nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), bytes.data(), bytes.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), digest, &n) != 1 || n * 2 != hex.size()) {
    return Md5Hex(bytes) == hex;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned int i = 0; i < n; ++i) {
    if (hex[2 * i] != kHex[digest[i] >> 4] || hex[2 * i + 1] != kHex[digest[i] & 15]) return false;
  }
  return true;
}

// A column's bytes, valid until the statement steps again.
std::string_view ColumnView(sqlite3_stmt* st, int col) {
  const void* data = sqlite3_column_blob(st, col);
  int n = sqlite3_column_bytes(st, col);
  return n > 0 ? std::string_view(static_cast<const char*>(data), static_cast<size_t>(n))
               : std::string_view();
}

// The row's bytes (column `col`) still have the CRC stored with them (`col - 1`).
bool Intact(sqlite3_stmt* st, int col) {
  return static_cast<int64_t>(Crc32c(0, ColumnView(st, col))) == sqlite3_column_int64(st, col - 1);
}

}  // namespace

bool BytesMatchEtag(std::string_view bytes, const std::string& etag) {
  return !IsMd5Etag(etag) || Md5HexEquals(bytes, etag);
}

std::optional<std::string> DocCache::Lookup(const std::string& key, const std::string& etag) {
  sqlite3_reset(lookup_);
  sqlite3_bind_text(lookup_, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
  sqlite3_bind_text(lookup_, 2, etag.data(), static_cast<int>(etag.size()), SQLITE_STATIC);
  std::optional<std::string> out;
  if (sqlite3_step(lookup_) == SQLITE_ROW && Intact(lookup_, 1))
    out.emplace(ColumnView(lookup_, 1));
  sqlite3_reset(lookup_);
  return out;
}

Status DocCache::ScanRange(const std::string& first, const std::string& last,
                           std::vector<Row>* rows) {
  return ScanRange(first, last, [rows](std::string_view k, std::string_view e, std::string_view b) {
    rows->push_back({std::string(k), std::string(e), std::string(b)});
  });
}

Status DocCache::ScanRange(const std::string& first, const std::string& last, const RowFn& fn) {
  sqlite3_reset(range_);
  sqlite3_bind_text(range_, 1, first.data(), static_cast<int>(first.size()), SQLITE_STATIC);
  sqlite3_bind_text(range_, 2, last.data(), static_cast<int>(last.size()), SQLITE_STATIC);
  int rc;
  while ((rc = sqlite3_step(range_)) == SQLITE_ROW) {
    if (Intact(range_, 3)) fn(ColumnView(range_, 0), ColumnView(range_, 1), ColumnView(range_, 3));
  }
  sqlite3_reset(range_);
  return rc == SQLITE_DONE ? Status::OK() : SqliteError(db_, "read");
}

Status DocCache::Store(const std::vector<Row>& rows) {
  if (rows.empty()) return Status::OK();
  RETURN_NOT_OK(Exec("BEGIN IMMEDIATE"));
  for (const Row& r : rows) {
    if (!BytesMatchEtag(r.bytes, r.etag)) continue;
    sqlite3_reset(upsert_);
    sqlite3_bind_text(upsert_, 1, r.key.data(), static_cast<int>(r.key.size()), SQLITE_STATIC);
    sqlite3_bind_text(upsert_, 2, r.etag.data(), static_cast<int>(r.etag.size()), SQLITE_STATIC);
    sqlite3_bind_int64(upsert_, 3, static_cast<int64_t>(Crc32c(0, r.bytes)));
    sqlite3_bind_blob(upsert_, 4, r.bytes.data(), static_cast<int>(r.bytes.size()), SQLITE_STATIC);
    if (sqlite3_step(upsert_) != SQLITE_DONE) {
      Status st = SqliteError(db_, "write");
      sqlite3_reset(upsert_);
      (void)Exec("ROLLBACK");
      return st;
    }
  }
  sqlite3_reset(upsert_);
  return Exec("COMMIT");
}

Status DocCache::Erase(const std::vector<std::string>& keys) {
  if (keys.empty()) return Status::OK();
  RETURN_NOT_OK(Exec("BEGIN IMMEDIATE"));
  for (const std::string& k : keys) {
    sqlite3_reset(erase_);
    sqlite3_bind_text(erase_, 1, k.data(), static_cast<int>(k.size()), SQLITE_STATIC);
    (void)sqlite3_step(erase_);
  }
  sqlite3_reset(erase_);
  return Exec("COMMIT");
}

}  // namespace worm::query

// StateDb: the sync base, i.e. what each key looked like on both sides the
// last time it was in sync with a remote. Kept in `.worm/state.db` (SQLite,
// WAL journal, busy timeout), one row per (remote, key).
//
// Writes are batched: Record/Forget queue rows that are committed in one
// transaction every `batch_size` changes, on Flush(), and on destruction, so
// a killed process loses at most one batch of bookkeeping (never data: a
// lost row only makes the next run re-compare that key, and identical
// content on both sides is recognised as in sync without a transfer).
//
// Thread-safety: all methods are safe to call concurrently (one internal
// mutex). Several processes may open the same file; SQLite serialises them.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "worm/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace worm::sync {

// One key's synced state.
struct BaseEntry {
  uint64_t local_size = 0;
  int64_t local_mtime_ns = 0;
  std::string local_etag;  // hex MD5 of the local file's bytes
  std::string remote_etag;
  uint64_t remote_size = 0;
  int64_t synced_at_ms = 0;
};

using BaseMap = std::map<std::string, BaseEntry>;

class StateDb {
 public:
  // Opens (creating if needed) the database at `path`. Unavailable when the
  // file cannot be opened; DataLoss when it is not a state database.
  static Result<std::unique_ptr<StateDb>> Open(const std::string& path);
  ~StateDb();
  StateDb(const StateDb&) = delete;
  StateDb& operator=(const StateDb&) = delete;

  // Binds `remote` to `identity` (its URL and endpoint). When the stored
  // identity differs (the remote now points elsewhere), the remote's base is
  // dropped: every key will be compared afresh.
  Status BindRemote(const std::string& remote, const std::string& identity);

  // Every base row of `remote`, committed or queued.
  Result<BaseMap> Load(const std::string& remote);

  // Queue an upsert / removal of one key's base; committed in batches.
  Status Record(const std::string& remote, const std::string& key, const BaseEntry& entry);
  Status Forget(const std::string& remote, const std::string& key);

  // Uploads about to start (key -> local ETag being uploaded), committed at
  // once. An intent is cleared when the key's base is next recorded or
  // forgotten. Intents left by an interrupted push let the rerun tell its
  // own torn write (on a server without atomic PUTs) from a real conflict.
  Status AddIntents(const std::string& remote,
                    const std::vector<std::pair<std::string, std::string>>& intents);
  Result<std::map<std::string, std::string>> LoadIntents(const std::string& remote);
  // Queue the removal of one intent (an upload that was refused, e.g. the
  // remote changed under it: the remote copy is someone else's).
  Status ClearIntent(const std::string& remote, const std::string& key);

  // Commits queued changes now.
  Status Flush();

  // Drops every row of `remote` (remote removed).
  Status DropRemote(const std::string& remote);

  void set_batch_size(size_t n) { batch_size_ = n == 0 ? 1 : n; }

 private:
  explicit StateDb(sqlite3* db) : db_(db) {}
  Status Init();
  Status Exec(const char* sql);
  Status Prepare(const char* sql, sqlite3_stmt** stmt);
  Status FlushLocked();
  Status Error(const std::string& what) const;

  struct Pending {
    std::string remote, key;
    bool erase = false;
    bool intent_only = false;  // clear the intent, keep the base
    BaseEntry entry;
  };

  std::mutex mu_;
  sqlite3* db_;
  sqlite3_stmt* upsert_ = nullptr;
  sqlite3_stmt* erase_ = nullptr;
  sqlite3_stmt* select_ = nullptr;
  sqlite3_stmt* clear_intent_ = nullptr;
  std::vector<Pending> pending_;
  size_t batch_size_ = 512;  // rows per transaction: amortizes the WAL commit
  std::string path_;
};

}  // namespace worm::sync

#include "sync/state_db.h"

#include <sqlite3.h>

namespace worm::sync {

namespace {

// How long a writer waits for another process's transaction before failing.
constexpr int kBusyTimeoutMs = 10000;

constexpr const char* kSchemaSql = R"sql(
CREATE TABLE IF NOT EXISTS remotes (
  name TEXT PRIMARY KEY,
  identity TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS base (
  remote TEXT NOT NULL,
  key TEXT NOT NULL,
  local_size INTEGER NOT NULL,
  local_mtime_ns INTEGER NOT NULL,
  local_etag TEXT NOT NULL,
  remote_etag TEXT NOT NULL,
  remote_size INTEGER NOT NULL,
  synced_at INTEGER NOT NULL,
  PRIMARY KEY (remote, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS intents (
  remote TEXT NOT NULL,
  key TEXT NOT NULL,
  local_etag TEXT NOT NULL,
  PRIMARY KEY (remote, key)
) WITHOUT ROWID;
)sql";

// Resets a statement on scope exit so it can be reused.
struct StmtReset {
  sqlite3_stmt* s;
  ~StmtReset() {
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
  }
};

void BindText(sqlite3_stmt* s, int i, const std::string& v) {
  sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}

std::string ColumnText(sqlite3_stmt* s, int i) {
  const unsigned char* p = sqlite3_column_text(s, i);
  return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(s, i)) : "";
}

// An SQL string literal.
std::string Quote(const std::string& s) {
  char* q = sqlite3_mprintf("%Q", s.c_str());
  std::string out = q ? q : "''";
  sqlite3_free(q);
  return out;
}

}  // namespace

Result<std::unique_ptr<StateDb>> StateDb::Open(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return Status::Unavailable(path + ": cannot open sync state: " + msg);
  }
  std::unique_ptr<StateDb> state(new StateDb(db));
  state->path_ = path;
  RETURN_NOT_OK(state->Init());
  return state;
}

StateDb::~StateDb() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    (void)FlushLocked();
  }
  sqlite3_finalize(upsert_);
  sqlite3_finalize(erase_);
  sqlite3_finalize(select_);
  sqlite3_finalize(clear_intent_);
  sqlite3_close(db_);
}

Status StateDb::Error(const std::string& what) const {
  return Status::Unavailable(path_ + ": " + what + ": " + sqlite3_errmsg(db_) +
                             " (delete the file to rebuild the sync base)");
}

Status StateDb::Exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return Status::Unavailable(path_ + ": " + msg);
  }
  return Status::OK();
}

Status StateDb::Prepare(const char* sql, sqlite3_stmt** stmt) {
  if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, stmt, nullptr) != SQLITE_OK) {
    return Error("prepare");
  }
  return Status::OK();
}

Status StateDb::Init() {
  sqlite3_busy_timeout(db_, kBusyTimeoutMs);
  RETURN_NOT_OK(Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"));
  Status st = Exec(kSchemaSql);
  if (!st.ok()) return Status::DataLoss(st.message() + " (not a sync state database?)");
  RETURN_NOT_OK(
      Prepare("INSERT INTO base (remote, key, local_size, local_mtime_ns, local_etag, remote_etag, "
              "remote_size, synced_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
              "ON CONFLICT (remote, key) DO UPDATE SET local_size = ?3, local_mtime_ns = ?4, "
              "local_etag = ?5, remote_etag = ?6, remote_size = ?7, synced_at = ?8",
              &upsert_));
  RETURN_NOT_OK(Prepare("DELETE FROM base WHERE remote = ?1 AND key = ?2", &erase_));
  RETURN_NOT_OK(Prepare(
      "SELECT key, local_size, local_mtime_ns, local_etag, remote_etag, remote_size, synced_at "
      "FROM base WHERE remote = ?1",
      &select_));
  RETURN_NOT_OK(Prepare("DELETE FROM intents WHERE remote = ?1 AND key = ?2", &clear_intent_));
  return Status::OK();
}

Status StateDb::BindRemote(const std::string& remote, const std::string& identity) {
  std::lock_guard<std::mutex> lock(mu_);
  sqlite3_stmt* s = nullptr;
  RETURN_NOT_OK(Prepare("SELECT identity FROM remotes WHERE name = ?1", &s));
  BindText(s, 1, remote);
  int rc = sqlite3_step(s);
  std::string stored = rc == SQLITE_ROW ? ColumnText(s, 0) : "";
  bool found = rc == SQLITE_ROW;
  sqlite3_finalize(s);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return Error("read remote " + remote);
  if (found && stored == identity) return Status::OK();
  RETURN_NOT_OK(FlushLocked());
  RETURN_NOT_OK(Exec("BEGIN IMMEDIATE"));
  sqlite3_stmt* del = nullptr;
  sqlite3_stmt* ins = nullptr;
  Status st = Exec(("DELETE FROM intents WHERE remote = " + Quote(remote)).c_str());
  if (st.ok()) st = Prepare("DELETE FROM base WHERE remote = ?1", &del);
  if (st.ok())
    st = Prepare("INSERT OR REPLACE INTO remotes (name, identity) VALUES (?1, ?2)", &ins);
  if (st.ok()) {
    BindText(del, 1, remote);
    BindText(ins, 1, remote);
    BindText(ins, 2, identity);
    if (sqlite3_step(del) != SQLITE_DONE || sqlite3_step(ins) != SQLITE_DONE) {
      st = Error("bind remote " + remote);
    }
  }
  sqlite3_finalize(del);
  sqlite3_finalize(ins);
  if (!st.ok()) {
    (void)Exec("ROLLBACK");
    return st;
  }
  return Exec("COMMIT");
}

Result<BaseMap> StateDb::Load(const std::string& remote) {
  std::lock_guard<std::mutex> lock(mu_);
  RETURN_NOT_OK(FlushLocked());
  BaseMap out;
  StmtReset reset{select_};
  BindText(select_, 1, remote);
  int rc;
  while ((rc = sqlite3_step(select_)) == SQLITE_ROW) {
    BaseEntry e;
    e.local_size = static_cast<uint64_t>(sqlite3_column_int64(select_, 1));
    e.local_mtime_ns = sqlite3_column_int64(select_, 2);
    e.local_etag = ColumnText(select_, 3);
    e.remote_etag = ColumnText(select_, 4);
    e.remote_size = static_cast<uint64_t>(sqlite3_column_int64(select_, 5));
    e.synced_at_ms = sqlite3_column_int64(select_, 6);
    out.emplace_hint(out.end(), ColumnText(select_, 0), std::move(e));
  }
  if (rc != SQLITE_DONE) return Error("load base of remote " + remote);
  return out;
}

Status StateDb::Record(const std::string& remote, const std::string& key, const BaseEntry& entry) {
  std::lock_guard<std::mutex> lock(mu_);
  pending_.push_back(Pending{remote, key, false, false, entry});
  return pending_.size() >= batch_size_ ? FlushLocked() : Status::OK();
}

Status StateDb::Forget(const std::string& remote, const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  pending_.push_back(Pending{remote, key, true, false, {}});
  return pending_.size() >= batch_size_ ? FlushLocked() : Status::OK();
}

Status StateDb::AddIntents(const std::string& remote,
                           const std::vector<std::pair<std::string, std::string>>& intents) {
  if (intents.empty()) return Status::OK();
  std::lock_guard<std::mutex> lock(mu_);
  RETURN_NOT_OK(FlushLocked());
  sqlite3_stmt* s = nullptr;
  RETURN_NOT_OK(
      Prepare("INSERT OR REPLACE INTO intents (remote, key, local_etag) VALUES (?1, ?2, ?3)", &s));
  Status st = Exec("BEGIN IMMEDIATE");
  for (size_t i = 0; st.ok() && i < intents.size(); ++i) {
    StmtReset reset{s};
    BindText(s, 1, remote);
    BindText(s, 2, intents[i].first);
    BindText(s, 3, intents[i].second);
    if (sqlite3_step(s) != SQLITE_DONE) st = Error("record upload intent " + intents[i].first);
  }
  sqlite3_finalize(s);
  if (!st.ok()) {
    (void)Exec("ROLLBACK");
    return st;
  }
  return Exec("COMMIT");
}

Result<std::map<std::string, std::string>> StateDb::LoadIntents(const std::string& remote) {
  std::lock_guard<std::mutex> lock(mu_);
  RETURN_NOT_OK(FlushLocked());
  sqlite3_stmt* s = nullptr;
  RETURN_NOT_OK(Prepare("SELECT key, local_etag FROM intents WHERE remote = ?1", &s));
  BindText(s, 1, remote);
  std::map<std::string, std::string> out;
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) out[ColumnText(s, 0)] = ColumnText(s, 1);
  sqlite3_finalize(s);
  if (rc != SQLITE_DONE) return Error("load upload intents of remote " + remote);
  return out;
}

Status StateDb::ClearIntent(const std::string& remote, const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  pending_.push_back(Pending{remote, key, false, true, {}});
  return pending_.size() >= batch_size_ ? FlushLocked() : Status::OK();
}

Status StateDb::Flush() {
  std::lock_guard<std::mutex> lock(mu_);
  return FlushLocked();
}

Status StateDb::FlushLocked() {
  if (pending_.empty()) return Status::OK();
  RETURN_NOT_OK(Exec("BEGIN IMMEDIATE"));
  for (const Pending& p : pending_) {
    sqlite3_stmt* s = p.intent_only ? nullptr : p.erase ? erase_ : upsert_;
    StmtReset reset{s ? s : clear_intent_};
    if (s) {
      BindText(s, 1, p.remote);
      BindText(s, 2, p.key);
    }
    if (s == upsert_) {
      sqlite3_bind_int64(s, 3, static_cast<int64_t>(p.entry.local_size));
      sqlite3_bind_int64(s, 4, p.entry.local_mtime_ns);
      BindText(s, 5, p.entry.local_etag);
      BindText(s, 6, p.entry.remote_etag);
      sqlite3_bind_int64(s, 7, static_cast<int64_t>(p.entry.remote_size));
      sqlite3_bind_int64(s, 8, p.entry.synced_at_ms);
    }
    StmtReset reset_intent{clear_intent_};
    BindText(clear_intent_, 1, p.remote);
    BindText(clear_intent_, 2, p.key);
    if ((s && sqlite3_step(s) != SQLITE_DONE) || sqlite3_step(clear_intent_) != SQLITE_DONE) {
      Status st = Error("record " + p.key);
      (void)Exec("ROLLBACK");
      return st;
    }
  }
  RETURN_NOT_OK(Exec("COMMIT"));
  pending_.clear();
  return Status::OK();
}

Status StateDb::DropRemote(const std::string& remote) {
  std::lock_guard<std::mutex> lock(mu_);
  RETURN_NOT_OK(FlushLocked());
  sqlite3_stmt* a = nullptr;
  sqlite3_stmt* b = nullptr;
  Status st = Exec(("DELETE FROM intents WHERE remote = " + Quote(remote)).c_str());
  if (st.ok()) st = Prepare("DELETE FROM base WHERE remote = ?1", &a);
  if (st.ok()) st = Prepare("DELETE FROM remotes WHERE name = ?1", &b);
  if (st.ok()) {
    BindText(a, 1, remote);
    BindText(b, 1, remote);
    if (sqlite3_step(a) != SQLITE_DONE || sqlite3_step(b) != SQLITE_DONE) {
      st = Error("drop remote " + remote);
    }
  }
  sqlite3_finalize(a);
  sqlite3_finalize(b);
  return st;
}

}  // namespace worm::sync

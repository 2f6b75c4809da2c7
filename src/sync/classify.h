// Three-way classification of sync state: for every key, compare what the
// local side and the remote side list now against the base (their state at
// the last sync). Pure functions over listings; no I/O, thread-safe.
//
//   base  local      remote     -> state
//   -     present    -          -> local-added       (ahead)
//   -     -          present    -> remote-added      (behind)
//   -     X          X          -> in-sync (same content added on both sides)
//   -     X          Y          -> conflict add/add
//   B     same       same       -> unchanged
//   B     changed    same       -> local-modified    (ahead)
//   B     missing    same       -> local-deleted     (ahead)
//   B     same       changed    -> remote-modified   (behind)
//   B     same       missing    -> remote-deleted    (behind)
//   B     X          X          -> in-sync (both changed alike, incl. both deleted)
//   B     changed    changed'   -> conflict (modify/modify, modify/delete, delete/modify)
//
// "Same" compares ETags (hex MD5) and sizes against the base; a listing
// never needs object bodies.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sync/state_db.h"

namespace worm::sync {

enum class SyncState {
  kUnchanged,
  kInSync,  // both sides hold the same content but the base does not say so
  kLocalAdded,
  kLocalModified,
  kLocalDeleted,
  kRemoteAdded,
  kRemoteModified,
  kRemoteDeleted,
  kConflict,
};

// "unchanged", "in-sync", "local-added", ..., "conflict".
std::string_view SyncStateName(SyncState state);
bool IsAhead(SyncState s);
bool IsBehind(SyncState s);

// What a listing says about one object on one side.
struct SideMeta {
  uint64_t size = 0;
  std::string etag;
  int64_t mtime_ns = 0;  // local side only; 0 when unknown
};

using Listing = std::map<std::string, SideMeta>;

struct Entry {
  std::string key;
  SyncState state = SyncState::kUnchanged;
  std::string conflict;  // kConflict: "add/add", "modify/modify", "modify/delete", "delete/modify"
  // Set by SyncEngine::Scan: this was a conflict, but an interrupted push of
  // ours was writing exactly the local content here (see StateDb intents).
  bool resumed = false;
  std::optional<SideMeta> local, remote;
  std::optional<BaseEntry> base;
};

struct Classification {
  std::vector<Entry> entries;  // every key of the three sources, byte-sorted
  size_t ahead = 0, behind = 0, conflicts = 0, unchanged = 0, in_sync = 0;
};

Classification Classify(const Listing& local, const Listing& remote, const BaseMap& base);

// True when a listed remote ETag is a plain MD5 (not a multipart "md5-N").
bool IsPlainMd5(std::string_view etag);

}  // namespace worm::sync

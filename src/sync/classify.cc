#include "sync/classify.h"

namespace worm::sync {

std::string_view SyncStateName(SyncState state) {
  switch (state) {
    case SyncState::kUnchanged:
      return "unchanged";
    case SyncState::kInSync:
      return "in-sync";
    case SyncState::kLocalAdded:
      return "local-added";
    case SyncState::kLocalModified:
      return "local-modified";
    case SyncState::kLocalDeleted:
      return "local-deleted";
    case SyncState::kRemoteAdded:
      return "remote-added";
    case SyncState::kRemoteModified:
      return "remote-modified";
    case SyncState::kRemoteDeleted:
      return "remote-deleted";
    case SyncState::kConflict:
      return "conflict";
  }
  return "unknown";
}

bool IsAhead(SyncState s) {
  return s == SyncState::kLocalAdded || s == SyncState::kLocalModified ||
         s == SyncState::kLocalDeleted;
}

bool IsBehind(SyncState s) {
  return s == SyncState::kRemoteAdded || s == SyncState::kRemoteModified ||
         s == SyncState::kRemoteDeleted;
}

bool IsPlainMd5(std::string_view etag) {
  if (etag.size() != 32) return false;
  for (char c : etag) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

namespace {

// Both sides hold the same bytes: equal ETags and sizes.
bool SameContent(const SideMeta& l, const SideMeta& r) {
  return l.size == r.size && !l.etag.empty() && l.etag == r.etag;
}

bool LocalUnchanged(const SideMeta& l, const BaseEntry& b) {
  return l.size == b.local_size && l.etag == b.local_etag;
}

bool RemoteUnchanged(const SideMeta& r, const BaseEntry& b) {
  return r.size == b.remote_size && r.etag == b.remote_etag;
}

void ClassifyWithoutBase(Entry& e) {
  if (e.local && e.remote) {
    if (SameContent(*e.local, *e.remote)) {
      e.state = SyncState::kInSync;
    } else {
      e.state = SyncState::kConflict;
      e.conflict = "add/add";
    }
  } else {
    e.state = e.local ? SyncState::kLocalAdded : SyncState::kRemoteAdded;
  }
}

void ClassifyWithBase(Entry& e) {
  const BaseEntry& b = *e.base;
  bool l_same = e.local && LocalUnchanged(*e.local, b);
  bool r_same = e.remote && RemoteUnchanged(*e.remote, b);
  if (l_same && r_same) {
    e.state = SyncState::kUnchanged;
  } else if (r_same) {
    e.state = e.local ? SyncState::kLocalModified : SyncState::kLocalDeleted;
  } else if (l_same) {
    e.state = e.remote ? SyncState::kRemoteModified : SyncState::kRemoteDeleted;
  } else if (!e.local && !e.remote) {
    e.state = SyncState::kInSync;  // deleted on both sides
  } else if (e.local && e.remote && SameContent(*e.local, *e.remote)) {
    e.state = SyncState::kInSync;  // changed alike on both sides
  } else {
    e.state = SyncState::kConflict;
    e.conflict = !e.local ? "delete/modify" : !e.remote ? "modify/delete" : "modify/modify";
  }
}

}  // namespace

Classification Classify(const Listing& local, const Listing& remote, const BaseMap& base) {
  Classification out;
  auto li = local.begin();
  auto ri = remote.begin();
  auto bi = base.begin();
  while (li != local.end() || ri != remote.end() || bi != base.end()) {
    // The smallest key among the three cursors.
    const std::string* k = nullptr;
    if (li != local.end()) k = &li->first;
    if (ri != remote.end() && (!k || ri->first < *k)) k = &ri->first;
    if (bi != base.end() && (!k || bi->first < *k)) k = &bi->first;
    Entry e;
    e.key = *k;
    if (li != local.end() && li->first == e.key) e.local = (li++)->second;
    if (ri != remote.end() && ri->first == e.key) e.remote = (ri++)->second;
    if (bi != base.end() && bi->first == e.key) e.base = (bi++)->second;
    if (e.base) {
      ClassifyWithBase(e);
    } else {
      ClassifyWithoutBase(e);
    }
    if (IsAhead(e.state)) ++out.ahead;
    if (IsBehind(e.state)) ++out.behind;
    if (e.state == SyncState::kConflict) ++out.conflicts;
    if (e.state == SyncState::kUnchanged) ++out.unchanged;
    if (e.state == SyncState::kInSync) ++out.in_sync;
    out.entries.push_back(std::move(e));
  }
  return out;
}

}  // namespace worm::sync

// Snapshots: full copies of an entity's document at
// "<snapshots folder>/<name>.json", where <name> is the oplog seq ("0003")
// when the model keeps an oplog, else a compact UTC timestamp
// ("20260224T101112.345Z", "-2", "-3", ... appended on a clash).
#include <algorithm>
#include <cstdio>

#include "engine/engine_internal.h"
#include "schema/ids.h"

namespace worm::engine {
namespace {

std::string CompactTimestamp(int64_t millis) {
  std::string s = FormatTimestamp(millis);
  s.erase(std::remove_if(s.begin(), s.end(), [](char c) { return c == '-' || c == ':'; }), s.end());
  return s;
}

std::string Folder(const schema::SystemFolders& f) {
  std::string folder = f.snapshots;
  if (!folder.empty() && folder.back() != '/') folder += '/';
  return folder;
}

}  // namespace

Result<SnapshotInfo> ModelStore::Snapshot(const EntityIds& ids) {
  ASSIGN_OR_RETURN(std::string key, KeyOf(ids));
  ASSIGN_OR_RETURN(schema::SystemFolders folders, FoldersOf(ids));
  ASSIGN_OR_RETURN(std::optional<Stored> cur, Read(key));
  std::string base;
  if (model_->oplog) {
    ASSIGN_OR_RETURN(OplogHead head, ReadOplogHead(ids));
    if (!HeadAgrees(head, cur)) {
      RETURN_NOT_OK(RollForward(ids, head, cur, nullptr));
      ASSIGN_OR_RETURN(cur, Read(key));
    }
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%04lld", static_cast<long long>(head.seq));
    base = buf;
  } else {
    base = CompactTimestamp(project_->clock()->NowMillis());
  }
  if (!cur) return Status::NotFound(Describe(ids) + ": not found");
  for (int n = 1; n < 100; ++n) {
    std::string name = n == 1 ? base : base + "-" + std::to_string(n);
    std::string snap_key = Folder(folders) + name + ".json";
    auto put = transport()->Put(snap_key, cur->bytes, WriteOptions::Create());
    SnapshotInfo info{name, snap_key, cur->bytes.size()};
    if (put.ok()) return info;
    if (!put.status().IsAlreadyExists()) return put.status().WithContext(Describe(ids));
    if (model_->oplog) return info;  // the same seq: the same document
  }
  return Status::Aborted(Describe(ids) + ": too many snapshots with the same timestamp");
}

Result<std::vector<SnapshotInfo>> ModelStore::ListSnapshots(const EntityIds& ids) {
  ASSIGN_OR_RETURN(schema::SystemFolders folders, FoldersOf(ids));
  std::string folder = Folder(folders);
  ASSIGN_OR_RETURN(std::vector<ObjectMeta> metas, transport()->ListAll(folder));
  std::vector<SnapshotInfo> out;
  for (const ObjectMeta& m : metas) {
    std::string name = m.key.substr(folder.size());
    if (name.find('/') != std::string::npos || name.size() <= 5) continue;
    if (name.substr(name.size() - 5) != ".json") continue;
    out.push_back({name.substr(0, name.size() - 5), m.key, m.size});
  }
  return out;
}

Result<Json> ModelStore::ReadSnapshot(const EntityIds& ids, const std::string& name) {
  RETURN_NOT_OK(schema::ValidateIdSegment(name, "snapshot name"));
  ASSIGN_OR_RETURN(schema::SystemFolders folders, FoldersOf(ids));
  std::string key = Folder(folders) + name + ".json";
  ASSIGN_OR_RETURN(std::optional<Stored> got, Read(key));
  if (!got) {
    return Status::NotFound(Describe(ids) + ": no snapshot '" + name +
                            "' (list them with `worm snapshot " + model_->name + " <id> --list`)");
  }
  return std::move(got->doc);
}

}  // namespace worm::engine

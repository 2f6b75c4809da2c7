// Remotes in `.worm/config.json` (docs/bucket-layout.md, "The local project"):
//   {"remotes": {"origin": {"url": "s3://bucket/prefix", "endpoint": "...",
//                           "region": "us-east-1", "pathStyle": true,
//                           "profile": "default"}}, ...}
// Editing keeps every other key of the file. Credentials never live here.
// Besides s3:// URLs, a remote may be "file:///abs/folder": a plain local
// folder (another disk, a mounted share), synced through the local transport.
//
// Thread-safety: pure functions over JSON values, plus file reads/writes that
// the caller serializes.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/json_util.h"
#include "worm/result.h"

namespace worm::sync {

struct RemoteConfig {
  std::string name;
  std::string url;       // s3://bucket[/prefix] or file:///abs/path
  std::string endpoint;  // empty: AWS
  std::string region;    // empty: the transport's default
  std::optional<bool> path_style;
  std::string profile;

  bool is_file() const { return url.rfind("file://", 0) == 0; }
  // file:// remotes: the folder.
  std::string file_path() const { return url.substr(7); }
  // What the sync base is bound to: a changed URL or endpoint starts afresh.
  std::string identity() const { return url + "|" + endpoint; }
  Json ToJson() const;
};

// InvalidArgument naming the problem unless `url` is s3://bucket[/prefix]
// with a valid bucket name, or file:///absolute/path.
Status ValidateRemoteUrl(const std::string& url);
// Letters, digits, '.', '_', '-'; 1..64 chars.
Status ValidateRemoteName(const std::string& name);

// The config file's JSON; a missing file reads as {"remotes": {}}.
// InvalidArgument (naming the file) for invalid JSON or a non-object.
Result<Json> LoadConfig(const std::string& path);
// Writes atomically (temp + fsync + rename), pretty-printed.
Status SaveConfig(const std::string& path, const Json& config);

Result<std::vector<RemoteConfig>> ListRemotes(const Json& config);
// `name`, or when empty the default: "origin", else the only remote.
// NotFound / InvalidArgument with what to do otherwise.
Result<RemoteConfig> SelectRemote(const Json& config, const std::string& name);
// AlreadyExists for a duplicate name; InvalidArgument for a bad name or URL.
Status AddRemote(Json* config, const RemoteConfig& remote);
// NotFound when there is no such remote.
Status RemoveRemote(Json* config, const std::string& name);

}  // namespace worm::sync

#include "sync/remote_config.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace worm::sync {

namespace {

// S3 bucket naming rules: 3..63 of [a-z0-9.-], starting and ending with a
// letter or digit.
bool ValidBucket(std::string_view b) {
  if (b.size() < 3 || b.size() > 63) return false;
  for (char c : b) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-')) return false;
  }
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  return alnum(b.front()) && alnum(b.back());
}

Result<RemoteConfig> ParseRemote(const std::string& name, const Json& j) {
  if (!j.is_object()) return Status::InvalidArgument("remotes." + name + ": must be an object");
  RemoteConfig r;
  r.name = name;
  auto str = [&](const char* key, std::string* out) -> Status {
    if (!j.contains(key)) return Status::OK();
    if (!j[key].is_string()) {
      return Status::InvalidArgument("remotes." + name + "." + key + ": must be a string");
    }
    *out = j[key].get<std::string>();
    return Status::OK();
  };
  RETURN_NOT_OK(str("url", &r.url));
  RETURN_NOT_OK(str("endpoint", &r.endpoint));
  RETURN_NOT_OK(str("region", &r.region));
  RETURN_NOT_OK(str("profile", &r.profile));
  if (j.contains("pathStyle")) {
    if (!j["pathStyle"].is_boolean()) {
      return Status::InvalidArgument("remotes." + name + ".pathStyle: must be true or false");
    }
    r.path_style = j["pathStyle"].get<bool>();
  }
  Status st = ValidateRemoteUrl(r.url);
  if (!st.ok()) return st.WithContext("remotes." + name + ".url");
  return r;
}

}  // namespace

Json RemoteConfig::ToJson() const {
  Json j = {{"url", url}};
  if (!endpoint.empty()) j["endpoint"] = endpoint;
  if (!region.empty()) j["region"] = region;
  if (path_style) j["pathStyle"] = *path_style;
  if (!profile.empty()) j["profile"] = profile;
  return j;
}

Status ValidateRemoteUrl(const std::string& url) {
  if (url.rfind("file://", 0) == 0) {
    if (url.size() < 8 || url[7] != '/') {
      return Status::InvalidArgument("'" + url + "': a file remote needs an absolute path, " +
                                     "e.g. file:///mnt/backup/data");
    }
    return Status::OK();
  }
  if (url.rfind("s3://", 0) != 0) {
    return Status::InvalidArgument("'" + url +
                                   "': expected s3://bucket[/prefix] (or file:///abs/path)");
  }
  std::string rest = url.substr(5);
  std::string bucket = rest.substr(0, rest.find('/'));
  if (!ValidBucket(bucket)) {
    return Status::InvalidArgument("'" + url + "': '" + bucket +
                                   "' is not a valid bucket name (3-63 of a-z, 0-9, '.', '-')");
  }
  if (rest.find("//") != std::string::npos || rest.find("/../") != std::string::npos) {
    return Status::InvalidArgument("'" + url + "': the prefix has an empty or '..' segment");
  }
  return Status::OK();
}

Status ValidateRemoteName(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 64 && name[0] != '-' && name[0] != '.';
  for (char c : name) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '.' || c == '_' || c == '-');
  }
  if (!ok) {
    return Status::InvalidArgument("remote name '" + name +
                                   "': use 1-64 letters, digits, '.', '_' or '-'");
  }
  return Status::OK();
}

Result<Json> LoadConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Json{{"remotes", Json::object()}};
  std::stringstream ss;
  ss << in.rdbuf();
  ASSIGN_OR_RETURN(Json j, ParseJson(ss.str(), path));
  if (!j.is_object()) return Status::InvalidArgument(path + ": must hold a JSON object");
  if (j.contains("remotes") && !j["remotes"].is_object()) {
    return Status::InvalidArgument(path + ": \"remotes\" must be an object");
  }
  return j;
}

Status SaveConfig(const std::string& path, const Json& config) {
  std::string text = config.dump(2) + "\n";
  std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::PermissionDenied(tmp + ": cannot create");
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return Status::Internal(path + ": cannot write the config file");
  }
  return Status::OK();
}

Result<std::vector<RemoteConfig>> ListRemotes(const Json& config) {
  std::vector<RemoteConfig> out;
  if (!config.contains("remotes")) return out;
  for (auto it = config["remotes"].begin(); it != config["remotes"].end(); ++it) {
    ASSIGN_OR_RETURN(RemoteConfig r, ParseRemote(it.key(), it.value()));
    out.push_back(std::move(r));
  }
  return out;
}

Result<RemoteConfig> SelectRemote(const Json& config, const std::string& name) {
  ASSIGN_OR_RETURN(std::vector<RemoteConfig> all, ListRemotes(config));
  if (all.empty()) {
    return Status::NotFound(
        "no remote configured: add one with `worm remote add origin s3://bucket/prefix "
        "[--endpoint URL]`");
  }
  std::string want = name;
  if (want.empty()) {
    if (all.size() == 1) return all[0];
    want = "origin";
  }
  std::string known;
  for (const RemoteConfig& r : all) {
    if (r.name == want) return r;
    known += (known.empty() ? "" : ", ") + r.name;
  }
  if (name.empty()) {
    return Status::InvalidArgument("several remotes (" + known +
                                   ") and none named origin: pick one with --remote NAME");
  }
  return Status::NotFound("remote '" + want + "' is not configured (remotes: " + known +
                          "); see `worm remote list`");
}

Status AddRemote(Json* config, const RemoteConfig& remote) {
  RETURN_NOT_OK(ValidateRemoteName(remote.name));
  RETURN_NOT_OK(ValidateRemoteUrl(remote.url));
  if (!remote.endpoint.empty() && remote.endpoint.rfind("http://", 0) != 0 &&
      remote.endpoint.rfind("https://", 0) != 0) {
    return Status::InvalidArgument("--endpoint '" + remote.endpoint +
                                   "': expected http(s)://host[:port]");
  }
  if (!config->contains("remotes")) (*config)["remotes"] = Json::object();
  if ((*config)["remotes"].contains(remote.name)) {
    return Status::AlreadyExists("remote '" + remote.name + "' already exists (" +
                                 (*config)["remotes"][remote.name].value("url", "") +
                                 "); remove it first with `worm remote remove " + remote.name +
                                 "`");
  }
  (*config)["remotes"][remote.name] = remote.ToJson();
  return Status::OK();
}

Status RemoveRemote(Json* config, const std::string& name) {
  if (!config->contains("remotes") || !(*config)["remotes"].contains(name)) {
    return Status::NotFound("remote '" + name + "' is not configured; see `worm remote list`");
  }
  (*config)["remotes"].erase(name);
  return Status::OK();
}

}  // namespace worm::sync

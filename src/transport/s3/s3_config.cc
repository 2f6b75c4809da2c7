#include "transport/s3/s3_config.h"

#include <fstream>
#include <sstream>

namespace worm {
namespace {

Status Bad(std::string_view name, std::string_view field, std::string_view why) {
  return Status::InvalidArgument("config.json: remotes." + std::string(name) + "." +
                                 std::string(field) + ": " + std::string(why));
}

Status GetString(const Json& remote, std::string_view name, const char* field, std::string* out) {
  auto it = remote.find(field);
  if (it == remote.end() || it->is_null()) return Status::OK();
  if (!it->is_string()) return Bad(name, field, "must be a string");
  *out = it->get<std::string>();
  return Status::OK();
}

}  // namespace

Result<S3Options> S3OptionsFromConfig(const Json& config, std::string_view name) {
  const Json* remotes = nullptr;
  if (config.is_object()) {
    auto it = config.find("remotes");
    if (it != config.end() && it->is_object()) remotes = &*it;
  }
  std::string key(name);
  if (remotes == nullptr || !remotes->contains(key)) {
    std::string known;
    if (remotes) {
      for (const auto& [k, v] : remotes->items()) known += (known.empty() ? "" : ", ") + k;
    }
    return Status::NotFound("config.json: no remote named '" + key + "' (known: " +
                            (known.empty() ? "none" : known) + "); add one with `worm remote add`");
  }
  const Json& remote = (*remotes)[key];
  if (!remote.is_object()) return Bad(name, "", "must be an object");
  for (const char* secret : {"accessKeyId", "secretAccessKey", "sessionToken", "secretKey",
                             "accessKey", "aws_access_key_id", "aws_secret_access_key"}) {
    if (remote.contains(secret)) {
      return Bad(name, secret,
                 "credentials never live in config.json; use AWS_ACCESS_KEY_ID / "
                 "AWS_SECRET_ACCESS_KEY, AWS_PROFILE or ~/.aws/credentials");
    }
  }
  S3Options o;
  std::string url;
  RETURN_NOT_OK(GetString(remote, name, "url", &url));
  if (url.empty()) return Bad(name, "url", "required (s3://bucket[/prefix])");
  RETURN_NOT_OK(ParseS3Url(url, &o).WithContext("config.json: remotes." + key + ".url"));
  RETURN_NOT_OK(GetString(remote, name, "endpoint", &o.endpoint));
  RETURN_NOT_OK(GetString(remote, name, "region", &o.region));
  RETURN_NOT_OK(GetString(remote, name, "profile", &o.profile));
  if (o.region.empty()) o.region = "us-east-1";
  if (auto it = remote.find("pathStyle"); it != remote.end() && !it->is_null()) {
    if (!it->is_boolean()) return Bad(name, "pathStyle", "must be true or false");
    o.path_style = it->get<bool>();
  }
  return o;
}

Result<S3Options> LoadRemoteOptions(const std::string& path, std::string_view name) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path + ": cannot read the project config");
  std::stringstream ss;
  ss << in.rdbuf();
  ASSIGN_OR_RETURN(Json config, ParseJson(ss.str(), path));
  return S3OptionsFromConfig(config, name);
}

}  // namespace worm

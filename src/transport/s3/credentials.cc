#include "transport/s3/credentials.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/strings.h"

namespace worm::s3 {
namespace {

// Blanks around INI lines, names and values (a CRLF file leaves the \r).
constexpr std::string_view kIniSpace = " \t\r";

std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string HomePath(const EnvLookup& env, const std::string& var, const std::string& leaf) {
  if (auto v = env(var); v && !v->empty()) return *v;
  auto home = env("HOME");
  return (home ? *home : std::string(".")) + "/.aws/" + leaf;
}

// Fills `out` from `section` when it holds a key id. False when absent.
Result<bool> FromSection(const std::map<std::string, std::string>& section,
                         const std::string& where, ResolvedCredentials* out) {
  auto id = section.find("aws_access_key_id");
  if (id == section.end()) return false;
  auto secret = section.find("aws_secret_access_key");
  if (secret == section.end()) {
    return Status::InvalidArgument(where + ": aws_access_key_id without aws_secret_access_key");
  }
  out->credentials.access_key_id = id->second;
  out->credentials.secret_access_key = secret->second;
  if (auto tok = section.find("aws_session_token"); tok != section.end()) {
    out->credentials.session_token = tok->second;
  }
  out->source = where;
  return true;
}

}  // namespace

EnvLookup ProcessEnv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

IniFile ParseIni(std::string_view text) {
  IniFile out;
  std::string section;
  std::istringstream in{std::string(text)};
  std::string raw;
  while (std::getline(in, raw)) {
    std::string line(Trim(raw, kIniSpace));
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      section = Trim(std::string_view(line).substr(1, line.size() - 2), kIniSpace);
      out[section];
      continue;
    }
    size_t eq = line.find('=');
    if (eq == std::string::npos || section.empty()) continue;
    out[section][std::string(Trim(std::string_view(line).substr(0, eq), kIniSpace))] =
        Trim(std::string_view(line).substr(eq + 1), kIniSpace);
  }
  return out;
}

Result<ResolvedCredentials> ResolveCredentials(const std::string& profile, const EnvLookup& env) {
  ResolvedCredentials out;
  auto id = env("AWS_ACCESS_KEY_ID");
  auto secret = env("AWS_SECRET_ACCESS_KEY");
  if (id && !id->empty() && secret && !secret->empty()) {
    out.credentials = {*id, *secret, env("AWS_SESSION_TOKEN").value_or("")};
    out.source = "environment";
    return out;
  }
  std::string name = env("AWS_PROFILE").value_or("");
  if (name.empty()) name = profile.empty() ? "default" : profile;

  std::string cred_path = HomePath(env, "AWS_SHARED_CREDENTIALS_FILE", "credentials");
  std::string config_path = HomePath(env, "AWS_CONFIG_FILE", "config");
  IniFile config = ParseIni(ReadFile(config_path).value_or(""));
  std::string config_section = name == "default" ? "default" : "profile " + name;
  if (auto it = config.find(config_section); it != config.end()) {
    if (auto r = it->second.find("region"); r != it->second.end()) out.region = r->second;
  }
  IniFile creds = ParseIni(ReadFile(cred_path).value_or(""));
  if (auto it = creds.find(name); it != creds.end()) {
    ASSIGN_OR_RETURN(bool found,
                     FromSection(it->second, "profile " + name + " (" + cred_path + ")", &out));
    if (found) return out;
  }
  if (auto it = config.find(config_section); it != config.end()) {
    ASSIGN_OR_RETURN(bool found,
                     FromSection(it->second, "profile " + name + " (" + config_path + ")", &out));
    if (found) return out;
  }
  return Status::Unauthenticated(
      "S3 credentials: none found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or add "
      "profile '" +
      name + "' to " + cred_path + " or " + config_path);
}

}  // namespace worm::s3

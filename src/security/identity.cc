// .worm/identities.json: load, validate, save (temp file + rename).
#include "security/identity.h"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/json_util.h"

namespace worm::security {

namespace fs = std::filesystem;

namespace {

constexpr const char* kFile = ".worm/identities.json";
constexpr std::uintmax_t kMaxBytes = 4u << 20;

Status Bad(const std::string& where, const std::string& why) {
  return Status::InvalidArgument(std::string(kFile) + ": " + where + ": " + why);
}

bool SafeId(std::string_view s) {
  if (s.empty() || s.size() > 128 || s[0] == '.' || s[0] == '-') return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == '@';
    if (!ok) return false;
  }
  return true;
}

Result<std::vector<std::string>> Strings(const Json& j, const std::string& where) {
  if (!j.is_array()) return Bad(where, "expected an array of strings");
  std::vector<std::string> out;
  for (size_t i = 0; i < j.size(); ++i) {
    if (!j[i].is_string() || j[i].get_ref<const std::string&>().empty()) {
      return Bad(where + "[" + std::to_string(i) + "]", "expected a non-empty string");
    }
    out.push_back(j[i].get<std::string>());
  }
  return out;
}

Result<Json> ReadDoc(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return Json(nullptr);
  auto size = fs::file_size(path, ec);
  if (!ec && size > kMaxBytes) return Status::InvalidArgument(std::string(kFile) + ": too large");
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  if (!in) return Status::PermissionDenied(std::string(kFile) + ": cannot read the file");
  return ParseJson(ss.str(), kFile);
}

}  // namespace

Result<Principal> Identities::PrincipalFor(const std::string& id) const {
  auto it = by_id.find(id);
  if (it == by_id.end()) {
    std::string known;
    for (const auto& [k, v] : by_id) known += (known.empty() ? "" : ", ") + k;
    return Status::NotFound("identity '" + id + "' is not in " + kFile +
                            (known.empty() ? std::string(" (it has none; add one with `worm "
                                                         "identity add`)")
                                           : " (known: " + known + ")"));
  }
  Principal p;
  p.id = it->second.id;
  p.roles = it->second.roles;
  return p;
}

const Identity* Identities::ByAccessKey(const std::string& access_key) const {
  for (const auto& [id, ident] : by_id) {
    for (const std::string& k : ident.access_keys) {
      if (k == access_key) return &ident;
    }
  }
  return nullptr;
}

namespace {

Result<Identities> ParseIdentities(const Json& doc) {
  Identities out;
  if (doc.is_null()) return out;
  if (!doc.is_object()) return Bad("(root)", "expected an object {\"identities\": {...}}");
  auto ids = doc.find("identities");
  if (ids == doc.end()) return out;
  if (!ids->is_object()) return Bad("identities", "expected an object of id -> identity");
  for (auto it = ids->begin(); it != ids->end(); ++it) {
    std::string where = "identities." + it.key();
    if (!SafeId(it.key())) {
      return Bad(
          where,
          "an id is 1-128 letters, digits, '-', '_', '.', '@' (not starting with '.' or '-')");
    }
    if (!it->is_object()) return Bad(where, "expected an object {\"roles\": [...]}");
    Identity ident;
    ident.id = it.key();
    for (auto m = it->begin(); m != it->end(); ++m) {
      if (m.key() == "roles") {
        ASSIGN_OR_RETURN(ident.roles, Strings(*m, where + ".roles"));
      } else if (m.key() == "accessKeys") {
        ASSIGN_OR_RETURN(ident.access_keys, Strings(*m, where + ".accessKeys"));
      } else if (m.key() != "description") {
        return Bad(where + "." + m.key(), "unknown member (known: roles, accessKeys, description)");
      }
    }
    out.by_id[ident.id] = std::move(ident);
  }
  for (const auto& [id, ident] : out.by_id) {
    for (const std::string& k : ident.access_keys) {
      const Identity* owner = out.ByAccessKey(k);
      if (owner != &ident) {
        return Bad("identities." + id + ".accessKeys",
                   "access key " + k + " also belongs to '" + owner->id + "'");
      }
    }
  }
  return out;
}

}  // namespace

Result<Identities> LoadIdentities(const std::string& project_root) {
  ASSIGN_OR_RETURN(Json doc, ReadDoc(fs::path(project_root) / kFile));
  return ParseIdentities(doc);
}

Status SaveIdentities(const std::string& project_root, const Identities& identities) {
  fs::path path = fs::path(project_root) / kFile;
  // Members besides "identities" (e.g. "awsPrincipals") are kept as they are.
  Result<Json> old = ReadDoc(path);
  Json doc = old.ok() && old->is_object() ? *old : Json::object();
  Json ids = Json::object();
  for (const auto& [id, ident] : identities.by_id) {
    if (!SafeId(id)) return Status::InvalidArgument("identity id '" + id + "' is not valid");
    Json j = {{"roles", ident.roles}};
    if (!ident.access_keys.empty()) j["accessKeys"] = ident.access_keys;
    ids[id] = std::move(j);
  }
  doc["identities"] = std::move(ids);
  std::string text = doc.dump(2) + "\n";
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  fs::path tmp = path;
  tmp += ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::PermissionDenied(std::string(kFile) + ": cannot write");
  size_t off = 0;
  while (off < text.size()) {
    ssize_t n = ::write(fd, text.data() + off, text.size() - off);
    if (n <= 0) {
      ::close(fd);
      ::unlink(tmp.c_str());
      return Status::Unavailable(std::string(kFile) + ": write failed");
    }
    off += static_cast<size_t>(n);
  }
  bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return Status::Unavailable(std::string(kFile) + ": cannot replace the file");
  }
  return Status::OK();
}

std::string IdentitySecretName(const std::string& id, const std::string& access_key) {
  return "identity/" + id + "/" + access_key;
}

}  // namespace worm::security

// OpenKeychain's dispatch, the memory and env backends, and the helpers the
// backends share (keychain_internal.h). The file backend is keychain_file.cc,
// the Secret Service one keychain_secret_service.cc.
#include "security/keychain.h"

#include <sodium.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <mutex>

#include "core/layout.h"
#include "security/keychain_internal.h"

extern char** environ;

namespace worm::security {

namespace internal {

namespace {

std::string Escaped(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s.substr(0, 64)) {
    if (c >= 0x21 && c <= 0x7e && c != '\\') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  if (s.size() > 64) out += "...";
  return out;
}

}  // namespace

Status ValidateSecretName(std::string_view name) {
  if (name.empty()) return Status::InvalidArgument("keychain: empty secret name");
  if (name.size() > 255) {
    return Status::InvalidArgument("keychain: secret name longer than 255 bytes: " + Escaped(name));
  }
  for (unsigned char c : name) {
    if (c < 0x21 || c > 0x7e) {
      return Status::InvalidArgument(
          "keychain: secret name must be printable ASCII without spaces: " + Escaped(name));
    }
  }
  return Status::OK();
}

Status ValidateSecretValue(std::string_view secret) {
  if (secret.size() > kMaxSecretSize) {
    return Status::InvalidArgument("keychain: secret larger than 1 MiB");
  }
  return Status::OK();
}

void WipeString(std::string& s) {
  if (!s.empty()) sodium_memzero(s.data(), s.size());
  s.clear();
}

SecretMap::~SecretMap() { Clear(); }

const std::string* SecretMap::Find(std::string_view name) const {
  auto it = m_.find(name);
  return it == m_.end() ? nullptr : &it->second;
}

void SecretMap::Set(std::string_view name, std::string_view secret) {
  auto it = m_.find(name);
  if (it == m_.end()) it = m_.emplace(std::string(name), std::string()).first;
  // Assigning into the old buffer would leave its tail behind if it shrinks.
  WipeString(it->second);
  it->second.assign(secret.data(), secret.size());
}

bool SecretMap::Erase(std::string_view name) {
  auto it = m_.find(name);
  if (it == m_.end()) return false;
  WipeString(it->second);
  m_.erase(it);
  return true;
}

void SecretMap::Clear() {
  for (auto& [name, secret] : m_) WipeString(secret);
  m_.clear();
}

std::string EnvVariableFor(std::string_view name) {
  std::string var = "WORM_SECRET_";
  for (unsigned char c : name) {
    if (c >= 'a' && c <= 'z') {
      var += static_cast<char>(c - 'a' + 'A');
    } else if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
      var += static_cast<char>(c);
    } else {
      var += '_';
    }
  }
  return var;
}

namespace {

// In-process secrets, for embedding and tests.
class MemoryKeychain final : public Keychain {
 public:
  std::string Describe() const override { return "memory"; }

  Result<std::string> Get(std::string_view name) override {
    RETURN_NOT_OK(ValidateSecretName(name));
    std::lock_guard<std::mutex> lock(mu_);
    const std::string* s = map_.Find(name);
    if (s == nullptr) return Status::NotFound("keychain memory: no secret " + std::string(name));
    return *s;
  }

  Status Put(std::string_view name, std::string_view secret) override {
    RETURN_NOT_OK(ValidateSecretName(name));
    RETURN_NOT_OK(ValidateSecretValue(secret));
    std::lock_guard<std::mutex> lock(mu_);
    map_.Set(name, secret);
    return Status::OK();
  }

  Status Remove(std::string_view name) override {
    RETURN_NOT_OK(ValidateSecretName(name));
    std::lock_guard<std::mutex> lock(mu_);
    if (!map_.Erase(name)) {
      return Status::NotFound("keychain memory: no secret " + std::string(name));
    }
    return Status::OK();
  }

  Result<std::vector<std::string>> List(std::string_view prefix) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> names;
    for (auto it = map_.entries().lower_bound(prefix);
         it != map_.entries().end() && it->first.starts_with(prefix); ++it) {
      names.push_back(it->first);
    }
    return names;
  }

 private:
  std::mutex mu_;
  SecretMap map_;
};

// WORM_SECRET_<NAME> variables; read-only. The environment is read on every
// call (a process may set variables after opening the keychain).
class EnvKeychain final : public Keychain {
 public:
  std::string Describe() const override { return "env"; }

  Result<std::string> Get(std::string_view name) override {
    RETURN_NOT_OK(ValidateSecretName(name));
    std::string var = EnvVariableFor(name);
    const char* v = std::getenv(var.c_str());
    if (v == nullptr) {
      return Status::NotFound("keychain env: no secret " + std::string(name) + " (set " + var +
                              ")");
    }
    return std::string(v);
  }

  Status Put(std::string_view name, std::string_view) override {
    return Status::FailedPrecondition("keychain env: read-only; set " + EnvVariableFor(name) +
                                      " in the environment instead");
  }

  Status Remove(std::string_view name) override {
    return Status::FailedPrecondition("keychain env: read-only; unset " + EnvVariableFor(name) +
                                      " in the environment instead");
  }

  // The names are the variables' suffixes ("SIGNING_K1" for
  // WORM_SECRET_SIGNING_K1): the mapping from a name is not reversible, but
  // Get of a listed name reads the same variable.
  Result<std::vector<std::string>> List(std::string_view prefix) override {
    static constexpr std::string_view kPrefix = "WORM_SECRET_";
    std::string want = EnvVariableFor(prefix).substr(kPrefix.size());
    std::vector<std::string> names;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
      std::string_view entry(*e);
      size_t eq = entry.find('=');
      if (eq == std::string_view::npos) continue;
      std::string_view var = entry.substr(0, eq);
      if (!var.starts_with(kPrefix) || var.size() == kPrefix.size()) continue;
      std::string_view name = var.substr(kPrefix.size());
      if (!name.starts_with(want) || !ValidateSecretName(name).ok()) continue;
      names.emplace_back(name);
    }
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    return names;
  }
};

}  // namespace

std::unique_ptr<Keychain> NewMemoryKeychain() { return std::make_unique<MemoryKeychain>(); }
std::unique_ptr<Keychain> NewEnvKeychain() { return std::make_unique<EnvKeychain>(); }

}  // namespace internal

Result<std::unique_ptr<Keychain>> OpenKeychain(std::string_view spec) {
  if (sodium_init() < 0) return Status::Internal("keychain: libsodium failed to initialize");
  if (spec == "memory") return internal::NewMemoryKeychain();
  if (spec == "env") return internal::NewEnvKeychain();
  if (spec == "secret-service") return internal::NewSecretServiceKeychain();
  if (spec.starts_with("file:")) {
    std::string path(spec.substr(5));
    if (path.empty()) return Status::InvalidArgument("keychain: file: needs a path (file:<path>)");
    return internal::NewFileKeychain(std::move(path));
  }
  return Status::InvalidArgument("keychain: unknown spec '" + std::string(spec) +
                                 "' (expected file:<path>, env, secret-service or memory)");
}

std::string DefaultKeychainSpec(const std::string& project_root) {
  const char* env = std::getenv("WORM_KEYCHAIN");
  if (env != nullptr && *env != '\0') return env;
  return "file:" + layout::ProjectDir::At(project_root).keychain_path().string();
}

}  // namespace worm::security

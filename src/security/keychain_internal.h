// Keychain internals shared by the backends (keychain.cc dispatches on the
// spec): secret-name checks, the backends' factories, and a map of secrets
// that wipes its values when it dies. Not part of the contract.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "security/keychain.h"
#include "worm/result.h"

namespace worm::security::internal {

// Secret names: 1..255 bytes of printable ASCII without space (0x21..0x7e).
// InvalidArgument "keychain: ..." otherwise (the name is shown escaped).
Status ValidateSecretName(std::string_view name);
// Secret values: at most kMaxSecretSize bytes (1 MiB; keys and credentials
// are tens of bytes, the bound keeps a corrupt or hostile file cheap to read).
inline constexpr size_t kMaxSecretSize = 1 << 20;
Status ValidateSecretValue(std::string_view secret);

// Name -> secret, sorted; sodium_memzero's every value (and name) on
// destruction and on Erase.
class SecretMap {
 public:
  SecretMap() = default;
  SecretMap(SecretMap&&) = default;
  SecretMap& operator=(SecretMap&&) = default;
  SecretMap(const SecretMap&) = delete;
  SecretMap& operator=(const SecretMap&) = delete;
  ~SecretMap();

  const std::map<std::string, std::string, std::less<>>& entries() const { return m_; }
  const std::string* Find(std::string_view name) const;
  void Set(std::string_view name, std::string_view secret);
  // False when absent.
  bool Erase(std::string_view name);
  void Clear();

 private:
  std::map<std::string, std::string, std::less<>> m_;
};

// Wipes a string's bytes (then clears it).
void WipeString(std::string& s);

std::unique_ptr<Keychain> NewMemoryKeychain();
std::unique_ptr<Keychain> NewEnvKeychain();
// `path` as the spec gave it; nothing is read until the first call.
std::unique_ptr<Keychain> NewFileKeychain(std::string path);
// Unavailable when no Secret Service answers on the session bus.
Result<std::unique_ptr<Keychain>> NewSecretServiceKeychain();

// Reads one line from the terminal on stdin with echo off (the prompt on
// stderr), for passphrases and `worm keychain add`. FailedPrecondition when
// stdin is not a terminal or at end of input.
Result<std::string> PromptHidden(const std::string& prompt);

// The variable the env backend reads for `name`: "WORM_SECRET_" + the name
// upper-cased, every byte that is not [A-Za-z0-9] as '_'.
std::string EnvVariableFor(std::string_view name);

}  // namespace worm::security::internal

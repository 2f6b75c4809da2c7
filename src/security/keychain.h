// Keychains: where secrets live (token signing keys, S3 secret keys of
// identities), never in the schema or the bucket. Backends:
//   file:<path>   an encrypted file (libsodium: Argon2id from a passphrase,
//                 XChaCha20-Poly1305); passphrase from WORM_KEYCHAIN_PASSPHRASE
//                 or a prompt on a terminal. Default: .worm/keychain (local,
//                 never committed).
//   env           read-only: WORM_SECRET_<NAME> variables (name upper-cased,
//                 every non-alphanumeric byte as '_').
//   secret-service  the desktop Secret Service over D-Bus (libsecret), when
//                 one is running (gnome-keyring, KeePassXC).
//   memory        in-process, for embedding and tests.
// Secret names are short printable paths: "signing/<kid>",
// "identity/<id>/<access key id>".
//
// Thread-safety: a Keychain is safe for concurrent use; the file backend also
// takes a lock on the file so two processes never lose each other's writes.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "worm/result.h"

namespace worm::security {

class Keychain {
 public:
  virtual ~Keychain() = default;
  // "file:/path", "env", "secret-service", "memory": what OpenKeychain took.
  virtual std::string Describe() const = 0;
  // NotFound naming the secret (never its value) when absent.
  virtual Result<std::string> Get(std::string_view name) = 0;
  // Creates or replaces. FailedPrecondition for a read-only backend.
  virtual Status Put(std::string_view name, std::string_view secret) = 0;
  // NotFound when absent.
  virtual Status Remove(std::string_view name) = 0;
  // Names (never values) under `prefix`, sorted.
  virtual Result<std::vector<std::string>> List(std::string_view prefix) = 0;
};

// Opens the keychain `spec` names (see above). InvalidArgument for an
// unknown spec; Unavailable when the Secret Service is not running;
// PermissionDenied for a wrong passphrase (the message says so, nothing more).
Result<std::unique_ptr<Keychain>> OpenKeychain(std::string_view spec);

// The spec a command uses: $WORM_KEYCHAIN when set, else
// "file:<project>/.worm/keychain".
std::string DefaultKeychainSpec(const std::string& project_root);

}  // namespace worm::security

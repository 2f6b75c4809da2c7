// The token side of resolving who runs a CLI command: --token T or
// $WORM_TOKEN, verified against the project's .worm.keys/ (in its local data)
// and the keychain holding the signing keys (security/keychain.h
// DefaultKeychainSpec). cli/principal.h (the one principal-resolution
// function) calls TokenPrincipal when a token is given.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "cli/cli.h"
#include "worm/access.h"
#include "worm/transport.h"

namespace worm::security {
class Keychain;
}

namespace worm::cli {

// The token a command runs with: `flag` when non-empty, else $WORM_TOKEN,
// trimmed of surrounding whitespace; nullopt when neither is set. "-" reads it
// from stdin (keeps it out of the process list).
Result<std::optional<std::string>> TokenFromFlagOrEnv(const std::string& flag);

// What token commands work on: the bucket holding .worm.keys/ (the project's
// local data folder, created when missing) and the keychain.
struct TokenStores {
  std::shared_ptr<Transport> bucket;
  std::unique_ptr<security::Keychain> keychain;
};
// The keychain is the one `cli` names (--keychain, $WORM_KEYCHAIN, else the
// project's file keychain: Cli::KeychainSpec).
Result<TokenStores> OpenTokenStores(const Cli& cli, const ProjectDir& project);

// The Principal `token` speaks for now; PermissionDenied (exit 6) "token:
// <reason>" when refused. The message never contains the token.
Result<Principal> TokenPrincipal(const Cli& cli, const ProjectDir& project,
                                 const std::string& token);

}  // namespace worm::cli

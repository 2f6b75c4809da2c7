// Verifying scoped access tokens into Principals, for every verifier (CLI
// --token / WORM_TOKEN, `worm serve` bearer credentials, later the gateway).
// Tokens are macaroons (security/token.h: format, minting, attenuation);
// signing keys live in the keychain ("signing/<kid>"), the public key list
// (ids, created, retired) and the revocation list in the bucket under
// .worm.keys/ (docs/access-control.md gives the format).
//
// Thread-safety: Verify may be called from any number of threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "worm/access.h"
#include "worm/result.h"
#include "worm/transport.h"

namespace worm::security {

class Keychain;

struct TokenAuthorityOptions {
  // How stale the key list and revocation list may be: a running verifier
  // re-reads .worm.keys/ at most this often (the issue asks for <= 5 s).
  int64_t refresh_ms = 2000;
};

class TokenAuthority {
 public:
  virtual ~TokenAuthority() = default;
  // The Principal `token` speaks for at `now_seconds` (Unix), with its
  // caveats as Principal::scopes. Unauthenticated-shaped errors, each
  // PermissionDenied with a reason that reveals no secret: malformed,
  // oversized, unknown key id, retired key, bad signature, expired, not yet
  // valid, revoked, unknown caveat.
  virtual Result<Principal> Verify(std::string_view token, int64_t now_seconds) const = 0;
};

// A verifier over the bucket `keys_bucket` (where .worm.keys/ lives) and the
// keychain holding the signing keys. Both must outlive it.
Result<std::unique_ptr<TokenAuthority>> OpenTokenAuthority(Transport* keys_bucket,
                                                           Keychain* keychain,
                                                           TokenAuthorityOptions options = {});

}  // namespace worm::security

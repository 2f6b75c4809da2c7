// Scoped access tokens: macaroons (libmacaroons), HMAC-SHA256 chained, so a
// holder can narrow a token offline and hand the narrower one on. The exact
// format is in docs/tokens.md; in short:
//
//   token      = "worm1." base64url(macaroon v1 binary)   (the prefix is optional on input)
//   location   = "worm" (not signed; ignored)
//   identifier = "worm1/" kid "/" tid     kid: [A-Za-z0-9_-]{1,64}, tid: 32 lowercase hex
//   caveats    = first-party only, "name = value", in this order:
//                principal = <id>            exactly once, the first caveat
//                roles = r1,r2               at most once right after it (minted roles);
//                                            later ones must be a subset of the roles so far
//                actions|models|ids|paths = a,b   each one a Principal::scopes entry
//                nbf = <unix> | exp = <unix>      the window only tightens (max nbf, min exp)
//   Anything else (an unknown name, a third-party caveat, a second principal)
//   refuses the whole token: fail closed.
//
// There is no algorithm field: every signature is HMAC-SHA256 over the chain,
// keyed by the signing key the identifier's kid names, so nothing in a token
// can steer how it is checked.
//
// Thread-safety: the functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "worm/access.h"
#include "worm/result.h"

namespace worm::security {

inline constexpr char kTokenPrefix[] = "worm1.";
inline constexpr char kTokenLocation[] = "worm";
// Caps checked before any parsing: a longer input or more caveats is refused.
inline constexpr size_t kMaxTokenBytes = 8192;
inline constexpr size_t kMaxCaveats = 64;
// Signing keys are this many random bytes.
inline constexpr size_t kSigningKeyBytes = 32;

// What a caveat list can say besides the principal: every field narrows.
struct TokenRestriction {
  // Set: the roles the token keeps (must be a subset of the roles so far).
  std::optional<std::vector<std::string>> roles;
  std::vector<Action> actions;
  std::vector<std::string> models;
  std::vector<std::string> ids;
  std::vector<std::string> paths;
  int64_t not_before = 0;  // Unix seconds; 0: none
  int64_t expires = 0;     // Unix seconds; 0: none
};

struct TokenClaims {
  std::string principal;  // required
  std::vector<std::string> roles;
  TokenRestriction restriction;  // restriction.roles must be unset
};

// The caveats `restriction` becomes, in the order they are appended.
Result<std::vector<std::string>> RestrictionCaveats(const TokenRestriction& restriction);

// A new token for `claims`, signed with `key` (kSigningKeyBytes) whose id is
// `kid`; the token id is 16 random bytes.
Result<std::string> MintToken(std::string_view key, std::string_view kid,
                              const TokenClaims& claims);
// `token` narrowed by `restriction`, offline (no key needed). InvalidArgument
// for a malformed token or a restriction that would widen its roles.
Result<std::string> AttenuateToken(std::string_view token, const TokenRestriction& restriction);

// What a token says, decoded without checking its signature (for `worm token
// list`, debugging and revocation by token). The effective principal is only
// as trustworthy as the token; never authorize with it.
struct TokenInfo {
  std::string kid;
  std::string token_id;
  std::vector<std::string> caveats;
  Principal principal;  // as the caveats would give it
  int64_t not_before = 0;
  int64_t expires = 0;
};
Result<TokenInfo> InspectToken(std::string_view token);

// The state of one signing key as a verifier knows it.
struct VerifyKey {
  std::string secret;  // kSigningKeyBytes
  bool retired = false;
};
// kid -> key, or null when the kid is unknown. Called once per Verify.
using KeyLookup = std::function<const VerifyKey*(std::string_view kid)>;
// token id -> revoked?
using RevokedLookup = std::function<bool(std::string_view token_id)>;

// Verifies `token` at `now_seconds`: PermissionDenied "token: <reason>" with
// reasons malformed, too large, unknown key id, retired key, bad signature,
// expired, not yet valid, revoked, unknown caveat, roles widened. The reason
// never contains the token or a key.
Result<Principal> VerifyToken(std::string_view token, int64_t now_seconds, const KeyLookup& keys,
                              const RevokedLookup& revoked);

// Key ids: [A-Za-z0-9_-]{1,64}.
bool ValidKeyId(std::string_view kid);
// The keychain name of a signing key: "signing/<kid>".
std::string SigningKeyName(std::string_view kid);

// Fuzz entry point (fuzz/token_fuzz.cc): inspect and verify arbitrary bytes
// against a fixed key; aborts on a broken invariant.
int FuzzToken(const uint8_t* data, size_t size);

}  // namespace worm::security

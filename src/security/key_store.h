// Signing keys and revoked tokens as the bucket keeps them, under
// layout::kKeysPrefix (".worm.keys/"), plain JSON (docs/tokens.md):
//   .worm.keys/keys.json     {"format":1,"current":"k1a2b","keys":[
//                               {"kid":"k1a2b","created":1764763200,"retired":0}]}
//   .worm.keys/revoked.json  {"format":1,"revoked":[{"id":"<token id>",
//                               "revokedAt":1764763300,"reason":"...","expires":0}]}
// Secrets never go there: a key's 32 random bytes live in the keychain as
// "signing/<kid>". Writes are read-modify-write with If-Match (If-None-Match
// for the first), retried when another writer won, so two `worm keys` or
// `worm token revoke` runs never lose each other's change.
//
// Thread-safety: the functions are thread-safe when the transport and the
// keychain are.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "worm/result.h"
#include "worm/transport.h"

namespace worm::security {

class Keychain;

struct SigningKeyInfo {
  std::string kid;
  int64_t created = 0;  // Unix seconds
  int64_t retired = 0;  // Unix seconds; 0: in use
};

struct KeyList {
  std::string current;  // the key new tokens are minted with; empty: none
  std::vector<SigningKeyInfo> keys;
  const SigningKeyInfo* Find(std::string_view kid) const;
};

struct RevokedToken {
  std::string id;  // the token id (32 hex)
  int64_t revoked_at = 0;
  std::string reason;
  // The token's own expiry when known: past it the entry can be dropped.
  int64_t expires = 0;
};

struct RevocationList {
  std::vector<RevokedToken> revoked;
};

// The bucket keys, both under layout::kKeysPrefix.
std::string KeyListKey();
std::string RevocationListKey();

// Parse and print the two files. InvalidArgument "<file>: <why>".
Result<KeyList> ParseKeyList(std::string_view json);
std::string FormatKeyList(const KeyList& list);
Result<RevocationList> ParseRevocationList(std::string_view json);
std::string FormatRevocationList(const RevocationList& list);

// The files as stored (empty when absent); `etag` gets the object's ETag
// (empty when absent) when not null.
Result<KeyList> LoadKeyList(Transport* bucket, std::string* etag = nullptr);
Result<RevocationList> LoadRevocationList(Transport* bucket, std::string* etag = nullptr);

// Creates a signing key: 32 random bytes into the keychain as
// "signing/<kid>", then its entry in keys.json. `kid` empty: a fresh one.
// It becomes current when `make_current` or when no key is current.
// AlreadyExists when the kid is taken. Returns the kid.
Result<std::string> CreateSigningKey(Transport* bucket, Keychain* keychain, std::string kid,
                                     int64_t now_seconds, bool make_current);
// Marks `kid` retired: verifiers refuse its tokens from their next refresh.
// The secret stays in the keychain (tokens stay refused; nothing new is
// minted with it). NotFound for an unknown kid; a retired key stays retired.
Status RetireSigningKey(Transport* bucket, const std::string& kid, int64_t now_seconds);
// Adds a token id to revoked.json (idempotent), dropping entries whose
// token expired more than a day before `now_seconds`.
Status RevokeTokenId(Transport* bucket, RevokedToken entry, int64_t now_seconds);

}  // namespace worm::security

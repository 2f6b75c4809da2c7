// The encrypted keychain file's format (docs/keychain.md): pure functions of
// their arguments, used by the file backend (keychain_file.cc), its tests and
// the keychain_file fuzz target. Thread-safe.
//
// A file is a 132-byte header, then the sealed entries:
//   0    7  magic "WORMKC1"
//   7    1  format version (1)
//   8    1  KDF: 2 = Argon2id v1.3 (crypto_pwhash_ALG_ARGON2ID13)
//   9    1  AEAD: 1 = XChaCha20-Poly1305-IETF
//   10   2  reserved, zero
//   12   8  Argon2id opslimit, little-endian
//   20   8  Argon2id memlimit in bytes, little-endian
//   28  16  salt (random, per file)
//   44  24  nonce (random, fresh on every write)
//   68  32  passphrase check: BLAKE2b-256 keyed by a subkey of the derived key,
//           over bytes 0..44 (tells a wrong passphrase from a damaged file)
//   100 32  header checksum: BLAKE2b-256 of bytes 0..100 (a damaged header is
//           DataLoss, not "wrong passphrase")
//   132  -  ciphertext of the entries + 16-byte tag; the associated data is
//           the whole header (bytes 0..132)
// Entries (the plaintext): u32 count, then per entry u32 name length, name,
// u32 secret length, secret (little-endian; names sorted, unique, valid), then
// zero bytes padding the plaintext to a multiple of 256 (the file's size
// tells only roughly how much it holds).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "security/keychain_internal.h"
#include "worm/result.h"

namespace worm::security::keychain_file {

inline constexpr std::string_view kMagic = "WORMKC1";
inline constexpr uint8_t kVersion = 1;
inline constexpr size_t kHeaderSize = 132;
inline constexpr size_t kSaltSize = 16;
inline constexpr size_t kNonceSize = 24;
inline constexpr size_t kTagSize = 16;
inline constexpr size_t kKeySize = 32;
// The plaintext is padded to a multiple of this.
inline constexpr size_t kPadTo = 256;
// Files larger than this are refused (DataLoss) before anything is derived.
inline constexpr size_t kMaxFileSize = 64u << 20;

// Argon2id cost. Bounds accepted when reading: libsodium's minimums up to
// opslimit 64 and memlimit 4 GiB (a file cannot make us spend hours or more
// memory than a desktop has).
struct KdfParams {
  uint64_t opslimit = 0;
  uint64_t memlimit = 0;
  bool operator==(const KdfParams&) const = default;
};
// "interactive" (2 passes, 64 MiB), "moderate" (3, 256 MiB, the default for
// new files), "sensitive" (4, 1 GiB): libsodium's levels. InvalidArgument
// for another name.
Result<KdfParams> KdfLevel(std::string_view name);
// What new files use: $WORM_KEYCHAIN_KDF when set (KdfLevel), else moderate.
Result<KdfParams> KdfFromEnvironment(bool* from_env);

struct Header {
  KdfParams kdf;
  std::string salt;   // kSaltSize bytes
  std::string nonce;  // kNonceSize bytes
  std::string check;  // 32 bytes
};

// A derived key, in guarded memory (sodium_malloc), wiped when freed.
class Key {
 public:
  Key();
  ~Key();
  Key(const Key&) = delete;
  Key& operator=(const Key&) = delete;
  uint8_t* data() { return p_; }
  const uint8_t* data() const { return p_; }

 private:
  uint8_t* p_;
};

// Argon2id(passphrase, salt). ResourceExhausted when memory runs out.
Status DeriveKey(std::string_view passphrase, std::string_view salt, const KdfParams& kdf,
                 Key* key);

// The header of `file`. DataLoss "keychain file: ..." for a file that is
// truncated, not a keychain, or whose header is damaged (checksum);
// FailedPrecondition for a format version or algorithm this build does not
// know; DataLoss for KDF parameters out of bounds.
Result<Header> ParseHeader(std::string_view file);

// The entries of `file` with the key derived from its header's salt and
// params. PermissionDenied "wrong passphrase" when the check does not match,
// DataLoss when the ciphertext or entries are damaged.
Result<internal::SecretMap> Open(std::string_view file, const Header& header, const Key& key);

// A whole file: a header with `kdf`, `salt`, a fresh random nonce, and the
// sealed entries.
std::string Seal(const internal::SecretMap& entries, const KdfParams& kdf, std::string_view salt,
                 const Key& key);

// The plaintext codec, exposed for the fuzz target.
std::string EncodeEntries(const internal::SecretMap& entries);
Result<internal::SecretMap> DecodeEntries(std::string_view plain);

// Fuzz entry point (fuzz/keychain_file_fuzz.cc; keychain_test replays the
// corpus): parses `data` as a file (the header, and with the header checksum
// fixed up, the passphrase check and decryption when its KDF params are the
// minimum and the passphrase is "fuzz"), and as plaintext entries. Aborts when
// a decoded map does not re-encode to the same entries.
Status FuzzKeychainFile(const uint8_t* data, size_t size);

}  // namespace worm::security::keychain_file

// The keychain file's format (keychain_file_format.h, docs/keychain.md).
#include "security/keychain_file_format.h"

#include <sodium.h>

#include <cstdlib>
#include <cstring>
#include <new>

namespace worm::security::keychain_file {

namespace {

constexpr size_t kCheckOffset = 68;
constexpr size_t kChecksumOffset = 100;
constexpr size_t kCheckedPrefix = 44;  // magic..salt: what the passphrase check covers
constexpr uint8_t kKdfArgon2id = 2;
constexpr uint8_t kAeadXChaCha = 1;
constexpr uint64_t kMaxOpslimit = 64;
constexpr uint64_t kMaxMemlimit = 4ull << 30;
// crypto_kdf context and subkey ids: the AEAD key and the check key are
// independent subkeys of the Argon2id output.
constexpr char kSubkeyContext[crypto_kdf_CONTEXTBYTES + 1] = "WORMKC01";
constexpr uint64_t kAeadSubkey = 1;
constexpr uint64_t kCheckSubkey = 2;

static_assert(kSaltSize == crypto_pwhash_SALTBYTES);
static_assert(kNonceSize == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
static_assert(kTagSize == crypto_aead_xchacha20poly1305_ietf_ABYTES);
static_assert(kKeySize == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);

void PutU32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}
void PutU64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}
uint64_t GetLE(std::string_view s, size_t off, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(s[off + i]);
  return v;
}

const unsigned char* U(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// A subkey of `key` in guarded memory.
void Subkey(const Key& key, uint64_t id, Key* out) {
  crypto_kdf_derive_from_key(out->data(), kKeySize, id, kSubkeyContext, key.data());
}

std::string Check(std::string_view header_prefix, const Key& key) {
  Key check_key;
  Subkey(key, kCheckSubkey, &check_key);
  std::string out(32, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(out.data()), out.size(), U(header_prefix),
                     kCheckedPrefix, check_key.data(), kKeySize);
  return out;
}

std::string Checksum(std::string_view header) {
  std::string out(32, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(out.data()), out.size(), U(header),
                     kChecksumOffset, nullptr, 0);
  return out;
}

Status Damaged(std::string_view what) {
  return Status::DataLoss("keychain file: " + std::string(what));
}

}  // namespace

Result<KdfParams> KdfLevel(std::string_view name) {
  if (name == "interactive") {
    return KdfParams{crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE};
  }
  if (name == "moderate") {
    return KdfParams{crypto_pwhash_OPSLIMIT_MODERATE, crypto_pwhash_MEMLIMIT_MODERATE};
  }
  if (name == "sensitive") {
    return KdfParams{crypto_pwhash_OPSLIMIT_SENSITIVE, crypto_pwhash_MEMLIMIT_SENSITIVE};
  }
  return Status::InvalidArgument(
      "keychain: WORM_KEYCHAIN_KDF must be interactive, moderate or "
      "sensitive, not '" +
      std::string(name.substr(0, 32)) + "'");
}

Result<KdfParams> KdfFromEnvironment(bool* from_env) {
  const char* env = std::getenv("WORM_KEYCHAIN_KDF");
  *from_env = env != nullptr && *env != '\0';
  return KdfLevel(*from_env ? env : "moderate");
}

Key::Key() {
  static const bool initialized = sodium_init() >= 0;
  if (!initialized) std::abort();
  p_ = static_cast<uint8_t*>(sodium_malloc(kKeySize));
  if (p_ == nullptr) throw std::bad_alloc();
  sodium_memzero(p_, kKeySize);
}

Key::~Key() { sodium_free(p_); }  // sodium_free wipes

Status DeriveKey(std::string_view passphrase, std::string_view salt, const KdfParams& kdf,
                 Key* key) {
  if (salt.size() != kSaltSize) return Status::Internal("keychain: salt size");
  if (crypto_pwhash(key->data(), kKeySize, passphrase.data(), passphrase.size(), U(salt),
                    kdf.opslimit, static_cast<size_t>(kdf.memlimit),
                    crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Status::ResourceExhausted("keychain: not enough memory to derive the key (Argon2id, " +
                                     std::to_string(kdf.memlimit >> 20) + " MiB)");
  }
  return Status::OK();
}

Result<Header> ParseHeader(std::string_view file) {
  if (file.size() > kMaxFileSize) return Damaged("larger than 64 MiB");
  if (file.size() < kMagic.size() || file.substr(0, kMagic.size()) != kMagic) {
    return Damaged("not a keychain (no WORMKC1 magic)");
  }
  if (file.size() < kMagic.size() + 1) return Damaged("truncated header");
  uint8_t version = static_cast<uint8_t>(file[7]);
  if (version != kVersion) {
    return Status::FailedPrecondition("keychain file: format version " + std::to_string(version) +
                                      " is not supported by this build (it reads version 1)");
  }
  if (file.size() < kHeaderSize + kTagSize) return Damaged("truncated");
  if (sodium_memcmp(Checksum(file).data(), file.data() + kChecksumOffset, 32) != 0) {
    return Damaged("header checksum mismatch (the file is damaged)");
  }
  if (static_cast<uint8_t>(file[8]) != kKdfArgon2id ||
      static_cast<uint8_t>(file[9]) != kAeadXChaCha) {
    return Status::FailedPrecondition("keychain file: unknown KDF or cipher id");
  }
  if (file[10] != 0 || file[11] != 0) return Damaged("reserved header bytes are not zero");
  Header h;
  h.kdf.opslimit = GetLE(file, 12, 8);
  h.kdf.memlimit = GetLE(file, 20, 8);
  if (h.kdf.opslimit < crypto_pwhash_OPSLIMIT_MIN || h.kdf.opslimit > kMaxOpslimit ||
      h.kdf.memlimit < crypto_pwhash_MEMLIMIT_MIN || h.kdf.memlimit > kMaxMemlimit) {
    return Damaged("KDF parameters out of bounds");
  }
  h.salt.assign(file.substr(28, kSaltSize));
  h.nonce.assign(file.substr(44, kNonceSize));
  h.check.assign(file.substr(kCheckOffset, 32));
  return h;
}

Result<internal::SecretMap> Open(std::string_view file, const Header& header, const Key& key) {
  if (sodium_memcmp(Check(file, key).data(), header.check.data(), 32) != 0) {
    return Status::PermissionDenied("wrong passphrase");
  }
  Key aead_key;
  Subkey(key, kAeadSubkey, &aead_key);
  std::string_view sealed = file.substr(kHeaderSize);
  std::string plain(sealed.size() - kTagSize, '\0');
  unsigned long long plain_len = 0;
  int rc = crypto_aead_xchacha20poly1305_ietf_decrypt(
      reinterpret_cast<unsigned char*>(plain.data()), &plain_len, nullptr, U(sealed), sealed.size(),
      U(file), kHeaderSize, U(header.nonce), aead_key.data());
  if (rc != 0) {
    internal::WipeString(plain);
    return Damaged("authentication failed (the file was modified or damaged)");
  }
  auto entries = DecodeEntries(plain);
  internal::WipeString(plain);
  return entries;
}

std::string Seal(const internal::SecretMap& entries, const KdfParams& kdf, std::string_view salt,
                 const Key& key) {
  std::string out;
  out.reserve(kHeaderSize + 512);
  out += kMagic;
  out += static_cast<char>(kVersion);
  out += static_cast<char>(kKdfArgon2id);
  out += static_cast<char>(kAeadXChaCha);
  out += std::string(2, '\0');
  PutU64(out, kdf.opslimit);
  PutU64(out, kdf.memlimit);
  out += salt;
  std::string nonce(kNonceSize, '\0');
  randombytes_buf(nonce.data(), nonce.size());
  out += nonce;
  out += Check(out, key);
  out += Checksum(out);

  Key aead_key;
  Subkey(key, kAeadSubkey, &aead_key);
  std::string plain = EncodeEntries(entries);
  std::string sealed(plain.size() + kTagSize, '\0');
  unsigned long long sealed_len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(reinterpret_cast<unsigned char*>(sealed.data()),
                                             &sealed_len, U(plain), plain.size(), U(out),
                                             kHeaderSize, nullptr, U(nonce), aead_key.data());
  internal::WipeString(plain);
  out += sealed;
  return out;
}

std::string EncodeEntries(const internal::SecretMap& entries) {
  size_t size = 4;
  for (const auto& [name, secret] : entries.entries()) size += 8 + name.size() + secret.size();
  std::string out;
  // Reserved once so no reallocation leaves a copy of the secrets behind.
  out.reserve((size + kPadTo - 1) / kPadTo * kPadTo);
  PutU32(out, static_cast<uint32_t>(entries.entries().size()));
  for (const auto& [name, secret] : entries.entries()) {
    PutU32(out, static_cast<uint32_t>(name.size()));
    out += name;
    PutU32(out, static_cast<uint32_t>(secret.size()));
    out += secret;
  }
  out.resize((out.size() + kPadTo - 1) / kPadTo * kPadTo, '\0');
  return out;
}

Result<internal::SecretMap> DecodeEntries(std::string_view plain) {
  auto bad = [](std::string_view what) { return Damaged("entries: " + std::string(what)); };
  if (plain.size() < 4) return bad("truncated");
  uint64_t count = GetLE(plain, 0, 4);
  size_t pos = 4;
  internal::SecretMap map;
  std::string_view previous;
  for (uint64_t i = 0; i < count; ++i) {
    if (plain.size() - pos < 4) return bad("truncated");
    uint64_t name_len = GetLE(plain, pos, 4);
    pos += 4;
    if (name_len > plain.size() - pos) return bad("truncated");
    std::string_view name = plain.substr(pos, name_len);
    pos += name_len;
    if (!internal::ValidateSecretName(name).ok()) return bad("invalid secret name");
    if (i > 0 && name <= previous) return bad("names not sorted and unique");
    if (plain.size() - pos < 4) return bad("truncated");
    uint64_t secret_len = GetLE(plain, pos, 4);
    pos += 4;
    if (secret_len > plain.size() - pos) return bad("truncated");
    if (secret_len > internal::kMaxSecretSize) return bad("secret larger than 1 MiB");
    map.Set(name, plain.substr(pos, secret_len));
    pos += secret_len;
    previous = name;
  }
  for (; pos < plain.size(); ++pos) {
    if (plain[pos] != '\0') return bad("trailing bytes after the entries");
  }
  return map;
}

Status FuzzKeychainFile(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  // As plaintext entries: whatever decodes re-encodes to a prefix-equal
  // plaintext that decodes to the same map.
  if (auto m = DecodeEntries(in); m.ok()) {
    std::string again = EncodeEntries(*m);
    auto m2 = DecodeEntries(again);
    if (!m2.ok() || m2->entries() != m->entries()) std::abort();
  }
  // As a file, and again with its header checksum fixed so the mutations
  // reach the bounds checks, the passphrase check and the AEAD.
  (void)ParseHeader(in);
  if (size < kHeaderSize + kTagSize || in.substr(0, kMagic.size()) != kMagic) return Status::OK();
  std::string file(in);
  std::string sum = Checksum(file);
  file.replace(kChecksumOffset, 32, sum);
  auto header = ParseHeader(file);
  if (!header.ok()) return header.status();
  if (header->kdf.opslimit != crypto_pwhash_OPSLIMIT_MIN ||
      header->kdf.memlimit != crypto_pwhash_MEMLIMIT_MIN) {
    return Status::OK();  // deriving a real-cost key per input would stall the fuzzer
  }
  Key key;
  RETURN_NOT_OK(DeriveKey("fuzz", header->salt, header->kdf, &key));
  auto entries = Open(file, *header, key);
  if (!entries.ok()) return entries.status();
  // An opened file seals again and reopens to the same entries.
  std::string resealed = Seal(*entries, header->kdf, header->salt, key);
  auto h2 = ParseHeader(resealed);
  if (!h2.ok()) std::abort();
  auto again = Open(resealed, *h2, key);
  if (!again.ok() || again->entries() != entries->entries()) std::abort();
  return Status::OK();
}

}  // namespace worm::security::keychain_file

#include "core/hash.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

#include <array>
#include <cassert>
#include <cstring>

#include "blake3.h"

namespace worm {

std::string HexEncode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.resize(bytes.size() * 2);
  for (size_t i = 0; i < bytes.size(); ++i) {
    auto b = static_cast<unsigned char>(bytes[i]);
    out[2 * i] = kDigits[b >> 4];
    out[2 * i + 1] = kDigits[b & 0xf];
  }
  return out;
}

namespace {

class EvpHasher final : public Hasher {
 public:
  explicit EvpHasher(const EVP_MD* md) : ctx_(EVP_MD_CTX_new()) {
    EVP_DigestInit_ex(ctx_, md, nullptr);
  }
  ~EvpHasher() override { EVP_MD_CTX_free(ctx_); }
  void Update(std::string_view data) override { EVP_DigestUpdate(ctx_, data.data(), data.size()); }
  std::string FinishRaw() override {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx_, out, &len);
    return std::string(reinterpret_cast<char*>(out), len);
  }

 private:
  EVP_MD_CTX* ctx_;
};

class Blake3Hasher final : public Hasher {
 public:
  Blake3Hasher() { blake3_hasher_init(&h_); }
  void Update(std::string_view data) override {
    blake3_hasher_update(&h_, data.data(), data.size());
  }
  std::string FinishRaw() override {
    std::string out(BLAKE3_OUT_LEN, '\0');
    blake3_hasher_finalize(&h_, reinterpret_cast<uint8_t*>(out.data()), out.size());
    return out;
  }

 private:
  blake3_hasher h_;
};

std::string OneShot(HashAlgorithm algorithm, std::string_view data) {
  auto h = Hasher::New(algorithm);
  h->Update(data);
  return h->FinishHex();
}

}  // namespace

std::unique_ptr<Hasher> Hasher::New(HashAlgorithm algorithm) {
  switch (algorithm) {
    case HashAlgorithm::kMd5:
      return std::make_unique<EvpHasher>(EVP_md5());
    case HashAlgorithm::kSha256:
      return std::make_unique<EvpHasher>(EVP_sha256());
    case HashAlgorithm::kBlake3:
      return std::make_unique<Blake3Hasher>();
  }
  assert(false);
  return nullptr;
}

std::string Md5Hex(std::string_view data) { return OneShot(HashAlgorithm::kMd5, data); }
std::string Sha256Hex(std::string_view data) { return OneShot(HashAlgorithm::kSha256, data); }
std::string Blake3Hex(std::string_view data) { return OneShot(HashAlgorithm::kBlake3, data); }

std::string Sha256Raw(std::string_view data) {
  auto h = Hasher::New(HashAlgorithm::kSha256);
  h->Update(data);
  return h->FinishRaw();
}

std::string HmacSha256Raw(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

namespace {

// CRC-32C, slice-by-1 table fallback for CPUs without SSE4.2.
std::array<uint32_t, 256> MakeCrc32cTable() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82f63b78u : c >> 1;
    t[i] = c;
  }
  return t;
}

uint32_t Crc32cSw(uint32_t c, const uint8_t* p, size_t n) {
  static const auto table = MakeCrc32cTable();
  while (n-- > 0) c = table[(c ^ *p++) & 0xff] ^ (c >> 8);
  return c;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint32_t Crc32cHw(uint32_t c, const uint8_t* p, size_t n) {
  uint64_t c64 = c;
  while (n >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    c64 = _mm_crc32_u64(c64, v);
    p += 8;
    n -= 8;
  }
  c = static_cast<uint32_t>(c64);
  while (n-- > 0) c = _mm_crc32_u8(c, *p++);
  return c;
}
#endif

}  // namespace

uint32_t Crc32c(uint32_t crc, std::string_view data) {
  const auto* p = reinterpret_cast<const uint8_t*>(data.data());
  uint32_t c = ~crc;
#if defined(__x86_64__)
  static const bool hw = __builtin_cpu_supports("sse4.2");
  c = hw ? Crc32cHw(c, p, data.size()) : Crc32cSw(c, p, data.size());
#else
  c = Crc32cSw(c, p, data.size());
#endif
  return ~c;
}

namespace {
constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int B64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

std::string Base64Encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    out += kB64[v >> 18];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += kB64[v & 63];
  }
  size_t rest = in.size() - i;
  if (rest > 0) {
    uint32_t v = uint8_t(in[i]) << 16;
    if (rest == 2) v |= uint8_t(in[i + 1]) << 8;
    out += kB64[v >> 18];
    out += kB64[(v >> 12) & 63];
    out += rest == 2 ? kB64[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

Result<std::string> Base64Decode(std::string_view in) {
  if (in.size() % 4 != 0) return Status::InvalidArgument("base64: length is not a multiple of 4");
  std::string out;
  out.reserve(in.size() / 4 * 3);
  for (size_t i = 0; i < in.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      char c = in[i + k];
      if (c == '=' && i + 4 == in.size() && k >= 2) {
        v[k] = 0;
        ++pad;
        continue;
      }
      if (pad > 0 || (v[k] = B64Value(c)) < 0) {
        return Status::InvalidArgument("base64: invalid character");
      }
    }
    uint32_t x = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    out += static_cast<char>(x >> 16);
    if (pad < 2) out += static_cast<char>((x >> 8) & 0xff);
    if (pad < 1) out += static_cast<char>(x & 0xff);
  }
  return out;
}

}  // namespace worm

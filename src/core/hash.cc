#include "core/hash.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cassert>

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

}  // namespace worm

#include "server/checksums.h"

#include <openssl/evp.h>
#include <zlib.h>

#include <array>
#include <cstring>

#include "core/hash.h"
#include "core/strings.h"

namespace worm::server {

namespace {

struct AlgorithmInfo {
  ChecksumAlgorithm algorithm;
  std::string_view name;
  std::string_view header;
  size_t size;
};

constexpr AlgorithmInfo kInfo[] = {
    {ChecksumAlgorithm::kCrc32, "CRC32", "x-amz-checksum-crc32", 4},
    {ChecksumAlgorithm::kCrc32c, "CRC32C", "x-amz-checksum-crc32c", 4},
    {ChecksumAlgorithm::kCrc64Nvme, "CRC64NVME", "x-amz-checksum-crc64nvme", 8},
    {ChecksumAlgorithm::kSha1, "SHA1", "x-amz-checksum-sha1", 20},
    {ChecksumAlgorithm::kSha256, "SHA256", "x-amz-checksum-sha256", 32},
};

const AlgorithmInfo& InfoOf(ChecksumAlgorithm a) { return kInfo[static_cast<int>(a)]; }

// CRC-64/NVME (reflected polynomial 0x9a6c9329ac4bc9b5), slice-by-8.
using Crc64Tables = std::array<std::array<uint64_t, 256>, 8>;
Crc64Tables MakeCrc64Tables() {
  Crc64Tables t{};
  for (uint64_t i = 0; i < 256; ++i) {
    uint64_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x9a6c9329ac4bc9b5ull : c >> 1;
    t[0][i] = c;
  }
  for (int s = 1; s < 8; ++s) {
    for (int i = 0; i < 256; ++i) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xff];
  }
  return t;
}

class Crc32Checksummer final : public Checksummer {
 public:
  explicit Crc32Checksummer(bool castagnoli) : castagnoli_(castagnoli) {}
  void Update(std::string_view d) override {
    crc_ = castagnoli_ ? worm::Crc32c(crc_, d) : Crc32(crc_, d);
  }
  std::string FinishRaw() override {
    std::string out(4, '\0');
    for (int i = 0; i < 4; ++i) out[i] = static_cast<char>(crc_ >> (24 - 8 * i));
    return out;
  }

 private:
  bool castagnoli_;
  uint32_t crc_ = 0;
};

class Crc64Checksummer final : public Checksummer {
 public:
  void Update(std::string_view d) override { crc_ = Crc64Nvme(crc_, d); }
  std::string FinishRaw() override {
    std::string out(8, '\0');
    for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(crc_ >> (56 - 8 * i));
    return out;
  }

 private:
  uint64_t crc_ = 0;
};

class EvpChecksummer final : public Checksummer {
 public:
  explicit EvpChecksummer(const EVP_MD* md) : ctx_(EVP_MD_CTX_new()) {
    EVP_DigestInit_ex(ctx_, md, nullptr);
  }
  ~EvpChecksummer() override { EVP_MD_CTX_free(ctx_); }
  void Update(std::string_view d) override { EVP_DigestUpdate(ctx_, d.data(), d.size()); }
  std::string FinishRaw() override {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx_, out, &len);
    return std::string(reinterpret_cast<char*>(out), len);
  }

 private:
  EVP_MD_CTX* ctx_;
};

}  // namespace

std::string_view ChecksumName(ChecksumAlgorithm a) { return InfoOf(a).name; }
std::string_view ChecksumHeader(ChecksumAlgorithm a) { return InfoOf(a).header; }
size_t ChecksumSize(ChecksumAlgorithm a) { return InfoOf(a).size; }

std::optional<ChecksumAlgorithm> ParseChecksumName(std::string_view name) {
  for (const auto& i : kInfo) {
    if (EqualsIgnoreCase(i.name, name)) return i.algorithm;
  }
  return std::nullopt;
}

std::optional<ChecksumAlgorithm> ParseChecksumHeader(std::string_view header) {
  for (const auto& i : kInfo) {
    if (EqualsIgnoreCase(i.header, header)) return i.algorithm;
  }
  return std::nullopt;
}

std::unique_ptr<Checksummer> Checksummer::New(ChecksumAlgorithm a) {
  switch (a) {
    case ChecksumAlgorithm::kCrc32:
      return std::make_unique<Crc32Checksummer>(false);
    case ChecksumAlgorithm::kCrc32c:
      return std::make_unique<Crc32Checksummer>(true);
    case ChecksumAlgorithm::kCrc64Nvme:
      return std::make_unique<Crc64Checksummer>();
    case ChecksumAlgorithm::kSha1:
      return std::make_unique<EvpChecksummer>(EVP_sha1());
    case ChecksumAlgorithm::kSha256:
      return std::make_unique<EvpChecksummer>(EVP_sha256());
  }
  return nullptr;
}

std::string ChecksumBase64(ChecksumAlgorithm algorithm, std::string_view data) {
  auto c = Checksummer::New(algorithm);
  c->Update(data);
  return Base64Encode(c->FinishRaw());
}

uint32_t Crc32(uint32_t crc, std::string_view data) {
  // zlib takes uInt lengths: feed in slices below 4 GiB.
  const auto* p = reinterpret_cast<const Bytef*>(data.data());
  size_t n = data.size();
  uLong c = crc;
  while (n > 0) {
    uInt step = static_cast<uInt>(std::min<size_t>(n, 1u << 30));
    c = crc32(c, p, step);
    p += step;
    n -= step;
  }
  return static_cast<uint32_t>(c);
}

uint64_t Crc64Nvme(uint64_t crc, std::string_view data) {
  static const Crc64Tables t = MakeCrc64Tables();
  const auto* p = reinterpret_cast<const uint8_t*>(data.data());
  size_t n = data.size();
  uint64_t c = ~crc;
  while (n >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);  // little-endian host (x86-64)
    c ^= v;
    c = t[7][c & 0xff] ^ t[6][(c >> 8) & 0xff] ^ t[5][(c >> 16) & 0xff] ^ t[4][(c >> 24) & 0xff] ^
        t[3][(c >> 32) & 0xff] ^ t[2][(c >> 40) & 0xff] ^ t[1][(c >> 48) & 0xff] ^ t[0][c >> 56];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) c = t[0][(c ^ *p++) & 0xff] ^ (c >> 8);
  return ~c;
}

}  // namespace worm::server

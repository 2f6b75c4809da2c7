// Content hashes used across layers: MD5 (S3 ETags), SHA-256 (SigV4, integrity),
// BLAKE3 (oplog hash chain, integrity manifests). Incremental hashers stream
// large bodies without holding them in memory. Hashers are not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "worm/result.h"

namespace worm {

std::string HexEncode(std::string_view bytes);
// Standard base64 with padding (RFC 4648).
std::string Base64Encode(std::string_view bytes);
// Strict standard base64 with padding. InvalidArgument when malformed.
Result<std::string> Base64Decode(std::string_view text);

// One-shot, lowercase hex digests.
std::string Md5Hex(std::string_view data);
std::string Sha256Hex(std::string_view data);
std::string Blake3Hex(std::string_view data);

// Raw (binary) digests.
std::string Sha256Raw(std::string_view data);
std::string HmacSha256Raw(std::string_view key, std::string_view data);

// CRC-32C (Castagnoli), standard init/xorout; pass the previous result as
// `crc` to continue (0 to start). SSE4.2 where the CPU has it.
uint32_t Crc32c(uint32_t crc, std::string_view data);

enum class HashAlgorithm { kMd5, kSha256, kBlake3 };

class Hasher {
 public:
  static std::unique_ptr<Hasher> New(HashAlgorithm algorithm);
  virtual ~Hasher() = default;
  virtual void Update(std::string_view data) = 0;
  // Binary digest; the hasher must not be used afterwards.
  virtual std::string FinishRaw() = 0;
  std::string FinishHex() { return HexEncode(FinishRaw()); }
};

}  // namespace worm

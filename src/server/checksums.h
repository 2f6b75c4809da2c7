// S3 flexible checksums (CRC32, CRC32C, CRC64NVME, SHA-1, SHA-256) and the
// base64 codec S3 uses to carry them in x-amz-checksum-* headers and trailers.
// Checksummers are incremental, so PUT bodies are verified while they stream.
//
// Thread-safety: functions are pure; a Checksummer is used by one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/hash.h"  // Base64Encode, Base64Decode
#include "worm/result.h"

namespace worm::server {

enum class ChecksumAlgorithm { kCrc32, kCrc32c, kCrc64Nvme, kSha1, kSha256 };
inline constexpr ChecksumAlgorithm kAllChecksums[] = {
    ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c, ChecksumAlgorithm::kCrc64Nvme,
    ChecksumAlgorithm::kSha1, ChecksumAlgorithm::kSha256};

// "CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256" (the x-amz-checksum-algorithm values).
std::string_view ChecksumName(ChecksumAlgorithm algorithm);
// "x-amz-checksum-crc32", ... (lowercase header / trailer names).
std::string_view ChecksumHeader(ChecksumAlgorithm algorithm);
// Case-insensitive inverse of ChecksumName; nullopt when unknown.
std::optional<ChecksumAlgorithm> ParseChecksumName(std::string_view name);
// Inverse of ChecksumHeader (case-insensitive); nullopt when unknown.
std::optional<ChecksumAlgorithm> ParseChecksumHeader(std::string_view header);
// Raw digest size in bytes: 4, 4, 8, 20, 32.
size_t ChecksumSize(ChecksumAlgorithm algorithm);

class Checksummer {
 public:
  static std::unique_ptr<Checksummer> New(ChecksumAlgorithm algorithm);
  virtual ~Checksummer() = default;
  virtual void Update(std::string_view data) = 0;
  // Raw big-endian digest; the checksummer must not be used afterwards.
  virtual std::string FinishRaw() = 0;
};

// One-shot base64 of the raw digest of `data`.
std::string ChecksumBase64(ChecksumAlgorithm algorithm, std::string_view data);

// Raw CRC primitives (exposed for tests): standard init/xorout applied. CRC-32C
// (Castagnoli) is worm::Crc32c in core/hash.h.
uint32_t Crc32(uint32_t crc, std::string_view data);  // zlib's CRC-32
uint64_t Crc64Nvme(uint64_t crc, std::string_view data);

}  // namespace worm::server

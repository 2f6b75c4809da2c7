// Request-body plumbing between the session and the S3 handlers: a
// BodySink that undoes aws-chunked framing and verifies everything the client
// promised about the body (x-amz-content-sha256, Content-MD5, one
// x-amz-checksum-* value from a header or a trailer, the decoded length)
// while passing the bytes on to a BodyConsumer (an object write stream, a
// multipart part, or a small in-memory buffer for XML bodies).
//
// Thread-safety: one sink per request, driven by one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "server/auth.h"
#include "server/checksums.h"
#include "server/http_types.h"

namespace worm::server {

// The largest request body by default: S3's limit for a single PUT and for
// one part (ServiceOptions::max_body_bytes lowers it).
inline constexpr uint64_t kMaxBodyBytes = 5ull << 30;

struct BodyExpectations {
  PayloadMode mode = PayloadMode::kUnsigned;
  std::optional<ChunkSigningContext> chunk_ctx;
  std::string sha256_hex;                     // kSha256: the promised digest
  std::string content_md5;                    // raw 16 bytes, empty when not sent
  std::optional<ChecksumAlgorithm> checksum;  // to compute
  std::string checksum_b64;  // expected value from a header; empty: from the trailer
  bool checksum_in_trailer = false;
  std::optional<uint64_t> decoded_length;  // x-amz-decoded-content-length / Content-Length
  // The most decoded bytes accepted, whatever the request declares.
  uint64_t max_size = kMaxBodyBytes;
};

// Reads the body promises from the request headers. InvalidDigest for a
// malformed Content-MD5, InvalidRequest for a malformed checksum header or
// an unknown algorithm, MissingContentLength for an aws-chunked body without
// x-amz-decoded-content-length.
Result<BodyExpectations> ParseBodyExpectations(const HttpRequest& request, const AuthResult& auth);

// What the verified body turned out to be.
struct VerifiedBody {
  uint64_t size = 0;
  std::optional<ChecksumAlgorithm> checksum;
  std::string checksum_b64;  // verified value of `checksum`
};

class BodyConsumer {
 public:
  virtual ~BodyConsumer() = default;
  virtual Status Write(std::string_view data) = 0;
  // `status` is OK when the whole body arrived and verified; otherwise the
  // consumer discards what it wrote and answers with the error.
  virtual HttpResponse Finish(const Status& status, const VerifiedBody& body) = 0;
};

// The sink checks the size as bytes arrive: a body growing past max_size or
// past its declared decoded_length (an aws-chunked body holding more than
// x-amz-decoded-content-length; a chunked one larger than the cap) fails with
// EntityTooLarge before the excess reaches the consumer, which then discards
// what it wrote; one that ends short of decoded_length fails with
// IncompleteBody. Its raw_limit() bounds the bytes the HTTP parser reads: the
// decoded bound, plus aws-chunked framing (kAwsChunkedAllowance) for
// streaming modes.
std::unique_ptr<BodySink> NewVerifyingSink(BodyExpectations expect,
                                           std::unique_ptr<BodyConsumer> consumer);

// Room for aws-chunked framing on top of `decoded` bytes: an eighth of them
// (a chunk line with its signature is ~90 bytes; SDKs send chunks of 8 KiB
// and more) plus 1 MiB (small bodies, trailers).
uint64_t AwsChunkedAllowance(uint64_t decoded);

// A consumer that keeps up to `limit` bytes in memory (XML request bodies)
// and hands them to `done`. A larger body fails with MalformedXML-sized
// InvalidRequest.
using BufferedDone =
    std::function<HttpResponse(const Status& status, std::string body, const VerifiedBody&)>;
std::unique_ptr<BodyConsumer> NewBufferedConsumer(size_t limit, BufferedDone done);

}  // namespace worm::server

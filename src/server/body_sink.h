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

struct BodyExpectations {
  PayloadMode mode = PayloadMode::kUnsigned;
  std::optional<ChunkSigningContext> chunk_ctx;
  std::string sha256_hex;                     // kSha256: the promised digest
  std::string content_md5;                    // raw 16 bytes, empty when not sent
  std::optional<ChecksumAlgorithm> checksum;  // to compute
  std::string checksum_b64;  // expected value from a header; empty: from the trailer
  bool checksum_in_trailer = false;
  std::optional<uint64_t> decoded_length;  // x-amz-decoded-content-length / Content-Length
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

std::unique_ptr<BodySink> NewVerifyingSink(BodyExpectations expect,
                                           std::unique_ptr<BodyConsumer> consumer);

// A consumer that keeps up to `limit` bytes in memory (XML request bodies)
// and hands them to `done`. A larger body fails with MalformedXML-sized
// InvalidRequest.
using BufferedDone =
    std::function<HttpResponse(const Status& status, std::string body, const VerifiedBody&)>;
std::unique_ptr<BodyConsumer> NewBufferedConsumer(size_t limit, BufferedDone done);

}  // namespace worm::server

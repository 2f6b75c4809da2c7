// Server-side AWS Signature Version 4 verification: Authorization headers,
// presigned query strings, and the per-chunk signatures of aws-chunked
// payloads. Reuses the pure SigV4 building blocks of transport/s3/sigv4.h, so
// client and server compute canonical requests with one implementation.
//
// Thread-safety: Authenticator is immutable after construction and safe to use
// from any thread; ChunkSigner is used by one request at a time.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "server/http_types.h"
#include "worm/result.h"

namespace worm::server {

// How the request body is framed and protected, from x-amz-content-sha256.
enum class PayloadMode {
  kUnsigned,                  // UNSIGNED-PAYLOAD, or no header (anonymous)
  kSha256,                    // hex SHA-256 of the body: verify it
  kStreamingSigned,           // STREAMING-AWS4-HMAC-SHA256-PAYLOAD
  kStreamingSignedTrailer,    // STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER
  kStreamingUnsignedTrailer,  // STREAMING-UNSIGNED-PAYLOAD-TRAILER
};

inline bool IsStreaming(PayloadMode m) {
  return m == PayloadMode::kStreamingSigned || m == PayloadMode::kStreamingSignedTrailer ||
         m == PayloadMode::kStreamingUnsignedTrailer;
}

// What the seed signature lets us check later: each chunk's signature chains
// from the previous one, starting with the request's own signature.
struct ChunkSigningContext {
  std::string signing_key;  // raw HMAC key
  std::string amz_date;     // "20130524T000000Z"
  std::string scope;        // "20130524/us-east-1/s3/aws4_request"
  std::string seed_signature;
};

struct AuthResult {
  bool anonymous = true;
  std::string access_key;
  // The identity the access key belongs to (AuthOptions::identities; the
  // root identity for keys not listed there); "" when anonymous.
  std::string principal;
  PayloadMode payload = PayloadMode::kUnsigned;
  std::string payload_sha256;                    // kSha256: expected hex digest
  std::optional<ChunkSigningContext> chunk_ctx;  // signed streaming modes when verified
};

struct AuthOptions {
  // Serve requests that carry no authentication at all (--anonymous). A
  // request that carries a signature is verified all the same.
  bool allow_anonymous = false;
  std::map<std::string, std::string> secrets;  // access key id -> secret key
  // Access key id -> identity id (`worm serve --identities`); a key in
  // `secrets` but not here belongs to `root_identity` (--access-key).
  std::map<std::string, std::string> identities;
  std::string root_identity = "root";
  // Unsigned requests pass as anonymous even without allow_anonymous: bucket
  // policies and ACLs decide them (access_control.h).
  bool anonymous_by_access_control = false;
  int64_t max_skew_seconds = 15 * 60;          // S3's limit
  // The region every credential scope must name. S3Service sets it from
  // ServiceOptions::region (`worm serve --region`, default us-east-1).
  std::string region = "us-east-1";
};

class Authenticator {
 public:
  explicit Authenticator(AuthOptions options) : options_(std::move(options)) {}

  // Verifies `request` at time `now_seconds`, as S3 does:
  //  - a request with an Authorization header, or with X-Amz-Algorithm,
  //    X-Amz-Credential or X-Amz-Signature in its query (any case), is
  //    verified even with allow_anonymous; only a request with no
  //    authentication at all is anonymous;
  //  - `host`, every x-amz-* header present, and the Date header when it is
  //    what dates the request must be in SignedHeaders (AccessDenied naming
  //    the unsigned ones): handlers act on x-amz-copy-source, x-amz-meta-*,
  //    x-amz-acl..., so an unsigned one would ride on someone's signature;
  //  - the credential scope is <date>/<options.region>/s3/aws4_request and
  //    its date is the request's date; presigned X-Amz-Expires is 1..604800.
  // Errors carry S3 codes: AccessDenied (unsigned without --anonymous,
  // unsigned headers, expired presigned URL), InvalidAccessKeyId,
  // SignatureDoesNotMatch, RequestTimeTooSkewed, AuthorizationHeaderMalformed
  // (header auth), AuthorizationQueryParametersError (presigned parameters),
  // InvalidArgument (header and query auth together; unsupported Authorization
  // type), InvalidRequest (missing x-amz-content-sha256).
  Result<AuthResult> Authenticate(const HttpRequest& request, int64_t now_seconds) const;

 private:
  Result<AuthResult> VerifyHeader(const HttpRequest& request, int64_t now_seconds) const;
  Result<AuthResult> VerifyPresigned(const HttpRequest& request, int64_t now_seconds) const;
  Result<std::string> SecretFor(std::string_view access_key) const;
  std::string PrincipalOf(const std::string& access_key) const;

  AuthOptions options_;
};

// The payload mode named by an x-amz-content-sha256 value ("" → kUnsigned).
Result<PayloadMode> ParsePayloadMode(std::string_view content_sha256);

// Chains chunk signatures (STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]).
class ChunkSigner {
 public:
  explicit ChunkSigner(ChunkSigningContext ctx) : ctx_(std::move(ctx)) {}
  // Expected signature of the next chunk whose SHA-256 is `chunk_sha256_hex`;
  // advances the chain.
  std::string NextChunk(std::string_view chunk_sha256_hex);
  // Expected x-amz-trailer-signature for canonical trailer lines ("name:value\n").
  std::string Trailer(std::string_view canonical_trailers);

 private:
  ChunkSigningContext ctx_;
};

}  // namespace worm::server

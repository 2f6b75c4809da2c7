// AWS Signature Version 4 for S3, as pure functions: every input, including
// the time, is a parameter, so the same code signs client requests, builds
// presigned URLs, and (in `worm serve`) recomputes signatures to verify them.
// Golden tests live in tests/golden/sigv4/<case>/ (aws-c-auth layout).
//
// S3 specifics: the path is URI-encoded once (no double encoding, no dot
// segment normalization) and x-amz-content-sha256 is always sent.
//
// Thread-safety: all functions are pure and safe to call concurrently.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "worm/result.h"
#include "worm/s3.h"

namespace worm::s3 {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

inline constexpr std::string_view kSigV4Algorithm = "AWS4-HMAC-SHA256";
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
// Hex SHA-256 of the empty string.
inline constexpr std::string_view kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
// Longest validity of a presigned URL that S3 accepts: 7 days.
inline constexpr int64_t kMaxPresignSeconds = 604800;

using SigningCredentials = S3Credentials;  // worm/s3.h

// Where and when a request is signed.
struct SigningScope {
  std::string region = "us-east-1";
  std::string service = "s3";
  int64_t unix_seconds = 0;  // the signing time
};

// An HTTP request as it goes on the wire, without its body.
struct HttpRequestParts {
  std::string method;  // "GET", "PUT", ...
  std::string path;    // percent-encoded wire path, e.g. "/bucket/a%20b"
  std::string query;   // wire query string without '?', e.g. "list-type=2"
  HeaderList headers;  // names in any case; must include Host
};

// The intermediate and final values of one signature, for tests and for
// servers that report StringToSign in SignatureDoesNotMatch errors.
struct SigningResult {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;      // lowercase hex
  std::string authorization;  // Authorization header value (header signing)
};

// ---- Building blocks (exposed for server-side verification) ---------------

// Percent-encodes every byte except A-Za-z0-9-._~ (and '/' when keep_slash),
// with uppercase hex digits, as SigV4 requires.
std::string UriEncode(std::string_view in, bool keep_slash);
// UriEncode appended to `out` (a listing encodes every key).
void AppendUriEncoded(std::string* out, std::string_view in, bool keep_slash);
// UriEncode written at `out`, which has room for 3 * in.size() bytes; returns
// the end of what was written.
char* WriteUriEncoded(char* out, std::string_view in, bool keep_slash);
// Decodes %XX escapes ('+' stays '+'). Malformed escapes are kept verbatim.
std::string UriDecode(std::string_view in);
// UriDecode of `s` in place (decoding never lengthens).
void UriDecodeInPlace(std::string* s);

// "20130524T000000Z" and "20130524" for a Unix time (UTC).
std::string FormatAmzDate(int64_t unix_seconds);
std::string FormatDateStamp(int64_t unix_seconds);
// Parses "20130524T000000Z". InvalidArgument when malformed.
Result<int64_t> ParseAmzDate(std::string_view amz_date);

// The canonical URI of a wire path: decoded, then strictly re-encoded with
// '/' kept. S3 never double-encodes nor normalizes. "" becomes "/".
std::string CanonicalUri(std::string_view wire_path);
// The canonical query string of a wire query: parameters decoded, strictly
// re-encoded, sorted by key then value, "k=v" joined by '&' ("k=" when the
// value is missing). A parameter named `exclude_key` (e.g. X-Amz-Signature)
// is left out.
std::string CanonicalQueryString(std::string_view wire_query, std::string_view exclude_key = {});
// A header value trimmed, with runs of spaces collapsed to one.
std::string CanonicalHeaderValue(std::string_view value);

struct CanonicalHeaders {
  std::string canonical;       // "name:value\n" lines, sorted by name
  std::string signed_headers;  // "host;x-amz-date"
};
// Canonicalizes `headers`. With `only` empty, every header is signed except
// those proxies and clients rewrite (authorization, user-agent, expect,
// connection, transfer-encoding, x-amzn-trace-id). With `only` set (a
// server verifying a request), exactly those lowercase names are used.
// Repeated names join their values with ','.
CanonicalHeaders CanonicalizeHeaders(const HeaderList& headers,
                                     const std::vector<std::string>& only = {});

std::string BuildCanonicalRequest(std::string_view method, std::string_view canonical_uri,
                                  std::string_view canonical_query, const CanonicalHeaders& headers,
                                  std::string_view payload_hash);
// "20130524/us-east-1/s3/aws4_request".
std::string CredentialScope(int64_t unix_seconds, std::string_view region,
                            std::string_view service);
std::string BuildStringToSign(int64_t unix_seconds, std::string_view scope,
                              std::string_view canonical_request);
// The raw (binary) signing key: HMAC chain over date, region, service.
std::string DeriveSigningKey(std::string_view secret, int64_t unix_seconds, std::string_view region,
                             std::string_view service);
// Lowercase hex HMAC-SHA256 of the string to sign.
std::string ComputeSignature(std::string_view signing_key, std::string_view string_to_sign);

// ---- Whole requests ---------------------------------------------------------

// Signs `request` in place with an Authorization header. Sets (replacing any
// existing) x-amz-date, x-amz-content-sha256 = `payload_hash` (hex SHA-256
// of the body or UNSIGNED-PAYLOAD) and, with a session token,
// x-amz-security-token. REQUIRES: a Host header.
SigningResult SignRequest(HttpRequestParts* request, const SigningCredentials& credentials,
                          const SigningScope& scope, std::string_view payload_hash);

// Presigns `request` in place: appends X-Amz-Algorithm, X-Amz-Credential,
// X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders (and
// X-Amz-Security-Token) to its query, signs with UNSIGNED-PAYLOAD, then
// appends X-Amz-Signature. InvalidArgument unless 1 <= expires <= 604800.
Result<SigningResult> PresignRequest(HttpRequestParts* request,
                                     const SigningCredentials& credentials,
                                     const SigningScope& scope, int64_t expires_seconds);

}  // namespace worm::s3

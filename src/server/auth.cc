#include "server/auth.h"

#include <openssl/crypto.h>

#include <ctime>
#include <vector>

#include "core/hash.h"
#include "server/s3_errors.h"
#include "transport/s3/sigv4.h"

namespace worm::server {

namespace {

constexpr std::string_view kPrefix = "AWS4-HMAC-SHA256";

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::vector<std::string> Split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (true) {
    size_t next = s.find(sep, pos);
    out.emplace_back(s.substr(pos, next == std::string_view::npos ? s.npos : next - pos));
    if (next == std::string_view::npos) break;
    pos = next + 1;
  }
  return out;
}

bool SameSignature(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

Status Malformed(std::string message) {
  return S3Error(S3Code::kAuthorizationHeaderMalformed, std::move(message));
}

// The parts of "AKID/20130524/us-east-1/s3/aws4_request".
struct Credential {
  std::string access_key;
  std::string date;
  std::string region;
  std::string service;
  std::string scope;  // everything after the access key
};

Result<Credential> ParseCredential(std::string_view text) {
  std::vector<std::string> parts = Split(text, '/');
  if (parts.size() != 5 || parts[4] != "aws4_request" || parts[0].empty()) {
    return Malformed(
        "the Credential '" + std::string(text) +
        "' is malformed; expected \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\"");
  }
  if (parts[3] != "s3")
    return Malformed("the credential scope names service '" + parts[3] + "', not 's3'");
  Credential c{parts[0], parts[1], parts[2], parts[3], ""};
  c.scope = c.date + "/" + c.region + "/" + c.service + "/aws4_request";
  return c;
}

// Seconds since the epoch of x-amz-date, or of the Date header.
Result<std::string> RequestAmzDate(const HttpRequest& req) {
  std::string_view amz = req.Header("x-amz-date");
  if (!amz.empty()) return std::string(amz);
  std::string date(req.Header("date"));
  std::tm tm{};
  if (date.empty() || strptime(date.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm) == nullptr) {
    return S3Error(S3Code::kAccessDenied,
                   "AWS authentication requires a valid Date or x-amz-date header");
  }
  return s3::FormatAmzDate(timegm(&tm));
}

Status CheckSkew(int64_t t, int64_t now, int64_t max_skew) {
  if (t < now - max_skew || t > now + max_skew) {
    return S3Error(S3Code::kRequestTimeTooSkewed,
                   "The difference between the request time (" + s3::FormatAmzDate(t) +
                       ") and the server's time (" + s3::FormatAmzDate(now) +
                       ") is too large (more than 15 minutes)");
  }
  return Status::OK();
}

struct SignatureInput {
  Credential cred;
  std::string amz_date;
  std::vector<std::string> signed_headers;
  std::string payload_hash;
  std::string exclude_query;  // "X-Amz-Signature" for presigned URLs
};

// Recomputes the signature; returns the signing key for chunk verification.
std::string ExpectedSignature(const HttpRequest& req, const SignatureInput& in,
                              std::string_view secret, std::string* signing_key) {
  s3::HeaderList headers(req.headers.begin(), req.headers.end());
  s3::CanonicalHeaders ch = s3::CanonicalizeHeaders(headers, in.signed_headers);
  std::string canonical = s3::BuildCanonicalRequest(
      req.method, s3::CanonicalUri(req.path), s3::CanonicalQueryString(req.query, in.exclude_query),
      ch, in.payload_hash);
  std::string string_to_sign = std::string(kPrefix) + "\n" + in.amz_date + "\n" + in.cred.scope +
                               "\n" + Sha256Hex(canonical);
  int64_t day = s3::ParseAmzDate(in.cred.date + "T000000Z").ValueOr(0);
  *signing_key = s3::DeriveSigningKey(secret, day, in.cred.region, in.cred.service);
  return s3::ComputeSignature(*signing_key, string_to_sign);
}

Status SignatureMismatch() {
  return S3Error(S3Code::kSignatureDoesNotMatch,
                 "The request signature we calculated does not match the signature you provided. "
                 "Check your key and signing method.");
}

}  // namespace

Result<PayloadMode> ParsePayloadMode(std::string_view v) {
  if (v.empty() || v == "UNSIGNED-PAYLOAD") return PayloadMode::kUnsigned;
  if (v == "STREAMING-AWS4-HMAC-SHA256-PAYLOAD") return PayloadMode::kStreamingSigned;
  if (v == "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER")
    return PayloadMode::kStreamingSignedTrailer;
  if (v == "STREAMING-UNSIGNED-PAYLOAD-TRAILER") return PayloadMode::kStreamingUnsignedTrailer;
  if (v.size() == 64 && v.find_first_not_of("0123456789abcdef") == std::string_view::npos) {
    return PayloadMode::kSha256;
  }
  return S3Error(S3Code::kInvalidArgument,
                 "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-*, or a hex SHA-256 "
                 "(got '" +
                     std::string(v) + "')");
}

Result<AuthResult> Authenticator::Authenticate(const HttpRequest& req, int64_t now) const {
  bool header_auth = req.HasHeader("authorization");
  bool presigned = req.query.find("X-Amz-Signature=") != std::string::npos;
  if (header_auth || presigned) {
    if (options_.secrets.empty() && options_.allow_anonymous) {
      // Nothing to verify against: treat as anonymous, but honour the framing.
      AuthResult r;
      ASSIGN_OR_RETURN(r.payload, ParsePayloadMode(req.Header("x-amz-content-sha256")));
      if (r.payload == PayloadMode::kSha256) r.payload_sha256 = req.Header("x-amz-content-sha256");
      return r;
    }
    return header_auth ? VerifyHeader(req, now) : VerifyPresigned(req, now);
  }
  if (req.query.find("AWSAccessKeyId=") != std::string::npos) {
    return S3Error(S3Code::kAccessDenied,
                   "Signature Version 2 is not supported: sign with AWS4-HMAC-SHA256 (boto3: "
                   "Config(signature_version='s3v4'))");
  }
  if (!options_.allow_anonymous) {
    return S3Error(S3Code::kAccessDenied,
                   "Access Denied: this server requires signed requests (start it with "
                   "--anonymous to allow unsigned ones)");
  }
  AuthResult r;
  ASSIGN_OR_RETURN(r.payload, ParsePayloadMode(req.Header("x-amz-content-sha256")));
  if (r.payload == PayloadMode::kSha256) r.payload_sha256 = req.Header("x-amz-content-sha256");
  return r;
}

Result<std::string> Authenticator::SecretFor(std::string_view access_key) const {
  auto it = options_.secrets.find(std::string(access_key));
  if (it == options_.secrets.end()) {
    return S3Error(S3Code::kInvalidAccessKeyId,
                   "The AWS Access Key Id you provided does not exist in our records.");
  }
  return it->second;
}

Result<AuthResult> Authenticator::VerifyHeader(const HttpRequest& req, int64_t now) const {
  std::string_view auth = Trim(req.Header("authorization"));
  if (auth.substr(0, kPrefix.size()) != kPrefix || auth.size() == kPrefix.size() ||
      auth[kPrefix.size()] != ' ') {
    return S3Error(S3Code::kInvalidArgument,
                   "Unsupported Authorization Type: only AWS4-HMAC-SHA256 is supported");
  }
  std::map<std::string, std::string, std::less<>> fields;
  for (const std::string& part : Split(auth.substr(kPrefix.size() + 1), ',')) {
    std::string_view p = Trim(part);
    size_t eq = p.find('=');
    if (eq == std::string_view::npos)
      return Malformed("bad Authorization field '" + std::string(p) + "'");
    fields[std::string(Trim(p.substr(0, eq)))] = std::string(Trim(p.substr(eq + 1)));
  }
  if (!fields.count("Credential") || !fields.count("SignedHeaders") || !fields.count("Signature")) {
    return Malformed("the Authorization header needs Credential, SignedHeaders and Signature");
  }
  SignatureInput in;
  ASSIGN_OR_RETURN(in.cred, ParseCredential(fields["Credential"]));
  ASSIGN_OR_RETURN(std::string secret, SecretFor(in.cred.access_key));
  ASSIGN_OR_RETURN(in.amz_date, RequestAmzDate(req));
  ASSIGN_OR_RETURN(int64_t t, s3::ParseAmzDate(in.amz_date));
  if (in.amz_date.substr(0, 8) != in.cred.date) {
    return Malformed("the credential date " + in.cred.date + " does not match x-amz-date " +
                     in.amz_date);
  }
  RETURN_NOT_OK(CheckSkew(t, now, options_.max_skew_seconds));
  in.signed_headers = Split(fields["SignedHeaders"], ';');
  std::string_view content_sha = req.Header("x-amz-content-sha256");
  if (content_sha.empty()) {
    return S3Error(S3Code::kInvalidRequest,
                   "Missing required header for this request: x-amz-content-sha256");
  }
  in.payload_hash = std::string(content_sha);
  AuthResult r;
  r.anonymous = false;
  r.access_key = in.cred.access_key;
  ASSIGN_OR_RETURN(r.payload, ParsePayloadMode(content_sha));
  if (r.payload == PayloadMode::kSha256) r.payload_sha256 = in.payload_hash;
  std::string signing_key;
  std::string expected = ExpectedSignature(req, in, secret, &signing_key);
  if (!SameSignature(expected, fields["Signature"])) return SignatureMismatch();
  if (r.payload == PayloadMode::kStreamingSigned ||
      r.payload == PayloadMode::kStreamingSignedTrailer) {
    r.chunk_ctx = ChunkSigningContext{signing_key, in.amz_date, in.cred.scope, expected};
  }
  return r;
}

Result<AuthResult> Authenticator::VerifyPresigned(const HttpRequest& req, int64_t now) const {
  std::map<std::string, std::string> q;
  for (const std::string& part : Split(req.query, '&')) {
    size_t eq = part.find('=');
    if (eq == std::string::npos) continue;
    q[s3::UriDecode(part.substr(0, eq))] = s3::UriDecode(part.substr(eq + 1));
  }
  if (q["X-Amz-Algorithm"] != kPrefix) {
    return S3Error(S3Code::kAuthorizationHeaderMalformed,
                   "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");
  }
  SignatureInput in;
  ASSIGN_OR_RETURN(in.cred, ParseCredential(q["X-Amz-Credential"]));
  ASSIGN_OR_RETURN(std::string secret, SecretFor(in.cred.access_key));
  in.amz_date = q["X-Amz-Date"];
  ASSIGN_OR_RETURN(int64_t t, s3::ParseAmzDate(in.amz_date));
  const std::string& expires_text = q["X-Amz-Expires"];
  if (expires_text.empty() || expires_text.size() > 7 ||
      expires_text.find_first_not_of("0123456789") != std::string::npos) {
    return S3Error(S3Code::kAuthorizationHeaderMalformed,
                   "X-Amz-Expires must be a number of seconds");
  }
  int64_t expires = std::stoll(expires_text);
  if (expires > s3::kMaxPresignSeconds) {
    return S3Error(S3Code::kAuthorizationHeaderMalformed,
                   "X-Amz-Expires must be less than a week (in seconds); that is, the given "
                   "X-Amz-Expires must be less than 604800 seconds");
  }
  if (t > now + options_.max_skew_seconds) {
    return S3Error(S3Code::kAccessDenied, "Request is not valid yet");
  }
  if (now > t + expires) return S3Error(S3Code::kAccessDenied, "Request has expired");
  in.signed_headers = Split(q["X-Amz-SignedHeaders"], ';');
  in.payload_hash =
      q.count("X-Amz-Content-Sha256") ? q["X-Amz-Content-Sha256"] : "UNSIGNED-PAYLOAD";
  in.exclude_query = "X-Amz-Signature";
  std::string signing_key;
  std::string expected = ExpectedSignature(req, in, secret, &signing_key);
  if (!SameSignature(expected, q["X-Amz-Signature"])) return SignatureMismatch();
  AuthResult r;
  r.anonymous = false;
  r.access_key = in.cred.access_key;
  r.payload = PayloadMode::kUnsigned;
  return r;
}

std::string ChunkSigner::NextChunk(std::string_view chunk_sha256_hex) {
  std::string sts = "AWS4-HMAC-SHA256-PAYLOAD\n" + ctx_.amz_date + "\n" + ctx_.scope + "\n" +
                    ctx_.seed_signature + "\n" + std::string(s3::kEmptySha256) + "\n" +
                    std::string(chunk_sha256_hex);
  ctx_.seed_signature = s3::ComputeSignature(ctx_.signing_key, sts);
  return ctx_.seed_signature;
}

std::string ChunkSigner::Trailer(std::string_view canonical_trailers) {
  std::string sts = "AWS4-HMAC-SHA256-TRAILER\n" + ctx_.amz_date + "\n" + ctx_.scope + "\n" +
                    ctx_.seed_signature + "\n" + Sha256Hex(canonical_trailers);
  return s3::ComputeSignature(ctx_.signing_key, sts);
}

}  // namespace worm::server

#include "server/auth.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <vector>

#include "core/hash.h"
#include "core/strings.h"
#include "server/s3_errors.h"
#include "transport/s3/sigv4.h"

namespace worm::server {

namespace {

constexpr std::string_view kPrefix = "AWS4-HMAC-SHA256";
constexpr std::string_view kOws = " \t";  // HTTP optional whitespace (RFC 9110)

bool SameSignature(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// How a request authenticates; errors about its parameters use the code S3
// uses for that kind.
enum class AuthKind { kHeader, kQuery };

Status ParamError(AuthKind kind, std::string message) {
  return S3Error(kind == AuthKind::kHeader ? S3Code::kAuthorizationHeaderMalformed
                                           : S3Code::kAuthorizationQueryParametersError,
                 std::move(message));
}

Status Malformed(std::string message) { return ParamError(AuthKind::kHeader, std::move(message)); }

// The parts of "AKID/20130524/us-east-1/s3/aws4_request".
struct Credential {
  std::string access_key;
  std::string date;
  std::string region;
  std::string service;
  std::string scope;  // everything after the access key
};

// Parses a credential and checks its scope names a valid date, `region` and
// s3: a signature for another region or service is not one for this server.
Result<Credential> ParseCredential(std::string_view text, AuthKind kind, std::string_view region) {
  std::string what = kind == AuthKind::kHeader ? "the Credential" : "the X-Amz-Credential";
  std::vector<std::string> parts = Split(text, '/');
  if (parts.size() != 5 || parts[4] != "aws4_request" || parts[0].empty()) {
    return ParamError(kind, what + " '" + std::string(text) +
                                "' is malformed; expecting "
                                "\"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\"");
  }
  if (parts[1].size() != 8 || parts[1].find_first_not_of("0123456789") != std::string::npos ||
      !s3::ParseAmzDate(parts[1] + "T000000Z").ok()) {
    return ParamError(kind, what + " has an invalid date '" + parts[1] + "'; expecting YYYYMMDD");
  }
  if (parts[2] != region) {
    return ParamError(kind, what + " names region '" + parts[2] + "', which is wrong; expecting '" +
                                std::string(region) + "'");
  }
  if (parts[3] != "s3") {
    return ParamError(kind, what + " names service '" + parts[3] + "'; this endpoint uses 's3'");
  }
  Credential c{parts[0], parts[1], parts[2], parts[3], ""};
  c.scope = c.date + "/" + c.region + "/" + c.service + "/aws4_request";
  return c;
}

// The request's time as "20130524T000000Z", from x-amz-date or else the Date
// header; `*date_header` names the one used (it must be signed).
Result<std::string> RequestAmzDate(const HttpRequest& req, std::string* date_header) {
  std::string_view amz = req.Header("x-amz-date");
  if (!amz.empty()) {
    *date_header = "x-amz-date";
    return std::string(amz);
  }
  *date_header = "date";
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

// S3's rule for what a signature must cover: `host`, every x-amz-* header
// present, and `date_header` when present. Handlers act on x-amz-copy-source,
// x-amz-meta-*, x-amz-acl...: an unsigned one would ride on a signature made
// for another request. Names compare lowercase; a repeated header is checked
// once (its values are joined when canonicalized, so all are signed or none).
Status CheckEverythingSigned(const HttpRequest& req, const std::vector<std::string>& signed_headers,
                             std::string_view date_header) {
  auto is_signed = [&](std::string_view name) {
    return std::find(signed_headers.begin(), signed_headers.end(), name) != signed_headers.end();
  };
  std::vector<std::string> unsigned_names;
  auto note = [&](std::string name) {
    if (std::find(unsigned_names.begin(), unsigned_names.end(), name) == unsigned_names.end()) {
      unsigned_names.push_back(std::move(name));
    }
  };
  if (!is_signed("host")) note("host");
  for (const auto& [raw_name, value] : req.headers) {
    std::string name = AsciiLower(raw_name);
    bool must_sign = name.compare(0, 6, "x-amz-") == 0 || name == date_header;
    if (must_sign && !is_signed(name)) note(std::move(name));
  }
  if (unsigned_names.empty()) return Status::OK();
  std::string list;
  for (const std::string& n : unsigned_names) list += (list.empty() ? "" : ", ") + n;
  return S3Error(S3Code::kAccessDenied,
                 "There were headers present in the request which were not signed: " + list);
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

// Which authentication parameters a query string carries. Names are decoded
// and compared in any case, so a near-miss spelling is refused rather than
// served as anonymous.
struct QueryAuth {
  bool sigv4 = false;  // X-Amz-Algorithm, X-Amz-Credential or X-Amz-Signature
  bool sigv2 = false;  // AWSAccessKeyId or Signature
};

QueryAuth FindQueryAuth(std::string_view query) {
  QueryAuth out;
  if (query.empty()) return out;
  for (const std::string& part : Split(query, '&')) {
    std::string name = AsciiLower(s3::UriDecode(part.substr(0, part.find('='))));
    if (name == "x-amz-algorithm" || name == "x-amz-credential" || name == "x-amz-signature") {
      out.sigv4 = true;
    } else if (name == "awsaccesskeyid" || name == "signature") {
      out.sigv2 = true;
    }
  }
  return out;
}

AuthResult Anonymous() {
  AuthResult r;
  r.anonymous = true;
  return r;
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
  QueryAuth query_auth = FindQueryAuth(req.query);
  if (header_auth && (query_auth.sigv4 || query_auth.sigv2)) {
    return S3Error(S3Code::kInvalidArgument,
                   "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, "
                   "Signature query string parameter or the Authorization header should be "
                   "specified");
  }
  if (header_auth) return VerifyHeader(req, now);
  if (query_auth.sigv4) return VerifyPresigned(req, now);
  if (query_auth.sigv2) {
    return S3Error(S3Code::kAccessDenied,
                   "Signature Version 2 is not supported: sign with AWS4-HMAC-SHA256 (boto3: "
                   "Config(signature_version='s3v4'))");
  }
  if (!options_.allow_anonymous && !options_.anonymous_by_access_control) {
    return S3Error(S3Code::kAccessDenied,
                   "Access Denied: this server requires signed requests (start it with "
                   "--anonymous to allow unsigned ones)");
  }
  AuthResult r = Anonymous();
  ASSIGN_OR_RETURN(r.payload, ParsePayloadMode(req.Header("x-amz-content-sha256")));
  if (r.payload == PayloadMode::kSha256) r.payload_sha256 = req.Header("x-amz-content-sha256");
  return r;
}

std::string Authenticator::PrincipalOf(const std::string& access_key) const {
  auto it = options_.identities.find(access_key);
  return it == options_.identities.end() ? std::string(options_.root_identity) : it->second;
}

Result<std::string> Authenticator::SecretFor(std::string_view access_key) const {
  auto it = options_.secrets.find(std::string(access_key));
  if (it == options_.secrets.end()) {
    std::string message = "The AWS Access Key Id you provided does not exist in our records.";
    // --anonymous without keys: a signed request cannot be verified, and a
    // signature that is present is never ignored (S3 does the same).
    if (options_.secrets.empty()) message += " This server has none: send requests unsigned.";
    return S3Error(S3Code::kInvalidAccessKeyId, std::move(message));
  }
  return it->second;
}

Result<AuthResult> Authenticator::VerifyHeader(const HttpRequest& req, int64_t now) const {
  int authorization_headers = 0;
  for (const auto& [name, value] : req.headers) authorization_headers += name == "authorization";
  if (authorization_headers > 1) {
    return S3Error(S3Code::kInvalidArgument, "only one Authorization header is allowed");
  }
  std::string_view auth = Trim(req.Header("authorization"), kOws);
  if (auth.substr(0, kPrefix.size()) != kPrefix || auth.size() == kPrefix.size() ||
      auth[kPrefix.size()] != ' ') {
    return S3Error(S3Code::kInvalidArgument,
                   "Unsupported Authorization Type: only AWS4-HMAC-SHA256 is supported");
  }
  std::map<std::string, std::string, std::less<>> fields;
  for (const std::string& part : Split(auth.substr(kPrefix.size() + 1), ',')) {
    std::string_view p = Trim(part, kOws);
    size_t eq = p.find('=');
    if (eq == std::string_view::npos)
      return Malformed("bad Authorization field '" + std::string(p) + "'");
    auto [it, inserted] =
        fields.try_emplace(std::string(Trim(p.substr(0, eq), kOws)), Trim(p.substr(eq + 1), kOws));
    if (!inserted) return Malformed("the Authorization field " + it->first + " appears twice");
  }
  if (!fields.count("Credential") || !fields.count("SignedHeaders") || !fields.count("Signature")) {
    return Malformed("the Authorization header needs Credential, SignedHeaders and Signature");
  }
  SignatureInput in;
  ASSIGN_OR_RETURN(in.cred,
                   ParseCredential(fields["Credential"], AuthKind::kHeader, options_.region));
  ASSIGN_OR_RETURN(std::string secret, SecretFor(in.cred.access_key));
  std::string date_header;
  ASSIGN_OR_RETURN(in.amz_date, RequestAmzDate(req, &date_header));
  ASSIGN_OR_RETURN(int64_t t, s3::ParseAmzDate(in.amz_date));
  if (in.amz_date.substr(0, 8) != in.cred.date) {
    return Malformed("the credential date " + in.cred.date + " does not match the request date " +
                     in.amz_date);
  }
  RETURN_NOT_OK(CheckSkew(t, now, options_.max_skew_seconds));
  in.signed_headers = Split(fields["SignedHeaders"], ';');
  RETURN_NOT_OK(CheckEverythingSigned(req, in.signed_headers, date_header));
  std::string_view content_sha = req.Header("x-amz-content-sha256");
  if (content_sha.empty()) {
    return S3Error(S3Code::kInvalidRequest,
                   "Missing required header for this request: x-amz-content-sha256");
  }
  in.payload_hash = std::string(content_sha);
  AuthResult r;
  r.anonymous = false;
  r.access_key = in.cred.access_key;
  r.principal = PrincipalOf(r.access_key);
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

namespace {

// The presigned-URL parameters, each required exactly once.
constexpr std::string_view kPresignParams[] = {"X-Amz-Algorithm",     "X-Amz-Credential",
                                               "X-Amz-Date",          "X-Amz-Expires",
                                               "X-Amz-SignedHeaders", "X-Amz-Signature"};

Result<std::map<std::string, std::string>> ParsePresignQuery(std::string_view query) {
  std::map<std::string, std::string> q;
  for (const std::string& part : Split(query, '&')) {
    size_t eq = part.find('=');
    std::string name = s3::UriDecode(part.substr(0, eq));
    std::string value = eq == std::string::npos ? "" : s3::UriDecode(part.substr(eq + 1));
    bool auth_param = name.compare(0, 6, "X-Amz-") == 0;
    if (!q.try_emplace(name, std::move(value)).second && auth_param) {
      return ParamError(AuthKind::kQuery, "the query parameter " + name + " appears twice");
    }
  }
  for (std::string_view name : kPresignParams) {
    if (!q.count(std::string(name))) {
      return ParamError(AuthKind::kQuery,
                        "Query-string authentication version 4 requires the X-Amz-Algorithm, "
                        "X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and "
                        "X-Amz-Expires parameters (" +
                            std::string(name) + " is missing)");
    }
  }
  return q;
}

// X-Amz-Expires: a whole number of seconds, 1..604800 (0 would make a URL
// that is valid for the second it is signed in, and S3 refuses it).
Result<int64_t> ParseExpires(const std::string& text) {
  if (!text.empty() && text[0] == '-' && text.size() > 1 &&
      text.find_first_not_of("0123456789", 1) == std::string::npos) {
    return ParamError(AuthKind::kQuery, "X-Amz-Expires must be non-negative");
  }
  if (text.empty() || text.size() > 7 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return ParamError(AuthKind::kQuery, "X-Amz-Expires should be a number");
  }
  int64_t expires = std::stoll(text);
  if (expires < 1) {
    return ParamError(AuthKind::kQuery, "X-Amz-Expires must be at least 1 second");
  }
  if (expires > s3::kMaxPresignSeconds) {
    return ParamError(AuthKind::kQuery,
                      "X-Amz-Expires must be less than a week (in seconds); that is, the given "
                      "X-Amz-Expires must be less than 604800 seconds");
  }
  return expires;
}

}  // namespace

Result<AuthResult> Authenticator::VerifyPresigned(const HttpRequest& req, int64_t now) const {
  ASSIGN_OR_RETURN(auto q, ParsePresignQuery(req.query));
  if (q["X-Amz-Algorithm"] != kPrefix) {
    return ParamError(AuthKind::kQuery, "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");
  }
  SignatureInput in;
  ASSIGN_OR_RETURN(in.cred,
                   ParseCredential(q["X-Amz-Credential"], AuthKind::kQuery, options_.region));
  ASSIGN_OR_RETURN(std::string secret, SecretFor(in.cred.access_key));
  in.amz_date = q["X-Amz-Date"];
  Result<int64_t> t = s3::ParseAmzDate(in.amz_date);
  if (!t.ok()) {
    return ParamError(AuthKind::kQuery,
                      "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
  }
  if (in.amz_date.substr(0, 8) != in.cred.date) {
    return ParamError(AuthKind::kQuery, "Invalid credential date \"" + in.cred.date +
                                            "\". This date is not the same as X-Amz-Date: \"" +
                                            in.amz_date.substr(0, 8) + "\".");
  }
  ASSIGN_OR_RETURN(int64_t expires, ParseExpires(q["X-Amz-Expires"]));
  if (*t > now + options_.max_skew_seconds) {
    return S3Error(S3Code::kAccessDenied, "Request is not valid yet");
  }
  if (now > *t + expires) return S3Error(S3Code::kAccessDenied, "Request has expired");
  in.signed_headers = Split(q["X-Amz-SignedHeaders"], ';');
  RETURN_NOT_OK(CheckEverythingSigned(req, in.signed_headers, /*date_header=*/""));
  // The payload hash a presigned URL signs: UNSIGNED-PAYLOAD unless the URL
  // names one, which the body must then match.
  in.payload_hash =
      q.count("X-Amz-Content-Sha256") ? q["X-Amz-Content-Sha256"] : "UNSIGNED-PAYLOAD";
  Result<PayloadMode> mode = ParsePayloadMode(in.payload_hash);
  if (!mode.ok() || IsStreaming(*mode)) {
    return ParamError(AuthKind::kQuery,
                      "X-Amz-Content-Sha256 must be UNSIGNED-PAYLOAD or a hex SHA-256 in a "
                      "presigned URL");
  }
  in.exclude_query = "X-Amz-Signature";
  std::string signing_key;
  std::string expected = ExpectedSignature(req, in, secret, &signing_key);
  if (!SameSignature(expected, q["X-Amz-Signature"])) return SignatureMismatch();
  AuthResult r;
  r.anonymous = false;
  r.access_key = in.cred.access_key;
  r.principal = PrincipalOf(r.access_key);
  r.payload = *mode;
  if (r.payload == PayloadMode::kSha256) r.payload_sha256 = in.payload_hash;
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

#include "server/auth_fuzz.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/strings.h"
#include "server/auth.h"
#include "transport/s3/sigv4.h"

namespace worm::server {

namespace {

constexpr char kAccessKey[] = "AKIDFUZZ";
constexpr char kSecret[] = "fuzz-secret";
constexpr int64_t kNow = 1700000000;  // 2023-11-14T22:13:20Z
constexpr char kHost[] = "127.0.0.1:9000";

// An RFC 9110 token, as the HTTP parser requires of header names.
bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) &&
        std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

Authenticator MakeAuthenticator(bool anonymous) {
  AuthOptions o;
  o.allow_anonymous = anonymous;
  o.secrets[kAccessKey] = kSecret;
  return Authenticator(o);
}

// The fuzzed request: method, target and headers from the lines of `text`.
HttpRequest ParseRequest(std::string_view text) {
  HttpRequest req;
  size_t eol = text.find('\n');
  std::string_view first = text.substr(0, eol);
  size_t sp = first.find(' ');
  req.method = std::string(first.substr(0, sp));
  req.target = sp == std::string_view::npos ? "/" : std::string(first.substr(sp + 1));
  size_t q = req.target.find('?');
  req.path = req.target.substr(0, q);
  if (q != std::string::npos) req.query = req.target.substr(q + 1);
  while (eol != std::string_view::npos) {
    text.remove_prefix(eol + 1);
    eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || !IsToken(line.substr(0, colon))) continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    req.headers.emplace_back(AsciiLower(line.substr(0, colon)), std::string(value));
  }
  return req;
}

// Whether `req` carries something that makes a client-signed copy refusable:
// authentication parameters of its own in the query.
bool HasOwnAuth(const HttpRequest& req) {
  std::string q = AsciiLower(s3::UriDecode(req.query));
  return q.find("x-amz-") != std::string::npos || q.find("signature") != std::string::npos ||
         q.find("awsaccesskeyid") != std::string::npos;
}

// Signs (or presigns) `req` as our client would, for the fixed key and time.
HttpRequest SignedCopy(const HttpRequest& req, bool presign) {
  s3::HttpRequestParts parts{req.method, req.path, req.query, {}};
  for (const auto& [name, value] : req.headers) {
    // The signer sets these itself; the server adds Host.
    if (name == "authorization" || name == "host" || name == "x-amz-date" || name == "date" ||
        name == "x-amz-content-sha256" || name == "x-amz-security-token") {
      continue;
    }
    parts.headers.emplace_back(name, value);
  }
  parts.headers.emplace_back("host", kHost);
  s3::SigningScope scope;
  scope.unix_seconds = kNow;
  if (presign) {
    (void)s3::PresignRequest(&parts, {kAccessKey, kSecret, ""}, scope, 60);
  } else {
    s3::SignRequest(&parts, {kAccessKey, kSecret, ""}, scope, s3::kUnsignedPayload);
  }
  HttpRequest out = req;
  out.query = parts.query;
  out.target = out.path + (out.query.empty() ? "" : "?" + out.query);
  out.headers.clear();
  for (auto& [name, value] : parts.headers) out.headers.emplace_back(AsciiLower(name), value);
  return out;
}

}  // namespace

Status FuzzSigV4(const uint8_t* data, size_t size) {
  if (size == 0) return Status::OK();
  uint8_t flags = data[0];
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  Authenticator auth = MakeAuthenticator(flags & 1);

  // The bytes as an Authorization header value and as a presigned query.
  HttpRequest as_header;
  as_header.method = "GET";
  as_header.path = "/bkt/key";
  as_header.headers = {{"host", kHost},
                       {"authorization", std::string(text)},
                       {"x-amz-date", s3::FormatAmzDate(kNow)},
                       {"x-amz-content-sha256", std::string(s3::kUnsignedPayload)}};
  (void)auth.Authenticate(as_header, kNow);
  HttpRequest as_query;
  as_query.method = "GET";
  as_query.path = "/bkt/key";
  as_query.query = std::string(text);
  as_query.headers = {{"host", kHost}};
  (void)auth.Authenticate(as_query, kNow);

  HttpRequest req = ParseRequest(text);
  Result<AuthResult> plain = auth.Authenticate(req, kNow);
  bool sign = flags & 2, presign = flags & 4;
  if (!sign && !presign) return plain.status();
  if (HasOwnAuth(req)) return Status::OK();
  HttpRequest signed_req = SignedCopy(req, presign);
  Result<AuthResult> verified = auth.Authenticate(signed_req, kNow);
  if (!verified.ok() || verified->anonymous) {
    std::fprintf(stderr, "FuzzSigV4: a request signed by our client was refused: %s\n",
                 verified.ok() ? "served as anonymous" : verified.status().ToString().c_str());
    std::abort();
  }
  return Status::OK();
}

}  // namespace worm::server

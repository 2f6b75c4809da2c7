#include "server/auth_fuzz.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/strings.h"
#include "server/auth.h"
#include "server/s3_errors.h"
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
HttpRequest SignedCopy(const HttpRequest& req, bool presign, int64_t expires = 60) {
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
    (void)s3::PresignRequest(&parts, {kAccessKey, kSecret, ""}, scope, expires);
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

namespace {

[[noreturn]] void FormsBroken(const std::string& what) {
  std::fprintf(stderr, "FuzzSigV4Forms: %s\n", what.c_str());
  std::abort();
}

std::string* HeaderOf(HttpRequest* req, std::string_view name) {
  for (auto& [n, v] : req->headers) {
    if (n == name) return &v;
  }
  return nullptr;
}

std::vector<std::string> SplitOn(std::string_view s, char sep) {
  std::vector<std::string> out;
  for (size_t at = 0;;) {
    size_t next = s.find(sep, at);
    out.emplace_back(s.substr(at, next == std::string_view::npos ? s.npos : next - at));
    if (next == std::string_view::npos) return out;
    at = next + 1;
  }
}

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? std::string(sep) : "") + parts[i];
  return out;
}

bool Unreserved(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' ||
         c == '~';
}

void SetTarget(HttpRequest* req) {
  req->target = req->path + (req->query.empty() ? "" : "?" + req->query);
}

// "Credential=...", "SignedHeaders=...", "Signature=..." of our client's
// Authorization header.
std::vector<std::string> AuthFields(HttpRequest* req) {
  std::string* auth = HeaderOf(req, "authorization");
  if (auth == nullptr) FormsBroken("our client sent no Authorization header");
  return SplitOn(auth->substr(std::string_view("AWS4-HMAC-SHA256 ").size()), ',');
}

// The signature's characters in the request: the Authorization header's
// Signature value or the query's X-Amz-Signature value.
std::string* SignatureText(HttpRequest* req, bool presign, size_t* at) {
  std::string* text = presign ? &req->query : HeaderOf(req, "authorization");
  size_t pos = text->rfind(presign ? "X-Amz-Signature=" : "Signature=");
  if (pos == std::string::npos) FormsBroken("no signature in our client's request");
  *at = pos + (presign ? 16 : 10);
  return text;
}

// The verdict an operation must lead to.
enum class Expect { kAccepted, kRefused, kMismatch, kDenied };

// Applies operation `op` with parameter `param` to `req` (as signed).
Expect Apply(int op, uint8_t param, bool presign, int64_t expires, HttpRequest* req, int64_t* now) {
  switch (op) {
    case 0: {
      if (presign) {
        std::vector<std::string> params = SplitOn(req->query, '&');
        std::rotate(params.begin(), params.begin() + param % params.size(), params.end());
        req->query = Join(params, "&");
        SetTarget(req);
        return Expect::kAccepted;
      }
      std::vector<std::string> fields = AuthFields(req);
      std::rotate(fields.begin(), fields.begin() + param % fields.size(), fields.end());
      static const char* kSpace[] = {"", " ", "\t", " \t "};
      for (size_t i = 0; i < fields.size(); ++i) {
        size_t eq = fields[i].find('=');
        fields[i] = std::string(kSpace[(param >> (2 * i)) & 3]) + fields[i].substr(0, eq) +
                    kSpace[(param >> 3) & 3] + "=" + kSpace[(param >> 5) & 3] +
                    fields[i].substr(eq + 1) + kSpace[(param >> 1) & 3];
      }
      *HeaderOf(req, "authorization") = "AWS4-HMAC-SHA256 " + Join(fields, ",");
      return Expect::kAccepted;
    }
    case 1: {
      // Not the two characters after a '%': they may be an escape's digits.
      std::vector<std::pair<std::string*, size_t>> spots;
      for (std::string* text : {&req->query, &req->path}) {
        for (size_t i = 0; i < text->size(); ++i) {
          bool escape = (i >= 1 && (*text)[i - 1] == '%') || (i >= 2 && (*text)[i - 2] == '%');
          if (Unreserved((*text)[i]) && !escape) spots.emplace_back(text, i);
        }
      }
      if (spots.empty()) return Expect::kAccepted;
      auto [text, at] = spots[param % spots.size()];
      char hex[4];
      std::snprintf(hex, sizeof(hex), param & 0x80 ? "%%%02x" : "%%%02X",
                    static_cast<unsigned char>((*text)[at]));
      text->replace(at, 1, hex);
      SetTarget(req);
      return Expect::kAccepted;
    }
    case 2: {
      size_t at = 0;
      std::string* text = SignatureText(req, presign, &at);
      at += param % 64;
      char& c = (*text)[at];
      c = c == '0' ? '1' : '0';
      SetTarget(req);
      return Expect::kMismatch;
    }
    case 3: {
      char extra = static_cast<char>('A' + param % 26);
      if (presign) {
        std::vector<std::string> params = SplitOn(req->query, '&');
        params[param % params.size()] += extra;
        req->query = Join(params, "&");
        SetTarget(req);
        return Expect::kRefused;
      }
      std::string signed_headers;
      for (const std::string& f : AuthFields(req)) {
        if (f.rfind("SignedHeaders=", 0) == 0) signed_headers = f.substr(14);
      }
      std::vector<std::string> names = SplitOn(signed_headers, ';');
      std::string* value = HeaderOf(req, names[param % names.size()]);
      if (value == nullptr) FormsBroken("a signed header is missing");
      *value += extra;
      return Expect::kRefused;
    }
    case 4: {
      bool present = HeaderOf(req, "x-amz-fuzz-unsigned") != nullptr;
      req->headers.emplace_back("x-amz-fuzz-unsigned", "1");
      return present ? Expect::kRefused : Expect::kDenied;
    }
    case 5: {
      int64_t delta = static_cast<int8_t>(param) * 16;
      *now = kNow + delta;
      bool ok = presign ? delta >= -15 * 60 && delta <= expires : std::abs(delta) <= 15 * 60;
      return ok ? Expect::kAccepted : Expect::kRefused;
    }
    default: {
      if (presign) {
        req->query += "&X-Amz-Date=" + s3::FormatAmzDate(kNow);
        SetTarget(req);
      } else {
        std::vector<std::string> fields = AuthFields(req);
        fields.push_back(fields[param % fields.size()]);
        *HeaderOf(req, "authorization") = "AWS4-HMAC-SHA256 " + Join(fields, ",");
      }
      return Expect::kRefused;
    }
  }
}

}  // namespace

Status FuzzSigV4Forms(const uint8_t* data, size_t size) {
  if (size < 3) return Status::OK();
  bool presign = data[0] & 1;
  int64_t expires = 1 + (data[0] >> 1) * 17;  // 1..2160 s
  int op = data[1] % 7;
  uint8_t param = data[2];
  std::string_view text(reinterpret_cast<const char*>(data) + 3, size - 3);
  HttpRequest req = ParseRequest(text);
  if (HasOwnAuth(req)) return Status::OK();
  HttpRequest signed_req = SignedCopy(req, presign, expires);
  if (!presign && HeaderOf(&signed_req, "authorization") == nullptr) return Status::OK();
  int64_t now = kNow;
  Expect expect = Apply(op, param, presign, expires, &signed_req, &now);
  Authenticator auth = MakeAuthenticator(false);
  Result<AuthResult> got = auth.Authenticate(signed_req, now);
  std::string verdict = got.ok() ? "accepted" : got.status().ToString();
  std::string what = "operation " + std::to_string(op) + (presign ? " (presigned)" : "") + ": ";
  switch (expect) {
    case Expect::kAccepted:
      if (!got.ok()) FormsBroken(what + "an equivalent request was refused: " + verdict);
      break;
    case Expect::kRefused:
      if (got.ok()) FormsBroken(what + "a changed request was accepted");
      break;
    case Expect::kMismatch:
      if (got.ok() || ToS3Error(got.status()).code != "SignatureDoesNotMatch") {
        FormsBroken(what + "a changed signature: " + verdict);
      }
      break;
    case Expect::kDenied:
      if (got.ok() || ToS3Error(got.status()).code != "AccessDenied") {
        FormsBroken(what + "an unsigned x-amz-* header: " + verdict);
      }
      break;
  }
  return got.status();
}

}  // namespace worm::server

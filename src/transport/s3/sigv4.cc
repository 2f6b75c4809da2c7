#include "transport/s3/sigv4.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <ctime>
#include <map>

#include "core/hash.h"
#include "core/strings.h"

namespace worm::s3 {
namespace {

// A table, not std::isalnum (a locale call per byte): listings encode every key.
constexpr std::array<bool, 256> kUnreserved = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c) {
    t[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
  }
  return t;
}();

bool IsUnreserved(unsigned char c) { return kUnreserved[c]; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::tm UtcTime(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return tm;
}

bool IsUnsignedHeader(std::string_view lower_name) {
  static constexpr std::string_view kSkip[] = {
      "authorization", "user-agent",        "expect",
      "connection",    "transfer-encoding", "x-amzn-trace-id"};
  return std::find(std::begin(kSkip), std::end(kSkip), lower_name) != std::end(kSkip);
}

void SetHeader(HeaderList* headers, std::string_view name, std::string value) {
  for (auto& [k, v] : *headers) {
    if (AsciiLower(k) == name) {
      v = std::move(value);
      return;
    }
  }
  headers->emplace_back(std::string(name), std::move(value));
}

std::string SignedHeadersFor(const HttpRequestParts& request) {
  return CanonicalizeHeaders(request.headers).signed_headers;
}

SigningResult Sign(const HttpRequestParts& request, const SigningCredentials& credentials,
                   const SigningScope& scope, std::string_view payload_hash,
                   std::string_view exclude_query_key) {
  SigningResult r;
  CanonicalHeaders headers = CanonicalizeHeaders(request.headers);
  r.canonical_request = BuildCanonicalRequest(
      request.method, CanonicalUri(request.path),
      CanonicalQueryString(request.query, exclude_query_key), headers, payload_hash);
  std::string cred_scope = CredentialScope(scope.unix_seconds, scope.region, scope.service);
  r.string_to_sign = BuildStringToSign(scope.unix_seconds, cred_scope, r.canonical_request);
  std::string key = DeriveSigningKey(credentials.secret_access_key, scope.unix_seconds,
                                     scope.region, scope.service);
  r.signature = ComputeSignature(key, r.string_to_sign);
  r.authorization = std::string(kSigV4Algorithm) + " Credential=" + credentials.access_key_id +
                    "/" + cred_scope + ",SignedHeaders=" + headers.signed_headers +
                    ",Signature=" + r.signature;
  return r;
}

void AppendQuery(std::string* query, std::string_view key, std::string_view value) {
  if (!query->empty()) query->push_back('&');
  query->append(UriEncode(key, false));
  query->push_back('=');
  query->append(UriEncode(value, false));
}

}  // namespace

std::string UriEncode(std::string_view in, bool keep_slash) {
  std::string out;
  out.reserve(in.size() + in.size() / 4);
  AppendUriEncoded(&out, in, keep_slash);
  return out;
}

void AppendUriEncoded(std::string* out, std::string_view in, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  size_t run = 0;  // start of the bytes not yet copied: they go in one append
  for (size_t i = 0; i < in.size(); ++i) {
    auto c = static_cast<unsigned char>(in[i]);
    if (IsUnreserved(c) || (keep_slash && c == '/')) continue;
    out->append(in.data() + run, i - run);
    const char esc[3] = {'%', kHex[c >> 4], kHex[c & 0xF]};
    out->append(esc, 3);
    run = i + 1;
  }
  out->append(in.data() + run, in.size() - run);
}

char* WriteUriEncoded(char* out, std::string_view in, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  auto plain = [keep_slash](unsigned char c) {
    return IsUnreserved(c) || (keep_slash && c == '/');
  };
  size_t i = 0;
  while (i < in.size()) {
    size_t run = i;  // bytes that stay as they are go in one copy
    while (run < in.size() && plain(static_cast<unsigned char>(in[run]))) ++run;
    std::memcpy(out, in.data() + i, run - i);
    out += run - i;
    if (run == in.size()) break;
    auto c = static_cast<unsigned char>(in[run]);
    out[0] = '%';
    out[1] = kHex[c >> 4];
    out[2] = kHex[c & 0xF];
    out += 3;
    i = run + 1;
  }
  return out;
}

std::string UriDecode(std::string_view in) {
  std::string out(in);
  UriDecodeInPlace(&out);
  return out;
}

void UriDecodeInPlace(std::string* s) {
  size_t i = s->find('%');
  if (i == std::string::npos) return;
  char* d = s->data();
  size_t w = i;
  for (; i < s->size(); ++i) {
    if (d[i] == '%' && i + 2 < s->size()) {
      int hi = HexValue(d[i + 1]);
      int lo = HexValue(d[i + 2]);
      if (hi >= 0 && lo >= 0) {
        d[w++] = static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    d[w++] = d[i];
  }
  s->resize(w);
}

std::string FormatAmzDate(int64_t unix_seconds) {
  std::tm tm = UtcTime(unix_seconds);
  char buf[20];
  std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string FormatDateStamp(int64_t unix_seconds) {
  return FormatAmzDate(unix_seconds).substr(0, 8);
}

Result<int64_t> ParseAmzDate(std::string_view s) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') {
    return Status::InvalidArgument("x-amz-date: expected YYYYMMDDTHHMMSSZ, got '" + std::string(s) +
                                   "'");
  }
  std::tm tm{};
  std::string str(s);
  if (strptime(str.c_str(), "%Y%m%dT%H%M%SZ", &tm) == nullptr) {
    return Status::InvalidArgument("x-amz-date: malformed '" + str + "'");
  }
  return static_cast<int64_t>(timegm(&tm));
}

std::string CanonicalUri(std::string_view wire_path) {
  if (wire_path.empty()) return "/";
  return UriEncode(UriDecode(wire_path), /*keep_slash=*/true);
}

std::string CanonicalQueryString(std::string_view wire_query, std::string_view exclude_key) {
  std::vector<std::pair<std::string, std::string>> params;
  size_t pos = 0;
  while (pos <= wire_query.size() && !wire_query.empty()) {
    size_t amp = wire_query.find('&', pos);
    if (amp == std::string_view::npos) amp = wire_query.size();
    std::string_view part = wire_query.substr(pos, amp - pos);
    if (!part.empty()) {
      size_t eq = part.find('=');
      std::string key = UriDecode(part.substr(0, eq));
      std::string value = eq == std::string_view::npos ? "" : UriDecode(part.substr(eq + 1));
      if (exclude_key.empty() || key != exclude_key) {
        params.emplace_back(UriEncode(key, false), UriEncode(value, false));
      }
    }
    pos = amp + 1;
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out.push_back('&');
    out += k;
    out.push_back('=');
    out += v;
  }
  return out;
}

std::string CanonicalHeaderValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  bool in_space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t') {
      in_space = true;
      continue;
    }
    if (in_space && !out.empty()) out.push_back(' ');
    in_space = false;
    out.push_back(c);
  }
  return out;
}

CanonicalHeaders CanonicalizeHeaders(const HeaderList& headers,
                                     const std::vector<std::string>& only) {
  std::map<std::string, std::string> merged;
  for (const auto& [name, value] : headers) {
    std::string lower = AsciiLower(name);
    if (only.empty() ? IsUnsignedHeader(lower)
                     : std::find(only.begin(), only.end(), lower) == only.end()) {
      continue;
    }
    auto [it, inserted] = merged.try_emplace(lower, CanonicalHeaderValue(value));
    if (!inserted) it->second += "," + CanonicalHeaderValue(value);
  }
  CanonicalHeaders out;
  for (const auto& [name, value] : merged) {
    out.canonical += name + ":" + value + "\n";
    if (!out.signed_headers.empty()) out.signed_headers.push_back(';');
    out.signed_headers += name;
  }
  return out;
}

std::string BuildCanonicalRequest(std::string_view method, std::string_view canonical_uri,
                                  std::string_view canonical_query, const CanonicalHeaders& headers,
                                  std::string_view payload_hash) {
  std::string out;
  out.reserve(256 + headers.canonical.size());
  out.append(method).append("\n");
  out.append(canonical_uri).append("\n");
  out.append(canonical_query).append("\n");
  out.append(headers.canonical).append("\n");
  out.append(headers.signed_headers).append("\n");
  out.append(payload_hash);
  return out;
}

std::string CredentialScope(int64_t unix_seconds, std::string_view region,
                            std::string_view service) {
  return FormatDateStamp(unix_seconds) + "/" + std::string(region) + "/" + std::string(service) +
         "/aws4_request";
}

std::string BuildStringToSign(int64_t unix_seconds, std::string_view scope,
                              std::string_view canonical_request) {
  return std::string(kSigV4Algorithm) + "\n" + FormatAmzDate(unix_seconds) + "\n" +
         std::string(scope) + "\n" + Sha256Hex(canonical_request);
}

std::string DeriveSigningKey(std::string_view secret, int64_t unix_seconds, std::string_view region,
                             std::string_view service) {
  // The key changes once a day: each thread keeps the last one, which saves
  // four HMACs on nearly every request it signs or verifies.
  struct Last {
    std::string secret, date, region, service, key;
  };
  thread_local Last last;
  std::string date = FormatDateStamp(unix_seconds);
  if (!last.key.empty() && last.date == date && last.secret == secret && last.region == region &&
      last.service == service) {
    return last.key;
  }
  std::string k = HmacSha256Raw("AWS4" + std::string(secret), date);
  k = HmacSha256Raw(k, region);
  k = HmacSha256Raw(k, service);
  k = HmacSha256Raw(k, "aws4_request");
  last = {std::string(secret), std::move(date), std::string(region), std::string(service), k};
  return k;
}

std::string ComputeSignature(std::string_view signing_key, std::string_view string_to_sign) {
  return HexEncode(HmacSha256Raw(signing_key, string_to_sign));
}

SigningResult SignRequest(HttpRequestParts* request, const SigningCredentials& credentials,
                          const SigningScope& scope, std::string_view payload_hash) {
  SetHeader(&request->headers, "x-amz-date", FormatAmzDate(scope.unix_seconds));
  SetHeader(&request->headers, "x-amz-content-sha256", std::string(payload_hash));
  if (!credentials.session_token.empty()) {
    SetHeader(&request->headers, "x-amz-security-token", credentials.session_token);
  }
  SigningResult r = Sign(*request, credentials, scope, payload_hash, {});
  SetHeader(&request->headers, "Authorization", r.authorization);
  return r;
}

Result<SigningResult> PresignRequest(HttpRequestParts* request,
                                     const SigningCredentials& credentials,
                                     const SigningScope& scope, int64_t expires_seconds) {
  if (expires_seconds < 1 || expires_seconds > kMaxPresignSeconds) {
    return Status::InvalidArgument("presign: expiry must be 1.." +
                                   std::to_string(kMaxPresignSeconds) + " seconds, got " +
                                   std::to_string(expires_seconds));
  }
  std::string cred_scope = CredentialScope(scope.unix_seconds, scope.region, scope.service);
  AppendQuery(&request->query, "X-Amz-Algorithm", kSigV4Algorithm);
  AppendQuery(&request->query, "X-Amz-Credential", credentials.access_key_id + "/" + cred_scope);
  AppendQuery(&request->query, "X-Amz-Date", FormatAmzDate(scope.unix_seconds));
  AppendQuery(&request->query, "X-Amz-Expires", std::to_string(expires_seconds));
  if (!credentials.session_token.empty()) {
    AppendQuery(&request->query, "X-Amz-Security-Token", credentials.session_token);
  }
  AppendQuery(&request->query, "X-Amz-SignedHeaders", SignedHeadersFor(*request));
  SigningResult r = Sign(*request, credentials, scope, kUnsignedPayload, "X-Amz-Signature");
  r.authorization.clear();
  AppendQuery(&request->query, "X-Amz-Signature", r.signature);
  return r;
}

}  // namespace worm::s3

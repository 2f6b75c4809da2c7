// Helpers shared by the S3 handlers: responses, ETags, dates, metadata,
// conditional requests, copy sources.
#include <strings.h>

#include <cctype>
#include <ctime>

#include "core/strings.h"
#include "core/utf8.h"
#include "server/access_control.h"
#include "server/checksums.h"
#include "server/handlers.h"
#include "server/s3_errors.h"
#include "transport/s3/sigv4.h"

namespace worm::server {

namespace {

// True when `etag` is listed in an If-Match / If-None-Match value ("*" matches any).
bool EtagListed(std::string_view list, std::string_view etag) {
  size_t pos = 0;
  while (pos < list.size()) {
    size_t comma = list.find(',', pos);
    std::string_view item =
        list.substr(pos, comma == std::string_view::npos ? list.npos : comma - pos);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.substr(0, 2) == "W/") item.remove_prefix(2);
    if (item.size() >= 2 && item.front() == '"' && item.back() == '"')
      item = item.substr(1, item.size() - 2);
    if (item == "*" || item == etag) return true;
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return false;
}

Status Precondition() {
  return S3Error(S3Code::kPreconditionFailed,
                 "At least one of the pre-conditions you specified did not hold");
}

}  // namespace

std::string ChecksumMetaName(ChecksumAlgorithm a) {
  return "worm:checksum-" + AsciiLower(ChecksumName(a));
}

HttpResponse ErrorFor(const RequestContext& ctx, const Status& status) {
  return ErrorResponse(status, ctx.http.path, ctx.http.request_id, ctx.head);
}

HttpResponse XmlOk(const RequestContext& ctx, std::string xml, int status) {
  HttpResponse r;
  r.status = status;
  r.Set("x-amz-request-id", ctx.http.request_id);
  r.Set("Content-Type", "application/xml");
  r.body = std::move(xml);
  return r;
}

HttpResponse Empty(const RequestContext& ctx, int status) {
  HttpResponse r;
  r.status = status;
  r.Set("x-amz-request-id", ctx.http.request_id);
  return r;
}

const std::string& S3Etag(const ObjectMeta& meta) {
  static const std::string kKey(kMetaEtag);
  if (meta.user_metadata.empty()) return meta.etag;  // no lookup for the common case
  auto it = meta.user_metadata.find(kKey);
  return it == meta.user_metadata.end() ? meta.etag : it->second;
}

std::string Quoted(std::string_view etag) { return "\"" + std::string(etag) + "\""; }

std::string HttpDate(int64_t unix_ms) {
  std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  // Hot GETs of one object format the same second again and again.
  thread_local std::time_t last = -1;
  thread_local std::string last_text;
  if (t == last) return last_text;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  last = t;
  last_text = buf;
  return last_text;
}

std::optional<int64_t> ParseHttpDate(std::string_view text) {
  std::string s(text);
  std::tm tm{};
  const char* end = strptime(s.c_str(), "%a, %d %b %Y %H:%M:%S", &tm);
  if (end == nullptr) {
    tm = {};
    end = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);  // ISO 8601, as some SDKs send
  }
  if (end == nullptr) return std::nullopt;
  return static_cast<int64_t>(timegm(&tm));
}

std::string IsoDate(int64_t unix_ms) { return FormatTimestamp(unix_ms); }

Status ValidateObjectKey(const std::string& key) {
  if (key.empty()) return S3Error(S3Code::kInvalidArgument, "An object key must not be empty");
  if (key.size() > 1024) {
    return S3Error(S3Code::kKeyTooLongError, "Your key is too long: " + std::to_string(key.size()) +
                                                 " bytes (the limit is 1024)");
  }
  return Status::OK();
}

Status ValidateNewObjectKey(const std::string& key) {
  RETURN_NOT_OK(ValidateObjectKey(key));
  if (!IsValidUtf8(key)) {
    return S3Error(S3Code::kInvalidURI,
                   "Couldn't parse the specified URI: the object key is not valid UTF-8");
  }
  return Status::OK();
}

Status CheckVersionId(std::string_view version_id) {
  if (version_id == "null") return Status::OK();
  if (version_id.empty()) {
    return S3Error(S3Code::kInvalidArgument, "Version id cannot be the empty string");
  }
  return S3Error(S3Code::kInvalidArgument,
                 "Invalid version id specified: this bucket is not versioned, so 'null' is its "
                 "only version id");
}

Status KeyError(const Status& status) {
  if (status.IsInvalidArgument() && status.message().find("cannot also be") != std::string::npos) {
    return S3Error(S3Code::kKeyConflict, status.message());
  }
  if (status.IsInvalidArgument() &&
      status.message().find("cannot store this key") != std::string::npos) {
    return S3Error(S3Code::kInvalidArgument, status.message());
  }
  return status;
}

namespace {

// A request header's value as stored. HTTP field values are bytes; those that
// are not UTF-8 are taken as ISO-8859-1 (RFC 9110 section 5.5: obs-text) and
// stored as the same characters in UTF-8, so stored text is always UTF-8
// (the multipart upload record is JSON). UTF-8 and ASCII keep their bytes.
std::string HeaderText(std::string_view value) {
  if (IsValidUtf8(value)) return std::string(value);
  std::string out;
  out.reserve(value.size() * 2);
  for (char c : value) AppendUtf8(static_cast<unsigned char>(c), &out);
  return out;
}

bool IsAwsChunked(std::string_view coding) {
  while (!coding.empty() && (coding.front() == ' ' || coding.front() == '\t'))
    coding.remove_prefix(1);
  while (!coding.empty() && (coding.back() == ' ' || coding.back() == '\t'))
    coding.remove_suffix(1);
  return strcasecmp(std::string(coding).c_str(), "aws-chunked") == 0;
}

// Content-Encoding as stored: without aws-chunked, which is transfer framing
// and not a property of the object (S3 drops it too). The other codings keep
// their bytes, separators included ("deflate, gzip" stays "deflate, gzip").
std::string StoredContentEncoding(std::string_view value) {
  std::string kept;
  bool dropped = false;
  for (size_t pos = 0; pos <= value.size();) {
    size_t comma = value.find(',', pos);
    if (comma == std::string_view::npos) comma = value.size();
    std::string_view item = value.substr(pos, comma - pos);
    if (IsAwsChunked(item)) {
      dropped = true;
    } else {
      if (!kept.empty() || dropped) kept += ',';
      kept += item;
    }
    pos = comma + 1;
  }
  if (!dropped) return std::string(value);
  // Dropping a coding leaves a separator at an end: "aws-chunked, gzip" -> "gzip".
  size_t first = kept.find_first_not_of(" \t,");
  if (first == std::string::npos) return "";
  size_t last = kept.find_last_not_of(" \t,");
  return kept.substr(first, last - first + 1);
}

// True when a metadata value cannot go back in a header as is: anything but
// printable ASCII and tab (S3 then sends it RFC 2047-encoded).
bool NeedsEncodedWord(std::string_view value) {
  for (char ch : value) {
    auto c = static_cast<unsigned char>(ch);
    if (c >= 0x7F || (c < 0x20 && c != '\t')) return true;
  }
  return false;
}

}  // namespace

Status MetadataFromRequest(const RequestContext& ctx, WriteOptions* o) {
  o->content_type = HeaderText(ctx.H("content-type"));
  for (const auto& [name, value] : ctx.http.headers) {
    if (name.rfind("x-amz-meta-", 0) != 0) continue;
    // Repeated headers are one value, comma-separated, as S3 combines them.
    auto [it, fresh] = o->user_metadata.try_emplace(name.substr(11), HeaderText(value));
    if (!fresh) it->second += "," + HeaderText(value);
  }
  size_t total = 0;
  for (const auto& [name, value] : o->user_metadata) total += name.size() + value.size();
  if (total > 2048) {
    return S3Error(S3Code::kInvalidArgument,
                   "Your metadata headers exceed the maximum allowed metadata size (2 KB)");
  }
  for (std::string_view h : kStoredHeaders) {
    std::string value = HeaderText(ctx.H(h));
    if (h == "content-encoding") value = StoredContentEncoding(value);
    if (h == "x-amz-website-redirect-location" && !value.empty() && value.front() != '/' &&
        value.rfind("http://", 0) != 0 && value.rfind("https://", 0) != 0) {
      return S3Error(S3Code::kInvalidArgument,
                     "The website redirect location must have a prefix of 'http://' or "
                     "'https://' or '/'.");
    }
    if (!value.empty()) o->user_metadata["worm:" + std::string(h)] = std::move(value);
  }
  return Status::OK();
}

Status RefuseUnsupportedWriteHeaders(const RequestContext& ctx) {
  std::string_view sse = ctx.H("x-amz-server-side-encryption");
  if (!sse.empty() && sse != "AES256") {
    return S3Error(S3Code::kNotImplemented,
                   "A header you provided implies functionality that is not implemented: "
                   "x-amz-server-side-encryption: " +
                       std::string(sse) + " (only AES256 is accepted)");
  }
  for (std::string_view h : {"x-amz-server-side-encryption-customer-algorithm",
                             "x-amz-copy-source-server-side-encryption-customer-algorithm"}) {
    if (ctx.http.HasHeader(h)) {
      return S3Error(S3Code::kNotImplemented,
                     "A header you provided implies functionality that is not implemented: " +
                         std::string(h) + " (SSE-C)");
    }
  }
  for (std::string_view h : {"x-amz-object-lock-mode", "x-amz-object-lock-retain-until-date",
                             "x-amz-object-lock-legal-hold"}) {
    if (ctx.http.HasHeader(h)) {
      return S3Error(S3Code::kInvalidRequest,
                     "Bucket is missing Object Lock Configuration (" + std::string(h) + ")");
    }
  }
  return Status::OK();
}

std::string MetadataHeaderValue(std::string_view value) {
  if (!NeedsEncodedWord(value)) return std::string(value);
  return "=?UTF-8?B?" + Base64Encode(value) + "?=";
}

void AddObjectHeaders(const ObjectMeta& meta, HttpResponse* r) {
  r->Set("ETag", Quoted(S3Etag(meta)));
  r->Set("Last-Modified", HttpDate(meta.last_modified_ms));
  r->Set("Content-Type", meta.content_type.empty() ? "binary/octet-stream" : meta.content_type);
  r->Set("Accept-Ranges", "bytes");
  for (const auto& [name, value] : meta.user_metadata) {
    if (name.rfind(kMetaPrefix, 0) != 0) {
      r->Set("x-amz-meta-" + name, MetadataHeaderValue(value));
      continue;
    }
    for (std::string_view h : kStoredHeaders) {
      if (name.substr(kMetaPrefix.size()) == h) r->Set(std::string(h), value);
    }
  }
}

void AddChecksumHeaders(const ObjectMeta& meta, HttpResponse* r) {
  for (ChecksumAlgorithm a : kAllChecksums) {
    auto it = meta.user_metadata.find(ChecksumMetaName(a));
    if (it == meta.user_metadata.end()) continue;
    r->Set(std::string(ChecksumHeader(a)), it->second);
    auto type = meta.user_metadata.find(std::string(kMetaChecksumType));
    r->Set("x-amz-checksum-type", type == meta.user_metadata.end() ? "FULL_OBJECT" : type->second);
  }
}

Result<std::shared_ptr<Bucket>> BucketOf(ServiceEnv& env, const RequestContext& ctx) {
  return env.store->Get(ctx.bucket);
}

Status CheckConditions(const ObjectMeta& meta, std::string_view if_match,
                       std::string_view if_none_match, std::string_view ims, std::string_view ius) {
  const std::string etag = S3Etag(meta);
  const int64_t modified_s = meta.last_modified_ms / 1000;
  bool match_ok = false;
  if (!if_match.empty()) {
    if (!EtagListed(if_match, etag)) return Precondition();
    match_ok = true;
  }
  if (!ius.empty() && !match_ok) {
    std::optional<int64_t> t = ParseHttpDate(ius);
    if (t && modified_s > *t) return Precondition();
  }
  bool none_match_ok = false;
  if (!if_none_match.empty()) {
    if (EtagListed(if_none_match, etag)) return S3Error(S3Code::kNotModified, "Not Modified");
    none_match_ok = true;
  }
  if (!ims.empty() && !none_match_ok) {
    std::optional<int64_t> t = ParseHttpDate(ims);
    if (t && modified_s <= *t) return S3Error(S3Code::kNotModified, "Not Modified");
  }
  return Status::OK();
}

Dispatch WithSmallBody(const Ctx& ctx, size_t limit,
                       std::function<HttpResponse(const std::string& body)> done) {
  Result<BodyExpectations> expect = ParseBodyExpectations(ctx->http, ctx->auth);
  if (!expect.ok()) return Fail(*ctx, expect.status());
  auto consumer = NewBufferedConsumer(
      limit, [ctx, done](const Status& st, std::string body, const VerifiedBody&) {
        if (!st.ok()) return ErrorFor(*ctx, st);
        return done(body);
      });
  Dispatch d;
  d.sink = NewVerifyingSink(std::move(*expect), std::move(consumer));
  return d;
}

Status CopyStream(ReadStream* source, WriteStream* sink, Checksummer* checksum) {
  std::string buf(256 * 1024, '\0');
  for (;;) {
    ASSIGN_OR_RETURN(size_t n, source->Read(buf.data(), buf.size()));
    if (n == 0) return Status::OK();
    std::string_view chunk(buf.data(), n);
    if (checksum != nullptr) checksum->Update(chunk);
    RETURN_NOT_OK(sink->Append(chunk));
  }
}

Result<CopySource> OpenCopySource(ServiceEnv& env, const RequestContext& ctx,
                                  const CopyRangeFn& range) {
  // "bucket/key[?versionId=id]", the key percent-encoded: the '?' is split
  // off before decoding, so a key holding an encoded '?' stays whole.
  std::string_view raw = ctx.H("x-amz-copy-source");
  size_t q = raw.find('?');
  if (q != std::string_view::npos) {
    std::string_view query = raw.substr(q + 1);
    raw = raw.substr(0, q);
    if (query.rfind("versionId=", 0) != 0) {
      return S3Error(S3Code::kInvalidArgument,
                     "Invalid copy source: only ?versionId= may follow the source key");
    }
    RETURN_NOT_OK(CheckVersionId(s3::UriDecode(query.substr(10))));
  }
  for (size_t i = raw.find('%'); i != std::string_view::npos; i = raw.find('%', i + 1)) {
    if (i + 2 >= raw.size() || !std::isxdigit(static_cast<unsigned char>(raw[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(raw[i + 2]))) {
      return S3Error(S3Code::kInvalidArgument,
                     "Invalid copy source encoding: a '%' not followed by two hex digits");
    }
  }
  std::string src = s3::UriDecode(raw);
  if (!src.empty() && src.front() == '/') src.erase(0, 1);
  size_t slash = src.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == src.size()) {
    return S3Error(S3Code::kInvalidArgument,
                   "Copy Source must mention the source bucket and key: sourcebucket/sourcekey");
  }
  CopySource out;
  // Reading the source is a GetObject of its own (the destination's
  // PutObject was authorized with the request).
  if (env.access != nullptr) {
    RETURN_NOT_OK(env.access->Authorize(ctx, S3Action::kGetObject, src.substr(0, slash),
                                        src.substr(slash + 1)));
  }
  ASSIGN_OR_RETURN(out.bucket, env.store->Get(src.substr(0, slash)));
  out.key = src.substr(slash + 1);
  RETURN_NOT_OK(ValidateObjectKey(out.key));
  auto no_such_key = [&] {
    return S3Error(S3Code::kNoSuchKey, "The specified key does not exist: '" + out.key + "'");
  };
  // Head, check the client's conditions on that version, then open exactly
  // that version (If-Match on its ETag). An overwrite between the two makes
  // the open fail its internal If-Match: that is our race, not the client's
  // precondition, so start over on the new version.
  constexpr int kAttempts = 16;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    Result<ObjectMeta> meta = out.bucket->objects->Head(out.key, ReadOptions{});
    if (!meta.ok()) return meta.status().IsNotFound() ? no_such_key() : KeyError(meta.status());
    Status cond = CheckConditions(*meta, ctx.H("x-amz-copy-source-if-match"),
                                  ctx.H("x-amz-copy-source-if-none-match"),
                                  ctx.H("x-amz-copy-source-if-modified-since"),
                                  ctx.H("x-amz-copy-source-if-unmodified-since"));
    if (!cond.ok()) return Precondition();  // copies answer 412 for every failed condition
    ReadOptions ro;
    ro.if_match = meta->etag;
    if (range) {
      ASSIGN_OR_RETURN(ro.range, range(meta->size));
    }
    Result<std::unique_ptr<ReadStream>> in = out.bucket->objects->OpenRead(out.key, ro);
    if (in.ok()) {
      out.meta = std::move(*meta);
      out.stream = std::move(*in);
      return out;
    }
    if (in.status().IsNotFound()) return no_such_key();
    if (!in.status().IsFailedPrecondition()) return KeyError(in.status());
  }
  return S3Error(S3Code::kSlowDown, "The copy source '" + out.key +
                                        "' changed on every attempt to read it; retry the copy");
}

// Resolves If-Match / If-None-Match on a write into the transport's mode.
// S3 ETags may be multipart ("<md5>-N"); the transport compares its MD5.
Status ConditionalWrite(Bucket& bucket, const RequestContext& ctx, WriteOptions* o) {
  std::string_view none_match = ctx.H("if-none-match");
  std::string_view match = ctx.H("if-match");
  if (!none_match.empty()) {
    if (none_match != "*") {
      return S3Error(S3Code::kNotImplemented,
                     "If-None-Match on writes supports only '*' (create if absent)");
    }
    o->mode = PutMode::kCreate;
  }
  if (!match.empty()) {
    if (o->mode == PutMode::kCreate) {
      return S3Error(S3Code::kInvalidArgument, "If-Match and If-None-Match cannot be combined");
    }
    Result<ObjectMeta> current = bucket.objects->Head(ctx.key, {});
    if (!current.ok() && !current.status().IsNotFound()) return KeyError(current.status());
    if (!current.ok()) {
      return S3Error(S3Code::kPreconditionFailed,
                     "At least one of the pre-conditions you specified did not hold (If-Match: "
                     "the object '" +
                         ctx.key + "' does not exist)");
    }
    RETURN_NOT_OK(CheckConditions(*current, match, "", "", ""));
    o->mode = PutMode::kUpdate;
    o->if_match = current->etag;
  }
  return Status::OK();
}

// Translates a transport commit failure into S3 terms.
Status CommitError(const Status& st) {
  if (st.IsAlreadyExists() || st.IsFailedPrecondition()) {
    return S3Error(
        S3Code::kPreconditionFailed,
        "At least one of the pre-conditions you specified did not hold (" + st.message() + ")");
  }
  return KeyError(st);
}

}  // namespace worm::server

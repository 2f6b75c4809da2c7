// S3Transport: addressing, signing and the single-request operations (Head,
// Get, Put, Delete, List, Copy). Streams are in s3_streams.cc; setup, the
// capability probe and presigning in s3_setup.cc.
#include "transport/s3/s3_transport.h"

#include <algorithm>
#include <cctype>

#include "core/hash.h"
#include "core/strings.h"
#include "transport/s3/credentials.h"
#include "transport/s3/meta_encoding.h"
#include "transport/s3/s3_internal.h"
#include "transport/s3/s3_xml.h"
#include "transport/transport_util.h"

namespace worm {

using s3::HeaderList;
using s3::HttpResponse;
using s3::S3Call;
using s3::S3Op;

namespace s3 {

std::string S3Address::HostHeader() const { return path_style ? host : bucket + "." + host; }

std::string S3Address::WirePath(std::string_view key) const {
  std::string path = path_style ? "/" + bucket : "";
  if (!key.empty() || !path_style) path += "/" + UriEncode(key, /*keep_slash=*/true);
  return path;
}

std::string S3Address::Url(std::string_view wire_path, std::string_view query) const {
  std::string url = scheme + "://" + HostHeader() + std::string(wire_path);
  if (!query.empty()) url += "?" + std::string(query);
  return url;
}

Result<S3Address> MakeS3Address(const S3Options& options) {
  S3Address a;
  a.bucket = options.bucket;
  if (a.bucket.empty() || a.bucket.find('/') != std::string::npos) {
    return Status::InvalidArgument("S3 options: bad bucket name '" + a.bucket + "'");
  }
  if (options.endpoint.empty()) {
    a.host = "s3." + options.region + ".amazonaws.com";
    a.path_style = options.path_style.value_or(a.bucket.find('.') != std::string::npos);
    return a;
  }
  std::string_view ep = options.endpoint;
  size_t sep = ep.find("://");
  if (sep == std::string_view::npos) {
    return Status::InvalidArgument("S3 endpoint '" + options.endpoint +
                                   "': expected http://host[:port] or https://host[:port]");
  }
  a.scheme = std::string(ep.substr(0, sep));
  if (a.scheme != "http" && a.scheme != "https") {
    return Status::InvalidArgument("S3 endpoint '" + options.endpoint +
                                   "': scheme must be http or https");
  }
  std::string_view rest = ep.substr(sep + 3);
  a.host = std::string(rest.substr(0, rest.find('/')));
  if (a.host.empty())
    return Status::InvalidArgument("S3 endpoint '" + options.endpoint + "': no host");
  a.path_style = options.path_style.value_or(true);
  return a;
}

std::string QuoteEtag(std::string_view etag) {
  if (etag == "*" || (!etag.empty() && etag.front() == '"')) return std::string(etag);
  return "\"" + std::string(etag) + "\"";
}

ObjectMeta MetaFromHeaders(const HttpResponse& response, const Key& key) {
  ObjectMeta m;
  m.key = key;
  m.size = std::strtoull(response.Header("content-length").c_str(), nullptr, 10);
  std::string range = response.Header("content-range");  // "bytes 0-9/1234"
  if (size_t slash = range.rfind('/'); slash != std::string::npos && range.back() != '*') {
    m.size = std::strtoull(range.c_str() + slash + 1, nullptr, 10);
  }
  m.etag = StripEtagQuotes(response.Header("etag"));
  auto lm = ParseHttpDateMillis(response.Header("last-modified"));
  if (lm.ok()) m.last_modified_ms = *lm;
  m.version = response.Header("x-amz-version-id");
  m.content_type = response.Header("content-type");
  for (const auto& [name, value] : response.headers) {
    if (name.rfind("x-amz-meta-", 0) == 0)
      m.user_metadata[name.substr(11)] = s3::DecodeMetaValue(value);
  }
  return m;
}

Status CheckReadConditions(const ReadOptions& options, const ObjectMeta& meta,
                           std::string_view context) {
  if (!options.if_match.empty() && options.if_match != "*" &&
      StripEtagQuotes(options.if_match) != meta.etag) {
    return Status::FailedPrecondition(std::string(context) + ": If-Match " + options.if_match +
                                      " failed, the object's ETag is " + meta.etag);
  }
  if (!options.if_none_match.empty() &&
      (options.if_none_match == "*" || StripEtagQuotes(options.if_none_match) == meta.etag)) {
    return Status::FailedPrecondition(std::string(context) + ": If-None-Match " +
                                      options.if_none_match +
                                      " failed, the object exists with ETag " + meta.etag);
  }
  return Status::OK();
}

std::string RangeHeader(uint64_t offset, std::optional<uint64_t> length) {
  std::string r = "bytes=" + std::to_string(offset) + "-";
  if (length) r += std::to_string(offset + *length - 1);
  return r;
}

void AddReadHeaders(const ReadOptions& options, HeaderList* headers) {
  if (options.range && options.range->length.value_or(1) > 0) {
    headers->emplace_back("Range", RangeHeader(options.range->offset, options.range->length));
  }
  if (!options.if_match.empty()) headers->emplace_back("If-Match", QuoteEtag(options.if_match));
  if (!options.if_none_match.empty()) {
    headers->emplace_back("If-None-Match", QuoteEtag(options.if_none_match));
  }
}

Status CheckResponse(S3Op op, std::string_view context, const HttpResponse& response) {
  if (response.status / 100 == 2) {
    S3ErrorBody err;
    // CompleteMultipartUpload and CopyObject may report errors in a 200.
    if (!response.body.empty() && response.body.size() < 4096 &&
        response.body.find("<Error>") != std::string::npos && ParseS3Error(response.body, &err)) {
      return S3ResponseToStatus(op, context, 500, response.body,
                                response.Header("x-amz-request-id"));
    }
    return Status::OK();
  }
  return S3ResponseToStatus(op, context, response.status, response.body,
                            response.Header("x-amz-request-id"));
}

}  // namespace s3

S3TransportImpl::S3TransportImpl(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
S3TransportImpl::~S3TransportImpl() = default;

const S3Options& S3TransportImpl::options() const { return impl_->options; }

Result<s3::HttpResponse> S3TransportImpl::Send(S3Call& call) {
  const Impl& im = *impl_;
  s3::HttpRequestParts parts;
  parts.method = call.method;
  parts.path = im.address.WirePath(call.full_key);
  parts.query = call.query;
  parts.headers = std::move(call.headers);
  parts.headers.emplace_back("Host", im.address.HostHeader());
  if (!im.options.anonymous) {
    std::string payload_hash =
        im.options.sign_payload ? Sha256Hex(call.body) : std::string(s3::kUnsignedPayload);
    s3::SigningScope scope{im.options.region, "s3", im.clock->NowMicros() / 1'000'000};
    s3::SignRequest(&parts, im.credentials, scope, payload_hash);
  }
  s3::HttpRequest request;
  request.method = call.method;
  request.url = im.address.Url(parts.path, parts.query);
  request.headers = std::move(parts.headers);
  request.body = call.body;
  request.deadline_ms = call.deadline_ms;
  request.on_body = std::move(call.on_body);
  return im.http->Perform(request);
}

Status S3TransportImpl::ValidateKey(std::string_view op, const Key& key) const {
  return transport_internal::ValidateKey(op, key, 1024 - impl_->key_prefix.size());
}

Result<ObjectMeta> S3TransportImpl::Head(const Key& key, const ReadOptions& options) {
  RETURN_NOT_OK(ValidateKey("head", key));
  S3Call call{"HEAD", impl_->FullKey(key)};
  call.deadline_ms = options.deadline_ms;
  ReadOptions conditions = options;
  conditions.range.reset();
  s3::AddReadHeaders(conditions, &call.headers);
  ASSIGN_OR_RETURN(HttpResponse response, Send(call));
  std::string context = impl_->Context("HEAD", key);
  RETURN_NOT_OK(s3::CheckResponse(S3Op::kRead, context, response));
  ObjectMeta meta = s3::MetaFromHeaders(response, key);
  RETURN_NOT_OK(s3::CheckReadConditions(options, meta, context));
  return meta;
}

Result<Object> S3TransportImpl::Get(const Key& key, const ReadOptions& options) {
  RETURN_NOT_OK(ValidateKey("get", key));
  std::string context = impl_->Context("GET", key);
  if (options.range && options.range->length == 0) {  // nothing to fetch; S3 has no empty range
    ASSIGN_OR_RETURN(ObjectMeta meta, Head(key, options));
    if (meta.size > 0 && options.range->offset >= meta.size) {
      return Status::OutOfRange(context + ": range starts at " +
                                std::to_string(options.range->offset) + ", object size is " +
                                std::to_string(meta.size));
    }
    return Object{std::move(meta), {}};
  }
  S3Call call{"GET", impl_->FullKey(key)};
  call.deadline_ms = options.deadline_ms;
  s3::AddReadHeaders(options, &call.headers);
  ASSIGN_OR_RETURN(HttpResponse response, Send(call));
  if (response.status == 416) {
    // S3 refuses any range on an empty object; that is an empty read, not an error.
    ReadOptions head_options = options;
    head_options.range.reset();
    auto meta = Head(key, head_options);
    if (meta.ok() && meta->size == 0) return Object{std::move(*meta), {}};
  }
  RETURN_NOT_OK(s3::CheckResponse(S3Op::kRead, context, response));
  Object object{s3::MetaFromHeaders(response, key), std::move(response.body)};
  RETURN_NOT_OK(s3::CheckReadConditions(options, object.meta, context));
  return object;
}

Status S3TransportImpl::CheckConditionalSupport(PutMode mode, const Key& key) const {
  if (mode == PutMode::kOverwrite) return Status::OK();
  Capabilities caps = capabilities();
  bool ok = mode == PutMode::kCreate ? caps.conditional_create : caps.conditional_update;
  if (ok) return Status::OK();
  const char* header = mode == PutMode::kCreate ? "If-None-Match: *" : "If-Match";
  return Status::Unimplemented(
      impl_->Context("PUT", key) + ": the server at " + impl_->address.scheme + "://" +
      impl_->address.HostHeader() + " does not honour conditional writes (" + header +
      " on PUT), so a " + (mode == PutMode::kCreate ? "create-only" : "compare-and-swap") +
      " write cannot be made atomic; refusing rather than overwriting. Use a server with "
      "conditional writes (AWS S3, MinIO, worm serve) or an unconditional write");
}

Result<PutResult> S3TransportImpl::Put(const Key& key, ByteView data, const WriteOptions& options) {
  RETURN_NOT_OK(ValidateKey("put", key));
  RETURN_NOT_OK(CheckConditionalSupport(options.mode, key));
  Result<PutResult> put = PutUnchecked(key, data, options);
  if (options.mode != PutMode::kUpdate || !put.status().IsFailedPrecondition()) return put;
  // Refused although the object may hold exactly that ETag: a behaviour
  // measured earlier (or assumed) that no longer holds, e.g. a server
  // upgraded to compare If-Match quoted. Measure again and retry once.
  auto meta = Head(key, {});
  if (!meta.ok() || meta->etag != s3::StripEtagQuotes(options.if_match)) return put;
  std::optional<S3ProbeResult> before = impl_->Behaviour();
  Result<S3ProbeResult> now = Probe();
  if (!now.ok() || !now->conditional_update ||
      (before && before->if_match_form == now->if_match_form)) {
    return put;
  }
  return PutUnchecked(key, data, options);
}

namespace {

void AddWriteHeaders(const WriteOptions& options, HeaderList* headers) {
  if (!options.content_type.empty()) headers->emplace_back("Content-Type", options.content_type);
  for (const auto& [name, value] : options.user_metadata) {
    headers->emplace_back("x-amz-meta-" + AsciiLower(name), s3::EncodeMetaValue(value));
  }
}

// `if_match` is options.if_match in the form the server compares.
void AddPutConditions(const WriteOptions& options, std::string if_match, HeaderList* headers) {
  if (options.mode == PutMode::kCreate) headers->emplace_back("If-None-Match", "*");
  if (options.mode == PutMode::kUpdate) headers->emplace_back("If-Match", std::move(if_match));
}

S3Op OpFor(PutMode mode) {
  switch (mode) {
    case PutMode::kCreate:
      return S3Op::kCreate;
    case PutMode::kUpdate:
      return S3Op::kUpdate;
    default:
      return S3Op::kWrite;
  }
}

}  // namespace

Result<PutResult> S3TransportImpl::PutUnchecked(const Key& key, ByteView data,
                                                const WriteOptions& options) {
  if (options.mode == PutMode::kUpdate && options.if_match.empty()) {
    return Status::InvalidArgument(impl_->Context("PUT", key) + ": kUpdate needs an ETag");
  }
  S3Call call{"PUT", impl_->FullKey(key)};
  call.body = data;
  AddWriteHeaders(options, &call.headers);
  AddPutConditions(options, impl_->WriteIfMatch(options.if_match), &call.headers);
  ASSIGN_OR_RETURN(HttpResponse response, Send(call));
  Status st = s3::CheckResponse(OpFor(options.mode), impl_->Context("PUT", key), response);
  if (!st.ok() && options.mode != PutMode::kOverwrite && response.status == 500 && st.detail() &&
      st.detail()->remote_code == "UnknownError") {
    // Ceph RGW answers the losers of concurrent conditional PUTs on a key
    // with 500 UnknownError (ECANCELED) where AWS says 409
    // ConditionalRequestConflict: a lost race, not a server fault to retry.
    return Status::Aborted(impl_->Context("PUT", key) +
                           ": a concurrent conditional write on the key won (server answered 500 "
                           "UnknownError)");
  }
  RETURN_NOT_OK(st);
  return PutResult{s3::StripEtagQuotes(response.Header("etag")),
                   response.Header("x-amz-version-id")};
}

Status S3TransportImpl::Delete(const Key& key, const DeleteOptions& options) {
  RETURN_NOT_OK(ValidateKey("delete", key));
  std::string context = impl_->Context("DELETE", key);
  S3Call call{"DELETE", impl_->FullKey(key)};
  if (!options.if_match.empty()) {
    if (capabilities().conditional_delete) {
      call.headers.emplace_back("If-Match", impl_->WriteIfMatch(options.if_match));
    } else {
      // The server ignores If-Match on DELETE (Ceph RGW 16.2) or has no
      // conditional writes: compare right before deleting, the narrowest
      // window there is; capabilities() says it is not atomic.
      ReadOptions ro;
      ro.if_match = options.if_match;
      auto meta = Head(key, ro);
      if (meta.status().IsNotFound()) {
        return Status::FailedPrecondition(context + ": If-Match " + options.if_match +
                                          " failed, the object does not exist");
      }
      RETURN_NOT_OK(meta.status());
    }
  }
  ASSIGN_OR_RETURN(HttpResponse response, Send(call));
  if (response.status == 404) {
    if (options.if_match.empty()) return Status::OK();  // idempotent
    return Status::FailedPrecondition(context + ": If-Match failed, the object does not exist");
  }
  return s3::CheckResponse(S3Op::kDelete, context, response);
}

namespace {

// A continuation token we mint when a server truncates without one.
constexpr std::string_view kStartAfterToken = "worm-start-after:";

void AddQuery(std::string* q, std::string_view key, std::string_view value) {
  if (!q->empty()) q->push_back('&');
  *q += s3::UriEncode(key, false) + "=" + s3::UriEncode(value, false);
}

// Some servers (s3rver) ignore max-keys for common prefixes. Keeps the
// first `max_keys` entries in key order and continues after the last one;
// a common prefix is skipped whole by starting after its largest possible
// key. True when the page was cut.
bool TruncateToMaxKeys(int max_keys, ListPage* page, const std::string& key_prefix) {
  size_t n = page->objects.size() + page->common_prefixes.size();
  if (n <= static_cast<size_t>(max_keys)) return false;
  size_t o = 0, p = 0;
  std::string last;
  bool last_is_prefix = false;
  for (int taken = 0; taken < max_keys; ++taken) {
    bool take_prefix =
        o == page->objects.size() ||
        (p < page->common_prefixes.size() && page->common_prefixes[p] < page->objects[o].key);
    last_is_prefix = take_prefix;
    last = take_prefix ? page->common_prefixes[p++] : page->objects[o++].key;
  }
  page->objects.resize(o);
  page->common_prefixes.resize(p);
  // U+10FFFF, the largest UTF-8 code point, sorts after any key in the prefix.
  page->next_token = std::string(kStartAfterToken) + key_prefix + last +
                     (last_is_prefix ? "\xF4\x8F\xBF\xBF" : "");
  return true;
}

}  // namespace

Result<ListPage> S3TransportImpl::List(const ListRequest& request) {
  std::string context =
      "S3 LIST s3://" + impl_->address.bucket + "/" + impl_->FullKey(request.prefix);
  if (request.max_keys < 1 || request.max_keys > 1000) {
    return Status::InvalidArgument(context + ": max_keys must be 1..1000, got " +
                                   std::to_string(request.max_keys));
  }
  const std::string& kp = impl_->key_prefix;
  std::string start_after = request.start_after.empty() ? "" : kp + request.start_after;
  std::string token = request.token;
  if (token.rfind(kStartAfterToken, 0) == 0) {
    start_after = std::max(start_after, token.substr(kStartAfterToken.size()));
    token.clear();
  }
  S3Call call{"GET", ""};
  AddQuery(&call.query, "list-type", "2");
  if (!token.empty()) AddQuery(&call.query, "continuation-token", token);
  if (!request.delimiter.empty()) AddQuery(&call.query, "delimiter", request.delimiter);
  AddQuery(&call.query, "encoding-type", "url");
  AddQuery(&call.query, "max-keys", std::to_string(request.max_keys));
  AddQuery(&call.query, "prefix", kp + request.prefix);
  if (!start_after.empty()) AddQuery(&call.query, "start-after", start_after);
  ASSIGN_OR_RETURN(HttpResponse response, Send(call));
  RETURN_NOT_OK(s3::CheckResponse(S3Op::kList, context, response));
  ASSIGN_OR_RETURN(s3::ListObjectsV2Result parsed, s3::ParseListObjectsV2(response.body));

  ListPage page;
  // Keys outside the project's prefix dropped, the prefix cut from the
  // others, in place: the parsed objects become the page's.
  std::erase_if(parsed.objects,
                [&](const ObjectMeta& m) { return m.key.compare(0, kp.size(), kp) != 0; });
  if (!kp.empty()) {
    for (ObjectMeta& m : parsed.objects) m.key.erase(0, kp.size());
  }
  page.objects = std::move(parsed.objects);
  for (std::string& p : parsed.common_prefixes) {
    if (p.compare(0, kp.size(), kp) == 0) page.common_prefixes.push_back(p.substr(kp.size()));
  }
  if (TruncateToMaxKeys(request.max_keys, &page, kp)) return page;
  if (parsed.is_truncated) {
    if (!parsed.next_continuation_token.empty()) {
      page.next_token = parsed.next_continuation_token;
    } else {
      std::string last = parsed.objects.empty() ? "" : kp + parsed.objects.back().key;
      if (!parsed.common_prefixes.empty()) last = std::max(last, parsed.common_prefixes.back());
      page.next_token = std::string(kStartAfterToken) + last;
    }
  }
  return page;
}

Result<PutResult> S3TransportImpl::Copy(const Key& from, const Key& to,
                                        const WriteOptions& options) {
  RETURN_NOT_OK(ValidateKey("copy", from));
  RETURN_NOT_OK(ValidateKey("copy", to));
  if (options.mode != PutMode::kOverwrite) {
    RETURN_NOT_OK(CheckConditionalSupport(options.mode, to));
    ASSIGN_OR_RETURN(auto reader, OpenRead(from, {}));
    WriteOptions wo = options;
    if (wo.content_type.empty() && wo.user_metadata.empty()) {
      wo.content_type = reader->meta().content_type;
      wo.user_metadata = reader->meta().user_metadata;
    }
    ASSIGN_OR_RETURN(auto writer, OpenWrite(to, wo));
    std::string buf(std::min<size_t>(impl_->options.part_size, size_t{1} << 20), '\0');
    for (;;) {
      ASSIGN_OR_RETURN(size_t n, reader->Read(buf.data(), buf.size()));
      if (n == 0) break;
      RETURN_NOT_OK(writer->Append(ByteView(buf.data(), n)));
    }
    return writer->Commit();
  }
  S3Call call{"PUT", impl_->FullKey(to)};
  call.headers.emplace_back(
      "x-amz-copy-source",
      "/" + impl_->address.bucket + "/" + s3::UriEncode(impl_->FullKey(from), /*keep_slash=*/true));
  if (!options.content_type.empty() || !options.user_metadata.empty()) {
    call.headers.emplace_back("x-amz-metadata-directive", "REPLACE");
    AddWriteHeaders(options, &call.headers);
  }
  ASSIGN_OR_RETURN(HttpResponse response, Send(call));
  std::string context = impl_->Context("COPY", from) + " -> " + impl_->FullKey(to);
  RETURN_NOT_OK(s3::CheckResponse(S3Op::kWrite, context, response));
  ASSIGN_OR_RETURN(std::string etag, s3::ParseResultEtag(response.body, "CopyObjectResult"));
  return PutResult{etag, response.Header("x-amz-version-id")};
}

Result<std::shared_ptr<Transport>> NewS3Transport(const S3Options& options) {
  ASSIGN_OR_RETURN(std::shared_ptr<S3Transport> t, S3Transport::Make(options));
  return std::shared_ptr<Transport>(std::move(t));
}

}  // namespace worm

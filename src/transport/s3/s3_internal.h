// Internals shared by the S3Transport source files (s3_transport.cc,
// s3_streams.cc, s3_setup.cc, s3_probe.cc). Not part of any public API.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "transport/s3/curl_http.h"
#include "transport/s3/s3_address.h"
#include "transport/s3/s3_errors.h"
#include "transport/s3/s3_transport.h"
#include "transport/s3/s3_xml.h"
#include "transport/s3/sigv4.h"

namespace worm::s3 {

// One S3 request before addressing and signing.
struct S3Call {
  S3Call(std::string m, std::string k) : method(std::move(m)), full_key(std::move(k)) {}
  std::string method;
  std::string full_key;  // stored key (prefix included); empty: the bucket
  std::string query;     // wire query, already encoded
  HeaderList headers;
  std::string_view body;
  int64_t deadline_ms = 0;
  std::function<bool(std::string_view)> on_body;
};

// Quotes an ETag for If-Match / If-None-Match ("*" stays bare).
std::string QuoteEtag(std::string_view etag);

// Metadata of `key` from GET/HEAD response headers. For a 206 the size is
// the total from Content-Range.
ObjectMeta MetaFromHeaders(const HttpResponse& response, const Key& key);

// Checks read conditions against the ETag the server returned (servers that
// ignore If-Match on reads, like s3rver). FailedPrecondition on a mismatch.
Status CheckReadConditions(const ReadOptions& options, const ObjectMeta& meta,
                           std::string_view context);

// Adds Range / If-Match / If-None-Match headers for `options`.
void AddReadHeaders(const ReadOptions& options, HeaderList* headers);

// "bytes=a-b" / "bytes=a-".
std::string RangeHeader(uint64_t offset, std::optional<uint64_t> length);

// Non-2xx (or an error document) -> Status; OK otherwise.
Status CheckResponse(S3Op op, std::string_view context, const HttpResponse& response);

}  // namespace worm::s3

namespace worm {

struct S3TransportImpl::Impl {
  S3Options options;
  s3::S3Address address;
  s3::SigningCredentials credentials;
  std::string key_prefix;  // "" or "prefix/"
  std::unique_ptr<s3::HttpClient> http;
  Clock* clock = nullptr;

  std::mutex probe_run_mu;             // one probe at a time
  mutable std::mutex probe_mu;         // guards `probe`
  std::optional<S3ProbeResult> probe;  // what the server does; unset until probed

  std::optional<S3ProbeResult> Behaviour() const {
    std::lock_guard<std::mutex> lock(probe_mu);
    return probe;
  }
  void SetBehaviour(const S3ProbeResult& r) {
    std::lock_guard<std::mutex> lock(probe_mu);
    probe = r;
  }
  // The If-Match value for a write condition on `etag`, in the form the
  // server compares (quoted unless the probe found otherwise).
  std::string WriteIfMatch(std::string_view etag) const {
    std::optional<S3ProbeResult> b = Behaviour();
    if (b && b->if_match_form == S3EtagForm::kUnquoted) return s3::StripEtagQuotes(etag);
    return s3::QuoteEtag(etag);
  }

  std::string FullKey(const Key& key) const { return key_prefix + key; }
  std::string Context(std::string_view method, const Key& key) const {
    return "S3 " + std::string(method) + " s3://" + address.bucket + "/" + FullKey(key);
  }
};

}  // namespace worm

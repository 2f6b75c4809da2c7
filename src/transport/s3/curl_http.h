// A small HTTP/1.1 client over libcurl (kept behind a pimpl: curl.h stays in
// the .cc). It keeps a pool of easy handles, each holding its own live
// connections, and shares DNS and TLS sessions between them, so concurrent
// requests from many threads reuse warm connections.
//
// Thread-safety: HttpClient::Perform is safe to call from many threads at
// once; each call borrows one pooled handle for its duration.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "transport/s3/sigv4.h"
#include "worm/result.h"

namespace worm::s3 {

struct HttpClientOptions {
  // Time allowed to establish a TCP (+TLS) connection.
  int64_t connect_timeout_ms = 10'000;
  // A transfer slower than low_speed_limit bytes/s for low_speed_time_s
  // seconds is aborted (a stalled server), whatever its total duration.
  int64_t low_speed_limit = 1;
  int64_t low_speed_time_s = 60;
  // Verify the server's TLS certificate (only turn off against test servers).
  bool verify_tls = true;
  // Idle handles (and so idle connections) kept for reuse.
  size_t max_idle_handles = 64;
};

struct HttpRequest {
  std::string method;       // GET HEAD PUT POST DELETE
  std::string url;          // already percent-encoded
  HeaderList headers;       // sent as given (include Host when signing)
  std::string_view body;    // request body; not copied, must outlive Perform
  int64_t deadline_ms = 0;  // absolute Unix ms; 0: none
  // When set, response body bytes are handed here instead of being kept in
  // HttpResponse::body (only for 2xx responses; errors are always kept).
  // Returning false aborts the transfer (Cancelled).
  std::function<bool(std::string_view)> on_body;
};

struct HttpResponse {
  int status = 0;
  HeaderList headers;  // names lowercased, in arrival order
  std::string body;
  // Value of the first header named `lower_name`, or "".
  std::string Header(std::string_view lower_name) const;
};

class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends `request` and reads the whole response. Any HTTP status is a
  // successful result; only network failures (resolve, connect, timeout,
  // reset) are errors, mapped by CurlErrorToStatus (Unavailable, retryable).
  Result<HttpResponse> Perform(const HttpRequest& request);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace worm::s3

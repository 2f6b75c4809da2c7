// Beast-free HTTP request and response types shared by the session (which
// owns the socket) and the S3 layer (router, auth, handlers), so only the
// session's translation unit includes Beast.
//
// A request whose body must be read is handled in two steps, as Beast's relay
// example does: the router sees the header and returns a BodySink; the session
// then streams the body into the sink in bounded chunks and asks it for the
// response. Memory per connection stays bounded whatever the body size.
//
// Thread-safety: plain values; a BodySink is driven by one thread at a time.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "worm/result.h"

namespace worm::server {

using HeaderPairs = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;   // "GET", "PUT", ...
  std::string target;   // as on the wire: "/bucket/key?query"
  std::string path;     // wire path (percent-encoded), before '?'
  std::string query;    // wire query without '?'
  HeaderPairs headers;  // names lowercased, in arrival order
  std::optional<uint64_t> content_length;
  bool chunked = false;  // Transfer-Encoding: chunked
  std::string request_id;
  std::string remote_ip;  // the client's address ("127.0.0.1", "::1"); "" when unknown

  // The first value of header `name` (lowercase), or "" when absent.
  std::string_view Header(std::string_view name) const;
  bool HasHeader(std::string_view name) const;
  bool has_body() const { return chunked || content_length.value_or(0) > 0; }
};

// An open file region sent with sendfile(2). Owns the descriptor.
struct FileRegion {
  int fd = -1;
  uint64_t offset = 0;
  uint64_t length = 0;
  FileRegion() = default;
  FileRegion(const FileRegion&) = delete;
  FileRegion& operator=(const FileRegion&) = delete;
  FileRegion(FileRegion&& o) noexcept { *this = std::move(o); }
  FileRegion& operator=(FileRegion&& o) noexcept;
  ~FileRegion();
};

struct HttpResponse {
  int status = 200;
  HeaderPairs headers;  // Content-Length is added by the session
  std::string body;     // used unless `file` is set
  std::optional<FileRegion> file;
  // HEAD: Content-Length describes the body that GET would send; none is sent.
  bool head = false;
  // Forces Content-Length to this value when set (HEAD responses).
  std::optional<uint64_t> content_length;
  bool close = false;  // close the connection after this response

  void Set(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
  }
};

// Receives a request body chunk by chunk. Write returns an error Status to
// stop reading (the session then answers with Finish's error and closes).
class BodySink {
 public:
  virtual ~BodySink() = default;
  virtual Status Write(std::string_view chunk) = 0;
  // Called once after the last chunk (or after Write failed, with its Status).
  virtual HttpResponse Finish(const Status& body_status) = 0;
  // The most body bytes (after HTTP chunked framing) the session reads for
  // this sink: it sets the HTTP parser's body_limit to it, a backstop behind
  // the sink's own running size check.
  virtual uint64_t raw_limit() const { return std::numeric_limits<uint64_t>::max(); }
};

// What the router decides once the header is read.
struct Dispatch {
  std::optional<HttpResponse> response;  // answer now (no body needed)
  std::unique_ptr<BodySink> sink;        // or stream the body into this
};

std::string_view ReasonPhrase(int status);

}  // namespace worm::server

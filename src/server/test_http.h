// Test-only: a minimal blocking HTTP/1.1 client over a raw socket, for
// precise protocol checks against `worm serve` (malformed requests, exact
// headers, hand-built aws-chunked bodies), plus SigV4 signing helpers.
//
// Thread-safety: one RawHttp per thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "server/server.h"
#include "transport/s3/sigv4.h"
#include "worm/result.h"

namespace worm::server::testing {

// The key pair TestServerOptions accepts.
inline constexpr char kAk[] = "AKIDWORMTEST";
inline constexpr char kSk[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

// An in-process `worm serve` for tests: root mode over `root` (its folder
// "bkt" created, the tests' bucket), a free port, two threads, no fsync,
// signed requests with kAk/kSk.
ServerOptions TestServerOptions(const std::filesystem::path& root);

struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lowercase names
  std::string body;
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

// The text between the first `open` in `s` and the `close` after it ("" when
// `open` is missing).
std::string Between(const std::string& s, const std::string& open, const std::string& close);
// The S3 error code in an error response's body ("" when there is none).
inline std::string ErrorCode(const RawResponse& r) { return Between(r.body, "<Code>", "</Code>"); }

class RawHttp {
 public:
  explicit RawHttp(uint16_t port);
  ~RawHttp();
  RawHttp(const RawHttp&) = delete;
  RawHttp& operator=(const RawHttp&) = delete;

  bool connected() const { return fd_ >= 0; }
  Status Send(const std::string& bytes);
  // Reads one response; `head` when it answers a HEAD (no body follows).
  Result<RawResponse> Read(bool head = false);
  Result<RawResponse> RoundTrip(const std::string& bytes, bool head = false);
  // True when the server closed the connection.
  bool PeerClosed();

 private:
  Result<std::string> ReadUntil(const std::string& delim);
  Result<std::string> ReadN(size_t n);
  int fd_ = -1;
  std::string buf_;
};

struct TestRequest {
  std::string method = "GET";
  std::string path = "/";  // wire path (already percent-encoded)
  std::string query;       // wire query
  s3::HeaderList headers;  // besides Host, Content-Length
  std::string body;
};

// Serializes `r` as HTTP/1.1 (Host and Content-Length added).
std::string Serialize(const TestRequest& r, uint16_t port);

// Signs `r` for access key `ak` / secret `sk` at `unix_seconds`, with payload
// hash `payload_hash` (empty: hex SHA-256 of the body). Returns the signature.
std::string Sign(TestRequest* r, uint16_t port, const std::string& ak, const std::string& sk,
                 int64_t unix_seconds, std::string payload_hash = "");

}  // namespace worm::server::testing

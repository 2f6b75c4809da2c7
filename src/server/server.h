// Server: `worm serve`'s HTTP/1.1 front end (Boost.Beast/Asio, following the
// boost-1.74.0 examples: a listener plus one session per connection using
// shared_from_this). A small fixed pool of threads runs every connection;
// no thread per request. Per connection, memory is bounded: request bodies
// stream through a fixed buffer into the S3Service's BodySink, and large GET
// bodies go out with sendfile(2).
//
// Shutdown is graceful: the listener stops accepting, idle keep-alive
// connections close, requests in flight finish and get their response.
//
// Thread-safety: Start/port/Shutdown/Wait may be called from any thread.
// Beast is included only by server.cc.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "server/s3_service.h"
#include "worm/result.h"

namespace worm::server {

struct ServerOptions {
  ServiceOptions service;
  std::string bind = "127.0.0.1";
  uint16_t port = 9000;  // 0: pick a free port (see port())
  int threads = 0;       // 0: one per core
  // Idle keep-alive connections and stalled reads/writes close after this.
  int timeout_seconds = 60;
  // Largest request header block (S3 allows 8 KiB of headers + 2 KiB metadata).
  uint32_t max_header_bytes = 64 * 1024;
};

class Server {
 public:
  // Binds and starts serving. InvalidArgument for a bad address,
  // Unavailable when the port is taken.
  static Result<std::unique_ptr<Server>> Start(ServerOptions options);
  ~Server();  // Shutdown() + Wait()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  uint16_t port() const;
  // "http://127.0.0.1:9000"
  std::string url() const;
  // Stops accepting and closes idle connections; in-flight requests finish.
  void Shutdown();
  // Blocks until every connection closed (or `grace_seconds` passed, then
  // forces the rest closed) and the threads exited.
  void Wait(int grace_seconds = 30);

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace worm::server

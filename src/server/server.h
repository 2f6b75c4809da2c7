// Server: `worm serve`'s HTTP/1.1 front end (Boost.Beast/Asio, following the
// boost-1.74.0 examples: a listener plus one session per connection using
// shared_from_this). A small fixed pool of threads runs every connection;
// no thread per request. Per connection, memory is bounded: an idle
// connection holds no buffer (a few hundred bytes of state), request bodies
// stream through a buffer allocated for the body into the S3Service's
// BodySink, and large GET bodies go out with sendfile(2). At most
// max_connections are served at once; freed memory goes back to the kernel
// after many connections close.
//
// Malformed requests get a 400 with an S3 XML error body and the connection
// closes: what Beast's parser refuses, a bad chunk in a chunked body, and
// what RFC 9112 says a server must refuse (see http_head.h).
//
// Shutdown is graceful: the listener stops accepting, idle keep-alive
// connections close, requests in flight finish and get their response.
//
// One more thread sweeps stale multipart staging (upload_staging.h) at start
// and every upload_sweep_interval_ms; Shutdown stops it.
//
// Thread-safety: Start/port/Shutdown/Wait may be called from any thread.
// Beast is included only by server.cc.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
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
  // Idle keep-alive connections close after this; so do connections whose
  // request head has not arrived whole within it (nginx
  // client_header_timeout), whose body brings no byte for this long (nginx
  // client_body_timeout), or whose response write makes no progress.
  int timeout_seconds = 60;
  // Largest request header block (S3 allows 8 KiB of headers + 2 KiB metadata).
  uint32_t max_header_bytes = 64 * 1024;
  // Most connections served at once (`worm serve --max-connections`; nginx's
  // worker_connections). At the cap the server stops accepting: further
  // clients wait in the kernel's listen queue and are accepted as
  // connections close (server.cc, Listener, says why not accept-and-close).
  // Each connection costs a descriptor: keep it below `ulimit -n` minus the
  // files requests open. At least 1.
  int max_connections = 1024;
  // Minimum request-body rate (Apache mod_reqtimeout's MinRate): every
  // body_rate_window_seconds, a body being read must have brought
  // body_min_rate * body_rate_window_seconds bytes (or all that remained of
  // it), else the server answers 400 RequestTimeout and closes. The defaults
  // (15 KiB per 30 s) let a client on a 4 kbit/s link finish, and bound a
  // trickle (one byte per 40 s) to 30 s. 0 disables the rate check; the
  // timeout_seconds no-progress limit still applies. There is no total
  // request deadline: a 5 GiB part at 1 MB/s legitimately takes 90 minutes.
  uint32_t body_min_rate = 512;       // bytes per second (`--body-min-rate`)
  int body_rate_window_seconds = 30;  // at least 1
  // Multipart staging sweep (S3Service::SweepUploads, what it removes is set
  // by ServiceOptions::abandoned_upload_age_ms and
  // completed_upload_retention_ms): once at start, in the background, then
  // every this many milliseconds while serving. 0: only at start.
  int64_t upload_sweep_interval_ms = kDefaultUploadSweepIntervalMs;
  // Told the outcome of every sweep (from the sweep's thread); may be null.
  // `worm serve` prints what was removed and any error on stderr.
  std::function<void(const Result<SweepStats>&)> on_upload_sweep;
};

class Server {
 public:
  // Binds and starts serving. InvalidArgument for a bad address or option
  // (max_connections, timeout_seconds, body_rate_window_seconds or
  // service.max_body_bytes below 1),
  // Unavailable when the port is taken.
  static Result<std::unique_ptr<Server>> Start(ServerOptions options);
  ~Server();  // Shutdown() + Wait()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  uint16_t port() const;
  // Connections open now (for tests and monitoring).
  size_t connections() const;
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

// The transport conformance suite, run through our S3 client (S3Transport)
// against `worm serve` started in-process: every Transport contract must
// hold end to end over the S3 protocol (conditional writes included, so
// kProbe must find them supported).
#include <atomic>
#include <filesystem>
#include <mutex>

#include "server/server.h"
#include "testing/transport_conformance.h"
#include "transport/s3/s3_transport.h"

namespace worm::server {
namespace {

struct SharedServer {
  worm::testing::ScratchDir dir;
  std::unique_ptr<Server> server;
};

SharedServer* Shared() {
  static SharedServer* shared = [] {
    auto* s = new SharedServer();  // lives for the whole test binary
    std::filesystem::create_directories(s->dir.path() / "conformance");
    // In-process options do not fsync: the suite writes ~2,600 objects.
    ServerOptions o =
        InProcessOptions(s->dir.path().string(), "AKIDCONFORMANCE", "conformance-secret");
    Result<std::unique_ptr<Server>> started = Server::Start(o);
    if (started.ok()) s->server = std::move(*started);
    return s;
  }();
  return shared;
}

std::shared_ptr<Transport> MakeS3AgainstWormServe() {
  static std::atomic<int> next{0};
  SharedServer* s = Shared();
  if (!s->server) return nullptr;
  S3Options o;
  o.bucket = "conformance";
  o.prefix = "t" + std::to_string(next++);  // a fresh, empty namespace per test
  o.endpoint = s->server->url();
  o.path_style = true;
  // One PUT per object up to 16 MiB: a multipart upload's ETag is S3's
  // md5-of-md5s "-N" (on AWS as here), which the suite's MD5 check does not allow.
  o.part_size = size_t{16} << 20;
  o.credentials = s3::SigningCredentials{"AKIDCONFORMANCE", "conformance-secret", ""};
  Result<std::shared_ptr<Transport>> t = NewS3Transport(o);
  return t.ok() ? *t : nullptr;
}

}  // namespace
}  // namespace worm::server

WORM_INSTANTIATE_TRANSPORT_CONFORMANCE(WormServe, (::worm::testing::TransportFactory{
                                                      "s3_against_worm_serve",
                                                      &::worm::server::MakeS3AgainstWormServe}));

// The S3 backend of engine_s3_test: our S3 client (S3Transport) against
// `worm serve` started in-process, with conditional writes (so optimistic
// concurrency and seq ids are exercised over the S3 protocol, as on AWS).
// Each TestProject gets a fresh key prefix in one shared bucket.
#include <atomic>
#include <filesystem>

#include "engine/engine_test_util.h"
#include "server/server.h"
#include "transport/s3/s3_transport.h"

namespace worm::engine::testing {
namespace {

struct SharedServer {
  worm::testing::ScratchDir dir;
  std::unique_ptr<server::Server> server;
};

SharedServer* Shared() {
  static SharedServer* shared = [] {
    auto* s = new SharedServer();  // lives for the whole test binary
    std::filesystem::create_directories(s->dir.path() / "engine");
    server::ServerOptions o =
        server::InProcessOptions(s->dir.path().string(), "AKIDENGINE", "engine-secret");
    auto started = server::Server::Start(o);
    EXPECT_TRUE(started.ok()) << started.status().ToString();
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
  o.bucket = "engine";
  o.prefix = "p" + std::to_string(next++);
  o.endpoint = s->server->url();
  o.path_style = true;
  o.credentials = s3::SigningCredentials{"AKIDENGINE", "engine-secret", ""};
  auto t = NewS3Transport(o);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return t.ok() ? *t : nullptr;
}

// Registered before main() runs the tests.
const bool registered = [] {
  SetS3Backend(&MakeS3AgainstWormServe);
  return true;
}();

}  // namespace
}  // namespace worm::engine::testing

#include "server/in_process_s3.h"

#include <atomic>
#include <filesystem>

#include "server/server.h"
#include "testing/test_util.h"
#include "transport/s3/s3_transport.h"

namespace worm::server {
namespace {

constexpr const char* kAccessKey = "AKIDINPROCESS";
constexpr const char* kSecret = "in-process-secret";

struct SharedServer {
  worm::testing::ScratchDir dir;
  std::unique_ptr<Server> server;
};

SharedServer* Shared() {
  static SharedServer* shared = [] {
    auto* s = new SharedServer();  // lives for the whole test binary
    ServerOptions o;
    o.port = 0;  // a free port
    o.threads = 2;
    o.service.store.root_mode = true;  // each folder of dir is a bucket
    o.service.store.root = s->dir.path().string();
    o.service.store.sync = false;  // the suites write thousands of small objects
    o.service.auth.secrets[kAccessKey] = kSecret;
    auto started = Server::Start(std::move(o));
    EXPECT_TRUE(started.ok()) << started.status().ToString();
    if (started.ok()) s->server = std::move(*started);
    return s;
  }();
  return shared;
}

}  // namespace

std::shared_ptr<Transport> NewS3TransportOnInProcessServe(const std::string& bucket,
                                                          size_t part_size) {
  static std::atomic<int> next{0};
  SharedServer* s = Shared();
  if (!s->server) return nullptr;
  std::error_code ec;
  std::filesystem::create_directories(s->dir.path() / bucket, ec);  // --root mode: a folder
  S3Options o;
  o.bucket = bucket;
  o.prefix = "t" + std::to_string(next++);
  o.endpoint = s->server->url();
  o.path_style = true;
  if (part_size > 0) o.part_size = part_size;
  o.credentials = s3::SigningCredentials{kAccessKey, kSecret, ""};
  auto t = NewS3Transport(o);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return t.ok() ? *t : nullptr;
}

}  // namespace worm::server

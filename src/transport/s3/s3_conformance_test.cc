// The shared TransportConformanceTest suite against S3Transport on a real
// s3rver (one server for the binary, a fresh key prefix per test). s3rver
// has no conditional writes, so the probe reports them unsupported and the
// suite's conditional cases are gated off by capabilities().
#include "core/random.h"
#include "testing/transport_conformance.h"
#include "transport/s3/s3_transport.h"
#include "transport/s3/testing/s3rver.h"

namespace worm {
namespace {

std::shared_ptr<Transport> FreshS3rverTransport() {
  static auto* server = new Result<std::unique_ptr<s3::testing::S3rver>>(
      s3::testing::S3rver::Start("worm-conformance"));  // lives until exit; the
                                                        // destructor-less kill is below
  static const bool reaper = [] {
    std::atexit([] {
      if (server->ok()) (*server)->Kill();
    });
    return true;
  }();
  (void)reaper;
  if (!server->ok()) {
    if (s3::testing::IsS3rverMissing(server->status())) {
      [&] { GTEST_SKIP() << server->status().ToString(); }();
      return NewMemoryTransport();  // placeholder: the skipped test body never runs
    }
    ADD_FAILURE() << server->status().ToString();
    return nullptr;
  }
  auto t = S3Transport::Make((**server).Options("conf-" + NewUuidV4().substr(0, 8)));
  if (!t.ok()) {
    ADD_FAILURE() << t.status().ToString();
    return nullptr;
  }
  return *t;
}

}  // namespace
}  // namespace worm

WORM_INSTANTIATE_TRANSPORT_CONFORMANCE(
    S3, (::worm::testing::TransportFactory{"s3rver", [] { return ::worm::FreshS3rverTransport(); }}));

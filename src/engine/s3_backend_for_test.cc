// The S3 backend of engine_s3_test: our S3 client against `worm serve`
// in-process, with conditional writes (so optimistic concurrency and seq ids
// are exercised over the S3 protocol, as on AWS). Each TestProject gets a
// fresh key prefix in one shared bucket.
//
// With WORM_TEST_S3_ENDPOINT set (scripts/rgw.sh's env; see
// transport/s3/testing/external_s3.h) the same tests run against that
// server instead (Ceph RGW in the `rgw` ctest tier): one bucket created for
// the binary, a fresh prefix per TestProject.
#include "core/random.h"
#include "engine/engine_test_util.h"
#include "server/in_process_s3.h"
#include "transport/s3/s3_transport.h"
#include "transport/s3/testing/external_s3.h"

namespace worm::engine::testing {
namespace {

std::shared_ptr<Transport> MakeS3AgainstWormServe() {
  return server::NewS3TransportOnInProcessServe("engine");
}

std::shared_ptr<Transport> MakeS3AgainstExternal() {
  static const auto* bucket = new Result<S3Options>([]() -> Result<S3Options> {
    auto server = s3::testing::ExternalS3::FromEnv();
    if (!server) return Status::InvalidArgument("WORM_TEST_S3_ENDPOINT is not set");
    return server->FreshBucket("engine");
  }());
  if (!bucket->ok()) {
    ADD_FAILURE() << bucket->status().ToString();
    return nullptr;
  }
  S3Options o = **bucket;
  o.prefix = "t-" + NewUuidV4().substr(0, 8);
  auto t = NewS3Transport(o);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return t.ok() ? *t : nullptr;
}

// Registered before main() runs the tests.
const bool registered = [] {
  SetS3Backend(s3::testing::ExternalS3::ConfiguredName() ? &MakeS3AgainstExternal
                                                         : &MakeS3AgainstWormServe);
  return true;
}();

}  // namespace
}  // namespace worm::engine::testing

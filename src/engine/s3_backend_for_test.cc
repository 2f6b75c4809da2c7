// The S3 backend of engine_s3_test: our S3 client against `worm serve`
// in-process, with conditional writes (so optimistic concurrency and seq ids
// are exercised over the S3 protocol, as on AWS). Each TestProject gets a
// fresh key prefix in one shared bucket.
#include "engine/engine_test_util.h"
#include "server/in_process_s3.h"

namespace worm::engine::testing {
namespace {

std::shared_ptr<Transport> MakeS3AgainstWormServe() {
  return server::NewS3TransportOnInProcessServe("engine");
}

// Registered before main() runs the tests.
const bool registered = [] {
  SetS3Backend(&MakeS3AgainstWormServe);
  return true;
}();

}  // namespace
}  // namespace worm::engine::testing

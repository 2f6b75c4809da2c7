// libFuzzer target: bucket policies as PutBucketPolicy receives them,
// compiled and evaluated (server/bucket_policy.h).
#include "server/bucket_policy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)worm::server::FuzzBucketPolicy(data, size);
  return 0;
}

// libFuzzer target: AccessControlPolicy bodies, x-amz-grant-* values, Block
// Public Access and ownership documents, bucket access records; the first
// byte picks the parser (server/access_control.h).
#include "server/access_control.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)worm::server::FuzzS3Acl(data, size);
  return 0;
}

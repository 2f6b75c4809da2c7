// libFuzzer target: the aws-chunked decoder fed in arbitrary pieces, and
// bodies framed and signed as the SDKs do (server/body_fuzz.h).
#include "server/body_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)worm::server::FuzzAwsChunked(data, size);
  return 0;
}

// libFuzzer target: signed and presigned requests respelled, re-encoded,
// tampered with and replayed at other times (server/auth_fuzz.h).
#include "server/auth_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)worm::server::FuzzSigV4Forms(data, size);
  return 0;
}

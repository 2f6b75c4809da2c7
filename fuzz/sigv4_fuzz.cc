// libFuzzer target: server-side SigV4 parsing and verification (server/auth_fuzz.h).
#include "server/auth_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)worm::server::FuzzSigV4(data, size);
  return 0;
}

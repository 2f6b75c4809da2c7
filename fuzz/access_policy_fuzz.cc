// libFuzzer target for the access section of schema.json: lint, compile, decide.
#include "security/fuzz_access.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)worm::security::FuzzAccessPolicy(data, size);
  return 0;
}

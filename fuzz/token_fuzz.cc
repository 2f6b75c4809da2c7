// libFuzzer target: the token parser (inspect, verify, attenuate; security/token.h).
#include <cstddef>
#include <cstdint>

#include "security/token.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return worm::security::FuzzToken(data, size);
}

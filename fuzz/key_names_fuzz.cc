// libFuzzer target: the local backend's key <-> file name encoding
// (transport/local_keys_fuzz.h). The first byte picks key or folder entry.
#include "transport/local/local_keys_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)worm::transport_internal::FuzzKeyNames(data, size);
  return 0;
}

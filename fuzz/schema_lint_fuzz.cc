// libFuzzer target: schema.json lint and LoadSchema (schema/fuzz.h).
#include "schema/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)worm::schema::FuzzSchemaLint(data, size);
  return 0;
}

// libFuzzer target: the path DSL parser, printer and resolver (schema/fuzz.h).
#include "schema/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)worm::schema::FuzzPathDsl(data, size);
  return 0;
}

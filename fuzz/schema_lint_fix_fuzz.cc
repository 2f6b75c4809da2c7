// libFuzzer target: `worm lint --fix` on arbitrary schema text (schema/fuzz.h).
#include "schema/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)worm::schema::FuzzSchemaLintFix(data, size);
  return 0;
}

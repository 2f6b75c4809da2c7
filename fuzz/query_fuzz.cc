// libFuzzer target for the query language: parse, compile, evaluate, paginate.
#include "query/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)worm::FuzzQuery(data, size);
  return 0;
}

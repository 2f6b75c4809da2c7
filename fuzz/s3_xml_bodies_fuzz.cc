// libFuzzer target: the XML request bodies `worm serve` parses
// (DeleteObjects, CompleteMultipartUpload, CreateBucket), round-tripped
// through XmlWriter (server/body_fuzz.h).
#include "server/body_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)worm::server::FuzzS3XmlBodies(data, size);
  return 0;
}

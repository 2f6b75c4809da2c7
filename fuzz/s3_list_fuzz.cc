// libFuzzer target: the S3 client's single-pass ListObjectsV2 reader against
// a pugixml reference parse (transport/s3/s3_xml_fuzz.h).
#include "transport/s3/s3_xml_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)worm::s3::FuzzListObjectsV2(data, size);
  return 0;
}

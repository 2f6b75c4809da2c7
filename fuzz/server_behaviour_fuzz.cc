// libFuzzer target: the cached server behaviour (.worm/cache/remotes/NAME/
// server.json) that S3ProbeFromJson reads. Any bytes give a result or a clean
// error; what parses re-serializes to the same behaviour.
#include <cstdlib>
#include <string_view>

#include "transport/s3/s3_transport.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = worm::S3ProbeFromJson(text);
  if (!parsed.ok()) return 0;
  std::string once = worm::S3ProbeToJson(*parsed);
  auto again = worm::S3ProbeFromJson(once);
  if (!again.ok() || worm::S3ProbeToJson(*again) != once) std::abort();
  return 0;
}

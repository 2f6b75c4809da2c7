// libFuzzer target: the HTTP request head (and body framing) as `worm serve`
// parses it: Beast's request_parser plus the server's RFC 9112 checks and
// ToRequest (server/http_fuzz.h). The first byte picks the read size.
#include "server/http_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)worm::server::FuzzHttpHead(data, size);
  return 0;
}

// Fuzz entry point for the HTTP front end of `worm serve` (the libFuzzer
// target fuzz/http_head_fuzz.cc calls it; server_limits_test replays the seed
// corpus through it under ctest). An error Status is fine; a crash is a bug.
//
//   FuzzHttpHead: the bytes arrive in reads of 1 to 256 bytes (the first byte
//     picks the size) and go through ParseRequestHead exactly as the session
//     feeds them; an accepted head becomes an HttpRequest whose invariants are
//     checked (target = path [? query], lowercase names, Host present on
//     HTTP/1.1), then the body goes through a small buffer_body as the
//     session reads it (chunked framing included).
//
// Thread-safety: pure; safe to call concurrently.
#pragma once

#include <cstddef>
#include <cstdint>

#include "worm/status.h"

namespace worm::server {

Status FuzzHttpHead(const uint8_t* data, size_t size);

}  // namespace worm::server

// Fuzz entry point for the server's SigV4 verification (libFuzzer target
// fuzz/sigv4_fuzz.cc; auth_test replays its seed corpus under ctest). An
// error Status is fine; a crash is a bug, and so is a broken invariant, which
// aborts.
//
// Input: one flags byte, then lines. Line 1 is "METHOD /path?query"; the
// others are "name: value" headers. The bytes after the flags are also tried
// whole as an Authorization header value and as a query string. Flags:
//   bit 0: the authenticator allows anonymous requests;
//   bit 1: sign the request with the fixed key first (Authorization header);
//   bit 2: presign it instead.
// Invariant: a request our own client signed or presigned with the server's
// key, region and time, carrying no other authentication, is accepted.
//
// Thread-safety: pure; safe to call concurrently.
#pragma once

#include <cstddef>
#include <cstdint>

#include "worm/status.h"

namespace worm::server {

Status FuzzSigV4(const uint8_t* data, size_t size);

}  // namespace worm::server

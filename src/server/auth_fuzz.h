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

// Fuzz entry point for the forms a signed request can take (libFuzzer target
// fuzz/sigv4_forms_fuzz.cc; auth_test replays its corpus). FuzzSigV4 checks
// that what our client signs is accepted; this one checks the parsing around
// it. Input: a flags byte (bit 0: presign instead of an Authorization
// header), an operation byte, a parameter byte, then lines as for FuzzSigV4.
// The request is signed (or presigned, X-Amz-Expires from the parameter) by
// our client at a fixed time, then the operation changes it and the verdict
// must follow:
//   0 the Authorization header respelled (fields reordered, spaces and tabs
//     around ',' and '=') or, presigned, the query's parameters reordered:
//     accepted;
//   1 an unreserved character of the query or the path percent-encoded
//     (upper or lower case hex): accepted, as canonicalization decodes it;
//   2 one character of the signature changed: SignatureDoesNotMatch;
//   3 a byte appended to a signed header's value (or a query value):
//     refused;
//   4 an unsigned x-amz-* header added: AccessDenied;
//   5 the server's clock moved (the parameter, -128..127, times 16 s):
//     accepted exactly within the skew of a header signature, or between the
//     skew before and X-Amz-Expires after a presigned URL's time;
//   6 an authentication parameter repeated (presigned) or a field of the
//     Authorization header repeated: refused.
Status FuzzSigV4Forms(const uint8_t* data, size_t size);

}  // namespace worm::server

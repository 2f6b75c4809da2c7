// Fuzz entry point for the local backend's key encoding (local_keys.h): the
// libFuzzer target fuzz/key_names_fuzz.cc calls it; local_keys_test replays
// the seed corpus through it under ctest. An error Status is fine (input S3
// refuses too); a broken invariant aborts.
//
//   FuzzKeyNames: the first byte picks the mode. As a key: every segment's
//     name and beside-folder name fit in a file name, hold no '/' or NUL,
//     decode back to the segment (given it as the name xattr), and a plain
//     key is its own path. As a folder entry (the rest split at the first
//     NUL into name and xattr): a name that decodes re-encodes to itself.
//
// Thread-safety: pure; safe to call concurrently.
#pragma once

#include <cstddef>
#include <cstdint>

#include "worm/status.h"

namespace worm::transport_internal {

Status FuzzKeyNames(const uint8_t* data, size_t size);

}  // namespace worm::transport_internal

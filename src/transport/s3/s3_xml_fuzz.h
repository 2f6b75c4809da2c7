// Fuzz entry point for the S3 client's ListObjectsV2 reader (libFuzzer target
// fuzz/s3_list_fuzz.cc; s3_xml_test replays its seed corpus under ctest). An
// error Status is fine; a crash is a bug, and so is a broken invariant, which
// aborts.
//
// FuzzListObjectsV2 compares the hand-written single-pass reader
// (ParseListObjectsV2) with a reference parse through pugixml's DOM, the
// reader it replaced, given the same meaning: an element's text is all its
// character data (CDATA included, child elements and comments left out), the
// last Key/ETag/Size/LastModified of a <Contents> counts, and so do the last
// IsTruncated, NextContinuationToken and EncodingType. Invariants:
//  - both accept: the same objects, prefixes, truncation and token (unless
//    an '&' starts no well-formed reference: each recovers its own way);
//  - pugixml accepts a listing the reader refuses only for what the reader
//    refuses on purpose: text outside the root, a DTD, nesting deeper than 64, a reference that is
//    not well formed (or a NUL, which pugixml's C strings cannot hold).
//
// Thread-safety: pure; safe to call concurrently.
#pragma once

#include <cstddef>
#include <cstdint>

#include "worm/status.h"

namespace worm::s3 {

Status FuzzListObjectsV2(const uint8_t* data, size_t size);

}  // namespace worm::s3

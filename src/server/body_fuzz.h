// Fuzz entry points for the request bodies `worm serve` parses (libFuzzer
// targets fuzz/aws_chunked_fuzz.cc and fuzz/s3_xml_bodies_fuzz.cc;
// server_limits_test replays their seed corpora under ctest). An error
// Status is fine; a crash is a bug, and so is a broken invariant, which
// aborts.
//
//   FuzzAwsChunked: byte 0 picks the payload mode (bits 0-1: unsigned
//     trailer, signed, signed with trailer) and whether the rest is a raw
//     body (bit 2 clear) or data to frame as a valid body (bit 2 set); byte
//     1 seeds the split points. A raw body fed in arbitrary pieces gives what
//     it gives in one piece: the same decoded bytes, trailers, size and
//     errors. A body framed (and signed) as the SDKs do decodes to its data
//     whatever the pieces.
//   FuzzS3XmlBodies: byte 0 picks the document (DeleteObjects,
//     CompleteMultipartUpload, CreateBucketConfiguration) and whether the rest
//     is XML (parsed, written back with XmlWriter and parsed again: the same
//     request) or the values of a request (written with XmlWriter, then
//     parsed: the same values).
//
// Thread-safety: pure; safe to call concurrently.
#pragma once

#include <cstddef>
#include <cstdint>

#include "worm/status.h"

namespace worm::server {

Status FuzzAwsChunked(const uint8_t* data, size_t size);
Status FuzzS3XmlBodies(const uint8_t* data, size_t size);

}  // namespace worm::server

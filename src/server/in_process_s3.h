// Test support: our S3 client (S3Transport) against `worm serve` started
// in-process, once per test binary. Used by the transport conformance suite
// (server_test) and the engine's repository tests over S3 (engine_s3_test).
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "worm/transport.h"

namespace worm::server {

// A transport over a fresh, empty key prefix of `bucket` on the shared
// server (started on first use; no fsync). nullptr when the server or the
// client could not start, with a test failure recorded. `part_size` 0 keeps
// the client's default multipart part size.
std::shared_ptr<Transport> NewS3TransportOnInProcessServe(const std::string& bucket,
                                                          size_t part_size = 0);

}  // namespace worm::server

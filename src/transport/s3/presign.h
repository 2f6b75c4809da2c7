// Presigned S3 URLs (query-string SigV4): a URL anyone can GET or PUT until
// it expires, for `worm url`. Pure: the time is an input.
//
// Thread-safety: pure function, safe to call concurrently.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "transport/s3/s3_address.h"
#include "transport/s3/sigv4.h"
#include "worm/result.h"

namespace worm::s3 {

// The URL for `method` ("GET" or "PUT") on the object `full_key` (the key as
// stored, prefix included), valid for `expires_seconds` from
// `scope.unix_seconds`. Only the Host header is signed and the payload is
// UNSIGNED-PAYLOAD, so any client can use it. InvalidArgument for another
// method or an expiry outside 1..604800 seconds.
Result<std::string> PresignS3Url(const S3Address& address, const SigningCredentials& credentials,
                                 const SigningScope& scope, std::string_view method,
                                 std::string_view full_key, int64_t expires_seconds);

}  // namespace worm::s3

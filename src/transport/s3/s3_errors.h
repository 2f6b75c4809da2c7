// The one place where S3 and network failures become Status values
// (docs/style.md, like Arrow's ErrorToStatus). Every Status carries a
// StatusDetail with the HTTP status, the S3 error code, the request id and
// whether retrying may help; RetryingTransport reads that flag.
//
// Thread-safety: pure functions, safe to call concurrently.
#pragma once

#include <string_view>

#include "worm/status.h"

namespace worm::s3 {

// What the failed request was doing; decides what 304/409/412 mean.
enum class S3Op {
  kRead,    // GET/HEAD: 412 and 304 are failed read conditions
  kCreate,  // PUT If-None-Match:*: 412/409 mean the key exists
  kUpdate,  // PUT If-Match: 412 is a lost compare-and-swap precondition
  kWrite,   // unconditional writes, multipart steps, copy
  kDelete,  // DELETE: 404 is success (handled by the caller)
  kList,
};

// Maps a non-2xx S3 response, or a 2xx whose body is an <Error> document.
// `context` reads like "GET bucket/key". `request_id` is the
// x-amz-request-id header, used when the body has none.
Status S3ResponseToStatus(S3Op op, std::string_view context, int http_status, std::string_view body,
                          std::string_view request_id);

// Maps a libcurl failure (a CURLcode) on the way to or from the server.
// Connection, timeout and transfer errors are Unavailable and retryable;
// `deadline_passed` turns a timeout into DeadlineExceeded instead.
Status CurlErrorToStatus(std::string_view context, int curl_code, std::string_view message,
                         bool deadline_passed);

}  // namespace worm::s3

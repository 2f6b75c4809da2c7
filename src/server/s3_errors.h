// The one place where Status meets S3 errors on the server side (STYLE.md §3):
// named S3 error codes, the Status values that carry them, and the mapping of
// any Status to an HTTP status + S3 XML error body.
//
// Handlers return plain Status codes where the canonical code says enough
// (NotFound on an object → NoSuchKey) and S3Error(S3Code::kX, ...) where S3
// has a more specific code (NoSuchBucket, BadDigest, ...).
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "server/http_types.h"
#include "worm/status.h"

namespace worm::server {

enum class S3Code {
  kAccessDenied,
  kAuthorizationHeaderMalformed,
  kBadDigest,
  kBucketAlreadyOwnedByYou,
  kBucketNotEmpty,
  kEntityTooLarge,
  kEntityTooSmall,
  kIncompleteBody,
  kInternalError,
  kInvalidAccessKeyId,
  kInvalidArgument,
  kInvalidBucketName,
  kInvalidDigest,
  kInvalidPart,
  kInvalidPartOrder,
  kInvalidRange,
  kInvalidRequest,
  kKeyConflict,  // a key that is also a folder of other keys (folder-backed buckets)
  kKeyTooLongError,
  kMalformedXML,
  kMethodNotAllowed,
  kMissingContentLength,
  kNoSuchBucket,
  kNoSuchKey,
  kNoSuchUpload,
  kNotImplemented,
  kNotModified,
  kPreconditionFailed,
  kRequestTimeTooSkewed,
  kSignatureDoesNotMatch,
  kXAmzContentSHA256Mismatch,
  kConditionalRequestConflict,
  kInvalidEncryptionAlgorithm,
};

// A Status with the canonical code for `code` and the S3 code in its detail.
Status S3Error(S3Code code, std::string message);

struct S3ErrorInfo {
  int http_status = 500;
  std::string code;  // e.g. "NoSuchKey"
  std::string message;
};

// Maps any non-OK Status to what S3 would answer. `for_key` chooses NoSuchKey
// (vs NoSuchBucket) for a plain NotFound.
S3ErrorInfo ToS3Error(const Status& status);

// The full error response: status line, XML body (none for HEAD, as S3 does),
// x-amz-request-id. `resource` is the request path.
HttpResponse ErrorResponse(const Status& status, std::string_view resource,
                           std::string_view request_id, bool head);

}  // namespace worm::server

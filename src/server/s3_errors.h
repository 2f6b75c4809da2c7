// The one place where Status meets S3 errors on the server side (docs/style.md):
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
  kInvalidURI,   // 400 "Couldn't parse the specified URI." (a key that is not UTF-8)
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
  kSlowDown,  // 503: retry later (a resource is exhausted or kept changing)
  kXAmzContentSHA256Mismatch,
  kConditionalRequestConflict,
  kInvalidEncryptionAlgorithm,
  kAuthorizationQueryParametersError,  // a malformed presigned-URL parameter
  // Access control (access_control.h, bucket_policy.h).
  kMalformedPolicy,                    // 400
  kNoSuchBucketPolicy,                 // 404
  kMalformedACLError,                  // 400: an AccessControlPolicy body or grant header
  kAccessControlListNotSupported,      // 400: ACLs disabled (BucketOwnerEnforced)
  kInvalidBucketAclWithObjectOwnership,  // 400: CreateBucket with an ACL and BucketOwnerEnforced
  kNoSuchPublicAccessBlockConfiguration,  // 404
  kOwnershipControlsNotFoundError,        // 404
  kBucketAlreadyExists,                   // 409: owned by another identity
  kUnexpectedContent,                     // 400
};

// A Status with the canonical code for `code` and the S3 code in its detail.
Status S3Error(S3Code code, std::string message);

struct S3ErrorInfo {
  int http_status = 500;
  std::string code;  // e.g. "NoSuchKey"
  std::string message;
};

// Maps any non-OK Status to what S3 would answer. A Status made by S3Error
// keeps its message: the server wrote it for the client and it names only
// what the client sent (keys, buckets, headers). Any other Status comes from
// a lower layer (transport, filesystem) and may name where the server keeps
// its data, so the client gets S3's generic message for the code instead
// ("The specified key does not exist.") and the original goes to the
// internal-error log (SetInternalErrorLog) when it is a server fault (5xx).
S3ErrorInfo ToS3Error(const Status& status);

// Where the detail of server faults goes (`worm serve` prints it on stderr
// with the request id); none by default. Set once at startup, before
// serving: not synchronized with concurrent ToS3Error calls.
using InternalErrorLog = void (*)(std::string_view request_id, const Status& status);
void SetInternalErrorLog(InternalErrorLog log);

// The full error response: status line, XML body (none for HEAD, as S3 does),
// x-amz-request-id. `resource` is the request path.
HttpResponse ErrorResponse(const Status& status, std::string_view resource,
                           std::string_view request_id, bool head);

}  // namespace worm::server

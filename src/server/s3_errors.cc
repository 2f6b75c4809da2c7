#include "server/s3_errors.h"

#include <atomic>

#include "server/s3_xml.h"

namespace worm::server {

namespace {

struct CodeInfo {
  std::string_view name;
  int http;
  StatusCode status;
};

CodeInfo InfoOf(S3Code code) {
  using SC = StatusCode;
  switch (code) {
    case S3Code::kAccessDenied:
      return {"AccessDenied", 403, SC::kPermissionDenied};
    case S3Code::kAuthorizationHeaderMalformed:
      return {"AuthorizationHeaderMalformed", 400, SC::kInvalidArgument};
    case S3Code::kBadDigest:
      return {"BadDigest", 400, SC::kDataLoss};
    case S3Code::kBucketAlreadyOwnedByYou:
      return {"BucketAlreadyOwnedByYou", 409, SC::kAlreadyExists};
    case S3Code::kBucketNotEmpty:
      return {"BucketNotEmpty", 409, SC::kFailedPrecondition};
    case S3Code::kEntityTooLarge:
      return {"EntityTooLarge", 400, SC::kInvalidArgument};
    case S3Code::kEntityTooSmall:
      return {"EntityTooSmall", 400, SC::kInvalidArgument};
    case S3Code::kIncompleteBody:
      return {"IncompleteBody", 400, SC::kInvalidArgument};
    case S3Code::kInternalError:
      return {"InternalError", 500, SC::kInternal};
    case S3Code::kInvalidAccessKeyId:
      return {"InvalidAccessKeyId", 403, SC::kUnauthenticated};
    case S3Code::kInvalidArgument:
      return {"InvalidArgument", 400, SC::kInvalidArgument};
    case S3Code::kInvalidBucketName:
      return {"InvalidBucketName", 400, SC::kInvalidArgument};
    case S3Code::kInvalidDigest:
      return {"InvalidDigest", 400, SC::kInvalidArgument};
    case S3Code::kInvalidPart:
      return {"InvalidPart", 400, SC::kInvalidArgument};
    case S3Code::kInvalidPartOrder:
      return {"InvalidPartOrder", 400, SC::kInvalidArgument};
    case S3Code::kInvalidRange:
      return {"InvalidRange", 416, SC::kOutOfRange};
    case S3Code::kInvalidRequest:
      return {"InvalidRequest", 400, SC::kInvalidArgument};
    case S3Code::kInvalidURI:
      return {"InvalidURI", 400, SC::kInvalidArgument};
    case S3Code::kKeyConflict:
      return {"KeyConflict", 409, SC::kAlreadyExists};
    case S3Code::kKeyTooLongError:
      return {"KeyTooLongError", 400, SC::kInvalidArgument};
    case S3Code::kMalformedXML:
      return {"MalformedXML", 400, SC::kInvalidArgument};
    case S3Code::kMethodNotAllowed:
      return {"MethodNotAllowed", 405, SC::kUnimplemented};
    case S3Code::kMissingContentLength:
      return {"MissingContentLength", 411, SC::kInvalidArgument};
    case S3Code::kNoSuchBucket:
      return {"NoSuchBucket", 404, SC::kNotFound};
    case S3Code::kNoSuchKey:
      return {"NoSuchKey", 404, SC::kNotFound};
    case S3Code::kNoSuchUpload:
      return {"NoSuchUpload", 404, SC::kNotFound};
    case S3Code::kNotImplemented:
      return {"NotImplemented", 501, SC::kUnimplemented};
    case S3Code::kNotModified:
      return {"NotModified", 304, SC::kFailedPrecondition};
    case S3Code::kPreconditionFailed:
      return {"PreconditionFailed", 412, SC::kFailedPrecondition};
    case S3Code::kRequestTimeTooSkewed:
      return {"RequestTimeTooSkewed", 403, SC::kUnauthenticated};
    case S3Code::kSignatureDoesNotMatch:
      return {"SignatureDoesNotMatch", 403, SC::kUnauthenticated};
    case S3Code::kSlowDown:
      return {"SlowDown", 503, SC::kUnavailable};
    case S3Code::kXAmzContentSHA256Mismatch:
      return {"XAmzContentSHA256Mismatch", 400, SC::kDataLoss};
    case S3Code::kConditionalRequestConflict:
      return {"ConditionalRequestConflict", 409, SC::kAborted};
    case S3Code::kInvalidEncryptionAlgorithm:
      return {"InvalidEncryptionAlgorithmError", 400, SC::kInvalidArgument};
    case S3Code::kAuthorizationQueryParametersError:
      return {"AuthorizationQueryParametersError", 400, SC::kInvalidArgument};
    case S3Code::kMalformedPolicy:
      return {"MalformedPolicy", 400, SC::kInvalidArgument};
    case S3Code::kNoSuchBucketPolicy:
      return {"NoSuchBucketPolicy", 404, SC::kNotFound};
    case S3Code::kMalformedACLError:
      return {"MalformedACLError", 400, SC::kInvalidArgument};
    case S3Code::kAccessControlListNotSupported:
      return {"AccessControlListNotSupported", 400, SC::kFailedPrecondition};
    case S3Code::kInvalidBucketAclWithObjectOwnership:
      return {"InvalidBucketAclWithObjectOwnership", 400, SC::kFailedPrecondition};
    case S3Code::kNoSuchPublicAccessBlockConfiguration:
      return {"NoSuchPublicAccessBlockConfiguration", 404, SC::kNotFound};
    case S3Code::kOwnershipControlsNotFoundError:
      return {"OwnershipControlsNotFoundError", 404, SC::kNotFound};
    case S3Code::kBucketAlreadyExists:
      return {"BucketAlreadyExists", 409, SC::kAlreadyExists};
    case S3Code::kUnexpectedContent:
      return {"UnexpectedContent", 400, SC::kInvalidArgument};
  }
  return {"InternalError", 500, SC::kInternal};
}

// Default mapping when a Status carries no S3 code, with S3's own generic
// messages: the Status's message came from below the server and is never
// sent (it may name server paths).
S3ErrorInfo FromCanonical(const Status& s) {
  switch (s.code()) {
    case StatusCode::kNotFound:
      return {404, "NoSuchKey", "The specified key does not exist."};
    case StatusCode::kAlreadyExists:
    case StatusCode::kFailedPrecondition:
      return {412, "PreconditionFailed",
              "At least one of the pre-conditions you specified did not hold"};
    case StatusCode::kAborted:
      return {409, "ConditionalRequestConflict",
              "The conditional request cannot succeed due to a conflicting operation against "
              "this resource."};
    case StatusCode::kOutOfRange:
      return {416, "InvalidRange", "The requested range is not satisfiable"};
    case StatusCode::kInvalidArgument:
      return {400, "InvalidArgument", "Invalid Argument"};
    case StatusCode::kPermissionDenied:
    case StatusCode::kUnauthenticated:
      return {403, "AccessDenied", "Access Denied"};
    case StatusCode::kUnimplemented:
      return {501, "NotImplemented",
              "A header you provided implies functionality that is not implemented"};
    case StatusCode::kDataLoss:
      return {400, "BadDigest",
              "The Content-MD5 or checksum you specified did not match what we "
              "received."};
    case StatusCode::kUnavailable:
    case StatusCode::kResourceExhausted:
      return {503, "SlowDown", "Please reduce your request rate."};
    case StatusCode::kDeadlineExceeded:
      return {400, "RequestTimeout",
              "Your socket connection to the server was not read from or written to within "
              "the timeout period."};
    default:
      return {500, "InternalError", "We encountered an internal error. Please try again."};
  }
}

std::atomic<InternalErrorLog> internal_error_log{nullptr};

}  // namespace

void SetInternalErrorLog(InternalErrorLog log) { internal_error_log.store(log); }

Status S3Error(S3Code code, std::string message) {
  CodeInfo info = InfoOf(code);
  StatusDetail detail;
  detail.http_status = info.http;
  detail.remote_code = std::string(info.name);
  return Status(info.status, std::move(message)).WithDetail(std::move(detail));
}

S3ErrorInfo ToS3Error(const Status& status) {
  const StatusDetail* d = status.detail();
  if (d != nullptr && !d->remote_code.empty() && d->http_status != 0) {
    return {d->http_status, d->remote_code, status.message()};
  }
  return FromCanonical(status);
}

HttpResponse ErrorResponse(const Status& status, std::string_view resource,
                           std::string_view request_id, bool head) {
  S3ErrorInfo e = ToS3Error(status);
  if (e.http_status >= 500) {
    if (InternalErrorLog log = internal_error_log.load()) log(request_id, status);
  }
  HttpResponse r;
  r.status = e.http_status;
  r.head = head;
  r.Set("x-amz-request-id", std::string(request_id));
  if (e.http_status == 304) return r;  // no body, as S3 does
  if (head) {
    r.content_length = 0;
    return r;
  }
  r.Set("Content-Type", "application/xml");
  XmlWriter x;
  x.Open("Error");
  x.Leaf("Code", e.code);
  x.Leaf("Message", XmlSafeText(e.message));
  x.Leaf("Resource", XmlSafeText(resource));
  x.Leaf("RequestId", request_id);
  x.Close("Error");
  r.body = x.Finish();
  return r;
}

}  // namespace worm::server

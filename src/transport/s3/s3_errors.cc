#include "transport/s3/s3_errors.h"

#include <curl/curl.h>

#include <string>

#include "transport/s3/s3_xml.h"

namespace worm::s3 {
namespace {

struct Mapped {
  StatusCode code;
  bool retryable;
};

bool IsAny(std::string_view code, std::initializer_list<std::string_view> names) {
  for (std::string_view n : names) {
    if (code == n) return true;
  }
  return false;
}

// By S3 error code first: it is more precise than the HTTP status.
bool MapByCode(S3Op op, std::string_view code, Mapped* out) {
  if (code.empty()) return false;
  if (IsAny(code, {"NoSuchKey", "NoSuchBucket", "NoSuchUpload", "NoSuchVersion"})) {
    *out = {StatusCode::kNotFound, false};
  } else if (code == "PreconditionFailed") {
    *out = {op == S3Op::kCreate ? StatusCode::kAlreadyExists : StatusCode::kFailedPrecondition,
            false};
  } else if (IsAny(code, {"ConditionalRequestConflict", "OperationAborted"})) {
    *out = {op == S3Op::kCreate ? StatusCode::kAlreadyExists : StatusCode::kAborted, false};
  } else if (IsAny(code,
                   {"AccessDenied", "AllAccessDisabled", "AccountProblem", "InvalidObjectState"})) {
    *out = {StatusCode::kPermissionDenied, false};
  } else if (IsAny(code, {"SignatureDoesNotMatch", "InvalidAccessKeyId", "ExpiredToken",
                          "InvalidToken", "TokenRefreshRequired", "RequestTimeTooSkewed",
                          "AuthorizationHeaderMalformed", "MissingSecurityHeader"})) {
    *out = {StatusCode::kUnauthenticated, false};
  } else if (IsAny(code, {"SlowDown", "InternalError", "ServiceUnavailable", "RequestTimeout",
                          "Throttling", "ThrottlingException", "RequestLimitExceeded"})) {
    *out = {StatusCode::kUnavailable, true};
  } else if (code == "InvalidRange") {
    *out = {StatusCode::kOutOfRange, false};
  } else if (code == "NotImplemented") {
    *out = {StatusCode::kUnimplemented, false};
  } else if (IsAny(code, {"EntityTooSmall", "EntityTooLarge", "InvalidPart", "InvalidPartOrder",
                          "KeyTooLongError", "InvalidArgument", "InvalidRequest", "MalformedXML",
                          "InvalidDigest", "BadDigest"})) {
    *out = {StatusCode::kInvalidArgument, false};
  } else {
    return false;
  }
  return true;
}

Mapped MapByHttpStatus(S3Op op, int http_status) {
  switch (http_status) {
    case 304:
    case 412:
      return {op == S3Op::kCreate ? StatusCode::kAlreadyExists : StatusCode::kFailedPrecondition,
              false};
    case 404:
      return {StatusCode::kNotFound, false};
    case 409:
      return {op == S3Op::kCreate ? StatusCode::kAlreadyExists : StatusCode::kAborted, false};
    case 401:
      return {StatusCode::kUnauthenticated, false};
    case 403:
      return {StatusCode::kPermissionDenied, false};
    case 416:
      return {StatusCode::kOutOfRange, false};
    case 501:
    case 405:
      return {StatusCode::kUnimplemented, false};
    case 408:
    case 429:
      return {StatusCode::kUnavailable, true};
    default:
      break;
  }
  if (http_status >= 500) return {StatusCode::kUnavailable, true};
  if (http_status >= 400) return {StatusCode::kInvalidArgument, false};
  return {StatusCode::kUnknown, false};
}

std::string_view DefaultCodeName(int http_status) {
  switch (http_status) {
    case 304:
      return "NotModified";
    case 404:
      return "NotFound";
    case 412:
      return "PreconditionFailed";
    case 403:
      return "Forbidden";
    case 416:
      return "InvalidRange";
    case 503:
      return "ServiceUnavailable";
    default:
      return "";
  }
}

}  // namespace

Status S3ResponseToStatus(S3Op op, std::string_view context, int http_status, std::string_view body,
                          std::string_view request_id) {
  S3ErrorBody err;
  ParseS3Error(body, &err);
  if (err.code.empty()) err.code = std::string(DefaultCodeName(http_status));
  if (err.request_id.empty()) err.request_id = std::string(request_id);
  Mapped m;
  if (!MapByCode(op, err.code, &m)) m = MapByHttpStatus(op, http_status);

  std::string msg = std::string(context) + ": " + (err.code.empty() ? "HTTP" : err.code) +
                    " (HTTP " + std::to_string(http_status) + ")";
  if (!err.message.empty()) msg += ": " + err.message;
  if (!err.request_id.empty()) msg += " [request id " + err.request_id + "]";
  if (m.code == StatusCode::kUnauthenticated) {
    msg +=
        "; check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_PROFILE, the region and the clock";
  }
  StatusDetail detail{http_status, err.code, err.request_id, m.retryable};
  return Status(m.code, std::move(msg)).WithDetail(std::move(detail));
}

Status CurlErrorToStatus(std::string_view context, int curl_code, std::string_view message,
                         bool deadline_passed) {
  auto code = static_cast<CURLcode>(curl_code);
  std::string msg = std::string(context) + ": " + std::string(message) + " (curl " +
                    std::to_string(curl_code) + ")";
  StatusDetail detail;
  detail.remote_code = "curl:" + std::to_string(curl_code);
  if (code == CURLE_OPERATION_TIMEDOUT && deadline_passed) {
    return Status::DeadlineExceeded(msg).WithDetail(detail);
  }
  switch (code) {
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return Status::InvalidArgument(msg).WithDetail(detail);
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
      return Status::Unavailable(msg + "; TLS verification failed").WithDetail(detail);
    case CURLE_ABORTED_BY_CALLBACK:
      return Status::Cancelled(msg).WithDetail(detail);
    default:
      break;
  }
  // Resolve, connect, send, receive, timeouts, partial transfers: transient.
  detail.retryable = true;
  return Status::Unavailable(msg).WithDetail(detail);
}

}  // namespace worm::s3

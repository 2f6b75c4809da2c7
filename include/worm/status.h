// Status: the outcome of an operation that can fail in an expected way
// (a missing key, a lost compare-and-swap, invalid input). Errors are values,
// never exceptions: storage interfaces return Status or Result<T>.
//
// Codes follow Abseil's canonical codes and their written guidance. A message
// reads "context: detail" and names the model, id, field or key involved.
// Optional details carry what a remote said (HTTP status, S3 error code,
// request id) and whether a retry may succeed.
//
// Thread-safety: a Status is a value; distinct objects may be used from
// distinct threads without synchronization.
#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <string_view>

namespace worm {

enum class StatusCode : int {
  kOk = 0,
  kCancelled = 1,
  kUnknown = 2,
  kInvalidArgument = 3,  // bad input: malformed id, JSON, schema violation
  kDeadlineExceeded = 4,
  kNotFound = 5,          // HTTP 404
  kAlreadyExists = 6,     // a create-only put found the key
  kPermissionDenied = 7,  // also: object locked by retention / legal hold
  kResourceExhausted = 8,
  kFailedPrecondition = 9,  // HTTP 412: If-Match / If-None-Match failed
  kAborted = 10,            // lost a compare-and-swap: redo read-modify-write
  kOutOfRange = 11,         // HTTP 416
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,  // 5xx, SlowDown, timeout: retry the call
  kDataLoss = 15,     // hash or Merkle mismatch, torn or corrupt data
  kUnauthenticated = 16,
};

std::string_view StatusCodeName(StatusCode code);

// What a remote service said about an error, when there was a remote.
struct StatusDetail {
  int http_status = 0;      // 0 when not from HTTP
  std::string remote_code;  // e.g. S3 "NoSuchKey", "PreconditionFailed"
  std::string request_id;   // e.g. x-amz-request-id
  bool retryable = false;
};

class [[nodiscard]] Status {
 public:
  Status() noexcept = default;  // OK
  Status(StatusCode code, std::string message);
  Status(const Status& other);
  Status& operator=(const Status& other);
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;
  ~Status() = default;

  static Status OK() { return Status(); }
  static Status Cancelled(std::string msg) { return {StatusCode::kCancelled, std::move(msg)}; }
  static Status Unknown(std::string msg) { return {StatusCode::kUnknown, std::move(msg)}; }
  static Status InvalidArgument(std::string msg) {
    return {StatusCode::kInvalidArgument, std::move(msg)};
  }
  static Status DeadlineExceeded(std::string msg) {
    return {StatusCode::kDeadlineExceeded, std::move(msg)};
  }
  static Status NotFound(std::string msg) { return {StatusCode::kNotFound, std::move(msg)}; }
  static Status AlreadyExists(std::string msg) {
    return {StatusCode::kAlreadyExists, std::move(msg)};
  }
  static Status PermissionDenied(std::string msg) {
    return {StatusCode::kPermissionDenied, std::move(msg)};
  }
  static Status ResourceExhausted(std::string msg) {
    return {StatusCode::kResourceExhausted, std::move(msg)};
  }
  static Status FailedPrecondition(std::string msg) {
    return {StatusCode::kFailedPrecondition, std::move(msg)};
  }
  static Status Aborted(std::string msg) { return {StatusCode::kAborted, std::move(msg)}; }
  static Status OutOfRange(std::string msg) { return {StatusCode::kOutOfRange, std::move(msg)}; }
  static Status Unimplemented(std::string msg) {
    return {StatusCode::kUnimplemented, std::move(msg)};
  }
  static Status Internal(std::string msg) { return {StatusCode::kInternal, std::move(msg)}; }
  static Status Unavailable(std::string msg) { return {StatusCode::kUnavailable, std::move(msg)}; }
  static Status DataLoss(std::string msg) { return {StatusCode::kDataLoss, std::move(msg)}; }
  static Status Unauthenticated(std::string msg) {
    return {StatusCode::kUnauthenticated, std::move(msg)};
  }

  bool ok() const { return state_ == nullptr; }
  StatusCode code() const { return state_ ? state_->code : StatusCode::kOk; }
  // Empty for OK.
  const std::string& message() const;
  // Null when no remote detail was attached.
  const StatusDetail* detail() const { return state_ ? state_->detail.get() : nullptr; }
  bool retryable() const { return detail() != nullptr && detail()->retryable; }

  bool IsNotFound() const { return code() == StatusCode::kNotFound; }
  bool IsAlreadyExists() const { return code() == StatusCode::kAlreadyExists; }
  bool IsFailedPrecondition() const { return code() == StatusCode::kFailedPrecondition; }
  bool IsAborted() const { return code() == StatusCode::kAborted; }
  bool IsInvalidArgument() const { return code() == StatusCode::kInvalidArgument; }

  // "NotFound: <message>", or "OK".
  std::string ToString() const;

  // A copy whose message reads "<context>: <message>". OK stays OK.
  Status WithContext(std::string_view context) const;
  // A copy carrying `detail`. OK stays OK.
  Status WithDetail(StatusDetail detail) const;

  friend bool operator==(const Status& a, const Status& b) {
    return a.code() == b.code() && a.message() == b.message();
  }

 private:
  struct State {
    StatusCode code;
    std::string message;
    std::shared_ptr<const StatusDetail> detail;
  };
  std::unique_ptr<State> state_;
};

std::ostream& operator<<(std::ostream& os, const Status& s);

}  // namespace worm

// Returns from the enclosing function when `expr` (a Status) is not OK.
#define RETURN_NOT_OK(expr)                             \
  do {                                                  \
    ::worm::Status _worm_st = ::worm::ToStatus((expr)); \
    if (!_worm_st.ok()) return _worm_st;                \
  } while (false)

namespace worm {
inline const Status& ToStatus(const Status& s) { return s; }
inline Status ToStatus(Status&& s) { return std::move(s); }
}  // namespace worm

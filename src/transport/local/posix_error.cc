#include "transport/local/posix_error.h"

#include <cerrno>
#include <cstring>
#include <string>

namespace worm::transport_internal {

namespace {

StatusCode CodeForErrno(int err) {
  switch (err) {
    case ENOENT:
    case ENOTDIR:
      return StatusCode::kNotFound;
    case EACCES:
    case EPERM:
    case EROFS:
      return StatusCode::kPermissionDenied;
    case ENOSPC:
    case EDQUOT:
    case EMFILE:
    case ENFILE:
    case ENOMEM:
    case EFBIG:
      return StatusCode::kResourceExhausted;
    case EEXIST:
    case ENOTEMPTY:
      return StatusCode::kAlreadyExists;
    case ENAMETOOLONG:
    case EINVAL:
    case EISDIR:
    case ELOOP:
      return StatusCode::kInvalidArgument;
    case EAGAIN:
    case EINTR:
    case EBUSY:
    case ETIMEDOUT:
    case ESTALE:
    case EIO:
      return StatusCode::kUnavailable;
    default:
      return StatusCode::kInternal;
  }
}

}  // namespace

Status ErrnoToStatus(int err, std::string_view context) {
  char buf[256];
  const char* text = strerror_r(err, buf, sizeof(buf));  // GNU variant
  std::string message(context);
  message += ": ";
  message += text;
  message += " (errno " + std::to_string(err) + ")";
  return Status(CodeForErrno(err), std::move(message));
}

}  // namespace worm::transport_internal

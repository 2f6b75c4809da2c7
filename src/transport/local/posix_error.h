// Maps POSIX errno values to Status codes, in one place for every
// filesystem-backed transport. Thread-safe.
#pragma once

#include <string_view>

#include "worm/status.h"

namespace worm::transport_internal {

// "<context>: <strerror> (errno N)" with a code chosen from `err`:
// ENOENT, ENOTDIR -> NotFound; EACCES, EPERM, EROFS -> PermissionDenied;
// ENOSPC, EDQUOT, EMFILE, ENFILE, ENOMEM, EFBIG -> ResourceExhausted;
// EEXIST, ENOTEMPTY -> AlreadyExists; ENAMETOOLONG, EINVAL, EISDIR, ELOOP ->
// InvalidArgument; EAGAIN, EINTR, EBUSY, ETIMEDOUT, ESTALE, EIO -> Unavailable;
// anything else -> Internal.
Status ErrnoToStatus(int err, std::string_view context);

}  // namespace worm::transport_internal

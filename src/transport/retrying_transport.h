// RetryingTransport: the one place retries live (docs/style.md). It wraps any
// Transport and retries calls that failed with a retryable error
// (Status::retryable(), or code Unavailable): exponential backoff with full
// jitter (sleep a uniform random time in [0, min(max, initial x 2^n)]),
// bounded attempts, never sleeping past a read's deadline.
//
// Lost acknowledgements: a conditional Put retried after its first attempt
// actually landed sees its own write (AlreadyExists for kCreate,
// FailedPrecondition for kUpdate). The wrapper then Heads the key and, if
// the stored ETag is the MD5 of the bytes it sent (S3's single-part ETag),
// reports success instead of a false conflict.
//
// ReadStreams resume after a retryable mid-stream failure by reopening at
// the current offset, pinned to the first ETag (If-Match), so a resumed read
// never splices two versions. WriteStream Commit is not retried (the stream
// is consumed); backends retry their own parts through this wrapper only if
// they are built on it.
//
// Thread-safety: as the wrapped transport; the jitter source is locked.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "worm/transport.h"

namespace worm {

struct RetryOptions {
  // Total attempts per call, the first included. 1 disables retries.
  int max_attempts = 5;
  // Backoff cap before jitter for attempt n (0-based): initial x 2^n,
  // bounded by max_backoff_ms. Defaults follow the AWS SDKs' standard mode.
  int64_t initial_backoff_ms = 50;
  int64_t max_backoff_ms = 5'000;
  // Sleeps for the given milliseconds. Null: really sleep. Tests inject a
  // recorder so they run instantly.
  std::function<void(int64_t)> sleep;
  // Jitter seed; 0 picks a random one.
  uint64_t seed = 0;
};

// True for errors worth retrying: a retryable detail, or Unavailable.
bool IsRetryableError(const Status& status);

std::shared_ptr<Transport> NewRetryingTransport(std::shared_ptr<Transport> target,
                                                RetryOptions options = {});

}  // namespace worm

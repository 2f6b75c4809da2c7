// Clock: the source of wall time, injectable so tests control it (RocksDB's
// SystemClock split from leveldb's Env). Implementations are thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace worm {

class Clock {
 public:
  virtual ~Clock() = default;
  // Microseconds since the Unix epoch.
  virtual int64_t NowMicros() = 0;
  int64_t NowMillis() { return NowMicros() / 1000; }

  // The process-wide real clock. Never null; not owned by the caller.
  static Clock* Default();
};

// A clock that only moves when told to. For tests.
class ManualClock : public Clock {
 public:
  explicit ManualClock(int64_t start_micros = 0) : now_(start_micros) {}
  int64_t NowMicros() override { return now_.load(); }
  void Advance(int64_t micros) { now_ += micros; }
  void Set(int64_t micros) { now_ = micros; }

 private:
  std::atomic<int64_t> now_;
};

// RFC 3339, UTC, milliseconds, "Z": 2026-02-24T10:11:12.345Z.
std::string FormatTimestamp(int64_t unix_millis);
// The same text appended to `out`, with plain arithmetic (no gmtime or
// snprintf): an S3 listing writes one per key.
void AppendTimestamp(std::string* out, int64_t unix_millis);

}  // namespace worm

// CountingTransport: a TransportWrapper that counts requests, failed
// requests and payload bytes per operation class (HEAD, GET, PUT, LIST,
// DELETE, COPY). Requests are what S3 bills for, so every benchmark reports
// these counts next to its timings.
//
// What counts as one request: each Head, Get, List, Delete and Copy call;
// OpenRead counts one GET (its bytes as they are read); a write stream counts
// one PUT when it commits (its bytes at commit). Bytes are object bodies
// only: GET bytes read, PUT bytes written (COPY bytes are not known here).
//
// Thread-safety: thread-safe (relaxed atomics); Snapshot() is not atomic
// across counters while calls are in flight.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "worm/transport.h"

namespace worm {

enum class OpClass : int { kHead = 0, kGet, kPut, kList, kDelete, kCopy };
inline constexpr int kNumOpClasses = 6;
// "HEAD", "GET", "PUT", "LIST", "DELETE", "COPY".
std::string_view OpClassName(OpClass op);

struct OpCounts {
  uint64_t requests = 0;
  uint64_t errors = 0;  // requests that returned a non-OK status
  uint64_t bytes = 0;
};

struct TransportCounts {
  std::array<OpCounts, kNumOpClasses> ops{};

  const OpCounts& operator[](OpClass op) const { return ops[static_cast<int>(op)]; }
  uint64_t total_requests() const;
  // Requests that change storage: PUT, DELETE and COPY.
  uint64_t write_requests() const;
  // "HEAD=1 GET=10/40960B PUT=3/1200B LIST=1 DELETE=0 COPY=0" (errors as "!n").
  std::string ToString() const;
};

class CountingTransport : public TransportWrapper {
 public:
  explicit CountingTransport(std::shared_ptr<Transport> target)
      : TransportWrapper(std::move(target)) {}

  TransportCounts Snapshot() const;
  void Reset();

  Result<ObjectMeta> Head(const Key& key, const ReadOptions& o) override;
  Result<Object> Get(const Key& key, const ReadOptions& o) override;
  Result<std::unique_ptr<ReadStream>> OpenRead(const Key& key, const ReadOptions& o) override;
  Result<PutResult> Put(const Key& key, ByteView data, const WriteOptions& o) override;
  Result<std::unique_ptr<WriteStream>> OpenWrite(const Key& key, const WriteOptions& o) override;
  Status Delete(const Key& key, const DeleteOptions& o) override;
  Result<ListPage> List(const ListRequest& r) override;
  Result<PutResult> Copy(const Key& from, const Key& to, const WriteOptions& o) override;

  // For the stream wrappers.
  void Record(OpClass op, const Status& status, uint64_t bytes);
  void AddBytes(OpClass op, uint64_t bytes);

 private:
  struct Counter {
    std::atomic<uint64_t> requests{0};
    std::atomic<uint64_t> errors{0};
    std::atomic<uint64_t> bytes{0};
  };
  std::array<Counter, kNumOpClasses> counters_;
};

// Convenience: a CountingTransport over `target`.
inline std::shared_ptr<CountingTransport> NewCountingTransport(std::shared_ptr<Transport> target) {
  return std::make_shared<CountingTransport>(std::move(target));
}

}  // namespace worm

// FaultInjectionTransport: a TransportWrapper for tests that makes chosen
// calls fail, after RocksDB's FaultInjectionTestFS and leveldb's
// FaultInjectionTestEnv.
//
// A FaultSpec targets calls by operation class and key prefix (List matches
// on its prefix, Copy on its destination) and picks the Nth matching call, or
// each matching call with probability 1/N from a seed. It injects:
//   - kFailBefore: the call fails (Unavailable by default), nothing applied;
//   - kFailAfter:  the call is applied, then reports failure (a lost
//                  acknowledgement: the write happened, the caller does not know);
//   - kCorruptRead / kTruncateRead: Get and OpenRead bodies get one byte
//                  flipped / lose their second half. The wrapper verifies every
//                  body it returns (length against the metadata, and for whole
//                  objects the MD5 against the ETag), so these surface as
//                  DataLoss, as a checksumming client would report them;
//   - kLatency:    sleeps, then forwards;
//   - kCrash:      fails the call and "crashes": write streams not yet
//                  committed are dropped, and every later call fails with
//                  Unavailable until Reset(). What was committed before stays
//                  in the target, as after a restart.
//
// The Beast fail_count pattern: loop n = 0, 1, 2, ... arming {nth = n},
// running the scenario and checking invariants, until faults_injected() is 0
// (the scenario completed without reaching the fault).
//
// Thread-safety: thread-safe; streams follow the usual one-thread rule.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <random>
#include <string>

#include "worm/transport.h"

namespace worm::testing {

// Operation classes, as bits for FaultSpec::ops. Get covers OpenRead; Put
// covers write streams (matched when they commit).
enum FaultOps : uint32_t {
  kFaultHead = 1u << 0,
  kFaultGet = 1u << 1,
  kFaultPut = 1u << 2,
  kFaultList = 1u << 3,
  kFaultDelete = 1u << 4,
  kFaultCopy = 1u << 5,
  kFaultReads = kFaultHead | kFaultGet | kFaultList,
  kFaultWrites = kFaultPut | kFaultDelete | kFaultCopy,
  kFaultAll = kFaultReads | kFaultWrites,
};

enum class FaultKind { kFailBefore, kFailAfter, kCorruptRead, kTruncateRead, kLatency, kCrash };

struct FaultSpec {
  FaultKind kind = FaultKind::kFailBefore;
  uint32_t ops = kFaultAll;  // FaultOps bits
  std::string key_prefix;    // empty matches every key
  // Fault the nth matching call (0-based). Negative: use one_in instead.
  int64_t nth = 0;
  uint32_t one_in = 0;     // with nth < 0: fault each matching call with probability 1/one_in
  uint64_t seed = 0;       // for one_in (e.g. from ::testing::UnitTest::random_seed())
  int64_t max_faults = 1;  // stop injecting after this many; negative: unlimited
  StatusCode code = StatusCode::kUnavailable;  // for kFailBefore / kFailAfter / kCrash
  std::chrono::milliseconds latency{10};       // for kLatency
};

class FaultInjectionTransport : public TransportWrapper {
 public:
  explicit FaultInjectionTransport(std::shared_ptr<Transport> target)
      : TransportWrapper(std::move(target)) {}

  // Replaces the current spec and zeroes the counters.
  void Arm(FaultSpec spec);
  // Stops injecting (a crash stays until Reset).
  void Disarm();
  // Crashes now, as a kCrash fault would.
  void Crash();
  // Disarms, forgets a crash and zeroes the counters: the "restart".
  void Reset();

  // Calls that matched the spec's ops and prefix since Arm.
  int64_t matching_calls() const;
  // Faults injected since Arm.
  int64_t faults_injected() const;
  bool crashed() const;

  Result<ObjectMeta> Head(const Key& key, const ReadOptions& o) override;
  Result<Object> Get(const Key& key, const ReadOptions& o) override;
  Result<std::unique_ptr<ReadStream>> OpenRead(const Key& key, const ReadOptions& o) override;
  Result<PutResult> Put(const Key& key, ByteView data, const WriteOptions& o) override;
  Result<std::unique_ptr<WriteStream>> OpenWrite(const Key& key, const WriteOptions& o) override;
  Status Delete(const Key& key, const DeleteOptions& o) override;
  Result<ListPage> List(const ListRequest& r) override;
  Result<PutResult> Copy(const Key& from, const Key& to, const WriteOptions& o) override;

  // What to do with one call; used by the stream wrappers too.
  enum class Action { kNone, kFailBefore, kFailAfter, kCorrupt, kTruncate, kCrashed };
  struct Decision {
    Action action = Action::kNone;
    Status error;  // for kFailBefore, kFailAfter, kCrashed
  };
  Decision Decide(uint32_t op, std::string_view op_name, std::string_view key);
  // The crash generation: streams opened before a crash are dropped.
  uint64_t epoch() const;
  Status CrashedError(std::string_view op, std::string_view key) const;

 private:
  bool Fires();  // REQUIRES: mu_ held, call matched

  mutable std::mutex mu_;
  bool armed_ = false;
  FaultSpec spec_;
  std::mt19937_64 rng_;
  int64_t matching_ = 0;
  int64_t injected_ = 0;
  bool crashed_ = false;
  uint64_t epoch_ = 0;
};

}  // namespace worm::testing

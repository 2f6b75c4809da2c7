#include "transport/retrying_transport.h"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <random>
#include <thread>

#include "core/hash.h"
#include "core/random.h"
#include "worm/clock.h"

namespace worm {

bool IsRetryableError(const Status& status) {
  return !status.ok() && (status.retryable() || status.code() == StatusCode::kUnavailable);
}

namespace {

class Backoff {
 public:
  explicit Backoff(const RetryOptions& options) : options_(options) {
    rng_.seed(options.seed != 0 ? options.seed : RandomU64());
    if (!options_.sleep) {
      options_.sleep = [](int64_t ms) {
        std::this_thread::sleep_for(std::chrono::milliseconds(ms));
      };
    }
  }
  int max_attempts() const { return std::max(1, options_.max_attempts); }

  // Sleeps before retry number `attempt` (1-based). False when the deadline
  // would pass first.
  bool Wait(int attempt, int64_t deadline_ms) {
    int64_t cap = options_.initial_backoff_ms;
    for (int i = 1; i < attempt && cap < options_.max_backoff_ms; ++i) cap *= 2;
    cap = std::min(cap, options_.max_backoff_ms);
    int64_t ms;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ms = std::uniform_int_distribution<int64_t>(0, std::max<int64_t>(cap, 0))(rng_);
    }
    if (deadline_ms > 0 && Clock::Default()->NowMillis() + ms >= deadline_ms) return false;
    options_.sleep(ms);
    return true;
  }

 private:
  RetryOptions options_;
  std::mutex mu_;
  std::mt19937_64 rng_;
};

// Runs `fn` until it succeeds, fails for good, or attempts run out.
template <typename Fn>
auto Retry(Backoff& backoff, int64_t deadline_ms, Fn&& fn) -> decltype(fn(0)) {
  for (int attempt = 0;; ++attempt) {
    auto result = fn(attempt);
    Status st = ToStatus(result);
    if (!IsRetryableError(st) || attempt + 1 >= backoff.max_attempts() ||
        !backoff.Wait(attempt + 1, deadline_ms)) {
      if (!st.ok() && attempt > 0) {
        return st.WithContext("after " + std::to_string(attempt + 1) + " attempts");
      }
      return result;
    }
  }
}

class RetryingReadStream final : public ReadStream {
 public:
  RetryingReadStream(Transport* target, Backoff* backoff, Key key, ReadOptions options,
                     std::unique_ptr<ReadStream> stream)
      : target_(target),
        backoff_(backoff),
        key_(std::move(key)),
        options_(std::move(options)),
        stream_(std::move(stream)),
        meta_(stream_->meta()) {}

  const ObjectMeta& meta() const override { return meta_; }

  Result<size_t> Read(char* buf, size_t n) override {
    return Retry(*backoff_, options_.deadline_ms, [&](int attempt) -> Result<size_t> {
      if (attempt > 0 || !stream_) RETURN_NOT_OK(Reopen());
      auto r = stream_->Read(buf, n);
      if (!r.ok()) {
        stream_.reset();
        return r;
      }
      consumed_ += *r;
      return r;
    });
  }

 private:
  Status Reopen() {
    ReadOptions o = options_;
    o.if_match = meta_.etag;  // never splice two versions
    o.if_none_match.clear();
    uint64_t start = options_.range ? options_.range->offset : 0;
    o.range = ByteRange{start + consumed_, std::nullopt};
    if (options_.range && options_.range->length) {
      o.range->length = *options_.range->length - consumed_;
    }
    auto s = target_->OpenRead(key_, o);
    if (s.status().IsFailedPrecondition()) {
      return Status::DataLoss("read " + key_ + ": the object changed during a resumed read");
    }
    RETURN_NOT_OK(s.status());
    stream_ = std::move(*s);
    return Status::OK();
  }

  Transport* target_;
  Backoff* backoff_;
  Key key_;
  ReadOptions options_;
  std::unique_ptr<ReadStream> stream_;
  ObjectMeta meta_;
  uint64_t consumed_ = 0;
};

class RetryingTransport final : public TransportWrapper {
 public:
  RetryingTransport(std::shared_ptr<Transport> target, RetryOptions options)
      : TransportWrapper(std::move(target)), backoff_(options) {}

  Result<ObjectMeta> Head(const Key& key, const ReadOptions& o) override {
    return Retry(backoff_, o.deadline_ms, [&](int) { return target_->Head(key, o); });
  }
  Result<Object> Get(const Key& key, const ReadOptions& o) override {
    return Retry(backoff_, o.deadline_ms, [&](int) { return target_->Get(key, o); });
  }
  Result<std::unique_ptr<ReadStream>> OpenRead(const Key& key, const ReadOptions& o) override {
    ASSIGN_OR_RETURN(std::unique_ptr<ReadStream> s, Retry(backoff_, o.deadline_ms, [&](int) {
                       return target_->OpenRead(key, o);
                     }));
    return std::unique_ptr<ReadStream>(
        std::make_unique<RetryingReadStream>(target_.get(), &backoff_, key, o, std::move(s)));
  }
  Result<PutResult> Put(const Key& key, ByteView data, const WriteOptions& o) override {
    return Retry(backoff_, 0, [&](int attempt) -> Result<PutResult> {
      auto r = target_->Put(key, data, o);
      if (attempt > 0 && o.mode != PutMode::kOverwrite &&
          (r.status().IsAlreadyExists() || r.status().IsFailedPrecondition())) {
        return OwnEarlierWrite(key, data, r.status());
      }
      return r;
    });
  }
  Result<std::unique_ptr<WriteStream>> OpenWrite(const Key& key, const WriteOptions& o) override {
    return Retry(backoff_, 0, [&](int) { return target_->OpenWrite(key, o); });
  }
  Status Delete(const Key& key, const DeleteOptions& o) override {
    return Retry(backoff_, 0, [&](int) { return target_->Delete(key, o); });
  }
  Result<ListPage> List(const ListRequest& r) override {
    return Retry(backoff_, 0, [&](int) { return target_->List(r); });
  }
  Result<PutResult> Copy(const Key& from, const Key& to, const WriteOptions& o) override {
    return Retry(backoff_, 0, [&](int) { return target_->Copy(from, to, o); });
  }

 private:
  // After a retried conditional Put failed its condition: if the stored
  // object is exactly what we sent, the earlier attempt landed and only its
  // acknowledgement was lost.
  Result<PutResult> OwnEarlierWrite(const Key& key, ByteView data, const Status& conflict) {
    auto meta = target_->Head(key, {});
    if (meta.ok() && meta->etag == Md5Hex(data)) return PutResult{meta->etag, meta->version};
    return conflict;
  }

  Backoff backoff_;
};

}  // namespace

std::shared_ptr<Transport> NewRetryingTransport(std::shared_ptr<Transport> target,
                                                RetryOptions options) {
  return std::make_shared<RetryingTransport>(std::move(target), std::move(options));
}

}  // namespace worm

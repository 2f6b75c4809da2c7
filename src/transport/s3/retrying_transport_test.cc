// RetryingTransport over an in-memory backend behind a small wrapper that
// fails chosen calls (network faults on a real socket are in s3_fault_test).
#include "transport/retrying_transport.h"

#include <atomic>

#include "core/hash.h"
#include "testing/test_util.h"

namespace worm {
namespace {

using ::worm::testing::StatusIs;

Status Transient() {
  return Status::Unavailable("injected 503").WithDetail({503, "SlowDown", "RID", true});
}

// Fails the next `fail_next` calls (before applying them, or after a Put
// lands when `lose_ack`), then forwards.
class FlakyTransport : public TransportWrapper {
 public:
  using TransportWrapper::TransportWrapper;
  std::atomic<int> fail_next{0};
  std::atomic<int> calls{0};
  bool lose_ack = false;
  Status failure = Transient();

  Result<Object> Get(const Key& k, const ReadOptions& o) override {
    if (Fail()) return failure;
    return target_->Get(k, o);
  }
  Result<PutResult> Put(const Key& k, ByteView d, const WriteOptions& o) override {
    if (Fail()) {
      if (lose_ack) (void)target_->Put(k, d, o);
      return failure;
    }
    return target_->Put(k, d, o);
  }
  Result<ListPage> List(const ListRequest& r) override {
    if (Fail()) return failure;
    return target_->List(r);
  }
  Result<std::unique_ptr<ReadStream>> OpenRead(const Key& k, const ReadOptions& o) override {
    if (Fail()) return failure;
    ASSIGN_OR_RETURN(auto inner, target_->OpenRead(k, o));
    return std::unique_ptr<ReadStream>(std::make_unique<FlakyStream>(this, std::move(inner)));
  }
  std::atomic<int> fail_reads{0};  // mid-stream Read failures to inject

 private:
  class FlakyStream : public ReadStream {
   public:
    FlakyStream(FlakyTransport* t, std::unique_ptr<ReadStream> s) : t_(t), s_(std::move(s)) {}
    const ObjectMeta& meta() const override { return s_->meta(); }
    Result<size_t> Read(char* buf, size_t n) override {
      if (t_->fail_reads.fetch_sub(1) > 0) return Transient();
      return s_->Read(buf, n);
    }

   private:
    FlakyTransport* t_;
    std::unique_ptr<ReadStream> s_;
  };

 private:
  bool Fail() {
    ++calls;
    return fail_next.fetch_sub(1) > 0;
  }
};

struct Fixture {
  std::shared_ptr<FlakyTransport> flaky = std::make_shared<FlakyTransport>(NewMemoryTransport());
  std::vector<int64_t> sleeps;
  std::shared_ptr<Transport> t;
  explicit Fixture(int max_attempts = 4) {
    RetryOptions o;
    o.max_attempts = max_attempts;
    o.initial_backoff_ms = 100;
    o.max_backoff_ms = 1000;
    o.seed = 42;
    o.sleep = [this](int64_t ms) { sleeps.push_back(ms); };
    t = NewRetryingTransport(flaky, o);
  }
};

TEST(RetryingTransportTest, RetriesTransientFailuresWithJitteredBackoff) {
  Fixture f;
  ASSERT_OK(f.t->Put("k", "v", {}));
  f.flaky->fail_next = 3;
  ASSERT_OK_AND_ASSIGN(Object o, f.t->Get("k", {}));
  EXPECT_EQ(o.data, "v");
  ASSERT_EQ(f.sleeps.size(), 3u);
  const int64_t caps[] = {100, 200, 400};  // full jitter: uniform in [0, cap]
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_GE(f.sleeps[i], 0);
    EXPECT_LE(f.sleeps[i], caps[i]);
  }
}

TEST(RetryingTransportTest, GivesUpAfterMaxAttempts) {
  Fixture f(3);
  f.flaky->fail_next = 10;
  Result<ListPage> r = f.t->List({});
  EXPECT_THAT(r, StatusIs(StatusCode::kUnavailable));
  EXPECT_NE(r.status().message().find("after 3 attempts"), std::string::npos);
  EXPECT_EQ(f.flaky->calls.load(), 3);
  EXPECT_EQ(f.sleeps.size(), 2u);
}

TEST(RetryingTransportTest, DoesNotRetryPermanentErrors) {
  Fixture f;
  EXPECT_THAT(f.t->Get("missing", {}), StatusIs(StatusCode::kNotFound));
  f.flaky->fail_next = 1;
  f.flaky->failure = Status::PermissionDenied("no");
  EXPECT_THAT(f.t->Get("k", {}), StatusIs(StatusCode::kPermissionDenied));
  EXPECT_TRUE(f.sleeps.empty());
}

TEST(RetryingTransportTest, LostAcknowledgementOfACreateIsNotAConflict) {
  Fixture f;
  f.flaky->lose_ack = true;
  f.flaky->fail_next = 1;  // the create lands, its answer is lost
  ASSERT_OK_AND_ASSIGN(PutResult put, f.t->Put("seq/0001", "entry", WriteOptions::Create()));
  EXPECT_EQ(put.etag, Md5Hex("entry"));
  // A genuine conflict is still reported.
  f.flaky->fail_next = 1;
  EXPECT_THAT(f.t->Put("seq/0001", "other", WriteOptions::Create()),
              StatusIs(StatusCode::kAlreadyExists));
}

TEST(RetryingTransportTest, StreamsResumeAtTheirOffset) {
  Fixture f;
  std::string data(10000, 'x');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>('a' + i % 26);
  ASSERT_OK(f.t->Put("s", data, {}));
  ASSERT_OK_AND_ASSIGN(auto r, f.t->OpenRead("s", {}));
  char buf[3000];
  ASSERT_OK_AND_ASSIGN(size_t n, r->Read(buf, sizeof(buf)));
  std::string got(buf, n);
  // The next Read fails mid-stream, then the first reopen fails too.
  f.flaky->fail_reads = 1;
  f.flaky->fail_next = 1;
  for (;;) {
    ASSERT_OK_AND_ASSIGN(size_t k, r->Read(buf, sizeof(buf)));
    if (k == 0) break;
    got.append(buf, k);
  }
  EXPECT_EQ(got, data);
  EXPECT_EQ(f.sleeps.size(), 2u);
}

TEST(RetryingTransportTest, RetryableDetectsDetailAndCode) {
  EXPECT_TRUE(IsRetryableError(Transient()));
  EXPECT_TRUE(IsRetryableError(Status::Unavailable("x")));
  EXPECT_FALSE(IsRetryableError(Status::NotFound("x")));
  EXPECT_FALSE(IsRetryableError(Status::OK()));
}

}  // namespace
}  // namespace worm

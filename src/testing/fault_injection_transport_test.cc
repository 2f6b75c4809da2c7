#include "testing/fault_injection_transport.h"

#include "core/hash.h"
#include "testing/test_util.h"

namespace worm::testing {
namespace {

class FaultInjectionTest : public ::testing::Test {
 protected:
  std::shared_ptr<Transport> base_ = NewMemoryTransport();
  std::shared_ptr<FaultInjectionTransport> fault_ =
      std::make_shared<FaultInjectionTransport>(base_);
  Transport& t() { return *fault_; }
};

TEST_F(FaultInjectionTest, FailBeforeTheNthMatchingCall) {
  FaultSpec spec;
  spec.ops = kFaultPut;
  spec.nth = 1;
  fault_->Arm(spec);
  EXPECT_THAT(t().Get("x", {}), StatusIs(StatusCode::kNotFound));  // not a PUT: not counted
  ASSERT_OK(t().Put("a", "1", {}));
  EXPECT_THAT(t().Put("b", "2", {}), StatusIs(StatusCode::kUnavailable));
  EXPECT_THAT(base_->Head("b", {}), StatusIs(StatusCode::kNotFound));  // not applied
  ASSERT_OK(t().Put("c", "3", {}));
  EXPECT_EQ(fault_->matching_calls(), 3);
  EXPECT_EQ(fault_->faults_injected(), 1);
}

TEST_F(FaultInjectionTest, FailAfterIsALostAcknowledgement) {
  FaultSpec spec;
  spec.kind = FaultKind::kFailAfter;
  spec.ops = kFaultPut | kFaultDelete;
  fault_->Arm(spec);
  EXPECT_THAT(t().Put("a", "1", WriteOptions::Create()), StatusIs(StatusCode::kUnavailable));
  ASSERT_OK_AND_ASSIGN(Object obj, base_->Get("a", {}));
  EXPECT_EQ(obj.data, "1");  // applied
  EXPECT_THAT(t().Put("a", "1", WriteOptions::Create()), StatusIs(StatusCode::kAlreadyExists));
}

TEST_F(FaultInjectionTest, TargetsByKeyPrefix) {
  FaultSpec spec;
  spec.key_prefix = "x/";
  spec.nth = -1;
  spec.one_in = 1;
  spec.max_faults = -1;
  fault_->Arm(spec);
  EXPECT_OK(t().Put("y/1", "ok", {}));
  EXPECT_THAT(t().Put("x/1", "no", {}), StatusIs(StatusCode::kUnavailable));
  EXPECT_THAT(t().Get("x/1", {}), StatusIs(StatusCode::kUnavailable));
  EXPECT_EQ(fault_->matching_calls(), 2);
}

TEST_F(FaultInjectionTest, CorruptAndTruncatedReadsAreDataLoss) {
  const std::string body(10000, 'b');
  ASSERT_OK(t().Put("obj", body, {}));
  for (FaultKind kind : {FaultKind::kCorruptRead, FaultKind::kTruncateRead}) {
    FaultSpec spec;
    spec.kind = kind;
    spec.ops = kFaultGet;
    spec.max_faults = -1;
    spec.nth = -1;
    spec.one_in = 1;
    fault_->Arm(spec);
    EXPECT_THAT(t().Get("obj", {}), StatusIs(StatusCode::kDataLoss));
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<ReadStream> in, t().OpenRead("obj", {}));
    Status st;
    char buf[4096];
    for (;;) {
      Result<size_t> n = in->Read(buf, sizeof(buf));
      if (!n.ok()) {
        st = n.status();
        break;
      }
      if (*n == 0) break;
    }
    EXPECT_THAT(st, StatusIs(StatusCode::kDataLoss));
    EXPECT_OK(t().Head("obj", {}));  // metadata calls are unaffected
  }
  fault_->Reset();
  ASSERT_OK_AND_ASSIGN(Object clean, t().Get("obj", {}));
  EXPECT_EQ(clean.data, body);
}

TEST_F(FaultInjectionTest, CrashDropsUncommittedWritesUntilReset) {
  ASSERT_OK(t().Put("before", "kept", {}));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<WriteStream> pending, t().OpenWrite("pending", {}));
  ASSERT_OK(pending->Append("in flight"));
  FaultSpec spec;
  spec.kind = FaultKind::kCrash;
  spec.ops = kFaultPut;
  fault_->Arm(spec);
  EXPECT_THAT(t().Put("crashing", "x", {}), StatusIs(StatusCode::kUnavailable));
  EXPECT_TRUE(fault_->crashed());
  EXPECT_THAT(pending->Commit(), StatusIs(StatusCode::kUnavailable));
  EXPECT_THAT(t().Get("before", {}), StatusIs(StatusCode::kUnavailable));
  EXPECT_THAT(t().List(ListRequest{}), StatusIs(StatusCode::kUnavailable));
  fault_->Reset();  // restart
  ASSERT_OK_AND_ASSIGN(std::vector<ObjectMeta> all, t().ListAll(""));
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].key, "before");
}

TEST_F(FaultInjectionTest, OneInNIsReproducibleFromTheSeed) {
  auto pattern = [&](uint64_t seed) {
    FaultSpec spec;
    spec.nth = -1;
    spec.one_in = 3;
    spec.seed = seed;
    spec.max_faults = -1;
    fault_->Arm(spec);
    std::string out;
    for (int i = 0; i < 40; ++i)
      out += t().Head("k", {}).status().code() == StatusCode::kUnavailable ? 'F' : '.';
    return out;
  };
  std::string a = pattern(::testing::UnitTest::GetInstance()->random_seed());
  EXPECT_EQ(a, pattern(::testing::UnitTest::GetInstance()->random_seed()));
  EXPECT_NE(a.find('F'), std::string::npos);
  EXPECT_NE(a.find('.'), std::string::npos);
}

// Beast's fail_count loop: fail call n of a read-modify-write scenario for
// n = 0, 1, ... until it runs clean; after every failure the stored counter
// is either the old value or the new one, never anything else.
TEST_F(FaultInjectionTest, FailCountLoopReachesCompletion) {
  auto scenario = [&]() -> Status {
    ASSIGN_OR_RETURN(Object cur, t().Get("counter", {}));
    std::string next = std::to_string(std::stoi(cur.data) + 1);
    ASSIGN_OR_RETURN(PutResult put, t().Put("counter", next, WriteOptions::Update(cur.meta.etag)));
    (void)put;
    return t().Put("log/" + next, "entry", WriteOptions::Create()).status();
  };
  int n = 0;
  for (;; ++n) {
    ASSERT_LT(n, 100);
    fault_->Reset();
    ASSERT_OK(base_->Put("counter", "0", {}));
    FaultSpec spec;
    spec.nth = n;
    fault_->Arm(spec);
    Status st = scenario();
    ASSERT_OK_AND_ASSIGN(Object after, base_->Get("counter", {}));
    EXPECT_TRUE(after.data == "0" || after.data == "1") << after.data;
    if (fault_->faults_injected() == 0) {
      EXPECT_OK(st);
      break;
    }
    EXPECT_FALSE(st.ok());
  }
  EXPECT_EQ(n, 3);
}

TEST_F(FaultInjectionTest, LatencyStillCompletes) {
  FaultSpec spec;
  spec.kind = FaultKind::kLatency;
  spec.latency = std::chrono::milliseconds(1);
  spec.max_faults = -1;
  spec.nth = -1;
  spec.one_in = 1;
  fault_->Arm(spec);
  ASSERT_OK(t().Put("slow", "x", {}));
  ASSERT_OK(t().Get("slow", {}));
  EXPECT_EQ(fault_->faults_injected(), 2);
}

}  // namespace
}  // namespace worm::testing

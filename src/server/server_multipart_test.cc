// server_multipart_test: repeated CompleteMultipartUpload (issue 15, item 4)
// and the sweep of abandoned uploads (item 5), against an in-process `worm
// serve` over real files. Time is a ManualClock that the server, its
// transports' mtimes and the tests' signatures share: ages of days pass by
// Advance, never by sleeping. A restart is a new Server over the same folder.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "server/server.h"
#include "server/test_http.h"
#include "server/upload_staging.h"
#include "testing/test_util.h"

namespace worm::server {
namespace {

namespace fs = std::filesystem;
using testing::Between;
using testing::ErrorCode;
using testing::kAk;
using testing::kSk;
using testing::RawHttp;
using testing::RawResponse;
using testing::TestRequest;

constexpr int64_t kDayUs = 24LL * 3600 * 1000 * 1000;

std::string CompleteXml(const std::vector<std::pair<int, std::string>>& parts) {
  std::string xml = "<CompleteMultipartUpload>";
  for (const auto& [n, etag] : parts) {
    xml +=
        "<Part><PartNumber>" + std::to_string(n) + "</PartNumber><ETag>" + etag + "</ETag></Part>";
  }
  return xml + "</CompleteMultipartUpload>";
}

class MultipartTest : public ::testing::Test {
 protected:
  MultipartTest() {
    clock_.Set(std::chrono::duration_cast<std::chrono::microseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count());
  }
  void SetUp() override { Start(); }

  ServerOptions Options() {
    ServerOptions o = testing::TestServerOptions(dir_.path());
    o.service.clock = &clock_;
    o.service.store.clock = &clock_;
    o.upload_sweep_interval_ms = sweep_interval_ms_;
    o.on_upload_sweep = [this](const Result<SweepStats>& r) {
      EXPECT_TRUE(r.ok()) << r.status().ToString();
      ++sweeps_;
    };
    return o;
  }
  void Start() {
    ASSERT_OK_AND_ASSIGN(server_, Server::Start(Options()));
    port_ = server_->port();
  }
  // A graceful stop and a new server over the same folder.
  void Restart() {
    server_.reset();
    Start();
  }

  // Signed at the shared clock's time, so the server accepts it however far
  // the clock was advanced.
  RawResponse Do(TestRequest r) {
    testing::Sign(&r, port_, kAk, kSk, clock_.NowMicros() / 1000000);
    RawHttp c(port_);
    EXPECT_TRUE(c.connected());
    Result<RawResponse> resp = c.RoundTrip(testing::Serialize(r, port_), r.method == "HEAD");
    EXPECT_TRUE(resp.ok()) << resp.status().ToString();
    return resp.ok() ? *resp : RawResponse{};
  }
  std::string Create(const std::string& key) {
    RawResponse r = Do({"POST", "/bkt/" + key, "uploads", {}, ""});
    EXPECT_EQ(r.status, 200) << r.body;
    return Between(r.body, "<UploadId>", "</UploadId>");
  }
  std::string Part(const std::string& key, const std::string& id, int n, const std::string& body) {
    RawResponse r =
        Do({"PUT", "/bkt/" + key, "partNumber=" + std::to_string(n) + "&uploadId=" + id, {}, body});
    EXPECT_EQ(r.status, 200) << r.body;
    return r.Header("etag");
  }
  RawResponse Complete(const std::string& key, const std::string& id, const std::string& xml) {
    return Do({"POST", "/bkt/" + key, "uploadId=" + id, {}, xml});
  }
  RawResponse ListParts(const std::string& key, const std::string& id) {
    return Do({"GET", "/bkt/" + key, "uploadId=" + id, {}, ""});
  }
  fs::path Staging(const std::string& id) { return dir_.path() / "bkt/.wormfs/uploads" / id; }

  // Polls `done` for up to 10 s (the background sweep runs on its own thread).
  template <typename F>
  bool Eventually(F done) {
    for (int i = 0; i < 500; ++i) {
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return done();
  }

  ManualClock clock_;
  std::atomic<int> sweeps_{0};     // sweeps finished (all servers of the test)
  int64_t sweep_interval_ms_ = 0;  // only at start unless a test asks
  worm::testing::ScratchDir dir_;
  std::unique_ptr<Server> server_;
  uint16_t port_ = 0;
};

// ---- Item 4: a repeated Complete ---------------------------------------------------

TEST_F(MultipartTest, RepeatedCompleteGetsTheSameResult) {
  std::string id = Create("rep");
  std::string p1(5 << 20, 'a'), p2 = "tail";
  std::string e1 = Part("rep", id, 1, p1), e2 = Part("rep", id, 2, p2);
  std::string xml = CompleteXml({{1, e1}, {2, e2}});
  RawResponse first = Complete("rep", id, xml);
  ASSERT_EQ(first.status, 200) << first.body;
  ASSERT_NE(first.body.find("<ETag>"), std::string::npos);
  // The client lost that answer and retries: the same 200 and result.
  RawResponse again = Complete("rep", id, xml);
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.body, first.body);
  // Unquoted ETags name the same parts.
  std::string bare =
      CompleteXml({{1, e1.substr(1, e1.size() - 2)}, {2, e2.substr(1, e2.size() - 2)}});
  EXPECT_EQ(Complete("rep", id, bare).body, first.body);
  // Another parts list for the completed upload: NoSuchUpload, as AWS.
  EXPECT_EQ(ErrorCode(Complete("rep", id, CompleteXml({{1, e1}}))), "NoSuchUpload");
  EXPECT_EQ(ErrorCode(Complete("rep", id, CompleteXml({{1, e1}, {2, e1}}))), "NoSuchUpload");
  // The same upload id under another key is no upload.
  EXPECT_EQ(ErrorCode(Complete("other", id, xml)), "NoSuchUpload");
  // Nothing else works on a completed upload; Abort leaves the object.
  EXPECT_EQ(ErrorCode(ListParts("rep", id)), "NoSuchUpload");
  EXPECT_EQ(ErrorCode(Do({"PUT", "/bkt/rep", "partNumber=3&uploadId=" + id, {}, "x"})),
            "NoSuchUpload");
  EXPECT_EQ(ErrorCode(Do({"DELETE", "/bkt/rep", "uploadId=" + id, {}, ""})), "NoSuchUpload");
  EXPECT_EQ(Do({"GET", "/bkt", "uploads", {}, ""}).body.find(id), std::string::npos);
  RawResponse got = Do({"GET", "/bkt/rep", "", {}, ""});
  EXPECT_TRUE(got.body == p1 + p2);
  // The key overwritten since: the repeat still answers the completion and
  // does not bring the old object back.
  ASSERT_EQ(Do({"PUT", "/bkt/rep", "", {}, "newer"}).status, 200);
  EXPECT_EQ(Complete("rep", id, xml).body, first.body);
  EXPECT_EQ(Do({"GET", "/bkt/rep", "", {}, ""}).body, "newer");
  // The parts are gone; only the record stays.
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(Staging(id))) left.push_back(e.path().filename());
  EXPECT_EQ(left, std::vector<std::string>{kCompletedRecord});
}

TEST_F(MultipartTest, RepeatedCompleteAfterRestart) {
  std::string id = Create("dir/restart.bin");
  std::string etag = Part("dir/restart.bin", id, 1, "only part");
  std::string xml = CompleteXml({{1, etag}});
  RawResponse first = Complete("dir/restart.bin", id, xml);
  ASSERT_EQ(first.status, 200) << first.body;
  Restart();
  RawResponse again = Complete("dir/restart.bin", id, xml);
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(Do({"GET", "/bkt/dir/restart.bin", "", {}, ""}).body, "only part");
}

TEST_F(MultipartTest, RepeatAnsweredOnlyWithinTheRetention) {
  std::string id = Create("ttl");
  std::string xml = CompleteXml({{1, Part("ttl", id, 1, "bytes")}});
  RawResponse first = Complete("ttl", id, xml);
  ASSERT_EQ(first.status, 200);
  clock_.Advance(kDefaultCompletedUploadRetentionMs * 1000 - 1000000);
  EXPECT_EQ(Complete("ttl", id, xml).body, first.body);
  clock_.Advance(2000000);  // past the retention: gone, even before a sweep removes it
  EXPECT_EQ(ErrorCode(Complete("ttl", id, xml)), "NoSuchUpload");
  EXPECT_TRUE(fs::exists(Staging(id)));
  Restart();  // sweeps at start
  EXPECT_TRUE(Eventually([&] { return !fs::exists(Staging(id)); }));
  EXPECT_EQ(Do({"GET", "/bkt/ttl", "", {}, ""}).body, "bytes");  // the object stays
}

// A crash after the object was installed and before the completion was
// recorded leaves upload.json and the parts: the retry must answer success
// without writing the object again.
TEST_F(MultipartTest, RetryAfterCrashBeforeTheRecordDoesNotRewrite) {
  std::string id = Create("crash");
  std::string etag = Part("crash", id, 1, "crash-safe bytes");
  std::string xml = CompleteXml({{1, etag}});
  // Hard links keep the staged files (and their xattrs) as they were.
  fs::path saved = dir_.path() / "saved";
  fs::create_directories(saved);
  for (const char* name : {kUploadRecord, "p-00001"}) {
    fs::create_hard_link(Staging(id) / name, saved / name);
  }
  RawResponse first = Complete("crash", id, xml);
  ASSERT_EQ(first.status, 200) << first.body;
  server_.reset();
  // Back to the state of that crash: staging as before, no record.
  fs::remove(Staging(id) / kCompletedRecord);
  for (const char* name : {kUploadRecord, "p-00001"}) {
    fs::create_hard_link(saved / name, Staging(id) / name);
  }
  struct stat before {};
  ASSERT_EQ(::stat((dir_.path() / "bkt/crash").c_str(), &before), 0);
  Start();
  RawResponse retry = Complete("crash", id, xml);
  EXPECT_EQ(retry.status, 200) << retry.body;
  EXPECT_EQ(retry.body, first.body);
  struct stat after {};
  ASSERT_EQ(::stat((dir_.path() / "bkt/crash").c_str(), &after), 0);
  EXPECT_EQ(after.st_ino, before.st_ino) << "the object was written again";
  EXPECT_EQ(Do({"GET", "/bkt/crash", "", {}, ""}).body, "crash-safe bytes");
  EXPECT_EQ(ErrorCode(ListParts("crash", id)), "NoSuchUpload");
}

// A client that times out and retries while its first Complete still runs:
// the two never assemble the object at once; each answer is the result or a
// SlowDown (which SDKs retry), and a later repeat gets the result.
TEST_F(MultipartTest, ConcurrentCompletesOfOneUpload) {
  for (int round = 0; round < 3; ++round) {
    std::string key = "race" + std::to_string(round);
    std::string id = Create(key);
    std::string p1(5 << 20, static_cast<char>('a' + round));
    std::string xml = CompleteXml({{1, Part(key, id, 1, p1)}, {2, Part(key, id, 2, "end")}});
    RawResponse answers[2];
    std::thread other([&] { answers[1] = Complete(key, id, xml); });
    answers[0] = Complete(key, id, xml);
    other.join();
    RawResponse settled = Complete(key, id, xml);
    ASSERT_EQ(settled.status, 200) << settled.body;
    for (const RawResponse& r : answers) {
      if (r.status == 200) {
        EXPECT_EQ(r.body, settled.body);
      } else {
        EXPECT_EQ(r.status, 503) << r.body;
        EXPECT_EQ(ErrorCode(r), "SlowDown");
      }
    }
    EXPECT_TRUE(Do({"GET", "/bkt/" + key, "", {}, ""}).body == p1 + "end");
  }
}

// ---- Item 5: the sweep -------------------------------------------------------------

TEST_F(MultipartTest, StartSweepRemovesUploadsPastTheAge) {
  std::string old_id = Create("old");
  Part("old", old_id, 1, std::string(1000, 'o'));
  clock_.Advance(6 * kDayUs);
  std::string young_id = Create("young");
  Part("young", young_id, 1, "y");
  clock_.Advance(kDayUs + 1000000);  // old: 7 days + 1 s; young: 1 day
  EXPECT_TRUE(fs::exists(Staging(old_id)));
  Restart();
  EXPECT_TRUE(Eventually([&] { return !fs::exists(Staging(old_id)); }));
  EXPECT_EQ(ErrorCode(ListParts("old", old_id)), "NoSuchUpload");
  RawResponse young = ListParts("young", young_id);
  EXPECT_EQ(young.status, 200) << young.body;
  std::string listed = Do({"GET", "/bkt", "uploads", {}, ""}).body;
  EXPECT_EQ(listed.find(old_id), std::string::npos);
  EXPECT_NE(listed.find(young_id), std::string::npos);
}

TEST_F(MultipartTest, PeriodicSweepWhileServing) {
  sweep_interval_ms_ = 20;
  Restart();
  std::string id = Create("periodic");
  Part("periodic", id, 1, "p");
  EXPECT_TRUE(fs::exists(Staging(id)));
  clock_.Advance(7 * kDayUs + 1000000);
  EXPECT_TRUE(Eventually([&] { return !fs::exists(Staging(id)); }));
  EXPECT_EQ(ErrorCode(Complete("periodic", id, CompleteXml({{1, "x"}}))), "NoSuchUpload");
}

TEST_F(MultipartTest, AgeZeroKeepsUploadsAndOrphansAreSwept) {
  server_.reset();
  ServerOptions o = Options();
  o.service.abandoned_upload_age_ms = 0;  // --abandoned-upload-age 0: never
  ASSERT_OK_AND_ASSIGN(server_, Server::Start(o));
  port_ = server_->port();
  std::string kept = Create("kept");
  Part("kept", kept, 1, "k");
  std::string orphan = Create("orphan");
  Part("orphan", orphan, 1, "o");
  fs::remove(Staging(orphan) / kUploadRecord);  // as a crash mid-abort leaves it
  clock_.Advance(30 * kDayUs);
  server_.reset();
  ASSERT_OK_AND_ASSIGN(server_, Server::Start(o));
  port_ = server_->port();
  EXPECT_TRUE(Eventually([&] { return !fs::exists(Staging(orphan)); }));
  EXPECT_EQ(ListParts("kept", kept).status, 200);
}

// The sweep opens only buckets that have staging: a bucket folder no client
// touched keeps no .wormfs folder.
TEST_F(MultipartTest, SweepLeavesUntouchedBucketsAlone) {
  server_.reset();
  fs::create_directories(dir_.path() / "untouched");
  int before = sweeps_;
  Start();
  ASSERT_TRUE(Eventually([&] { return sweeps_ > before; }));
  EXPECT_FALSE(fs::exists(dir_.path() / "untouched/.wormfs"));
}

TEST(UploadStagingTest, DueForSweepUsesThePerBucketAge) {
  SweepPolicy policy;
  policy.abandoned_after_ms = [](const std::string& bucket) {
    return bucket == "lifecycle" ? int64_t{1000} : int64_t{10000};
  };
  policy.completed_retention_ms = 5000;
  StagedUpload u;
  u.state = StagedUpload::State::kInProgress;
  u.since_ms = 0;
  EXPECT_TRUE(DueForSweep(u, "lifecycle", 1000, policy));
  EXPECT_FALSE(DueForSweep(u, "other", 1000, policy));
  EXPECT_TRUE(DueForSweep(u, "other", 10000, policy));
  u.state = StagedUpload::State::kCompleted;
  EXPECT_FALSE(DueForSweep(u, "other", 4999, policy));
  EXPECT_TRUE(DueForSweep(u, "other", 5000, policy));
  u.state = StagedUpload::State::kOrphaned;  // the shorter of the two
  EXPECT_TRUE(DueForSweep(u, "lifecycle", 1000, policy));
  EXPECT_TRUE(DueForSweep(u, "other", 5000, policy));
}

}  // namespace
}  // namespace worm::server

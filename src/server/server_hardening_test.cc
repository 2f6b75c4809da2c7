// server_hardening_test: promises `worm serve` makes to hostile workloads.
//  - Under concurrent overwrites "a reader never sees a partial object":
//    every GET body is one complete version and hashes to the ETag sent with
//    it, and a copy whose source is overwritten meanwhile still succeeds.
//  - No error response names where the server keeps its data.
// Real sockets and files, bounded in count (each thread stops after a fixed
// number of requests).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "core/hash.h"
#include "server/bucket_store.h"
#include "server/handlers.h"
#include "server/s3_errors.h"
#include "server/server.h"
#include "server/test_http.h"
#include "testing/test_util.h"

namespace worm::server {
namespace {

using testing::RawHttp;
using testing::RawResponse;
using testing::TestRequest;

using testing::kAk;
using testing::kSk;

// Sizes around every threshold of the GET path: empty, the inline body
// limit (also the largest object whose inode the local transport reuses),
// 1 MiB (the reuse limit when GETs tore), and past it.
const std::vector<size_t> kSizes = {0,          1,
                                    4096,       64 * 1024 - 1,
                                    64 * 1024,  64 * 1024 + 1,
                                    300 * 1024, (1 << 20) - 1,
                                    (1 << 20),  (1 << 20) + 1,
                                    2 << 20};

// Version `v` of a body of `size` bytes: every byte depends on v and the
// offset, so a body mixed from two versions never equals either.
std::string Body(size_t size, int v) {
  std::string s(size, '\0');
  for (size_t i = 0; i < size; ++i) s[i] = static_cast<char>('a' + (i / 4096 + v * 7) % 26);
  if (size > 0) s[0] = static_cast<char>('0' + v);
  return s;
}

class ServerRaceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // No fsync: more overwrites per second, more chances to tear.
    ASSERT_OK_AND_ASSIGN(server_, Server::Start(testing::TestServerOptions(dir_.path())));
    port_ = server_->port();
  }

  // One request on a fresh connection; status 0 when the exchange failed.
  RawResponse Do(TestRequest r) {
    testing::Sign(&r, port_, kAk, kSk, static_cast<int64_t>(std::time(nullptr)));
    RawHttp c(port_);
    Result<RawResponse> resp = c.RoundTrip(testing::Serialize(r, port_), r.method == "HEAD");
    return resp.ok() ? *resp : RawResponse{};
  }
  RawResponse Put(const std::string& key, std::string body, s3::HeaderList h = {}) {
    return Do({"PUT", "/bkt/" + key, "", std::move(h), std::move(body)});
  }
  RawResponse Get(const std::string& key) { return Do({"GET", "/bkt/" + key, "", {}, ""}); }

  // An ETag as sent in a header ("...") or in XML (&quot;...&quot;).
  static std::string Unquote(std::string etag) {
    for (std::string_view q : {"\"", "&quot;"}) {
      if (etag.size() >= 2 * q.size() && etag.compare(0, q.size(), q) == 0) {
        etag = etag.substr(q.size(), etag.size() - 2 * q.size());
      }
    }
    return etag;
  }

  worm::testing::ScratchDir dir_;
  std::unique_ptr<Server> server_;
  uint16_t port_ = 0;
};

// 4 writers alternate two versions of each key while 4 readers GET them on
// fresh connections. Before the fix 0.1-4.7% of GETs of keys <= 1 MiB mixed
// two versions: sendfile(2) queues page references, and the transport
// rewrote the replaced inode (its spare pool) while they were still queued.
TEST_F(ServerRaceTest, EveryGetIsOneCompleteVersionMatchingItsEtag) {
  for (size_t i = 0; i < kSizes.size(); ++i) {
    ASSERT_EQ(Put("k" + std::to_string(i), Body(kSizes[i], 0)).status, 200);
  }
  constexpr int kWriters = 4, kReaders = 4, kGetsPerReader = 330, kPutsPerWriter = 400;
  std::atomic<int> torn{0}, etag_mismatch{0}, failed{0}, gets{0};
  std::atomic<bool> readers_done{false};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int n = 0; n < kPutsPerWriter && !readers_done; ++n) {
        size_t i = static_cast<size_t>(n * kWriters + w) % kSizes.size();
        if (Put("k" + std::to_string(i), Body(kSizes[i], 1 + (n + w) % 2)).status != 200) ++failed;
      }
    });
  }
  for (int r = 0; r < kReaders; ++r) {
    threads.emplace_back([&, r] {
      for (int n = 0; n < kGetsPerReader; ++n) {
        size_t i = static_cast<size_t>(n + r) % kSizes.size();
        RawResponse got = Get("k" + std::to_string(i));
        ++gets;
        if (got.status != 200) {
          ++failed;
          continue;
        }
        if (got.body != Body(kSizes[i], 0) && got.body != Body(kSizes[i], 1) &&
            got.body != Body(kSizes[i], 2)) {
          ++torn;
        }
        if (Md5Hex(got.body) != Unquote(got.Header("etag"))) ++etag_mismatch;
      }
    });
  }
  for (int t = kWriters; t < kWriters + kReaders; ++t) threads[t].join();
  readers_done = true;
  for (int t = 0; t < kWriters; ++t) threads[t].join();
  EXPECT_EQ(gets.load(), kReaders * kGetsPerReader);
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(torn.load(), 0) << "GETs that mixed two versions";
  EXPECT_EQ(etag_mismatch.load(), 0) << "GETs whose body did not hash to their ETag";
}

// Unconditional copies of a key that 4 writers keep overwriting: each copy
// succeeds (200, never 412) and the copied object is one complete version.
TEST_F(ServerRaceTest, UnconditionalCopyOfAKeyBeingOverwrittenSucceeds) {
  ASSERT_EQ(Put("src", Body(100, 0)).status, 200);
  constexpr int kWriters = 4, kCopiers = 4, kCopiesPerCopier = 500;
  std::atomic<bool> copiers_done{false};
  std::atomic<int> bad_status{0}, bad_copy{0};
  std::set<int> statuses;
  std::mutex mu;
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int n = 0; !copiers_done && n < 100000; ++n)
        (void)Put("src", Body(100, 1 + (n + w) % 2));
    });
  }
  for (int c = 0; c < kCopiers; ++c) {
    threads.emplace_back([&, c] {
      const std::string dst = "dst" + std::to_string(c);
      for (int n = 0; n < kCopiesPerCopier; ++n) {
        RawResponse r = Put(dst, "", {{"x-amz-copy-source", "/bkt/src"}});
        if (r.status != 200) {
          ++bad_status;
          std::lock_guard<std::mutex> lock(mu);
          statuses.insert(r.status);
          continue;
        }
        size_t a = r.body.find("<ETag>"), b = r.body.find("</ETag>");
        std::string etag = a == std::string::npos ? "" : Unquote(r.body.substr(a + 6, b - a - 6));
        RawResponse got = Get(dst);
        bool one_version =
            got.body == Body(100, 0) || got.body == Body(100, 1) || got.body == Body(100, 2);
        if (!one_version || Md5Hex(got.body) != etag) ++bad_copy;
      }
    });
  }
  for (int t = kWriters; t < kWriters + kCopiers; ++t) threads[t].join();
  copiers_done = true;
  for (int t = 0; t < kWriters; ++t) threads[t].join();
  std::string seen;
  for (int s : statuses) seen += std::to_string(s) + " ";
  EXPECT_EQ(bad_status.load(), 0) << "statuses other than 200: " << seen;
  EXPECT_EQ(bad_copy.load(), 0);
}

// The same race made certain: the source is overwritten right after the
// copy looked it up (a wrapper around the bucket's real local transport
// writes a new version once its Head returns). Before the fix the copy
// answered 412 PreconditionFailed to a request that set no condition.
class OverwriteAfterFirstHead : public TransportWrapper {
 public:
  using TransportWrapper::TransportWrapper;
  Result<ObjectMeta> Head(const Key& key, const ReadOptions& o) override {
    Result<ObjectMeta> meta = target_->Head(key, o);
    if (key == "src" && !overwritten_.exchange(true)) {
      EXPECT_TRUE(target_->Put("src", std::string("version two"), {}).ok());
    }
    return meta;
  }

 private:
  std::atomic<bool> overwritten_{false};
};

TEST(CopySourceTest, SourceOverwrittenBetweenLookupAndOpenIsCopiedNot412) {
  worm::testing::ScratchDir dir;
  std::filesystem::create_directories(dir.path() / "bkt");
  BucketStoreOptions so;
  so.root = dir.path().string();
  so.root_mode = true;
  so.sync = false;
  BucketStore store(so);
  ServiceEnv env;
  env.store = &store;
  env.clock = Clock::Default();
  for (bool ranged_part : {false, true}) {
    ASSERT_OK_AND_ASSIGN(std::shared_ptr<Bucket> bucket, store.Get("bkt"));
    ASSERT_TRUE(bucket->objects->Put("src", std::string("version one"), {}).ok());
    std::shared_ptr<Transport> real = bucket->objects;
    bucket->objects = std::make_shared<OverwriteAfterFirstHead>(real);
    auto ctx = std::make_shared<RequestContext>();
    ctx->bucket = "bkt";
    ctx->key = "dst";
    ctx->http.method = "PUT";
    ctx->http.headers = {{"x-amz-copy-source", "/bkt/src"}};
    if (!ranged_part) {
      Dispatch d = CopyObject(env, ctx);
      ASSERT_TRUE(d.response.has_value());
      EXPECT_EQ(d.response->status, 200) << d.response->body;
      ASSERT_OK_AND_ASSIGN(Object copied, real->Get("dst", {}));
      EXPECT_EQ(copied.data, "version two");
    } else {
      // UploadPartCopy with a range resolves the range on the version it opens.
      bucket->objects = real;
      auto create = std::make_shared<RequestContext>(*ctx);
      create->http.headers.clear();
      create->http.method = "POST";
      create->query["uploads"] = "";
      Dispatch made = CreateMultipartUpload(env, create);
      ASSERT_TRUE(made.response.has_value());
      std::string body = made.response->body;
      size_t a = body.find("<UploadId>"), b = body.find("</UploadId>");
      ASSERT_NE(a, std::string::npos) << body;
      bucket->objects = std::make_shared<OverwriteAfterFirstHead>(real);
      ctx->query["uploadId"] = body.substr(a + 10, b - a - 10);
      ctx->query["partNumber"] = "1";
      ctx->http.headers.emplace_back("x-amz-copy-source-range", "bytes=0-6");
      Dispatch d = UploadPartCopy(env, ctx);
      ASSERT_TRUE(d.response.has_value());
      EXPECT_EQ(d.response->status, 200) << d.response->body;
      EXPECT_NE(d.response->body.find(Md5Hex("version")), std::string::npos) << d.response->body;
    }
    bucket->objects = real;
  }
}

// ---- Error responses never name server paths ---------------------------------

// Every failure below used to put a filesystem path of the server into the
// XML it sent (KeyConflict, errors from the filesystem, an over-long
// uploadId naming the staging layout).
TEST_F(ServerRaceTest, ErrorResponsesNeverNameServerPaths) {
  const std::string root = dir_.path().string();
  std::vector<std::pair<std::string, RawResponse>> answers;
  auto keep = [&](std::string what, RawResponse r) { answers.emplace_back(std::move(what), r); };

  ASSERT_EQ(Put("obj", "x").status, 200);
  // A special file where a folder of keys would go: the local backend
  // cannot store keys under it, and says so without naming paths.
  ASSERT_EQ(::mkfifo((dir_.path() / "bkt" / "fifo").c_str(), 0644), 0);
  RawResponse under_fifo = Put("fifo/child", "y");
  EXPECT_EQ(under_fifo.status, 409);
  keep("key under a fifo", under_fifo);
  keep("copy under a fifo", Put("fifo/copy", "", {{"x-amz-copy-source", "/bkt/obj"}}));
  keep("GET of a fifo", Get("fifo"));

  // A symlink loop in the served folder: open(2) fails with ELOOP.
  ASSERT_EQ(::symlink("loop", (dir_.path() / "bkt" / "loop").c_str()), 0);
  keep("GET of a symlink loop", Get("loop"));
  keep("PUT over a symlink loop folder", Put("loop/x", "y"));

  for (const std::string& id :
       {std::string(300, 'a'), std::string("../../etc"), std::string("x/upload"),
        std::string("0190a8f00000700080000000000000000"),
        std::string("0190a8f0000070008000000000000000")}) {
    RawResponse part = Do({"PUT", "/bkt/obj", "partNumber=1&uploadId=" + id, {}, "data"});
    EXPECT_EQ(part.status, 404) << id;
    EXPECT_NE(part.body.find("<Code>NoSuchUpload</Code>"), std::string::npos) << part.body;
    keep("uploadId " + id.substr(0, 20), part);
    keep("complete with uploadId " + id.substr(0, 20),
         Do({"POST", "/bkt/obj", "uploadId=" + id, {}, "<CompleteMultipartUpload/>"}));
  }
  for (const auto& [what, r] : answers) {
    EXPECT_GE(r.status, 400) << what;
    EXPECT_EQ(r.body.find(root), std::string::npos) << what << ": " << r.body;
    EXPECT_EQ(r.body.find(".wormfs"), std::string::npos) << what << ": " << r.body;
  }
}

std::vector<std::string>* logged = nullptr;
void LogToVector(std::string_view request_id, const Status& status) {
  logged->push_back(std::string(request_id) + " " + status.message());
}

// The boundary itself: a Status from below the server (no S3 code) is sent
// with S3's generic message for its code; server faults go to the log.
TEST(ErrorResponseTest, StatusesFromLowerLayersAreSentWithGenericMessages) {
  std::vector<std::string> lines;
  logged = &lines;
  SetInternalErrorLog(&LogToVector);
  const std::string secret = "/srv/worm-data/bkt/.wormfs/tmp/123.tmp";
  struct Case {
    Status status;
    int http;
    std::string code;
  } cases[] = {
      {Status::ResourceExhausted("open " + secret + ": Too many open files"), 503, "SlowDown"},
      {Status::Unavailable("rename " + secret), 503, "SlowDown"},
      {Status::Internal("fsync " + secret), 500, "InternalError"},
      {Status::NotFound("open " + secret + ": No such file"), 404, "NoSuchKey"},
      {Status::InvalidArgument("open " + secret + ": File name too long"), 400, "InvalidArgument"},
      {Status::PermissionDenied("open " + secret + ": Permission denied"), 403, "AccessDenied"},
      {Status::AlreadyExists("link " + secret), 412, "PreconditionFailed"},
  };
  for (const Case& c : cases) {
    HttpResponse r = ErrorResponse(c.status, "/bkt/k", "req-1", false);
    EXPECT_EQ(r.status, c.http) << c.status.ToString();
    EXPECT_NE(r.body.find("<Code>" + c.code + "</Code>"), std::string::npos) << r.body;
    EXPECT_EQ(r.body.find("/srv/worm-data"), std::string::npos) << r.body;
  }
  // Messages the server wrote for the client are kept.
  HttpResponse mine =
      ErrorResponse(S3Error(S3Code::kNoSuchKey, "no key 'k'"), "/bkt/k", "r", false);
  EXPECT_NE(mine.body.find("no key"), std::string::npos) << mine.body;
  SetInternalErrorLog(nullptr);
  logged = nullptr;
  ASSERT_EQ(lines.size(), 3u);  // the three 5xx, with their detail
  EXPECT_EQ(lines[0], "req-1 open " + secret + ": Too many open files");
}

}  // namespace
}  // namespace worm::server

// server_symlink_test: `worm serve` never follows a symlink inside a bucket
// folder (nor takes a symlinked sub-folder of --root for a bucket). Each
// request that could read, list, write or delete through a symlink to a
// folder or a file outside the bucket is sent over real HTTP, and the outside
// folder is checked to be untouched.
#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>
#include <set>

#include "server/server.h"
#include "server/test_http.h"
#include "testing/test_util.h"

namespace worm::server {
namespace {

namespace fs = std::filesystem;
using testing::Between;
using testing::ErrorCode;
using testing::RawHttp;
using testing::RawResponse;
using testing::TestRequest;

using testing::kAk;
using testing::kSk;
constexpr char kSecret[] = "outside the bucket";

class ServerSymlinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(outside_.path() / "sub");
    WriteFile(outside_.path() / "secret.txt", kSecret);
    WriteFile(outside_.path() / "sub" / "deep.txt", kSecret);
    fs::create_directories(dir_.path() / "bkt");
    ASSERT_OK_AND_ASSIGN(server_, Server::Start(testing::TestServerOptions(dir_.path())));
    port_ = server_->port();
    ASSERT_EQ(Put("real.txt", "real").status, 200);
    // Links made after the bucket opened: the server sees them as a user
    // with write access to the folder would leave them.
    fs::create_directory_symlink(outside_.path(), bucket() / "ext");
    fs::create_symlink(outside_.path() / "secret.txt", bucket() / "extfile");
    fs::create_directories(bucket() / "dir");
    fs::create_directory_symlink(outside_.path(), bucket() / "dir" / "ext");
  }

  static void WriteFile(const fs::path& p, const std::string& data) {
    worm::testing::WriteFileOrDie(p, data);
  }
  fs::path bucket() const { return dir_.path() / "bkt"; }

  RawResponse Do(TestRequest r) {
    testing::Sign(&r, port_, kAk, kSk, static_cast<int64_t>(std::time(nullptr)));
    RawHttp c(port_);
    EXPECT_TRUE(c.connected());
    Result<RawResponse> resp = c.RoundTrip(testing::Serialize(r, port_), r.method == "HEAD");
    EXPECT_TRUE(resp.ok()) << resp.status().ToString();
    return resp.ok() ? *resp : RawResponse{};
  }
  RawResponse Put(const std::string& key, const std::string& body, s3::HeaderList h = {}) {
    return Do({"PUT", "/bkt/" + key, "", std::move(h), body});
  }

  // Everything under the outside folder, with contents: unchanged by any request.
  std::map<std::string, std::string> Outside() const {
    std::map<std::string, std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(outside_.path())) {
      std::string rel = fs::relative(e.path(), outside_.path()).string();
      out[rel] = e.is_regular_file() ? worm::testing::ReadFileOrDie(e.path()) : "<dir>";
    }
    return out;
  }
  const std::map<std::string, std::string> kOutside = {
      {"secret.txt", kSecret}, {"sub", "<dir>"}, {"sub/deep.txt", kSecret}};

  worm::testing::ScratchDir outside_;
  worm::testing::ScratchDir dir_;
  std::unique_ptr<Server> server_;
  uint16_t port_ = 0;
};

TEST_F(ServerSymlinkTest, GetAndHeadThroughASymlinkAreNoSuchKey) {
  for (const char* key : {"ext/secret.txt", "ext/sub/deep.txt", "extfile", "dir/ext/secret.txt"}) {
    SCOPED_TRACE(key);
    RawResponse get = Do({"GET", std::string("/bkt/") + key, "", {}, ""});
    EXPECT_EQ(get.status, 404);
    EXPECT_EQ(ErrorCode(get), "NoSuchKey");
    EXPECT_EQ(get.body.find(kSecret), std::string::npos);
    EXPECT_EQ(Do({"HEAD", std::string("/bkt/") + key, "", {}, ""}).status, 404);
    EXPECT_EQ(Do({"GET", std::string("/bkt/") + key, "", {{"Range", "bytes=0-3"}}, ""}).status,
              404);
  }
  EXPECT_EQ(Do({"GET", "/bkt/real.txt", "", {}, ""}).body, "real");
}

TEST_F(ServerSymlinkTest, ListingsShowNoSymlinkAndNothingBehindOne) {
  for (int round = 0; round < 3; ++round) {  // later rounds come from the caches
    for (const char* query : {"list-type=2", "list-type=2&prefix=ext%2F", "list-type=2&prefix=ext",
                              "list-type=2&delimiter=%2F", "list-type=2&prefix=dir%2F", ""}) {
      SCOPED_TRACE(query);
      RawResponse r = Do({"GET", "/bkt", query, {}, ""});
      ASSERT_EQ(r.status, 200) << r.body;
      EXPECT_EQ(r.body.find("secret"), std::string::npos) << r.body;
      EXPECT_EQ(r.body.find("deep"), std::string::npos) << r.body;
      // Neither as a key nor as a common prefix (the request's own prefix is echoed).
      EXPECT_EQ(r.body.find("<Key>ext"), std::string::npos) << r.body;
      EXPECT_EQ(r.body.find("<Key>dir/ext"), std::string::npos) << r.body;
      EXPECT_EQ(r.body.find("<CommonPrefixes><Prefix>ext"), std::string::npos) << r.body;
      if (std::string(query).find("prefix=") != std::string::npos) {  // only links there
        EXPECT_EQ(r.body.find("<Key>"), std::string::npos) << r.body;
        EXPECT_EQ(r.body.find("<CommonPrefixes>"), std::string::npos) << r.body;
      }
    }
  }
  EXPECT_NE(Do({"GET", "/bkt", "list-type=2", {}, ""}).body.find("<Key>real.txt</Key>"),
            std::string::npos);
}

TEST_F(ServerSymlinkTest, PutThroughOrOntoASymlinkIsRefusedAndCreatesNothingOutside) {
  for (const char* key : {"ext/new.txt", "ext/newdir/new.txt", "ext/sub/new.txt", "ext/secret.txt",
                          "extfile", "dir/ext/new.txt", "dir/ext/newdir/deeper/new.txt"}) {
    SCOPED_TRACE(key);
    RawResponse r = Put(key, "planted");
    EXPECT_EQ(r.status, 409) << r.body;
    EXPECT_EQ(ErrorCode(r), "KeyConflict");
    EXPECT_EQ(Put(key, "planted", {{"If-None-Match", "*"}}).status, 409);
  }
  EXPECT_EQ(Outside(), kOutside);
  EXPECT_TRUE(fs::is_symlink(bucket() / "extfile"));
}

TEST_F(ServerSymlinkTest, DeleteThroughOrOfASymlinkRemovesNothing) {
  for (const char* key : {"ext/secret.txt", "ext/sub/deep.txt", "extfile", "dir/ext/secret.txt"}) {
    SCOPED_TRACE(key);
    EXPECT_EQ(Do({"DELETE", std::string("/bkt/") + key, "", {}, ""}).status, 204);
  }
  std::string batch =
      "<Delete><Object><Key>ext/secret.txt</Key></Object>"
      "<Object><Key>extfile</Key></Object></Delete>";
  EXPECT_EQ(Do({"POST", "/bkt", "delete", {}, batch}).status, 200);
  EXPECT_EQ(Outside(), kOutside);
  EXPECT_TRUE(fs::is_symlink(bucket() / "extfile"));
  EXPECT_TRUE(fs::is_symlink(bucket() / "ext"));
}

TEST_F(ServerSymlinkTest, CopyFromOrToASymlinkFails) {
  for (const char* src : {"/bkt/ext/secret.txt", "/bkt/extfile", "/bkt/dir/ext/secret.txt"}) {
    SCOPED_TRACE(src);
    RawResponse r = Put("stolen.txt", "", {{"x-amz-copy-source", src}});
    EXPECT_EQ(r.status, 404) << r.body;
    EXPECT_EQ(ErrorCode(r), "NoSuchKey");
  }
  EXPECT_EQ(Do({"GET", "/bkt/stolen.txt", "", {}, ""}).status, 404);
  for (const char* dst : {"ext/planted.txt", "extfile", "dir/ext/new/planted.txt"}) {
    SCOPED_TRACE(dst);
    EXPECT_EQ(Put(dst, "", {{"x-amz-copy-source", "/bkt/real.txt"}}).status, 409);
  }
  EXPECT_EQ(Outside(), kOutside);
}

TEST_F(ServerSymlinkTest, MultipartThroughASymlinkNeverWritesOutside) {
  // Into a key behind a symlink: staging works (it is the server's own
  // folder), completing is refused.
  RawResponse init = Do({"POST", "/bkt/ext/mp.bin", "uploads", {}, ""});
  ASSERT_EQ(init.status, 200) << init.body;
  std::string id = Between(init.body, "<UploadId>", "</UploadId>");
  RawResponse part = Do({"PUT", "/bkt/ext/mp.bin", "partNumber=1&uploadId=" + id, {}, "part"});
  ASSERT_EQ(part.status, 200) << part.body;
  std::string xml = "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>" +
                    part.Header("etag") + "</ETag></Part></CompleteMultipartUpload>";
  RawResponse done = Do({"POST", "/bkt/ext/mp.bin", "uploadId=" + id, {}, xml});
  EXPECT_EQ(done.status, 409) << done.body;
  // A part copied from behind a symlink is NoSuchKey.
  RawResponse init2 = Do({"POST", "/bkt/mp2.bin", "uploads", {}, ""});
  std::string id2 = Between(init2.body, "<UploadId>", "</UploadId>");
  RawResponse copy = Do({"PUT",
                         "/bkt/mp2.bin",
                         "partNumber=1&uploadId=" + id2,
                         {{"x-amz-copy-source", "/bkt/ext/secret.txt"}},
                         ""});
  EXPECT_EQ(copy.status, 404) << copy.body;
  EXPECT_EQ(Outside(), kOutside);
}

// A staging folder redirected by a symlink (the bucket's reserved folder
// swapped for a link before the bucket is opened) is refused, not used.
TEST_F(ServerSymlinkTest, ABucketWhoseReservedFolderIsASymlinkIsNotServed) {
  fs::create_directories(dir_.path() / "other");
  fs::create_directory_symlink(outside_.path(), dir_.path() / "other" / ".wormfs");
  EXPECT_GE(Do({"PUT", "/other/k.txt", "", {}, "x"}).status, 400);
  EXPECT_GE(Do({"POST", "/other/k.txt", "uploads", {}, ""}).status, 400);
  EXPECT_EQ(Outside(), kOutside);
}

// Root mode: a sub-folder of --root that is a symlink is no bucket.
TEST_F(ServerSymlinkTest, ASymlinkedBucketFolderIsNoBucket) {
  fs::create_directory_symlink(outside_.path(), dir_.path() / "evil");
  EXPECT_EQ(ErrorCode(Do({"GET", "/evil/secret.txt", "", {}, ""})), "NoSuchBucket");
  EXPECT_EQ(ErrorCode(Do({"GET", "/evil", "list-type=2", {}, ""})), "NoSuchBucket");
  EXPECT_EQ(ErrorCode(Do({"PUT", "/evil/planted.txt", "", {}, "x"})), "NoSuchBucket");
  EXPECT_EQ(Do({"GET", "/", "", {}, ""}).body.find("evil"), std::string::npos);
  EXPECT_EQ(Outside(), kOutside);
}

}  // namespace
}  // namespace worm::server

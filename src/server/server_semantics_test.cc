// server_semantics_test: S3 behaviours real clients depend on, over raw HTTP
// against an in-process `worm serve` (issue 15 items 3, 6, 7, 8 and the
// review): keys that are not UTF-8, listings that stay well-formed, non-ASCII
// user metadata, stored headers byte-for-byte, versionId on unversioned
// buckets, and the order of auth / bucket / key checks.
#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>
#include <fstream>

#include "core/utf8.h"
#include "server/server.h"
#include "server/test_http.h"
#include "testing/test_util.h"

namespace worm::server {
namespace {

using testing::Between;
using testing::ErrorCode;
using testing::kAk;
using testing::kSk;
using testing::RawHttp;
using testing::RawResponse;
using testing::TestRequest;

int64_t Now() { return static_cast<int64_t>(std::time(nullptr)); }

class SemanticsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(server_, Server::Start(testing::TestServerOptions(dir_.path())));
    port_ = server_->port();
  }

  RawResponse Do(TestRequest r, bool sign = true) {
    if (sign) testing::Sign(&r, port_, kAk, kSk, Now());
    RawHttp c(port_);
    EXPECT_TRUE(c.connected());
    Result<RawResponse> resp = c.RoundTrip(testing::Serialize(r, port_), r.method == "HEAD");
    EXPECT_TRUE(resp.ok()) << resp.status().ToString();
    return resp.ok() ? *resp : RawResponse{};
  }
  // `path` is the wire path after "/bkt/" (already percent-encoded).
  RawResponse Put(const std::string& path, const std::string& body, s3::HeaderList h = {}) {
    return Do({"PUT", "/bkt/" + path, "", std::move(h), body});
  }
  RawResponse Head(const std::string& path) { return Do({"HEAD", "/bkt/" + path, "", {}, ""}); }
  RawResponse List(const std::string& query) { return Do({"GET", "/bkt", query, {}, ""}); }

  worm::testing::ScratchDir dir_;
  std::unique_ptr<Server> server_;
  uint16_t port_ = 0;
};

// ---- Item 3: keys that are not UTF-8 -----------------------------------------

TEST_F(SemanticsTest, WritesRefuseKeysThatAreNotUtf8) {
  RawResponse put = Put("bad%FFkey", "x");
  EXPECT_EQ(put.status, 400);
  EXPECT_EQ(ErrorCode(put), "InvalidURI");
  EXPECT_TRUE(IsValidUtf8(put.body)) << put.body;
  ASSERT_EQ(Put("src", "data").status, 200);
  RawResponse copy = Put("copy%C3", "", {{"x-amz-copy-source", "/bkt/src"}});
  EXPECT_EQ(copy.status, 400);
  EXPECT_EQ(ErrorCode(copy), "InvalidURI");
  RawResponse mpu = Do({"POST", "/bkt/mp%E9", "uploads", {}, ""});
  EXPECT_EQ(mpu.status, 400);
  EXPECT_EQ(ErrorCode(mpu), "InvalidURI");
  // Overlong and surrogate forms are not UTF-8 either.
  EXPECT_EQ(ErrorCode(Put("%C0%AF", "x")), "InvalidURI");
  EXPECT_EQ(ErrorCode(Put("%ED%A0%80", "x")), "InvalidURI");
  // Nothing was stored.
  RawResponse list = List("encoding-type=url");
  EXPECT_EQ(list.body.find("%FF"), std::string::npos) << list.body;
  EXPECT_EQ(list.body.find("<Key>copy"), std::string::npos) << list.body;
  // Valid UTF-8 is a key like any other.
  EXPECT_EQ(Put("caf%C3%A9", "x").status, 200);
}

TEST_F(SemanticsTest, BucketExistenceIsCheckedBeforeTheKey) {
  RawResponse r = Do({"PUT", "/missing/bad%FF", "", {}, "x"});
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(ErrorCode(r), "NoSuchBucket");
  // And authentication before both.
  RawResponse anon = Do({"PUT", "/missing/bad%FF", "", {}, "x"}, /*sign=*/false);
  EXPECT_EQ(anon.status, 403);
  EXPECT_EQ(ErrorCode(anon), "AccessDenied");
}

TEST_F(SemanticsTest, ErrorsNamingAKeyThatIsNotUtf8StayUtf8) {
  RawResponse get = Do({"GET", "/bkt/no%FFsuch", "", {}, ""});
  EXPECT_EQ(get.status, 404);
  EXPECT_EQ(ErrorCode(get), "NoSuchKey");
  EXPECT_TRUE(IsValidUtf8(get.body)) << get.body;
  RawResponse copy = Put("dst", "", {{"x-amz-copy-source", "/bkt/no%FEsuch"}});
  EXPECT_EQ(ErrorCode(copy), "NoSuchKey");
  EXPECT_TRUE(IsValidUtf8(copy.body)) << copy.body;
}

// A file another tool put in the served folder under a name that is not
// UTF-8: listings stay UTF-8 (U+FFFD without encoding, the exact bytes with
// encoding-type=url), and it stays readable and deletable by those bytes.
TEST_F(SemanticsTest, ListingsOfAFileNamedInLatin1AreWellFormed) {
  { std::ofstream(dir_.path() / "bkt" / "caf\xE9.txt") << "latin1"; }
  ASSERT_EQ(Put("ctl%01key", "c").status, 200);  // valid UTF-8, a control character
  for (const char* q : {"", "list-type=2"}) {
    RawResponse plain = List(q);
    ASSERT_EQ(plain.status, 200);
    EXPECT_TRUE(IsValidUtf8(plain.body)) << plain.body;
    EXPECT_NE(plain.body.find("<Key>caf\xEF\xBF\xBD.txt</Key>"), std::string::npos) << plain.body;
    EXPECT_NE(plain.body.find("<Key>ctl&#1;key</Key>"), std::string::npos) << plain.body;
    RawResponse url = List(std::string(q) + (*q ? "&" : "") + "encoding-type=url");
    EXPECT_NE(url.body.find("<Key>caf%E9.txt</Key>"), std::string::npos) << url.body;
    EXPECT_NE(url.body.find("<Key>ctl%01key</Key>"), std::string::npos) << url.body;
  }
  RawResponse prefix = List("prefix=caf%E9");  // an echoed prefix is escaped the same way
  EXPECT_TRUE(IsValidUtf8(prefix.body)) << prefix.body;
  RawResponse get = Do({"GET", "/bkt/caf%E9.txt", "", {}, ""});
  EXPECT_EQ(get.status, 200);
  EXPECT_EQ(get.body, "latin1");
  EXPECT_EQ(Do({"DELETE", "/bkt/caf%E9.txt", "", {}, ""}).status, 204);
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "bkt" / "caf\xE9.txt"));
}

TEST_F(SemanticsTest, DeleteObjectsRefusesABodyThatIsNotUtf8) {
  ASSERT_EQ(Put("keep", "x").status, 200);
  std::string body = "<Delete><Object><Key>k\xFF</Key></Object></Delete>";
  RawResponse r = Do({"POST", "/bkt", "delete", {}, body});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ErrorCode(r), "MalformedXML");
  EXPECT_TRUE(IsValidUtf8(r.body)) << r.body;
}

// XML 1.0 cannot hold U+0001 at all, not even as &#1;: S3 answers such a
// DeleteObjects request MalformedXML (delete those keys one by one), so its
// response never needs to hold one either.
TEST_F(SemanticsTest, DeleteObjectsRefusesKeysXmlCannotHold) {
  ASSERT_EQ(Put("ctl%01key", "x").status, 200);
  for (std::string key : {"ctl&#1;key", "ctl\x01key", "ctl&#xFFFE;"}) {
    RawResponse r = Do(
        {"POST", "/bkt", "delete", {}, "<Delete><Object><Key>" + key + "</Key></Object></Delete>"});
    EXPECT_EQ(r.status, 400) << key;
    EXPECT_EQ(ErrorCode(r), "MalformedXML") << key;
  }
  EXPECT_EQ(Head("ctl%01key").status, 200);
  // Tab, LF and CR are XML characters: such keys go through.
  ASSERT_EQ(Put("tab%09key", "x").status, 200);
  RawResponse ok =
      Do({"POST", "/bkt", "delete", {}, "<Delete><Object><Key>tab\tkey</Key></Object></Delete>"});
  EXPECT_EQ(ok.status, 200);
  EXPECT_NE(ok.body.find("<Deleted><Key>tab\tkey</Key></Deleted>"), std::string::npos) << ok.body;
  EXPECT_EQ(Do({"DELETE", "/bkt/ctl%01key", "", {}, ""}).status, 204);
}

// An error message quoting a key holds only characters XML 1.0 allows, so a
// client's strict parser still reads the error code.
TEST_F(SemanticsTest, ErrorMessagesAreXml10) {
  RawResponse r = Do({"GET", "/bkt/ctl%01missing", "", {}, ""});
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(ErrorCode(r), "NoSuchKey");
  EXPECT_EQ(r.body.find("&#1;"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("ctl\xEF\xBF\xBDmissing"), std::string::npos) << r.body;
}

// ---- Item 6: non-ASCII user metadata ------------------------------------------

TEST_F(SemanticsTest, NonAsciiMetadataComesBackRfc2047Encoded) {
  // Raw UTF-8 on the wire (a client that does not encode).
  ASSERT_EQ(Put("m1", "x", {{"x-amz-meta-greeting", "Hello World\xC3\xA9"}}).status, 200);
  RawResponse h = Head("m1");
  ASSERT_EQ(h.status, 200);
  // base64("Hello Worldé" in UTF-8)
  EXPECT_EQ(h.Header("x-amz-meta-greeting"), "=?UTF-8?B?SGVsbG8gV29ybGTDqQ==?=");
  // Sent already encoded: back unchanged.
  ASSERT_EQ(Put("m2", "x", {{"x-amz-meta-greeting", "=?UTF-8?B?SGVsbG8gV29ybGTDqQ==?="}}).status,
            200);
  EXPECT_EQ(Head("m2").Header("x-amz-meta-greeting"), "=?UTF-8?B?SGVsbG8gV29ybGTDqQ==?=");
  // A byte that is not UTF-8 is ISO-8859-1 (HTTP's obs-text): the same text.
  ASSERT_EQ(Put("m3", "x", {{"x-amz-meta-greeting", "Hello World\xE9"}}).status, 200);
  EXPECT_EQ(Head("m3").Header("x-amz-meta-greeting"), "=?UTF-8?B?SGVsbG8gV29ybGTDqQ==?=");
  // Multipart uploads keep it the same way (their record is JSON).
  RawResponse mpu = Do({"POST", "/bkt/m4", "uploads", {{"x-amz-meta-greeting", "\xE9t\xE9"}}, ""});
  EXPECT_EQ(mpu.status, 200) << mpu.body;
  // ASCII stays as is.
  ASSERT_EQ(Put("m5", "x", {{"x-amz-meta-plain", "just ascii"}}).status, 200);
  EXPECT_EQ(Head("m5").Header("x-amz-meta-plain"), "just ascii");
}

TEST_F(SemanticsTest, RepeatedMetadataHeadersAreJoinedWithCommas) {
  ASSERT_EQ(Put("rep", "x", {{"x-amz-meta-tag", "a"}, {"x-amz-meta-tag", "b"}}).status, 200);
  EXPECT_EQ(Head("rep").Header("x-amz-meta-tag"), "a,b");
}

// ---- Item 7: stored headers byte-for-byte --------------------------------------

TEST_F(SemanticsTest, StoredHeadersComeBackByteForByte) {
  const s3::HeaderList sent = {{"Content-Type", "text/plain; charset=utf-8"},
                               {"Content-Encoding", "deflate, gzip"},
                               {"Cache-Control", "max-age=60,  public"},
                               {"Content-Disposition", "attachment; filename=\"a, b.txt\""},
                               {"Content-Language", "en-US, fr"},
                               {"Expires", "Thu, 01 Dec 2044 16:00:00 GMT"},
                               {"x-amz-meta-list", "one, two,three"}};
  ASSERT_EQ(Put("h", "body", sent).status, 200);
  RawResponse h = Head("h");
  ASSERT_EQ(h.status, 200);
  EXPECT_EQ(h.Header("content-type"), "text/plain; charset=utf-8");
  EXPECT_EQ(h.Header("content-encoding"), "deflate, gzip");
  EXPECT_EQ(h.Header("cache-control"), "max-age=60,  public");
  EXPECT_EQ(h.Header("content-disposition"), "attachment; filename=\"a, b.txt\"");
  EXPECT_EQ(h.Header("content-language"), "en-US, fr");
  EXPECT_EQ(h.Header("expires"), "Thu, 01 Dec 2044 16:00:00 GMT");
  EXPECT_EQ(h.Header("x-amz-meta-list"), "one, two,three");
  // A copy keeps them too.
  ASSERT_EQ(Put("h2", "", {{"x-amz-copy-source", "/bkt/h"}}).status, 200);
  EXPECT_EQ(Head("h2").Header("content-encoding"), "deflate, gzip");
}

TEST_F(SemanticsTest, AwsChunkedIsDroppedFromContentEncodingAndNothingElse) {
  ASSERT_EQ(Put("c1", "x", {{"Content-Encoding", "aws-chunked, gzip"}}).status, 200);
  EXPECT_EQ(Head("c1").Header("content-encoding"), "gzip");
  ASSERT_EQ(Put("c2", "x", {{"Content-Encoding", "deflate, AWS-CHUNKED, br"}}).status, 200);
  EXPECT_EQ(Head("c2").Header("content-encoding"), "deflate, br");
  ASSERT_EQ(Put("c3", "x", {{"Content-Encoding", "gzip,aws-chunked"}}).status, 200);
  EXPECT_EQ(Head("c3").Header("content-encoding"), "gzip");
  ASSERT_EQ(Put("c4", "x", {{"Content-Encoding", "aws-chunked"}}).status, 200);
  EXPECT_EQ(Head("c4").headers.count("content-encoding"), 0u);
}

TEST_F(SemanticsTest, WebsiteRedirectLocationIsKeptButNotCopied) {
  const std::string kHeader = "x-amz-website-redirect-location";
  ASSERT_EQ(Put("page", "x", {{kHeader, "/other/page.html"}}).status, 200);
  EXPECT_EQ(Head("page").Header(kHeader), "/other/page.html");
  EXPECT_EQ(Do({"GET", "/bkt/page", "", {}, ""}).Header(kHeader), "/other/page.html");
  RawResponse bad = Put("page2", "x", {{kHeader, "ftp://elsewhere"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(ErrorCode(bad), "InvalidArgument");
  // S3 does not copy it; a copy may set its own.
  ASSERT_EQ(Put("copy1", "", {{"x-amz-copy-source", "/bkt/page"}}).status, 200);
  EXPECT_EQ(Head("copy1").headers.count(kHeader), 0u);
  ASSERT_EQ(
      Put("copy2", "", {{"x-amz-copy-source", "/bkt/page"}, {kHeader, "https://x.test/"}}).status,
      200);
  EXPECT_EQ(Head("copy2").Header(kHeader), "https://x.test/");
}

// ---- Review: headers that would mislead if ignored -------------------------------

TEST_F(SemanticsTest, EncryptionAndObjectLockRequestsAreRefusedNotIgnored) {
  RawResponse ssec = Put("enc", "x",
                         {{"x-amz-server-side-encryption-customer-algorithm", "AES256"},
                          {"x-amz-server-side-encryption-customer-key",
                           "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE="},
                          {"x-amz-server-side-encryption-customer-key-md5", "x"}});
  EXPECT_EQ(ssec.status, 501);
  EXPECT_EQ(ErrorCode(ssec), "NotImplemented");
  EXPECT_EQ(ErrorCode(Put("kms", "x", {{"x-amz-server-side-encryption", "aws:kms"}})),
            "NotImplemented");
  RawResponse lock = Put("lock", "x",
                         {{"x-amz-object-lock-mode", "COMPLIANCE"},
                          {"x-amz-object-lock-retain-until-date", "2044-01-01T00:00:00Z"}});
  EXPECT_EQ(lock.status, 400);
  EXPECT_EQ(ErrorCode(lock), "InvalidRequest");
  RawResponse mpu =
      Do({"POST", "/bkt/lockmp", "uploads", {{"x-amz-object-lock-legal-hold", "ON"}}, ""});
  EXPECT_EQ(ErrorCode(mpu), "InvalidRequest");
  // Nothing was stored; SSE-S3 (AES256) is accepted.
  EXPECT_EQ(Head("enc").status, 404);
  EXPECT_EQ(Head("lock").status, 404);
  EXPECT_EQ(Put("sse", "x", {{"x-amz-server-side-encryption", "AES256"}}).status, 200);
}

// ListMultipartUploads used to stop at 1,000 uploads answering
// IsTruncated=false, and ignored max-uploads, the markers, the delimiter and
// encoding-type.
TEST_F(SemanticsTest, ListMultipartUploadsPagesAndEncodes) {
  auto upload_id = [&](const std::string& path) {
    RawResponse r = Do({"POST", "/bkt/" + path, "uploads", {}, ""});
    size_t a = r.body.find("<UploadId>"), b = r.body.find("</UploadId>");
    return a == std::string::npos ? "" : r.body.substr(a + 10, b - a - 10);
  };
  const std::string a = upload_id("a"), b1 = upload_id("b/1"), b2 = upload_id("b/2");
  const std::string c1 = upload_id("c%01"), c2 = upload_id("c%01");
  ASSERT_FALSE(c2.empty());
  auto keys = [](const std::string& body) {
    std::vector<std::string> out;
    for (size_t i = body.find("<Key>"); i != std::string::npos; i = body.find("<Key>", i + 1)) {
      out.push_back(body.substr(i + 5, body.find("</Key>", i) - i - 5));
    }
    return out;
  };
  RawResponse p1 = Do({"GET", "/bkt", "uploads&max-uploads=2&encoding-type=url", {}, ""});
  EXPECT_EQ(keys(p1.body), (std::vector<std::string>{"a", "b/1"})) << p1.body;
  EXPECT_NE(p1.body.find("<IsTruncated>true</IsTruncated>"), std::string::npos) << p1.body;
  EXPECT_NE(p1.body.find("<NextKeyMarker>b/1</NextKeyMarker>"), std::string::npos) << p1.body;
  EXPECT_NE(p1.body.find("<NextUploadIdMarker>" + b1 + "<"), std::string::npos) << p1.body;
  RawResponse p2 =
      Do({"GET",
          "/bkt",
          "uploads&max-uploads=2&encoding-type=url&key-marker=b%2F1&upload-id-marker=" + b1,
          {},
          ""});
  EXPECT_EQ(keys(p2.body), (std::vector<std::string>{"b/2", "c%01"})) << p2.body;
  EXPECT_NE(p2.body.find("<UploadId>" + c1 + "<"), std::string::npos) << p2.body;
  RawResponse p3 = Do(
      {"GET", "/bkt", "uploads&encoding-type=url&key-marker=c%01&upload-id-marker=" + c1, {}, ""});
  EXPECT_EQ(keys(p3.body), (std::vector<std::string>{"c%01"})) << p3.body;
  EXPECT_NE(p3.body.find("<UploadId>" + c2 + "<"), std::string::npos) << p3.body;
  EXPECT_NE(p3.body.find("<IsTruncated>false</IsTruncated>"), std::string::npos) << p3.body;
  RawResponse d = Do({"GET", "/bkt", "uploads&delimiter=%2F", {}, ""});
  EXPECT_EQ(keys(d.body), (std::vector<std::string>{"a", "c&#1;", "c&#1;"})) << d.body;
  EXPECT_NE(d.body.find("<CommonPrefixes><Prefix>b/</Prefix></CommonPrefixes>"), std::string::npos)
      << d.body;
  EXPECT_EQ(ErrorCode(Do({"GET", "/bkt", "uploads&max-uploads=x", {}, ""})), "InvalidArgument");
  EXPECT_FALSE(a.empty() || b2.empty());
}

// ListObjectVersions was NotImplemented; on a bucket that never had
// versioning S3 lists each object as its only version, "null".
TEST_F(SemanticsTest, ListObjectVersionsListsEachObjectAsVersionNull) {
  for (const char* k : {"a", "d/1", "d/2", "z"}) ASSERT_EQ(Put(k, "x").status, 200);
  RawResponse r = List("versions&max-keys=2");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("<ListVersionsResult"), std::string::npos);
  EXPECT_NE(
      r.body.find("<Version><Key>a</Key><VersionId>null</VersionId><IsLatest>true</IsLatest>"),
      std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("<IsTruncated>true</IsTruncated>"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("<NextKeyMarker>d/1</NextKeyMarker>"), std::string::npos) << r.body;
  RawResponse next = List("versions&key-marker=d%2F1&version-id-marker=null");
  EXPECT_NE(next.body.find("<Key>d/2</Key>"), std::string::npos) << next.body;
  EXPECT_EQ(next.body.find("<Key>a</Key>"), std::string::npos) << next.body;
  RawResponse grouped = List("versions&delimiter=%2F");
  EXPECT_NE(grouped.body.find("<CommonPrefixes><Prefix>d/</Prefix></CommonPrefixes>"),
            std::string::npos)
      << grouped.body;
  EXPECT_EQ(ErrorCode(List("versions&key-marker=a&version-id-marker=abc")), "InvalidArgument");
  EXPECT_EQ(ErrorCode(Do({"GET", "/missing", "versions", {}, ""})), "NoSuchBucket");
}

// CopyObjectResult's LastModified is the new object's (what HEAD then says),
// not the server clock's reading: a server whose clock runs 5 minutes ahead
// of its disk's (within the signature skew) shows the difference.
TEST(CopyResultTest, LastModifiedIsTheCopysNotTheClocks) {
  worm::testing::ScratchDir dir;
  ManualClock clock((Now() + 300) * 1000000);
  ServerOptions options = testing::TestServerOptions(dir.path());
  options.service.clock = &clock;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Server> server, Server::Start(options));
  auto send = [&](TestRequest r) {
    testing::Sign(&r, server->port(), kAk, kSk, Now());
    RawHttp c(server->port());
    Result<RawResponse> resp =
        c.RoundTrip(testing::Serialize(r, server->port()), r.method == "HEAD");
    EXPECT_TRUE(resp.ok());
    return resp.ok() ? *resp : RawResponse{};
  };
  ASSERT_EQ(send({"PUT", "/bkt/src", "", {}, "x"}).status, 200);
  RawResponse copy = send({"PUT", "/bkt/dst", "", {{"x-amz-copy-source", "/bkt/src"}}, ""});
  ASSERT_EQ(copy.status, 200) << copy.body;
  size_t a = copy.body.find("<LastModified>");
  ASSERT_NE(a, std::string::npos);
  std::string iso = copy.body.substr(a + 14, 19);  // "YYYY-MM-DDTHH:MM:SS"
  std::tm tm{};
  ASSERT_NE(strptime(iso.c_str(), "%Y-%m-%dT%H:%M:%S", &tm), nullptr);
  char http[40];
  std::strftime(http, sizeof(http), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  EXPECT_EQ(send({"HEAD", "/bkt/dst", "", {}, ""}).Header("last-modified"), http);
}

// ---- Item 8: versionId on an unversioned bucket ----------------------------------

TEST_F(SemanticsTest, CopySourceVersionIdMustBeNull) {
  ASSERT_EQ(Put("v", "versioned?").status, 200);
  RawResponse bad = Put("v2", "", {{"x-amz-copy-source", "/bkt/v?versionId=3HL4kqtJlcpXroDTDmJ"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(ErrorCode(bad), "InvalidArgument");
  EXPECT_EQ(Head("v2").status, 404);  // nothing copied
  RawResponse part = Do({"PUT",
                         "/bkt/mp",
                         "partNumber=1&uploadId=nope",
                         {{"x-amz-copy-source", "/bkt/v?versionId=abc"}},
                         ""});
  EXPECT_EQ(part.status / 100, 4);
  EXPECT_EQ(Put("v3", "", {{"x-amz-copy-source", "/bkt/v?versionId=null"}}).status, 200);
  EXPECT_EQ(Head("v3").status, 200);
  // A key holding an encoded '?' is not a version id.
  ASSERT_EQ(Put("q%3FversionId%3Dx", "q").status, 200);
  EXPECT_EQ(Put("q2", "", {{"x-amz-copy-source", "/bkt/q%3FversionId%3Dx"}}).status, 200);
}

TEST_F(SemanticsTest, GetHeadDeleteVersionIdMustBeNull) {
  ASSERT_EQ(Put("v", "data").status, 200);
  RawResponse get = Do({"GET", "/bkt/v", "versionId=abc", {}, ""});
  EXPECT_EQ(get.status, 400);
  EXPECT_EQ(ErrorCode(get), "InvalidArgument");
  EXPECT_EQ(Do({"HEAD", "/bkt/v", "versionId=abc", {}, ""}).status, 400);
  EXPECT_EQ(Do({"GET", "/bkt/v", "versionId=null", {}, ""}).body, "data");
  EXPECT_EQ(Do({"GET", "/bkt/v", "versionId=", {}, ""}).status, 400);
  RawResponse del = Do({"DELETE", "/bkt/v", "versionId=abc", {}, ""});
  EXPECT_EQ(del.status, 400);
  EXPECT_EQ(Head("v").status, 200);  // a version that does not exist deletes nothing
  std::string body = "<Delete><Object><Key>v</Key><VersionId>abc</VersionId></Object></Delete>";
  RawResponse batch = Do({"POST", "/bkt", "delete", {}, body});
  EXPECT_EQ(batch.status, 200);
  EXPECT_NE(batch.body.find("<Error><Key>v</Key><VersionId>abc</VersionId><Code>InvalidArgument"),
            std::string::npos)
      << batch.body;
  EXPECT_EQ(Head("v").status, 200);
  EXPECT_EQ(Do({"DELETE", "/bkt/v", "versionId=null", {}, ""}).status, 204);
  EXPECT_EQ(Head("v").status, 404);
}

TEST_F(SemanticsTest, CopySourceWithBadPercentEncodingIsRefused) {
  ASSERT_EQ(Put("src", "x").status, 200);
  RawResponse r = Put("dst", "", {{"x-amz-copy-source", "/bkt/rm/%01file%/out"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ErrorCode(r), "InvalidArgument");
}

}  // namespace
}  // namespace worm::server

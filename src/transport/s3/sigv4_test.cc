// SigV4 golden tests in the aws-c-auth layout: tests/golden/sigv4/<case>/
// holds context.json (credentials, region, time, payload mode, presign
// expiry) and request.txt (the HTTP request as sent); the test writes
// canonical-request.txt, string-to-sign.txt, signature.txt and
// authorization.txt (header signing) or presigned-url.txt (query signing).
// Cases named aws-* reproduce AWS's published S3 examples: their signatures
// are external known answers checked against context.json's
// published_signature, which UPDATE_GOLDEN cannot rewrite.
#include "transport/s3/sigv4.h"

#include <filesystem>
#include <sstream>

#include "core/hash.h"
#include "core/json_util.h"
#include "testing/test_util.h"
#include "transport/s3/presign.h"

namespace worm::s3 {
namespace {

namespace fs = std::filesystem;
using ::worm::testing::ExpectGolden;
using ::worm::testing::ReadFileOrDie;
using ::worm::testing::SourceDir;
using ::worm::testing::StatusIs;

struct ParsedRequest {
  HttpRequestParts parts;
  std::string body;
};

ParsedRequest ParseRequestFile(const std::string& text) {
  ParsedRequest r;
  size_t blank = text.find("\n\n");
  std::string head = text.substr(0, blank);
  r.body = blank == std::string::npos ? "" : text.substr(blank + 2);
  std::istringstream in(head);
  std::string line;
  std::getline(in, line);
  std::istringstream first(line);
  std::string target;
  first >> r.parts.method >> target;
  size_t q = target.find('?');
  r.parts.path = target.substr(0, q);
  if (q != std::string::npos) r.parts.query = target.substr(q + 1);
  while (std::getline(in, line)) {
    size_t colon = line.find(':');
    r.parts.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  return r;
}

std::vector<std::string> GoldenCases() {
  std::vector<std::string> cases;
  for (const auto& entry : fs::directory_iterator(SourceDir() / "tests/golden/sigv4")) {
    if (entry.is_directory()) cases.push_back(entry.path().filename().string());
  }
  std::sort(cases.begin(), cases.end());
  return cases;
}

class SigV4GoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(SigV4GoldenTest, MatchesGoldenFiles) {
  const std::string dir = "sigv4/" + GetParam() + "/";
  fs::path root = SourceDir() / "tests/golden" / dir;
  ASSERT_OK_AND_ASSIGN(Json ctx, ParseJson(ReadFileOrDie(root / "context.json")));
  ParsedRequest req = ParseRequestFile(ReadFileOrDie(root / "request.txt"));

  SigningCredentials creds{ctx["credentials"]["access_key_id"],
                           ctx["credentials"]["secret_access_key"],
                           ctx["credentials"].value("session_token", "")};
  ASSERT_OK_AND_ASSIGN(int64_t now, ParseAmzDate(ctx["timestamp"].get<std::string>()));
  SigningScope scope{ctx["region"], ctx["service"], now};

  SigningResult result;
  if (ctx.contains("presign_expires")) {
    ASSERT_OK_AND_ASSIGN(
        result, PresignRequest(&req.parts, creds, scope, ctx["presign_expires"].get<int64_t>()));
    std::string host;
    for (const auto& [k, v] : req.parts.headers) {
      if (k == "Host") host = CanonicalHeaderValue(v);
    }
    ExpectGolden(dir + "presigned-url.txt",
                 "https://" + host + req.parts.path + "?" + req.parts.query + "\n");
  } else {
    std::string payload =
        ctx["payload"] == "sha256" ? Sha256Hex(req.body) : ctx["payload"].get<std::string>();
    result = SignRequest(&req.parts, creds, scope, payload);
    ExpectGolden(dir + "authorization.txt", result.authorization + "\n");
  }
  ExpectGolden(dir + "canonical-request.txt", result.canonical_request + "\n");
  ExpectGolden(dir + "string-to-sign.txt", result.string_to_sign + "\n");
  ExpectGolden(dir + "signature.txt", result.signature + "\n");
  if (ctx.contains("published_signature")) {
    EXPECT_EQ(result.signature, ctx["published_signature"].get<std::string>())
        << "differs from the signature AWS publishes for this example";
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, SigV4GoldenTest, ::testing::ValuesIn(GoldenCases()),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

TEST(SigV4Test, AwsGoldenCasesArePresent) {
  std::vector<std::string> cases = GoldenCases();
  for (const char* c : {"aws-get-object-range", "aws-put-object", "aws-get-bucket-lifecycle",
                        "aws-list-objects", "aws-presigned-get"}) {
    EXPECT_NE(std::find(cases.begin(), cases.end(), c), cases.end()) << c;
  }
}

TEST(SigV4Test, UriEncodeKeepsOnlyUnreserved) {
  EXPECT_EQ(UriEncode("aZ09-._~", false), "aZ09-._~");
  EXPECT_EQ(UriEncode("a b+c/d=e&f", false), "a%20b%2Bc%2Fd%3De%26f");
  EXPECT_EQ(UriEncode("a b/c", true), "a%20b/c");
  EXPECT_EQ(UriEncode("\xc3\xa9*!", true), "%C3%A9%2A%21");
  // Every byte: only the unreserved ones pass, whatever the locale says.
  for (int c = 0; c < 256; ++c) {
    std::string in(1, static_cast<char>(c));
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '.' || c == '_' || c == '~';
    EXPECT_EQ(UriEncode(in, false).size(), plain ? 1u : 3u) << c;
    EXPECT_EQ(UriDecode(UriEncode(in, false)), in) << c;
  }
  std::string out = "<Key>";
  AppendUriEncoded(&out, "a b/c", true);
  EXPECT_EQ(out, "<Key>a%20b/c");
  // Written in place (runs of plain bytes copied at once): the same bytes.
  for (std::string_view in : {"", "plain", "a b/c", "/", "%%", "ends with /", "\xC3\xA9x/y z~"}) {
    for (bool keep_slash : {true, false}) {
      std::string buf(3 * in.size(), '\0');
      char* end = WriteUriEncoded(buf.data(), in, keep_slash);
      buf.resize(static_cast<size_t>(end - buf.data()));
      EXPECT_EQ(buf, UriEncode(in, keep_slash)) << in << " " << keep_slash;
    }
  }
}

TEST(SigV4Test, UriDecodeKeepsMalformedEscapes) {
  EXPECT_EQ(UriDecode("a%20b+c%2F%c3%A9"), "a b+c/\xc3\xa9");
  EXPECT_EQ(UriDecode("100%"), "100%");
  EXPECT_EQ(UriDecode("%4"), "%4");
  EXPECT_EQ(UriDecode("%zz%41"), "%zzA");
  std::string s = "p%2Fq%";
  UriDecodeInPlace(&s);
  EXPECT_EQ(s, "p/q%");
}

TEST(SigV4Test, CanonicalUriDoesNotDoubleEncodeOrNormalize) {
  EXPECT_EQ(CanonicalUri("/bucket/a%20b"), "/bucket/a%20b");
  EXPECT_EQ(CanonicalUri("/test$file.text"), "/test%24file.text");
  EXPECT_EQ(CanonicalUri("/a/./b/../c//d"), "/a/./b/../c//d");
  EXPECT_EQ(CanonicalUri(""), "/");
}

TEST(SigV4Test, CanonicalQuerySortsEncodedPairs) {
  EXPECT_EQ(CanonicalQueryString("prefix=J&max-keys=2"), "max-keys=2&prefix=J");
  EXPECT_EQ(CanonicalQueryString("lifecycle"), "lifecycle=");
  EXPECT_EQ(CanonicalQueryString("b=2&a=2&a=1"), "a=1&a=2&b=2");
  EXPECT_EQ(CanonicalQueryString("k=a b"), "k=a%20b");
  EXPECT_EQ(CanonicalQueryString("X-Amz-Signature=abc&x=1", "X-Amz-Signature"), "x=1");
  EXPECT_EQ(CanonicalQueryString(""), "");
}

TEST(SigV4Test, CanonicalHeadersTrimCollapseAndMerge) {
  EXPECT_EQ(CanonicalHeaderValue("  a   b  c "), "a b c");
  HeaderList h = {{"Host", "x"},
                  {"X-Amz-Meta-A", " 1 "},
                  {"x-amz-meta-a", "2"},
                  {"User-Agent", "u"},
                  {"Authorization", "z"}};
  CanonicalHeaders c = CanonicalizeHeaders(h);
  EXPECT_EQ(c.canonical, "host:x\nx-amz-meta-a:1,2\n");
  EXPECT_EQ(c.signed_headers, "host;x-amz-meta-a");
  CanonicalHeaders only = CanonicalizeHeaders(h, {"host", "user-agent"});
  EXPECT_EQ(only.signed_headers, "host;user-agent");
}

TEST(SigV4Test, AmzDateRoundTrips) {
  ASSERT_OK_AND_ASSIGN(int64_t t, ParseAmzDate("20130524T000000Z"));
  EXPECT_EQ(t, 1369353600);
  EXPECT_EQ(FormatAmzDate(t), "20130524T000000Z");
  EXPECT_EQ(FormatDateStamp(t), "20130524");
  EXPECT_THAT(ParseAmzDate("2013-05-24"), StatusIs(StatusCode::kInvalidArgument));
}

TEST(SigV4Test, PresignRejectsExpiryOutOfBounds) {
  HttpRequestParts r{"GET", "/k", "", {{"Host", "h"}}};
  EXPECT_THAT(PresignRequest(&r, {"a", "b", ""}, {}, 0), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(PresignRequest(&r, {"a", "b", ""}, {}, 604801),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST(SigV4Test, PresignS3UrlMatchesAwsPublishedExample) {
  S3Address a;
  a.scheme = "https";
  a.host = "s3.amazonaws.com";
  a.bucket = "examplebucket";
  a.path_style = false;
  SigningCredentials creds{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};
  ASSERT_OK_AND_ASSIGN(std::string url, PresignS3Url(a, creds, {"us-east-1", "s3", 1369353600},
                                                     "GET", "test.txt", 86400));
  EXPECT_EQ(url,
            "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
            "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
            "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
  EXPECT_THAT(PresignS3Url(a, creds, {"us-east-1", "s3", 0}, "DELETE", "k", 60),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST(SigV4Test, SigningKeyMatchesAwsDocumentation) {
  // AWS's "deriving the signing key" example (IAM, us-east-1, 20150830).
  ASSERT_OK_AND_ASSIGN(int64_t t, ParseAmzDate("20150830T123600Z"));
  EXPECT_EQ(HexEncode(DeriveSigningKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", t, "us-east-1",
                                       "iam")),
            "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
  // Keys are remembered per thread: any change of input gives a fresh key.
  std::string base = DeriveSigningKey("secret", t, "us-east-1", "s3");
  EXPECT_EQ(DeriveSigningKey("secret", t + 60, "us-east-1", "s3"), base);  // same day
  EXPECT_NE(DeriveSigningKey("secret", t + 86400, "us-east-1", "s3"), base);
  EXPECT_NE(DeriveSigningKey("secreT", t, "us-east-1", "s3"), base);
  EXPECT_NE(DeriveSigningKey("secret", t, "eu-west-1", "s3"), base);
  EXPECT_NE(DeriveSigningKey("secret", t, "us-east-1", "iam"), base);
  EXPECT_EQ(DeriveSigningKey("secret", t, "us-east-1", "s3"), base);
}

}  // namespace
}  // namespace worm::s3

// auth_test: what `worm serve` accepts as authenticated. Each forgery of
// issue 14 (items 4 and 5) is sent to a real server on a real socket, signed
// with the right key, and must be refused; where it would have changed data,
// the data is checked too. Signatures are built by hand from the SigV4
// building blocks so a test can leave out exactly what a forger leaves out.
#include "server/auth.h"

#include <gtest/gtest.h>

#include <cstring>
#include <ctime>
#include <filesystem>

#include "core/hash.h"
#include "server/auth_fuzz.h"
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
constexpr char kSecretBody[] = "the secret object";

int64_t Now() { return static_cast<int64_t>(std::time(nullptr)); }

std::string Scope(int64_t t, const std::string& region = "us-east-1") {
  return s3::FormatDateStamp(t) + "/" + region + "/s3/aws4_request";
}

// The signing key for a scope "date/region/service/aws4_request", whatever
// it names (a forger signs with the real secret for a scope of its choice).
std::string KeyForScope(const std::string& scope) {
  std::string date = scope.substr(0, scope.find('/'));
  std::string rest = scope.substr(scope.find('/') + 1);
  std::string region = rest.substr(0, rest.find('/'));
  int64_t day = s3::ParseAmzDate(date + "T000000Z").ValueOr(0);
  return s3::DeriveSigningKey(kSk, day, region, "s3");
}

class AuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_.path() / "bkt");
    Start();
    RawResponse put = Send(Signed({"PUT", "/bkt/secret", "", {}, kSecretBody}));
    ASSERT_EQ(put.status, 200) << put.body;
  }

  // (Re)starts the server: with the test key unless `no_keys`.
  void Start(std::string region = "us-east-1", bool anonymous = false, bool no_keys = false) {
    server_.reset();
    ServerOptions o = testing::TestServerOptions(dir_.path());
    o.service.region = std::move(region);
    o.service.auth.allow_anonymous = anonymous;
    if (no_keys) o.service.auth.secrets.clear();
    ASSERT_OK_AND_ASSIGN(server_, Server::Start(o));
    port_ = server_->port();
  }

  std::string Host() const { return "127.0.0.1:" + std::to_string(port_); }

  RawResponse Send(const TestRequest& r) {
    RawHttp c(port_);
    EXPECT_TRUE(c.connected());
    Result<RawResponse> resp = c.RoundTrip(testing::Serialize(r, port_), r.method == "HEAD");
    EXPECT_TRUE(resp.ok()) << resp.status().ToString();
    return resp.ok() ? *resp : RawResponse{};
  }

  // Signed as our client signs: every header, region us-east-1, now.
  TestRequest Signed(TestRequest r) {
    testing::Sign(&r, port_, kAk, kSk, Now());
    return r;
  }

  // Signs `r` by hand: sets the date header (`date_header`: "x-amz-date" or
  // "date") and x-amz-content-sha256 for time `t`, signs exactly the headers
  // named in `signed_names` (lowercase, sorted; "host" means the Host that
  // Serialize adds), with credential "<kAk>/<scope>".
  void HandSign(TestRequest* r, int64_t t, const std::vector<std::string>& signed_names,
                const std::string& scope, const std::string& date_header = "x-amz-date") {
    std::string amz_date = s3::FormatAmzDate(t);
    if (date_header == "x-amz-date") {
      r->headers.emplace_back("x-amz-date", amz_date);
    } else {
      char buf[64];
      std::time_t tt = t;
      std::tm tm{};
      gmtime_r(&tt, &tm);
      std::strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
      r->headers.emplace_back("Date", buf);
    }
    std::string payload = Sha256Hex(r->body);
    r->headers.emplace_back("x-amz-content-sha256", payload);
    s3::HeaderList all = r->headers;
    all.emplace_back("host", Host());
    s3::CanonicalHeaders ch = s3::CanonicalizeHeaders(all, signed_names);
    std::string canonical = s3::BuildCanonicalRequest(
        r->method, s3::CanonicalUri(r->path), s3::CanonicalQueryString(r->query), ch, payload);
    std::string sts = "AWS4-HMAC-SHA256\n" + amz_date + "\n" + scope + "\n" + Sha256Hex(canonical);
    std::string sig = s3::ComputeSignature(KeyForScope(scope), sts);
    std::string joined;
    for (const std::string& n : signed_names) joined += (joined.empty() ? "" : ";") + n;
    r->headers.emplace_back("Authorization", "AWS4-HMAC-SHA256 Credential=" + std::string(kAk) +
                                                 "/" + scope + ", SignedHeaders=" + joined +
                                                 ", Signature=" + sig);
  }

  // A presigned query for `method path` built by hand: the given X-Amz-Date
  // time, X-Amz-Expires text, credential scope and signed headers.
  std::string HandPresign(const std::string& method, const std::string& path, int64_t t,
                          const std::string& expires, const std::string& scope,
                          const std::string& signed_headers = "host",
                          const std::string& payload_hash = "") {
    std::string q = (payload_hash.empty() ? "" : "X-Amz-Content-Sha256=" + payload_hash + "&") +
                    "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" +
                    s3::UriEncode(std::string(kAk) + "/" + scope, false) +
                    "&X-Amz-Date=" + s3::FormatAmzDate(t) + "&X-Amz-Expires=" + expires +
                    "&X-Amz-SignedHeaders=" + s3::UriEncode(signed_headers, false);
    s3::HeaderList host = {{"host", Host()}};
    std::vector<std::string> names;
    for (size_t p = 0; p <= signed_headers.size();) {
      size_t e = signed_headers.find(';', p);
      if (e == std::string::npos) e = signed_headers.size();
      names.push_back(signed_headers.substr(p, e - p));
      p = e + 1;
    }
    s3::CanonicalHeaders ch = s3::CanonicalizeHeaders(host, names);
    std::string canonical =
        s3::BuildCanonicalRequest(method, s3::CanonicalUri(path), s3::CanonicalQueryString(q), ch,
                                  payload_hash.empty() ? "UNSIGNED-PAYLOAD" : payload_hash);
    std::string sts =
        "AWS4-HMAC-SHA256\n" + s3::FormatAmzDate(t) + "\n" + scope + "\n" + Sha256Hex(canonical);
    return q + "&X-Amz-Signature=" + s3::ComputeSignature(KeyForScope(scope), sts);
  }

  // A presigned query as our client (and boto3) makes it.
  std::string Presign(const std::string& method, const std::string& path, int64_t expires = 60) {
    s3::HttpRequestParts parts{method, path, "", {{"Host", Host()}}};
    s3::SigningScope scope;
    scope.unix_seconds = Now();
    EXPECT_TRUE(s3::PresignRequest(&parts, {kAk, kSk, ""}, scope, expires).ok());
    return parts.query;
  }

  RawResponse Get(const std::string& key) {
    return Send(Signed({"GET", "/bkt/" + key, "", {}, ""}));
  }

  static std::string Code(const RawResponse& r) {
    size_t a = r.body.find("<Code>"), b = r.body.find("</Code>");
    return a == std::string::npos ? "" : r.body.substr(a + 6, b - a - 6);
  }
  static std::string Message(const RawResponse& r) {
    size_t a = r.body.find("<Message>"), b = r.body.find("</Message>");
    std::string m = a == std::string::npos ? "" : r.body.substr(a + 9, b - a - 9);
    for (auto [from, to] : {std::pair{"&apos;", "'"}, {"&quot;", "\""}, {"&amp;", "&"}}) {
      for (size_t at; (at = m.find(from)) != std::string::npos;) m.replace(at, strlen(from), to);
    }
    return m;
  }

  worm::testing::ScratchDir dir_;
  std::unique_ptr<Server> server_;
  uint16_t port_ = 0;
};

#define EXPECT_REFUSED(resp, status_code, s3_code) \
  do {                                             \
    RawResponse _r = (resp);                       \
    EXPECT_EQ(_r.status, status_code) << _r.body;  \
    EXPECT_EQ(Code(_r), s3_code) << _r.body;       \
  } while (0)

// ---- Item 4: headers outside SignedHeaders ------------------------------------

// A correctly signed empty PUT plus an unsigned x-amz-copy-source would copy
// any object into the signed key.
// CreateBucket of a bucket the caller owns: 200 in us-east-1 (AWS's legacy
// region; see ServerTest.BucketLifecycle), BucketAlreadyOwnedByYou elsewhere.
TEST_F(AuthTest, RepeatedCreateBucketOutsideUsEast1IsBucketAlreadyOwnedByYou) {
  Start("eu-west-1");
  const int64_t t = Now();
  auto create = [&] {
    TestRequest r{"PUT", "/eu-bucket", "", {}, ""};
    HandSign(&r, t, {"host", "x-amz-content-sha256", "x-amz-date"}, Scope(t, "eu-west-1"));
    return Send(r);
  };
  EXPECT_EQ(create().status, 200);
  RawResponse again = create();
  EXPECT_EQ(again.status, 409);
  EXPECT_NE(again.body.find("<Code>BucketAlreadyOwnedByYou</Code>"), std::string::npos)
      << again.body;
}

TEST_F(AuthTest, UnsignedCopySourceOnSignedPutIsRefused) {
  TestRequest r = Signed({"PUT", "/bkt/stolen", "", {}, ""});
  r.headers.emplace_back("x-amz-copy-source", "/bkt/secret");
  RawResponse resp = Send(r);
  EXPECT_REFUSED(resp, 403, "AccessDenied");
  EXPECT_NE(Message(resp).find("not signed: x-amz-copy-source"), std::string::npos) << resp.body;
  EXPECT_EQ(Get("stolen").status, 404);
  // Signed, the same copy is served.
  RawResponse ok =
      Send(Signed({"PUT", "/bkt/copied", "", {{"x-amz-copy-source", "/bkt/secret"}}, ""}));
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(Get("copied").body, kSecretBody);
}

// Anyone holding a presigned upload URL could read every object.
TEST_F(AuthTest, UnsignedCopySourceOnPresignedPutIsRefused) {
  std::string q = Presign("PUT", "/bkt/stolen");
  // Any case on the wire: header names are case-insensitive.
  RawResponse resp = Send({"PUT", "/bkt/stolen", q, {{"X-Amz-Copy-Source", "/bkt/secret"}}, ""});
  EXPECT_REFUSED(resp, 403, "AccessDenied");
  EXPECT_EQ(Get("stolen").status, 404);
  // The URL itself still uploads.
  ASSERT_EQ(Send({"PUT", "/bkt/stolen", q, {}, "uploaded"}).status, 200);
  EXPECT_EQ(Get("stolen").body, "uploaded");
}

TEST_F(AuthTest, UnsignedMetadataIsRefused) {
  TestRequest r = Signed({"PUT", "/bkt/m", "", {{"x-amz-meta-signed", "1"}}, "body"});
  r.headers.emplace_back("x-amz-meta-evil", "1");
  EXPECT_REFUSED(Send(r), 403, "AccessDenied");
  std::string q = Presign("PUT", "/bkt/m");
  EXPECT_REFUSED(Send({"PUT", "/bkt/m", q, {{"x-amz-meta-evil", "1"}}, "body"}), 403,
                 "AccessDenied");
  EXPECT_EQ(Get("m").status, 404);
}

TEST_F(AuthTest, UnsignedAclIsRefused) {
  TestRequest r = Signed({"PUT", "/bkt/a", "", {}, "body"});
  r.headers.emplace_back("x-amz-acl", "public-read-write");
  EXPECT_REFUSED(Send(r), 403, "AccessDenied");
  std::string q = Presign("PUT", "/bkt/a");
  EXPECT_REFUSED(Send({"PUT", "/bkt/a", q, {{"x-amz-acl", "public-read"}}, "body"}), 403,
                 "AccessDenied");
  EXPECT_EQ(Get("a").status, 404);
}

// A signature that does not cover Host replays against any server holding the key.
TEST_F(AuthTest, HostMustBeSigned) {
  int64_t t = Now();
  TestRequest r{"GET", "/bkt/secret", "", {}, ""};
  HandSign(&r, t, {"x-amz-content-sha256", "x-amz-date"}, Scope(t));
  RawResponse resp = Send(r);
  EXPECT_REFUSED(resp, 403, "AccessDenied");
  EXPECT_NE(Message(resp).find("not signed: host"), std::string::npos) << resp.body;
  EXPECT_EQ(resp.body.find(kSecretBody), std::string::npos);
  std::string q = HandPresign("GET", "/bkt/secret", t, "60", Scope(t), "");
  EXPECT_REFUSED(Send({"GET", "/bkt/secret", q, {}, ""}), 403, "AccessDenied");
  // The same hand-built signatures with host are served: the checks above are
  // about host, not about the hand signing.
  TestRequest ok{"GET", "/bkt/secret", "", {}, ""};
  HandSign(&ok, t, {"host", "x-amz-content-sha256", "x-amz-date"}, Scope(t));
  EXPECT_EQ(Send(ok).body, kSecretBody);
  EXPECT_EQ(
      Send({"GET", "/bkt/secret", HandPresign("GET", "/bkt/secret", t, "60", Scope(t)), {}, ""})
          .body,
      kSecretBody);
}

// ---- Item 5: lax checks ---------------------------------------------------------

// The header that dates the request must be signed.
TEST_F(AuthTest, RequestDateMustBeSigned) {
  int64_t t = Now();
  TestRequest r{"GET", "/bkt/secret", "", {}, ""};
  HandSign(&r, t, {"host", "x-amz-content-sha256"}, Scope(t));
  RawResponse resp = Send(r);
  EXPECT_REFUSED(resp, 403, "AccessDenied");
  EXPECT_NE(Message(resp).find("not signed: x-amz-date"), std::string::npos) << resp.body;
  // Dated by the Date header instead: that one must be signed.
  TestRequest d{"GET", "/bkt/secret", "", {}, ""};
  HandSign(&d, t, {"host", "x-amz-content-sha256"}, Scope(t), "date");
  EXPECT_REFUSED(Send(d), 403, "AccessDenied");
  TestRequest ok{"GET", "/bkt/secret", "", {}, ""};
  HandSign(&ok, t, {"date", "host", "x-amz-content-sha256"}, Scope(t), "date");
  EXPECT_EQ(Send(ok).body, kSecretBody);
}

TEST_F(AuthTest, CredentialScopeMustNameThisServersRegion) {
  int64_t t = Now();
  for (std::string region : {"us-west-2", ""}) {
    TestRequest r{"GET", "/bkt/secret", "", {}, ""};
    HandSign(&r, t, {"host", "x-amz-content-sha256", "x-amz-date"}, Scope(t, region));
    RawResponse resp = Send(r);
    EXPECT_REFUSED(resp, 400, "AuthorizationHeaderMalformed");
    EXPECT_NE(Message(resp).find("expecting 'us-east-1'"), std::string::npos) << resp.body;
    std::string q = HandPresign("GET", "/bkt/secret", t, "60", Scope(t, region));
    EXPECT_REFUSED(Send({"GET", "/bkt/secret", q, {}, ""}), 400,
                   "AuthorizationQueryParametersError");
  }
  // A scope missing a part.
  TestRequest r{"GET", "/bkt/secret", "", {}, ""};
  HandSign(&r, t, {"host", "x-amz-content-sha256", "x-amz-date"},
           s3::FormatDateStamp(t) + "/s3/aws4_request");
  EXPECT_REFUSED(Send(r), 400, "AuthorizationHeaderMalformed");
  std::string q =
      HandPresign("GET", "/bkt/secret", t, "60", s3::FormatDateStamp(t) + "/s3/aws4_request");
  EXPECT_REFUSED(Send({"GET", "/bkt/secret", q, {}, ""}), 400, "AuthorizationQueryParametersError");
}

// `--region` is the region scopes must name (and what clients are told).
TEST_F(AuthTest, ConfiguredRegionIsTheOneAccepted) {
  Start("eu-west-1");
  int64_t t = Now();
  TestRequest ok{"GET", "/bkt/secret", "", {}, ""};
  HandSign(&ok, t, {"host", "x-amz-content-sha256", "x-amz-date"}, Scope(t, "eu-west-1"));
  EXPECT_EQ(Send(ok).body, kSecretBody);
  // Our client's default region, us-east-1, is now the wrong one.
  RawResponse wrong = Get("secret");
  EXPECT_REFUSED(wrong, 400, "AuthorizationHeaderMalformed");
  EXPECT_NE(Message(wrong).find("expecting 'eu-west-1'"), std::string::npos) << wrong.body;
}

TEST_F(AuthTest, ScopeDateMustBeTheRequestDate) {
  int64_t t = Now();
  std::string yesterday = Scope(t - 86400);
  std::string q = HandPresign("GET", "/bkt/secret", t, "60", yesterday);
  EXPECT_REFUSED(Send({"GET", "/bkt/secret", q, {}, ""}), 400, "AuthorizationQueryParametersError");
  TestRequest r{"GET", "/bkt/secret", "", {}, ""};
  HandSign(&r, t, {"host", "x-amz-content-sha256", "x-amz-date"}, yesterday);
  EXPECT_REFUSED(Send(r), 400, "AuthorizationHeaderMalformed");
}

TEST_F(AuthTest, PresignedExpiresMustBeOneSecondToAWeek) {
  int64_t t = Now();
  for (std::string expires : {"0", "-1", "abc", "", "604801"}) {
    SCOPED_TRACE("X-Amz-Expires=" + expires);
    std::string q = HandPresign("GET", "/bkt/secret", t, expires, Scope(t));
    RawResponse resp = Send({"GET", "/bkt/secret", q, {}, ""});
    EXPECT_REFUSED(resp, 400, "AuthorizationQueryParametersError");
    EXPECT_EQ(resp.body.find(kSecretBody), std::string::npos);
  }
  EXPECT_EQ(
      Send({"GET", "/bkt/secret", HandPresign("GET", "/bkt/secret", t, "1", Scope(t)), {}, ""})
          .body,
      kSecretBody);
  // A missing parameter.
  std::string q = HandPresign("GET", "/bkt/secret", t, "60", Scope(t));
  std::string no_headers =
      q.substr(0, q.find("&X-Amz-SignedHeaders")) + q.substr(q.find("&X-Amz-Signature"));
  EXPECT_REFUSED(Send({"GET", "/bkt/secret", no_headers, {}, ""}), 400,
                 "AuthorizationQueryParametersError");
}

// With --anonymous, only a request that carries no authentication is anonymous:
// a signature that is present is verified.
TEST_F(AuthTest, AnonymousServerVerifiesSignaturesThatArePresent) {
  Start("us-east-1", /*anonymous=*/true, /*no_keys=*/true);
  EXPECT_EQ(Send({"GET", "/bkt/secret", "", {}, ""}).body, kSecretBody);  // unsigned: served
  TestRequest bad{"PUT", "/bkt/forged", "", {}, "data"};
  testing::Sign(&bad, port_, kAk, "not-the-secret", Now());
  EXPECT_REFUSED(Send(bad), 403, "InvalidAccessKeyId");
  EXPECT_REFUSED(Send({"PUT", "/bkt/forged", Presign("PUT", "/bkt/forged"), {}, "data"}), 403,
                 "InvalidAccessKeyId");
  EXPECT_EQ(Send({"GET", "/bkt/forged", "", {}, ""}).status, 404);

  // With keys too: a wrong signature, and query authentication without a
  // signature (or spelled in another case), are refused, not served anonymously.
  Start("us-east-1", /*anonymous=*/true);
  EXPECT_EQ(Send({"GET", "/bkt/secret", "", {}, ""}).body, kSecretBody);
  bad = {"PUT", "/bkt/forged", "", {}, "data"};
  testing::Sign(&bad, port_, kAk, "not-the-secret", Now());
  EXPECT_REFUSED(Send(bad), 403, "SignatureDoesNotMatch");
  std::string q = Presign("GET", "/bkt/secret");
  std::string unsigned_q = q.substr(0, q.find("&X-Amz-Signature"));
  EXPECT_REFUSED(Send({"GET", "/bkt/secret", unsigned_q, {}, ""}), 400,
                 "AuthorizationQueryParametersError");
  EXPECT_REFUSED(Send({"GET", "/bkt/secret", "x-amz-signature=00", {}, ""}), 400,
                 "AuthorizationQueryParametersError");
  EXPECT_EQ(Send({"PUT", "/bkt/forged", "", {}, "data"}).status, 200);  // anonymous write
}

TEST_F(AuthTest, HeaderAndQueryAuthTogetherAreRefused) {
  // Header-signed (its query included), with presigned parameters in the query.
  std::string q = Presign("GET", "/bkt/secret");
  RawResponse resp = Send(Signed({"GET", "/bkt/secret", q, {}, ""}));
  EXPECT_REFUSED(resp, 400, "InvalidArgument");
  EXPECT_NE(Message(resp).find("Only one auth mechanism allowed"), std::string::npos);
  EXPECT_REFUSED(Send(Signed({"GET", "/bkt/secret", "X-Amz-Signature=00", {}, ""})), 400,
                 "InvalidArgument");
}

// A presigned URL that names a payload hash (X-Amz-Content-Sha256, as the
// AWS SDK for JavaScript's presigner puts it) binds the body to it.
TEST_F(AuthTest, PresignedPayloadHashIsVerified) {
  int64_t t = Now();
  std::string q =
      HandPresign("PUT", "/bkt/p", t, "60", Scope(t), "host", Sha256Hex("expected body"));
  EXPECT_REFUSED(Send({"PUT", "/bkt/p", q, {}, "another body!"}), 400, "XAmzContentSHA256Mismatch");
  EXPECT_EQ(Get("p").status, 404);
  ASSERT_EQ(Send({"PUT", "/bkt/p", q, {}, "expected body"}).status, 200);
  EXPECT_EQ(Get("p").body, "expected body");
}

// ---- Fuzz entry point --------------------------------------------------------------

// The seed corpus and deterministic mutations of it run through FuzzSigV4
// (which aborts on a broken invariant) without libFuzzer.
TEST(AuthFuzzTest, SeedCorpusAndMutations) {
  std::vector<std::string> seeds = worm::testing::ReadFuzzCorpus("sigv4");
  ASSERT_GE(seeds.size(), 4u);
  static constexpr char kBytes[] = "/;,=&%:\n AaZz09-_.~\x01\x02\x04\x07\xff";
  for (const std::string& s : seeds) {
    (void)FuzzSigV4(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  }
  for (const std::string& s :
       worm::testing::MutateSeeds(seeds, std::string_view(kBytes, sizeof(kBytes) - 1),
                                  ::testing::UnitTest::GetInstance()->random_seed(), 3000)) {
    (void)FuzzSigV4(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  }
}

// The forms corpus and mutations of it through FuzzSigV4Forms, which aborts
// when a respelled request is refused or a tampered one accepted.
TEST(AuthFuzzTest, FormsCorpusAndMutations) {
  std::vector<std::string> seeds = worm::testing::ReadFuzzCorpus("sigv4_forms");
  ASSERT_GE(seeds.size(), 7u);
  static constexpr char kBytes[] = "/;,=&%:\n AaZz09-_.~\x01\x02\x04\x07\x80\xff";
  for (const std::string& s : seeds) {
    (void)FuzzSigV4Forms(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  }
  for (const std::string& s :
       worm::testing::MutateSeeds(seeds, std::string_view(kBytes, sizeof(kBytes) - 1),
                                  ::testing::UnitTest::GetInstance()->random_seed(), 3000)) {
    (void)FuzzSigV4Forms(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  }
}

}  // namespace
}  // namespace worm::server

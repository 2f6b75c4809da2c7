// The S3 access model of `worm serve` through a real server: identities with
// their own keys, bucket owners, bucket policies, ACLs and grants, Block
// Public Access, ownership controls, anonymous callers, and that the
// access records survive a restart.
#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>

#include "server/test_http.h"
#include "testing/test_util.h"

namespace worm::server {
namespace {

using testing::RawHttp;
using testing::RawResponse;
using testing::TestRequest;

constexpr char kAliceAk[] = "AKIDALICE";
constexpr char kAliceSk[] = "alice-secret-key";
constexpr char kBobAk[] = "AKIDBOB";
constexpr char kBobSk[] = "bob-secret-key";

class AccessTest : public ::testing::Test {
 protected:
  void SetUp() override { Start(); }

  void Start(bool anonymous_all = false) {
    server_.reset();
    ServerOptions o = testing::TestServerOptions(dir_.path());
    o.service.auth.secrets[kAliceAk] = kAliceSk;
    o.service.auth.secrets[kBobAk] = kBobSk;
    o.service.auth.identities[kAliceAk] = "alice";
    o.service.auth.identities[kBobAk] = "bob";
    o.service.access.enabled = true;
    o.service.access.anonymous_all = anonymous_all;
    o.service.auth.allow_anonymous = anonymous_all;
    ASSERT_OK_AND_ASSIGN(server_, Server::Start(o));
    port_ = server_->port();
  }

  RawResponse Send(TestRequest r, const std::string& who) {
    if (who == "alice") testing::Sign(&r, port_, kAliceAk, kAliceSk, std::time(nullptr));
    if (who == "bob") testing::Sign(&r, port_, kBobAk, kBobSk, std::time(nullptr));
    if (who == "root") testing::Sign(&r, port_, testing::kAk, testing::kSk, std::time(nullptr));
    RawHttp c(port_);
    EXPECT_TRUE(c.connected());
    Result<RawResponse> resp = c.RoundTrip(testing::Serialize(r, port_), r.method == "HEAD");
    EXPECT_TRUE(resp.ok()) << resp.status().ToString();
    return resp.ok() ? *resp : RawResponse{};
  }
  int Code(TestRequest r, const std::string& who) { return Send(std::move(r), who).status; }

  void MakeBucket(const std::string& name, const std::string& who, s3::HeaderList h = {}) {
    RawResponse r = Send({"PUT", "/" + name, "", h, ""}, who);
    ASSERT_EQ(r.status, 200) << r.body;
  }
  void PutObject(const std::string& path, const std::string& who, s3::HeaderList h = {}) {
    RawResponse r = Send({"PUT", path, "", h, "body of " + path}, who);
    ASSERT_EQ(r.status, 200) << r.body;
  }
  void PutPolicy(const std::string& bucket, const std::string& policy, int want = 204) {
    RawResponse r = Send({"PUT", "/" + bucket, "policy", {}, policy}, "alice");
    ASSERT_EQ(r.status, want) << r.body;
  }

  worm::testing::ScratchDir dir_;
  std::unique_ptr<Server> server_;
  uint16_t port_ = 0;
};

TEST_F(AccessTest, OwnersAreRecordedAndOthersAreDenied) {
  MakeBucket("alices", "alice");
  PutObject("/alices/a.txt", "alice");
  EXPECT_EQ(Code({"GET", "/alices/a.txt", "", {}, ""}, "alice"), 200);
  RawResponse denied = Send({"GET", "/alices/a.txt", "", {}, ""}, "bob");
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(testing::ErrorCode(denied), "AccessDenied");
  EXPECT_EQ(Code({"PUT", "/alices/b.txt", "", {}, "x"}, "bob"), 403);
  EXPECT_EQ(Code({"GET", "/alices", "list-type=2", {}, ""}, "bob"), 403);
  EXPECT_EQ(Code({"DELETE", "/alices/a.txt", "", {}, ""}, "bob"), 403);
  EXPECT_EQ(Code({"GET", "/alices/a.txt", "", {}, ""}, ""), 403);  // anonymous
  // The root identity (--access-key) is the operator: every bucket is its.
  EXPECT_EQ(Code({"GET", "/alices/a.txt", "", {}, ""}, "root"), 200);
  // Someone else's name is taken: BucketAlreadyExists; one's own, 200 in us-east-1.
  RawResponse taken = Send({"PUT", "/alices", "", {}, ""}, "bob");
  EXPECT_EQ(taken.status, 409);
  EXPECT_EQ(testing::ErrorCode(taken), "BucketAlreadyExists");
  // ListBuckets shows a caller its own buckets.
  MakeBucket("bobs", "bob");
  RawResponse list = Send({"GET", "/", "", {}, ""}, "bob");
  EXPECT_NE(list.body.find("<Name>bobs</Name>"), std::string::npos);
  EXPECT_EQ(list.body.find("<Name>alices</Name>"), std::string::npos);
  EXPECT_NE(list.body.find("<ID>bob</ID>"), std::string::npos);
  RawResponse all = Send({"GET", "/", "", {}, ""}, "root");
  EXPECT_NE(all.body.find("<Name>alices</Name>"), std::string::npos);
  EXPECT_NE(all.body.find("<Name>bobs</Name>"), std::string::npos);
}

TEST_F(AccessTest, PolicyGrantsOnePrefixToOneUser) {
  MakeBucket("shared", "alice");
  PutObject("/shared/team/x.txt", "alice");
  PutObject("/shared/private/y.txt", "alice");
  PutPolicy("shared", R"({"Version":"2012-10-17","Statement":[
    {"Sid":"BobTeam","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::000000000000:user/bob"]},
     "Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::shared/team/*"},
    {"Sid":"BobListsTeam","Effect":"Allow","Principal":{"AWS":"bob"},"Action":"s3:ListBucket",
     "Resource":"arn:aws:s3:::shared","Condition":{"StringLike":{"s3:prefix":"team/*"}}}]})");
  EXPECT_EQ(Code({"GET", "/shared/team/x.txt", "", {}, ""}, "bob"), 200);
  EXPECT_EQ(Code({"PUT", "/shared/team/new.txt", "", {}, "x"}, "bob"), 200);
  EXPECT_EQ(Code({"GET", "/shared/private/y.txt", "", {}, ""}, "bob"), 403);
  EXPECT_EQ(Code({"DELETE", "/shared/team/x.txt", "", {}, ""}, "bob"), 403);
  EXPECT_EQ(Code({"GET", "/shared", "list-type=2&prefix=team%2F", {}, ""}, "bob"), 200);
  EXPECT_EQ(Code({"GET", "/shared", "list-type=2&prefix=private%2F", {}, ""}, "bob"), 403);
  EXPECT_EQ(Code({"GET", "/shared", "list-type=2", {}, ""}, "bob"), 403);
  // The policy reads back as put; bob may not read it.
  RawResponse got = Send({"GET", "/shared", "policy", {}, ""}, "alice");
  EXPECT_EQ(got.status, 200);
  EXPECT_NE(got.body.find("BobListsTeam"), std::string::npos);
  EXPECT_EQ(Code({"GET", "/shared", "policy", {}, ""}, "bob"), 403);
  // Copying needs GetObject on the source: bob cannot copy private/ into team/.
  EXPECT_EQ(Code({"PUT", "/shared/team/copy.txt", "", {{"x-amz-copy-source", "/shared/private/y.txt"}}, ""},
                   "bob"),
            403);
  EXPECT_EQ(Code({"PUT", "/shared/team/copy.txt", "", {{"x-amz-copy-source", "/shared/team/x.txt"}}, ""},
                   "bob"),
            200);
  // Batch delete authorizes each key.
  RawResponse batch = Send({"POST", "/shared", "delete", {},
                            "<Delete><Object><Key>team/x.txt</Key></Object>"
                            "<Object><Key>private/y.txt</Key></Object></Delete>"},
                           "bob");
  EXPECT_EQ(batch.status, 200);
  EXPECT_NE(batch.body.find("<Code>AccessDenied</Code>"), std::string::npos);
  // Deleting the policy takes the grant away.
  EXPECT_EQ(Code({"DELETE", "/shared", "policy", {}, ""}, "alice"), 204);
  EXPECT_EQ(Code({"GET", "/shared/team/x.txt", "", {}, ""}, "bob"), 403);
  RawResponse none = Send({"GET", "/shared", "policy", {}, ""}, "alice");
  EXPECT_EQ(testing::ErrorCode(none), "NoSuchBucketPolicy");
}

TEST_F(AccessTest, ExplicitDenyBeatsOwnerButNotForThePolicyItself) {
  MakeBucket("locked", "alice");
  PutObject("/locked/a", "alice");
  PutPolicy("locked", R"({"Statement":{"Effect":"Deny","Principal":"*","Action":"s3:*",
      "Resource":["arn:aws:s3:::locked","arn:aws:s3:::locked/*"]}})");
  RawResponse r = Send({"GET", "/locked/a", "", {}, ""}, "alice");
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("explicitly denied"), std::string::npos);
  EXPECT_EQ(Code({"GET", "/locked/a", "", {}, ""}, "root"), 403);
  // The owner can still read and remove the policy: no lock-out.
  EXPECT_EQ(Code({"GET", "/locked", "policy", {}, ""}, "alice"), 200);
  EXPECT_EQ(Code({"DELETE", "/locked", "policy", {}, ""}, "alice"), 204);
  EXPECT_EQ(Code({"GET", "/locked/a", "", {}, ""}, "alice"), 200);
}

TEST_F(AccessTest, MalformedPolicyIs400WithAMessage) {
  MakeBucket("mpol", "alice");
  RawResponse r = Send({"PUT", "/mpol", "policy", {}, R"({"Statement":[{"Effect":"Allow"}]})"},
                       "alice");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(testing::ErrorCode(r), "MalformedPolicy");
  EXPECT_NE(r.body.find("Principal"), std::string::npos);
}

TEST_F(AccessTest, CannedAclsAndAclRoundTrip) {
  MakeBucket("pub", "alice", {{"x-amz-acl", "public-read"}});
  PutObject("/pub/open.txt", "alice", {{"x-amz-acl", "public-read"}});
  PutObject("/pub/closed.txt", "alice");
  // Anonymous (unsigned) callers list a public-read bucket and read a
  // public-read object, and nothing else.
  EXPECT_EQ(Code({"GET", "/pub", "list-type=2", {}, ""}, ""), 200);
  EXPECT_EQ(Code({"GET", "/pub/open.txt", "", {}, ""}, ""), 200);
  EXPECT_EQ(Code({"GET", "/pub/closed.txt", "", {}, ""}, ""), 403);
  EXPECT_EQ(Code({"PUT", "/pub/new.txt", "", {}, "x"}, ""), 403);
  RawResponse acl = Send({"GET", "/pub/open.txt", "acl", {}, ""}, "alice");
  ASSERT_EQ(acl.status, 200) << acl.body;
  EXPECT_NE(acl.body.find("http://acs.amazonaws.com/groups/global/AllUsers"), std::string::npos);
  EXPECT_NE(acl.body.find("<ID>alice</ID>"), std::string::npos);
  // PutObjectAcl with a body: bob gets READ on closed.txt.
  std::string body =
      R"(<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>alice</ID></Owner><AccessControlList>)"
      R"(<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>alice</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant>)"
      R"(<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>bob</ID></Grantee><Permission>READ</Permission></Grant>)"
      R"(</AccessControlList></AccessControlPolicy>)";
  EXPECT_EQ(Code({"GET", "/pub/closed.txt", "", {}, ""}, "bob"), 403);
  RawResponse put = Send({"PUT", "/pub/closed.txt", "acl", {}, body}, "alice");
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(Code({"GET", "/pub/closed.txt", "", {}, ""}, "bob"), 200);
  RawResponse got = Send({"GET", "/pub/closed.txt", "acl", {}, ""}, "alice");
  EXPECT_NE(got.body.find("<ID>bob</ID>"), std::string::npos);
  // The object's bytes survived the ACL change.
  EXPECT_EQ(Send({"GET", "/pub/closed.txt", "", {}, ""}, "alice").body, "body of /pub/closed.txt");
  // Grant headers on the bucket: bob may write.
  EXPECT_EQ(Code({"PUT", "/pub", "acl", {{"x-amz-grant-write", "id=\"bob\""}}, ""}, "alice"), 200);
  EXPECT_EQ(Code({"PUT", "/pub/from-bob.txt", "", {}, "x"}, "bob"), 200);
  // bob owns what he wrote (ObjectWriter) and may read its ACL.
  RawResponse bobs = Send({"GET", "/pub/from-bob.txt", "acl", {}, ""}, "bob");
  EXPECT_EQ(bobs.status, 200);
  EXPECT_NE(bobs.body.find("<Owner><ID>bob</ID>"), std::string::npos);
  // Bad ACL bodies: MalformedACLError.
  EXPECT_EQ(testing::ErrorCode(Send({"PUT", "/pub", "acl", {}, "<AccessControlPolicy/>"}, "alice")),
            "MalformedACLError");
  EXPECT_EQ(testing::ErrorCode(Send({"PUT", "/pub/x", "", {{"x-amz-acl", "nope"}}, "x"}, "alice")),
            "InvalidArgument");
}

TEST_F(AccessTest, BlockPublicAccess) {
  MakeBucket("bpa", "alice");
  PutObject("/bpa/a", "alice", {{"x-amz-acl", "public-read"}});
  EXPECT_EQ(Code({"GET", "/bpa/a", "", {}, ""}, ""), 200);
  RawResponse none = Send({"GET", "/bpa", "publicAccessBlock", {}, ""}, "alice");
  EXPECT_EQ(testing::ErrorCode(none), "NoSuchPublicAccessBlockConfiguration");
  std::string all_on =
      "<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls>"
      "<IgnorePublicAcls>true</IgnorePublicAcls><BlockPublicPolicy>true</BlockPublicPolicy>"
      "<RestrictPublicBuckets>true</RestrictPublicBuckets></PublicAccessBlockConfiguration>";
  ASSERT_EQ(Code({"PUT", "/bpa", "publicAccessBlock", {}, all_on}, "alice"), 200);
  EXPECT_NE(Send({"GET", "/bpa", "publicAccessBlock", {}, ""}, "alice").body.find(
                "<IgnorePublicAcls>true</IgnorePublicAcls>"),
            std::string::npos);
  EXPECT_EQ(Code({"GET", "/bpa/a", "", {}, ""}, ""), 403);  // IgnorePublicAcls
  EXPECT_EQ(Code({"PUT", "/bpa/b", "", {{"x-amz-acl", "public-read"}}, "x"}, "alice"), 403);
  EXPECT_EQ(Code({"PUT", "/bpa", "acl", {{"x-amz-acl", "public-read"}}, ""}, "alice"), 403);
  PutPolicy("bpa", R"({"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bpa/*"}})",
            403);
  // Without the block the public policy goes in; RestrictPublicBuckets
  // then keeps it from anyone but the owner.
  ASSERT_EQ(Code({"PUT", "/bpa", "publicAccessBlock", {},
                    "<PublicAccessBlockConfiguration><RestrictPublicBuckets>true</RestrictPublicBuckets>"
                    "</PublicAccessBlockConfiguration>"},
                   "alice"),
            200);
  PutPolicy("bpa", R"({"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bpa/*"}})");
  PutObject("/bpa/c", "alice");  // private: only the policy could open it
  EXPECT_EQ(Code({"GET", "/bpa/c", "", {}, ""}, "bob"), 403);
  EXPECT_EQ(Code({"GET", "/bpa/c", "", {}, ""}, "alice"), 200);
  EXPECT_EQ(Code({"DELETE", "/bpa", "publicAccessBlock", {}, ""}, "alice"), 204);
  EXPECT_EQ(Code({"GET", "/bpa/c", "", {}, ""}, "bob"), 200);
  RawResponse status = Send({"GET", "/bpa", "policyStatus", {}, ""}, "alice");
  EXPECT_NE(status.body.find("<IsPublic>true</IsPublic>"), std::string::npos);
}

TEST_F(AccessTest, BucketOwnerEnforcedDisablesAcls) {
  MakeBucket("enf", "alice", {{"x-amz-object-ownership", "BucketOwnerEnforced"}});
  RawResponse r = Send({"PUT", "/enf/a", "", {{"x-amz-acl", "public-read"}}, "x"}, "alice");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(testing::ErrorCode(r), "AccessControlListNotSupported");
  PutObject("/enf/a", "alice", {{"x-amz-acl", "bucket-owner-full-control"}});
  EXPECT_EQ(testing::ErrorCode(Send({"PUT", "/enf", "acl", {{"x-amz-acl", "public-read"}}, ""}, "alice")),
            "AccessControlListNotSupported");
  EXPECT_EQ(testing::ErrorCode(Send({"PUT", "/enf/a", "acl", {{"x-amz-acl", "public-read"}}, ""}, "alice")),
            "AccessControlListNotSupported");
  EXPECT_EQ(Code({"GET", "/enf/a", "acl", {}, ""}, "alice"), 200);  // reading stays
  RawResponse oc = Send({"GET", "/enf", "ownershipControls", {}, ""}, "alice");
  EXPECT_NE(oc.body.find("BucketOwnerEnforced"), std::string::npos);
  // Creating with an ACL and BucketOwnerEnforced is refused outright.
  RawResponse both = Send({"PUT", "/enf2", "",
                           {{"x-amz-acl", "public-read"}, {"x-amz-object-ownership", "BucketOwnerEnforced"}},
                           ""},
                          "alice");
  EXPECT_EQ(testing::ErrorCode(both), "InvalidBucketAclWithObjectOwnership");
  // Ownership controls can be changed back: ACLs work again.
  ASSERT_EQ(Code({"PUT", "/enf", "ownershipControls", {},
                    "<OwnershipControls><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule>"
                    "</OwnershipControls>"},
                   "alice"),
            200);
  PutObject("/enf/b", "alice", {{"x-amz-acl", "public-read"}});
  EXPECT_EQ(Code({"GET", "/enf/b", "", {}, ""}, ""), 200);
}

TEST_F(AccessTest, RecordsSurviveARestart) {
  MakeBucket("keep", "alice");
  PutObject("/keep/a", "alice", {{"x-amz-acl", "public-read"}});
  PutPolicy("keep", R"({"Statement":{"Effect":"Allow","Principal":{"AWS":"bob"},"Action":"s3:ListBucket","Resource":"arn:aws:s3:::keep"}})");
  Start();
  EXPECT_EQ(Code({"GET", "/keep/a", "", {}, ""}, ""), 200);
  EXPECT_EQ(Code({"GET", "/keep", "list-type=2", {}, ""}, "bob"), 200);
  EXPECT_EQ(Code({"GET", "/keep/a", "", {}, ""}, "bob"), 200);  // public-read
  EXPECT_EQ(Code({"PUT", "/keep/b", "", {}, "x"}, "bob"), 403);
  // Overwriting an object replaces its ACL (private again).
  PutObject("/keep/a", "alice");
  EXPECT_EQ(Code({"GET", "/keep/a", "", {}, ""}, ""), 403);
  // The record is in the bucket's reserved folder, never listed.
  EXPECT_TRUE(std::filesystem::exists(dir_.path() / "keep" / ".wormfs" / "access" / "bucket.json"));
  RawResponse list = Send({"GET", "/keep", "list-type=2", {}, ""}, "alice");
  EXPECT_EQ(list.body.find(".wormfs"), std::string::npos);
}

TEST_F(AccessTest, AnonymousShortcutAllowsWhatNoPolicyDenies) {
  Start(/*anonymous_all=*/true);
  MakeBucket("open", "alice");
  EXPECT_EQ(Code({"PUT", "/open/a", "", {}, "x"}, ""), 200);
  EXPECT_EQ(Code({"GET", "/open/a", "", {}, ""}, ""), 200);
  PutPolicy("open", R"({"Statement":{"Effect":"Deny","Principal":"*","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::open/*"}})");
  EXPECT_EQ(Code({"DELETE", "/open/a", "", {}, ""}, ""), 403);
  EXPECT_EQ(Code({"GET", "/open/a", "", {}, ""}, ""), 200);
}

TEST_F(AccessTest, SourceIpConditionSeesTheClient) {
  MakeBucket("ipb", "alice");
  PutObject("/ipb/a", "alice");
  PutPolicy("ipb", R"({"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::ipb/*",
      "Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]})");
  EXPECT_EQ(Code({"GET", "/ipb/a", "", {}, ""}, "bob"), 403);
  PutPolicy("ipb", R"({"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::ipb/*",
      "Condition":{"IpAddress":{"aws:SourceIp":"127.0.0.1/32"}}}]})");
  EXPECT_EQ(Code({"GET", "/ipb/a", "", {}, ""}, "bob"), 200);
}

}  // namespace
}  // namespace worm::server

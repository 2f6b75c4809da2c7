// The bucket policy language (bucket_policy.h): wildcards, principals,
// conditions, explicit deny, NotAction/NotResource/NotPrincipal, public
// policies, and the MalformedPolicy refusals.
#include "server/bucket_policy.h"

#include <gtest/gtest.h>

#include <map>

#include "server/s3_errors.h"

namespace worm::server {
namespace {

class Keys : public ConditionKeys {
 public:
  std::map<std::string, std::vector<std::string>> values;
  bool Get(std::string_view key, std::vector<std::string>* out) const override {
    auto it = values.find(std::string(key));
    if (it == values.end()) return false;
    *out = it->second;
    return true;
  }
};

std::shared_ptr<const CompiledPolicy> Compile(const std::string& text) {
  Result<std::shared_ptr<const CompiledPolicy>> p = CompileBucketPolicy(text, "bkt");
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return p.ok() ? *p : nullptr;
}

std::string Code(const std::string& text) {
  Result<std::shared_ptr<const CompiledPolicy>> p = CompileBucketPolicy(text, "bkt");
  return p.ok() ? "" : ToS3Error(p.status()).code;
}

std::string Message(const std::string& text) {
  Result<std::shared_ptr<const CompiledPolicy>> p = CompileBucketPolicy(text, "bkt");
  return p.ok() ? "" : p.status().message();
}

PolicyEffect Eval(const CompiledPolicy& p, S3Action a, const std::string& resource,
                  const std::string& who, const Keys* keys = nullptr) {
  PolicyRequest r;
  r.action = a;
  r.resource = resource;
  r.principal = who;
  r.keys = keys;
  return p.Evaluate(r).effect;
}

std::string Policy(const std::string& statements) {
  return R"({"Version":"2012-10-17","Statement":[)" + statements + "]}";
}

constexpr char kObj[] = "arn:aws:s3:::bkt/docs/a.txt";

TEST(WildcardTest, StarsAndQuestionMarks) {
  EXPECT_TRUE(WildcardMatch("s3:Get*", "s3:getobject", true));
  EXPECT_FALSE(WildcardMatch("s3:Get*", "s3:getobject", false));
  EXPECT_TRUE(WildcardMatch("arn:aws:s3:::bkt/*", "arn:aws:s3:::bkt/", false));
  EXPECT_TRUE(WildcardMatch("a?c", "abc", false));
  EXPECT_FALSE(WildcardMatch("a?c", "ac", false));
  EXPECT_TRUE(WildcardMatch("*a*b*c*", "xxaxxbxxcxx", false));
  EXPECT_FALSE(WildcardMatch("*a*b*c*d", "xxaxxbxxcxx", false));
  // Many stars against a long text stays linear (no exponential backtracking).
  EXPECT_FALSE(WildcardMatch(std::string(200, '*') + "b", std::string(5000, 'a'), false));
}

TEST(PrincipalTest, ArnConvention) {
  EXPECT_EQ(PrincipalIdentity("alice"), "alice");
  EXPECT_EQ(PrincipalIdentity("arn:aws:iam::000000000000:user/alice"), "alice");
  EXPECT_EQ(PrincipalIdentity("arn:aws:iam::123456789012:user/team/alice"), "alice");
  EXPECT_EQ(PrincipalIdentity("arn:aws:iam::000000000000:root"), "root");
  EXPECT_EQ(PrincipalIdentity("000000000000"), "root");
  EXPECT_EQ(PrincipalIdentity("arn:aws:iam::12:user/alice"), "");
  EXPECT_EQ(PrincipalIdentity("arn:aws:iam::000000000000:role/x"), "");
}

TEST(BucketPolicyTest, AllowsByActionWildcardAndPrefix) {
  auto p = Compile(Policy(R"({"Effect":"Allow","Principal":{"AWS":["alice"]},
      "Action":"s3:Get*","Resource":"arn:aws:s3:::bkt/docs/*"})"));
  ASSERT_TRUE(p);
  EXPECT_EQ(Eval(*p, S3Action::kGetObject, kObj, "alice"), PolicyEffect::kAllow);
  EXPECT_EQ(Eval(*p, S3Action::kGetObjectAcl, kObj, "alice"), PolicyEffect::kAllow);
  EXPECT_EQ(Eval(*p, S3Action::kPutObject, kObj, "alice"), PolicyEffect::kNone);
  EXPECT_EQ(Eval(*p, S3Action::kGetObject, "arn:aws:s3:::bkt/other/a", "alice"),
            PolicyEffect::kNone);
  EXPECT_EQ(Eval(*p, S3Action::kGetObject, kObj, "bob"), PolicyEffect::kNone);
  EXPECT_EQ(Eval(*p, S3Action::kGetObject, kObj, ""), PolicyEffect::kNone);
}

TEST(BucketPolicyTest, StarPrincipalIncludesAnonymous) {
  auto p = Compile(Policy(R"({"Effect":"Allow","Principal":"*","Action":"s3:GetObject",
      "Resource":"arn:aws:s3:::bkt/*"})"));
  ASSERT_TRUE(p);
  EXPECT_EQ(Eval(*p, S3Action::kGetObject, kObj, ""), PolicyEffect::kAllow);
  EXPECT_EQ(Eval(*p, S3Action::kGetObject, kObj, "bob"), PolicyEffect::kAllow);
  EXPECT_TRUE(p->is_public());
}

TEST(BucketPolicyTest, ExplicitDenyWinsWhateverTheOrder) {
  for (bool deny_first : {true, false}) {
    std::string allow = R"({"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"})";
    std::string deny = R"({"Sid":"NoSecrets","Effect":"Deny","Principal":{"AWS":"bob"},
        "Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/docs/*"})";
    auto p = Compile(Policy(deny_first ? deny + "," + allow : allow + "," + deny));
    ASSERT_TRUE(p);
    PolicyRequest r;
    r.action = S3Action::kGetObject;
    r.resource = kObj;
    r.principal = "bob";
    PolicyDecision d = p->Evaluate(r);
    EXPECT_EQ(d.effect, PolicyEffect::kDeny);
    EXPECT_EQ(p->sid(d.statement), "NoSecrets");
    EXPECT_EQ(Eval(*p, S3Action::kGetObject, kObj, "alice"), PolicyEffect::kAllow);
    EXPECT_EQ(Eval(*p, S3Action::kPutObject, kObj, "bob"), PolicyEffect::kAllow);
  }
}

TEST(BucketPolicyTest, NotActionNotResourceNotPrincipal) {
  auto p = Compile(Policy(R"({"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::000000000000:user/alice"},
      "NotAction":["s3:Get*","s3:List*"],"NotResource":"arn:aws:s3:::bkt/public/*"})"));
  ASSERT_TRUE(p);
  // bob writing outside public/: denied; inside public/: not denied.
  EXPECT_EQ(Eval(*p, S3Action::kPutObject, kObj, "bob"), PolicyEffect::kDeny);
  EXPECT_EQ(Eval(*p, S3Action::kPutObject, "arn:aws:s3:::bkt/public/x", "bob"),
            PolicyEffect::kNone);
  EXPECT_EQ(Eval(*p, S3Action::kGetObject, kObj, "bob"), PolicyEffect::kNone);
  EXPECT_EQ(Eval(*p, S3Action::kPutObject, kObj, "alice"), PolicyEffect::kNone);
  EXPECT_EQ(Eval(*p, S3Action::kDeleteObject, kObj, ""), PolicyEffect::kDeny);
}

TEST(BucketPolicyTest, StringAndIpConditions) {
  auto p = Compile(Policy(R"({"Effect":"Allow","Principal":"*","Action":"s3:ListBucket",
      "Resource":"arn:aws:s3:::bkt","Condition":{
        "StringLike":{"s3:prefix":["home/${x}*","docs/*"]},
        "IpAddress":{"aws:SourceIp":["127.0.0.0/8","::1/128"]}}})"));
  ASSERT_TRUE(p);
  Keys k;
  k.values["s3:prefix"] = {"docs/2024/"};
  k.values["aws:sourceip"] = {"127.0.0.1"};
  EXPECT_EQ(Eval(*p, S3Action::kListBucket, "arn:aws:s3:::bkt", "bob", &k), PolicyEffect::kAllow);
  k.values["aws:sourceip"] = {"::1"};
  EXPECT_EQ(Eval(*p, S3Action::kListBucket, "arn:aws:s3:::bkt", "bob", &k), PolicyEffect::kAllow);
  k.values["aws:sourceip"] = {"10.1.2.3"};
  EXPECT_EQ(Eval(*p, S3Action::kListBucket, "arn:aws:s3:::bkt", "bob", &k), PolicyEffect::kNone);
  k.values["aws:sourceip"] = {"127.0.0.1"};
  k.values["s3:prefix"] = {"private/"};
  EXPECT_EQ(Eval(*p, S3Action::kListBucket, "arn:aws:s3:::bkt", "bob", &k), PolicyEffect::kNone);
  k.values.erase("s3:prefix");  // a missing key fails a positive operator
  EXPECT_EQ(Eval(*p, S3Action::kListBucket, "arn:aws:s3:::bkt", "bob", &k), PolicyEffect::kNone);
  EXPECT_FALSE(p->is_public());  // pinned to a network
}

TEST(BucketPolicyTest, NegatedOperatorsAndIfExistsOnMissingKeys) {
  auto deny = Compile(Policy(R"({"Effect":"Deny","Principal":"*","Action":"s3:PutObject",
      "Resource":"arn:aws:s3:::bkt/*","Condition":{"StringNotEquals":{"s3:x-amz-acl":"private"}}})"));
  ASSERT_TRUE(deny);
  Keys k;
  // Missing: a negated operator holds (so the Deny applies), as IAM documents.
  EXPECT_EQ(Eval(*deny, S3Action::kPutObject, kObj, "bob", &k), PolicyEffect::kDeny);
  k.values["s3:x-amz-acl"] = {"private"};
  EXPECT_EQ(Eval(*deny, S3Action::kPutObject, kObj, "bob", &k), PolicyEffect::kNone);
  k.values["s3:x-amz-acl"] = {"public-read"};
  EXPECT_EQ(Eval(*deny, S3Action::kPutObject, kObj, "bob", &k), PolicyEffect::kDeny);

  auto if_exists = Compile(Policy(R"({"Effect":"Allow","Principal":"*","Action":"s3:ListBucket",
      "Resource":"arn:aws:s3:::bkt","Condition":{"NumericLessThanEqualsIfExists":{"s3:max-keys":"100"}}})"));
  ASSERT_TRUE(if_exists);
  Keys none;
  EXPECT_EQ(Eval(*if_exists, S3Action::kListBucket, "arn:aws:s3:::bkt", "", &none),
            PolicyEffect::kAllow);
  none.values["s3:max-keys"] = {"1000"};
  EXPECT_EQ(Eval(*if_exists, S3Action::kListBucket, "arn:aws:s3:::bkt", "", &none),
            PolicyEffect::kNone);
  none.values["s3:max-keys"] = {"10"};
  EXPECT_EQ(Eval(*if_exists, S3Action::kListBucket, "arn:aws:s3:::bkt", "", &none),
            PolicyEffect::kAllow);
}

TEST(BucketPolicyTest, BoolDateNullAndSetOperators) {
  auto p = Compile(Policy(R"({"Sid":"a","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*",
      "Condition":{"Bool":{"aws:SecureTransport":"false"},"DateGreaterThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}},
      {"Sid":"b","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*",
      "Condition":{"Null":{"aws:userid":"false"},"ForAnyValue:StringEquals":{"aws:username":["alice","carol"]}}},
      {"Sid":"c","Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"*",
      "Condition":{"ForAllValues:StringLike":{"s3:x-amz-grant-read":["id=*"]}}})"));
  ASSERT_TRUE(p);
  Keys k;
  k.values["aws:securetransport"] = {"false"};
  k.values["aws:currenttime"] = {"2026-06-01T00:00:00Z"};
  EXPECT_EQ(Eval(*p, S3Action::kGetObject, kObj, "", &k), PolicyEffect::kNone);  // no userid
  k.values["aws:userid"] = {"alice"};
  k.values["aws:username"] = {"alice"};
  EXPECT_EQ(Eval(*p, S3Action::kGetObject, kObj, "alice", &k), PolicyEffect::kAllow);
  k.values["aws:currenttime"] = {"2031-06-01T00:00:00Z"};
  EXPECT_EQ(Eval(*p, S3Action::kGetObject, kObj, "alice", &k), PolicyEffect::kDeny);
  k.values["aws:currenttime"] = {"2026-06-01T00:00:00Z"};
  // ForAllValues holds for an absent key, fails when one value misses.
  EXPECT_EQ(Eval(*p, S3Action::kPutObject, kObj, "bob", &k), PolicyEffect::kAllow);
  k.values["s3:x-amz-grant-read"] = {"id=x", "uri=y"};
  EXPECT_EQ(Eval(*p, S3Action::kPutObject, kObj, "bob", &k), PolicyEffect::kNone);
}

TEST(BucketPolicyTest, HundredStatementsIndexedByAction) {
  std::string st;
  for (int i = 0; i < 99; ++i) {
    st += R"({"Sid":"s)" + std::to_string(i) +
          R"(","Effect":"Allow","Principal":{"AWS":"user)" + std::to_string(i) +
          R"("},"Action":["s3:PutObject","s3:DeleteObject"],"Resource":"arn:aws:s3:::bkt/u)" +
          std::to_string(i) + R"(/*"},)";
  }
  st += R"({"Sid":"read","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*"})";
  auto p = Compile(Policy(st));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->statement_count(), 100u);
  EXPECT_EQ(Eval(*p, S3Action::kGetObject, kObj, ""), PolicyEffect::kAllow);
  EXPECT_EQ(Eval(*p, S3Action::kPutObject, "arn:aws:s3:::bkt/u42/x", "user42"),
            PolicyEffect::kAllow);
  EXPECT_EQ(Eval(*p, S3Action::kPutObject, "arn:aws:s3:::bkt/u42/x", "user41"),
            PolicyEffect::kNone);
}

TEST(BucketPolicyTest, MalformedPoliciesAreRefusedWithAReason) {
  const std::string ok_stmt =
      R"("Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*")";
  struct Case {
    std::string text;
    std::string says;
  } cases[] = {
      {"", "first byte"},
      {"[1]", "first byte"},
      {"{", "invalid JSON"},
      {R"({"Version":"2012-10-17"})", "Statement"},
      {R"({"Version":"2011-01-01","Statement":{)" + ok_stmt + "}}", "version"},
      {R"({"Statement":{)" + ok_stmt + R"(},"Extra":1})", "Unknown field Extra"},
      {Policy(R"({"Principal":"*","Action":"s3:GetObject","Resource":"*"})"), "Effect"},
      {Policy(R"({"Effect":"Maybe","Principal":"*","Action":"s3:GetObject","Resource":"*"})"),
       "Effect"},
      {Policy(R"({"Effect":"Allow","Action":"s3:GetObject","Resource":"*"})"), "Principal"},
      {Policy(R"({"Effect":"Allow","Principal":"*","Resource":"*"})"), "Action"},
      {Policy(R"({"Effect":"Allow","Principal":"*","Action":"s3:GetObject"})"), "Resource"},
      {Policy(R"({"Effect":"Allow","Principal":"*","Action":"ec2:Run*","Resource":"*"})"),
       "invalid action"},
      {Policy(R"({"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::other/*"})"),
       "invalid resource"},
      {Policy(R"({"Effect":"Allow","Principal":{"Service":"x"},"Action":"s3:GetObject","Resource":"*"})"),
       "principal"},
      {Policy(R"({"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::1:user/x"},"Action":"s3:GetObject","Resource":"*"})"),
       "principal"},
      {Policy(R"({"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*","Condition":{"StringSoundsLike":{"s3:prefix":"a"}}})"),
       "Condition type"},
      {Policy(R"({"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"300.1.1.1"}}})"),
       "IP address"},
      {Policy(R"({"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"soon"}}})"),
       "date"},
      {Policy(R"({"Sid":"x",)" + ok_stmt + R"(},{"Sid":"x",)" + ok_stmt + "}"), "unique"},
      {Policy(R"({"Effect":"Allow","Principal":"*","NotPrincipal":"*","Action":"s3:GetObject","Resource":"*"})"),
       "not both"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Code(c.text), "MalformedPolicy") << c.text;
    EXPECT_NE(Message(c.text).find(c.says), std::string::npos) << c.text << " → " << Message(c.text);
  }
  // Over 20 KB, as AWS caps it.
  std::string big = Policy(R"({"Sid":")" + std::string(21 * 1024, 'x') + R"(",)" + ok_stmt + "}");
  EXPECT_EQ(Code(big), "MalformedPolicy");
  EXPECT_NE(Message(big).find("20 KB"), std::string::npos);
}

TEST(BucketPolicyTest, PublicDetection) {
  EXPECT_FALSE(Compile(Policy(R"({"Effect":"Allow","Principal":{"AWS":"alice"},"Action":"s3:*","Resource":"*"})"))
                   ->is_public());
  EXPECT_TRUE(Compile(Policy(R"({"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject","Resource":"*"})"))
                  ->is_public());
  EXPECT_FALSE(Compile(Policy(R"({"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"})"))
                   ->is_public());
  EXPECT_FALSE(Compile(Policy(R"({"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*",
      "Condition":{"StringEquals":{"aws:username":"alice"}}})"))
                   ->is_public());
}

TEST(BucketPolicyTest, FuzzEntryRunsOnValidAndInvalidInput) {
  std::string valid = Policy(R"({"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"})");
  EXPECT_TRUE(FuzzBucketPolicy(reinterpret_cast<const uint8_t*>(valid.data()), valid.size()).ok());
  std::string bad = "{\"Statement\":7}";
  Status st = FuzzBucketPolicy(reinterpret_cast<const uint8_t*>(bad.data()), bad.size());
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace worm::server

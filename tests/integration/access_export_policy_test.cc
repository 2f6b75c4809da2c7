// The bucket policy `worm access export` writes, compiled and evaluated by
// worm serve's own bucket-policy evaluator (src/server/bucket_policy.h): the
// identities of `worm init`'s example get exactly the path-level access the
// schema gives them.
#include <gtest/gtest.h>

#include "cli/example_schema.h"
#include "schema/schema.h"
#include "security/aws_export.h"
#include "server/bucket_policy.h"
#include "testing/test_util.h"

namespace worm {
namespace {

using server::PolicyEffect;
using server::S3Action;

class Keys : public server::ConditionKeys {
 public:
  std::map<std::string, std::vector<std::string>> values;
  bool Get(std::string_view key, std::vector<std::string>* out) const override {
    auto it = values.find(std::string(key));
    if (it == values.end()) return false;
    out->insert(out->end(), it->second.begin(), it->second.end());
    return true;
  }
};

PolicyEffect Eval(const server::CompiledPolicy& p, S3Action a, const std::string& key,
                  const std::string& who, const Keys* keys = nullptr) {
  std::string resource = "arn:aws:s3:::demo-bucket" + (key.empty() ? "" : "/" + key);
  server::PolicyRequest r;
  r.action = a;
  r.resource = resource;
  r.principal = who;
  r.keys = keys;
  return p.Evaluate(r).effect;
}

TEST(AccessExportPolicyTest, ServeEnforcesTheExportedExample) {
  // The example with one more rule: viewers list customers only.
  Json doc = Json::parse(cli::kExampleSchema);
  doc["access"]["roles"]["clerk"] = Json::object();
  doc["access"]["models"]["Customer"]["rules"] =
      Json::parse(R"([{"roles": ["clerk"], "actions": ["list", "create"]}])");
  doc["access"]["paths"] = Json::parse(
      R"([{"path": "#org/@settings", "effect": "deny", "roles": ["clerk"], "actions": ["read"]}])");
  std::string text = doc.dump(2);
  ASSERT_OK_AND_ASSIGN(schema::Schema s, schema::LoadSchema(doc));
  ASSERT_OK_AND_ASSIGN(auto policy, CompileAccessPolicy(s, text));
  security::AwsExportOptions opt;
  opt.bucket = "demo-bucket";
  ASSERT_OK_AND_ASSIGN(opt.principals,
                       security::AwsPrincipalsFrom(Json::parse(cli::kExampleIdentities)));
  opt.principals["cleo"] = {"arn:aws:iam::111122223333:user/cleo"};
  opt.identity_roles = {{"ada", {"admin"}}, {"vic", {"viewer"}}, {"cleo", {"clerk"}}};
  ASSERT_OK_AND_ASSIGN(security::AwsExport e, security::ExportAwsPolicy(s, *policy, opt));

  auto compiled = server::CompileBucketPolicy(e.policy.dump(), "demo-bucket");
  ASSERT_TRUE(compiled.ok()) << compiled.status().ToString() << "\n" << e.policy.dump(2);
  const server::CompiledPolicy& p = **compiled;
  const std::string customer = "org/customers/0b0e7c1a-2c8e-4f6e-9a51-3f1f6d4c2b10/profile.json";
  const std::string invoice = "org/invoices/0b0e7c1a-2c8e-4f6e-9a51-3f1f6d4c2b10/data.json";
  // admin: everything.
  for (S3Action a : {S3Action::kGetObject, S3Action::kPutObject, S3Action::kDeleteObject}) {
    EXPECT_EQ(Eval(p, a, customer, "ada"), PolicyEffect::kAllow);
  }
  EXPECT_EQ(Eval(p, S3Action::kListBucket, "", "ada"), PolicyEffect::kAllow);
  // viewer: reads and lists everywhere, writes nothing (the owner rule is
  // row-level: not exported, which only narrows).
  EXPECT_EQ(Eval(p, S3Action::kGetObject, invoice, "vic"), PolicyEffect::kAllow);
  EXPECT_EQ(Eval(p, S3Action::kListBucket, "", "vic"), PolicyEffect::kAllow);
  EXPECT_EQ(Eval(p, S3Action::kPutObject, invoice, "vic"), PolicyEffect::kNone);
  EXPECT_EQ(Eval(p, S3Action::kDeleteObject, customer, "vic"), PolicyEffect::kNone);
  // clerk: lists customers (prefix condition), creates them, and is denied
  // the settings.
  Keys in, out;
  in.values["s3:prefix"] = {"org/customers/"};
  out.values["s3:prefix"] = {"org/invoices/"};
  EXPECT_EQ(Eval(p, S3Action::kListBucket, "", "cleo", &in), PolicyEffect::kAllow);
  EXPECT_EQ(Eval(p, S3Action::kListBucket, "", "cleo", &out), PolicyEffect::kNone);
  EXPECT_EQ(Eval(p, S3Action::kPutObject, customer, "cleo"), PolicyEffect::kAllow);
  EXPECT_EQ(Eval(p, S3Action::kPutObject, invoice, "cleo"), PolicyEffect::kNone);
  EXPECT_EQ(Eval(p, S3Action::kGetObject, "org/settings/config.json", "cleo"), PolicyEffect::kDeny);
  // Nobody else.
  EXPECT_EQ(Eval(p, S3Action::kGetObject, customer, ""), PolicyEffect::kNone);
  EXPECT_EQ(Eval(p, S3Action::kGetObject, customer, "mallory"), PolicyEffect::kNone);
  EXPECT_FALSE(p.is_public());
}

}  // namespace
}  // namespace worm

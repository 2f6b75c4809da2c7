// The AWS bucket policy export: structure, mapping, and the notes on what S3
// cannot enforce.
#include "security/aws_export.h"

#include <gtest/gtest.h>

#include "security/access_test_util.h"

namespace worm::security {
namespace {

const Json* StatementBySid(const Json& policy, const std::string& sid) {
  for (const Json& s : policy["Statement"]) {
    if (s["Sid"] == sid) return &s;
  }
  return nullptr;
}

bool HasNote(const AwsExport& e, const std::string& part) {
  for (const auto& n : e.notes) {
    if (n.find(part) != std::string::npos) return true;
  }
  return false;
}

constexpr const char* kAccess = R"j({
  "roles": {"admin": {}, "viewer": {}, "editor": {"inherits": ["viewer"]}},
  "bucket": {"rules": [{"roles": ["admin"], "actions": "*"}]},
  "models": {
    "Customer": {"rules": [{"roles": ["viewer"], "actions": ["read", "list"]}],
                 "fields": {"viewer": {"hidden": ["email"]}}},
    "Invoice": {"rules": [
      {"roles": ["editor"], "actions": ["create", "update"]},
      {"roles": ["viewer"], "actions": ["read"], "where": {"ownerId": "$principal.id"}},
      {"effect": "deny", "principals": ["mallory"], "actions": ["delete"]}]}},
  "paths": [{"path": "#org/@departments/*/@teams/*", "roles": ["*"], "actions": ["read"]}]
})j";

TEST(AwsExportTest, PolicyStructureAndMapping) {
  ASSERT_OK_AND_ASSIGN(auto c, testing::CompileText(kAccess));
  AwsExportOptions opt;
  opt.bucket = "my-bucket";
  opt.principals["admin"] = {"arn:aws:iam::111122223333:role/admin"};
  opt.principals["carol"] = {"arn:aws:iam::111122223333:user/carol"};
  opt.principals["mallory"] = {"arn:aws:iam::111122223333:user/mallory"};
  opt.identity_roles["carol"] = {"editor"};
  ASSERT_OK_AND_ASSIGN(AwsExport e, ExportAwsPolicy(c.schema, *c.policy, opt));
  const Json& p = e.policy;
  EXPECT_EQ(p["Version"], "2012-10-17");
  ASSERT_TRUE(p["Statement"].is_array());
  std::set<std::string> sids;
  for (const Json& s : p["Statement"]) {
    ASSERT_TRUE(s["Sid"].is_string());
    EXPECT_TRUE(sids.insert(s["Sid"].get<std::string>()).second) << "duplicate Sid";
    for (const char* k : {"Effect", "Principal", "Action", "Resource"}) {
      EXPECT_TRUE(s.contains(k)) << s.dump();
    }
    EXPECT_TRUE(s["Effect"] == "Allow" || s["Effect"] == "Deny");
  }
  // Bucket rule: everything in the bucket.
  const Json* admin = StatementBySid(p, "AccessBucketRules0Objects");
  ASSERT_NE(admin, nullptr);
  EXPECT_EQ((*admin)["Resource"], "arn:aws:s3:::my-bucket/*");
  EXPECT_EQ((*admin)["Principal"]["AWS"], "arn:aws:iam::111122223333:role/admin");
  EXPECT_EQ((*admin)["Action"],
            Json::parse(R"(["s3:GetObject", "s3:PutObject", "s3:DeleteObject"])"));
  ASSERT_NE(StatementBySid(p, "AccessBucketRules0List"), nullptr);
  EXPECT_FALSE(StatementBySid(p, "AccessBucketRules0List")->contains("Condition"));
  // Model rule for viewer: carol holds editor, which inherits viewer.
  const Json* viewer = StatementBySid(p, "AccessModelsCustomerRules0Objects");
  ASSERT_NE(viewer, nullptr);
  EXPECT_EQ((*viewer)["Principal"]["AWS"], "arn:aws:iam::111122223333:user/carol");
  EXPECT_EQ((*viewer)["Resource"][0], "arn:aws:s3:::my-bucket/org/customers/*/profile.json");
  const Json* list = StatementBySid(p, "AccessModelsCustomerRules0List");
  ASSERT_NE(list, nullptr);
  EXPECT_EQ((*list)["Action"], "s3:ListBucket");
  EXPECT_EQ((*list)["Resource"], "arn:aws:s3:::my-bucket");
  EXPECT_EQ((*list)["Condition"]["StringLike"]["s3:prefix"][0], "org/customers/*");
  // Deny by principal id.
  const Json* deny = StatementBySid(p, "AccessModelsInvoiceRules2Objects");
  ASSERT_NE(deny, nullptr);
  EXPECT_EQ((*deny)["Effect"], "Deny");
  EXPECT_EQ((*deny)["Action"], Json::parse(R"(["s3:DeleteObject"])"));
  // Path rule for everyone.
  const Json* path = StatementBySid(p, "AccessPaths0Objects");
  ASSERT_NE(path, nullptr);
  EXPECT_EQ((*path)["Principal"], "*");
  EXPECT_EQ((*path)["Resource"], "arn:aws:s3:::my-bucket/org/departments/*/teams/*");
  // Row-level rule left out, and said so; field masks reported.
  EXPECT_EQ(StatementBySid(p, "AccessModelsInvoiceRules1Objects"), nullptr);
  EXPECT_TRUE(HasNote(e, "/access/models/Invoice/rules/1"));
  EXPECT_TRUE(HasNote(e, "hidden fields (email)"));
  EXPECT_TRUE(HasNote(e, "broader"));
  // viewer itself has no mapping of its own: only via carol, so no note for it;
  // editor (create/update) maps to carol too.
  const Json* editor = StatementBySid(p, "AccessModelsInvoiceRules0Objects");
  ASSERT_NE(editor, nullptr);
  EXPECT_EQ((*editor)["Action"], Json::parse(R"(["s3:PutObject"])"));
}

TEST(AwsExportTest, UnmappedRolesAreReportedAndRefusals) {
  ASSERT_OK_AND_ASSIGN(auto c, testing::CompileText(kAccess));
  AwsExportOptions opt;
  opt.bucket = "b1-ok";
  ASSERT_OK_AND_ASSIGN(AwsExport e, ExportAwsPolicy(c.schema, *c.policy, opt));
  EXPECT_TRUE(HasNote(e, "role admin has no AWS principal"));
  EXPECT_EQ(StatementBySid(e.policy, "AccessBucketRules0Objects"), nullptr);
  ASSERT_NE(StatementBySid(e.policy, "AccessPaths0Objects"), nullptr);  // "*" needs no map
  opt.bucket = "Bad_Bucket";
  EXPECT_EQ(ExportAwsPolicy(c.schema, *c.policy, opt).status().code(),
            StatusCode::kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(auto open, testing::CompileText(""));
  opt.bucket = "bucket";
  EXPECT_EQ(ExportAwsPolicy(open.schema, *open.policy, opt).status().code(),
            StatusCode::kFailedPrecondition);
}

TEST(AwsExportTest, PrincipalsMappingFromIdentitiesFile) {
  ASSERT_OK_AND_ASSIGN(
      auto m, AwsPrincipalsFrom(
                  Json::parse(R"({"awsPrincipals": {"a": "arn:1", "b": ["arn:2", "arn:3"]}})")));
  EXPECT_EQ(m["a"], (std::vector<std::string>{"arn:1"}));
  EXPECT_EQ(m["b"].size(), 2u);
  EXPECT_FALSE(AwsPrincipalsFrom(Json::parse(R"({"awsPrincipals": {"a": 1}})")).ok());
  EXPECT_TRUE(AwsPrincipalsFrom(Json::parse("{}"))->empty());
}

}  // namespace
}  // namespace worm::security

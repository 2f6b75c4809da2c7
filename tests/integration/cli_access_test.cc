// worm identity, worm access explain|export and the access part of worm lint,
// driven through the built binary in a `worm init` project (its example
// access section: admin and viewer, an owner rule on Invoice, Customer.email
// hidden from viewers; identities ada (admin) and vic (viewer)).
#include <map>

#include "core/json_util.h"
#include "core/strings.h"
#include "testing/subprocess.h"
#include "testing/test_util.h"

namespace worm {
namespace {

using ::testing::HasSubstr;
using testing::RunWorm;
using testing::ScratchDir;

Json Only(const testing::ProcessResult& r) {
  auto j = ParseJson(r.out, "stdout");
  EXPECT_TRUE(j.ok()) << j.status().ToString() << "\nstdout:\n" << r.out << "\nstderr:\n" << r.err;
  return j.ok() ? *j : Json();
}

class CliAccessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = RunWorm({"init"}, dir_.path());
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  testing::ProcessResult Worm(const std::vector<std::string>& args) {
    return RunWorm(args, dir_.path());
  }
  ScratchDir dir_;
};

TEST_F(CliAccessTest, InitWritesTwoIdentitiesAndTheExampleLintsClean) {
  auto l = Worm({"identity", "list", "--json"});
  ASSERT_EQ(l.exit_code, 0) << l.err;
  Json list = Only(l);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]["id"], "ada");
  EXPECT_EQ(list[0]["roles"], Json::array({"admin"}));
  EXPECT_EQ(list[1]["id"], "vic");
  auto lint = Worm({"lint", "--json"});
  EXPECT_EQ(lint.exit_code, 0) << lint.out;
  Json diags = Only(lint)["diagnostics"];
  for (const Json& d : diags) {
    // (the example's one warning, an unused declared path, predates access)
    EXPECT_NE(d["path"].get<std::string>().rfind("/access", 0), 0u) << d.dump();
  }
  EXPECT_EQ(Only(lint)["errors"], 0);
}

TEST_F(CliAccessTest, IdentityCommands) {
  auto add =
      Worm({"identity", "add", "bob", "--role", "viewer", "--access-key", "AKBOB", "--json"});
  ASSERT_EQ(add.exit_code, 0) << add.err;
  EXPECT_EQ(Only(add)["accessKeys"], Json::array({"AKBOB"}));
  EXPECT_EQ(Worm({"identity", "add", "bob", "--role", "viewer"}).exit_code, 4);
  auto unknown = Worm({"identity", "add", "carol", "--role", "superuser"});
  EXPECT_EQ(unknown.exit_code, 5);
  EXPECT_THAT(unknown.err, HasSubstr("known: admin, viewer"));
  EXPECT_EQ(Worm({"identity", "add", "../x"}).exit_code, 5);
  ASSERT_EQ(Worm({"identity", "set-roles", "bob", "--role", "admin", "--role", "viewer"}).exit_code,
            0);
  Json list = Only(Worm({"identity", "list", "--json"}));
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[1]["roles"], Json::parse(R"(["admin", "viewer"])"));
  EXPECT_EQ(Worm({"identity", "set-roles", "nobody", "--role", "admin"}).exit_code, 3);
  ASSERT_EQ(Worm({"identity", "remove", "bob"}).exit_code, 0);
  EXPECT_EQ(Worm({"identity", "remove", "bob"}).exit_code, 3);
  EXPECT_EQ(Only(Worm({"identity", "list", "--json"})).size(), 2u);
  // The mapping for the export survives the rewrites.
  EXPECT_THAT(testing::ReadFileOrDie(dir_.path() / ".worm/identities.json"),
              HasSubstr("awsPrincipals"));
}

TEST_F(CliAccessTest, ExplainNamesTheRuleWithLineAndColumn) {
  std::string schema = testing::ReadFileOrDie(dir_.path() / ".worm/schema.json");
  auto a = Worm({"access", "explain", "--as", "ada", "delete", "Customer", "--json"});
  ASSERT_EQ(a.exit_code, 0) << a.out << a.err;
  Json j = Only(a);
  EXPECT_EQ(j["allowed"], true);
  EXPECT_EQ(j["rule"], "/access/bucket/rules/0");
  // The rule's position in the file.
  size_t at = schema.find("{ \"roles\": [\"admin\"], \"actions\": \"*\" }");
  ASSERT_NE(at, std::string::npos);
  TextPosition pos = PositionOfOffset(schema, at);
  EXPECT_EQ(j["line"], pos.line);
  EXPECT_EQ(j["column"], pos.column);

  auto v = Worm({"access", "explain", "--as", "vic", "read", "Customer", "--json"});
  ASSERT_EQ(v.exit_code, 0) << v.out << v.err;
  j = Only(v);
  EXPECT_EQ(j["rule"], "/access/bucket/rules/1");
  EXPECT_EQ(j["fields"]["hidden"], Json::array({"email"}));

  auto d = Worm({"access", "explain", "--as", "vic", "delete", "Invoice"});
  EXPECT_EQ(d.exit_code, 6);
  EXPECT_THAT(d.out, HasSubstr("denied: delete Invoice for vic"));
  EXPECT_THAT(d.out, HasSubstr("default deny"));
  auto anon = Worm({"access", "explain", "--anonymous", "read", "Customer", "--json"});
  EXPECT_EQ(anon.exit_code, 6);
  EXPECT_EQ(Only(anon)["effect"], "deny");
  EXPECT_EQ(Worm({"access", "explain", "read", "Customer"}).exit_code, 5);  // who?
  EXPECT_EQ(Worm({"access", "explain", "--as", "vic", "fly", "Customer"}).exit_code, 5);
  EXPECT_EQ(Worm({"access", "explain", "--as", "zed", "read", "Customer"}).exit_code, 3);
}

// --token T and $WORM_TOKEN: the decision for the token's principal, its
// scopes included (an attenuated token narrows what the identity may do).
TEST_F(CliAccessTest, ExplainWithATokenDecidesForItsPrincipal) {
  testing::ProcessOptions o;
  o.cwd = dir_.path();
  o.env = {{"WORM_KEYCHAIN", "file:" + (dir_.path() / "kc").string()},
           {"WORM_KEYCHAIN_PASSPHRASE", "explain passphrase"},
           {"WORM_KEYCHAIN_KDF", "interactive"},
           {"WORM_PROJECT", ""},
           {"WORM_TOKEN", ""}};
  auto worm = [&](std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
    args.insert(args.begin(), testing::WormBinary().string());
    testing::ProcessOptions with = o;
    for (auto& [k, v] : env) with.env[k] = v;
    return testing::RunProcess(args, with);
  };
  ASSERT_EQ(worm({"keys", "create"}).exit_code, 0);
  auto t = worm({"token", "create", "--as", "vic", "--ttl", "1h"});
  ASSERT_EQ(t.exit_code, 0) << t.out << t.err;
  const std::string vic = std::string(Trim(t.out));
  auto n = worm({"token", "attenuate", vic, "--models", "Invoice"});
  ASSERT_EQ(n.exit_code, 0) << n.out << n.err;
  const std::string invoices_only = std::string(Trim(n.out));

  auto r = worm({"access", "explain", "--token", vic, "read", "Customer", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  Json j = Only(r);
  EXPECT_EQ(j["allowed"], true);
  EXPECT_EQ(j["principal"]["id"], "vic");
  EXPECT_EQ(j["rule"], "/access/bucket/rules/1");

  // The narrowed token may not read customers, whatever vic may.
  auto narrowed =
      worm({"access", "explain", "read", "Customer", "--json"}, {{"WORM_TOKEN", invoices_only}});
  EXPECT_EQ(narrowed.exit_code, 6) << narrowed.out << narrowed.err;
  j = Only(narrowed);
  EXPECT_EQ(j["effect"], "deny");
  EXPECT_EQ(j["principal"]["id"], "vic");
  EXPECT_THAT(j["reason"].get<std::string>(), HasSubstr("token scope"));

  // A bad token is refused (exit 6) without echoing it; a token and --as is a usage error.
  std::string forged = vic;
  forged[forged.size() - 3] = forged[forged.size() - 3] == 'A' ? 'B' : 'A';
  auto bad = worm({"access", "explain", "--token", forged, "read", "Customer"});
  EXPECT_EQ(bad.exit_code, 6);
  EXPECT_EQ(bad.err.find(forged), std::string::npos);
  EXPECT_EQ(
      worm({"access", "explain", "--token", vic, "--as", "ada", "read", "Customer"}).exit_code, 5);
}

TEST_F(CliAccessTest, ExplainReadsTheDocumentForARowLevelRule) {
  auto c = Worm({"create", "Customer", "--data", R"({"name": "Ada", "email": "a@x"})", "--json"});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  std::string cid = Only(c)["id"];
  auto mine = Worm({"create", "Invoice", "--data",
                    Json{{"customerId", cid}, {"amount", 3}, {"ownerId", "vic"}}.dump(), "--json"});
  ASSERT_EQ(mine.exit_code, 0) << mine.err;
  auto theirs =
      Worm({"create", "Invoice", "--data",
            Json{{"customerId", cid}, {"amount", 4}, {"ownerId", "ada"}}.dump(), "--json"});
  ASSERT_EQ(theirs.exit_code, 0) << theirs.err;
  std::string mine_id = Only(mine)["id"], theirs_id = Only(theirs)["id"];

  auto ok = Worm({"access", "explain", "--as", "vic", "update", "Invoice", mine_id, "--json"});
  ASSERT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  Json j = Only(ok);
  EXPECT_EQ(j["rule"], "/access/models/Invoice/rules/0");
  EXPECT_EQ(j["documentRead"], true);
  EXPECT_THAT(j["reason"].get<std::string>(), HasSubstr("owners edit their invoices"));
  auto no = Worm({"access", "explain", "--as", "vic", "update", "Invoice", theirs_id});
  EXPECT_EQ(no.exit_code, 6);
  EXPECT_THAT(no.out, HasSubstr("the entity was read"));
  // An object key names the entity too.
  auto key = Worm({"access", "explain", "--as", "vic", "update",
                   "org/invoices/" + mine_id + "/data.json", "--json"});
  EXPECT_EQ(key.exit_code, 0) << key.out << key.err;
  EXPECT_EQ(Only(key)["resource"]["model"], "Invoice");
  // A missing entity: undecided, and --data gives the document.
  auto gone = Worm({"access", "explain", "--as", "vic", "update", "Invoice",
                    "00000000-0000-4000-8000-000000000000", "--json"});
  EXPECT_EQ(gone.exit_code, 6);
  EXPECT_EQ(Only(gone)["effect"], "needs-document");
  auto data = Worm({"access", "explain", "--as", "vic", "update", "Invoice",
                    "00000000-0000-4000-8000-000000000000", "--data", R"({"ownerId": "vic"})"});
  EXPECT_EQ(data.exit_code, 0) << data.out;
}

TEST_F(CliAccessTest, LintReportsAccessProblemsWithPositions) {
  std::string schema = testing::ReadFileOrDie(dir_.path() / ".worm/schema.json");
  size_t at = schema.find("\"actions\": [\"update\"]");
  ASSERT_NE(at, std::string::npos);
  schema.replace(at, std::string("\"actions\": [\"update\"]").size(), "\"actions\": [\"updat\"]");
  testing::WriteFileOrDie(dir_.path() / ".worm/schema.json", schema);
  auto r = Worm({"lint", "--json"});
  EXPECT_EQ(r.exit_code, 5);
  Json j = Only(r);
  EXPECT_EQ(j["errors"], 1) << j.dump(2);
  Json d;
  for (const Json& x : j["diagnostics"]) {
    if (x["severity"] == "error") d = x;
  }
  EXPECT_EQ(d["code"], "unknown-action");
  EXPECT_EQ(d["path"], "/access/models/Invoice/rules/0/actions/0");
  TextPosition pos = PositionOfOffset(schema, schema.find("\"updat\""));
  EXPECT_EQ(d["line"], pos.line);
  EXPECT_EQ(d["column"], pos.column);
  auto human = Worm({"lint"});
  EXPECT_THAT(human.out, HasSubstr("[unknown-action]"));
  // Commands that need the policy refuse it, pointing at lint.
  auto e = Worm({"access", "explain", "--as", "vic", "read", "Customer"});
  EXPECT_EQ(e.exit_code, 5);
  EXPECT_THAT(e.err, HasSubstr("worm lint"));
}

TEST_F(CliAccessTest, ExportWritesABucketPolicyAndSaysWhatS3CannotEnforce) {
  auto r = Worm({"access", "export", "--format", "aws-policy", "--bucket", "my-bucket"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Json p = Only(r);
  EXPECT_EQ(p["Version"], "2012-10-17");
  ASSERT_TRUE(p["Statement"].is_array());
  ASSERT_GE(p["Statement"].size(), 4u);
  bool admin_objects = false, viewer_list = false;
  for (const Json& s : p["Statement"]) {
    for (const char* k : {"Sid", "Effect", "Principal", "Action", "Resource"}) {
      ASSERT_TRUE(s.contains(k)) << s.dump();
    }
    if (s["Sid"] == "AccessBucketRules0Objects") {
      admin_objects = true;
      EXPECT_EQ(s["Principal"]["AWS"], "arn:aws:iam::111122223333:user/ada");
      EXPECT_EQ(s["Resource"], "arn:aws:s3:::my-bucket/*");
    }
    if (s["Sid"] == "AccessBucketRules1List") {
      viewer_list = true;
      EXPECT_EQ(s["Principal"]["AWS"], "arn:aws:iam::111122223333:user/vic");
      EXPECT_EQ(s["Action"], "s3:ListBucket");
    }
  }
  EXPECT_TRUE(admin_objects);
  EXPECT_TRUE(viewer_list);
  EXPECT_THAT(r.err, HasSubstr("hidden fields (email)"));
  EXPECT_THAT(r.err, HasSubstr("/access/models/Invoice/rules/0"));
  // --map wins; --prefix; --output.
  auto m = Worm({"access", "export", "--bucket", "b-1", "--prefix", "app", "--map",
                 "viewer=arn:aws:iam::1:role/v", "--output", "policy.json"});
  ASSERT_EQ(m.exit_code, 0) << m.err;
  Json q = Json::parse(testing::ReadFileOrDie(dir_.path() / "policy.json"));
  EXPECT_THAT(q.dump(), HasSubstr("arn:aws:s3:::b-1/app/*"));
  EXPECT_THAT(q.dump(), HasSubstr("arn:aws:iam::1:role/v"));
  // The bucket of the remote, when none is given.
  EXPECT_EQ(Worm({"access", "export"}).exit_code, 5);
  ASSERT_EQ(Worm({"remote", "add", "origin", "s3://team-bucket/proj"}).exit_code, 0);
  auto rem = Worm({"access", "export"});
  ASSERT_EQ(rem.exit_code, 0) << rem.err;
  EXPECT_THAT(rem.out, HasSubstr("arn:aws:s3:::team-bucket/proj/*"));
  EXPECT_EQ(Worm({"access", "export", "--format", "gcp"}).exit_code, 5);
}

}  // namespace
}  // namespace worm

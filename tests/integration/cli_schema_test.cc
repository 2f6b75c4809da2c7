// The worm CLI's schema commands, driven as a user drives them: the built
// binary in a scratch project folder.
#include "core/json_util.h"
#include "testing/subprocess.h"
#include "testing/test_util.h"

namespace worm {
namespace {

using ::testing::HasSubstr;
using testing::RunWorm;
using testing::ScratchDir;

// --json must print exactly one JSON document on stdout.
Json ParseOnlyDocument(const std::string& out) {
  auto r = ParseJson(out, "stdout");
  EXPECT_TRUE(r.ok()) << r.status().ToString() << "\nstdout was:\n" << out;
  return r.ok() ? *r : Json();
}

class CliSchemaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = RunWorm({"init"}, dir_.path());
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  ScratchDir dir_;
};

TEST(CliTest, VersionAndHelp) {
  ScratchDir dir;
  auto v = RunWorm({"version", "--json"}, dir.path());
  ASSERT_EQ(v.exit_code, 0) << v.err;
  EXPECT_TRUE(ParseOnlyDocument(v.out).contains("version"));
  auto h = RunWorm({"--help"}, dir.path());
  EXPECT_EQ(h.exit_code, 0);
  for (const char* cmd : {"init", "lint", "paths", "resolve", "version"}) {
    EXPECT_THAT(h.out, HasSubstr(cmd));
  }
  auto bad = RunWorm({"no-such-command"}, dir.path());
  EXPECT_EQ(bad.exit_code, 2);
}

TEST(CliTest, OutsideAProjectSaysHowToFixIt) {
  ScratchDir dir;
  auto r = RunWorm({"paths"}, dir.path());
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("worm init"));
  auto j = RunWorm({"paths", "--json"}, dir.path());
  EXPECT_EQ(j.exit_code, 3);
  EXPECT_EQ(ParseOnlyDocument(j.out)["error"]["code"], "NotFound");
}

TEST_F(CliSchemaTest, InitScaffoldsAndNeverOverwritesWithoutForce) {
  EXPECT_TRUE(std::filesystem::exists(dir_.path() / ".worm/schema.json"));
  EXPECT_TRUE(std::filesystem::exists(dir_.path() / ".worm/config.json"));
  EXPECT_TRUE(std::filesystem::is_directory(dir_.path() / ".worm/data"));
  EXPECT_THAT(testing::ReadFileOrDie(dir_.path() / ".worm/.gitignore"), HasSubstr("data/"));

  testing::WriteFileOrDie(dir_.path() / ".worm/schema.json", "{\"mine\": true}");
  auto again = RunWorm({"init"}, dir_.path());
  EXPECT_EQ(again.exit_code, 4);
  EXPECT_THAT(again.err, HasSubstr("--force"));
  EXPECT_EQ(testing::ReadFileOrDie(dir_.path() / ".worm/schema.json"), "{\"mine\": true}");
  auto forced = RunWorm({"init", "--force"}, dir_.path());
  EXPECT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_THAT(testing::ReadFileOrDie(dir_.path() / ".worm/schema.json"), HasSubstr("Customer"));
}

TEST_F(CliSchemaTest, ExampleSchemaLintsClean) {
  auto r = RunWorm({"lint", "--json"}, dir_.path());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  Json doc = ParseOnlyDocument(r.out);
  EXPECT_EQ(doc["ok"], true);
  EXPECT_EQ(doc["errors"], 0);
}

TEST_F(CliSchemaTest, LintReportsEveryProblemWithPosition) {
  testing::WriteFileOrDie(dir_.path() / ".worm/schema.json", R"json({
  "paths": ["#org/@customers/(id:uuid)/[profile].json"],
  "models": {
    "Customer": {
      "path": "#org/@customers/(id:nosuchtype)",
      "file": "[profile].json",
      "fields": {
        "status": {"type": "string", "enum": ["a", "b"], "default": "c"},
        "owner": {"type": "string", "ref": "Nobody"}
      }
    }
  }
}
)json");
  auto r = RunWorm({"lint", "--json"}, dir_.path());
  EXPECT_EQ(r.exit_code, 5);
  Json doc = ParseOnlyDocument(r.out);
  EXPECT_EQ(doc["ok"], false);
  std::set<std::string> codes;
  for (const auto& d : doc["diagnostics"]) {
    codes.insert(d["code"].get<std::string>());
    EXPECT_GT(d["line"].get<int>(), 0) << d.dump();
    EXPECT_GT(d["column"].get<int>(), 0) << d.dump();
  }
  EXPECT_GE(doc["errors"].get<int>(), 3) << r.out;
  // Human output: file:line:column: error: message [code] at /json/path
  auto human = RunWorm({"lint"}, dir_.path());
  EXPECT_EQ(human.exit_code, 5);
  EXPECT_THAT(human.out, HasSubstr("schema.json:5:"));
  EXPECT_THAT(human.out, HasSubstr("[unknown-dynamic-type] at /models/Customer/path"));
}

TEST_F(CliSchemaTest, PathsShowsTheLayoutOfEveryModel) {
  auto r = RunWorm({"paths", "--json"}, dir_.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Json doc = ParseOnlyDocument(r.out);
  ASSERT_EQ(doc["models"].size(), 3u);
  const Json& customer = doc["models"][0];
  EXPECT_EQ(customer["model"], "Customer");
  EXPECT_EQ(customer["basePath"], "org/customers");
  EXPECT_EQ(customer["collectionPrefix"], "org/customers/");
  EXPECT_EQ(customer["keyTemplate"], "org/customers/{id}/profile.json");
  EXPECT_EQ(customer["systemFolders"]["oplog"], ".oplog/org/customers/{id}/");
  EXPECT_EQ(doc["models"][2]["keyTemplate"], "org/settings/config.json");
  auto human = RunWorm({"paths"}, dir_.path());
  EXPECT_THAT(human.out, HasSubstr("org/invoices/{id}/data.json"));
}

TEST_F(CliSchemaTest, ResolveGivesKeysAndRefusesBadIds) {
  const std::string id = "a1b2c3d4-e5f6-7890-abcd-ef1234567890";
  auto r = RunWorm({"resolve", "Customer", id}, dir_.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "org/customers/" + id + "/profile.json\n");
  auto s = RunWorm({"resolve", "OrgSettings", "--json"}, dir_.path());
  EXPECT_EQ(ParseOnlyDocument(s.out)["key"], "org/settings/config.json");

  for (const std::string bad : {"../../etc", "not-a-uuid", ".hidden", "a/b"}) {
    auto b = RunWorm({"resolve", "Customer", bad}, dir_.path());
    EXPECT_EQ(b.exit_code, 5) << bad << ": " << b.out;
    EXPECT_THAT(b.err, HasSubstr("Customer")) << bad;
  }
  auto unknown = RunWorm({"resolve", "Nope", id}, dir_.path());
  EXPECT_EQ(unknown.exit_code, 3);
  EXPECT_THAT(unknown.err, HasSubstr("Customer"));  // lists the known models
}

TEST_F(CliSchemaTest, ProjectIsFoundFromASubfolderAndByFlag) {
  std::filesystem::create_directories(dir_.path() / "deep/er");
  auto r = RunWorm({"paths", "--json"}, dir_.path() / "deep/er");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  ScratchDir elsewhere;
  auto f = RunWorm({"--project", dir_.path().string(), "paths", "--json"}, elsewhere.path());
  EXPECT_EQ(f.exit_code, 0) << f.err;
}

}  // namespace
}  // namespace worm

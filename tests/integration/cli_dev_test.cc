// `worm dev` driven as a user runs it: a long-running process that watches
// .worm/schema.json and .worm/data and prints one NDJSON event per problem
// found or fixed; with --port it also serves the data over S3 (driven here
// with curl, a client we did not write).
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include "core/json_util.h"
#include "testing/subprocess.h"
#include "testing/test_util.h"

namespace worm {
namespace {

namespace fs = std::filesystem;
using testing::BackgroundProcess;
using testing::RunWorm;
using testing::ScratchDir;

const char* kSchema = R"JSON({
  "schemaVersion": "1.0",
  "models": {
    "Customer": {"path": "#org/@customers/(id:uuid)", "file": "[profile].json",
                 "fields": {"name": {"type": "string", "required": true},
                            "tier": {"type": "string", "enum": ["free", "pro"]}}}
  }
})JSON";

constexpr const char* kId = "0b6c5a3e-8a61-4c1e-9a57-3f0c2b1d9e11";
constexpr int kTimeoutMs = 10000;

class CliDevTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir_.path() / ".worm" / "data");
    testing::WriteFileOrDie(dir_.path() / ".worm" / "schema.json", kSchema);
  }

  std::unique_ptr<BackgroundProcess> StartDev(std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{testing::WormBinary().string(), "dev", "--json"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    testing::ProcessOptions opts;
    opts.cwd = dir_.path();
    opts.env["WORM_PROJECT"] = "";
    return std::make_unique<BackgroundProcess>(argv, opts);
  }

  // Waits for an event line containing `needle` and parses it.
  Json Event(BackgroundProcess& p, const std::string& needle) {
    std::vector<std::string> skipped;
    auto line = p.WaitForLine(needle, kTimeoutMs, &skipped);
    if (!line) {
      std::string seen;
      for (const auto& s : skipped) seen += s + "\n";
      ADD_FAILURE() << "no event with " << needle << "; saw:\n" << seen;
      return Json();
    }
    auto doc = ParseJson(*line, "event");
    EXPECT_TRUE(doc.ok()) << *line;
    return doc.ok() ? *doc : Json();
  }

  fs::path EntityFile(const std::string& id) {
    return dir_.path() / ".worm/data/org/customers" / id / "profile.json";
  }

  ScratchDir dir_;
};

TEST_F(CliDevTest, ReportsInvalidEntitiesStrayFilesAndFixesAsTheyHappen) {
  // One invalid file exists before dev starts: the first scan reports it.
  fs::create_directories(EntityFile(kId).parent_path());
  testing::WriteFileOrDie(EntityFile(kId),
                          R"({"id": ")" + std::string(kId) + R"(", "tier": "gold"})");
  auto dev = StartDev();
  ASSERT_TRUE(dev->started());
  Json lint = Event(*dev, R"("event":"lint")");
  EXPECT_EQ(lint["ok"], true);
  Json first = Event(*dev, R"("event":"invalid")");
  EXPECT_EQ(first["model"], "Customer");
  EXPECT_THAT(first["message"].get<std::string>(), ::testing::HasSubstr("Customer."));
  Json ready = Event(*dev, R"("event":"ready")");
  EXPECT_EQ(ready["invalid"], 1);

  // Fixing it (through the engine, as a user would) is reported.
  auto fixed_write = RunWorm(
      {"update", "Customer", kId, "--data", R"({"name": "Ada", "tier": "pro"})"}, dir_.path());
  ASSERT_EQ(fixed_write.exit_code, 0) << fixed_write.out << fixed_write.err;
  Json fixed = Event(*dev, R"("event":"fixed")");
  EXPECT_EQ(fixed["key"], std::string("org/customers/") + kId + "/profile.json");

  // A new folder with a broken document inside (created before the watch on
  // the new folder can exist) is still seen.
  std::string id2 = "5d1f8e2a-0c4b-4e7a-8f3d-2b6a9c1e7f40";
  fs::create_directories(EntityFile(id2).parent_path());
  testing::WriteFileOrDie(EntityFile(id2), "{not json");
  Json broken = Event(*dev, id2);
  EXPECT_EQ(broken["event"], "invalid");
  EXPECT_THAT(broken["message"].get<std::string>(), ::testing::HasSubstr("invalid JSON"));

  // A file no model owns.
  testing::WriteFileOrDie(dir_.path() / ".worm/data/notes.txt", "hello");
  Json stray = Event(*dev, R"("event":"stray")");
  EXPECT_EQ(stray["key"], "notes.txt");

  // Deleting the broken entity clears its problem.
  fs::remove_all(EntityFile(id2).parent_path());
  Json gone = Event(*dev, R"("event":"fixed")");
  EXPECT_EQ(gone["removed"], true);

  // Breaking the schema is reported with positions; data checks keep the
  // last good schema.
  std::string bad = kSchema;
  bad.replace(bad.find("(id:uuid)"), 9, "(id:nosuchtype)");
  testing::WriteFileOrDie(dir_.path() / ".worm/schema.json", bad);
  Json bad_lint = Event(*dev, R"("event":"lint")");
  EXPECT_EQ(bad_lint["ok"], false);
  ASSERT_FALSE(bad_lint["diagnostics"].empty());
  EXPECT_GT(bad_lint["diagnostics"][0]["line"].get<int>(), 0);

  dev->Signal(SIGINT);
  Event(*dev, R"("event":"stopped")");
  EXPECT_EQ(dev->Wait(kTimeoutMs), 0);
}

// An entity whose live document matches no oplog entry (the newest entry
// removed: issue 14 item 3) is a problem, found by the first scan and while
// watching; putting the entry back fixes it.
TEST_F(CliDevTest, ReportsAnEntityItsOplogContradicts) {
  std::string schema = kSchema;
  const std::string file = R"("file": "[profile].json",)";
  schema.replace(schema.find(file), file.size(), file + R"( "oplog": true,)");
  testing::WriteFileOrDie(dir_.path() / ".worm" / "schema.json", schema);
  auto c =
      RunWorm({"create", "Customer", "--json", "--data", Json{{"id", kId}, {"name", "Ada"}}.dump()},
              dir_.path());
  ASSERT_EQ(c.exit_code, 0) << c.out << c.err;
  ASSERT_EQ(
      RunWorm({"patch", "Customer", kId, "--data", R"({"tier": "pro"})"}, dir_.path()).exit_code,
      0);
  const fs::path entry = dir_.path() / ".worm/data/.oplog/org/customers" / kId / "0002.json";
  const std::string saved = testing::ReadFileOrDie(entry);
  ASSERT_TRUE(fs::remove(entry));

  auto dev = StartDev();
  ASSERT_TRUE(dev->started());
  Json first = Event(*dev, R"("event":"invalid")");
  EXPECT_EQ(first["key"], std::string("org/customers/") + kId + "/profile.json");
  EXPECT_THAT(first["message"].get<std::string>(), ::testing::HasSubstr("matches no oplog entry"));
  EXPECT_EQ(first["message"].get<std::string>().find(dir_.path().string()), std::string::npos);
  Json ready = Event(*dev, R"("event":"ready")");
  EXPECT_EQ(ready["invalid"], 1);

  testing::WriteFileOrDie(entry, saved);  // the entry back: consistent again
  Json fixed = Event(*dev, R"("event":"fixed")");
  EXPECT_EQ(fixed["key"], std::string("org/customers/") + kId + "/profile.json");
  ASSERT_TRUE(fs::remove(entry));  // and removed while dev watches
  Json again = Event(*dev, R"("event":"invalid")");
  EXPECT_THAT(again["message"].get<std::string>(), ::testing::HasSubstr("matches no oplog entry"));

  dev->Signal(SIGTERM);
  EXPECT_EQ(dev->Wait(kTimeoutMs), 0);
}

// The access section is linted as `worm lint` lints it (security/access_lint.h):
// a rule naming an undeclared role is an error with its line:column, and
// fixing it makes the schema usable again.
TEST_F(CliDevTest, LintsTheAccessSection) {
  std::string schema = kSchema;
  const std::string bad_access =
      R"(,
  "access": {"roles": {"viewer": {}},
             "bucket": {"rules": [{"roles": ["nosuchrole"], "actions": ["read"]}]}}
})";
  schema.replace(schema.rfind('}'), 1, bad_access);
  testing::WriteFileOrDie(dir_.path() / ".worm" / "schema.json", schema);
  auto dev = StartDev();
  ASSERT_TRUE(dev->started());
  Json lint = Event(*dev, R"("event":"lint")");
  EXPECT_EQ(lint["ok"], false) << lint.dump();
  bool found = false;
  for (const Json& d : lint["diagnostics"]) {
    if (d.value("code", "") != "unknown-role") continue;
    found = true;
    EXPECT_EQ(d["severity"], "error");
    // On the line of the rule's roles (the diagnostic points into it).
    const size_t at = schema.find("nosuchrole");
    EXPECT_EQ(d["line"], 1 + std::count(schema.begin(), schema.begin() + at, '\n')) << d.dump();
    EXPECT_GT(d["column"].get<int>(), 0);
  }
  EXPECT_TRUE(found) << lint.dump();

  std::string good = schema;
  good.replace(good.find("nosuchrole"), 10, "viewer");
  testing::WriteFileOrDie(dir_.path() / ".worm/schema.json", good);
  Json fixed = Event(*dev, R"("event":"lint")");
  EXPECT_EQ(fixed["ok"], true) << fixed.dump();

  dev->Signal(SIGTERM);
  EXPECT_EQ(dev->Wait(kTimeoutMs), 0);
}

TEST_F(CliDevTest, PortServesTheDevDataOverS3) {
  auto dev = StartDev({"--port", "0", "--anonymous"});
  Json ready = Event(*dev, R"("event":"ready")");
  ASSERT_TRUE(ready.contains("url")) << ready.dump();
  std::string url = ready["url"].get<std::string>();

  // The bucket is the project's (config.json's serve.bucket, default "local").
  std::string key = std::string("org/customers/") + kId + "/profile.json";
  auto put = testing::RunProcess(
      {"curl", "-sS", "-f", "-X", "PUT", "--data-binary", R"({"name": 7})", url + "/local/" + key});
  ASSERT_EQ(put.exit_code, 0) << put.out << put.err;
  Json invalid = Event(*dev, R"("event":"invalid")");
  EXPECT_EQ(invalid["key"], key);
  EXPECT_TRUE(fs::exists(EntityFile(kId)));

  auto get = testing::RunProcess({"curl", "-sS", "-f", url + "/local/" + key});
  EXPECT_EQ(get.exit_code, 0) << get.err;
  EXPECT_EQ(get.out, R"({"name": 7})");

  dev->Signal(SIGTERM);
  EXPECT_EQ(dev->Wait(kTimeoutMs), 0);
}

}  // namespace
}  // namespace worm

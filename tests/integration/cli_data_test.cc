// The worm CLI's data commands driven as a user drives them (the built
// binary in a scratch project), plus a kill -9 test: writers killed at random
// moments never lose an acknowledged write, never leave a torn file, and
// `worm repair` leaves a consistent store.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <random>
#include <thread>

#include "core/json_util.h"
#include "testing/subprocess.h"
#include "testing/test_util.h"

namespace worm {
namespace {

using testing::RunWorm;
using testing::ScratchDir;

const char* kSchema = R"JSON({
  "schemaVersion": "1.0",
  "dynamicTypes": {"slug": {"regex": "^[a-z0-9-]+$"}},
  "models": {
    "Customer": {"path": "#org/@customers/(id:uuid)", "file": "[profile].json",
                 "oplog": true, "softDelete": true,
                 "fields": {"name": {"type": "string", "required": true},
                            "n": {"type": "integer"}}},
    "Invoice": {"path": "#org/@invoices/(id:int)", "file": "[data].json", "idOperator": "seq",
                "fields": {"customerId": {"type": "string", "ref": "Customer"},
                           "amount": {"type": "number", "required": true}}}
  }
})JSON";

Json Doc(const testing::ProcessResult& r) {
  auto j = ParseJson(r.out, "stdout");
  EXPECT_TRUE(j.ok()) << j.status().ToString() << "\n" << r.out << r.err;
  return j.ok() ? *j : Json();
}

class CliDataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_.path() / ".worm");
    testing::WriteFileOrDie(dir_.path() / ".worm" / "schema.json", kSchema);
  }
  testing::ProcessResult Worm(std::vector<std::string> args, const std::string& in = "") {
    args.push_back("--json");
    return RunWorm(args, dir_.path(), in);
  }
  ScratchDir dir_;
};

TEST_F(CliDataTest, CrudExitCodesAndJsonShapes) {
  auto c = Worm({"create", "Customer", "--data", R"({"name": "Ada"})"});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  Json cust = Doc(c);
  const std::string id = cust["id"];
  EXPECT_EQ(cust["name"], "Ada");

  auto g = Worm({"get", "Customer", id, "--with-meta"});
  ASSERT_EQ(g.exit_code, 0) << g.err;
  Json meta = Doc(g);
  EXPECT_EQ(meta["key"], "org/customers/" + id + "/profile.json");
  const std::string etag = meta["etag"];

  auto p = Worm({"patch", "Customer", id, "--data", R"({"n": 1})", "--if-match", etag});
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_EQ(Doc(p)["n"], 1);
  auto stale = Worm({"patch", "Customer", id, "--data", R"({"n": 2})", "--if-match", etag});
  EXPECT_EQ(stale.exit_code, 4) << stale.err;
  auto u = Worm({"update", "Customer", id, "-"}, R"({"name": "Ada L."})");
  ASSERT_EQ(u.exit_code, 0) << u.err;
  EXPECT_FALSE(Doc(u).contains("n"));

  EXPECT_EQ(Worm({"create", "Customer", "--data", R"({"name": 5})"}).exit_code, 5);
  EXPECT_EQ(Worm({"create", "Customer", "--data", "{oops"}).exit_code, 5);
  EXPECT_EQ(Worm({"get", "Customer", "00000000-0000-4000-8000-000000000000"}).exit_code, 3);
  EXPECT_EQ(Worm({"get", "Nope", "x"}).exit_code, 3);

  auto inv = Worm({"create", "Invoice", "--data", Json{{"customerId", id}, {"amount", 3}}.dump()});
  ASSERT_EQ(inv.exit_code, 0) << inv.err;
  EXPECT_EQ(Doc(inv)["id"], "1");
  auto pop = Worm({"get", "Invoice", "1", "--populate", "customerId"});
  EXPECT_EQ(Doc(pop)["customerId"]["name"], "Ada L.");

  auto ls = Worm({"ls", "Customer"});
  ASSERT_EQ(ls.exit_code, 0);
  EXPECT_EQ(Doc(ls).size(), 1u);
  auto d = Worm({"delete", "Customer", id, "--reason", "test"});
  ASSERT_EQ(d.exit_code, 0) << d.err;
  EXPECT_EQ(Doc(Worm({"ls", "Customer"})).size(), 0u);
  EXPECT_EQ(Doc(Worm({"ls", "Customer", "--with-deleted"})).size(), 1u);
  ASSERT_EQ(Worm({"restore", "Customer", id}).exit_code, 0);
  auto log = Worm({"log", "Customer", id});
  ASSERT_EQ(log.exit_code, 0) << log.err;
  EXPECT_EQ(Doc(log).size(), 5u);  // create, update, update, delete, restore
  auto snap = Worm({"snapshot", "Customer", id});
  ASSERT_EQ(snap.exit_code, 0) << snap.err;
  EXPECT_EQ(Doc(Worm({"snapshot", "Customer", id, "--list"})).size(), 1u);
  auto rep = Worm({"repair"});
  ASSERT_EQ(rep.exit_code, 0) << rep.err;
  EXPECT_TRUE(Doc(rep)["ok"]);
}

TEST_F(CliDataTest, QueryFiltersSortsPagesAndAggregates) {
  auto c = Worm({"create", "Customer", "--data", R"({"name": "Ada"})"});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  const std::string cid = Doc(c)["id"];
  for (int amount : {50, 150, 250, 350, 450}) {
    auto inv =
        Worm({"create", "Invoice", "--data", Json{{"customerId", cid}, {"amount", amount}}.dump()});
    ASSERT_EQ(inv.exit_code, 0) << inv.err;
  }

  auto q = Worm({"query", "Invoice", "--filter", "amount>=150", "--sort", "-amount", "--limit", "2",
                 "--select", "amount"});
  ASSERT_EQ(q.exit_code, 0) << q.err;
  Json page = Doc(q);
  ASSERT_EQ(page["items"].size(), 2u) << page.dump();
  EXPECT_EQ(page["items"][0]["amount"], 450);
  EXPECT_EQ(page["items"][1]["amount"], 350);
  EXPECT_FALSE(page["items"][0].contains("customerId"));
  ASSERT_TRUE(page["next"].is_string()) << page.dump();

  // The cursor continues where the page ended, even after a new insert.
  ASSERT_EQ(Worm({"create", "Invoice", "--data", Json{{"customerId", cid}, {"amount", 999}}.dump()})
                .exit_code,
            0);
  auto q2 = Worm({"query", "Invoice", "--filter", "amount>=150", "--sort", "-amount", "--limit",
                  "2", "--cursor", page["next"].get<std::string>()});
  ASSERT_EQ(q2.exit_code, 0) << q2.err;
  Json page2 = Doc(q2);
  ASSERT_EQ(page2["items"].size(), 2u) << page2.dump();
  EXPECT_EQ(page2["items"][0]["amount"], 250);
  EXPECT_EQ(page2["items"][1]["amount"], 150);

  auto count = Worm({"query", "Invoice", "--where", R"({"amount": {"$lt": 300}})", "--count"});
  ASSERT_EQ(count.exit_code, 0) << count.err;
  EXPECT_EQ(Doc(count)["groups"][0]["count"], 3) << count.out;  // 50, 150, 250

  auto sum = Worm({"query", "Invoice", "--group-by", "customerId", "--sum", "amount"});
  ASSERT_EQ(sum.exit_code, 0) << sum.err;
  Json groups = Doc(sum)["groups"];
  ASSERT_EQ(groups.size(), 1u) << sum.out;
  EXPECT_EQ(groups[0]["key"]["customerId"], cid) << sum.out;
  EXPECT_EQ(groups[0]["sum"]["amount"], 50 + 150 + 250 + 350 + 450 + 999) << sum.out;

  auto pop = Worm({"query", "Invoice", "--filter", "amount=50", "--populate", "customerId",
                   "--select", "customerId.name"});
  ASSERT_EQ(pop.exit_code, 0) << pop.err;
  EXPECT_EQ(Doc(pop)["items"][0]["customerId"]["name"], "Ada");

  // Mistakes are refused before any I/O, naming what is wrong.
  auto bad = Worm({"query", "Invoice", "--where", R"({"amount": {"$gt": {"x": 1}}})"});
  EXPECT_EQ(bad.exit_code, 5) << bad.out << bad.err;
  auto unknown = Worm({"query", "Invoice", "--filter", "amout>1"});
  EXPECT_EQ(unknown.exit_code, 5);
  EXPECT_NE((unknown.out + unknown.err).find("amout"), std::string::npos);
}

// Issue 14 item 3, as reported: create, patch, delete the newest oplog entry.
// The live document is the acknowledged patch; `worm log` must say the log
// lost entries (not "intact"), and `worm repair` must not roll it back.
TEST_F(CliDataTest, RemovedNewestOplogEntryIsReportedAndTheDocumentKept) {
  auto c = Worm({"create", "Customer", "--data", R"({"name": "Ada"})"});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  const std::string id = Doc(c)["id"];
  ASSERT_EQ(Worm({"patch", "Customer", id, "--data", R"({"n": 1})"}).exit_code, 0);
  const auto data = dir_.path() / ".worm" / "data";
  const auto live = data / "org" / "customers" / id / "profile.json";
  const auto newest = data / ".oplog" / "org" / "customers" / id / "0002.json";
  ASSERT_TRUE(std::filesystem::remove(newest));
  const std::string before = testing::ReadFileOrDie(live);
  const std::string root = dir_.path().string();
  const std::string who = "Customer " + id + ": ";

  auto log = Worm({"log", "Customer", id});
  EXPECT_EQ(log.exit_code, 5) << log.out << log.err;
  std::string message = Doc(log)["error"]["message"];
  EXPECT_THAT(message, ::testing::HasSubstr(who));
  EXPECT_THAT(message, ::testing::HasSubstr("matches no oplog entry"));
  EXPECT_EQ((log.out + log.err).find(root), std::string::npos) << log.out << log.err;
  // Text mode: the surviving entries, then the problem on stderr.
  auto text = RunWorm({"log", "Customer", id}, dir_.path());
  EXPECT_EQ(text.exit_code, 5) << text.out << text.err;
  EXPECT_THAT(text.out, ::testing::HasSubstr("create"));
  EXPECT_THAT(text.err, ::testing::HasSubstr("matches no oplog entry"));

  auto rep = Worm({"repair"});
  EXPECT_NE(rep.exit_code, 0) << rep.out << rep.err;
  Json report = Doc(rep);
  EXPECT_EQ(report["ok"], false) << rep.out;
  EXPECT_TRUE(report["actions"].empty()) << rep.out;
  ASSERT_EQ(report["problems"].size(), 1u) << rep.out;
  EXPECT_THAT(report["problems"][0].get<std::string>(), ::testing::HasSubstr(who));
  EXPECT_EQ(rep.out.find(root), std::string::npos) << rep.out;
  EXPECT_EQ(testing::ReadFileOrDie(live), before);

  // The next write refuses rather than build on a reverted document.
  auto p = Worm({"patch", "Customer", id, "--data", R"({"n": 2})"});
  EXPECT_EQ(p.exit_code, 5) << p.out << p.err;
  EXPECT_EQ(testing::ReadFileOrDie(live), before);
  EXPECT_EQ(Doc(Worm({"get", "Customer", id}))["n"], 1);

  // Once someone decides the live document is right: adopt it, and the
  // entity is consistent and writable again.
  auto adopt = Worm({"repair", "Customer", "--adopt", id});
  ASSERT_EQ(adopt.exit_code, 0) << adopt.out << adopt.err;
  EXPECT_EQ(Doc(adopt)["seq"], 2);
  EXPECT_EQ(testing::ReadFileOrDie(live), before);
  EXPECT_EQ(Worm({"log", "Customer", id}).exit_code, 0);
  EXPECT_EQ(Worm({"patch", "Customer", id, "--data", R"({"n": 2})"}).exit_code, 0);
  EXPECT_TRUE(Doc(Worm({"repair"}))["ok"]);
}

// A document a plain S3 tool (here: the filesystem) wrote has no history and
// is fine; `worm log` says so and worm's next write starts the chain.
TEST_F(CliDataTest, DocumentWithoutHistoryIsUsable) {
  const std::string id = "0b6c5a3e-8a61-4c1e-9a57-3f0c2b1d9e11";
  const auto live = dir_.path() / ".worm" / "data" / "org" / "customers" / id / "profile.json";
  std::filesystem::create_directories(live.parent_path());
  testing::WriteFileOrDie(live, Json{{"id", id}, {"name", "Outside"}}.dump());
  auto log = RunWorm({"log", "Customer", id}, dir_.path());
  EXPECT_EQ(log.exit_code, 0) << log.out << log.err;
  EXPECT_THAT(log.out, ::testing::HasSubstr("no oplog entries"));
  EXPECT_EQ(Worm({"repair"}).exit_code, 0);
  ASSERT_EQ(Worm({"patch", "Customer", id, "--data", R"({"n": 1})"}).exit_code, 0);
  auto after = Worm({"log", "Customer", id});
  ASSERT_EQ(after.exit_code, 0) << after.err;
  ASSERT_EQ(Doc(after).size(), 1u);
  EXPECT_EQ(Doc(after)[0]["op"], "update");
}

// Runs `worm args` with stdout to `out_file`; kills it with SIGKILL after
// `kill_after_us` (negative: never). Returns the exit code, or -1 when killed.
int RunAndMaybeKill(const std::filesystem::path& cwd, const std::vector<std::string>& args,
                    const std::filesystem::path& out_file, int kill_after_us) {
  std::string bin = testing::WormBinary().string();
  pid_t pid = fork();
  if (pid == 0) {
    if (chdir(cwd.c_str()) != 0) _exit(100);
    if (!freopen(out_file.c_str(), "w", stdout)) _exit(101);
    if (!freopen("/dev/null", "w", stderr)) _exit(102);
    std::vector<char*> argv = {const_cast<char*>(bin.c_str())};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(bin.c_str(), argv.data());
    _exit(103);
  }
  if (kill_after_us >= 0) {
    std::this_thread::sleep_for(std::chrono::microseconds(kill_after_us));
    kill(pid, SIGKILL);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST_F(CliDataTest, KillNineNeverLosesAcknowledgedWritesOrTearsFiles) {
  auto c = Worm({"create", "Customer", "--data", R"({"name": "Hot", "n": 0})"});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  const std::string hot = Doc(c)["id"];
  std::mt19937 rng(::testing::UnitTest::GetInstance()->random_seed());
  std::vector<std::string> acked_creates;
  int last_acked_n = 0, attempted_n = 0;
  const auto out = dir_.path() / "out.json";
  for (int i = 0; i < 40; ++i) {
    int kill_after = static_cast<int>(rng() % 40000);  // 0..40 ms: mid-write often
    if (i % 2 == 0) {
      int rc = RunAndMaybeKill(dir_.path(),
                               {"create", "Customer", "--json", "--data",
                                Json{{"name", "c" + std::to_string(i)}}.dump()},
                               out, kill_after);
      if (rc == 0) acked_creates.push_back(Json::parse(testing::ReadFileOrDie(out))["id"]);
    } else {
      attempted_n = i;
      int rc = RunAndMaybeKill(
          dir_.path(), {"patch", "Customer", hot, "--json", "--data", Json{{"n", i}}.dump()}, out,
          kill_after);
      if (rc == 0) {
        EXPECT_EQ(Json::parse(testing::ReadFileOrDie(out))["n"], i);
        last_acked_n = i;
      }
    }
  }
  // No torn file: every JSON object in the store parses.
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(dir_.path() / ".worm" / "data")) {
    if (!entry.is_regular_file()) continue;
    std::string name = entry.path().filename().string();
    if (name.size() < 5 || (name.substr(name.size() - 5) != ".json" && name[0] != '.')) continue;
    if (entry.path().string().find(".wormfs") != std::string::npos) continue;
    EXPECT_TRUE(ParseJson(testing::ReadFileOrDie(entry.path())).ok()) << entry.path();
  }
  auto rep = Worm({"repair"});
  ASSERT_EQ(rep.exit_code, 0) << rep.out << rep.err;
  EXPECT_TRUE(Doc(rep)["ok"]) << rep.out;
  for (const std::string& id : acked_creates) {
    EXPECT_EQ(Worm({"get", "Customer", id}).exit_code, 0) << "lost acknowledged create " << id;
  }
  auto g = Worm({"get", "Customer", hot});
  ASSERT_EQ(g.exit_code, 0) << g.err;
  int n = Doc(g)["n"];
  EXPECT_GE(n, last_acked_n);
  EXPECT_LE(n, attempted_n);
  EXPECT_EQ(Worm({"log", "Customer", hot}).exit_code, 0);  // chain intact
  auto again = Worm({"repair"});
  EXPECT_TRUE(Doc(again)["actions"].empty()) << again.out;
}

}  // namespace
}  // namespace worm

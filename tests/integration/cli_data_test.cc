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
                            "n": {"type": "integer"}, "deep": {"type": "array"}}},
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

// {"name": "x", "deep": [[...]]}: a document nested `depth` levels in all.
std::string DeepDocument(int depth) {
  return R"({"name": "x", "deep": )" + std::string(depth - 1, '[') + std::string(depth - 1, ']') +
         "}";
}

// A document nested 200,000 levels deep crashed `worm create` (SIGSEGV in a
// recursive copy). Every way in is refused as invalid input (exit 5) naming
// the limit and where; nothing is written.
TEST_F(CliDataTest, DocumentsNestedPastTheLimitAreInvalidInputOnEveryCommand) {
  const std::string deep = DeepDocument(200000);  // ~400 KB
  // An argument is at most 128 KiB (MAX_ARG_STRLEN): 60,000 levels for --data.
  const std::string deep_arg = DeepDocument(60000);
  testing::WriteFileOrDie(dir_.path() / "deep.json", deep);
  auto expect_refused = [](const testing::ProcessResult& r, const std::string& where) {
    // With --json the error is the one document on stdout.
    EXPECT_EQ(r.exit_code, 5) << r.err;
    EXPECT_EQ(Doc(r)["error"]["code"], "InvalidArgument");
    EXPECT_THAT(Doc(r)["error"]["message"].get<std::string>(),
                ::testing::HasSubstr(where + ": nested deeper than the limit of 100 "
                                             "levels at line 1, column "));
  };
  expect_refused(Worm({"create", "Customer", "--data", deep_arg}), "--data");
  expect_refused(Worm({"create", "Customer", "--file", (dir_.path() / "deep.json").string()}),
                 (dir_.path() / "deep.json").string());
  expect_refused(Worm({"create", "Customer", "-"}, deep), "stdin");
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / ".worm" / "data" / "org" / "customers"));

  // Exactly at the limit is a document like any other.
  auto at = Worm({"create", "Customer", "--data", DeepDocument(kMaxDocumentDepth)});
  ASSERT_EQ(at.exit_code, 0) << at.err;
  const std::string id = Doc(at)["id"];
  expect_refused(Worm({"create", "Customer", "--data", DeepDocument(kMaxDocumentDepth + 1)}),
                 "--data");
  expect_refused(Worm({"update", "Customer", id, "-"}, deep), "stdin");
  expect_refused(Worm({"patch", "Customer", id, "--data", deep_arg}), "--data");
  expect_refused(Worm({"patch", "Customer", id, "--data",
                       R"({"more": )" + DeepDocument(kMaxDocumentDepth) + "}"}),
                 "--data");
  auto g = Worm({"get", "Customer", id});
  ASSERT_EQ(g.exit_code, 0) << g.err;
  EXPECT_EQ(JsonDepth(Doc(g)), kMaxDocumentDepth);
  EXPECT_FALSE(Doc(g).contains("more"));

  // Queries: --where nested far past the limit (8,000 levels: 112 KB).
  std::string where;
  for (int i = 0; i < 8000; ++i) where += R"({"$and":[)";
  where += R"({"name": "x"})";
  for (int i = 0; i < 8000; ++i) where += "]}";
  auto q = Worm({"query", "Customer", "--where", where});
  EXPECT_EQ(q.exit_code, 5) << q.err;
  EXPECT_THAT(q.out, ::testing::HasSubstr("--where: nested deeper than the limit of 128 levels"));
  std::string path = "name";
  for (int i = 0; i < 30000; ++i) path += ".a";
  auto sel = Worm({"query", "Customer", "--select", path});
  EXPECT_EQ(sel.exit_code, 5) << sel.err;
  EXPECT_THAT(sel.out, ::testing::HasSubstr("more than 128 segments"));
}

// Once such a document is in the data (pulled from a shared remote, written
// by another tool), reading that entity is a clear error, and the rest of the
// model stays usable: ls and query print the others and name the bad one.
TEST_F(CliDataTest, StoredDocumentNestedPastTheLimitIsAProblemNotACrash) {
  std::vector<std::string> ids;
  for (const char* name : {"Ada", "Bob", "Cy"}) {
    auto c = Worm({"create", "Customer", "--data", Json{{"name", name}}.dump()});
    ASSERT_EQ(c.exit_code, 0) << c.err;
    ids.push_back(Doc(c)["id"]);
  }
  auto inv =
      Worm({"create", "Invoice", "--data", Json{{"customerId", ids[1]}, {"amount", 1}}.dump()});
  ASSERT_EQ(inv.exit_code, 0) << inv.err;
  const std::string key = "org/customers/" + ids[1] + "/profile.json";
  testing::WriteFileOrDie(dir_.path() / ".worm" / "data" / key, DeepDocument(200000));

  // On stderr for ls and query (stdout has the others); in the --json error
  // document on stdout for get and patch.
  auto expect_problem = [&](const testing::ProcessResult& r) {
    EXPECT_EQ(r.exit_code, 5) << r.err.substr(0, 500);
    EXPECT_THAT(r.out + r.err,
                ::testing::HasSubstr(key + ": nested deeper than the limit of 128 levels"));
  };
  auto g = Worm({"get", "Customer", ids[1]});
  expect_problem(g);
  EXPECT_EQ(Doc(g)["error"]["code"], "DataLoss");
  EXPECT_THAT(g.err + g.out, ::testing::Not(::testing::HasSubstr("[[[")));
  expect_problem(Worm({"patch", "Customer", ids[1], "--data", R"({"n": 1})"}));
  expect_problem(Worm({"update", "Customer", ids[1], "--data", R"({"name": "B"})"}));
  ASSERT_EQ(Worm({"get", "Customer", ids[0]}).exit_code, 0);
  ASSERT_EQ(Worm({"patch", "Customer", ids[2], "--data", R"({"n": 2})"}).exit_code, 0);

  auto ls = Worm({"ls", "Customer"});
  expect_problem(ls);
  EXPECT_THAT(ls.err, ::testing::HasSubstr("problem: " + key));
  ASSERT_EQ(Doc(ls).size(), 2u);
  auto ls_table = RunWorm({"ls", "Customer"}, dir_.path());
  expect_problem(ls_table);
  EXPECT_THAT(ls_table.out, ::testing::HasSubstr(ids[0]));
  EXPECT_THAT(ls_table.out, ::testing::Not(::testing::HasSubstr(ids[1])));

  for (bool cached : {false, true}) {  // the first run fills .worm/cache
    auto q = Worm({"query", "Customer", "--sort", "name"});
    expect_problem(q);
    Json r = Doc(q);
    ASSERT_EQ(r["items"].size(), 2u) << cached;
    EXPECT_EQ(r["items"][0]["name"], "Ada");
    EXPECT_EQ(r["items"][1]["name"], "Cy");
    ASSERT_EQ(r["problems"].size(), 1u);
    EXPECT_THAT(r["problems"][0].get<std::string>(), ::testing::HasSubstr(key));
  }
  auto count = Worm({"query", "Customer", "--count"});
  expect_problem(count);
  EXPECT_EQ(Doc(count)["groups"][0]["count"], 2);
  // Populating a reference to it leaves the id.
  auto pop = Worm({"query", "Invoice", "--populate", "customerId"});
  expect_problem(pop);
  EXPECT_EQ(Doc(pop)["items"][0]["customerId"], ids[1]);
  // Other models are untouched.
  EXPECT_EQ(Worm({"query", "Invoice"}).exit_code, 0);
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

// `worm --as <identity>`: the schema's access rules through the real worm
// binary, a matrix of identities × data commands. Denials exit 6 and name the
// identity and the action, never a hidden field's value; invisible rows exit
// 3 (as missing ones); a project without an access section is unchanged.
#include <filesystem>

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
    "Customer": {"path": "#org/@customers/(id:slug)", "file": "[profile].json",
                 "oplog": true, "softDelete": true,
                 "fields": {"name": {"type": "string"}, "ownerId": {"type": "string"},
                            "secret": {"type": "string"}, "tier": {"type": "string"},
                            "amount": {"type": "number"}}},
    "Invoice": {"path": "#org/@invoices/(id:slug)", "file": "[data].json",
                "fields": {"customerId": {"type": "string", "ref": "Customer", "onDelete": "cascade"},
                           "ownerId": {"type": "string"}}}
  },
  "access": {
    "roles": {"admin": {}, "member": {}},
    "bucket": {"rules": [{"roles": ["admin"], "actions": "*"}]},
    "models": {
      "Customer": {
        "rules": [{"roles": ["member"], "actions": ["read", "list", "create", "update", "delete", "restore"],
                   "where": {"ownerId": "$principal.id"}}],
        "fields": {"member": {"hidden": ["secret"], "readOnly": ["tier"]}}
      },
      "Invoice": {"rules": [{"roles": ["member"], "actions": ["read", "list"]}]}
    }
  }
})JSON";

const char* kIdentities = R"JSON({"identities": {
  "alice": {"roles": ["member"]}, "bob": {"roles": ["member"]},
  "root": {"roles": ["admin"]}, "eve": {"roles": []}}})JSON";

Json Doc(const testing::ProcessResult& r) {
  auto j = ParseJson(r.out, "stdout");
  EXPECT_TRUE(j.ok()) << j.status().ToString() << "\n" << r.out << r.err;
  return j.ok() ? *j : Json();
}

class CliAsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_.path() / ".worm");
    testing::WriteFileOrDie(dir_.path() / ".worm" / "schema.json", kSchema);
    testing::WriteFileOrDie(dir_.path() / ".worm" / "identities.json", kIdentities);
    for (auto [id, who] : {std::pair{"a1", "alice"}, {"a2", "alice"}, {"b1", "bob"}}) {
      Json doc = {{"id", id},       {"name", std::string("n-") + id},
                  {"ownerId", who}, {"secret", std::string("s3cr3t-") + id},
                  {"tier", "gold"}, {"amount", std::string(who) == "alice" ? 10 : 100}};
      auto c = Worm("", {"create", "Customer", "--data", doc.dump()});
      ASSERT_EQ(c.exit_code, 0) << c.err;
    }
  }
  // As `who` ("" : the owner, no --as).
  testing::ProcessResult Worm(const std::string& who, std::vector<std::string> args,
                              const std::string& in = "") {
    args.push_back("--json");
    if (!who.empty()) {
      args.push_back("--as");
      args.push_back(who);
    }
    return RunWorm(args, dir_.path(), in);
  }
  static void ExpectDenied(const testing::ProcessResult& r, const std::string& what) {
    EXPECT_EQ(r.exit_code, 6) << what << ": " << r.out << r.err;
    EXPECT_EQ(r.out.find("s3cr3t"), std::string::npos) << r.out;
    EXPECT_EQ(r.err.find("s3cr3t"), std::string::npos) << r.err;
  }
  ScratchDir dir_;
};

TEST_F(CliAsTest, ReadsRowAndFieldLevel) {
  auto g = Worm("alice", {"get", "Customer", "a1"});
  ASSERT_EQ(g.exit_code, 0) << g.err;
  EXPECT_EQ(Doc(g)["name"], "n-a1");
  EXPECT_FALSE(Doc(g).contains("secret"));
  EXPECT_EQ(Worm("alice", {"get", "Customer", "b1"}).exit_code, 3);  // invisible
  auto eve = Worm("eve", {"get", "Customer", "a1"});
  ExpectDenied(eve, "eve get");
  EXPECT_NE(eve.err.find("eve may not read Customer a1"), std::string::npos) << eve.err;
  EXPECT_EQ(Doc(eve)["error"]["exitCode"], 6);
  auto root = Worm("root", {"get", "Customer", "b1"});
  EXPECT_EQ(Doc(root)["secret"], "s3cr3t-b1");
  EXPECT_EQ(Doc(Worm("", {"get", "Customer", "b1"}))["secret"], "s3cr3t-b1");

  auto ls = Worm("alice", {"ls", "Customer"});
  ASSERT_EQ(ls.exit_code, 0) << ls.err;
  ASSERT_EQ(Doc(ls).size(), 2u);
  EXPECT_EQ(ls.out.find("s3cr3t"), std::string::npos);
  ExpectDenied(Worm("eve", {"ls", "Customer"}), "eve ls");

  auto q = Worm("alice", {"query", "Customer", "--count"});
  ASSERT_EQ(q.exit_code, 0) << q.err;
  EXPECT_EQ(Doc(q)["groups"][0]["count"], 2);
  auto sum = Worm("alice", {"query", "Customer", "--sum", "amount"});
  EXPECT_EQ(Doc(sum)["groups"][0]["sum"]["amount"], 20);
  auto items = Worm("alice", {"query", "Customer", "--sort", "-name", "--limit", "1"});
  ASSERT_EQ(items.exit_code, 0) << items.err;
  EXPECT_EQ(Doc(items)["items"][0]["id"], "a2");
  EXPECT_FALSE(Doc(items)["items"][0].contains("secret"));
  ExpectDenied(Worm("alice", {"query", "Customer", "--filter", "secret=s3cr3t-a1"}), "filter");
  ExpectDenied(Worm("alice", {"query", "Customer", "--sort", "secret"}), "sort");
  ExpectDenied(Worm("alice", {"query", "Customer", "--group-by", "secret", "--count"}), "group-by");
  ExpectDenied(Worm("eve", {"query", "Customer"}), "eve query");

  auto log = Worm("alice", {"log", "Customer", "a1"});
  ASSERT_EQ(log.exit_code, 0) << log.err;
  EXPECT_EQ(log.out.find("s3cr3t"), std::string::npos);
  EXPECT_EQ(Worm("alice", {"log", "Customer", "b1"}).exit_code, 3);
  ExpectDenied(Worm("eve", {"log", "Customer", "a1"}), "eve log");
}

TEST_F(CliAsTest, Writes) {
  auto c = Worm("alice", {"create", "Customer", "--data", R"({"id": "a3", "ownerId": "alice"})"});
  EXPECT_EQ(c.exit_code, 0) << c.err;
  ExpectDenied(Worm("alice", {"create", "Customer", "--data", R"({"id": "a4", "ownerId": "bob"})"}),
               "create for bob");
  auto ro = Worm("alice", {"patch", "Customer", "a1", "--data", R"({"tier": "platinum"})"});
  ExpectDenied(ro, "read-only");
  EXPECT_NE(ro.err.find("\"tier\" is read-only"), std::string::npos) << ro.err;
  EXPECT_EQ(ro.err.find("gold"), std::string::npos);
  auto p = Worm("alice", {"patch", "Customer", "a1", "--data", R"({"name": "x"})"});
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_FALSE(Doc(p).contains("secret"));
  EXPECT_EQ(Doc(Worm("", {"get", "Customer", "a1"}))["secret"], "s3cr3t-a1");
  EXPECT_EQ(Worm("alice", {"update", "Customer", "b1", "--data", R"({"name": "x"})"}).exit_code, 3);
  EXPECT_EQ(Worm("alice", {"delete", "Customer", "b1"}).exit_code, 3);
  ExpectDenied(Worm("eve", {"delete", "Customer", "b1"}), "eve delete");
  // Delete, restore and snapshots of her own.
  ASSERT_EQ(Worm("alice", {"delete", "Customer", "a2"}).exit_code, 0);
  ASSERT_EQ(Worm("", {"delete", "Customer", "b1"}).exit_code, 0);
  EXPECT_EQ(Worm("alice", {"restore", "Customer", "b1"}).exit_code, 3);
  auto r = Worm("alice", {"restore", "Customer", "a2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(Doc(r).contains("secret"));
  EXPECT_EQ(Worm("alice", {"snapshot", "Customer", "a1"}).exit_code, 0);
  EXPECT_EQ(Worm("alice", {"snapshot", "Customer", "a1", "--list"}).exit_code, 0);
  ExpectDenied(Worm("eve", {"snapshot", "Customer", "a1"}), "eve snapshot");
  // A cascade onto an invoice alice may not delete.
  ASSERT_EQ(Worm("", {"create", "Invoice", "--data",
                      R"({"id": "i1", "customerId": "a1", "ownerId": "bob"})"})
                .exit_code,
            0);
  ExpectDenied(Worm("alice", {"delete", "Customer", "a1"}), "cascade");
  EXPECT_EQ(Worm("", {"get", "Customer", "a1"}).exit_code, 0);
  // Repair is admin.
  ExpectDenied(Worm("alice", {"repair"}), "repair");
  EXPECT_EQ(Worm("root", {"repair"}).exit_code, 0);
}

TEST_F(CliAsTest, UnknownIdentityAndNoAccessSection) {
  auto u = Worm("mallory", {"get", "Customer", "a1"});
  EXPECT_EQ(u.exit_code, 3) << u.err;
  EXPECT_NE(u.err.find("mallory"), std::string::npos) << u.err;
  // The same data without an access section: --as changes nothing.
  Json schema = Json::parse(kSchema);
  schema.erase("access");
  testing::WriteFileOrDie(dir_.path() / ".worm" / "schema.json", schema.dump(2));
  auto g = Worm("eve", {"get", "Customer", "b1"});
  ASSERT_EQ(g.exit_code, 0) << g.err;
  EXPECT_EQ(Doc(g)["secret"], "s3cr3t-b1");
}

}  // namespace
}  // namespace worm

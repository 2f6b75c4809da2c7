#include "schema/resolver.h"

#include <gtest/gtest.h>

#include "schema/ids.h"
#include "testing/test_util.h"

namespace worm::schema {
namespace {

using ::worm::testing::StatusIs;
using ::worm::testing::StatusIsWithMessage;

constexpr char kUuid1[] = "a1b2c3d4-e5f6-7890-abcd-ef1234567890";
constexpr char kUuid2[] = "0f8fad5b-d9cb-469f-a165-70867728950e";

class ResolverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<Schema> s = LoadSchema(Json::parse(R"j({
      "dynamicTypes": {"date": {"regex": "^\\d{4}-\\d{2}-\\d{2}$"}},
      "models": {
        "Customer": {"path": "#org/@customers/(id:uuid)", "file": "[profile].json",
                     "softDelete": true, "oplog": true},
        "CustomerInvoices": {"path": "#org/@customers/(id:uuid)/[invoices].json"},
        "OrgSettings": {"path": "#org/@settings", "file": "[config].json", "singleton": true},
        "Team": {"path": "#org/@departments/(deptId:uuid)/@teams/(teamId:uuid)/[roster].json"},
        "Account": {"path": "#wallets/@accounts/(addr:evm)/[balance].json", "layout": "inline"},
        "Event": {"path": "#data/@logs/(date:date)/@entries/(id:uuid)/[event].json",
                  "layout": "collection"},
        "Ticket": {"path": "#app/#v2/@tickets/(n:int)/[t].json"}}})j"));
    ASSERT_OK(s.status());
    schema_ = std::move(s).value();
  }
  const Model& M(const char* name) { return *schema_.FindModel(name); }

  Schema schema_;
};

TEST_F(ResolverTest, BasePathsAndPrefixes) {
  StorageResolver r(schema_);
  EXPECT_EQ(r.BasePath(M("Customer")), "org/customers");
  EXPECT_EQ(r.CollectionPrefix(M("Customer")), "org/customers/");
  EXPECT_EQ(r.BasePath(M("OrgSettings")), "org/settings");
  EXPECT_EQ(r.CollectionPrefix(M("OrgSettings")), "org/settings/");
  EXPECT_EQ(r.BasePath(M("Team")), "org/departments");
  EXPECT_EQ(r.BasePath(M("Event")), "data/logs");
  EXPECT_EQ(r.BasePath(M("Ticket")), "app/v2/tickets");
  EXPECT_EQ(r.SentinelKey(M("Customer")), "org/customers/.worm");
  EXPECT_EQ(r.SentinelKey(M("OrgSettings")), "org/settings/.worm");
}

TEST_F(ResolverTest, KeyTemplates) {
  StorageResolver r(schema_);
  EXPECT_EQ(r.KeyTemplate(M("Customer")), "org/customers/{id}/profile.json");
  EXPECT_EQ(r.KeyTemplate(M("OrgSettings")), "org/settings/config.json");
  EXPECT_EQ(r.KeyTemplate(M("Team")), "org/departments/{deptId}/teams/{teamId}/roster.json");
}

TEST_F(ResolverTest, EntityKeys) {
  StorageResolver r(schema_);
  EXPECT_EQ(*r.EntityKey(M("Customer"), {kUuid1}),
            std::string("org/customers/") + kUuid1 + "/profile.json");
  EXPECT_EQ(*r.EntityPath(M("Customer"), {kUuid1}), std::string("org/customers/") + kUuid1);
  EXPECT_EQ(*r.EntityKey(M("OrgSettings"), {}), "org/settings/config.json");
  EXPECT_EQ(*r.EntityPath(M("OrgSettings"), {}), "org/settings");
  EXPECT_EQ(*r.EntityKey(M("Team"), {kUuid1, kUuid2}),
            std::string("org/departments/") + kUuid1 + "/teams/" + kUuid2 + "/roster.json");
  EXPECT_EQ(*r.EntityKey(M("Ticket"), {"42"}), "app/v2/tickets/42/t.json");
}

TEST_F(ResolverTest, EntityKeyRefusesBadIds) {
  StorageResolver r(schema_);
  EXPECT_THAT(r.EntityKey(M("Customer"), {"abc-123"}),
              StatusIsWithMessage(StatusCode::kInvalidArgument,
                                  "Customer: id 'abc-123' is not a valid uuid: it must match "
                                  "^[0-9a-fA-F-]{36}$"));
  EXPECT_THAT(r.EntityKey(M("Customer"), {".."}),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "Customer: id '..': "));
  EXPECT_THAT(r.EntityKey(M("Customer"), {"a/b"}), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(
      r.EntityKey(M("Customer"), {}),
      StatusIsWithMessage(StatusCode::kInvalidArgument, "Customer: expected 1 id (id), got 0"));
  EXPECT_THAT(r.EntityKey(M("Team"), {kUuid1}),
              StatusIsWithMessage(StatusCode::kInvalidArgument,
                                  "Team: expected 2 ids (deptId, teamId), got 1"));
  EXPECT_THAT(r.EntityKey(M("Team"), {kUuid1, "nope"}),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "Team: teamId 'nope'"));
  EXPECT_THAT(r.EntityKey(M("OrgSettings"), {"x"}),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "a singleton takes no id"));
  EXPECT_THAT(r.EntityKey(M("Ticket"), {"-1"}), StatusIs(StatusCode::kInvalidArgument));
}

TEST_F(ResolverTest, EntityKeyRefusesOverlongKeys) {
  Result<Schema> s = LoadSchema(Json::parse(R"j({"dynamicTypes": {"any": {"regex": ".+"}},
      "models": {"A": {"path": "@a/(id:any)/[d].json"}}})j"));
  ASSERT_OK(s.status());
  StorageResolver r(*s);
  std::string id(1020, 'x');
  EXPECT_OK(ValidateIdSegment(id));
  EXPECT_THAT(r.EntityKey(s->models[0], {id}),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "A: key '"));
}

TEST_F(ResolverTest, SystemFoldersRootLayout) {
  StorageResolver r(schema_);
  ASSERT_OK_AND_ASSIGN(SystemFolders f, r.SystemFoldersFor(M("Customer"), {kUuid1}));
  EXPECT_EQ(f.oplog, std::string(".oplog/org/customers/") + kUuid1 + "/");
  EXPECT_EQ(f.snapshots, std::string(".snapshots/org/customers/") + kUuid1 + "/");
  EXPECT_EQ(f.trash, std::string(".worm.trash/org/customers/") + kUuid1 + "/");
  ASSERT_OK_AND_ASSIGN(SystemFolders s, r.SystemFoldersFor(M("OrgSettings"), {}));
  EXPECT_EQ(s.oplog, ".oplog/org/settings/");
}

TEST_F(ResolverTest, SystemFoldersInlineAndCollectionLayouts) {
  StorageResolver r(schema_);
  SystemFolders a = r.SystemFolderTemplates(M("Account"));
  EXPECT_EQ(a.oplog, "wallets/accounts/{addr}/.oplog/");
  EXPECT_EQ(a.trash, "wallets/accounts/{addr}/.worm.trash/");
  SystemFolders e = r.SystemFolderTemplates(M("Event"));
  EXPECT_EQ(e.oplog, "data/logs/{date}/entries/.oplog/{id}/");
  EXPECT_EQ(e.snapshots, "data/logs/{date}/entries/.snapshots/{id}/");
  ASSERT_OK_AND_ASSIGN(SystemFolders ev, r.SystemFoldersFor(M("Event"), {"2026-02-24", kUuid1}));
  EXPECT_EQ(ev.trash, std::string("data/logs/2026-02-24/entries/.worm.trash/") + kUuid1 + "/");
  EXPECT_THAT(r.SystemFoldersFor(M("Event"), {"24-02-2026", kUuid1}),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "Event: date '24-02-2026'"));
}

TEST_F(ResolverTest, ParseEntityKeyAndClassify) {
  StorageResolver r(schema_);
  std::string key = std::string("org/customers/") + kUuid1 + "/profile.json";
  ASSERT_OK_AND_ASSIGN(EntityIds ids, r.ParseEntityKey(M("Customer"), key));
  EXPECT_EQ(ids, EntityIds{kUuid1});
  ASSERT_OK_AND_ASSIGN(auto owner, r.Classify(key));
  EXPECT_EQ(owner.first->name, "Customer");

  ASSERT_OK_AND_ASSIGN(auto inv,
                       r.Classify(std::string("org/customers/") + kUuid1 + "/invoices.json"));
  EXPECT_EQ(inv.first->name, "CustomerInvoices");
  ASSERT_OK_AND_ASSIGN(auto settings, r.Classify("org/settings/config.json"));
  EXPECT_EQ(settings.first->name, "OrgSettings");
  EXPECT_TRUE(settings.second.empty());
  ASSERT_OK_AND_ASSIGN(auto team, r.Classify(*r.EntityKey(M("Team"), {kUuid1, kUuid2})));
  EXPECT_EQ(team.first->name, "Team");
  EXPECT_EQ(team.second, (EntityIds{kUuid1, kUuid2}));
  ASSERT_OK_AND_ASSIGN(auto ticket, r.Classify("app/v2/tickets/7/t.json"));
  EXPECT_EQ(ticket.second, EntityIds{"7"});
}

TEST_F(ResolverTest, ClassifyRefusesSystemAndForeignKeys) {
  StorageResolver r(schema_);
  std::string id = kUuid1;
  for (const std::string& key :
       {std::string(".worm"), std::string("org/customers/.worm"),
        ".oplog/org/customers/" + id + "/0001.json",
        ".worm.trash/org/customers/" + id + "/profile.json",
        "org/customers/" + id + "/.oplog/0001.json", std::string("org/customers/.x/profile.json"),
        "org/customers/" + id + "/other.json", "org/customers/" + id,
        "org/customers/" + id + "/profile.json/x",
        std::string("org/customers/abc-123/profile.json"),
        std::string("org/settings/config.json.bak"), std::string(""),
        std::string("app/v2/tickets/x/t.json")}) {
    EXPECT_THAT(r.Classify(key), StatusIs(StatusCode::kNotFound)) << key;
  }
  EXPECT_THAT(r.ParseEntityKey(M("Customer"), "org/customers/.worm"),
              StatusIsWithMessage(StatusCode::kNotFound, "a system entry"));
  EXPECT_THAT(r.ParseEntityKey(M("Customer"), "org/settings/config.json"),
              StatusIsWithMessage(StatusCode::kNotFound, "not a Customer key"));
}

TEST_F(ResolverTest, KeysRoundTripForEveryModel) {
  StorageResolver r(schema_);
  std::map<std::string, std::string> sample = {
      {"uuid", kUuid1},
      {"evm", "0x742d35Cc6634C0532925a3b844Bc9e7595f2bD18"},
      {"date", "2026-02-24"},
      {"int", "12"}};
  for (const Model& m : schema_.models) {
    EntityIds ids;
    for (const Segment* s : m.full.dynamic_segments()) ids.push_back(sample.at(s->type));
    ASSERT_OK_AND_ASSIGN(std::string key, r.EntityKey(m, ids));
    ASSERT_OK_AND_ASSIGN(auto owner, r.Classify(key));
    EXPECT_EQ(owner.first, &m) << key;
    EXPECT_EQ(owner.second, ids);
  }
}

TEST_F(ResolverTest, NamedIds) {
  EXPECT_EQ(StorageResolver::IdNames(M("Team")), (std::vector<std::string>{"deptId", "teamId"}));
  EXPECT_TRUE(StorageResolver::IdNames(M("OrgSettings")).empty());
  ASSERT_OK_AND_ASSIGN(
      EntityIds ids, StorageResolver::IdsFromNamed(M("Team"), {{"teamId", "t"}, {"deptId", "d"}}));
  EXPECT_EQ(ids, (EntityIds{"d", "t"}));
  EXPECT_THAT(StorageResolver::IdsFromNamed(M("Team"), {{"teamId", "t"}}),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "missing id 'deptId'"));
  EXPECT_THAT(
      StorageResolver::IdsFromNamed(M("Team"), {{"teamId", "t"}, {"deptId", "d"}, {"x", "1"}}),
      StatusIsWithMessage(StatusCode::kInvalidArgument, "unknown id name 'x'"));
}

}  // namespace
}  // namespace worm::schema

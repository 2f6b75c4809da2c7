// RunQuery under access control, with the real evaluator: rows filtered by
// the row-level read rule before where, counts, pages, cursors and
// aggregates; hidden fields refused in where/sort/select/groupBy/aggregate
// and absent from items and populated documents; cold and warm (cache).
#include <gmock/gmock.h>

#include "schema/schema.h"
#include "testing/test_util.h"
#include "worm/clock.h"
#include "worm/query.h"
#include "worm/repository.h"

namespace worm {
namespace {

using ::testing::HasSubstr;
using ::worm::testing::ScratchDir;
using ::worm::testing::StatusIs;

constexpr const char* kSchema = R"json({
  "dynamicTypes": {"slug": {"regex": "^[a-z0-9-]+$"}},
  "models": {
    "Customer": {
      "path": "#org/@customers/(id:slug)", "file": "[profile].json",
      "fields": {"name": {"type": "string"}, "email": {"type": "string"}}
    },
    "Order": {
      "path": "#org/@orders/(id:slug)", "file": "[data].json", "softDelete": true,
      "fields": {"customerId": {"type": "string", "ref": "Customer"},
                 "ownerId": {"type": "string"}, "status": {"type": "string"},
                 "amount": {"type": "number"}, "margin": {"type": "number"}}
    }
  },
  "access": {
    "roles": {"member": {}, "manager": {}},
    "models": {
      "Order": {
        "rules": [
          {"roles": ["member"], "actions": ["read", "list"], "where": {"ownerId": "$principal.id"}},
          {"roles": ["manager"], "actions": ["read", "list"]}
        ],
        "fields": {"member": {"hidden": ["margin"]}}
      },
      "Customer": {
        "rules": [{"roles": ["member"], "actions": ["read", "list"], "where": {"name": "Ada"}},
                  {"roles": ["manager"], "actions": ["read", "list"]}],
        "fields": {"member": {"hidden": ["email"]}}
      }
    }
  }
})json";

Principal P(std::string id, std::vector<std::string> roles) {
  Principal p;
  p.id = std::move(id);
  p.roles = std::move(roles);
  return p;
}

class AccessQueryTest : public ::testing::TestWithParam<bool> {  // use the cache
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(schema::Schema s, schema::LoadSchema(Json::parse(kSchema)));
    owner_ = Project::Create(std::move(s), NewMemoryTransport(&clock_), &clock_);
    ASSERT_OK_AND_ASSIGN(alice_, owner_->As(P("alice", {"member"})));
    ASSERT_OK_AND_ASSIGN(boss_, owner_->As(P("mia", {"manager"})));
    ASSERT_OK_AND_ASSIGN(eve_, owner_->As(P("eve", {})));
    ASSERT_OK_AND_ASSIGN(Repository * c, owner_->Get("Customer"));
    ASSERT_OK(c->Create({{"id", "ada"}, {"name", "Ada"}, {"email", "ada@x"}}));
    ASSERT_OK(c->Create({{"id", "bob"}, {"name", "Bob"}, {"email", "bob@x"}}));
    ASSERT_OK_AND_ASSIGN(Repository * o, owner_->Get("Order"));
    // alice: 3 orders (amounts 10, 20, 30); bob: 4 (100 .. 400).
    int n = 0;
    for (auto [who, amount] : {std::pair{"alice", 10},
                               {"bob", 100},
                               {"alice", 20},
                               {"bob", 200},
                               {"alice", 30},
                               {"bob", 300},
                               {"bob", 400}}) {
      clock_.Advance(1000);
      std::string id = "o" + std::to_string(n++);
      ASSERT_OK(o->Create({{"id", id},
                           {"ownerId", who},
                           {"status", amount >= 100 ? "big" : "small"},
                           {"amount", amount},
                           {"margin", amount / 10},
                           {"customerId", std::string(who) == "alice" ? "ada" : "bob"}}));
    }
  }

  Result<QueryResult> Q(const std::unique_ptr<Project>& p, const std::string& q,
                        const std::string& model = "Order") {
    QueryRunOptions options;
    options.use_cache = GetParam();
    options.cache_dir = cache_.path().string();
    // Twice when cached: cold then warm must agree.
    if (GetParam()) RETURN_NOT_OK(RunQuery(*p, model, Json::parse(q), options).status());
    return RunQuery(*p, model, Json::parse(q), options);
  }

  static std::vector<std::string> Ids(const QueryResult& r) {
    std::vector<std::string> out;
    for (const QueryItem& i : r.items) out.push_back(i.document.value("id", ""));
    return out;
  }

  ManualClock clock_{1771927872000000};
  ScratchDir cache_;
  std::unique_ptr<Project> owner_, alice_, boss_, eve_;
};

TEST_P(AccessQueryTest, RowsFilteredBeforeWhereCountsAndPages) {
  ASSERT_OK_AND_ASSIGN(QueryResult all, Q(alice_, R"({})"));
  EXPECT_EQ(Ids(all), (std::vector<std::string>{"o0", "o2", "o4"}));
  EXPECT_EQ(all.scanned, 3u);  // bob's rows are not even counted
  for (const QueryItem& i : all.items) EXPECT_FALSE(i.document.contains("margin"));
  ASSERT_OK_AND_ASSIGN(QueryResult big, Q(alice_, R"({"where": {"amount": {"$gte": 20}}})"));
  EXPECT_EQ(Ids(big), (std::vector<std::string>{"o2", "o4"}));
  ASSERT_OK_AND_ASSIGN(QueryResult none, Q(alice_, R"({"where": {"status": "big"}})"));
  EXPECT_TRUE(none.items.empty());
  // Pages and cursors walk the visible rows only.
  ASSERT_OK_AND_ASSIGN(QueryResult p1, Q(alice_, R"({"sort": ["-amount"], "limit": 2})"));
  EXPECT_EQ(Ids(p1), (std::vector<std::string>{"o4", "o2"}));
  ASSERT_FALSE(p1.next_cursor.empty());
  Json q2 = {{"sort", {"-amount"}}, {"limit", 2}, {"cursor", p1.next_cursor}};
  ASSERT_OK_AND_ASSIGN(QueryResult p2, Q(alice_, q2.dump()));
  EXPECT_EQ(Ids(p2), (std::vector<std::string>{"o0"}));
  EXPECT_TRUE(p2.next_cursor.empty());
  // Unsorted with a limit (the early-stopping path).
  ASSERT_OK_AND_ASSIGN(QueryResult first, Q(alice_, R"({"limit": 1, "offset": 1})"));
  EXPECT_EQ(Ids(first), (std::vector<std::string>{"o2"}));
}

TEST_P(AccessQueryTest, AggregatesSeeVisibleRowsOnly) {
  ASSERT_OK_AND_ASSIGN(QueryResult r,
                       Q(alice_, R"({"aggregate": {"count": true, "sum": ["amount"]}})"));
  ASSERT_EQ(r.groups.size(), 1u);
  EXPECT_EQ(r.groups[0]["count"], 3);
  EXPECT_EQ(r.groups[0]["sum"]["amount"], 60);
  ASSERT_OK_AND_ASSIGN(r, Q(boss_, R"({"aggregate": {"groupBy": ["status"], "count": true,
                                                     "sum": ["margin"]}})"));
  ASSERT_EQ(r.groups.size(), 2u);
  EXPECT_EQ(r.groups[0]["count"], 4);  // big
  EXPECT_EQ(r.groups[0]["sum"]["margin"], 100);
}

TEST_P(AccessQueryTest, HiddenFieldsRefusedInEveryClause) {
  for (const char* q : {R"({"where": {"margin": {"$gt": 1}}})", R"({"sort": ["margin"]})",
                        R"({"select": ["margin"]})", R"({"select": ["-margin"]})",
                        R"({"aggregate": {"sum": ["margin"]}})",
                        R"({"aggregate": {"groupBy": ["margin"], "count": true}})",
                        R"({"where": {"$or": [{"amount": 1}, {"margin": 2}]}})"}) {
    Result<QueryResult> r = Q(alice_, q);
    EXPECT_THAT(r, StatusIs(StatusCode::kPermissionDenied)) << q;
    EXPECT_THAT(r.status().message(), HasSubstr("alice may not read Order.margin")) << q;
  }
  // The manager may.
  ASSERT_OK(Q(boss_, R"({"where": {"margin": {"$gt": 1}}, "sort": ["margin"]})"));
  // No rights at all: PermissionDenied, nothing read.
  EXPECT_THAT(Q(eve_, R"({})"), StatusIs(StatusCode::kPermissionDenied));
}

TEST_P(AccessQueryTest, SelectAndPopulateStayRedacted) {
  ASSERT_OK_AND_ASSIGN(QueryResult r, Q(alice_, R"({"select": ["amount", "customerId"],
                                                     "populate": ["customerId"]})"));
  ASSERT_EQ(r.items.size(), 3u);
  for (const QueryItem& i : r.items) {
    ASSERT_TRUE(i.document["customerId"].is_object()) << i.document.dump();
    EXPECT_EQ(i.document["customerId"]["name"], "Ada");
    EXPECT_FALSE(i.document["customerId"].contains("email"));
  }
  // The manager's populate of bob's order: bob's customer in full.
  ASSERT_OK_AND_ASSIGN(r, Q(boss_, R"({"where": {"ownerId": "bob"}, "populate": ["customerId"],
                                       "limit": 1})"));
  ASSERT_EQ(r.items.size(), 1u);
  EXPECT_EQ(r.items[0].document["customerId"]["email"], "bob@x");
  EXPECT_EQ(r.items[0].document["margin"], 10);
}

TEST_P(AccessQueryTest, PopulateOfUnreadableRefsKeepsTheId) {
  // A manager-owned view of Customer rows alice cannot read: make one of her
  // orders point at bob (readable order, unreadable customer).
  ASSERT_OK_AND_ASSIGN(Repository * o, owner_->Get("Order"));
  ASSERT_OK(o->Patch({"o0"}, {{"customerId", "bob"}}));
  ASSERT_OK_AND_ASSIGN(QueryResult r, Q(alice_, R"({"where": {"id": "o0"},
                                                     "populate": ["customerId"]})"));
  ASSERT_EQ(r.items.size(), 1u);
  EXPECT_EQ(r.items[0].document["customerId"], "bob");
}

TEST_P(AccessQueryTest, NoPrincipalAndNoAccessSectionUnchanged) {
  ASSERT_OK_AND_ASSIGN(QueryResult r, Q(owner_, R"({"where": {"margin": {"$gte": 10}}})"));
  EXPECT_EQ(r.items.size(), 4u);
  EXPECT_TRUE(r.items[0].document.contains("margin"));
  Json doc = Json::parse(kSchema);
  doc.erase("access");
  ASSERT_OK_AND_ASSIGN(schema::Schema s, schema::LoadSchema(doc));
  auto open =
      Project::Create(std::move(s),
                      owner_->transport() == nullptr
                          ? NewMemoryTransport(&clock_)
                          : std::shared_ptr<Transport>(owner_->transport(), [](Transport*) {}),
                      &clock_);
  ASSERT_OK_AND_ASSIGN(auto eve, open->As(P("eve", {})));
  ASSERT_OK_AND_ASSIGN(r, Q(eve, R"({"sort": ["margin"]})"));
  EXPECT_EQ(r.items.size(), 7u);
}

INSTANTIATE_TEST_SUITE_P(Cache, AccessQueryTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Cached" : "Uncached"; });

}  // namespace
}  // namespace worm

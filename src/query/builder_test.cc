// The typed builder produces the JSON one would write by hand.
#include "testing/test_util.h"
#include "worm/query.h"

namespace worm {
namespace {

TEST(BuilderTest, ExampleFromTheIssue) {
  Query q = Query().Where("amount").Gte(100).Sort("-createdAt").Limit(10);
  EXPECT_EQ(q.json(),
            Json::parse(R"({"where":{"amount":{"$gte":100}},"sort":["-createdAt"],"limit":10})"));
  ASSERT_OK(q.Compile().status());
}

TEST(BuilderTest, DesignDocExample) {
  Query q = Query()
                .Where("status")
                .Eq("active")
                .Where("amount")
                .Gte(100)
                .Or({Query().Where("name").StartsWith("A"), Query().Where("tags").Contains("vip")})
                .Sort("-createdAt,name")
                .Limit(50)
                .Select({"name", "email"})
                .Populate({"customerId"});
  EXPECT_EQ(q.json(), Json::parse(R"({
    "where": {"status": "active", "amount": {"$gte": 100},
              "$or": [{"name": {"$startsWith": "A"}}, {"tags": {"$contains": "vip"}}]},
    "sort": ["-createdAt", "name"], "limit": 50,
    "select": ["name", "email"], "populate": ["customerId"]})"));
  ASSERT_OK(q.Compile().status());
}

TEST(BuilderTest, ConditionsOnOneFieldShareItsOperatorObject) {
  EXPECT_EQ(Query().Where("a").Gte(1).Where("a").Lt(5).json(),
            Json::parse(R"({"where":{"a":{"$gte":1,"$lt":5}}})"));
  // Implicit equality is spelled out when more follows.
  EXPECT_EQ(Query().Where("a").Eq(1).Where("a").Ne(2).json(),
            Json::parse(R"({"where":{"a":{"$eq":1,"$ne":2}}})"));
  // A repeated operator goes to $and.
  EXPECT_EQ(
      Query().Where("tags").Contains("x").Where("tags").Contains("y").json(),
      Json::parse(R"({"where":{"$and":[{"tags":{"$contains":"x"}},{"tags":{"$contains":"y"}}]}})"));
  // Equality to an object is spelled with $eq (it could hold "$" members).
  EXPECT_EQ(Query().Where("meta").Eq(Json{{"$x", 1}}).json(),
            Json::parse(R"({"where":{"meta":{"$eq":{"$x":1}}}})"));
}

TEST(BuilderTest, EveryOperator) {
  Query q = Query()
                .Where("a")
                .Eq(1)
                .Where("b")
                .Ne(nullptr)
                .Where("c")
                .Gt(1)
                .Where("d")
                .Lte("z")
                .Where("e")
                .In(Json::array({1, 2}))
                .Where("f")
                .Nin(Json::array({"x"}))
                .Where("g")
                .Exists(false)
                .Where("h")
                .EndsWith(".com")
                .Where("i")
                .Regex("^a", "i")
                .Where("j")
                .Lt(3);
  EXPECT_EQ(q.json()["where"], Json::parse(R"({"a":1,"b":{"$ne":null},"c":{"$gt":1},
      "d":{"$lte":"z"},"e":{"$in":[1,2]},"f":{"$nin":["x"]},"g":{"$exists":false},
      "h":{"$endsWith":".com"},"i":{"$regex":"^a","$options":"i"},"j":{"$lt":3}})"));
  ASSERT_OK(q.Compile().status());
}

TEST(BuilderTest, NotOffsetCursorAndFlags) {
  Query q = Query().Not(Query().Where("a").Eq(1)).Offset(5).WithDeleted();
  EXPECT_EQ(q.json(), Json::parse(R"({"where":{"$not":{"a":1}},"offset":5,"withDeleted":true})"));
  EXPECT_EQ(Query().Cursor("abc").json(), Json::parse(R"({"cursor":"abc"})"));
}

TEST(BuilderTest, Aggregates) {
  Query q = Query()
                .GroupBy({"status"})
                .Count()
                .Sum("amount")
                .Avg("amount")
                .Min("a")
                .Max("b")
                .Distinct("c");
  EXPECT_EQ(q.json(), Json::parse(R"({"aggregate":{"groupBy":["status"],"count":true,
      "sum":["amount"],"avg":["amount"],"min":["a"],"max":["b"],"distinct":["c"]}})"));
  ASSERT_OK_AND_ASSIGN(CompiledQuery c, q.Compile());
  EXPECT_TRUE(c.is_aggregate());
}

TEST(BuilderTest, BuiltAndHandWrittenQueriesEvaluateAlike) {
  std::vector<std::pair<std::string, Json>> docs;
  for (int i = 0; i < 20; ++i) {
    docs.emplace_back(
        "k" + std::to_string(100 + i),
        Json{{"amount", i * 10}, {"createdAt", 20 - i}, {"tags", {i % 3 ? "x" : "vip"}}});
  }
  ASSERT_OK_AND_ASSIGN(CompiledQuery built, Query()
                                                .Where("amount")
                                                .Gte(50)
                                                .Where("tags")
                                                .Contains("vip")
                                                .Sort("-createdAt")
                                                .Limit(3)
                                                .Compile());
  ASSERT_OK_AND_ASSIGN(CompiledQuery hand, CompiledQuery::Parse(R"({"where":{"amount":{"$gte":50},
      "tags":{"$contains":"vip"}},"sort":["-createdAt"],"limit":3})"));
  ASSERT_OK_AND_ASSIGN(QueryResult a, RunQuery(built, docs));
  ASSERT_OK_AND_ASSIGN(QueryResult b, RunQuery(hand, docs));
  EXPECT_EQ(a.ToJson(), b.ToJson());
  EXPECT_EQ(a.items.size(), 3u);
}

}  // namespace
}  // namespace worm

// Aggregations: count, sum, avg, min, max, distinct, groupBy.
#include <cmath>

#include "testing/test_util.h"
#include "worm/query.h"

namespace worm {
namespace {

using ::worm::testing::StatusIsWithMessage;
using Docs = std::vector<std::pair<std::string, Json>>;

Docs Orders() {
  Docs docs;
  const char* const kTexts[] = {
      R"({"id":"1","status":"active","amount":100,"region":"eu","tags":["a","b"]})",
      R"({"id":"2","status":"active","amount":20,"region":"us","tags":["b"]})",
      R"({"id":"3","status":"closed","amount":7.5,"region":"eu"})",
      R"({"id":"4","status":"active","amount":"n/a","region":"eu","tags":[]})",
      R"({"id":"5","amount":3,"region":null})",
      R"({"id":"6","status":"closed","region":"us","items":[{"price":2},{"price":3.5}]})",
  };
  for (const char* t : kTexts) {
    Json d = Json::parse(t);
    docs.emplace_back(d["id"].get<std::string>(), d);
  }
  return docs;
}

Json Groups(const std::string& query, const Docs& docs = Orders()) {
  auto q = CompiledQuery::Parse(query);
  EXPECT_TRUE(q.ok()) << q.status().ToString();
  if (!q.ok()) return nullptr;
  EXPECT_TRUE(q->is_aggregate());
  auto r = RunQuery(*q, docs);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? r->ToJson()["groups"] : Json(nullptr);
}

TEST(AggregateTest, CountWithoutGroupByIsOneGroup) {
  EXPECT_EQ(Groups(R"({"aggregate":{"count":true}})"), Json::parse(R"([{"key":{},"count":6}])"));
  EXPECT_EQ(Groups(R"({"where":{"status":"active"},"aggregate":{"count":true}})"),
            Json::parse(R"([{"key":{},"count":3}])"));
  EXPECT_EQ(
      Groups(
          R"({"where":{"status":"none"},"aggregate":{"count":true,"sum":["amount"],"avg":["amount"],"min":["amount"],"distinct":["region"]}})"),
      Json::parse(
          R"([{"key":{},"count":0,"sum":{"amount":0},"avg":{"amount":null},"min":{"amount":null},"distinct":{"region":[]}}])"));
}

TEST(AggregateTest, GroupByWithEveryAggregate) {
  Json g = Groups(
      R"({"aggregate":{"groupBy":["status"],"count":true,"sum":["amount"],"avg":["amount"],
          "min":["amount"],"max":["amount"],"distinct":["region"]}})");
  // Groups sorted by key: missing/null status first (null), then "active", "closed".
  Json want = Json::parse(R"([
    {"key":{"status":null},"count":1,"sum":{"amount":3},"avg":{"amount":3.0},
     "min":{"amount":3},"max":{"amount":3},"distinct":{"region":[null]}},
    {"key":{"status":"active"},"count":3,"sum":{"amount":120},"avg":{"amount":60.0},
     "min":{"amount":20},"max":{"amount":"n/a"},"distinct":{"region":["eu","us"]}},
    {"key":{"status":"closed"},"count":2,"sum":{"amount":7.5},"avg":{"amount":7.5},
     "min":{"amount":7.5},"max":{"amount":7.5},"distinct":{"region":["eu","us"]}}])");
  EXPECT_EQ(g, want) << g.dump(1);
}

TEST(AggregateTest, MultiFieldGroupBy) {
  Json g = Groups(R"({"aggregate":{"groupBy":["region","status"],"count":true}})");
  Json want = Json::parse(R"([
    {"key":{"region":null,"status":null},"count":1},
    {"key":{"region":"eu","status":"active"},"count":2},
    {"key":{"region":"eu","status":"closed"},"count":1},
    {"key":{"region":"us","status":"active"},"count":1},
    {"key":{"region":"us","status":"closed"},"count":1}])");
  EXPECT_EQ(g, want) << g.dump(1);
}

TEST(AggregateTest, GroupByAloneListsCombinations) {
  EXPECT_EQ(
      Groups(R"({"aggregate":{"groupBy":"region"}})"),
      Json::parse(R"([{"key":{"region":null}},{"key":{"region":"eu"}},{"key":{"region":"us"}}])"));
}

TEST(AggregateTest, LimitAndOffsetPageGroups) {
  EXPECT_EQ(Groups(R"({"aggregate":{"groupBy":["region"],"count":true},"limit":1,"offset":1})"),
            Json::parse(R"([{"key":{"region":"eu"},"count":3}])"));
  EXPECT_EQ(Groups(R"({"aggregate":{"count":true},"limit":0})"), Json::array());
}

TEST(AggregateTest, ArraysAreUnwoundForInputs) {
  Json g = Groups(R"({"aggregate":{"sum":["items.price"],"distinct":["tags"],"max":["tags"]}})");
  EXPECT_EQ(
      g,
      Json::parse(
          R"([{"key":{},"sum":{"items.price":5.5},"distinct":{"tags":["a","b"]},"max":{"tags":"b"}}])"))
      << g.dump();
}

TEST(AggregateTest, SumsOfIntegersStayExact) {
  Docs docs = {{"a", Json::parse(R"({"n":9223372036854775807})")},
               {"b", Json::parse(R"({"n":1})")}};
  // Past int64: uint64, exactly.
  EXPECT_EQ(Groups(R"({"aggregate":{"sum":["n"]}})", docs)[0]["sum"]["n"].dump(),
            "9223372036854775808");
  docs.push_back({"c", Json::parse(R"({"n":18446744073709551615})")});
  // Past uint64: a double.
  Json big = Groups(R"({"aggregate":{"sum":["n"]}})", docs)[0]["sum"]["n"];
  EXPECT_TRUE(big.is_number_float());
  EXPECT_DOUBLE_EQ(big.get<double>(), 2.7670116110564327e19);
  // Negative sums within int64.
  Docs neg = {{"a", Json::parse(R"({"n":-9223372036854775808})")},
              {"b", Json::parse(R"({"n":9223372036854775807})")}};
  EXPECT_EQ(Groups(R"({"aggregate":{"sum":["n"]}})", neg)[0]["sum"]["n"].dump(), "-1");
  // Cancelling out past the int64 range on the way stays exact.
  neg.push_back({"c", Json::parse(R"({"n":18446744073709551615})")});
  neg.push_back({"d", Json::parse(R"({"n":-9223372036854775808})")});
  EXPECT_EQ(Groups(R"({"aggregate":{"sum":["n"]}})", neg)[0]["sum"]["n"].dump(),
            "9223372036854775806");
  // Mixed: a double.
  Docs mixed = {{"a", Json::parse(R"({"n":1})")}, {"b", Json::parse(R"({"n":0.5})")}};
  Json m = Groups(R"({"aggregate":{"sum":["n"],"avg":["n"]}})", mixed)[0];
  EXPECT_EQ(m["sum"]["n"], 1.5);
  EXPECT_TRUE(m["sum"]["n"].is_number_float());
  EXPECT_EQ(m["avg"]["n"], 0.75);
}

TEST(AggregateTest, HugeDoublesAndMinMaxAcrossTypes) {
  Docs docs = {{"a", Json::parse(R"({"n":1e308})")},
               {"b", Json::parse(R"({"n":1e308})")},
               {"c", Json::parse(R"({"n":-5})")},
               {"d", Json::parse(R"({"n":true})")},
               {"e", Json::parse(R"({"n":null})")}};
  Json g = Groups(R"({"aggregate":{"sum":["n"],"min":["n"],"max":["n"],"avg":["n"]}})", docs)[0];
  EXPECT_TRUE(g["sum"]["n"].is_number_float());
  EXPECT_TRUE(std::isinf(g["sum"]["n"].get<double>()));  // overflow is an honest inf
  EXPECT_EQ(g["min"]["n"], true);  // booleans sort below numbers; null skipped
  EXPECT_EQ(g["max"]["n"], 1e308);
}

TEST(AggregateTest, GroupKeysCompareNumbersByValue) {
  Docs docs = {{"a", Json::parse(R"({"k":1})")},
               {"b", Json::parse(R"({"k":1.0})")},
               {"c", Json::parse(R"({"k":"1"})")}};
  Json g = Groups(R"({"aggregate":{"groupBy":["k"],"count":true}})", docs);
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(g[0]["count"], 2);
  EXPECT_EQ(g[1]["key"]["k"], "1");
}

TEST(AggregateTest, Errors) {
  EXPECT_THAT(CompiledQuery::Parse(R"({"aggregate":{}})"),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "aggregate: nothing to compute"));
  EXPECT_THAT(CompiledQuery::Parse(R"({"aggregate":{"median":["a"]}})"),
              StatusIsWithMessage(StatusCode::kInvalidArgument,
                                  "aggregate.median: unknown aggregate 'median'"));
  EXPECT_THAT(CompiledQuery::Parse(R"({"aggregate":{"count":1}})"),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "aggregate.count: expects true"));
  EXPECT_THAT(
      CompiledQuery::Parse(R"({"aggregate":{"sum":[1]}})"),
      StatusIsWithMessage(StatusCode::kInvalidArgument, "aggregate.sum[0]: expects a field"));
  EXPECT_THAT(
      CompiledQuery::Parse(R"({"aggregate":{"groupBy":{}}})"),
      StatusIsWithMessage(StatusCode::kInvalidArgument, "aggregate.groupBy: expects an array"));
  EXPECT_THAT(
      CompiledQuery::Parse(R"({"aggregate":[]})"),
      StatusIsWithMessage(StatusCode::kInvalidArgument, "query: aggregate: expects an object"));
  EXPECT_THAT(
      CompiledQuery::Parse(R"({"aggregate":{"count":true},"sort":["a"]})"),
      StatusIsWithMessage(StatusCode::kInvalidArgument, "sort: cannot be combined with aggregate"));
  EXPECT_THAT(CompiledQuery::Parse(R"({"aggregate":{"count":true},"select":["a"]})"),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "select: cannot be combined"));
}

}  // namespace
}  // namespace worm

// The where language: every operator, path rules, and precise errors.
#include <limits>

#include "testing/test_util.h"
#include "worm/query.h"

namespace worm {
namespace {

using ::worm::testing::StatusIs;
using ::worm::testing::StatusIsWithMessage;

bool Matches(const std::string& where, const std::string& doc) {
  auto q = CompiledQuery::Compile(Json{{"where", Json::parse(where)}});
  EXPECT_TRUE(q.ok()) << where << ": " << q.status().ToString();
  if (!q.ok()) return false;
  return q->Matches(Json::parse(doc));
}

Status CompileError(const std::string& query) { return CompiledQuery::Parse(query).status(); }

TEST(FilterTest, EmptyWhereMatchesEverything) {
  EXPECT_TRUE(Matches("{}", "{}"));
  EXPECT_TRUE(Matches("null", R"({"a":1})"));
  auto q = CompiledQuery::Parse("{}");
  ASSERT_OK(q.status());
  EXPECT_TRUE(q->Matches(Json::parse(R"({"x":[1]})")));
}

TEST(FilterTest, ImplicitEqualityAndImplicitAnd) {
  const char* doc = R"({"status":"active","amount":120,"n":null})";
  EXPECT_TRUE(Matches(R"({"status":"active"})", doc));
  EXPECT_FALSE(Matches(R"({"status":"closed"})", doc));
  EXPECT_TRUE(Matches(R"({"status":"active","amount":120})", doc));
  EXPECT_FALSE(Matches(R"({"status":"active","amount":121})", doc));
  EXPECT_TRUE(Matches(R"({"amount":120.0})", doc));  // numeric equality across representations
  EXPECT_FALSE(Matches(R"({"amount":"120"})", doc));
  EXPECT_TRUE(Matches(R"({"meta":{"$exists":false}})", doc));
}

TEST(FilterTest, EqualityWithObjectsIsOrderInsensitive) {
  const char* doc = R"({"meta":{"a":1,"b":[1,2]}})";
  EXPECT_TRUE(Matches(R"({"meta":{"b":[1,2],"a":1}})", doc));
  EXPECT_TRUE(Matches(R"({"meta":{"$eq":{"b":[1,2],"a":1.0}}})", doc));
  EXPECT_FALSE(Matches(R"({"meta":{"a":1}})", doc));
}

TEST(FilterTest, EqNullMatchesMissingAndNull) {
  EXPECT_TRUE(Matches(R"({"x":null})", R"({})"));
  EXPECT_TRUE(Matches(R"({"x":null})", R"({"x":null})"));
  EXPECT_FALSE(Matches(R"({"x":null})", R"({"x":0})"));
  EXPECT_TRUE(Matches(R"({"x":{"$ne":null}})", R"({"x":0})"));
  EXPECT_FALSE(Matches(R"({"x":{"$ne":null}})", R"({})"));
  EXPECT_FALSE(Matches(R"({"x":{"$ne":null}})", R"({"x":null})"));
}

TEST(FilterTest, NeMatchesMissing) {
  EXPECT_TRUE(Matches(R"({"status":{"$ne":"active"}})", R"({})"));
  EXPECT_TRUE(Matches(R"({"status":{"$ne":"active"}})", R"({"status":"closed"})"));
  EXPECT_FALSE(Matches(R"({"status":{"$ne":"active"}})", R"({"status":"active"})"));
  EXPECT_FALSE(Matches(R"({"tags":{"$ne":"vip"}})", R"({"tags":["a","vip"]})"));
}

TEST(FilterTest, RangeOperatorsAreTypeBracketed) {
  EXPECT_TRUE(Matches(R"({"a":{"$gt":5}})", R"({"a":6})"));
  EXPECT_FALSE(Matches(R"({"a":{"$gt":5}})", R"({"a":5})"));
  EXPECT_TRUE(Matches(R"({"a":{"$gte":5}})", R"({"a":5.0})"));
  EXPECT_TRUE(Matches(R"({"a":{"$lt":5}})", R"({"a":-1e308})"));
  EXPECT_TRUE(Matches(R"({"a":{"$lte":5}})", R"({"a":5})"));
  // Other types never satisfy a numeric range, in either direction.
  for (const char* doc : {R"({"a":"abc"})", R"({"a":null})", R"({})", R"({"a":true})",
                          R"({"a":[]})", R"({"a":{}})"}) {
    EXPECT_FALSE(Matches(R"({"a":{"$lt":5}})", doc)) << doc;
    EXPECT_FALSE(Matches(R"({"a":{"$gt":5}})", doc)) << doc;
  }
  EXPECT_TRUE(Matches(R"({"name":{"$gte":"b","$lt":"c"}})", R"({"name":"bob"})"));
  EXPECT_FALSE(Matches(R"({"name":{"$gte":"b","$lt":"c"}})", R"({"name":"carl"})"));
  EXPECT_TRUE(Matches(R"({"flag":{"$gt":false}})", R"({"flag":true})"));
  EXPECT_TRUE(Matches(R"({"x":{"$gte":null}})", R"({"x":null})"));
  EXPECT_FALSE(Matches(R"({"x":{"$gt":null}})", R"({"x":1})"));
}

TEST(FilterTest, VeryLargeNumbers) {
  const char* doc =
      R"({"i":9223372036854775807,"u":18446744073709551615,"d":1e308,"n":-9223372036854775808})";
  EXPECT_TRUE(Matches(R"({"i":9223372036854775807})", doc));
  EXPECT_FALSE(Matches(R"({"i":9223372036854775806})", doc));
  EXPECT_TRUE(Matches(R"({"i":{"$lt":9223372036854775808}})", doc));
  EXPECT_TRUE(Matches(R"({"u":{"$gt":9223372036854775807}})", doc));
  EXPECT_TRUE(Matches(R"({"u":18446744073709551615})", doc));
  EXPECT_FALSE(Matches(R"({"u":18446744073709551614})", doc));
  EXPECT_TRUE(Matches(R"({"u":{"$lt":1e20}})", doc));
  EXPECT_TRUE(Matches(R"({"d":{"$gt":18446744073709551615}})", doc));
  EXPECT_TRUE(Matches(R"({"d":1e308})", doc));
  EXPECT_TRUE(Matches(R"({"n":{"$lt":-9223372036854775807}})", doc));
  EXPECT_TRUE(Matches(R"({"n":-9.223372036854775808e18})", doc));
}

TEST(FilterTest, InAndNin) {
  EXPECT_TRUE(Matches(R"({"s":{"$in":["a","b"]}})", R"({"s":"b"})"));
  EXPECT_FALSE(Matches(R"({"s":{"$in":["a","b"]}})", R"({"s":"c"})"));
  EXPECT_FALSE(Matches(R"({"s":{"$in":[]}})", R"({"s":"c"})"));
  EXPECT_TRUE(Matches(R"({"s":{"$nin":[]}})", R"({"s":"c"})"));
  EXPECT_TRUE(Matches(R"({"n":{"$in":[1,2,3]}})", R"({"n":2.0})"));
  EXPECT_TRUE(Matches(R"({"s":{"$in":[null,"a"]}})", R"({})"));
  EXPECT_FALSE(Matches(R"({"s":{"$in":["a"]}})", R"({})"));
  EXPECT_TRUE(Matches(R"({"s":{"$nin":["a"]}})", R"({})"));
  EXPECT_FALSE(Matches(R"({"s":{"$nin":[null]}})", R"({})"));
  EXPECT_TRUE(Matches(R"({"tags":{"$in":["x","vip"]}})", R"({"tags":["vip","new"]})"));
  EXPECT_FALSE(Matches(R"({"tags":{"$nin":["x","vip"]}})", R"({"tags":["vip","new"]})"));
  EXPECT_TRUE(Matches(R"({"o":{"$in":[{"a":1},[1,2]]}})", R"({"o":[1,2]})"));
  // Many values: binary search over the sorted set.
  Json big = Json::array();
  for (int i = 0; i < 1000; i += 2) big.push_back(i);
  auto q = CompiledQuery::Compile(Json{{"where", {{"n", {{"$in", big}}}}}});
  ASSERT_OK(q.status());
  EXPECT_TRUE(q->Matches(Json{{"n", 998}}));
  EXPECT_FALSE(q->Matches(Json{{"n", 999}}));
}

TEST(FilterTest, Exists) {
  EXPECT_TRUE(Matches(R"({"a":{"$exists":true}})", R"({"a":null})"));
  EXPECT_FALSE(Matches(R"({"a":{"$exists":true}})", R"({"b":1})"));
  EXPECT_TRUE(Matches(R"({"a":{"$exists":false}})", R"({"b":1})"));
  EXPECT_TRUE(Matches(R"({"a.b":{"$exists":true}})", R"({"a":[{"c":1},{"b":2}]})"));
  EXPECT_FALSE(Matches(R"({"a.b":{"$exists":true}})", R"({"a":[{"c":1}]})"));
}

TEST(FilterTest, ContainsOnArraysAndStrings) {
  EXPECT_TRUE(Matches(R"({"tags":{"$contains":"vip"}})", R"({"tags":["a","vip"]})"));
  EXPECT_FALSE(Matches(R"({"tags":{"$contains":"vi"}})", R"({"tags":["a","vip"]})"));
  EXPECT_TRUE(Matches(R"({"name":{"$contains":"da"}})", R"({"name":"Ada"})"));
  EXPECT_FALSE(Matches(R"({"name":{"$contains":"DA"}})", R"({"name":"Ada"})"));
  EXPECT_TRUE(Matches(R"({"name":{"$contains":""}})", R"({"name":"x"})"));
  EXPECT_FALSE(Matches(R"({"n":{"$contains":1}})", R"({"n":1})"));
  EXPECT_FALSE(Matches(R"({"tags":{"$contains":"vip"}})", R"({})"));
  EXPECT_TRUE(Matches(R"({"items":{"$contains":{"sku":"x","qty":1}}})",
                      R"({"items":[{"qty":1.0,"sku":"x"}]})"));
  EXPECT_TRUE(Matches(R"({"n":{"$contains":2}})", R"({"n":[1,2.0]})"));
}

TEST(FilterTest, StartsWithEndsWith) {
  EXPECT_TRUE(Matches(R"({"name":{"$startsWith":"A"}})", R"({"name":"Ada"})"));
  EXPECT_FALSE(Matches(R"({"name":{"$startsWith":"a"}})", R"({"name":"Ada"})"));
  EXPECT_TRUE(Matches(R"({"name":{"$endsWith":"da"}})", R"({"name":"Ada"})"));
  EXPECT_FALSE(Matches(R"({"name":{"$endsWith":"Ada!"}})", R"({"name":"Ada"})"));
  EXPECT_TRUE(Matches(R"({"name":{"$startsWith":""}})", R"({"name":""})"));
  EXPECT_FALSE(Matches(R"({"name":{"$startsWith":"1"}})", R"({"name":12})"));
  EXPECT_TRUE(Matches(R"({"name":{"$startsWith":"Ω"}})", R"({"name":"Ωmega"})"));
  EXPECT_TRUE(Matches(R"({"tags":{"$startsWith":"v"}})", R"({"tags":["a","vip"]})"));
}

TEST(FilterTest, Regex) {
  EXPECT_TRUE(Matches(R"({"email":{"$regex":"@example\\.com$"}})", R"({"email":"a@example.com"})"));
  EXPECT_FALSE(Matches(R"({"email":{"$regex":"^b"}})", R"({"email":"a@example.com"})"));
  EXPECT_TRUE(Matches(R"({"name":{"$regex":"^ada$","$options":"i"}})", R"({"name":"ADA"})"));
  EXPECT_FALSE(Matches(R"({"name":{"$regex":"^ada$"}})", R"({"name":"ADA"})"));
  EXPECT_TRUE(Matches(R"({"t":{"$regex":"^b$","$options":"m"}})", R"({"t":"a\nb"})"));
  EXPECT_FALSE(Matches(R"({"t":{"$regex":"a.b"}})", R"({"t":"a\nb"})"));
  EXPECT_TRUE(Matches(R"({"t":{"$regex":"a.b","$options":"s"}})", R"({"t":"a\nb"})"));
  EXPECT_TRUE(Matches(R"({"t":{"$regex":"^.$"}})", R"({"t":"☃"})"));  // UTF-8 aware
  EXPECT_FALSE(Matches(R"({"t":{"$regex":"1"}})", R"({"t":1})"));
  EXPECT_TRUE(Matches(R"({"t":{"$regex":"^v"}})", R"({"t":["a","vip"]})"));
}

TEST(FilterTest, LogicalOperators) {
  const char* doc = R"({"a":1,"b":2})";
  EXPECT_TRUE(Matches(R"({"$or":[{"a":2},{"b":2}]})", doc));
  EXPECT_FALSE(Matches(R"({"$or":[{"a":2},{"b":3}]})", doc));
  EXPECT_TRUE(Matches(R"({"$and":[{"a":1},{"b":2}]})", doc));
  EXPECT_FALSE(Matches(R"({"$and":[{"a":1},{"b":3}]})", doc));
  EXPECT_TRUE(Matches(R"({"$not":{"a":2}})", doc));
  EXPECT_FALSE(Matches(R"({"$not":{"a":1}})", doc));
  // Nested $not / $or.
  EXPECT_TRUE(Matches(R"({"$not":{"$or":[{"a":5},{"$not":{"b":2}}]}})", doc));
  EXPECT_FALSE(Matches(R"({"$not":{"$or":[{"a":1},{"$not":{"b":2}}]}})", doc));
  EXPECT_TRUE(
      Matches(R"({"$or":[{"$and":[{"a":1},{"$not":{"b":{"$gt":5}}}]}],"a":{"$lt":2}})", doc));
}

TEST(FilterTest, FieldLevelNot) {
  EXPECT_TRUE(Matches(R"({"a":{"$not":{"$gt":5}}})", R"({"a":3})"));
  EXPECT_FALSE(Matches(R"({"a":{"$not":{"$gt":5}}})", R"({"a":6})"));
  EXPECT_TRUE(Matches(R"({"a":{"$not":{"$gt":5}}})", R"({})"));  // negation includes missing
  EXPECT_TRUE(Matches(R"({"a":{"$not":{"$gt":5}}})", R"({"a":"zzz"})"));
  EXPECT_TRUE(Matches(R"({"name":{"$not":{"$regex":"^a","$options":"i"}}})", R"({"name":"Bob"})"));
  EXPECT_FALSE(Matches(R"({"name":{"$not":"Bob"}})", R"({"name":"Bob"})"));
  EXPECT_TRUE(Matches(R"({"a":{"$not":{"$not":{"$eq":1}}}})", R"({"a":1})"));
}

TEST(FilterTest, DottedPathsAndArrays) {
  const char* doc = R"({"customer":{"name":"Ada","address":{"city":"Paris"}},
                        "items":[{"sku":"x","price":1,"tags":["a"]},{"sku":"y","price":2.5,"tags":["b","c"]}],
                        "matrix":[[1,2],[3]],"tags":["vip","new"]})";
  EXPECT_TRUE(Matches(R"({"customer.address.city":"Paris"})", doc));
  EXPECT_FALSE(Matches(R"({"customer.address.zip":"75001"})", doc));
  EXPECT_TRUE(Matches(R"({"customer.address.zip":null})", doc));
  EXPECT_TRUE(Matches(R"({"items.sku":"y"})", doc));  // any element
  EXPECT_TRUE(Matches(R"({"items.price":{"$gt":2}})", doc));
  EXPECT_FALSE(Matches(R"({"items.price":{"$gt":3}})", doc));
  EXPECT_TRUE(Matches(R"({"items.0.sku":"x"})", doc));  // numeric segment indexes
  EXPECT_FALSE(Matches(R"({"items.0.sku":"y"})", doc));
  EXPECT_TRUE(Matches(R"({"items.1.price":2.5})", doc));
  EXPECT_FALSE(Matches(R"({"items.5.sku":{"$exists":true}})", doc));
  EXPECT_TRUE(Matches(R"({"items.tags":"c"})", doc));        // reached arrays are searched too
  EXPECT_TRUE(Matches(R"({"items.tags":["b","c"]})", doc));  // or equal as a whole
  EXPECT_TRUE(Matches(R"({"tags":"vip"})", doc));
  EXPECT_TRUE(Matches(R"({"tags":["vip","new"]})", doc));
  EXPECT_FALSE(Matches(R"({"tags":["new","vip"]})", doc));
  EXPECT_TRUE(Matches(R"({"matrix.0":[1,2]})", doc));
  EXPECT_TRUE(Matches(R"({"matrix.0.1":2})", doc));
  EXPECT_TRUE(Matches(R"({"matrix":[3]})", doc));  // an element equal to [3]
  EXPECT_FALSE(Matches(R"({"matrix":3})", doc));   // only one level deep
  EXPECT_TRUE(Matches(R"({"items.sku":{"$ne":"z"}})", doc));
  EXPECT_FALSE(Matches(R"({"items.sku":{"$ne":"x"}})", doc));
  EXPECT_FALSE(Matches(R"({"customer.name.first":"Ada"})", doc));
}

TEST(FilterTest, MixedTypesAndUnicode) {
  EXPECT_TRUE(Matches(R"({"v":"日本語"})", R"({"v":"日本語"})"));
  EXPECT_TRUE(Matches(R"({"v":{"$gt":"z"}})", R"({"v":"é"})"));
  EXPECT_TRUE(Matches(R"({"v":"\u00e9"})", R"({"v":"é"})"));
  EXPECT_FALSE(Matches(R"({"v":"e\u0301"})", R"({"v":"é"})"));  // no normalization
  EXPECT_TRUE(Matches(R"({"über.größe":1})", R"({"über":{"größe":1}})"));
  EXPECT_TRUE(Matches(R"({"v":{"$in":[1,"1",true]}})", R"({"v":true})"));
  EXPECT_FALSE(Matches(R"({"v":1})", R"({"v":true})"));
  EXPECT_FALSE(Matches(R"({"v":0})", R"({"v":false})"));
  EXPECT_FALSE(Matches(R"({"v":""})", R"({"v":null})"));
}

TEST(FilterTest, InvalidUtf8InDocumentsDoesNotBreakMatching) {
  auto q = CompiledQuery::Parse(R"({"where":{"v":{"$regex":"a"}}})");
  ASSERT_OK(q.status());
  EXPECT_TRUE(q->Matches(Json{{"v", std::string("a\xff")}}));
  EXPECT_FALSE(q->Matches(Json{{"v", std::string("\xfe\xff")}}));
}

// ---- errors ----------------------------------------------------------------

TEST(FilterErrorTest, UnknownOperatorNamesItsPath) {
  EXPECT_THAT(
      CompileError(R"({"where":{"a":{"$foo":1}}})"),
      StatusIsWithMessage(StatusCode::kInvalidArgument, "query: where.a.$foo: unknown operator"));
  EXPECT_THAT(CompileError(R"({"where":{"$nor":[{"a":1}]}})"),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "where.$nor: unknown operator"));
  EXPECT_THAT(CompileError(R"({"where":{"$or":[{"a":1},{"b":{"$gt":1,"$bad":2}}]}})"),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "where.$or[1].b.$bad"));
}

TEST(FilterErrorTest, RangeOnObjectOrArray) {
  EXPECT_THAT(CompileError(R"({"where":{"amount":{"$gt":{}}}})"),
              StatusIsWithMessage(StatusCode::kInvalidArgument,
                                  "where.amount.$gt: $gt expects a number, string, boolean or "
                                  "null, got an object"));
  EXPECT_THAT(CompileError(R"({"where":{"amount":{"$lte":[1]}}})"),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "got an array"));
}

TEST(FilterErrorTest, OperandShapes) {
  EXPECT_THAT(
      CompileError(R"({"where":{"a":{"$in":5}}})"),
      StatusIsWithMessage(StatusCode::kInvalidArgument, "where.a.$in: $in expects an array"));
  EXPECT_THAT(CompileError(R"({"where":{"a":{"$nin":"x"}}})"),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "$nin expects an array"));
  EXPECT_THAT(CompileError(R"({"where":{"a":{"$exists":1}}})"),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "$exists expects true or false"));
  EXPECT_THAT(CompileError(R"({"where":{"a":{"$startsWith":1}}})"),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "$startsWith expects a string"));
  EXPECT_THAT(CompileError(R"({"where":{"a":{"$endsWith":null}}})"),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "$endsWith expects a string"));
  EXPECT_THAT(CompileError(R"({"where":{"a":{"$gt":1,"b":2}}})"),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "where.a.b: field 'b' mixed"));
}

TEST(FilterErrorTest, Regex) {
  EXPECT_THAT(CompileError(R"({"where":{"a":{"$regex":"(unclosed"}}})"),
              StatusIsWithMessage(StatusCode::kInvalidArgument,
                                  "where.a.$regex: invalid regular expression: missing )"));
  EXPECT_THAT(CompileError(R"({"where":{"a":{"$regex":"x","$options":"g"}}})"),
              StatusIsWithMessage(StatusCode::kInvalidArgument,
                                  "where.a.$options: unknown regex option 'g'"));
  EXPECT_THAT(CompileError(R"({"where":{"a":{"$options":"i"}}})"),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "$options without $regex"));
  EXPECT_THAT(CompileError(R"({"where":{"a":{"$regex":5}}})"),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "$regex expects a pattern string"));
  // Backreferences are not RE2 (no backtracking, ever).
  EXPECT_THAT(CompileError(R"({"where":{"a":{"$regex":"(a)\\1"}}})"),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST(FilterErrorTest, LogicalShapes) {
  EXPECT_THAT(CompileError(R"({"where":{"$and":{"a":1}}})"),
              StatusIsWithMessage(StatusCode::kInvalidArgument,
                                  "where.$and: $and expects a non-empty array of filters, got an "
                                  "object"));
  EXPECT_THAT(CompileError(R"({"where":{"$or":[]}})"),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "got an empty array"));
  EXPECT_THAT(CompileError(R"({"where":{"$or":[{"a":1},3]}})"),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "where.$or[1]: expects a filter"));
  EXPECT_THAT(
      CompileError(R"({"where":{"$not":[{"a":1}]}})"),
      StatusIsWithMessage(StatusCode::kInvalidArgument, "where.$not: $not expects a filter"));
  EXPECT_THAT(CompileError(R"({"where":[]})"),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "query: where: expects a filter"));
}

TEST(FilterErrorTest, BadPaths) {
  EXPECT_THAT(CompileError(R"({"where":{"a..b":1}})"),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "empty segment"));
  EXPECT_THAT(CompileError(R"({"where":{"":1}})"),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "empty field path"));
  EXPECT_THAT(CompileError(R"({"where":{"a.$gt":1}})"),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "segment starting with '$'"));
  EXPECT_THAT(CompileError(R"({"where":{"a b":{"$bad":1}}})"),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "where[\"a b\"].$bad"));
}

TEST(FilterErrorTest, NumberOverflowIsInvalidNotACrash) {
  EXPECT_THAT(CompiledQuery::Parse(R"({"where":{"a":1e999}})"),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "number overflow"));
}

TEST(FilterErrorTest, DeepNestingIsRefused) {
  Json where = {{"a", 1}};
  for (int i = 0; i < 100; ++i) where = Json{{"$not", where}};
  EXPECT_THAT(CompiledQuery::Compile(Json{{"where", where}}),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "nested too deeply"));
}

// A filter nested 100,000 deep (text or a value built in code) is refused
// before anything walks or copies it (each recursing once per level).
TEST(FilterErrorTest, FilterNestedFarPastTheLimitIsRefusedNotACrash) {
  std::string text = "{\"where\": ";
  for (int i = 0; i < 100000; ++i) text += "{\"$and\": [";
  text += "{\"a\": 1}";
  for (int i = 0; i < 100000; ++i) text += "]}";
  text += "}";
  EXPECT_THAT(CompiledQuery::Parse(text),
              StatusIsWithMessage(StatusCode::kInvalidArgument,
                                  "query: nested deeper than the limit of 128 levels at line 1"));
  Json built = Json::parse(text);  // nlohmann's parser does not recurse
  EXPECT_THAT(CompiledQuery::Compile(built),
              StatusIsWithMessage(StatusCode::kInvalidArgument,
                                  "query: nested deeper than the limit of 128 levels"));
  std::string nots = "{\"where\": " + [] {
    std::string s;
    for (int i = 0; i < 100000; ++i) s += "{\"$not\": ";
    return s + "{\"a\": 1}" + std::string(100000, '}');
  }() + "}";
  EXPECT_THAT(CompiledQuery::Compile(Json::parse(nots)),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "limit of 128 levels"));
  // Within the JSON limit, the filter's own limit on logical nesting.
  Json where = {{"a", 1}};
  for (int i = 0; i < 70; ++i) where = Json{{"$not", where}};
  EXPECT_THAT(CompiledQuery::Compile(Json{{"where", where}}),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "more than 64 levels"));
}

// A field path reaches one level per segment, so one longer than any
// document can be deep is refused (select builds a trie per segment).
TEST(FilterErrorTest, FieldPathWithMoreSegmentsThanTheNestingLimitIsRefused) {
  std::string path = "a";
  for (int i = 0; i < 100000; ++i) path += ".a";
  for (const char* member : {"select", "sort", "populate"}) {
    EXPECT_THAT(
        CompiledQuery::Compile(Json{{member, Json::array({path})}}),
        StatusIsWithMessage(StatusCode::kInvalidArgument, "field path has more than 128 segments"))
        << member;
  }
  EXPECT_THAT(CompiledQuery::Compile(Json{{"where", {{path, 1}}}}),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "more than 128 segments"));
  EXPECT_THAT(CompiledQuery::Compile(Json{{"aggregate", {{"sum", Json::array({path})}}}}),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "more than 128 segments"));
  std::string ok = "a";
  for (int i = 1; i < 128; ++i) ok += ".a";  // kMaxJsonDepth segments
  EXPECT_OK(CompiledQuery::Compile(Json{{"select", Json::array({ok})}}).status());
}

}  // namespace
}  // namespace worm

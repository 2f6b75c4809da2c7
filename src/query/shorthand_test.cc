// CLI shorthand filters -> where JSON.
#include "testing/test_util.h"
#include "worm/query.h"

namespace worm {
namespace {

using ::worm::testing::StatusIsWithMessage;

Json F(std::string_view expr) {
  auto r = ParseFilterShorthand(expr);
  EXPECT_TRUE(r.ok()) << expr << ": " << r.status().ToString();
  return r.ok() ? *r : Json();
}

TEST(ShorthandTest, Operators) {
  EXPECT_EQ(F("status=active"), Json::parse(R"({"status":"active"})"));
  EXPECT_EQ(F("status==active"), Json::parse(R"({"status":"active"})"));
  EXPECT_EQ(F("amount>=100"), Json::parse(R"({"amount":{"$gte":100}})"));
  EXPECT_EQ(F("amount<5"), Json::parse(R"({"amount":{"$lt":5}})"));
  EXPECT_EQ(F("amount>5.5"), Json::parse(R"({"amount":{"$gt":5.5}})"));
  EXPECT_EQ(F("amount<=-1e3"), Json::parse(R"({"amount":{"$lte":-1000.0}})"));
  EXPECT_EQ(F("name!=x"), Json::parse(R"({"name":{"$ne":"x"}})"));
  EXPECT_EQ(F("tags~vip"), Json::parse(R"({"tags":{"$contains":"vip"}})"));
  EXPECT_EQ(F("customer.address.city=Paris"), Json::parse(R"({"customer.address.city":"Paris"})"));
}

TEST(ShorthandTest, ValueTyping) {
  EXPECT_EQ(F("a=true"), Json::parse(R"({"a":true})"));
  EXPECT_EQ(F("a=false"), Json::parse(R"({"a":false})"));
  EXPECT_EQ(F("a=null"), Json::parse(R"({"a":null})"));
  EXPECT_EQ(F("a=18446744073709551615")["a"].get<uint64_t>(), 18446744073709551615ull);
  EXPECT_EQ(F("a=\"100\""), Json::parse(R"({"a":"100"})"));
  EXPECT_EQ(F("zip=01234"), Json::parse(R"({"zip":"01234"})"));  // leading zero: text
  EXPECT_EQ(F("v=1.2.3"), Json::parse(R"({"v":"1.2.3"})"));
  EXPECT_EQ(F("a=True"), Json::parse(R"({"a":"True"})"));
  EXPECT_EQ(F("a="), Json::parse(R"({"a":""})"));
  EXPECT_EQ(F("a = b c "), Json::parse(R"({"a":"b c"})"));
  EXPECT_EQ(F("a=x=y"), Json::parse(R"({"a":"x=y"})"));
  EXPECT_EQ(F("name=Ωmega"), Json::parse(R"({"name":"Ωmega"})"));
  EXPECT_EQ(F("a=-"), Json::parse(R"({"a":"-"})"));
  EXPECT_EQ(F("a=1e999"), Json::parse(R"({"a":"1e999"})"));  // not a finite JSON number: text
}

TEST(ShorthandTest, Errors) {
  EXPECT_THAT(ParseFilterShorthand("status"),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "filter 'status': no operator"));
  EXPECT_THAT(ParseFilterShorthand("=x"),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "missing field path"));
  EXPECT_THAT(ParseFilterShorthand("a!x"),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "unknown operator"));
}

TEST(ShorthandTest, CombiningWithWhere) {
  ASSERT_OK_AND_ASSIGN(Json w, WhereWithFilters(nullptr, {"status=active", "amount>=100"}));
  EXPECT_EQ(w, Json::parse(R"({"status":"active","amount":{"$gte":100}})"));
  ASSERT_OK_AND_ASSIGN(Json w2,
                       WhereWithFilters(Json::parse(R"({"amount":{"$lt":500}})"), {"amount>=100"}));
  EXPECT_EQ(w2, Json::parse(R"({"$and":[{"amount":{"$lt":500}},{"amount":{"$gte":100}}]})"));
  ASSERT_OK_AND_ASSIGN(Json w3, WhereWithFilters(Json::object(), {}));
  EXPECT_EQ(w3, Json::object());
  EXPECT_EQ(AndWhere(nullptr, Json::object()), Json::object());
  ASSERT_OK(CompiledQuery::Compile({{"where", w2}}).status());
}

}  // namespace
}  // namespace worm

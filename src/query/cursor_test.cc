#include "query/cursor.h"

#include "testing/test_util.h"

namespace worm::query {
namespace {

using ::worm::testing::StatusIs;

TEST(CursorTest, Base64UrlRoundTrip) {
  using namespace std::string_literals;
  for (std::string s :
       {""s, "f"s, "fo"s, "foo"s, "foob"s, "fooba"s, "foobar"s, "\xff\xfe\x00\x01"s}) {
    std::string enc = Base64UrlEncode(s);
    EXPECT_EQ(enc.find_first_of("+/="), std::string::npos);
    ASSERT_OK_AND_ASSIGN(std::string dec, Base64UrlDecode(enc));
    EXPECT_EQ(dec, s);
  }
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_THAT(Base64UrlDecode("a"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(Base64UrlDecode("ab+c"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(Base64UrlDecode("ab=="), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(Base64UrlDecode("Zh"), StatusIs(StatusCode::kInvalidArgument));  // stray bits
}

TEST(CursorTest, RoundTripKeepsMissingNullAndBigNumbers) {
  std::vector<Json> values = {Json(Json::value_t::discarded),
                              nullptr,
                              Json(uint64_t{18446744073709551615ull}),
                              Json(1e308),
                              Json("日本"),
                              Json::parse(R"({"a":[1]})")};
  std::string c = EncodeCursor("0123456789abcdef", values, "org/@c/k1");
  ASSERT_OK_AND_ASSIGN(CursorPosition pos, DecodeCursor(c, "0123456789abcdef", values.size()));
  ASSERT_EQ(pos.values.size(), values.size());
  EXPECT_TRUE(pos.values[0].is_discarded());
  EXPECT_TRUE(pos.values[1].is_null());
  EXPECT_TRUE(pos.values[2].is_number_unsigned());
  EXPECT_EQ(pos.values[2].get<uint64_t>(), 18446744073709551615ull);
  EXPECT_EQ(pos.values[3], 1e308);
  EXPECT_EQ(pos.values[4], "日本");
  EXPECT_EQ(pos.values[5], values[5]);
  EXPECT_EQ(pos.key, "org/@c/k1");
}

TEST(CursorTest, RefusesOtherQueriesAndGarbage) {
  std::string c = EncodeCursor("0123456789abcdef", {Json(1)}, "k");
  EXPECT_THAT(DecodeCursor(c, "fedcba9876543210", 1), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(DecodeCursor(c, "0123456789abcdef", 2), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(
      DecodeCursor(Base64UrlEncode("[2,\"0123456789abcdef\",[[1]],\"k\"]"), "0123456789abcdef", 1),
      StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(DecodeCursor(Base64UrlEncode("[1,\"0123456789abcdef\",[[1,2]],\"k\"]"),
                           "0123456789abcdef", 1),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(DecodeCursor(Base64UrlEncode("not json"), "x", 0),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(DecodeCursor("", "x", 0), StatusIs(StatusCode::kInvalidArgument));
}

TEST(CursorTest, FingerprintDependsOnWhereAndSortOnly) {
  Json where = Json::parse(R"({"a":1,"b":{"$gt":2}})");
  Json reordered = Json::parse(R"({"b":{"$gt":2},"a":1})");
  EXPECT_EQ(QueryFingerprint(where, {"-x"}), QueryFingerprint(reordered, {"-x"}));
  EXPECT_NE(QueryFingerprint(where, {"-x"}), QueryFingerprint(where, {"x"}));
  EXPECT_NE(QueryFingerprint(where, {}), QueryFingerprint(Json::object(), {}));
}

}  // namespace
}  // namespace worm::query

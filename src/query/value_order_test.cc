#include "query/value_order.h"

#include <cmath>
#include <limits>

#include "testing/test_util.h"
#include "worm/query.h"

namespace worm::query {
namespace {

Json J(const char* text) { return Json::parse(text); }

int Cmp(const Json& a, const Json& b) { return CompareValues(a, b); }

TEST(ValueOrderTest, TypeClassesInOrder) {
  std::vector<Json> ordered = {
      MissingValue(), nullptr,  false,          true,           -1, 0, 1.5, "", "a",
      Json::array(),  J("[0]"), Json::object(), J(R"({"a":1})")};
  for (size_t i = 0; i < ordered.size(); ++i) {
    for (size_t j = 0; j < ordered.size(); ++j) {
      int want = i < j ? -1 : (i > j ? 1 : 0);
      EXPECT_EQ(Cmp(ordered[i], ordered[j]), want) << ordered[i] << " vs " << ordered[j];
    }
  }
}

TEST(ValueOrderTest, PublicCompareTreatsNullPointerAsMissing) {
  Json null_value = nullptr;
  EXPECT_LT(CompareJson(nullptr, &null_value), 0);
  EXPECT_EQ(CompareJson(nullptr, nullptr), 0);
  EXPECT_GT(CompareJson(Json(1), Json(nullptr)), 0);
}

TEST(ValueOrderTest, NumbersCompareExactlyAcrossRepresentations) {
  const int64_t kMax = std::numeric_limits<int64_t>::max();
  const int64_t kMin = std::numeric_limits<int64_t>::min();
  const uint64_t kUMax = std::numeric_limits<uint64_t>::max();
  EXPECT_EQ(Cmp(Json(1), Json(1.0)), 0);
  EXPECT_EQ(Cmp(Json(uint64_t{7}), Json(int64_t{7})), 0);
  EXPECT_LT(Cmp(Json(kMax), Json(uint64_t{9223372036854775808ull})), 0);
  EXPECT_LT(Cmp(Json(kMax), Json(9223372036854775808.0)), 0);  // 2^63 as a double
  EXPECT_GT(Cmp(Json(kMax), Json(9223372036854774784.0)), 0);  // largest double < 2^63
  EXPECT_EQ(Cmp(Json(kMin), Json(-9223372036854775808.0)), 0);
  EXPECT_LT(Cmp(Json(kMin), Json(int64_t{-1})), 0);
  EXPECT_LT(Cmp(Json(int64_t{-1}), Json(uint64_t{0})), 0);
  EXPECT_LT(Cmp(Json(kUMax), Json(18446744073709551616.0)), 0);  // 2^64
  EXPECT_GT(Cmp(Json(kUMax), Json(1e19)), 0);
  EXPECT_LT(Cmp(Json(kUMax), Json(1e308)), 0);
  // 2^53 + 1 is not representable as a double: the integer is larger.
  EXPECT_GT(Cmp(Json(int64_t{9007199254740993}), Json(9007199254740992.0)), 0);
  EXPECT_LT(Cmp(Json(int64_t{2}), Json(2.5)), 0);
  EXPECT_GT(Cmp(Json(int64_t{-2}), Json(-2.5)), 0);
  EXPECT_GT(Cmp(Json(uint64_t{3}), Json(2.999)), 0);
  EXPECT_GT(Cmp(Json(uint64_t{0}), Json(-0.5)), 0);
  EXPECT_EQ(Cmp(Json(0.0), Json(-0.0)), 0);
  EXPECT_LT(Cmp(Json(-1e308), Json(kMin)), 0);
}

TEST(ValueOrderTest, NanSortsBelowEveryNumber) {
  Json nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_LT(Cmp(nan, Json(-1e308)), 0);
  EXPECT_LT(Cmp(nan, Json(std::numeric_limits<int64_t>::min())), 0);
  EXPECT_LT(Cmp(nan, Json(uint64_t{0})), 0);
  EXPECT_EQ(Cmp(nan, nan), 0);
  EXPECT_GT(Cmp(nan, Json(true)), 0);
}

TEST(ValueOrderTest, StringsCompareByUtf8BytesWhichIsCodePointOrder) {
  EXPECT_LT(Cmp(Json("Z"), Json("a")), 0);
  EXPECT_LT(Cmp(Json("a"), Json("ab")), 0);
  EXPECT_LT(Cmp(Json("z"), Json("é")), 0);       // U+00E9 > U+007A
  EXPECT_LT(Cmp(Json("\uFFFF"), Json("😀")), 0);  // BMP < supplementary (UTF-16 would differ)
  EXPECT_LT(Cmp(Json("☃"), Json("😀")), 0);
}

TEST(ValueOrderTest, ArraysAndObjects) {
  EXPECT_LT(Cmp(J("[1,2]"), J("[1,3]")), 0);
  EXPECT_LT(Cmp(J("[1]"), J("[1,0]")), 0);
  EXPECT_GT(Cmp(J("[2]"), J("[1,9,9]")), 0);
  EXPECT_EQ(Cmp(J("[1, 2.0]"), J("[1.0, 2]")), 0);
  EXPECT_EQ(Cmp(J(R"({"b":1,"a":2})"), J(R"({"a":2,"b":1})")), 0);
  EXPECT_LT(Cmp(J(R"({"a":1})"), J(R"({"a":2})")), 0);
  EXPECT_LT(Cmp(J(R"({"a":9})"), J(R"({"b":0})")), 0);  // first key decides
  EXPECT_LT(Cmp(J(R"({"a":1})"), J(R"({"a":1,"b":0})")), 0);
}

}  // namespace
}  // namespace worm::query

#include "core/json_util.h"

#include <string>

#include "testing/test_util.h"

namespace worm {
namespace {

using ::worm::testing::StatusIsWithMessage;

std::string Nested(int depth, char open = '[', char close = ']') {
  return std::string(depth, open) + std::string(depth, close);
}

// Objects: {"a":{"a":...{}...}} with `depth` levels.
std::string NestedObjects(int depth) {
  std::string s;
  for (int i = 1; i < depth; ++i) s += "{\"a\":";
  s += "{}";
  s += std::string(depth - 1, '}');
  return s;
}

TEST(JsonDepthTest, ParseRefusesTextNestedPastTheLimitNamingItAndWhere) {
  // 200,000 levels: what crashed `worm create` once parsed and copied.
  auto r = ParseJson(Nested(200000), "--data");
  EXPECT_THAT(r, StatusIsWithMessage(StatusCode::kInvalidArgument,
                                     "--data: nested deeper than the limit of 128 levels at line "
                                     "1, column 129"));
  EXPECT_THAT(ParseJson(NestedObjects(200000), "doc.json"),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "limit of 128 levels"));
}

TEST(JsonDepthTest, ParseAcceptsTextExactlyAtTheLimit) {
  ASSERT_OK_AND_ASSIGN(Json at, ParseJson(Nested(kMaxJsonDepth)));
  EXPECT_EQ(JsonDepth(at), kMaxJsonDepth);
  EXPECT_FALSE(ParseJson(Nested(kMaxJsonDepth + 1)).ok());
  ASSERT_OK_AND_ASSIGN(Json doc,
                       ParseJson(NestedObjects(kMaxDocumentDepth), "d", kMaxDocumentDepth));
  EXPECT_EQ(JsonDepth(doc), kMaxDocumentDepth);
  EXPECT_THAT(ParseJson(NestedObjects(kMaxDocumentDepth + 1), "d", kMaxDocumentDepth),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "limit of 100 levels"));
}

TEST(JsonDepthTest, BracketsInsideStringsAreNotNesting) {
  std::string brackets(1000, '[');
  ASSERT_OK_AND_ASSIGN(Json v, ParseJson("{\"s\": \"" + brackets + "\"}"));
  EXPECT_EQ(v["s"], brackets);
  // An escaped quote does not end the string; an escaped backslash does.
  ASSERT_OK_AND_ASSIGN(v, ParseJson("[\"\\\"" + brackets + "\", \"\\\\\"]"));
  EXPECT_EQ(JsonDepth(v), 1);
  EXPECT_FALSE(ParseJson("[\"\\\\\"" + Nested(200)).ok());
}

TEST(JsonDepthTest, PositionCountsLinesAndColumns) {
  std::string text = "{\n  \"a\": " + Nested(3) + "}";
  EXPECT_THAT(CheckJsonTextDepth(text, 2, "x"),
              StatusIsWithMessage(StatusCode::kInvalidArgument,
                                  "x: nested deeper than the limit "
                                  "of 2 levels at line 2, column 9"));
  EXPECT_OK(CheckJsonTextDepth(text, 4, "x"));
}

TEST(JsonDepthTest, DepthOfValuesBuiltWithoutOurParserWithoutRecursion) {
  EXPECT_EQ(JsonDepth(Json(1)), 0);
  EXPECT_EQ(JsonDepth(Json::object()), 1);
  EXPECT_EQ(JsonDepth(Json{{"a", {1, 2, Json::array({Json::object()})}}, {"b", 1}}), 4);
  // nlohmann's own parser builds 200,000 levels (iteratively); measuring them
  // must not recurse, and stops just past the limit.
  Json deep = Json::parse(Nested(200000));
  EXPECT_EQ(JsonDepth(deep), kMaxJsonDepth + 1);
  EXPECT_EQ(JsonDepth(deep, 10), 11);
  EXPECT_THAT(
      CheckJsonDepth(deep, kMaxDocumentDepth, "Customer: document"),
      StatusIsWithMessage(StatusCode::kInvalidArgument,
                          "Customer: document: nested deeper than the limit of 100 levels"));
  EXPECT_OK(CheckJsonDepth(Json::parse(Nested(100)), 100, "x"));
}

}  // namespace
}  // namespace worm

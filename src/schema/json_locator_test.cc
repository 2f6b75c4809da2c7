#include "schema/json_locator.h"

#include <gtest/gtest.h>

#include "testing/test_util.h"

namespace worm::schema {
namespace {

using ::worm::testing::StatusIsWithMessage;

void ExpectAt(const JsonLocator& loc, const std::string& ptr, int line, int column) {
  const JsonLocation* l = loc.Find(ptr);
  ASSERT_NE(l, nullptr) << ptr;
  EXPECT_EQ(l->value.line, line) << ptr;
  EXPECT_EQ(l->value.column, column) << ptr;
}

TEST(JsonLocatorTest, LocatesValuesAndKeys) {
  const std::string text =
      "{\n"
      "  \"a\": 1,\n"
      "  \"b\": {\"c\": [true, null, \"x\"]},\n"
      "  \"d/e\": {\"f~g\": -1.5e3}\n"
      "}\n";
  ASSERT_OK_AND_ASSIGN(JsonLocator loc, JsonLocator::Build(text));
  ExpectAt(loc, "", 1, 1);
  ExpectAt(loc, "/a", 2, 8);
  ExpectAt(loc, "/b", 3, 8);
  ExpectAt(loc, "/b/c", 3, 14);
  ExpectAt(loc, "/b/c/0", 3, 15);
  ExpectAt(loc, "/b/c/1", 3, 21);
  ExpectAt(loc, "/b/c/2", 3, 27);
  ExpectAt(loc, "/d~1e/f~0g", 4, 18);
  ASSERT_TRUE(loc.Find("/a")->key.has_value());
  EXPECT_EQ(loc.Find("/a")->key->column, 3);
  EXPECT_FALSE(loc.Find("/b/c/0")->key.has_value());
  EXPECT_EQ(loc.Find("/zz"), nullptr);
  EXPECT_EQ(loc.size(), 9u);
}

TEST(JsonLocatorTest, LocateFallsBackToNearestAncestor) {
  ASSERT_OK_AND_ASSIGN(JsonLocator loc, JsonLocator::Build("{\"m\": {\"x\": 1}}"));
  TextPosition p = loc.Locate("/m/missing/deeper", true);
  EXPECT_EQ(p.line, 1);
  EXPECT_EQ(p.column, 7);                           // the value of /m
  EXPECT_EQ(loc.Locate("/m/x", true).column, 8);    // key
  EXPECT_EQ(loc.Locate("/m/x", false).column, 13);  // value
  EXPECT_EQ(loc.Locate("/nothing", true).column, 1);
}

TEST(JsonLocatorTest, DecodesEscapedKeys) {
  ASSERT_OK_AND_ASSIGN(JsonLocator loc,
                       JsonLocator::Build(R"j({"\u00e9\n\"": 1, "\ud83d\ude00": 2})j"));
  EXPECT_NE(loc.Find("/\xc3\xa9\n\""), nullptr);
  EXPECT_NE(loc.Find("/\xf0\x9f\x98\x80"), nullptr);
}

TEST(JsonLocatorTest, ColumnsCountCodePoints) {
  ASSERT_OK_AND_ASSIGN(JsonLocator loc, JsonLocator::Build("{\"\xc3\xa9\xc3\xa9\": 1}"));
  ExpectAt(loc, "/\xc3\xa9\xc3\xa9", 1, 8);
}

TEST(JsonLocatorTest, ReportsDuplicateKeys) {
  ASSERT_OK_AND_ASSIGN(JsonLocator loc, JsonLocator::Build("{\"a\": 1,\n \"a\": 2, \"b\": {}}"));
  ASSERT_EQ(loc.duplicate_keys().size(), 1u);
  EXPECT_EQ(loc.duplicate_keys()[0], "/a");
  ExpectAt(loc, "/a", 2, 7);  // the last one wins, as in nlohmann
}

TEST(JsonLocatorTest, SkipsBom) {
  ASSERT_OK_AND_ASSIGN(JsonLocator loc, JsonLocator::Build("\xEF\xBB\xBF{\"a\": 1}"));
  EXPECT_NE(loc.Find("/a"), nullptr);
}

struct BadJson {
  const char* text;
  int line;
  int column;
  const char* message;
};

class JsonLocatorErrorTest : public ::testing::TestWithParam<BadJson> {};

TEST_P(JsonLocatorErrorTest, ReportsPosition) {
  const BadJson& c = GetParam();
  JsonSyntaxError error;
  Result<JsonLocator> r = JsonLocator::Build(c.text, &error);
  ASSERT_FALSE(r.ok()) << c.text;
  EXPECT_EQ(error.position.line, c.line) << c.text;
  EXPECT_EQ(error.position.column, c.column) << c.text;
  EXPECT_NE(error.message.find(c.message), std::string::npos) << error.message;
  EXPECT_THAT(r.status(), StatusIsWithMessage(StatusCode::kInvalidArgument,
                                              "line " + std::to_string(c.line) + ", column " +
                                                  std::to_string(c.column) + ": "));
  // nlohmann agrees the text is not JSON.
  EXPECT_FALSE(Json::accept(std::string(c.text))) << c.text;
}

INSTANTIATE_TEST_SUITE_P(
    Errors, JsonLocatorErrorTest,
    ::testing::Values(
        BadJson{"", 1, 1, "empty"}, BadJson{"   \n ", 2, 2, "empty"},
        BadJson{"{\"a\": 1,}", 1, 9, "trailing comma"}, BadJson{"[1, 2,]", 1, 7, "trailing comma"},
        BadJson{"{\"a\" 1}", 1, 6, "expected ':'"},
        BadJson{"{\"a\": 1\n \"b\": 2}", 2, 2, "a missing comma?"},
        BadJson{"[1 2]", 1, 4, "expected ',' or ']'"},
        BadJson{"{'a': 1}", 1, 2, "member name in double quotes"},
        BadJson{"{\"a\": 'x'}", 1, 7, "double quotes"},
        BadJson{"{\"a\": tru}", 1, 7, "did you mean true?"},
        BadJson{"{\"a\": 01}", 1, 8, "leading zeros"}, BadJson{"{\"a\": 1.}", 1, 9, "after '.'"},
        BadJson{"{\"a\": -}", 1, 8, "expected a digit"},
        BadJson{"{\"a\": \"x\ny\"}", 1, 9, "control character"},
        BadJson{"{\"a\": \"\\q\"}", 1, 8, "invalid escape"},
        BadJson{"{\"a\": \"\\u12\"}", 1, 8, "four hex digits"},
        BadJson{"{\"a\": \"\\udc00\"}", 1, 14, "lone low surrogate"},
        BadJson{"{\"a\": \"\\ud800x\"}", 1, 14, "low surrogate"},
        BadJson{"{\"a\": \"\xff\"}", 1, 8, "invalid UTF-8"},
        BadJson{"{\"a\": \"abc", 1, 11, "not closed"},
        BadJson{"{\"a\": [1, 2", 1, 12, "array is not closed"},
        BadJson{"{\"a\": 1", 1, 8, "object is not closed"}, BadJson{"{} x", 1, 4, "after the end"},
        BadJson{"{\"a\": }", 1, 7, "expected a value"}));

TEST(JsonLocatorTest, CapsNesting) {
  std::string deep(100000, '[');
  JsonSyntaxError error;
  Result<JsonLocator> r = JsonLocator::Build(deep, &error);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(error.too_deep);
  EXPECT_EQ(error.position.column, kMaxJsonDepth + 1);
  std::string ok = std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']');
  EXPECT_OK(JsonLocator::Build(ok));
}

TEST(JsonPointerTest, EscapeAppendParent) {
  EXPECT_EQ(JsonPointerEscape("a/b~c"), "a~1b~0c");
  EXPECT_EQ(JsonPointerAppend("/models", "A/B"), "/models/A~1B");
  EXPECT_EQ(JsonPointerAppend("/paths", size_t{3}), "/paths/3");
  EXPECT_EQ(JsonPointerParent("/a/b"), "/a");
  EXPECT_EQ(JsonPointerParent("/a"), "");
  EXPECT_EQ(JsonPointerParent(""), "");
}

}  // namespace
}  // namespace worm::schema

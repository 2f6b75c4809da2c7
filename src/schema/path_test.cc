#include <gtest/gtest.h>

#include "schema/schema.h"
#include "testing/test_util.h"

namespace worm::schema {
namespace {

using ::worm::testing::StatusIs;

TEST(PathTest, ParsesTheSeedBasicPath) {
  ASSERT_OK_AND_ASSIGN(PathPattern p, ParsePath("#org/@customers/(id:uuid)/[profile].json"));
  ASSERT_EQ(p.segments.size(), 4u);
  EXPECT_EQ(p.segments[0].kind, SegmentKind::kNamespace);
  EXPECT_EQ(p.segments[0].name, "org");
  EXPECT_EQ(p.segments[0].column, 1);
  EXPECT_EQ(p.segments[1].kind, SegmentKind::kCollection);
  EXPECT_EQ(p.segments[1].name, "customers");
  EXPECT_EQ(p.segments[1].column, 6);
  EXPECT_EQ(p.segments[2].kind, SegmentKind::kDynamic);
  EXPECT_EQ(p.segments[2].name, "id");
  EXPECT_EQ(p.segments[2].type, "uuid");
  EXPECT_EQ(p.segments[2].column, 17);
  EXPECT_EQ(p.segments[3].kind, SegmentKind::kFile);
  EXPECT_EQ(p.segments[3].name, "profile");
  EXPECT_EQ(p.segments[3].extension, ".json");
  EXPECT_EQ(p.segments[3].column, 27);
  EXPECT_EQ(p.source, "#org/@customers/(id:uuid)/[profile].json");
  ASSERT_NE(p.file(), nullptr);
  EXPECT_EQ(p.file()->name, "profile");
  ASSERT_EQ(p.dynamic_segments().size(), 1u);
  EXPECT_EQ(p.dynamic_segments()[0]->name, "id");
}

TEST(PathTest, NestedNamespacesAndCollections) {
  ASSERT_OK_AND_ASSIGN(PathPattern ns, ParsePath("#app/#v2/@users/(id:uuid)"));
  EXPECT_EQ(ns.segments[1].kind, SegmentKind::kNamespace);
  EXPECT_EQ(ns.segments[1].name, "v2");
  EXPECT_EQ(ns.file(), nullptr);

  ASSERT_OK_AND_ASSIGN(PathPattern nested,
                       ParsePath("#org/@departments/(deptId:uuid)/@teams/(teamId:uuid)/"
                                 "[roster].json"));
  auto dyn = nested.dynamic_segments();
  ASSERT_EQ(dyn.size(), 2u);
  EXPECT_EQ(dyn[0]->name, "deptId");
  EXPECT_EQ(dyn[1]->name, "teamId");
  EXPECT_EQ(nested.segments[3].kind, SegmentKind::kCollection);
}

TEST(PathTest, SingletonAndFileOnly) {
  ASSERT_OK_AND_ASSIGN(PathPattern p, ParsePath("#org/@settings/[config].json"));
  EXPECT_TRUE(p.dynamic_segments().empty());
  ASSERT_OK_AND_ASSIGN(PathPattern f, ParsePath("[profile].json"));
  ASSERT_EQ(f.segments.size(), 1u);
  EXPECT_EQ(f.file()->extension, ".json");
  ASSERT_OK_AND_ASSIGN(PathPattern noext, ParsePath("@blobs/(id:uuid)/[raw]"));
  EXPECT_EQ(noext.file()->extension, "");
  ASSERT_OK_AND_ASSIGN(PathPattern twoext, ParsePath("@blobs/(id:uuid)/[raw].tar.gz"));
  EXPECT_EQ(twoext.file()->extension, ".tar.gz");
}

TEST(PathTest, NamesAllowDigitsDashUnderscoreAndInnerDots) {
  EXPECT_OK(ParsePath("#my-org_2/@v1.2/(item_id:my-type)/[data.v1].json"));
}

TEST(PathTest, CustomSymbols) {
  Symbols s;
  s.namespace_symbol = "%";
  s.collection_symbol = "!!";
  s.dynamic_open = "{", s.dynamic_close = "}";
  s.file_open = "<", s.file_close = ">";
  const std::string text = "%org/!!customers/{id:uuid}/<profile>.json";
  ASSERT_OK_AND_ASSIGN(PathPattern p, ParsePath(text, s));
  EXPECT_EQ(p.segments[1].kind, SegmentKind::kCollection);
  EXPECT_EQ(p.segments[2].type, "uuid");
  EXPECT_EQ(p.segments[3].name, "profile");
  EXPECT_EQ(PrintPath(p, s), text);
  EXPECT_EQ(PrintPath(p), "#org/@customers/(id:uuid)/[profile].json");
  // Default symbols mean nothing under custom ones.
  EXPECT_THAT(ParsePath("#org/@x/(id:uuid)/[a].json", s), StatusIs(StatusCode::kInvalidArgument));
}

TEST(PathTest, PrintRoundTrips) {
  for (const char* text :
       {"#org/@customers/(id:uuid)/[profile].json", "#org/@settings/[config].json",
        "#app/#v2/@users/(id:uuid)", "#data/@logs/(date:date)/@entries/(id:uuid)/[event].json",
        "@blobs/(id:uuid7)/[raw].tar.gz", "#wallets/@accounts/(addr:evm)/[balance].json"}) {
    ASSERT_OK_AND_ASSIGN(PathPattern p, ParsePath(text));
    EXPECT_EQ(PrintPath(p), text);
    ASSERT_OK_AND_ASSIGN(PathPattern again, ParsePath(PrintPath(p)));
    EXPECT_EQ(PrintPath(again), text);
  }
}

struct BadPath {
  const char* text;
  int column;
  const char* message;
};

class PathErrorTest : public ::testing::TestWithParam<BadPath> {};

TEST_P(PathErrorTest, ReportsColumnAndReason) {
  const BadPath& c = GetParam();
  Result<PathPattern> r = ParsePath(c.text);
  ASSERT_FALSE(r.ok()) << c.text;
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  const Status st = r.status();
  const std::string& msg = st.message();
  std::string want_col = "column " + std::to_string(c.column) + ": ";
  EXPECT_NE(msg.find(want_col), std::string::npos) << msg;
  EXPECT_NE(msg.find(c.message), std::string::npos) << msg;
  EXPECT_EQ(msg.rfind("path '", 0), 0u) << msg;
}

INSTANTIATE_TEST_SUITE_P(
    Errors, PathErrorTest,
    ::testing::Values(BadPath{"", 1, "path is empty"},
                      BadPath{"#org//@x", 6, "empty segment: remove the extra '/'"},
                      BadPath{"/#org", 1, "remove the leading '/'"},
                      BadPath{"#org/", 6, "remove the trailing '/'"},
                      BadPath{"#org/customers", 6, "has no symbol: write #customers"},
                      BadPath{"#org/$x", 6, "unknown symbol '$'"},
                      BadPath{"#org/@x/(id:uuid", 9, "unbalanced '(': add ')'"},
                      BadPath{"#org/@x/id:uuid)", 16, "unbalanced ')'"},
                      BadPath{"#org/@x/[profile.json", 9, "unbalanced '['"},
                      BadPath{"#org/@x/profile].json", 16, "unbalanced ']'"},
                      BadPath{"#org/@x/(id)", 9, "has no type: write (id:uuid)"},
                      BadPath{"#org/@x/(id:)", 13, "has no type after ':'"},
                      BadPath{"#org/@x/(:uuid)", 10, "has no name"},
                      BadPath{"#org/@x/(id:uuid)x", 18, "unexpected text after ')'"},
                      BadPath{"#", 2, "namespace has no name"},
                      BadPath{"#org/@", 7, "collection has no name"},
                      BadPath{"#or g", 4, "invalid character ' ' in namespace"},
                      BadPath{"#.hidden", 2, "starts with '.'"},
                      BadPath{"#org/@cust\xc3\xa9/x", 11, "invalid character"},
                      BadPath{"#org/@x/(a b:uuid)", 11, "invalid character ' ' in dynamic segment"},
                      BadPath{"#org/@x/(id:uu id)", 15, "invalid character ' ' in dynamic type"},
                      BadPath{"#org/@x/[].json", 9, "empty file name"},
                      BadPath{"#org/@x/[a]json", 12, "extension must start with '.'"},
                      BadPath{"#org/@x/[a].", 13, "file extension has no name"},
                      BadPath{"#org/@x/[a]..json", 13, "starts with '.'"},
                      BadPath{"#org/[a].json/@x", 6, "file segment must be last"},
                      BadPath{"#org/[a].json/[b].json", 15, "two file segments"},
                      BadPath{"#org/@a/(id:uuid)/@b/(id:uuid)", 22,
                              "duplicate dynamic name 'id'"}));

TEST(PathTest, ColumnsCountCodePoints) {
  // "é" is two bytes but one column.
  Result<PathPattern> r = ParsePath("#\xc3\xa9/x");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("column 2:"), std::string::npos) << r.status().message();
  Result<PathPattern> r2 = ParsePath("#a\xc3\xa9/@b//");
  ASSERT_FALSE(r2.ok());
  EXPECT_NE(r2.status().message().find("column 3:"), std::string::npos);
}

TEST(PathTest, ErrorMessagesUseCustomSymbols) {
  Symbols s;
  s.dynamic_open = "{", s.dynamic_close = "}";
  Result<PathPattern> r = ParsePath("#org/@x/{id}", s);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("write {id:uuid}"), std::string::npos)
      << r.status().message();
}

}  // namespace
}  // namespace worm::schema

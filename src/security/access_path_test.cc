#include "security/access_path.h"

#include <gtest/gtest.h>

#include "testing/test_util.h"

namespace worm::security::internal {
namespace {

class AccessPathTest : public ::testing::Test {
 protected:
  Result<AccessPath> Parse(std::string_view text) {
    return ParseAccessPath(text, schema::Symbols{}, types_);
  }
  Match M(std::string_view pattern, std::string_view key) {
    Result<AccessPath> p = Parse(pattern);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    if (!p.ok()) return Match::kNo;
    auto segs = SplitKey(key);
    return MatchPath(*p, segs.data(), segs.size());
  }
  std::map<std::string, schema::DynamicType> types_ = schema::BuiltinDynamicTypes();
};

TEST_F(AccessPathTest, PrefixSemantics) {
  EXPECT_EQ(M("#org/@customers/*", "org/customers/c1/profile.json"), Match::kYes);
  EXPECT_EQ(M("#org/@customers/*", "org/customers/c1"), Match::kYes);
  EXPECT_EQ(M("#org/@customers/*", "org/customers"), Match::kNo);
  EXPECT_EQ(M("#org/@customers", "org/customers/c1/profile.json"), Match::kYes);
  EXPECT_EQ(M("#org/@customers/*", "org/invoices/c1/data.json"), Match::kNo);
  EXPECT_EQ(M("#org/@customers/*", "org/customers/.oplog/x"), Match::kNo);
}

TEST_F(AccessPathTest, NestedManyTypedAndFiles) {
  EXPECT_EQ(M("#org/@departments/*/@teams/*", "org/departments/1/teams/2/roster.json"),
            Match::kYes);
  EXPECT_EQ(M("#org/**/roster.json", "org/departments/1/teams/2/roster.json"), Match::kYes);
  EXPECT_EQ(M("#org/**/[roster].json", "org/departments/1/teams/2/roster.json"), Match::kYes);
  EXPECT_EQ(M("#org/**/[roster].json", "org/departments/1/teams/2/roster.json/x"), Match::kNo);
  EXPECT_EQ(M("#org/@departments/(d:int)", "org/departments/12/teams"), Match::kYes);
  EXPECT_EQ(M("#org/@departments/(d:int)", "org/departments/ab/teams"), Match::kNo);
  EXPECT_EQ(M("#org/@departments/7/**", "org/departments/7"), Match::kYes);
  EXPECT_EQ(M("#org/@departments/7/**", "org/departments/8/teams/1"), Match::kNo);
}

TEST_F(AccessPathTest, PlaceholdersGiveMaybe) {
  ASSERT_OK_AND_ASSIGN(AccessPath p, Parse("#org/@departments/7/@teams/*"));
  schema::DynamicType* t = &types_["int"];
  std::vector<KeySegment> tmpl = {{"org"},   {"departments"}, {"", true, t},
                                  {"teams"}, {"", true, t},   {"roster.json"}};
  EXPECT_EQ(MatchPath(p, tmpl.data(), tmpl.size()), Match::kMaybe);
  ASSERT_OK_AND_ASSIGN(AccessPath all, Parse("#org/@departments/(d:int)/@teams/*"));
  EXPECT_EQ(MatchPath(all, tmpl.data(), tmpl.size()), Match::kYes);
  ASSERT_OK_AND_ASSIGN(AccessPath other, Parse("#org/@customers/*"));
  EXPECT_EQ(MatchPath(other, tmpl.data(), tmpl.size()), Match::kNo);
}

TEST_F(AccessPathTest, BadPatternsAreRefused) {
  for (const char* bad : {"", "#org//x", "#org/.oplog", "#org/(id)", "#org/(id:nope)",
                          "#org/[f].json/x", "#org/a*b", "#org/(id:int"}) {
    EXPECT_FALSE(Parse(bad).ok()) << bad;
  }
  ASSERT_OK_AND_ASSIGN(AccessPath p, Parse("#org/@customers/*"));
  EXPECT_EQ(p.LiteralPrefix(), "org/customers/");
  ASSERT_OK_AND_ASSIGN(AccessPath f, Parse("#org/@settings/[config].json"));
  EXPECT_EQ(f.LiteralPrefix(), "org/settings/config.json");
}

}  // namespace
}  // namespace worm::security::internal

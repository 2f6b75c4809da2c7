#include "schema/run_pattern.h"

#include <gtest/gtest.h>
#include <re2/re2.h>

#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "schema/schema.h"

namespace worm::schema::internal {
namespace {

bool Re2FullMatch(const std::string& regex, const std::string& value) {
  re2::RE2 re(regex, re2::RE2::Quiet);
  EXPECT_TRUE(re.ok()) << regex;
  return re2::RE2::FullMatch(value, re);
}

// Values near the patterns: random strings of their characters, neighbours
// of the class bounds, separators and non-ASCII bytes; and each pattern's
// example with one byte changed, dropped or added.
std::vector<std::string> Values(const std::vector<std::pair<std::string, std::string>>& patterns,
                                std::mt19937* rng) {
  const std::string alphabet =
      "0123456789abcdefxyzABCDEFXYZ-_./:@~ \\$^[]{}+*?\t\x7f\xc3\xa9\xe2\x82\xac\x80";
  std::vector<std::string> out = {"", "\xc3\xa9"};
  std::uniform_int_distribution<size_t> len(0, 50), pick(0, alphabet.size() - 1);
  for (int i = 0; i < 3000; ++i) {
    std::string v(len(*rng), ' ');
    for (char& c : v) c = alphabet[pick(*rng)];
    out.push_back(v);
  }
  for (const auto& [pattern, example] : patterns) {
    out.push_back(example);
    for (size_t at = 0; at < example.size(); ++at) {
      for (char c : std::string("0aF-xZ.\xc3/")) {
        std::string changed = example;
        changed[at] = c;
        out.push_back(changed);
      }
      out.push_back(example.substr(0, at) + example.substr(at + 1));
      out.push_back(example.substr(0, at) + example[at] + example.substr(at));
      out.push_back(example.substr(0, at) + "\xc3\xa9" + example.substr(at));
    }
  }
  return out;
}

TEST(RunPatternTest, MatchesExactlyWhatRe2Matches) {
  // Each with a value it matches.
  const std::vector<std::pair<std::string, std::string>> patterns = {
      // The built-in id types.
      {"^[0-9a-fA-F-]{36}$", "550e8400-e29b-41d4-a716-446655440000"},
      {"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-7[0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$",
       "018f3c4e-9b2a-7cde-8f01-23456789abcd"},
      {"^0x[a-fA-F0-9]{40}$", "0x52908400098527886E0F7030069857D2E4169EE7"},
      {"^[1-9A-HJ-NP-Za-km-z]{32,44}$", "4Nd1mYQzvKzH7Yy7dJ5Q8mqqF8cT6p2hZCw2uZ6vJt3a"},
      {"^[0-9]+$", "12345"},
      // Other shapes users write.
      {"[a-z0-9-]+", "order-42"},
      {"^[A-Za-z0-9_-]{1,64}$", "Some_Id-9"},
      {"^[a-z]{2}-[0-9]{3,}$", "ab-1234"},
      {"^ord_[0-9]*$", "ord_77"},
      {"^x?$", "x"},
      {"^a\\.b\\-c[\\-\\.]{2}$", "a.b-c.-"},
      {"^[-a]{2}[a-]{2}$", "-aa-"},
      {"^[ ]{0,3}$", "  "},
      {"abc", "abc"},
  };
  std::mt19937 rng(42);
  std::vector<std::string> values = Values(patterns, &rng);
  for (const auto& [pattern, example] : patterns) {
    std::optional<RunPattern> runs = RunPattern::Compile(pattern);
    ASSERT_TRUE(runs.has_value()) << pattern;
    int matched = 0;
    for (const std::string& v : values) {
      bool want = Re2FullMatch(pattern, v);
      matched += want;
      ASSERT_EQ(runs->FullMatch(v), want) << pattern << " on '" << v << "'";
    }
    EXPECT_GT(matched, 0) << pattern << ": no value exercised a match";
  }
}

TEST(RunPatternTest, LeavesEverythingElseToRe2) {
  for (const char* pattern :
       {"^[a-z]+[0-9]+$",  // a varying run before the last
        "^(ab)+$", "^a|b$", "^.{3}$", "^\\d+$", "^[^/]+$", "^[[:alpha:]]+$", "^a+?$", "^a{2}{3}$",
        "^[a-z]$extra", "^[a-z", "^\\x41$", "^é+$", "^a{3,2}$", "", "^$", "^[z-a]$"}) {
    EXPECT_FALSE(RunPattern::Compile(pattern).has_value()) << pattern;
  }
}

TEST(RunPatternTest, DynamicTypesUseIt) {
  std::map<std::string, DynamicType> types = BuiltinDynamicTypes();
  for (const auto& [name, type] : types) EXPECT_NE(type.runs, nullptr) << name;
  Result<DynamicType> custom = MakeDynamicType("slug", "^(draft|live)-[a-z]+$");
  ASSERT_TRUE(custom.ok());
  EXPECT_EQ(custom->runs, nullptr);
  EXPECT_TRUE(custom->Matches("draft-abc"));
  EXPECT_FALSE(custom->Matches("old-abc"));
  EXPECT_TRUE(types.at("uuid").Matches("550e8400-e29b-41d4-a716-446655440000"));
  EXPECT_FALSE(types.at("uuid").Matches("550e8400-e29b-41d4-a716-44665544000g"));
}

}  // namespace
}  // namespace worm::schema::internal

#include "engine/key_parser.h"

#include <gtest/gtest.h>
#include <re2/re2.h>

#include <random>

#include "engine/engine_test_util.h"

namespace worm::engine {
namespace {

// Simple patterns, and ones that must go to RE2.
const char* const kSimple[] = {
    "^[0-9a-fA-F-]{36}$",
    "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-7[0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$",
    "^0x[a-fA-F0-9]{40}$",
    "^[1-9A-HJ-NP-Za-km-z]{32,44}$",
    "^[0-9]+$",
    "^[a-z0-9-]+$",
    "[a-c]*b[-_]?c{2,}",
    "^a?a?a?aaa$",
    "^$",
};
const char* const kNotSimple[] = {
    "^(a|b)+$", "^[^/]+$", "^.+$",   "^\\d+$", "^[a-z]+\\.json$", "^[A-z]+$", "^[a-c-e]$",
    "^[]a]$",   "^a{,3}$", "^a{x}$", "^a+?$",  "^[[:alpha:]]+$",  "^é+$",
};

TEST(ClassPatternTest, CompilesOnlyClassesAndLiterals) {
  for (const char* re : kSimple) EXPECT_TRUE(ClassPattern::Compile(re).has_value()) << re;
  for (const char* re : kNotSimple) EXPECT_FALSE(ClassPattern::Compile(re).has_value()) << re;
}

TEST(ClassPatternTest, MatchesAsRe2Does) {
  std::mt19937 rng(7);
  const std::string alphabet = "abcAB019-_x./\x01\xc3\xa9";
  std::vector<std::string> values = {"",
                                     "a",
                                     "aaa",
                                     "aaaa",
                                     "abcc",
                                     "bcc",
                                     "ccbcc",
                                     "0x",
                                     std::string(36, 'a'),
                                     std::string(300, '1')};
  for (int i = 0; i < 3000; ++i) {
    std::string v;
    for (size_t n = rng() % 48; n > 0; --n) v += alphabet[rng() % alphabet.size()];
    values.push_back(v);
  }
  for (const char* re : kSimple) {
    auto pattern = ClassPattern::Compile(re);
    ASSERT_TRUE(pattern.has_value());
    RE2 re2(re);
    for (const std::string& v : values) {
      std::optional<bool> got = pattern->FullMatch(v);
      if (v.size() > ClassPattern::kMaxValue) {
        EXPECT_FALSE(got.has_value());
        continue;
      }
      ASSERT_TRUE(got.has_value());
      EXPECT_EQ(*got, RE2::FullMatch(v, re2)) << re << " on '" << v << "'";
    }
  }
  // Generated keys of the right shape, which random bytes rarely hit.
  auto hex7 = ClassPattern::Compile(kSimple[1]);
  EXPECT_TRUE(*hex7->FullMatch("0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b"));
  EXPECT_FALSE(*hex7->FullMatch("0190a1b2-c3d4-6e5f-8a6b-7c8d9e0f1a2b"));
}

// Keys each model's parser and the resolver must agree on.
std::vector<std::string> Keys() {
  std::vector<std::string> keys = {
      "",
      "org",
      "org/customers/",
      "org/customers/.worm",
      "org/customers/0f8fad5b-d9cb-469f-a165-70867728950e/profile.json",
      "org/customers/0F8FAD5B-D9CB-469F-A165-70867728950E/profile.json",
      "org/customers/0f8fad5b-d9cb-469f-a165-70867728950/profile.json",
      "org/customers/0f8fad5b-d9cb-469f-a165-70867728950e/profile.json/x",
      "org/customers/0f8fad5b-d9cb-469f-a165-70867728950e/other.json",
      "org/customers/0f8fad5b-d9cb-469f-a165-70867728950e",
      ".oplog/org/customers/0f8fad5b-d9cb-469f-a165-70867728950e/0001.json",
      "org/orders/17/order.json",
      "org/orders/017/order.json",
      "org/orders/-1/order.json",
      "org/orders//order.json",
      "org/settings/config.json",
      "org/departments/eng/teams/core-1/roster.json",
      "org/departments/Eng/teams/core/roster.json",
      "org/departments/eng/teams/.core/roster.json",
      "org/departments/eng/teams/co\x01re/roster.json",
      "app/counters/a--b/c.json",
      "app/counters/caf\xc3\xa9/c.json",
      "app/counters/" + std::string(300, 'a') + "/c.json",
      "blog/tags/t/tag.json",
  };
  return keys;
}

void ExpectAgreement(const schema::Schema& schema) {
  schema::StorageResolver resolver(schema);
  for (const schema::Model& model : schema.models) {
    KeyParser parser(resolver, model);
    std::vector<std::string> keys = Keys();
    // Round trips of the model's own template, ids from every type's samples.
    std::string tmpl = resolver.KeyTemplate(model);
    keys.push_back(tmpl);
    for (const std::string& key : keys) {
      schema::EntityIds ids;
      bool ok = parser.Parse(key, &ids);
      Result<schema::EntityIds> want = resolver.ParseEntityKey(model, key);
      EXPECT_EQ(ok, want.ok()) << model.name << " '" << key << "'";
      if (ok && want.ok()) {
        EXPECT_EQ(ids, *want) << model.name << " '" << key << "'";
      }
    }
  }
}

TEST(KeyParserTest, AgreesWithTheResolver) {
  schema::Schema schema = testing::TestSchema();
  ExpectAgreement(schema);
  schema::StorageResolver resolver(schema);
  schema::EntityIds ids;
  EXPECT_TRUE(KeyParser(resolver, *schema.FindModel("Team"))
                  .Parse("org/departments/eng/teams/core-1/roster.json", &ids));
  EXPECT_EQ(ids, (schema::EntityIds{"eng", "core-1"}));
}

TEST(KeyParserTest, AgreesWithTheResolverForRegexesRe2Handles) {
  // "slug" needs RE2; "uuid" is redefined to accept only lowercase.
  Json s = testing::TestSchemaJson();
  s["dynamicTypes"] = {{"slug", {{"regex", "^(eng|core-1|a--b|t)$"}}},
                       {"uuid", {{"regex", "^[0-9a-f-]{36}$"}}}};
  auto schema = schema::LoadSchema(s);
  ASSERT_TRUE(schema.ok()) << schema.status().ToString();
  ExpectAgreement(*schema);
}

}  // namespace
}  // namespace worm::engine

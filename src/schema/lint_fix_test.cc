// lint --fix: every fixable finding fixed on a fixture, formatting kept byte
// for byte outside the edits, idempotence, unfixable findings left, the diff.
#include "schema/lint_fix.h"

#include <gtest/gtest.h>

#include "schema/fuzz.h"
#include "schema/lint.h"
#include "testing/test_util.h"

namespace worm::schema {
namespace {

std::string Fixture() {
  for (const std::string& s : ::worm::testing::ReadFuzzCorpus("schema_lint_fix")) {
    if (s.find("\"idStrategy\": \"seq\"") != std::string::npos) return s;
  }
  return {};
}

std::vector<std::string> Codes(std::string_view text) {
  std::vector<std::string> out;
  for (const Diagnostic& d : LintSchemaText(text)) out.push_back(d.code);
  return out;
}

TEST(LintFixTest, FixesEveryFixableFindingAndLeavesTheRest) {
  std::string text = Fixture();
  ASSERT_FALSE(text.empty());
  FixResult r = FixSchemaText(text);
  std::vector<std::string> fixed_codes;
  for (const LintFix& f : r.fixes) fixed_codes.push_back(f.code);
  for (const char* code : {"ignored-key", "unused-path", "duplicate-path", "id-type-mismatch",
                           "duplicate-enum-value", "undeclared-path", "misnamed-key"}) {
    EXPECT_NE(std::find(fixed_codes.begin(), fixed_codes.end(), code), fixed_codes.end()) << code;
  }
  // The default outside its enum is the author's call: still reported.
  EXPECT_EQ(Codes(r.text), std::vector<std::string>{"default-not-in-enum"});
  // Exactly the expected file, byte for byte: indentation, key order and the
  // untouched lines as written.
  const std::string expected = R"J({
    "schemaVersion": "1.0",
    "operators": {
        "mine": { "strategy": "uuid" }
    },
    "paths": [
        "#org/@customers/(id:uuid)/[profile].json",
        "#org/@settings/[config].json",
        "#org/@invoices/(n:int)/[data].json"
    ],
    "models": {
        "Customer": {
            "path": "#org/@customers/(id:uuid)",
            "file": "[profile].json",
            "idType": "uuid",
            "fields": {
                "status": {"type": "string", "enum": ["a", "b"], "default": "c"}
            }
        },
        "Settings": {"path": "#org/@settings", "file": "[config].json", "singleton": true},
        "Invoice": {
            "path": "#org/@invoices/(n:int)/[data].json",
            "idOperator": "seq"
        }
    }
}
)J";
  EXPECT_EQ(r.text, expected);
}

TEST(LintFixTest, IsIdempotent) {
  FixResult once = FixSchemaText(Fixture());
  FixResult twice = FixSchemaText(once.text);
  EXPECT_FALSE(twice.changed());
  EXPECT_EQ(twice.text, once.text);
}

TEST(LintFixTest, CleanAndUnfixableTextIsUntouched) {
  for (const std::string& text :
       {std::string("{\"models\": {\"A\": {\"path\": \"@a/(id:uuid)/[d].json\"}}}"),
        std::string("{ not json"),
        // duplicate-key: which copy was meant is a guess.
        std::string("{\"models\": {\"A\": {\"path\": \"@a/(id:uuid)/[d].json\", \"mode\": "
                    "\"readonly\", \"mode\": \"readwrite\"}}}"),
        std::string("{\"models\": {\"A\": {\"path\": \"@a/(id:uuid)/[d].json\", \"fields\": "
                    "{\"s\": {\"type\": \"strin\"}}}}}")}) {
    FixResult r = FixSchemaText(text);
    EXPECT_FALSE(r.changed()) << text;
    EXPECT_EQ(r.text, text);
  }
}

TEST(LintFixTest, RemovingTheOnlyOrLastEntryKeepsTheJsonValid) {
  std::string text =
      "{\n  \"paths\": [\"@x/(id:uuid)/[d].json\"],\n  \"models\": {\n    \"A\": {\"path\": "
      "\"@a/(id:uuid)/[d].json\", \"fields\": {\"e\": {\"type\": \"integer\", \"enum\": [1, "
      "1]}}}\n  }\n}\n";
  FixResult r = FixSchemaText(text);
  EXPECT_TRUE(Codes(r.text).empty()) << r.text;
  EXPECT_NE(r.text.find("\"paths\": [\"@a/(id:uuid)/[d].json\"]"), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("\"enum\": [1]"), std::string::npos) << r.text;
}

TEST(LintFixTest, UnifiedDiff) {
  EXPECT_EQ(UnifiedDiff("a\nb\n", "a\nb\n", "s.json"), "");
  EXPECT_EQ(UnifiedDiff("1\n2\n3\n4\n5\n6\n7\n8\n", "1\n2\n3\n4\nfour\n5\n6\n7\n8\n", "s.json"),
            "--- a/s.json\n+++ b/s.json\n@@ -2,6 +2,7 @@\n 2\n 3\n 4\n+four\n 5\n 6\n 7\n");
  EXPECT_EQ(UnifiedDiff("x\n", "y", "s.json"),
            "--- a/s.json\n+++ b/s.json\n@@ -1 +1 @@\n-x\n+y\n\\ No newline at end of file\n");
  std::string diff = UnifiedDiff(Fixture(), FixSchemaText(Fixture()).text, "schema.json");
  EXPECT_NE(diff.find("-        \"#org/@old/(id:uuid)/[data].json\",\n"), std::string::npos)
      << diff;
  EXPECT_NE(diff.find("+            \"idOperator\": \"seq\"\n"), std::string::npos) << diff;
}

// The fuzz target's invariants over the corpus and mutations of it.
TEST(LintFixTest, FuzzCorpusAndMutations) {
  std::vector<std::string> seeds = ::worm::testing::ReadFuzzCorpus("schema_lint_fix");
  for (const std::string& s : ::worm::testing::ReadFuzzCorpus("schema_lint")) seeds.push_back(s);
  ASSERT_GE(seeds.size(), 5u);
  auto feed = [](const std::string& s) {
    (void)FuzzSchemaLintFix(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  };
  for (const std::string& s : seeds) feed(s);
  static constexpr char kPunct[] = "#@()[]{}/:.,\"\\ \n\t-_0aZ";
  for (const std::string& s :
       ::worm::testing::MutateSeeds(seeds, std::string_view(kPunct, sizeof(kPunct) - 1),
                                    ::testing::UnitTest::GetInstance()->random_seed(), 400)) {
    feed(s);
  }
}

}  // namespace
}  // namespace worm::schema

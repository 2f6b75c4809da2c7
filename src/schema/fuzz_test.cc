// Replays the fuzz seed corpora and a deterministic batch of mutations
// through the fuzz entry points, so ctest catches crashes and broken
// invariants without libFuzzer.
#include "schema/fuzz.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "testing/test_util.h"

namespace worm::schema {
namespace {

Status Feed(Status (*fn)(const uint8_t*, size_t), const std::string& s) {
  return fn(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

// Byte flips, insertions of DSL/JSON punctuation, truncations.
std::vector<std::string> Mutations(const std::vector<std::string>& seeds, uint32_t seed, int n) {
  static constexpr char kPunct[] = "#@()[]{}/:.,\"\\ \n\t~-_0aZ\xc3\xa9\xff";
  return testing::MutateSeeds(seeds, std::string_view(kPunct, sizeof(kPunct) - 1), seed, n);
}

TEST(FuzzReplayTest, PathDslCorpusAndMutations) {
  std::vector<std::string> seeds = testing::ReadFuzzCorpus("path_dsl");
  ASSERT_GE(seeds.size(), 5u);
  for (const std::string& s : seeds) (void)Feed(FuzzPathDsl, s);
  for (const std::string& s :
       Mutations(seeds, ::testing::UnitTest::GetInstance()->random_seed(), 3000)) {
    (void)Feed(FuzzPathDsl, s);
  }
  // The corpus holds valid paths: they parse.
  EXPECT_OK(Feed(FuzzPathDsl, std::string(" #org/@customers/(id:uuid)/[profile].json")));
  EXPECT_OK(Feed(FuzzPathDsl, std::string("\x01%org/!!customers/{id:int}/<p>.json")));
}

TEST(FuzzReplayTest, SchemaLintCorpusAndMutations) {
  std::vector<std::string> seeds = testing::ReadFuzzCorpus("schema_lint");
  ASSERT_GE(seeds.size(), 5u);
  for (const std::string& s : seeds) (void)Feed(FuzzSchemaLint, s);
  for (const std::string& s :
       Mutations(seeds, ::testing::UnitTest::GetInstance()->random_seed(), 600)) {
    (void)Feed(FuzzSchemaLint, s);
  }
}

TEST(FuzzReplayTest, HostileInputs) {
  for (const std::string& s :
       {std::string(1 << 20, '['), std::string(1 << 16, '{'),
        "{\"models\": {\"A\": {\"path\": \"@a/(id:uuid)/[d].json\", \"fields\": {\"f\": " +
            std::string(100, '{') + "}}}}",
        std::string("{\"models\": {\"A\": {\"path\": \"@a/(id:uuid)/[d].json\", \"fields\": {") +
            "\"f\": {\"type\": \"array\", \"items\": " +
            [] {
              std::string s;
              for (int i = 0; i < 40; ++i) s += "{\"type\": \"array\", \"items\": ";
              s += "{\"type\": \"string\"}";
              for (int i = 0; i < 40; ++i) s += "}";
              return s;
            }() +
            "}}}}}",
        std::string("\"\\ud800\""), std::string("\xEF\xBB\xBF{}"), std::string(),
        std::string(1, '\0')}) {
    (void)Feed(FuzzSchemaLint, s);
    (void)Feed(FuzzPathDsl, s);
  }
  std::string long_path = "#a";
  for (int i = 0; i < 2000; ++i) long_path += "/@c" + std::to_string(i);
  EXPECT_OK(Feed(FuzzPathDsl, " " + long_path));
}

}  // namespace
}  // namespace worm::schema

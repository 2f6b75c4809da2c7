// Replays the fuzz seed corpora and a deterministic batch of mutations
// through the fuzz entry points, so ctest catches crashes and broken
// invariants without libFuzzer.
#include "schema/fuzz.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "testing/test_util.h"

namespace worm::schema {
namespace {

using ::worm::testing::ReadFileOrDie;
using ::worm::testing::SourceDir;

std::vector<std::string> Corpus(const std::string& name) {
  std::vector<std::string> out;
  auto dir = SourceDir() / "fuzz" / "corpus" / name;
  if (!std::filesystem::exists(dir)) return out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.is_regular_file()) out.push_back(ReadFileOrDie(e.path()));
  }
  return out;
}

Status Feed(Status (*fn)(const uint8_t*, size_t), const std::string& s) {
  return fn(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

// Byte flips, insertions of DSL/JSON punctuation, truncations.
std::vector<std::string> Mutations(const std::vector<std::string>& seeds, uint32_t seed, int n) {
  static const char kPunct[] = "#@()[]{}/:.,\"\\ \n\t~-_0aZ\xc3\xa9\xff";
  std::mt19937 rng(seed);
  std::vector<std::string> out;
  for (int i = 0; i < n && !seeds.empty(); ++i) {
    std::string s = seeds[rng() % seeds.size()];
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      size_t at = s.empty() ? 0 : rng() % (s.size() + 1);
      char c = kPunct[rng() % (sizeof(kPunct) - 1)];
      switch (rng() % 4) {
        case 0:
          if (at < s.size()) s[at] = c;
          break;
        case 1:
          s.insert(at, 1, c);
          break;
        case 2:
          if (at < s.size()) s.erase(at, 1);
          break;
        default:
          s.resize(at);
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

TEST(FuzzReplayTest, PathDslCorpusAndMutations) {
  std::vector<std::string> seeds = Corpus("path_dsl");
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
  std::vector<std::string> seeds = Corpus("schema_lint");
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

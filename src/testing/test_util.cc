#include "testing/test_util.h"

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

#include "core/random.h"

namespace worm::testing {

namespace fs = std::filesystem;

ScratchDir::ScratchDir() {
  const char* tmp = std::getenv("TMPDIR");
  fs::path base = tmp && *tmp ? tmp : "/tmp";
  path_ = base / ("worm-test-" + NewUuidV4().substr(0, 13));
  fs::create_directories(path_);
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

fs::path SourceDir() {
  const char* dir = std::getenv("WORM_SOURCE_DIR");
  return dir && *dir ? fs::path(dir) : fs::path(WORM_DEFAULT_SOURCE_DIR);
}

fs::path BinaryDir() {
  const char* dir = std::getenv("WORM_BINARY_DIR");
  return dir && *dir ? fs::path(dir) : fs::path(WORM_DEFAULT_BINARY_DIR);
}

std::string ReadFileOrDie(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "cannot read " << p;
    return {};
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFileOrDie(const fs::path& p, std::string_view data) {
  if (p.has_parent_path()) fs::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  if (!out) ADD_FAILURE() << "cannot write " << p;
}

void ExpectGolden(const std::string& golden_path, const std::string& actual) {
  fs::path p = SourceDir() / "tests" / "golden" / golden_path;
  const char* update = std::getenv("UPDATE_GOLDEN");
  if (update && std::string(update) == "1") {
    WriteFileOrDie(p, actual);
    return;
  }
  if (!fs::exists(p)) {
    ADD_FAILURE() << "golden file missing: " << p << " (run with UPDATE_GOLDEN=1 to create it)";
    return;
  }
  EXPECT_EQ(ReadFileOrDie(p), actual)
      << "golden mismatch: " << p << " (UPDATE_GOLDEN=1 rewrites it after review)";
}

std::vector<std::string> ReadFuzzCorpus(const std::string& name) {
  std::vector<std::string> out;
  fs::path dir = SourceDir() / "fuzz" / "corpus" / name;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_regular_file()) out.push_back(ReadFileOrDie(e.path()));
  }
  return out;
}

std::vector<std::string> MutateSeeds(const std::vector<std::string>& seeds,
                                     std::string_view alphabet, uint32_t random_seed, int n) {
  std::mt19937 rng(random_seed);
  std::vector<std::string> out;
  for (int i = 0; i < n && !seeds.empty() && !alphabet.empty(); ++i) {
    std::string s = seeds[rng() % seeds.size()];
    for (int e = 1 + static_cast<int>(rng() % 4); e > 0; --e) {
      size_t at = s.empty() ? 0 : rng() % (s.size() + 1);
      char c = alphabet[rng() % alphabet.size()];
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

}  // namespace worm::testing

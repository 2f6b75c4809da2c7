// gtest helpers for Status and Result (after Arrow's gtest_util.h), plus
// scratch directories and paths to the source tree for tests.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "worm/result.h"
#include "worm/status.h"

#define ASSERT_OK(expr)                                              \
  do {                                                               \
    ::worm::Status _st = ::worm::ToStatus((expr));                   \
    ASSERT_TRUE(_st.ok()) << #expr << " failed: " << _st.ToString(); \
  } while (false)

// ASSERT_OK that also prints `msg` (say, the key a loop was at).
#define ASSERT_OK_MSG(expr, msg)                                                     \
  do {                                                                               \
    ::worm::Status _st = ::worm::ToStatus((expr));                                   \
    ASSERT_TRUE(_st.ok()) << #expr << " failed (" << msg << "): " << _st.ToString(); \
  } while (false)

#define EXPECT_OK(expr)                                              \
  do {                                                               \
    ::worm::Status _st = ::worm::ToStatus((expr));                   \
    EXPECT_TRUE(_st.ok()) << #expr << " failed: " << _st.ToString(); \
  } while (false)

#define WORM_ASSERT_OK_AND_ASSIGN_IMPL(tmp, lhs, rexpr)                      \
  auto tmp = (rexpr);                                                        \
  ASSERT_TRUE(tmp.ok()) << #rexpr << " failed: " << tmp.status().ToString(); \
  lhs = std::move(tmp).value();

#define ASSERT_OK_AND_ASSIGN(lhs, rexpr) \
  WORM_ASSERT_OK_AND_ASSIGN_IMPL(WORM_CONCAT(_worm_assert_, __LINE__), lhs, rexpr)

namespace worm::testing {

// Matches a Status or Result whose code is `code`.
MATCHER_P(StatusIs, code, std::string("has status code ") + std::string(StatusCodeName(code))) {
  ::worm::Status st = ::worm::ToStatus(arg);
  *result_listener << "whose status is " << st.ToString();
  return st.code() == code;
}

// Matches a Status or Result whose code is `code` and whose message contains `sub`.
MATCHER_P2(StatusIsWithMessage, code, sub,
           std::string("has status code ") + std::string(StatusCodeName(code))) {
  ::worm::Status st = ::worm::ToStatus(arg);
  *result_listener << "whose status is " << st.ToString();
  return st.code() == code && st.message().find(sub) != std::string::npos;
}

// A fresh directory under $TMPDIR, removed when the object dies.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Root of the source tree: $WORM_SOURCE_DIR, else the tree this was built from.
std::filesystem::path SourceDir();
// Build directory ($WORM_BINARY_DIR, else the one this was built in), where
// `worm` lives at src/cli/worm.
std::filesystem::path BinaryDir();

std::string ReadFileOrDie(const std::filesystem::path& p);
void WriteFileOrDie(const std::filesystem::path& p, std::string_view data);

// The seed files of fuzz/corpus/<name> (none when the folder is missing).
std::vector<std::string> ReadFuzzCorpus(const std::string& name);
// `n` deterministic mutations of `seeds` for replaying a fuzz target under
// ctest: each takes a random seed and applies 1-4 edits (replace, insert or
// erase a byte from `alphabet`, or truncate). Empty when `seeds` is.
std::vector<std::string> MutateSeeds(const std::vector<std::string>& seeds,
                                     std::string_view alphabet, uint32_t random_seed, int n);

// Golden-file comparison: compares `actual` with the file at `golden_path`
// (relative to tests/golden/). With UPDATE_GOLDEN=1 it rewrites the file.
void ExpectGolden(const std::string& golden_path, const std::string& actual);

}  // namespace worm::testing

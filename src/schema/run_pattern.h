// RunPattern: a regex that is only a sequence of ASCII character runs, such
// as the built-in id types ("^[0-9a-fA-F-]{36}$", "^0x[a-fA-F0-9]{40}$",
// "^[0-9]+$"), matched without RE2. Every listed key's ids are matched
// against their type, and RE2's per-call setup and DFA lock were ~10% of
// listing an unchanged collection.
//
// Compile() accepts anchors, literal characters, escaped punctuation and
// bracket classes of single characters and ranges, each with an optional
// {n}, {m,n}, {m,}, +, * or ?; only the last run may vary in length (so a
// match never backtracks). Anything else (alternation, groups, '.', \d,
// negated classes, non-ASCII) gives nullopt: RE2 handles those. Full-match
// semantics, as DynamicType::Matches: a byte >= 0x80 never matches, as an
// ASCII class never matches a non-ASCII code point in RE2.
#pragma once

#include <bitset>
#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace worm::schema::internal {

class RunPattern {
 public:
  static std::optional<RunPattern> Compile(std::string_view regex);
  bool FullMatch(std::string_view value) const;

 private:
  struct Run {
    std::bitset<128> chars;
    size_t min = 1, max = 1;  // max == kUnbounded for + and *
  };
  static constexpr size_t kUnbounded = static_cast<size_t>(-1);
  std::vector<Run> runs_;
  size_t fixed_ = 0;  // length of every run but the last (all fixed)
};

}  // namespace worm::schema::internal

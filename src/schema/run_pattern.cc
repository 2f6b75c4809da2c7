#include "schema/run_pattern.h"

#include <cctype>

namespace worm::schema::internal {

namespace {

bool Printable(char c) { return c >= 0x20 && c < 0x7F; }

// A literal outside a class: letters, digits and punctuation RE2 takes as is.
bool PlainLiteral(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
         std::string_view("-_:@~=,#!%&'\"<>;/ ").find(c) != std::string_view::npos;
}

// An escaped character that stands for itself: punctuation only (\d, \w,
// \x41 and the like are classes or codes).
bool EscapedLiteral(char c) {
  return Printable(c) && std::isalnum(static_cast<unsigned char>(c)) == 0;
}

// Reads a decimal count at `re[*i]`.
std::optional<size_t> Count(std::string_view re, size_t* i) {
  size_t start = *i, n = 0;
  while (*i < re.size() && std::isdigit(static_cast<unsigned char>(re[*i])) != 0) {
    n = n * 10 + static_cast<size_t>(re[*i] - '0');
    if (n > 100000) return std::nullopt;
    ++*i;
  }
  if (*i == start) return std::nullopt;
  return n;
}

}  // namespace

std::optional<RunPattern> RunPattern::Compile(std::string_view re) {
  RunPattern p;
  size_t i = 0;
  if (i < re.size() && re[i] == '^') ++i;
  size_t end = re.size();
  if (end > i && re[end - 1] == '$' && (end < 2 || re[end - 2] != '\\')) --end;
  while (i < end) {
    Run run;
    char c = re[i];
    if (c == '[') {
      ++i;
      if (i < end && re[i] == '^') return std::nullopt;  // negated: matches non-ASCII too
      bool first = true;
      while (i < end && (re[i] != ']' || first)) {
        char lo = re[i];
        if (lo == '[' || lo == ']' || !Printable(lo)) return std::nullopt;
        if (lo == '\\') {
          if (i + 1 >= end || !EscapedLiteral(re[i + 1])) return std::nullopt;
          lo = re[++i];
        }
        ++i;
        char hi = lo;
        if (i + 1 < end && re[i] == '-' && re[i + 1] != ']') {
          hi = re[i + 1];
          if (hi == '\\' || hi == '[' || !Printable(hi) || hi < lo) return std::nullopt;
          i += 2;
        }
        for (int ch = lo; ch <= hi; ++ch) run.chars.set(static_cast<size_t>(ch));
        first = false;
      }
      if (i >= end) return std::nullopt;  // no closing ']'
      ++i;
    } else if (c == '\\') {
      if (i + 1 >= end || !EscapedLiteral(re[i + 1])) return std::nullopt;
      run.chars.set(static_cast<size_t>(re[i + 1]));
      i += 2;
    } else if (PlainLiteral(c)) {
      run.chars.set(static_cast<size_t>(c));
      ++i;
    } else {
      return std::nullopt;  // '.', '(', '|', '*' with nothing before it, ...
    }
    if (i < end) {
      switch (re[i]) {
        case '+':
          run.max = kUnbounded;
          ++i;
          break;
        case '*':
          run.min = 0;
          run.max = kUnbounded;
          ++i;
          break;
        case '?':
          run.min = 0;
          ++i;
          break;
        case '{': {
          ++i;
          std::optional<size_t> lo = Count(re, &i);
          if (!lo) return std::nullopt;
          run.min = run.max = *lo;
          if (i < end && re[i] == ',') {
            ++i;
            run.max = kUnbounded;
            if (i < end && re[i] != '}') {
              std::optional<size_t> hi = Count(re, &i);
              if (!hi || *hi < *lo) return std::nullopt;
              run.max = *hi;
            }
          }
          if (i >= end || re[i] != '}') return std::nullopt;
          ++i;
          break;
        }
        default:
          break;
      }
      // Lazy and possessive forms, or a second quantifier: leave to RE2.
      if (i < end && (re[i] == '?' || re[i] == '+' || re[i] == '*' || re[i] == '{')) {
        return std::nullopt;
      }
    }
    if (!p.runs_.empty()) {
      const Run& before = p.runs_.back();
      if (before.min != before.max) return std::nullopt;  // only the last run may vary
      p.fixed_ += before.min;
    }
    p.runs_.push_back(run);
  }
  if (p.runs_.empty()) return std::nullopt;
  return p;
}

bool RunPattern::FullMatch(std::string_view value) const {
  if (value.size() < fixed_) return false;
  const Run& last = runs_.back();
  size_t tail = value.size() - fixed_;
  if (tail < last.min || (last.max != kUnbounded && tail > last.max)) return false;
  size_t at = 0;
  for (const Run& run : runs_) {
    size_t n = &run == &last ? tail : run.min;
    for (size_t k = 0; k < n; ++k, ++at) {
      auto c = static_cast<unsigned char>(value[at]);
      if (c >= 128 || !run.chars.test(c)) return false;
    }
  }
  return true;
}

}  // namespace worm::schema::internal

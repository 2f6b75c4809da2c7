// Small string helpers shared by every layer. ASCII only and locale-free:
// they never look at the C locale (std::tolower/isspace would, in a program
// that called setlocale), and bytes >= 0x80 are left alone. For prefixes and
// suffixes use C++20's std::string_view::starts_with / ends_with.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace worm {

// The ASCII whitespace set of isspace() in the "C" locale.
inline constexpr std::string_view kAsciiSpace = " \t\n\v\f\r";

// `s` with A-Z mapped to a-z.
std::string AsciiLower(std::string_view s);
// True when `a` and `b` are equal ignoring ASCII case.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// `s` without leading and trailing bytes from `chars`.
std::string_view Trim(std::string_view s, std::string_view chars = kAsciiSpace);

// The parts between every `sep`, empty ones included: "a,,b" is {"a", "", "b"},
// "" is {""}.
std::vector<std::string> Split(std::string_view s, char sep);
// The same, each part trimmed of `trim`, without the parts left empty:
// SplitNonEmpty(" a,,b ", ',', " ") is {"a", "b"}, "" is {}.
std::vector<std::string> SplitNonEmpty(std::string_view s, char sep, std::string_view trim = {});

// parts[begin, end) joined with `sep` between them ("" when the range is
// empty); `end` past the last part means the last part.
std::string Join(const std::vector<std::string>& parts, std::string_view sep, size_t begin = 0,
                 size_t end = std::string::npos);

}  // namespace worm

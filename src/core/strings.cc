#include "core/strings.h"

#include <algorithm>

namespace worm {

namespace {

char LowerChar(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = LowerChar(c);
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (LowerChar(a[i]) != LowerChar(b[i])) return false;
  }
  return true;
}

std::string_view Trim(std::string_view s, std::string_view chars) {
  size_t first = s.find_first_not_of(chars);
  if (first == std::string_view::npos) return s.substr(s.size());
  return s.substr(first, s.find_last_not_of(chars) - first + 1);
}

std::vector<std::string> Split(std::string_view s, char sep) {
  std::vector<std::string> out;
  for (size_t pos = 0;;) {
    size_t next = s.find(sep, pos);
    out.emplace_back(s.substr(pos, next == std::string_view::npos ? s.npos : next - pos));
    if (next == std::string_view::npos) return out;
    pos = next + 1;
  }
}

std::vector<std::string> SplitNonEmpty(std::string_view s, char sep, std::string_view trim) {
  std::vector<std::string> out;
  for (size_t pos = 0; pos <= s.size();) {
    size_t next = s.find(sep, pos);
    if (next == std::string_view::npos) next = s.size();
    std::string_view part = Trim(s.substr(pos, next - pos), trim);
    if (!part.empty()) out.emplace_back(part);
    pos = next + 1;
  }
  return out;
}

std::string Join(const std::vector<std::string>& parts, std::string_view sep, size_t begin,
                 size_t end) {
  end = std::min(end, parts.size());
  std::string out;
  for (size_t i = begin; i < end; ++i) {
    if (i > begin) out += sep;
    out += parts[i];
  }
  return out;
}

}  // namespace worm

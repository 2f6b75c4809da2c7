#include "schema/utf8.h"

#include <algorithm>
#include <vector>

#include "core/utf8.h"

namespace worm::schema::internal {

size_t DecodeUtf8(std::string_view text, size_t i, uint32_t* cp) {
  return worm::DecodeUtf8(text, i, cp);
}

bool IsValidUtf8(std::string_view text) { return worm::IsValidUtf8(text); }

int ColumnOf(std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  int col = 1;
  for (size_t i = 0; i < offset; ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++col;
  }
  return col;
}

std::string Printable(std::string_view text) {
  constexpr size_t kMaxShown = 80;  // bytes of the original shown in messages
  static const char* kHex = "0123456789abcdef";
  std::string out;
  size_t shown = std::min(text.size(), kMaxShown);
  for (size_t i = 0; i < shown;) {
    uint32_t cp;
    size_t n = DecodeUtf8(text, i, &cp);
    if (n == 0 || IsControl(cp)) {
      size_t bytes = n == 0 ? 1 : n;
      for (size_t k = 0; k < bytes; ++k) {
        auto b = static_cast<unsigned char>(text[i + k]);
        out += "\\x";
        out += kHex[b >> 4];
        out += kHex[b & 15];
      }
      i += bytes;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  if (shown < text.size()) out += "...";
  return out;
}

size_t EditDistance(std::string_view a, std::string_view b, size_t cap) {
  size_t diff = a.size() > b.size() ? a.size() - b.size() : b.size() - a.size();
  if (diff > cap) return cap + 1;
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    size_t row_min = cur[0];
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
      row_min = std::min(row_min, cur[j]);
    }
    if (row_min > cap) return cap + 1;
    std::swap(prev, cur);
  }
  return std::min(prev[b.size()], cap + 1);
}

std::string DidYouMean(const std::string& suggestion) {
  return suggestion.empty() ? std::string() : " (did you mean '" + suggestion + "'?)";
}

}  // namespace worm::schema::internal

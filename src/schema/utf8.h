// Small UTF-8 helpers shared by the schema layer (id checks, DSL columns,
// lint positions). Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace worm::schema::internal {

// Decodes one code point at `text[i]`. Returns its length in bytes (1..4) and
// stores it in `*cp`, or 0 when the bytes there are not valid UTF-8 (overlong
// forms, surrogates and code points above U+10FFFF are invalid).
size_t DecodeUtf8(std::string_view text, size_t i, uint32_t* cp);

// True when `text` is valid UTF-8.
bool IsValidUtf8(std::string_view text);

// C0 controls, DEL and C1 controls.
inline bool IsControl(uint32_t cp) { return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F); }

// 1-based column of byte `offset` in `text`, counting code points.
int ColumnOf(std::string_view text, size_t offset);

// `text` quoted for a message: printable as is, other bytes as \xNN, cut to
// about 80 bytes with "..." so a 1 MB id does not become a 1 MB message.
std::string Printable(std::string_view text);

// Levenshtein distance, capped: returns `cap + 1` as soon as it exceeds `cap`.
size_t EditDistance(std::string_view a, std::string_view b, size_t cap);

// The candidate closest to `word` when it is close enough to be a likely typo
// (distance <= 2, or <= 1 for short words), else empty.
template <typename Range>
std::string Suggest(std::string_view word, const Range& candidates) {
  std::string best;
  size_t best_d = word.size() <= 4 ? 1 : 2;  // larger distances are rarely typos
  bool found = false;
  for (const auto& c : candidates) {
    std::string_view cand(c);
    size_t d = EditDistance(word, cand, best_d);
    if (d <= best_d && (!found || d < best_d)) {
      best = std::string(cand);
      best_d = d;
      found = true;
    }
  }
  return best;
}

// " (did you mean 'x'?)" or "".
std::string DidYouMean(const std::string& suggestion);

}  // namespace worm::schema::internal

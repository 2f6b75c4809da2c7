#include "security/access_path.h"

#include <map>

namespace worm::security::internal {

namespace {

bool StartsWith(std::string_view s, std::string_view p) {
  return !p.empty() && s.size() >= p.size() && s.compare(0, p.size(), p) == 0;
}

Status Bad(std::string_view text, size_t offset, const std::string& why) {
  return Status::InvalidArgument(why + " (column " + std::to_string(offset + 1) + " of '" +
                                 std::string(text) + "')");
}

bool SafeLiteral(std::string_view s) {
  if (s.empty() || s[0] == '.') return false;
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F || c == '*') return false;
  }
  return true;
}

Match Min(Match a, Match b) { return a < b ? a : b; }
Match Max(Match a, Match b) { return a > b ? a : b; }

Match MatchSegment(const PatternSegment& p, const KeySegment& k) {
  bool system = !k.placeholder && !k.text.empty() && k.text[0] == '.';
  switch (p.kind) {
    case PatternSegment::Kind::kLiteral:
      if (k.placeholder) return Match::kMaybe;
      return k.text == p.text ? Match::kYes : Match::kNo;
    case PatternSegment::Kind::kOne:
    case PatternSegment::Kind::kMany:
      return system ? Match::kNo : Match::kYes;
    case PatternSegment::Kind::kTyped:
      if (k.placeholder) {
        return k.type != nullptr && k.type->name == p.type->name ? Match::kYes : Match::kMaybe;
      }
      return !system && p.type->Matches(k.text) ? Match::kYes : Match::kNo;
  }
  return Match::kNo;
}

Match MatchFrom(const AccessPath& pat, size_t pi, const KeySegment* key, size_t n, size_t ki) {
  if (pi == pat.segments.size()) {
    if (!pat.whole_key || ki == n) return Match::kYes;
    return Match::kNo;
  }
  const PatternSegment& p = pat.segments[pi];
  if (p.kind == PatternSegment::Kind::kMany) {
    // '**' takes zero or more segments: the best of every split.
    Match best = MatchFrom(pat, pi + 1, key, n, ki);
    for (size_t k = ki; k < n && best != Match::kYes; ++k) {
      Match m = MatchSegment(p, key[k]);
      if (m == Match::kNo) break;
      best = Max(best, Min(m, MatchFrom(pat, pi + 1, key, n, k + 1)));
    }
    return best;
  }
  if (ki == n) return Match::kNo;
  Match m = MatchSegment(p, key[ki]);
  if (m == Match::kNo) return m;
  return Min(m, MatchFrom(pat, pi + 1, key, n, ki + 1));
}

}  // namespace

std::string AccessPath::LiteralPrefix() const {
  std::string out;
  size_t literal = 0;
  for (const PatternSegment& s : segments) {
    if (s.kind != PatternSegment::Kind::kLiteral) break;
    out += s.text;
    out += '/';
    ++literal;
  }
  if (whole_key && literal == segments.size() && !out.empty()) out.pop_back();
  return out;
}

Result<AccessPath> ParseAccessPath(std::string_view text, const schema::Symbols& sym,
                                   const std::map<std::string, schema::DynamicType>& types) {
  if (text.empty()) return Bad(text, 0, "empty path pattern: write e.g. #org/@customers/*");
  if (text.size() > 1024) return Bad(text.substr(0, 64), 0, "path pattern over 1024 bytes");
  AccessPath out;
  out.source = std::string(text);
  size_t start = 0;
  int many = 0;
  while (true) {
    size_t end = text.find('/', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view s = text.substr(start, end - start);
    if (out.whole_key) return Bad(text, start, "a file segment must be the last one");
    PatternSegment seg;
    if (s.empty()) return Bad(text, start, "empty segment");
    if (s == "*") {
      seg.kind = PatternSegment::Kind::kOne;
    } else if (s == "**") {
      seg.kind = PatternSegment::Kind::kMany;
      if (++many > 4) return Bad(text, start, "at most four '**' in a pattern");
    } else if (StartsWith(s, sym.namespace_symbol) || StartsWith(s, sym.collection_symbol)) {
      size_t skip = StartsWith(s, sym.namespace_symbol) ? sym.namespace_symbol.size()
                                                        : sym.collection_symbol.size();
      seg.text = std::string(s.substr(skip));
      if (!SafeLiteral(seg.text)) return Bad(text, start, "bad name after the symbol");
    } else if (StartsWith(s, sym.dynamic_open)) {
      if (s.size() < sym.dynamic_open.size() + sym.dynamic_close.size() ||
          s.substr(s.size() - sym.dynamic_close.size()) != sym.dynamic_close) {
        return Bad(text, start, "unclosed dynamic segment: write (name:type)");
      }
      std::string_view inner = s.substr(
          sym.dynamic_open.size(), s.size() - sym.dynamic_open.size() - sym.dynamic_close.size());
      size_t colon = inner.find(':');
      if (colon == std::string_view::npos || colon == 0 || colon + 1 == inner.size()) {
        return Bad(text, start, "a dynamic segment is (name:type)");
      }
      std::string type(inner.substr(colon + 1));
      auto it = types.find(type);
      if (it == types.end()) {
        return Bad(text, start + sym.dynamic_open.size() + colon + 1,
                   "unknown dynamic type '" + type + "'");
      }
      seg.kind = PatternSegment::Kind::kTyped;
      seg.text = type;
      seg.type = &it->second;
    } else if (StartsWith(s, sym.file_open)) {
      size_t close = s.find(sym.file_close, sym.file_open.size());
      if (close == std::string_view::npos || close == sym.file_open.size()) {
        return Bad(text, start, "a file segment is [name].ext");
      }
      seg.text = std::string(s.substr(sym.file_open.size(), close - sym.file_open.size())) +
                 std::string(s.substr(close + sym.file_close.size()));
      if (!SafeLiteral(seg.text)) return Bad(text, start, "bad file name");
      out.whole_key = true;
    } else {
      // A plain segment: a literal id or folder name.
      if (!SafeLiteral(s)) {
        return Bad(text, start,
                   s[0] == '.' ? "a segment may not start with '.' (system entries)"
                               : "bad segment (no '*' inside a segment, no control characters)");
      }
      seg.text = std::string(s);
    }
    out.segments.push_back(std::move(seg));
    if (end == text.size()) break;
    start = end + 1;
  }
  return out;
}

Match MatchPath(const AccessPath& pattern, const KeySegment* key, size_t n) {
  return MatchFrom(pattern, 0, key, n, 0);
}

std::vector<KeySegment> SplitKey(std::string_view key) {
  std::vector<KeySegment> out;
  size_t start = 0;
  while (start <= key.size()) {
    size_t end = key.find('/', start);
    if (end == std::string_view::npos) end = key.size();
    if (end > start) out.push_back({key.substr(start, end - start), false, nullptr});
    start = end + 1;
  }
  return out;
}

}  // namespace worm::security::internal

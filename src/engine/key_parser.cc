#include "engine/key_parser.h"

#include <cstdint>

#include "schema/ids.h"

namespace worm::engine {

namespace {

bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
// Bytes an id may hold whatever else it is checked for: with only these,
// ValidateIdSegment can fail on the length alone.
bool IsPlainIdByte(char c) {
  return IsLower(c) || IsUpper(c) || IsDigit(c) || c == '-' || c == '_';
}
bool SameRangeKind(char lo, char hi) {
  return lo <= hi && ((IsLower(lo) && IsLower(hi)) || (IsUpper(lo) && IsUpper(hi)) ||
                      (IsDigit(lo) && IsDigit(hi)));
}

// "{n}", "{m,n}" or "{m,}" at the start of `re`; consumed on success.
bool ParseCount(std::string_view* re, size_t* min, size_t* max) {
  size_t close = re->find('}');
  if (close == std::string_view::npos) return false;
  std::string_view body = re->substr(1, close - 1);
  size_t comma = body.find(',');
  auto number = [](std::string_view digits, size_t* out) {
    if (digits.empty() || digits.size() > 4) return false;
    *out = 0;
    for (char c : digits) {
      if (!IsDigit(c)) return false;
      *out = *out * 10 + static_cast<size_t>(c - '0');
    }
    return true;
  };
  if (!number(body.substr(0, comma), min)) return false;
  if (comma == std::string_view::npos) {
    *max = *min;
  } else if (comma + 1 == body.size()) {
    *max = SIZE_MAX;
  } else if (!number(body.substr(comma + 1), max) || *max < *min) {
    return false;
  }
  re->remove_prefix(close + 1);
  return true;
}

// The schema's segments of a key: the full path, or the path and the file.
std::vector<const schema::Segment*> KeySegments(const schema::Model& m) {
  std::vector<const schema::Segment*> out;
  if (!m.full.segments.empty()) {
    for (const schema::Segment& s : m.full.segments) out.push_back(&s);
    return out;
  }
  for (const schema::Segment& s : m.path.segments) {
    if (s.kind != schema::SegmentKind::kFile) out.push_back(&s);
  }
  if (const schema::Segment* f = m.file.file()) out.push_back(f);
  return out;
}

}  // namespace

std::optional<ClassPattern> ClassPattern::Compile(std::string_view re) {
  if (!re.empty() && re.front() == '^') re.remove_prefix(1);
  if (!re.empty() && re.back() == '$') re.remove_suffix(1);
  ClassPattern p;
  while (!re.empty()) {
    Atom a;
    if (re.front() == '[') {
      size_t close = re.find(']');
      std::string_view set = re.substr(1, close - 1);
      if (close == std::string_view::npos || set.empty()) return std::nullopt;
      for (size_t i = 0; i < set.size(); ++i) {
        char c = set[i];
        if (!IsPlainIdByte(c)) return std::nullopt;
        if (c == '-') {  // a literal only first or last; elsewhere it would be a range
          if (i != 0 && i + 1 != set.size()) return std::nullopt;
          a.bytes.set('-');
        } else if (i + 2 < set.size() && set[i + 1] == '-') {
          if (!SameRangeKind(c, set[i + 2])) return std::nullopt;
          for (char b = c; b <= set[i + 2]; ++b) a.bytes.set(static_cast<size_t>(b));
          i += 2;
        } else {
          a.bytes.set(static_cast<size_t>(c));
        }
      }
      re.remove_prefix(close + 1);
    } else if (IsPlainIdByte(re.front())) {
      a.bytes.set(static_cast<size_t>(re.front()));
      re.remove_prefix(1);
    } else {
      return std::nullopt;
    }
    if (!re.empty()) {
      switch (re.front()) {
        case '+':
          a.max = SIZE_MAX;
          re.remove_prefix(1);
          break;
        case '*':
          a.min = 0;
          a.max = SIZE_MAX;
          re.remove_prefix(1);
          break;
        case '?':
          a.min = 0;
          re.remove_prefix(1);
          break;
        case '{':
          if (!ParseCount(&re, &a.min, &a.max)) return std::nullopt;
          break;
        default:
          break;
      }
    }
    p.atoms_.push_back(a);
  }
  return p;
}

std::optional<bool> ClassPattern::FullMatch(std::string_view value) const {
  if (value.size() > kMaxValue) return std::nullopt;
  // reach[j]: the atoms so far can match value[0, j) exactly.
  std::bitset<kMaxValue + 1> reach, next;
  reach.set(0);
  const size_t n = value.size();
  for (const Atom& a : atoms_) {
    next.reset();
    for (size_t j = 0; j <= n; ++j) {
      if (!reach[j]) continue;
      for (size_t k = 0;; ++k) {
        if (k >= a.min) next.set(j + k);
        if (k == a.max || j + k == n) break;
        auto b = static_cast<unsigned char>(value[j + k]);
        if (b >= 128 || !a.bytes[b]) break;
      }
    }
    reach = next;
    if (reach.none()) return false;
  }
  return reach[n];
}

KeyParser::KeyParser(const schema::StorageResolver& resolver, const schema::Model& model) {
  const auto& types = resolver.schema().dynamic_types;
  for (const schema::Segment* s : KeySegments(model)) {
    Part part;
    if (s->kind == schema::SegmentKind::kDynamic) {
      part.dynamic = true;
      if (auto t = types.find(s->type); t != types.end()) {
        part.type = &t->second;
        part.simple = ClassPattern::Compile(t->second.regex);
      }
    } else {
      part.literal = s->kind == schema::SegmentKind::kFile ? s->name + s->extension : s->name;
    }
    parts_.push_back(std::move(part));
  }
}

bool KeyParser::IdMatches(const Part& part, std::string_view id) const {
  if (part.type == nullptr) return false;
  if (part.simple && !id.empty()) {
    // A match holds only plain id bytes, so the id is a valid segment.
    if (std::optional<bool> m = part.simple->FullMatch(id)) return *m;
  }
  return schema::ValidateIdSegment(id).ok() && part.type->Matches(id);
}

bool KeyParser::Parse(std::string_view key, schema::EntityIds* ids) const {
  ids->clear();
  if (parts_.empty() || schema::IsSystemKey(key)) return false;
  size_t start = 0;
  for (size_t i = 0; i < parts_.size(); ++i) {
    const bool last = i + 1 == parts_.size();
    size_t end = key.find('/', start);
    if ((end == std::string_view::npos) != last) return false;
    if (last) end = key.size();
    std::string_view segment = key.substr(start, end - start);
    const Part& part = parts_[i];
    if (!part.dynamic) {
      if (segment != part.literal) return false;
    } else {
      if (!IdMatches(part, segment)) return false;
      ids->emplace_back(segment);
    }
    start = end + 1;
  }
  return true;
}

}  // namespace worm::engine

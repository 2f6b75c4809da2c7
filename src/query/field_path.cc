#include "query/field_path.h"

#include <cctype>

namespace worm::query {

namespace {

bool AllDigits(std::string_view s) {
  if (s.empty() || s.size() > 18) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return s.size() == 1 || s[0] != '0';
}

// Builds the value of path[seg..] under `v`, for ResolveSingle; false when missing.
bool Build(const Json& v, const PathSegment* seg, const PathSegment* end, Json* out) {
  if (seg == end) {
    *out = v;
    return true;
  }
  if (v.is_object()) {
    auto it = v.find(seg->name);
    return it != v.end() && Build(*it, seg + 1, end, out);
  }
  if (!v.is_array()) return false;
  if (seg->is_index) return seg->index < v.size() && Build(v[seg->index], seg + 1, end, out);
  Json arr = Json::array();
  for (const Json& e : v) {
    Json sub;
    if (e.is_object() && Build(e, seg, end, &sub)) arr.push_back(std::move(sub));
  }
  *out = std::move(arr);
  return true;
}

// Member names printed bare in error locations (dots allowed: field paths).
bool PlainMember(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (!(std::isalnum(u) || c == '_' || c == '$' || c == '-' || c == '.' || u >= 0x80)) {
      return false;
    }
  }
  return true;
}

}  // namespace

Result<FieldPath> ParseFieldPath(std::string_view text, const std::string& where) {
  if (text.empty()) return Status::InvalidArgument(where + ": empty field path");
  FieldPath path;
  path.text = std::string(text);
  size_t start = 0;
  while (true) {
    size_t dot = text.find('.', start);
    std::string_view seg = text.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (seg.empty()) {
      return Status::InvalidArgument(where + ": empty segment in field path '" + std::string(text) +
                                     "'");
    }
    if (seg[0] == '$') {
      return Status::InvalidArgument(where + ": field path '" + std::string(text) +
                                     "' has a segment starting with '$' (operators go inside "
                                     "the field's value: {\"field\": {\"$op\": ...}})");
    }
    PathSegment s;
    s.name = std::string(seg);
    if (AllDigits(seg)) {
      s.is_index = true;
      s.index = std::stoull(s.name);
    }
    path.segments.push_back(std::move(s));
    if (path.segments.size() > static_cast<size_t>(kMaxJsonDepth)) {
      // Reaches nothing (each segment goes one level down), and the tries
      // built from paths (select) recurse per segment.
      return Status::InvalidArgument(where + ": field path has more than " +
                                     std::to_string(kMaxJsonDepth) +
                                     " segments (the limit on JSON nesting)");
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return path;
}

const Json* ResolveSingle(const Json& doc, const FieldPath& path, Json* scratch) {
  const Json* v = &doc;
  const PathSegment* seg = path.segments.data();
  const PathSegment* end = seg + path.segments.size();
  for (; seg != end; ++seg) {
    if (v->is_object()) {
      auto it = v->find(seg->name);
      if (it == v->end()) return nullptr;
      v = &*it;
    } else if (v->is_array() && seg->is_index) {
      if (seg->index >= v->size()) return nullptr;
      v = &(*v)[seg->index];
    } else if (v->is_array()) {
      return Build(*v, seg, end, scratch) ? scratch : nullptr;
    } else {
      return nullptr;
    }
  }
  return v;
}

std::string ChildPath(const std::string& parent, std::string_view member) {
  std::string out = parent;
  if (PlainMember(member)) {
    if (!out.empty()) out += '.';
    out += member;
    return out;
  }
  out += '[';
  out += Json(std::string(member)).dump(-1, ' ', false, Json::error_handler_t::replace);
  out += ']';
  return out;
}

std::string IndexPath(const std::string& parent, size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

}  // namespace worm::query

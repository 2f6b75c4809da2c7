// Dotted field paths ("customer.address.city", "items.0.sku"), parsed once
// and walked over documents without allocating.
//
// Two ways to read a path (include/worm/query.h documents both):
//  - ForEachReached: MongoDB filter semantics. Object members are followed; on
//    an array a numeric segment indexes it and any other segment fans out into
//    every object element. Several values may be reached.
//  - ResolveSingle: one value, like MongoDB's "$a.b" expression: through an
//    array with a non-numeric segment, the array of the elements' values.
// Thread-safety: FieldPath is an immutable value.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/json_util.h"
#include "worm/result.h"

namespace worm::query {

struct PathSegment {
  std::string name;
  bool is_index = false;  // all digits, no leading zero (or "0")
  size_t index = 0;
};

struct FieldPath {
  std::string text;
  std::vector<PathSegment> segments;
};

// Parses `text`; InvalidArgument "<where>: <why>" for an empty path or segment,
// a segment starting with '$', or more than kMaxJsonDepth segments. `where` locates the path in the
// query.
Result<FieldPath> ParseFieldPath(std::string_view text, const std::string& where);

// Calls fn(const Json&) for every value reached; stops early (and returns
// true) as soon as fn returns true.
template <typename Fn>
bool ForEachReached(const Json& v, const PathSegment* seg, const PathSegment* end, Fn& fn) {
  if (seg == end) return fn(v);
  if (v.is_object()) {
    auto it = v.find(seg->name);
    return it != v.end() && ForEachReached(*it, seg + 1, end, fn);
  }
  if (!v.is_array()) return false;
  if (seg->is_index) {
    return seg->index < v.size() && ForEachReached(v[seg->index], seg + 1, end, fn);
  }
  for (const Json& e : v) {
    if (e.is_object() && ForEachReached(e, seg, end, fn)) return true;
  }
  return false;
}

template <typename Fn>
bool ForEachReached(const Json& doc, const FieldPath& path, Fn&& fn) {
  const PathSegment* b = path.segments.data();
  return ForEachReached(doc, b, b + path.segments.size(), fn);
}

// Values reached, with arrays unwound one level (aggregate inputs).
template <typename Fn>
void ForEachUnwound(const Json& doc, const FieldPath& path, Fn&& fn) {
  auto visit = [&fn](const Json& v) {
    if (v.is_array()) {
      for (const Json& e : v) fn(e);
    } else {
      fn(v);
    }
    return false;
  };
  ForEachReached(doc, path, visit);
}

// The single value at `path`, or nullptr when missing. Points into `doc`, or
// into *scratch when a value had to be built (arrays crossed by name).
const Json* ResolveSingle(const Json& doc, const FieldPath& path, Json* scratch);

// Error locations in a query: where.amount.$gt, where.$or[1], select[2],
// where["a.b"] for member names that are not plain identifiers-with-dots.
std::string ChildPath(const std::string& parent, std::string_view member);
std::string IndexPath(const std::string& parent, size_t index);

}  // namespace worm::query

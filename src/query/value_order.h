// The total order of JSON values used by sorting, equality, cursors, min/max
// and group keys (documented in include/worm/query.h):
//   missing < null < false < true < numbers < strings < arrays < objects.
// Pure functions; thread-safe.
#pragma once

#include "core/json_util.h"

namespace worm::query {

// Type classes in order. A discarded Json value stands for "missing".
enum class TypeRank : int {
  kMissing = 0,
  kNull = 1,
  kBoolean = 2,
  kNumber = 3,
  kString = 4,
  kArray = 5,
  kObject = 6,
  kBinary = 7,  // never produced by parsing; ordered last for totality
};

TypeRank RankOf(const Json& v);

// <0, 0, >0. Exact across int64, uint64 and double.
int CompareValues(const Json& a, const Json& b);
int CompareNumbers(const Json& a, const Json& b);

// A shared "missing" value (a discarded Json).
const Json& MissingValue();
inline bool IsMissing(const Json& v) { return v.is_discarded(); }

// Strict-weak-ordering functors for containers.
struct JsonLess {
  bool operator()(const Json& a, const Json& b) const { return CompareValues(a, b) < 0; }
};

}  // namespace worm::query

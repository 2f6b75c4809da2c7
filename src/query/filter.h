// The compiled "where" of a query: a tree of AND/OR/NOT nodes over field
// conditions, built once by CompileWhere and evaluated per document by
// EvalFilter without allocating. Semantics: include/worm/query.h.
//
// Thread-safety: a FilterNode is immutable after CompileWhere and may be
// evaluated from many threads (RE2 matching is thread-safe).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/json_util.h"
#include "query/field_path.h"
#include "query/value_order.h"
#include "worm/result.h"

namespace re2 {
class RE2;
}

namespace worm::query {

enum class OpKind {
  kEq,
  kNe,
  kGt,
  kGte,
  kLt,
  kLte,
  kIn,
  kNin,
  kExists,
  kContains,
  kStartsWith,
  kEndsWith,
  kRegex,
  kNot,
};

// The operator's spelling, "$eq" etc.
const char* OpName(OpKind op);

struct Condition {
  OpKind op = OpKind::kEq;
  std::string location;  // where in the query, e.g. "where.amount.$gt"
  Json operand;          // as given ($regex: the pattern)
  TypeRank operand_rank = TypeRank::kNull;
  std::vector<Json> set;  // $in/$nin: sorted by the total order, no duplicates
  bool set_has_null = false;
  bool exists = true;                     // $exists operand
  std::shared_ptr<const re2::RE2> regex;  // $regex
  std::vector<Condition> negated;         // $not: these, ANDed, negated
};

struct FilterNode {
  enum class Kind { kAnd, kOr, kNot, kField };
  Kind kind = Kind::kAnd;  // an empty kAnd matches everything
  std::string location;    // "where", "where.$or[1]", "where.amount"
  std::vector<FilterNode> children;
  FieldPath path;                     // kField
  std::vector<Condition> conditions;  // kField: ANDed
};

// Compiles a where object (null: match everything). InvalidArgument
// "<location>: <why>"; `location` is the where's own location ("where").
Result<FilterNode> CompileWhere(const Json& where, const std::string& location);

bool EvalFilter(const FilterNode& node, const Json& doc);

// "a boolean", "an array", ... for messages.
const char* DescribeType(const Json& v);

}  // namespace worm::query

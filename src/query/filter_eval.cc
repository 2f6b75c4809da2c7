// EvalFilter: FilterNode x document -> bool. No allocation on the hot path.
#include <re2/re2.h>

#include <algorithm>
#include <string_view>

#include "query/filter.h"

namespace worm::query {

namespace {

bool InSet(const Condition& c, const Json& v) {
  return std::binary_search(c.set.begin(), c.set.end(), v, JsonLess());
}

bool RangeMatch(const Condition& c, const Json& v) {
  if (RankOf(v) != c.operand_rank) return false;  // type-bracketed
  int cmp = CompareValues(v, c.operand);
  switch (c.op) {
    case OpKind::kGt:
      return cmp > 0;
    case OpKind::kGte:
      return cmp >= 0;
    case OpKind::kLt:
      return cmp < 0;
    default:
      return cmp <= 0;
  }
}

bool StringMatch(const Condition& c, const Json& v) {
  if (!v.is_string()) return false;
  std::string_view s = v.get_ref<const std::string&>();
  switch (c.op) {
    case OpKind::kStartsWith: {
      const auto& p = c.operand.get_ref<const std::string&>();
      return s.size() >= p.size() && s.compare(0, p.size(), p) == 0;
    }
    case OpKind::kEndsWith: {
      const auto& p = c.operand.get_ref<const std::string&>();
      return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
    }
    default:
      return RE2::PartialMatch(re2::StringPiece(s.data(), s.size()), *c.regex);
  }
}

// One value against a positive element-wise operator.
bool TestValue(const Condition& c, const Json& v) {
  switch (c.op) {
    case OpKind::kEq:
    case OpKind::kNe:  // the positive twin; EvalCondition negates
      return CompareValues(v, c.operand) == 0;
    case OpKind::kIn:
    case OpKind::kNin:
      return InSet(c, v);
    case OpKind::kGt:
    case OpKind::kGte:
    case OpKind::kLt:
    case OpKind::kLte:
      return RangeMatch(c, v);
    default:
      return StringMatch(c, v);
  }
}

bool Contains(const Condition& c, const Json& v) {
  if (v.is_array()) {
    for (const Json& e : v) {
      if (CompareValues(e, c.operand) == 0) return true;
    }
    return false;
  }
  if (v.is_string() && c.operand.is_string()) {
    return v.get_ref<const std::string&>().find(c.operand.get_ref<const std::string&>()) !=
           std::string::npos;
  }
  return false;
}

// Whether any reached value (or element of a reached array) passes TestValue.
// *reached tells whether the path reached anything at all.
bool AnyElementWise(const Condition& c, const Json& doc, const FieldPath& path, bool* reached) {
  auto fn = [&c, reached](const Json& v) {
    *reached = true;
    if (TestValue(c, v)) return true;
    if (v.is_array()) {
      for (const Json& e : v) {
        if (TestValue(c, e)) return true;
      }
    }
    return false;
  };
  return ForEachReached(doc, path, fn);
}

bool EvalConditions(const std::vector<Condition>& conds, const Json& doc, const FieldPath& path);

bool EvalCondition(const Condition& c, const Json& doc, const FieldPath& path) {
  bool reached = false;
  switch (c.op) {
    case OpKind::kEq:
      return AnyElementWise(c, doc, path, &reached) || (!reached && c.operand.is_null());
    case OpKind::kNe:
      return !(AnyElementWise(c, doc, path, &reached) || (!reached && c.operand.is_null()));
    case OpKind::kIn:
      return AnyElementWise(c, doc, path, &reached) || (!reached && c.set_has_null);
    case OpKind::kNin:
      return !(AnyElementWise(c, doc, path, &reached) || (!reached && c.set_has_null));
    case OpKind::kExists: {
      auto fn = [](const Json&) { return true; };
      return ForEachReached(doc, path, fn) == c.exists;
    }
    case OpKind::kContains: {
      auto fn = [&c](const Json& v) { return Contains(c, v); };
      return ForEachReached(doc, path, fn);
    }
    case OpKind::kNot:
      return !EvalConditions(c.negated, doc, path);
    default:
      return AnyElementWise(c, doc, path, &reached);
  }
}

bool EvalConditions(const std::vector<Condition>& conds, const Json& doc, const FieldPath& path) {
  for (const Condition& c : conds) {
    if (!EvalCondition(c, doc, path)) return false;
  }
  return true;
}

}  // namespace

bool EvalFilter(const FilterNode& node, const Json& doc) {
  switch (node.kind) {
    case FilterNode::Kind::kAnd:
      for (const FilterNode& child : node.children) {
        if (!EvalFilter(child, doc)) return false;
      }
      return true;
    case FilterNode::Kind::kOr:
      for (const FilterNode& child : node.children) {
        if (EvalFilter(child, doc)) return true;
      }
      return false;
    case FilterNode::Kind::kNot:
      return !EvalFilter(node.children[0], doc);
    case FilterNode::Kind::kField:
      return EvalConditions(node.conditions, doc, node.path);
  }
  return false;
}

}  // namespace worm::query

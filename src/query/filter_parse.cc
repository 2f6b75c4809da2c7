// CompileWhere: where JSON -> FilterNode, with precise errors.
#include <re2/re2.h>

#include <algorithm>
#include <map>

#include "query/filter.h"

namespace worm::query {

namespace {

// Nesting of $and/$or/$not levels a where may have: far beyond hand-written
// queries, well within the stack. (Compile refuses a query nested deeper than
// kMaxJsonDepth before this parser sees it; an $and level takes two.)
constexpr int kMaxDepth = 64;

Status Invalid(const std::string& location, const std::string& why) {
  return Status::InvalidArgument(location + ": " + why);
}

bool IsScalar(const Json& v) {
  return v.is_null() || v.is_boolean() || v.is_number() || v.is_string();
}

bool HasOperatorKeys(const Json& v) {
  if (!v.is_object()) return false;
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (!it.key().empty() && it.key()[0] == '$') return true;
  }
  return false;
}

const std::map<std::string, OpKind, std::less<>>& OperatorTable() {
  static const auto* const kTable = new std::map<std::string, OpKind, std::less<>>{
      {"$eq", OpKind::kEq},
      {"$ne", OpKind::kNe},
      {"$gt", OpKind::kGt},
      {"$gte", OpKind::kGte},
      {"$lt", OpKind::kLt},
      {"$lte", OpKind::kLte},
      {"$in", OpKind::kIn},
      {"$nin", OpKind::kNin},
      {"$exists", OpKind::kExists},
      {"$contains", OpKind::kContains},
      {"$startsWith", OpKind::kStartsWith},
      {"$endsWith", OpKind::kEndsWith},
      {"$regex", OpKind::kRegex},
      {"$not", OpKind::kNot},
  };
  return *kTable;
}

Result<std::vector<Condition>> CompileFieldValue(const Json& value, const std::string& location,
                                                 int depth);
Result<FilterNode> CompileWhereAt(const Json& where, const std::string& location, int depth);

Status CompileSet(const Json& operand, Condition* c) {
  if (!operand.is_array()) {
    return Invalid(c->location, std::string(OpName(c->op)) + " expects an array of values, got " +
                                    DescribeType(operand));
  }
  c->set.assign(operand.begin(), operand.end());
  std::sort(c->set.begin(), c->set.end(), JsonLess());
  auto eq = [](const Json& a, const Json& b) { return CompareValues(a, b) == 0; };
  c->set.erase(std::unique(c->set.begin(), c->set.end(), eq), c->set.end());
  c->set_has_null = !c->set.empty() && c->set.front().is_null();  // null sorts first
  return Status::OK();
}

Status CompileRegex(const Json& operand, const Json* options, Condition* c) {
  if (!operand.is_string()) {
    return Invalid(c->location,
                   "$regex expects a pattern string, got " + std::string(DescribeType(operand)));
  }
  std::string flags;
  if (options != nullptr) {
    std::string at = c->location.substr(0, c->location.rfind('.')) + ".$options";
    if (!options->is_string()) {
      return Invalid(at, "$options expects a string of flags (i, m, s), got " +
                             std::string(DescribeType(*options)));
    }
    for (char f : options->get_ref<const std::string&>()) {
      if (f != 'i' && f != 'm' && f != 's') {
        return Invalid(at, std::string("unknown regex option '") + f +
                               "' (supported: i case-insensitive, m multi-line, s dot-all)");
      }
      if (flags.find(f) == std::string::npos) flags += f;
    }
  }
  std::string pattern = operand.get<std::string>();
  if (!flags.empty()) pattern = "(?" + flags + ")" + pattern;
  RE2::Options opts;
  opts.set_log_errors(false);
  auto re = std::make_shared<const RE2>(pattern, opts);
  if (!re->ok()) return Invalid(c->location, "invalid regular expression: " + re->error());
  c->regex = std::move(re);
  return Status::OK();
}

Status CompileOperand(const Json& operand, const Json& siblings, int depth, Condition* c) {
  const std::string name = OpName(c->op);
  switch (c->op) {
    case OpKind::kGt:
    case OpKind::kGte:
    case OpKind::kLt:
    case OpKind::kLte:
      if (!IsScalar(operand)) {
        return Invalid(c->location, name + " expects a number, string, boolean or null, got " +
                                        DescribeType(operand));
      }
      break;
    case OpKind::kIn:
    case OpKind::kNin:
      return CompileSet(operand, c);
    case OpKind::kExists:
      if (!operand.is_boolean()) {
        return Invalid(c->location,
                       "$exists expects true or false, got " + std::string(DescribeType(operand)));
      }
      c->exists = operand.get<bool>();
      break;
    case OpKind::kStartsWith:
    case OpKind::kEndsWith:
      if (!operand.is_string()) {
        return Invalid(c->location,
                       name + " expects a string, got " + std::string(DescribeType(operand)));
      }
      break;
    case OpKind::kRegex: {
      auto it = siblings.find("$options");
      return CompileRegex(operand, it == siblings.end() ? nullptr : &*it, c);
    }
    case OpKind::kNot: {
      ASSIGN_OR_RETURN(c->negated, CompileFieldValue(operand, c->location, depth + 1));
      break;
    }
    default:
      break;
  }
  return Status::OK();
}

Result<std::vector<Condition>> CompileOperators(const Json& ops, const std::string& location,
                                                int depth) {
  std::vector<Condition> out;
  for (auto it = ops.begin(); it != ops.end(); ++it) {
    const std::string& key = it.key();
    std::string at = ChildPath(location, key);
    if (key.empty() || key[0] != '$') {
      return Invalid(at, "field '" + key +
                             "' mixed with operators; write {\"$eq\": {...}} to match an object "
                             "with such members, or a dotted path to reach into it");
    }
    if (key == "$options") {
      if (!ops.contains("$regex")) return Invalid(at, "$options without $regex");
      continue;
    }
    auto op = OperatorTable().find(key);
    if (op == OperatorTable().end()) {
      return Invalid(at, "unknown operator '" + key +
                             "' (known: $eq $ne $gt $gte $lt $lte $in $nin $exists $contains "
                             "$startsWith $endsWith $regex $not)");
    }
    Condition c;
    c.op = op->second;
    c.location = at;
    c.operand = *it;
    c.operand_rank = RankOf(*it);
    RETURN_NOT_OK(CompileOperand(*it, ops, depth, &c));
    out.push_back(std::move(c));
  }
  return out;
}

Result<std::vector<Condition>> CompileFieldValue(const Json& value, const std::string& location,
                                                 int depth) {
  if (depth > kMaxDepth) return Invalid(location, "nested too deeply (more than 64 levels)");
  if (HasOperatorKeys(value)) return CompileOperators(value, location, depth);
  Condition c;
  c.op = OpKind::kEq;
  c.location = location;
  c.operand = value;
  c.operand_rank = RankOf(value);
  std::vector<Condition> out;
  out.push_back(std::move(c));
  return out;
}

Result<FilterNode> CompileList(const Json& list, const std::string& location, FilterNode::Kind k,
                               int depth) {
  const char* name = k == FilterNode::Kind::kAnd ? "$and" : "$or";
  if (!list.is_array() || list.empty()) {
    return Invalid(location, std::string(name) + " expects a non-empty array of filters, got " +
                                 (list.is_array() ? "an empty array" : DescribeType(list)));
  }
  FilterNode node;
  node.kind = k;
  node.location = location;
  for (size_t i = 0; i < list.size(); ++i) {
    std::string at = IndexPath(location, i);
    if (!list[i].is_object()) {
      return Invalid(at, "expects a filter object, got " + std::string(DescribeType(list[i])));
    }
    ASSIGN_OR_RETURN(FilterNode child, CompileWhereAt(list[i], at, depth + 1));
    node.children.push_back(std::move(child));
  }
  return node;
}

Result<FilterNode> CompileMember(const std::string& key, const Json& value,
                                 const std::string& location, int depth) {
  std::string at = ChildPath(location, key);
  if (key == "$and") return CompileList(value, at, FilterNode::Kind::kAnd, depth);
  if (key == "$or") return CompileList(value, at, FilterNode::Kind::kOr, depth);
  if (key == "$not") {
    if (!value.is_object()) {
      return Invalid(at, "$not expects a filter object, got " + std::string(DescribeType(value)));
    }
    FilterNode node;
    node.kind = FilterNode::Kind::kNot;
    node.location = at;
    ASSIGN_OR_RETURN(FilterNode child, CompileWhereAt(value, at, depth + 1));
    node.children.push_back(std::move(child));
    return node;
  }
  if (!key.empty() && key[0] == '$') {
    return Invalid(at, "unknown operator '" + key +
                           "' at filter level (here: $and, $or, $not or a field path)");
  }
  FilterNode node;
  node.kind = FilterNode::Kind::kField;
  node.location = at;
  ASSIGN_OR_RETURN(node.path, ParseFieldPath(key, at));
  ASSIGN_OR_RETURN(node.conditions, CompileFieldValue(value, at, depth));
  return node;
}

Result<FilterNode> CompileWhereAt(const Json& where, const std::string& location, int depth) {
  if (depth > kMaxDepth) return Invalid(location, "nested too deeply (more than 64 levels)");
  FilterNode root;
  root.kind = FilterNode::Kind::kAnd;
  root.location = location;
  if (where.is_null()) return root;
  if (!where.is_object()) {
    return Invalid(location, "expects a filter object, got " + std::string(DescribeType(where)));
  }
  for (auto it = where.begin(); it != where.end(); ++it) {
    ASSIGN_OR_RETURN(FilterNode child, CompileMember(it.key(), *it, location, depth));
    root.children.push_back(std::move(child));
  }
  if (root.children.size() == 1) return std::move(root.children[0]);
  return root;
}

}  // namespace

Result<FilterNode> CompileWhere(const Json& where, const std::string& location) {
  return CompileWhereAt(where, location, 0);
}

const char* DescribeType(const Json& v) {
  switch (RankOf(v)) {
    case TypeRank::kMissing:
      return "nothing";
    case TypeRank::kNull:
      return "null";
    case TypeRank::kBoolean:
      return "a boolean";
    case TypeRank::kNumber:
      return "a number";
    case TypeRank::kString:
      return "a string";
    case TypeRank::kArray:
      return "an array";
    case TypeRank::kObject:
      return "an object";
    case TypeRank::kBinary:
      return "binary data";
  }
  return "a value";
}

const char* OpName(OpKind op) {
  switch (op) {
    case OpKind::kEq:
      return "$eq";
    case OpKind::kNe:
      return "$ne";
    case OpKind::kGt:
      return "$gt";
    case OpKind::kGte:
      return "$gte";
    case OpKind::kLt:
      return "$lt";
    case OpKind::kLte:
      return "$lte";
    case OpKind::kIn:
      return "$in";
    case OpKind::kNin:
      return "$nin";
    case OpKind::kExists:
      return "$exists";
    case OpKind::kContains:
      return "$contains";
    case OpKind::kStartsWith:
      return "$startsWith";
    case OpKind::kEndsWith:
      return "$endsWith";
    case OpKind::kRegex:
      return "$regex";
    case OpKind::kNot:
      return "$not";
  }
  return "$?";
}

}  // namespace worm::query

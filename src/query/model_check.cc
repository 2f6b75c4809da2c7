#include "query/model_check.h"

#include <set>

#include "query/filter.h"
#include "schema/schema.h"

namespace worm::query {

namespace {

using schema::Field;
using schema::FieldType;

// What a path resolves to: a declared field, or nothing known (free-form).
struct Resolved {
  const Field* field = nullptr;  // null: untyped (allowed, not checked)
};

const Field& SystemField(FieldType type) {
  static const Field* const kString = [] {
    auto* f = new Field;
    f->type = FieldType::kString;
    return f;
  }();
  static const Field* const kDateTime = [] {
    auto* f = new Field;
    f->type = FieldType::kDateTime;
    return f;
  }();
  return type == FieldType::kDateTime ? *kDateTime : *kString;
}

std::string TypeName(FieldType t) {
  switch (t) {
    case FieldType::kString:
      return "string";
    case FieldType::kNumber:
      return "number";
    case FieldType::kInteger:
      return "integer";
    case FieldType::kBoolean:
      return "boolean";
    case FieldType::kDate:
      return "date";
    case FieldType::kDateTime:
      return "datetime";
    case FieldType::kArray:
      return "array";
    case FieldType::kObject:
      return "object";
  }
  return "?";
}

// "a string", "an integer".
std::string WithArticle(FieldType t) {
  std::string name = TypeName(t);
  bool vowel = name[0] == 'a' || name[0] == 'i' || name[0] == 'o';
  return (vowel ? "an " : "a ") + name;
}

std::string Names(const std::vector<Field>& fields) {
  std::string out;
  for (const Field& f : fields) out += (out.empty() ? "" : ", ") + f.name;
  return out.empty() ? "(none)" : out;
}

const Field* FindIn(const std::vector<Field>& fields, std::string_view name) {
  for (const Field& f : fields) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

class Checker {
 public:
  Checker(const schema::Model& model, std::vector<std::string> ids)
      : model_(model), ids_(std::move(ids)) {}

  // `populated`: ref fields the query populates; only `select` may reach into
  // them (filters and sort run before populate).
  Result<Resolved> Resolve(const FieldPath& path, const std::string& at,
                           const std::set<std::string>* populated = nullptr) const;
  Status CheckFilter(const FilterNode& node) const;
  Status CheckCondition(const Condition& c, const Field& f) const;
  Status CheckPaths(const std::vector<LocatedPath>& paths) const;
  Status CheckNumeric(const std::vector<LocatedPath>& paths, const char* what) const;
  Status CheckPopulate(const std::vector<LocatedPath>& paths) const;

 private:
  Result<Resolved> Top(const PathSegment& seg, const FieldPath& path, const std::string& at) const;
  Status Mismatch(const Condition& c, const Field& f, const std::string& why) const;

  const schema::Model& model_;
  std::vector<std::string> ids_;
};

Result<Resolved> Checker::Top(const PathSegment& seg, const FieldPath& path,
                              const std::string& at) const {
  if (const Field* f = FindIn(model_.fields, seg.name)) return Resolved{f};
  if (seg.name == "createdAt" || seg.name == "updatedAt") {
    return Resolved{&SystemField(FieldType::kDateTime)};
  }
  for (const std::string& id : ids_) {
    if (seg.name == id) return Resolved{&SystemField(FieldType::kString)};
  }
  if (!model_.strict) return Resolved{};
  return Status::InvalidArgument(
      at + ": model '" + model_.name + "' has no field '" + seg.name + "'" +
      (path.segments.size() > 1 ? " (in '" + path.text + "')" : "") +
      "; its fields: " + Names(model_.fields) + ", and always createdAt, updatedAt");
}

Result<Resolved> Checker::Resolve(const FieldPath& path, const std::string& at,
                                  const std::set<std::string>* populated) const {
  ASSIGN_OR_RETURN(Resolved r, Top(path.segments[0], path, at));
  std::string so_far = path.segments[0].name;
  for (size_t i = 1; i < path.segments.size() && r.field != nullptr; ++i) {
    const PathSegment& seg = path.segments[i];
    const Field* f = r.field;
    if (!f->ref.empty()) {
      // The rest is a path into the referenced entity, checked by its model.
      if (populated != nullptr && populated->count(so_far)) return Resolved{};
      return Status::InvalidArgument(
          at + ": model '" + model_.name + "': field '" + so_far + "' is a ref to " + f->ref +
          (populated != nullptr ? "; populate it to select '" + path.text + "'"
                                : "; only select can reach into a populated ref"));
    }
    if (f->type == FieldType::kArray) {
      if (!f->items) return Resolved{};
      f = f->items.get();
      if (seg.is_index) {
        r.field = f;
        so_far += "." + seg.name;
        continue;
      }
    }
    if (f->type == FieldType::kObject) {
      if (f->properties.empty()) return Resolved{};
      const Field* p = FindIn(f->properties, seg.name);
      if (p == nullptr && f->allow_unknown) return Resolved{};
      if (p == nullptr) {
        return Status::InvalidArgument(at + ": model '" + model_.name + "': object field '" +
                                       so_far + "' has no member '" + seg.name +
                                       "'; its members: " + Names(f->properties));
      }
      r.field = p;
    } else if (f->type == FieldType::kArray) {
      return Resolved{};  // arrays of arrays: not checked further
    } else {
      return Status::InvalidArgument(at + ": model '" + model_.name + "': field '" + so_far +
                                     "' is " + WithArticle(f->type) + " and has no member '" +
                                     seg.name + "'");
    }
    so_far += "." + seg.name;
  }
  return r;
}

// The value class a field holds (arrays: their element's, when declared).
TypeRank RankOfType(FieldType t) {
  switch (t) {
    case FieldType::kNumber:
    case FieldType::kInteger:
      return TypeRank::kNumber;
    case FieldType::kBoolean:
      return TypeRank::kBoolean;
    case FieldType::kArray:
      return TypeRank::kArray;
    case FieldType::kObject:
      return TypeRank::kObject;
    default:
      return TypeRank::kString;
  }
}

// Whether `v` can equal a value of field `f` (or, for arrays, one element).
bool Fits(const Json& v, const Field& f) {
  TypeRank r = RankOf(v);
  if (r == TypeRank::kNull || r == RankOfType(f.type)) return true;
  if (f.type == FieldType::kArray) return !f.items || Fits(v, *f.items);
  return false;
}

bool HoldsStrings(const Field& f) {
  if (f.type == FieldType::kArray) return !f.items || HoldsStrings(*f.items);
  return RankOfType(f.type) == TypeRank::kString;
}

Status Checker::Mismatch(const Condition& c, const Field& f, const std::string& why) const {
  return Status::InvalidArgument(c.location + ": model '" + model_.name + "': " + OpName(c.op) +
                                 " on " + WithArticle(f.type) + " field: " + why);
}

Status Checker::CheckCondition(const Condition& c, const Field& f) const {
  switch (c.op) {
    case OpKind::kEq:
    case OpKind::kNe:
    case OpKind::kGt:
    case OpKind::kGte:
    case OpKind::kLt:
    case OpKind::kLte:
      if (Fits(c.operand, f)) return Status::OK();
      return Mismatch(c, f, std::string("the operand is ") + DescribeType(c.operand));
    case OpKind::kIn:
    case OpKind::kNin:
      for (const Json& v : c.set) {
        if (!Fits(v, f)) return Mismatch(c, f, std::string("a value is ") + DescribeType(v));
      }
      return Status::OK();
    case OpKind::kStartsWith:
    case OpKind::kEndsWith:
    case OpKind::kRegex:
      return HoldsStrings(f) ? Status::OK() : Mismatch(c, f, "it applies to strings");
    case OpKind::kContains:
      if (f.type == FieldType::kArray) {
        return !f.items || Fits(c.operand, *f.items)
                   ? Status::OK()
                   : Mismatch(c, f, std::string("the operand is ") + DescribeType(c.operand));
      }
      if (RankOfType(f.type) == TypeRank::kString && c.operand.is_string()) return Status::OK();
      return Mismatch(c, f, "it applies to arrays, and to strings with a string operand");
    case OpKind::kNot:
      for (const Condition& n : c.negated) RETURN_NOT_OK(CheckCondition(n, f));
      return Status::OK();
    case OpKind::kExists:
      return Status::OK();
  }
  return Status::OK();
}

Status Checker::CheckFilter(const FilterNode& node) const {
  if (node.kind != FilterNode::Kind::kField) {
    for (const FilterNode& child : node.children) RETURN_NOT_OK(CheckFilter(child));
    return Status::OK();
  }
  ASSIGN_OR_RETURN(Resolved r, Resolve(node.path, node.location));
  if (r.field == nullptr) return Status::OK();
  for (const Condition& c : node.conditions) RETURN_NOT_OK(CheckCondition(c, *r.field));
  return Status::OK();
}

Status Checker::CheckPaths(const std::vector<LocatedPath>& paths) const {
  for (const LocatedPath& p : paths) RETURN_NOT_OK(Resolve(p.path, p.location).status());
  return Status::OK();
}

Status Checker::CheckNumeric(const std::vector<LocatedPath>& paths, const char* what) const {
  for (const LocatedPath& p : paths) {
    ASSIGN_OR_RETURN(Resolved r, Resolve(p.path, p.location));
    const Field* f = r.field;
    if (f != nullptr && f->type == FieldType::kArray) f = f->items.get();
    if (f != nullptr && RankOfType(f->type) != TypeRank::kNumber) {
      return Status::InvalidArgument(p.location + ": model '" + model_.name + "': " + what +
                                     " of '" + p.path.text + "', " + WithArticle(f->type) +
                                     " field (" + what + " reads numbers)");
    }
  }
  return Status::OK();
}

// A populate path must reach a ref field through declared (nested) fields;
// what follows a ref ("customerId.ownerId") lies in the referenced model and
// is the engine's to check.
Status Checker::CheckPopulate(const std::vector<LocatedPath>& paths) const {
  for (const LocatedPath& p : paths) {
    const auto& segs = p.path.segments;
    const Field* f = FindIn(model_.fields, segs[0].name);
    for (size_t i = 1;; ++i) {
      const Field* e =
          f != nullptr && f->type == FieldType::kArray && f->items ? f->items.get() : f;
      if (e != nullptr && !e->ref.empty()) break;
      if (e == nullptr || i == segs.size()) {
        return Status::InvalidArgument(p.location + ": model '" + model_.name + "': '" +
                                       p.path.text +
                                       "' is not a ref field (populate replaces a field declared "
                                       "with \"ref\" by the document it names)");
      }
      f = FindIn(e->properties, segs[i].name);
    }
  }
  return Status::OK();
}

}  // namespace

std::vector<std::string> IdFieldsOf(const schema::Model& model) {
  std::vector<std::string> ids;
  const auto& segs = model.path.segments.empty() ? model.full.segments : model.path.segments;
  for (const schema::Segment& s : segs) {
    if (s.kind == schema::SegmentKind::kDynamic) ids.push_back(s.name);
  }
  return ids;
}

Status CheckPlanAgainstModel(const Plan& plan, const schema::Model& model, bool strict) {
  Checker checker(model, plan.id_fields);
  RETURN_NOT_OK(checker.CheckPopulate(plan.populate_paths));
  if (!strict) return Status::OK();
  RETURN_NOT_OK(checker.CheckFilter(plan.where));
  for (const SortKey& k : plan.sort) RETURN_NOT_OK(checker.Resolve(k.path, k.location).status());
  std::set<std::string> populated;
  for (const LocatedPath& p : plan.populate_paths) populated.insert(p.path.text);
  for (const LocatedPath& p : plan.select.paths) {
    RETURN_NOT_OK(checker.Resolve(p.path, p.location, &populated).status());
  }
  if (plan.aggregate) {
    const AggregateSpec& a = *plan.aggregate;
    RETURN_NOT_OK(checker.CheckPaths(a.group_by));
    RETURN_NOT_OK(checker.CheckNumeric(a.sum, "sum"));
    RETURN_NOT_OK(checker.CheckNumeric(a.avg, "avg"));
    RETURN_NOT_OK(checker.CheckPaths(a.min));
    RETURN_NOT_OK(checker.CheckPaths(a.max));
    RETURN_NOT_OK(checker.CheckPaths(a.distinct));
  }
  return Status::OK();
}

}  // namespace worm::query

// CompiledQuery: parse and check the query JSON into a Plan.
#include <algorithm>
#include <functional>

#include "query/aggregate.h"
#include "query/cursor.h"
#include "query/filter.h"
#include "query/model_check.h"
#include "query/plan.h"
#include "query/projection.h"
#include "worm/query.h"

namespace worm {

namespace query {
namespace {

Status Invalid(const std::string& location, const std::string& why) {
  return Status::InvalidArgument(location + ": " + why);
}

Status CheckMembers(const Json& q) {
  static const char* const kMembers[] = {"where",  "sort",     "limit",       "offset",   "cursor",
                                         "select", "populate", "withDeleted", "aggregate"};
  for (auto it = q.begin(); it != q.end(); ++it) {
    bool known = false;
    for (const char* m : kMembers) known = known || it.key() == m;
    if (!known) {
      return Invalid(ChildPath("", it.key()),
                     "unknown query member '" + it.key() +
                         "' (known: where, sort, limit, offset, cursor, select, populate, "
                         "withDeleted, aggregate)");
    }
  }
  return Status::OK();
}

Result<std::optional<uint64_t>> Count(const Json& q, const char* member) {
  auto it = q.find(member);
  if (it == q.end() || it->is_null()) return std::optional<uint64_t>();
  if (!it->is_number_integer()) {
    return Invalid(member, std::string("expects a non-negative integer, got ") + DescribeType(*it));
  }
  if (it->is_number_unsigned()) return std::optional<uint64_t>(it->get<uint64_t>());
  int64_t n = it->get<int64_t>();
  if (n < 0) {
    return Invalid(member, "must not be negative (got " + std::to_string(n) + ")");
  }
  return std::optional<uint64_t>(static_cast<uint64_t>(n));
}

Status ParseSort(const Json& sort, Plan* plan) {
  std::vector<std::string> items;
  if (sort.is_string()) {
    items = SplitList(sort.get<std::string>());
  } else if (sort.is_array()) {
    for (size_t i = 0; i < sort.size(); ++i) {
      if (!sort[i].is_string()) {
        return Invalid(IndexPath("sort", i), "expects a field path such as \"-createdAt\", got " +
                                                 std::string(DescribeType(sort[i])));
      }
      items.push_back(sort[i].get<std::string>());
    }
  } else if (!sort.is_null()) {
    return Invalid("sort",
                   "expects an array of field paths such as [\"-createdAt\", \"name\"], "
                   "got " +
                       std::string(DescribeType(sort)));
  }
  for (size_t i = 0; i < items.size(); ++i) {
    SortKey k;
    k.location = IndexPath("sort", i);
    std::string_view text = items[i];
    if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
      k.descending = text[0] == '-';
      text.remove_prefix(1);
    }
    ASSIGN_OR_RETURN(k.path, ParseFieldPath(text, k.location));
    plan->sort_spec.push_back((k.descending ? "-" : "") + k.path.text);
    plan->sort.push_back(std::move(k));
  }
  return Status::OK();
}

Status ParseFlags(const Json& q, Plan* plan) {
  if (auto it = q.find("withDeleted"); it != q.end() && !it->is_null()) {
    if (!it->is_boolean()) {
      return Invalid("withDeleted", "expects true or false, got " + std::string(DescribeType(*it)));
    }
    plan->with_deleted = it->get<bool>();
  }
  if (auto it = q.find("populate"); it != q.end() && !it->is_null()) {
    ASSIGN_OR_RETURN(plan->populate_paths, ParsePathList(*it, "populate"));
    for (const LocatedPath& p : plan->populate_paths) plan->populate.push_back(p.path.text);
  }
  return Status::OK();
}

Status CheckAggregateCombination(const Json& q) {
  for (const char* m : {"sort", "select", "cursor", "populate"}) {
    if (auto it = q.find(m); it != q.end() && !it->is_null()) {
      return Invalid(m, std::string("cannot be combined with aggregate (groups are sorted by "
                                    "key; limit and offset page them)"));
    }
  }
  return Status::OK();
}

Status ParseCursor(const Json& q, Plan* plan) {
  auto it = q.find("cursor");
  if (it == q.end() || it->is_null()) return Status::OK();
  if (!it->is_string()) {
    return Invalid("cursor", "expects the \"next\" string of a previous page, got " +
                                 std::string(DescribeType(*it)));
  }
  if (it->get_ref<const std::string&>().empty()) return Status::OK();  // "" = first page
  if (plan->offset != 0) return Invalid("cursor", "cannot be combined with offset");
  auto pos = DecodeCursor(it->get<std::string>(), plan->fingerprint, plan->sort.size());
  if (!pos.ok()) return pos.status();
  plan->cursor = std::move(pos).value();
  return Status::OK();
}

Result<std::shared_ptr<Plan>> BuildPlan(const Json& q, const QueryOptions& options) {
  if (!q.is_object() && !q.is_null()) {
    return Invalid("query", "expects an object such as {\"where\": {...}}, got " +
                                std::string(DescribeType(q)));
  }
  auto plan = std::make_shared<Plan>();
  plan->source = q.is_null() ? Json::object() : q;
  RETURN_NOT_OK(CheckMembers(plan->source));
  const Json& src = plan->source;
  plan->id_fields = options.id_fields;
  if (plan->id_fields.empty()) {
    plan->id_fields = options.model ? IdFieldsOf(*options.model) : std::vector<std::string>{"id"};
  }
  Json where = src.contains("where") ? src["where"] : Json(nullptr);
  ASSIGN_OR_RETURN(plan->where, CompileWhere(where, "where"));
  RETURN_NOT_OK(ParseSort(src.contains("sort") ? src["sort"] : Json(nullptr), plan.get()));
  ASSIGN_OR_RETURN(plan->limit, Count(src, "limit"));
  ASSIGN_OR_RETURN(std::optional<uint64_t> offset, Count(src, "offset"));
  plan->offset = offset.value_or(0);
  if (auto it = src.find("select"); it != src.end()) {
    ASSIGN_OR_RETURN(plan->select, CompileProjection(*it, plan->id_fields, "select"));
  }
  RETURN_NOT_OK(ParseFlags(src, plan.get()));
  if (auto it = src.find("aggregate"); it != src.end() && !it->is_null()) {
    RETURN_NOT_OK(CheckAggregateCombination(src));
    ASSIGN_OR_RETURN(plan->aggregate, CompileAggregate(*it, "aggregate"));
  }
  plan->fingerprint = QueryFingerprint(where, plan->sort_spec);
  RETURN_NOT_OK(ParseCursor(src, plan.get()));
  if (options.model != nullptr) {
    RETURN_NOT_OK(CheckPlanAgainstModel(*plan, *options.model, options.strict));
  }
  return plan;
}

}  // namespace
}  // namespace query

Result<CompiledQuery> CompiledQuery::Compile(const Json& query, const QueryOptions& options) {
  // Before anything walks or copies it (both recurse per level): a query
  // built in code, or a filter of $and nested 100,000 deep.
  RETURN_NOT_OK(CheckJsonDepth(query, kMaxJsonDepth, "query"));
  try {
    auto plan = query::BuildPlan(query, options);
    if (!plan.ok()) return Status::InvalidArgument("query: " + plan.status().message());
    return CompiledQuery(std::move(plan).value());
  } catch (const std::exception& e) {  // nlohmann type errors: a bug, reported, never thrown
    return Status::Internal(std::string("query: ") + e.what());
  }
}

Result<CompiledQuery> CompiledQuery::Parse(std::string_view text, const QueryOptions& options) {
  ASSIGN_OR_RETURN(Json doc, ParseJson(text, "query"));
  return Compile(doc, options);
}

bool CompiledQuery::Matches(const Json& doc) const { return query::EvalFilter(plan_->where, doc); }

Json CompiledQuery::Project(const Json& doc) const {
  return query::ApplyProjection(plan_->select, plan_->id_fields, doc);
}

const Json& CompiledQuery::source() const { return plan_->source; }
bool CompiledQuery::is_aggregate() const { return plan_->aggregate.has_value(); }
bool CompiledQuery::has_sort() const { return !plan_->sort.empty(); }
std::optional<uint64_t> CompiledQuery::limit() const { return plan_->limit; }
uint64_t CompiledQuery::offset() const { return plan_->offset; }
bool CompiledQuery::has_cursor() const { return plan_->cursor.has_value(); }
const std::vector<std::string>& CompiledQuery::populate() const { return plan_->populate; }
bool CompiledQuery::with_deleted() const { return plan_->with_deleted; }
const std::vector<std::string>& CompiledQuery::id_fields() const { return plan_->id_fields; }
const std::string& CompiledQuery::fingerprint() const { return plan_->fingerprint; }

namespace {

void AddFirstSegment(const query::FieldPath& path, std::vector<std::string>* out) {
  if (!path.segments.empty()) out->push_back(path.segments.front().name);
}

void AddWhereFields(const query::FilterNode& node, std::vector<std::string>* out) {
  if (node.kind == query::FilterNode::Kind::kField) AddFirstSegment(node.path, out);
  for (const query::FilterNode& child : node.children) AddWhereFields(child, out);
}

std::vector<std::string> SortedUnique(std::vector<std::string> names) {
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

}  // namespace

std::vector<std::string> CompiledQuery::evaluated_fields() const {
  std::vector<std::string> out;
  AddWhereFields(plan_->where, &out);
  for (const query::SortKey& k : plan_->sort) AddFirstSegment(k.path, &out);
  if (plan_->aggregate) {
    const query::AggregateSpec& a = *plan_->aggregate;
    for (const auto* list : {&a.group_by, &a.sum, &a.avg, &a.min, &a.max, &a.distinct}) {
      for (const query::LocatedPath& p : *list) AddFirstSegment(p.path, &out);
    }
  }
  return SortedUnique(std::move(out));
}

std::vector<std::string> CompiledQuery::referenced_paths() const {
  std::vector<std::string> out;
  std::function<void(const query::FilterNode&)> where = [&](const query::FilterNode& node) {
    if (node.kind == query::FilterNode::Kind::kField) out.push_back(node.path.text);
    for (const query::FilterNode& child : node.children) where(child);
  };
  where(plan_->where);
  for (const query::SortKey& k : plan_->sort) out.push_back(k.path.text);
  for (const query::LocatedPath& p : plan_->select.paths) out.push_back(p.path.text);
  if (plan_->aggregate) {
    const query::AggregateSpec& a = *plan_->aggregate;
    for (const auto* list : {&a.group_by, &a.sum, &a.avg, &a.min, &a.max, &a.distinct}) {
      for (const query::LocatedPath& p : *list) out.push_back(p.path.text);
    }
  }
  return SortedUnique(std::move(out));
}

std::vector<std::string> CompiledQuery::filtered_fields() const {
  std::vector<std::string> out;
  AddWhereFields(plan_->where, &out);
  return SortedUnique(std::move(out));
}

}  // namespace worm

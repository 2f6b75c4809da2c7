// Query: the typed builder producing query JSON.
#include "query/projection.h"
#include "worm/query.h"

namespace worm {

namespace {

bool IsOperatorObject(const Json& v) {
  if (!v.is_object() || v.empty()) return false;
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (it.key().empty() || it.key()[0] != '$') return false;
  }
  return true;
}

void AppendList(Json* target, std::string item) {
  if (!target->is_array()) *target = Json::array();
  target->push_back(std::move(item));
}

}  // namespace

Query& Query::Field::Add(const char* op, Json value) {
  Json& where = query_->json_["where"];
  if (where.is_null()) where = Json::object();
  std::string opname = op;
  bool plain_eq = opname == "$eq" && !value.is_object();
  auto it = where.find(path_);
  if (it == where.end()) {
    where[path_] = plain_eq ? std::move(value) : Json{{opname, std::move(value)}};
    return *query_;
  }
  if (!IsOperatorObject(*it)) *it = Json{{"$eq", *it}};  // implicit equality, spelled out
  if (!it->contains(opname)) {
    (*it)[opname] = std::move(value);
    return *query_;
  }
  return query_->And(Json{{path_, Json{{opname, std::move(value)}}}});
}

Query& Query::Field::Eq(Json value) { return Add("$eq", std::move(value)); }
Query& Query::Field::Ne(Json value) { return Add("$ne", std::move(value)); }
Query& Query::Field::Gt(Json value) { return Add("$gt", std::move(value)); }
Query& Query::Field::Gte(Json value) { return Add("$gte", std::move(value)); }
Query& Query::Field::Lt(Json value) { return Add("$lt", std::move(value)); }
Query& Query::Field::Lte(Json value) { return Add("$lte", std::move(value)); }
Query& Query::Field::In(Json values) { return Add("$in", std::move(values)); }
Query& Query::Field::Nin(Json values) { return Add("$nin", std::move(values)); }
Query& Query::Field::Exists(bool exists) { return Add("$exists", exists); }
Query& Query::Field::Contains(Json value) { return Add("$contains", std::move(value)); }
Query& Query::Field::StartsWith(std::string p) { return Add("$startsWith", std::move(p)); }
Query& Query::Field::EndsWith(std::string s) { return Add("$endsWith", std::move(s)); }

Query& Query::Field::Regex(std::string pattern, std::string options) {
  Json cond = {{"$regex", std::move(pattern)}};
  if (!options.empty()) cond["$options"] = std::move(options);
  Json& where = query_->json_["where"];
  if (where.is_null()) where = Json::object();
  if (!where.contains(path_)) {
    where[path_] = std::move(cond);
    return *query_;
  }
  return query_->And(Json{{path_, std::move(cond)}});
}

Query& Query::And(const Json& filter) {
  json_["where"] = AndWhere(json_.contains("where") ? json_["where"] : Json(nullptr), filter);
  return *this;
}

Query& Query::Or(const std::vector<Query>& alternatives) {
  Json list = Json::array();
  for (const Query& q : alternatives) list.push_back(q.json_.value("where", Json::object()));
  return And(Json{{"$or", std::move(list)}});
}

Query& Query::Not(const Query& negated) {
  return And(Json{{"$not", negated.json_.value("where", Json::object())}});
}

Query& Query::Sort(std::string_view spec) {
  for (std::string& item : query::SplitList(spec)) AppendList(&json_["sort"], std::move(item));
  return *this;
}

Query& Query::Limit(int64_t n) {
  json_["limit"] = n;
  return *this;
}

Query& Query::Offset(int64_t n) {
  json_["offset"] = n;
  return *this;
}

Query& Query::Cursor(std::string cursor) {
  json_["cursor"] = std::move(cursor);
  return *this;
}

Query& Query::Select(std::vector<std::string> paths) {
  for (std::string& p : paths) AppendList(&json_["select"], std::move(p));
  return *this;
}

Query& Query::Populate(std::vector<std::string> paths) {
  for (std::string& p : paths) AppendList(&json_["populate"], std::move(p));
  return *this;
}

Query& Query::WithDeleted(bool with_deleted) {
  json_["withDeleted"] = with_deleted;
  return *this;
}

Query& Query::GroupBy(std::vector<std::string> paths) {
  for (std::string& p : paths) AppendList(&json_["aggregate"]["groupBy"], std::move(p));
  return *this;
}

Query& Query::Count() {
  json_["aggregate"]["count"] = true;
  return *this;
}

Query& Query::AddAggregate(const char* what, std::string path) {
  AppendList(&json_["aggregate"][what], std::move(path));
  return *this;
}

Query& Query::Sum(std::string path) { return AddAggregate("sum", std::move(path)); }
Query& Query::Avg(std::string path) { return AddAggregate("avg", std::move(path)); }
Query& Query::Min(std::string path) { return AddAggregate("min", std::move(path)); }
Query& Query::Max(std::string path) { return AddAggregate("max", std::move(path)); }
Query& Query::Distinct(std::string path) { return AddAggregate("distinct", std::move(path)); }

}  // namespace worm

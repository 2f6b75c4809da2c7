#include "query/aggregate.h"

#include <limits>

#include "query/filter.h"
#include "query/projection.h"

namespace worm::query {

namespace {

constexpr __int128 kInt64Min = std::numeric_limits<int64_t>::min();
constexpr __int128 kInt64Max = std::numeric_limits<int64_t>::max();
constexpr __int128 kUint64Max = std::numeric_limits<uint64_t>::max();
// Sums past +-2^126 would overflow __int128; they continue in double.
constexpr __int128 kInt128Guard = static_cast<__int128>(1) << 126;

Status Invalid(const std::string& location, const std::string& why) {
  return Status::InvalidArgument(location + ": " + why);
}

Result<std::vector<LocatedPath>> PathsOf(const Json& agg, const char* member,
                                         const std::string& location) {
  auto it = agg.find(member);
  if (it == agg.end()) return std::vector<LocatedPath>{};
  return ParsePathList(*it, ChildPath(location, member));
}

void KeepMin(const Json& v, Json* slot, bool want_min) {
  if (v.is_null() || v.is_discarded()) return;
  if (slot->is_discarded()) {
    *slot = v;
    return;
  }
  int c = CompareValues(v, *slot);
  if (want_min ? c < 0 : c > 0) *slot = v;
}

Json NamedValues(const std::vector<LocatedPath>& paths, const std::vector<Json>& values) {
  Json out = Json::object();
  for (size_t i = 0; i < paths.size(); ++i) {
    out[paths[i].path.text] = values[i].is_discarded() ? Json(nullptr) : values[i];
  }
  return out;
}

}  // namespace

void NumericSum::Add(const Json& v) {
  ++count_;
  if (v.is_number_integer() && !v.is_number_unsigned()) {
    int_sum_ += v.get<int64_t>();
  } else if (v.is_number_unsigned()) {
    int_sum_ += v.get<uint64_t>();
  } else {
    double_sum_ += v.get<double>();
    any_double_ = true;
  }
  if (int_sum_ > kInt128Guard || int_sum_ < -kInt128Guard) {
    double_sum_ += static_cast<double>(int_sum_);
    int_sum_ = 0;
    any_double_ = true;
  }
}

Json NumericSum::Sum() const {
  if (any_double_) return static_cast<double>(int_sum_) + double_sum_;
  if (int_sum_ >= kInt64Min && int_sum_ <= kInt64Max) return static_cast<int64_t>(int_sum_);
  if (int_sum_ > 0 && int_sum_ <= kUint64Max) return static_cast<uint64_t>(int_sum_);
  return static_cast<double>(int_sum_);
}

Json NumericSum::Average() const {
  if (count_ == 0) return nullptr;
  long double total = static_cast<long double>(int_sum_) + double_sum_;
  return static_cast<double>(total / static_cast<long double>(count_));
}

Result<AggregateSpec> CompileAggregate(const Json& agg, const std::string& location) {
  if (!agg.is_object()) {
    return Invalid(location,
                   "expects an object such as {\"groupBy\": [\"status\"], \"count\": "
                   "true}, got " +
                       std::string(DescribeType(agg)));
  }
  static const char* const kMembers[] = {"groupBy", "count", "sum",     "avg",
                                         "min",     "max",   "distinct"};
  for (auto it = agg.begin(); it != agg.end(); ++it) {
    bool known = false;
    for (const char* m : kMembers) known = known || it.key() == m;
    if (!known) {
      return Invalid(ChildPath(location, it.key()),
                     "unknown aggregate '" + it.key() +
                         "' (known: groupBy, count, sum, avg, min, max, distinct)");
    }
  }
  AggregateSpec spec;
  if (auto it = agg.find("count"); it != agg.end()) {
    if (!it->is_boolean()) {
      return Invalid(ChildPath(location, "count"),
                     "expects true or false, got " + std::string(DescribeType(*it)));
    }
    spec.count = it->get<bool>();
  }
  ASSIGN_OR_RETURN(spec.group_by, PathsOf(agg, "groupBy", location));
  ASSIGN_OR_RETURN(spec.sum, PathsOf(agg, "sum", location));
  ASSIGN_OR_RETURN(spec.avg, PathsOf(agg, "avg", location));
  ASSIGN_OR_RETURN(spec.min, PathsOf(agg, "min", location));
  ASSIGN_OR_RETURN(spec.max, PathsOf(agg, "max", location));
  ASSIGN_OR_RETURN(spec.distinct, PathsOf(agg, "distinct", location));
  if (!spec.count && spec.group_by.empty() && spec.sum.empty() && spec.avg.empty() &&
      spec.min.empty() && spec.max.empty() && spec.distinct.empty()) {
    return Invalid(location,
                   "nothing to compute: give groupBy, count, sum, avg, min, max or "
                   "distinct");
  }
  return spec;
}

bool Aggregator::KeyLess::operator()(const std::vector<Json>& a, const std::vector<Json>& b) const {
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (int c = CompareValues(a[i], b[i]); c != 0) return c < 0;
  }
  return a.size() < b.size();
}

Aggregator::Group Aggregator::NewGroup() const {
  Group g;
  g.sums.resize(spec_->sum.size());
  g.avgs.resize(spec_->avg.size());
  g.mins.assign(spec_->min.size(), Json(Json::value_t::discarded));
  g.maxs.assign(spec_->max.size(), Json(Json::value_t::discarded));
  g.distinct.resize(spec_->distinct.size());
  return g;
}

void Aggregator::Accumulate(const Json& doc, Group* g) const {
  ++g->count;
  for (size_t i = 0; i < spec_->sum.size(); ++i) {
    ForEachUnwound(doc, spec_->sum[i].path, [&](const Json& v) {
      if (v.is_number()) g->sums[i].Add(v);
    });
  }
  for (size_t i = 0; i < spec_->avg.size(); ++i) {
    ForEachUnwound(doc, spec_->avg[i].path, [&](const Json& v) {
      if (v.is_number()) g->avgs[i].Add(v);
    });
  }
  for (size_t i = 0; i < spec_->min.size(); ++i) {
    ForEachUnwound(doc, spec_->min[i].path, [&](const Json& v) { KeepMin(v, &g->mins[i], true); });
  }
  for (size_t i = 0; i < spec_->max.size(); ++i) {
    ForEachUnwound(doc, spec_->max[i].path, [&](const Json& v) { KeepMin(v, &g->maxs[i], false); });
  }
  for (size_t i = 0; i < spec_->distinct.size(); ++i) {
    ForEachUnwound(doc, spec_->distinct[i].path, [&](const Json& v) {
      if (!g->distinct[i].contains(v)) g->distinct[i].insert(v);
    });
  }
}

void Aggregator::Add(const Json& doc) {
  scratch_key_.resize(spec_->group_by.size());
  for (size_t i = 0; i < spec_->group_by.size(); ++i) {
    Json scratch;
    const Json* v = ResolveSingle(doc, spec_->group_by[i].path, &scratch);
    scratch_key_[i] = v == nullptr ? Json(nullptr) : *v;  // missing groups with null
  }
  auto it = groups_.find(scratch_key_);
  if (it == groups_.end()) it = groups_.emplace(scratch_key_, NewGroup()).first;
  Accumulate(doc, &it->second);
}

Json Aggregator::GroupJson(const std::vector<Json>& key, const Group& g) const {
  Json out = {{"key", NamedValues(spec_->group_by, key)}};
  if (spec_->count) out["count"] = g.count;
  auto sums = [](const std::vector<LocatedPath>& paths, const std::vector<NumericSum>& s,
                 bool avg) {
    Json o = Json::object();
    for (size_t i = 0; i < paths.size(); ++i)
      o[paths[i].path.text] = avg ? s[i].Average() : s[i].Sum();
    return o;
  };
  if (!spec_->sum.empty()) out["sum"] = sums(spec_->sum, g.sums, false);
  if (!spec_->avg.empty()) out["avg"] = sums(spec_->avg, g.avgs, true);
  if (!spec_->min.empty()) out["min"] = NamedValues(spec_->min, g.mins);
  if (!spec_->max.empty()) out["max"] = NamedValues(spec_->max, g.maxs);
  if (!spec_->distinct.empty()) {
    Json d = Json::object();
    for (size_t i = 0; i < spec_->distinct.size(); ++i) {
      Json values = Json::array();
      for (const Json& v : g.distinct[i]) values.push_back(v);
      d[spec_->distinct[i].path.text] = std::move(values);
    }
    out["distinct"] = std::move(d);
  }
  return out;
}

Json Aggregator::Finish(uint64_t offset, std::optional<uint64_t> limit) const {
  Json out = Json::array();
  if (spec_->group_by.empty() && groups_.empty()) {
    // Without groupBy there is one group, even over no documents.
    if (offset == 0 && limit.value_or(1) > 0) out.push_back(GroupJson({}, NewGroup()));
    return out;
  }
  uint64_t index = 0;
  for (const auto& [key, group] : groups_) {
    if (index++ < offset) continue;
    if (limit && out.size() >= *limit) break;
    out.push_back(GroupJson(key, group));
  }
  return out;
}

}  // namespace worm::query

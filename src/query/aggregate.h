// Aggregations: count, sum, avg, min, max, distinct, grouped by zero or more
// paths. Rules and output shape in include/worm/query.h. Memory: one state per
// group (plus its distinct values), never the documents.
//
// Thread-safety: an Aggregator is used by one thread at a time.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/json_util.h"
#include "query/plan.h"
#include "query/value_order.h"
#include "worm/result.h"

namespace worm::query {

// Parses the "aggregate" member. InvalidArgument "aggregate.<member>: ...".
Result<AggregateSpec> CompileAggregate(const Json& aggregate, const std::string& location);

// An exact-while-possible numeric sum.
class NumericSum {
 public:
  void Add(const Json& number);
  uint64_t count() const { return count_; }
  // int64, else uint64, else double; 0 when empty.
  Json Sum() const;
  // null when empty.
  Json Average() const;

 private:
  __int128 int_sum_ = 0;
  double double_sum_ = 0;
  bool any_double_ = false;
  uint64_t count_ = 0;
};

class Aggregator {
 public:
  explicit Aggregator(const AggregateSpec* spec) : spec_(spec) {}
  void Add(const Json& doc);
  size_t group_count() const { return groups_.size(); }
  // The groups array, sorted by key, after offset/limit.
  Json Finish(uint64_t offset, std::optional<uint64_t> limit) const;

 private:
  struct Group {
    uint64_t count = 0;
    std::vector<NumericSum> sums, avgs;
    std::vector<Json> mins, maxs;  // discarded = none yet
    std::vector<std::set<Json, JsonLess>> distinct;
  };
  struct KeyLess {
    bool operator()(const std::vector<Json>& a, const std::vector<Json>& b) const;
  };

  Group NewGroup() const;
  void Accumulate(const Json& doc, Group* g) const;
  Json GroupJson(const std::vector<Json>& key, const Group& g) const;

  const AggregateSpec* spec_;
  std::map<std::vector<Json>, Group, KeyLess> groups_;
  std::vector<Json> scratch_key_;
};

}  // namespace worm::query

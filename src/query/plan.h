// The compiled form of a query (what CompiledQuery shares): filter tree,
// sort keys, paging, projection, aggregation, cursor position. Built once by
// CompiledQuery::Compile (compile.cc); immutable afterwards, hence safe to
// share across threads.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/json_util.h"
#include "query/field_path.h"
#include "query/filter.h"

namespace worm::query {

struct SortKey {
  FieldPath path;
  bool descending = false;
  std::string location;  // "sort[1]"
};

// A path as given somewhere in the query, with its location for messages.
struct LocatedPath {
  FieldPath path;
  std::string location;
};

struct AggregateSpec {
  bool count = false;
  std::vector<LocatedPath> group_by, sum, avg, min, max, distinct;
};

// select as a trie of member names: {"customer": {"name": whole}}.
struct ProjectionNode {
  bool whole = false;  // take (or drop) this member entirely
  std::map<std::string, ProjectionNode, std::less<>> children;
};

struct Projection {
  enum class Mode { kNone, kInclude, kExclude };
  Mode mode = Mode::kNone;
  ProjectionNode root;
  std::vector<LocatedPath> paths;  // as given, for the model check
};

// Where a cursor says the previous page ended.
struct CursorPosition {
  std::vector<Json> values;  // one per sort key; discarded = missing
  std::string key;
};

struct Plan {
  Json source;
  FilterNode where;
  std::vector<SortKey> sort;
  std::vector<std::string> sort_spec;  // normalized: "-createdAt", "name"
  std::optional<uint64_t> limit;
  uint64_t offset = 0;
  std::optional<CursorPosition> cursor;
  Projection select;
  std::vector<std::string> populate;
  std::vector<LocatedPath> populate_paths;
  bool with_deleted = false;
  std::optional<AggregateSpec> aggregate;
  std::vector<std::string> id_fields;
  std::string fingerprint;
};

}  // namespace worm::query

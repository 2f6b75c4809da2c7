// Path patterns of access rules and token scopes: the path DSL of the
// schema's layout with wildcards, matched against object keys or against a
// model's key template (docs/access-control.md, "Path patterns").
//   #org/@customers/*              every customer (and everything under it)
//   #org/@departments/*/@teams/**  every team of every department
//   #org/@customers/(id:uuid)      a segment of a dynamic type
//   #org/@customers/c-1/[profile].json   one file (a file segment ends it)
// A pattern matches a key when its segments match the key's first segments;
// a pattern ending with a file segment must match the whole key. '*' matches
// one segment, '**' any number (also none); neither matches a system segment
// (one starting with '.'). Pure; thread-safe once built.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "schema/schema.h"
#include "worm/result.h"

namespace worm::security::internal {

struct PatternSegment {
  enum class Kind { kLiteral, kOne, kMany, kTyped };
  Kind kind = Kind::kLiteral;
  std::string text;                           // kLiteral: the key text; kTyped: the type name
  const schema::DynamicType* type = nullptr;  // kTyped
};

struct AccessPath {
  std::string source;
  std::vector<PatternSegment> segments;
  bool whole_key = false;  // ends with a file segment: matches whole keys only
  // The literal key prefix before the first wildcard ("org/customers/").
  std::string LiteralPrefix() const;
};

// One segment of what a pattern is matched against: a key's segment, or a
// model template's dynamic segment whose value is unknown (`placeholder`).
struct KeySegment {
  std::string_view text;
  bool placeholder = false;
  const schema::DynamicType* type = nullptr;  // placeholder: its type
};

enum class Match { kNo = 0, kMaybe = 1, kYes = 2 };

// Parses `text` with the schema's symbols; the types name the schema's
// dynamic types (the returned pattern points into `types`, which must
// outlive it). InvalidArgument "<why> (column N)".
Result<AccessPath> ParseAccessPath(std::string_view text, const schema::Symbols& symbols,
                                   const std::map<std::string, schema::DynamicType>& types);

// kYes: matches; kNo: cannot match; kMaybe: depends on placeholder values.
Match MatchPath(const AccessPath& pattern, const KeySegment* key, size_t n);

// Splits a key at '/' (views into `key`).
std::vector<KeySegment> SplitKey(std::string_view key);

}  // namespace worm::security::internal

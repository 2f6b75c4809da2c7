// JSON helpers shared by every layer. Documents are nlohmann::json values.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "worm/result.h"

namespace worm {

using Json = nlohmann::json;

// ---- nesting limits -----------------------------------------------------------
// nlohmann's parser is iterative, but copying, comparing and dumping a value
// recurse once per level, as do our own walks (canonical JSON, merge patch,
// validation, the query evaluator, simdjson -> Json conversion). A document
// nested 200,000 levels deep overflowed the stack (SIGSEGV), and once stored it
// crashed every command reading its model. So nothing deeper than these limits
// is ever parsed or accepted; every parse of JSON text goes through ParseJson.
//
// Depth counts open arrays/objects: a scalar is 0, {} and [] are 1, {"a":[1]}
// is 2.
//
// kMaxDocumentDepth: the limit on an entity's document (create, update, patch,
// --data/--file/stdin input). 100, as MongoDB allows for BSON documents; real
// data rarely passes 20. simdjson's default (1024) is about its own iterative
// parser, not about recursive consumers like ours.
inline constexpr int kMaxDocumentDepth = 100;
// kMaxJsonDepth: the limit on any JSON text worm parses (stored objects,
// queries, cursors, schema and config files). It leaves 28 levels above a
// document for the envelopes worm wraps one in (an oplog entry holds it at
// depth 2; a query cursor holds a sort value at depth 3; a where filter adds
// an operator object per level and two per $and/$or), so a document at the
// limit still round-trips. At 128 levels the deepest recursion takes a few
// tens of KiB of stack. schema::JsonLocator (lint) uses the same limit.
inline constexpr int kMaxJsonDepth = 128;

// Parses `text`; on failure InvalidArgument "<what>: invalid JSON at line L,
// column C: <reason>". Rejects trailing garbage and duplicate-free is not checked.
// Text nested deeper than `max_depth` is refused before it is parsed:
// InvalidArgument as CheckJsonTextDepth's.
Result<Json> ParseJson(std::string_view text, std::string_view what = "JSON",
                       int max_depth = kMaxJsonDepth);

// OK unless `text` opens more than `max_depth` arrays/objects at once (outside
// strings); then InvalidArgument "<what>: nested deeper than the limit of N
// levels at line L, column C" pointing at the bracket past the limit. Linear,
// no recursion, validates nothing else (ParseJson does). For parsers other
// than ParseJson (the query cursor decoder's).
Status CheckJsonTextDepth(std::string_view text, int max_depth, std::string_view what);

// Depth of `value` (see above), found without recursion; stops looking once
// past `limit`, so the result is at most limit + 1.
int JsonDepth(const Json& value, int limit = kMaxJsonDepth);
// OK unless `value` is nested deeper than `max_depth`; then InvalidArgument
// "<what>: nested deeper than the limit of N levels". For values that did not
// come from ParseJson (built in code, or the result of a mutation). Call it
// before copying such a value: the copy itself recurses.
Status CheckJsonDepth(const Json& value, int max_depth, std::string_view what);

// RFC 8785 (JCS) canonical form: no whitespace, object members sorted by their
// UTF-16 code units, ECMAScript number formatting (integral doubles print as
// integers). Used for hashing documents, so the same value always hashes alike.
// Recursive: REQUIRES a value within kMaxJsonDepth (or a few levels more).
std::string CanonicalJson(const Json& value);

// 1-based line and column of byte `offset` in `text`.
struct TextPosition {
  int line = 1;
  int column = 1;
};
TextPosition PositionOfOffset(std::string_view text, size_t offset);

}  // namespace worm

// JSON helpers shared by every layer. Documents are nlohmann::json values.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "worm/result.h"

namespace worm {

using Json = nlohmann::json;

// Parses `text`; on failure InvalidArgument "<what>: invalid JSON at line L,
// column C: <reason>". Rejects trailing garbage and duplicate-free is not checked.
Result<Json> ParseJson(std::string_view text, std::string_view what = "JSON");

// RFC 8785 (JCS) canonical form: no whitespace, object members sorted by their
// UTF-16 code units, ECMAScript number formatting (integral doubles print as
// integers). Used for hashing documents, so the same value always hashes alike.
std::string CanonicalJson(const Json& value);

// 1-based line and column of byte `offset` in `text`.
struct TextPosition {
  int line = 1;
  int column = 1;
};
TextPosition PositionOfOffset(std::string_view text, size_t offset);

}  // namespace worm

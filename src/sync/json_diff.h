// Structural diff of two JSON documents, for `worm diff --content`: a list of
// changes, each a JSON Pointer path with the old and new value, in the
// spirit of RFC 6902 (op "add" | "remove" | "replace"). Arrays are compared
// element by element (no move detection). Pure; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "core/json_util.h"

namespace worm::sync {

struct JsonChange {
  std::string op;    // "add", "remove", "replace"
  std::string path;  // JSON Pointer, "" for the whole document
  Json old_value;    // null for "add"
  Json new_value;    // null for "remove"
};

std::vector<JsonChange> DiffJson(const Json& before, const Json& after);

// [{"op", "path", "from", "value"}], patch-like.
Json ChangesToJson(const std::vector<JsonChange>& changes);

// One line per change: "  /status: \"draft\" → \"paid\"".
std::string RenderChanges(const std::vector<JsonChange>& changes);

}  // namespace worm::sync

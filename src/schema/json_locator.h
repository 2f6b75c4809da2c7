// JsonLocator: where each value of a JSON text sits, by JSON Pointer (RFC 6901),
// so lint can say "line 12, column 18" for "/models/Customer/fields/status".
// A small strict RFC 8259 tokenizer over the raw text; it also reports the
// first syntax error with its position, and duplicate object keys (which
// nlohmann silently collapses, keeping the last).
//
// Thread-safety: immutable after Build; safe to share.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/json_util.h"
#include "worm/result.h"

namespace worm::schema {

// Build accepts nesting up to worm::kMaxJsonDepth (core/json_util.h), the
// limit every JSON parse in worm has. A schema needs a handful of levels;
// the cap keeps hostile input from exhausting the stack (Build recurses).

struct JsonLocation {
  TextPosition value;               // first character of the value
  std::optional<TextPosition> key;  // the member name's opening quote, for object members
  size_t value_offset = 0;          // byte offset of the value
};

struct JsonSyntaxError {
  TextPosition position;
  std::string message;    // what is wrong and what to do, without the position
  bool too_deep = false;  // nesting exceeded max_depth; the JSON may be valid
};

class JsonLocator {
 public:
  // Indexes `text` (a leading UTF-8 BOM is skipped, as nlohmann does).
  // InvalidArgument "line L, column C: <why>" on the first syntax error or
  // when nesting exceeds `max_depth`; `*error`, when given, then says where.
  static Result<JsonLocator> Build(std::string_view text, JsonSyntaxError* error = nullptr,
                                   int max_depth = kMaxJsonDepth);

  // The value at `pointer` ("" is the root), or null when there is none.
  const JsonLocation* Find(std::string_view pointer) const;

  // The position for a diagnostic about `pointer`: the member name when
  // `prefer_key` and it has one, else the value; when the pointer does not
  // exist (a missing key), its nearest existing ancestor.
  TextPosition Locate(std::string_view pointer, bool prefer_key) const;

  // Pointers of members whose name repeats an earlier member of the same object.
  const std::vector<std::string>& duplicate_keys() const { return duplicates_; }

  size_t size() const { return entries_.size(); }

 private:
  friend class JsonScanner;
  std::unordered_map<std::string, JsonLocation> entries_;
  std::vector<std::string> duplicates_;
};

// RFC 6901 escaping of one reference token: '~' -> "~0", '/' -> "~1".
std::string JsonPointerEscape(std::string_view token);
// `base` + "/" + escaped `token`.
std::string JsonPointerAppend(std::string_view base, std::string_view token);
std::string JsonPointerAppend(std::string_view base, size_t index);
// The parent of a pointer ("/a/b" -> "/a"; "/a" -> ""; "" -> "").
std::string JsonPointerParent(std::string_view pointer);

}  // namespace worm::schema

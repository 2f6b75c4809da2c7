// Internals shared by the schema layer's sources: regex compilation, enum
// names, value checks. Not part of the layer's API. Pure; thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "schema/schema.h"

namespace worm::schema::internal {

// Compiles an RE2 pattern quietly (no logging). On failure returns null and
// sets `*error` to RE2's reason.
std::shared_ptr<const re2::RE2> CompileRegex(const std::string& pattern, std::string* error);
bool FullMatch(const re2::RE2& re, std::string_view value);

std::optional<FieldType> ParseFieldType(std::string_view name);
std::optional<Layout> ParseLayout(std::string_view name);
std::optional<Mode> ParseMode(std::string_view name);
std::optional<OnDelete> ParseOnDelete(std::string_view name);
std::optional<IdStrategy> ParseStrategy(std::string_view name);
std::string_view ModeName(Mode mode);
std::string_view StrategyName(IdStrategy strategy);

// What is wrong with a value for a field, by kind, so lint can report a
// default of the wrong type apart from one outside its enum.
enum class ValueIssue { kNone, kType, kEnum, kConstraint };
struct ValueCheck {
  ValueIssue issue = ValueIssue::kNone;
  std::string message;  // "expected a string, got 42"
};
// `check_enum` false skips the enum test (to check enum values themselves).
ValueCheck CheckValue(const Field& field, const Json& value, bool check_enum);

// A short rendering of a JSON value for messages (cut to ~60 characters).
std::string Brief(const Json& value);

// "YYYY-MM-DD" with a real month and day; RFC 3339 date-time.
bool IsDate(std::string_view s);
bool IsDateTime(std::string_view s);

}  // namespace worm::schema::internal

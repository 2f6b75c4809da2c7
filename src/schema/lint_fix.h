// Schema lint fixes (`worm lint --fix`): rewrites the text of a schema.json so
// the findings that have exactly one right answer go away, editing only the
// spans it fixes (found by scanning the text, never re-serializing the
// document), so key order, indentation, comments-free formatting and every
// other byte stay as written. Pure; thread-safe.
//
// Fixable (the answer follows from the file itself):
//   undeclared-path      the model's path (with its file) is appended to "paths"
//   unused-path          the "paths" entry no model uses is removed
//   duplicate-path       the later copy of a repeated "paths" entry is removed
//   id-type-mismatch     "idType" is set to the type of the path's id segment
//                        (the path decides the keys; idType only restates it)
//   ignored-key          the key that has no effect is removed (idType or
//                        idOperator on a singleton, startAt/step on a
//                        non-increment operator)
//   duplicate-enum-value the repeated enum value is removed (the set is the same)
//   misnamed-key         "operator"/"idStrategy" is renamed "idOperator" (when
//                        the model has no idOperator yet)
// Every other finding needs a decision only the author can make (which of two
// duplicate keys was meant, which enum value a default should be, what a
// misspelt type was meant to be, ...) and is left as it is.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace worm::schema {

struct LintFix {
  std::string code;       // the diagnostic fixed, e.g. "unused-path"
  std::string json_path;  // where it was
  std::string action;     // what was done, for humans: "removed \"paths\" entry ..."
};

struct FixResult {
  std::string text;            // the fixed text (== input when nothing was fixable)
  std::vector<LintFix> fixes;  // in the order applied
  bool changed() const { return !fixes.empty(); }
};

// The codes FixSchemaText can fix (the list above).
const std::vector<std::string>& FixableLintCodes();

// Applies every fix, re-linting between rounds (a fix may reveal another,
// e.g. a corrected idType shows the path is undeclared) until nothing
// fixable is left. Never makes lint worse: a round that would add an error
// or a warning is dropped. FixSchemaText(FixSchemaText(t).text) changes
// nothing. Invalid JSON is returned unchanged. Never throws.
FixResult FixSchemaText(std::string_view text);

// A unified diff (3 lines of context) from `before` to `after`, with
// "--- a/<name>" and "+++ b/<name>" headers; empty when they are equal.
std::string UnifiedDiff(std::string_view before, std::string_view after, std::string_view name);

}  // namespace worm::schema

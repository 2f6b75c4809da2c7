// Schema lint: every problem in a schema.json at once, each with the JSON
// path and the line:column where it sits in the file. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/json_util.h"

namespace worm::schema {

enum class Severity { kError, kWarning };

struct Diagnostic {
  Severity severity = Severity::kError;
  std::string code;       // stable identifier, e.g. "unknown-dynamic-type"
  std::string json_path;  // "/models/Customer/fields/status/default" (JSON Pointer)
  int line = 0;           // 1-based, of the value at json_path (0 when unknown)
  int column = 0;
  std::string message;  // what is wrong and what to do
};

// Lints the text of a schema.json. Invalid JSON yields one "invalid-json"
// diagnostic at the parse error (nesting deeper than kMaxJsonDepth: one
// "too-deep"). Diagnostics are sorted by line, then column. Never throws.
std::vector<Diagnostic> LintSchemaText(std::string_view text);

// {"severity": "error"|"warning", "code", "path", "line", "column", "message"}:
// the shape `worm lint --json` prints, one object per diagnostic.
Json DiagnosticToJson(const Diagnostic& d);

// "schema.json:12:18: error: <message> [<code>] at /models/A/path", for humans
// and editors (`worm lint`, `worm dev`).
std::string FormatDiagnostic(const Diagnostic& d, std::string_view file);

// Codes (stable; scripts may rely on them). Errors unless marked (warning):
//   invalid-json, too-deep, wrong-type, missing-key, unknown-key (warning),
//   misnamed-key, invalid-name, unsupported-schema-version,
//   unknown-value (warning), invalid-symbols, invalid-regex,
//   example-mismatch (warning), unknown-strategy, invalid-value,
//   ignored-key (warning), unknown-layout, unknown-mode, invalid-path,
//   unknown-dynamic-type, duplicate-path (warning), unused-path (warning),
//   undeclared-path, conflicting-paths, invalid-file, missing-file,
//   file-given-twice, missing-prefix, singleton-with-id, missing-id-segment,
//   id-type-mismatch, unknown-operator, operator-type-mismatch,
//   reserved-field-name (warning), unknown-field-type,
//   constraint-not-applicable, invalid-constraint, unknown-ref,
//   ref-to-singleton, on-delete-without-ref, unknown-on-delete,
//   set-null-required, enum-type-mismatch, duplicate-enum-value (warning),
//   default-type-mismatch, default-not-in-enum, default-violates-constraint,
//   shared-entity-folder (warning), no-models (warning), duplicate-key (warning).
// LoadSchema refuses a schema exactly when lint reports an error (other than
// duplicate-key, which only the text shows and is a warning).

}  // namespace worm::schema

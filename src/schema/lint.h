// Schema lint: every problem in a schema.json at once, each with the JSON
// path and the line:column where it sits in the file. Pure.
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
  std::string message;    // what is wrong and what to do
};

// Lints the text of a schema.json. Invalid JSON yields one "invalid-json"
// diagnostic at the parse error. Diagnostics are sorted by line, then column.
std::vector<Diagnostic> LintSchemaText(std::string_view text);

Json DiagnosticToJson(const Diagnostic& d);

}  // namespace worm::schema

// Lint of the schema's "access" section: every problem with its JSON pointer
// and line:column, in the shape of schema lint (schema/lint.h), so `worm lint`
// reports them together. The section is compiled by the same code as
// CompileAccessPolicy, so lint errors are exactly what the compiler refuses.
//
// Why here and not in src/schema/lint.cc: row-level conditions are checked by
// compiling them with the query filter language (worm_filter), which sits
// above the pure schema layer; the schema layer only keeps the section.
//
// Codes (stable). Errors unless marked (warning):
//   wrong-type, missing-key, unknown-key (warning), too-deep,
//   invalid-role-name, unknown-role, role-cycle, unknown-model,
//   unknown-action, unknown-effect, no-subject, bad-path-pattern,
//   unmatched-path (warning), bad-condition, unknown-variable,
//   unknown-field, invalid-field-mask.
#pragma once

#include <string_view>
#include <vector>

#include "schema/lint.h"

namespace worm::security {

// Diagnostics of the access section of the schema.json `text` (none when the
// text is no JSON object or has no section: LintSchemaText reports those).
std::vector<schema::Diagnostic> LintAccessText(std::string_view text);

// LintSchemaText(text) plus LintAccessText(text), sorted by line:column:
// what `worm lint` prints.
std::vector<schema::Diagnostic> LintSchemaWithAccess(std::string_view text);

}  // namespace worm::security

// Fuzz entry points for the schema layer (libFuzzer targets in fuzz/ call
// these). An error Status is fine; a crash or an abort is a bug. Each also
// checks invariants and aborts when one breaks:
//   FuzzPathDsl: ParsePath -> PrintPath -> ParsePath round-trips; resolver
//     templates and reverse mapping agree; id/key checks never crash.
//   FuzzSchemaLint: lint never throws; lint reports an error exactly when
//     LoadSchema refuses the document; loaded schemas resolve every model.
//   FuzzSchemaLintFix: lint --fix never throws, never adds an error, always
//     leaves fewer findings when it changes the text, keeps it JSON, and a
//     second fix changes nothing.
//
// Thread-safety: pure; safe to call concurrently.
#pragma once

#include <cstddef>
#include <cstdint>

#include "worm/status.h"

namespace worm::schema {

Status FuzzPathDsl(const uint8_t* data, size_t size);
Status FuzzSchemaLint(const uint8_t* data, size_t size);
Status FuzzSchemaLintFix(const uint8_t* data, size_t size);

}  // namespace worm::schema

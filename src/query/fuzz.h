// Fuzz entry point for the query language (fuzz/query_fuzz.cc calls it; a
// corpus replay runs it under ctest). An error Status is fine; a crash, hang
// or sanitizer report is a bug.
#pragma once

#include <cstddef>
#include <cstdint>

#include "worm/status.h"

namespace worm {

// Parses the bytes as a query (or, if they start with "f:", as a shorthand
// filter; "c:" as a cursor), compiles it, and evaluates it over a fixed set of
// documents covering every JSON type, nesting and numeric edge case.
Status FuzzQuery(const uint8_t* data, size_t size);

}  // namespace worm

// Fuzz entry point for the access-section compiler: the input is a
// schema.json text; it is linted and, when it loads, compiled, and a few
// decisions are taken. Errors are fine; a crash or an inconsistency (lint
// clean but the compiler refuses, or the reverse) is a bug.
#pragma once

#include <cstddef>
#include <cstdint>

#include "worm/status.h"

namespace worm::security {

Status FuzzAccessPolicy(const uint8_t* data, size_t size);

}  // namespace worm::security

// The schema model moved to the public API: worm/schema.h.
#pragma once

#include "core/json_util.h"
#include "worm/schema.h"

// Moved to the public API: worm/retrying_transport.h.
#pragma once

#include "worm/retrying_transport.h"

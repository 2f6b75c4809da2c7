// Moved to the public API: worm/counting_transport.h.
#pragma once

#include "worm/counting_transport.h"

// Remotes from `.worm/config.json` as S3Options: S3OptionsFromConfig and
// LoadRemoteOptions, declared in worm/s3.h.
#pragma once

#include "core/json_util.h"
#include "transport/s3/s3_transport.h"
#include "worm/s3.h"

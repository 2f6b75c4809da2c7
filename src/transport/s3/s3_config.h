// Remotes from `.worm/config.json` as S3Options:
//
//   {"remotes": {"origin": {"url": "s3://bucket/prefix",
//                           "endpoint": "http://127.0.0.1:9000",
//                           "region": "us-east-1", "pathStyle": true,
//                           "profile": "default"}}}
//
// Only "url" is required. Credentials are never read from this file: a
// remote carrying accessKeyId/secretAccessKey-like fields is refused so
// secrets do not end up committed.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "core/json_util.h"
#include "transport/s3/s3_transport.h"

namespace worm {

// The remote `name` of a parsed config.json. NotFound naming the known
// remotes when absent; InvalidArgument (with the JSON path) for a bad field.
Result<S3Options> S3OptionsFromConfig(const Json& config, std::string_view name);

// Reads and parses the config file at `path`, then as above.
Result<S3Options> LoadRemoteOptions(const std::string& path, std::string_view name);

}  // namespace worm

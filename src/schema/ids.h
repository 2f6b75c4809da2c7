// Id and key safety: an id must never escape its folder, whatever the client.
// Pure functions; thread-safe.
#pragma once

#include <string_view>

#include "worm/status.h"

namespace worm::schema {

// Longest key S3 accepts, in bytes.
inline constexpr size_t kMaxKeyBytes = 1024;

// OK when `id` can be one path segment: non-empty, at most kMaxKeyBytes bytes,
// valid UTF-8, no '/', no '\\', not "." or "..", no leading '.', no control
// characters (C0, DEL, C1). InvalidArgument "<what> '<id>': <why>" otherwise;
// the id is shown with unprintable bytes escaped and cut to about 80 bytes.
Status ValidateIdSegment(std::string_view id, std::string_view what = "id");

// OK when `key` is a safe object key: 1..kMaxKeyBytes bytes of valid UTF-8,
// no control characters, no empty, "." or ".." segments, no leading '/'
// (so no trailing '/' either: that is a folder). InvalidArgument "key '<key>':
// <why>" otherwise.
Status ValidateKey(std::string_view key);

// True when any '/'-separated segment of `key` starts with '.': a system entry
// (.worm, .oplog/, .snapshots/, .worm.trash/, ...), never an entity.
bool IsSystemKey(std::string_view key);

}  // namespace worm::schema

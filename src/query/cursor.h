// Opaque page cursors: base64url (no padding) of the JSON array
//   [1, "<fingerprint>", [[v] | [] (missing), ...one per sort key], "<key>"]
// naming the position of the last item of a page. Pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/json_util.h"
#include "query/plan.h"
#include "worm/result.h"

namespace worm::query {

// 16 hex digits of SHA-256 over the normalized where and sort: a cursor is
// only valid for the query that made it.
std::string QueryFingerprint(const Json& where, const std::vector<std::string>& sort_spec);

std::string EncodeCursor(const std::string& fingerprint, const std::vector<Json>& sort_values,
                         const std::string& key);

// InvalidArgument "cursor: ..." when malformed, from another version, or made
// by a query with a different where/sort.
Result<CursorPosition> DecodeCursor(std::string_view cursor, const std::string& fingerprint,
                                    size_t sort_keys);

std::string Base64UrlEncode(std::string_view bytes);
Result<std::string> Base64UrlDecode(std::string_view text);

}  // namespace worm::query

// "select": keep (or drop) dotted paths of a document. Rules in
// include/worm/query.h. Pure functions.
#pragma once

#include <string>
#include <vector>

#include "core/json_util.h"
#include "query/plan.h"
#include "worm/result.h"

namespace worm::query {

// `select` is an array of path strings (or one comma-separated string), all
// "path" (include) or all "-path" (exclude). InvalidArgument "select[i]: ...".
Result<Projection> CompileProjection(const Json& select, const std::vector<std::string>& id_fields,
                                     const std::string& location);

Json ApplyProjection(const Projection& projection, const std::vector<std::string>& id_fields,
                     const Json& doc);

// Splits "a,-b, c" into trimmed non-empty items.
std::vector<std::string> SplitList(std::string_view text);

// A list of paths given as an array of strings or one comma-separated string.
Result<std::vector<LocatedPath>> ParsePathList(const Json& list, const std::string& location);

}  // namespace worm::query

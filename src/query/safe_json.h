// ParseJson (core/json_util.h) that never throws: core's version lets
// nlohmann's out_of_range (e.g. number overflow "1e999") escape. Until core
// catches every nlohmann exception, the query layer parses through this.
#pragma once

#include <string>
#include <string_view>

#include "core/json_util.h"

namespace worm::query {

inline Result<Json> ParseJsonNoThrow(std::string_view text, std::string_view what) {
  try {
    return ParseJson(text, what);
  } catch (const std::exception& e) {
    std::string reason = e.what();
    if (auto p = reason.find("] "); p != std::string::npos) reason = reason.substr(p + 2);
    return Status::InvalidArgument(std::string(what) + ": invalid JSON: " + reason);
  }
}

}  // namespace worm::query

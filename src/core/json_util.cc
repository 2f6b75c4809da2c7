#include "core/json_util.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace worm {

TextPosition PositionOfOffset(std::string_view text, size_t offset) {
  TextPosition pos;
  offset = std::min(offset, text.size());
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++pos.line;
      pos.column = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++pos.column;  // count code points, not UTF-8 continuation bytes
    }
  }
  return pos;
}

Status CheckJsonTextDepth(std::string_view text, int max_depth, std::string_view what) {
  int depth = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '"') {
      // Skip the string: brackets inside it are not structure. An
      // unterminated string ends the scan (the parser reports it).
      for (++i; i < text.size() && text[i] != '"'; ++i) {
        if (text[i] == '\\') ++i;
      }
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) {
        TextPosition pos = PositionOfOffset(text, i);
        return Status::InvalidArgument(std::string(what) + ": nested deeper than the limit of " +
                                       std::to_string(max_depth) + " levels at line " +
                                       std::to_string(pos.line) + ", column " +
                                       std::to_string(pos.column));
      }
    } else if (c == ']' || c == '}') {
      if (depth > 0) --depth;  // unbalanced: the parser reports it
    }
  }
  return Status::OK();
}

int JsonDepth(const Json& value, int limit) {
  if (!value.is_structured()) return 0;
  // One (next, end) pair per open container: the walk's own stack, on the heap.
  std::vector<std::pair<Json::const_iterator, Json::const_iterator>> open;
  open.emplace_back(value.cbegin(), value.cend());
  int deepest = 1;
  while (!open.empty()) {
    auto& [next, end] = open.back();
    if (next == end) {
      open.pop_back();
      continue;
    }
    const Json& child = *next;
    ++next;
    if (!child.is_structured()) continue;
    int depth = static_cast<int>(open.size()) + 1;
    deepest = std::max(deepest, depth);
    if (deepest > limit) return deepest;
    open.emplace_back(child.cbegin(), child.cend());  // invalidates next/end: not used again
  }
  return deepest;
}

Status CheckJsonDepth(const Json& value, int max_depth, std::string_view what) {
  if (JsonDepth(value, max_depth) <= max_depth) return Status::OK();
  return Status::InvalidArgument(std::string(what) + ": nested deeper than the limit of " +
                                 std::to_string(max_depth) + " levels");
}

Result<Json> ParseJson(std::string_view text, std::string_view what, int max_depth) {
  RETURN_NOT_OK(CheckJsonTextDepth(text, max_depth, what));
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const Json::parse_error& e) {
    // e.byte is 1-based and points just past the offending character.
    size_t offset = e.byte > 0 ? e.byte - 1 : 0;
    TextPosition pos = PositionOfOffset(text, offset);
    std::string reason = e.what();
    // nlohmann prefixes "[json.exception.parse_error.101] parse error at line 1, column 2: "
    if (auto p = reason.find(": "); p != std::string::npos) {
      auto q = reason.find(": ", p + 2);
      reason = reason.substr((q != std::string::npos ? q : p) + 2);
    }
    return Status::InvalidArgument(std::string(what) + ": invalid JSON at line " +
                                   std::to_string(pos.line) + ", column " +
                                   std::to_string(pos.column) + ": " + reason);
  } catch (const Json::exception& e) {
    // Valid syntax the library cannot represent, e.g. "1e999" (out_of_range 406).
    std::string reason = e.what();
    if (auto p = reason.find("] "); p != std::string::npos) reason = reason.substr(p + 2);
    return Status::InvalidArgument(std::string(what) + ": invalid JSON: " + reason);
  }
}

namespace {

// UTF-16 code units of a UTF-8 string, for RFC 8785 member ordering.
std::u16string ToUtf16(const std::string& s) {
  std::u16string out;
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    uint32_t cp;
    int len;
    if (c < 0x80) {
      cp = c;
      len = 1;
    } else if ((c >> 5) == 6) {
      cp = c & 0x1f;
      len = 2;
    } else if ((c >> 4) == 14) {
      cp = c & 0x0f;
      len = 3;
    } else {
      cp = c & 0x07;
      len = 4;
    }
    for (int k = 1; k < len && i + k < s.size(); ++k) cp = (cp << 6) | (s[i + k] & 0x3f);
    i += len;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<char16_t>(0xD800 + (cp >> 10)));
      out.push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3ff)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
  }
  return out;
}

void WriteNumber(const Json& v, std::string& out) {
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) < 1e21) {
      if (d == 0) {
        out += '0';  // also -0, as ECMAScript prints it
        return;
      }
      char buf[32];
      std::snprintf(buf, sizeof(buf), "%.0f", d);
      out += buf;
      return;
    }
  }
  out += v.dump();
}

void WriteCanonical(const Json& v, std::string& out) {
  switch (v.type()) {
    case Json::value_t::object: {
      std::vector<std::pair<std::u16string, const std::string*>> keys;
      keys.reserve(v.size());
      for (auto it = v.begin(); it != v.end(); ++it)
        keys.emplace_back(ToUtf16(it.key()), &it.key());
      std::sort(keys.begin(), keys.end());
      out += '{';
      bool first = true;
      for (const auto& [k16, k] : keys) {
        if (!first) out += ',';
        first = false;
        out += Json(*k).dump();
        out += ':';
        WriteCanonical(v.at(*k), out);
      }
      out += '}';
      break;
    }
    case Json::value_t::array: {
      out += '[';
      for (size_t i = 0; i < v.size(); ++i) {
        if (i) out += ',';
        WriteCanonical(v[i], out);
      }
      out += ']';
      break;
    }
    case Json::value_t::number_float:
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      WriteNumber(v, out);
      break;
    default:
      out += v.dump(-1, ' ', false, Json::error_handler_t::replace);
  }
}

}  // namespace

std::string CanonicalJson(const Json& value) {
  std::string out;
  WriteCanonical(value, out);
  return out;
}

}  // namespace worm

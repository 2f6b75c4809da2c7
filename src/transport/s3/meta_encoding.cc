#include "transport/s3/meta_encoding.h"

#include <strings.h>

#include <cstdint>
#include <optional>

#include "core/hash.h"

namespace worm::s3 {

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// RFC 2047 section 4.2: '_' is a space, =XX a byte.
std::optional<std::string> UnQ(std::string_view in) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '_') {
      out += ' ';
    } else if (in[i] == '=') {
      if (i + 2 >= in.size() || HexValue(in[i + 1]) < 0 || HexValue(in[i + 2]) < 0) {
        return std::nullopt;
      }
      out += static_cast<char>(HexValue(in[i + 1]) * 16 + HexValue(in[i + 2]));
      i += 2;
    } else {
      out += in[i];
    }
  }
  return out;
}

// One "=?charset?enc?text?=" word, UTF-8 (or US-ASCII) only.
std::optional<std::string> DecodeWord(std::string_view w) {
  if (w.size() < 8 || w.substr(0, 2) != "=?" || w.substr(w.size() - 2) != "?=") return std::nullopt;
  std::string_view body = w.substr(2, w.size() - 4);
  size_t q1 = body.find('?');
  if (q1 == std::string_view::npos || q1 + 2 >= body.size() || body[q1 + 2] != '?') {
    return std::nullopt;
  }
  std::string charset(body.substr(0, q1));
  if (strcasecmp(charset.c_str(), "UTF-8") != 0 && strcasecmp(charset.c_str(), "US-ASCII") != 0) {
    return std::nullopt;
  }
  char enc = body[q1 + 1];
  std::string_view text = body.substr(q1 + 3);
  if (enc == 'B' || enc == 'b') {
    Result<std::string> raw = Base64Decode(text);
    return raw.ok() ? std::optional<std::string>(std::move(*raw)) : std::nullopt;
  }
  if (enc == 'Q' || enc == 'q') return UnQ(text);
  return std::nullopt;
}

}  // namespace

std::string EncodeMetaValue(std::string_view value) {
  for (char ch : value) {
    auto c = static_cast<unsigned char>(ch);
    if (c >= 0x7F || (c < 0x20 && c != '\t')) return "=?UTF-8?B?" + Base64Encode(value) + "?=";
  }
  return std::string(value);
}

std::string DecodeMetaValue(std::string_view value) {
  if (value.substr(0, 2) != "=?") return std::string(value);
  std::string out;
  size_t pos = 0;
  while (pos < value.size()) {
    size_t end = value.find("?=", pos + 2);
    // The word ends at the "?=" after its charset and encoding fields.
    size_t q1 = value.find('?', pos + 2);
    if (q1 == std::string_view::npos || q1 + 2 >= value.size()) return std::string(value);
    end = value.find("?=", q1 + 3);
    if (end == std::string_view::npos) return std::string(value);
    std::optional<std::string> word = DecodeWord(value.substr(pos, end + 2 - pos));
    if (!word) return std::string(value);
    out += *word;
    pos = end + 2;
    // Whitespace between encoded words is not part of the text (RFC 2047 6.2).
    size_t next = value.find_first_not_of(" \t", pos);
    if (next == std::string_view::npos) break;
    if (value.substr(next, 2) != "=?") return std::string(value);
    pos = next;
  }
  return out;
}

}  // namespace worm::s3

#include "transport/s3/meta_encoding.h"

#include <strings.h>

#include <cstdint>
#include <optional>

namespace worm::s3 {

namespace {

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string Base64(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (static_cast<unsigned char>(in[i]) << 16) |
                 (static_cast<unsigned char>(in[i + 1]) << 8) |
                 static_cast<unsigned char>(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kB64[(v >> s) & 63];
  }
  if (i < in.size()) {
    uint32_t v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += i + 1 < in.size() ? kB64[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

int B64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

std::optional<std::string> UnBase64(std::string_view in) {
  if (in.size() % 4 != 0) return std::nullopt;
  std::string out;
  uint32_t v = 0;
  int bits = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '=') {
      if (i + 2 < in.size() || (i + 1 < in.size() && in[i + 1] != '=')) return std::nullopt;
      break;
    }
    int d = B64Value(in[i]);
    if (d < 0) return std::nullopt;
    v = (v << 6) | static_cast<uint32_t>(d);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((v >> bits) & 0xFF);
    }
  }
  return out;
}

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
  if (enc == 'B' || enc == 'b') return UnBase64(text);
  if (enc == 'Q' || enc == 'q') return UnQ(text);
  return std::nullopt;
}

}  // namespace

std::string EncodeMetaValue(std::string_view value) {
  for (char ch : value) {
    auto c = static_cast<unsigned char>(ch);
    if (c >= 0x7F || (c < 0x20 && c != '\t')) return "=?UTF-8?B?" + Base64(value) + "?=";
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

#include "query/cursor.h"

#include "core/hash.h"

namespace worm::query {

namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr int kCursorVersion = 1;
// Cursors carry sort values; anything longer than this is not one of ours.
constexpr size_t kMaxCursorBytes = 1 << 20;

int DecodeChar(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

std::string Dump(const Json& v) { return v.dump(-1, ' ', false, Json::error_handler_t::replace); }

Status Malformed(std::string_view why) {
  return Status::InvalidArgument("cursor: " + std::string(why) +
                                 " (pass the \"next\" value of a previous page unchanged)");
}

}  // namespace

std::string Base64UrlEncode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(n >> s) & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t n = uint8_t(in[i]) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
  } else if (i + 2 == in.size()) {
    uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
  }
  return out;
}

Result<std::string> Base64UrlDecode(std::string_view in) {
  if (in.size() % 4 == 1) return Malformed("bad length");
  std::string out;
  out.reserve(in.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int d = DecodeChar(c);
    if (d < 0) return Malformed("not base64url");
    acc = (acc << 6) | uint32_t(d);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += char((acc >> bits) & 0xff);
    }
  }
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return Malformed("not canonical base64url");
  return out;
}

std::string QueryFingerprint(const Json& where, const std::vector<std::string>& sort_spec) {
  Json basis = {{"where", where}, {"sort", sort_spec}};
  return Sha256Hex(Dump(basis)).substr(0, 16);
}

std::string EncodeCursor(const std::string& fingerprint, const std::vector<Json>& sort_values,
                         const std::string& key) {
  Json values = Json::array();
  for (const Json& v : sort_values) {
    values.push_back(v.is_discarded() ? Json::array() : Json::array({v}));
  }
  return Base64UrlEncode(Dump(Json::array({kCursorVersion, fingerprint, values, key})));
}

Result<CursorPosition> DecodeCursor(std::string_view cursor, const std::string& fingerprint,
                                    size_t sort_keys) {
  if (cursor.empty()) return Malformed("empty");
  if (cursor.size() > kMaxCursorBytes) return Malformed("too long");
  ASSIGN_OR_RETURN(std::string bytes, Base64UrlDecode(cursor));
  // A forged cursor nested deep would crash copying its sort values.
  RETURN_NOT_OK(CheckJsonTextDepth(bytes, kMaxJsonDepth, "cursor"));
  Json doc = Json::parse(bytes, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_array() || doc.size() != 4 || !doc[0].is_number_integer()) {
    return Malformed("not a cursor");
  }
  if (doc[0].get<int64_t>() != kCursorVersion) return Malformed("unsupported cursor version");
  if (!doc[1].is_string() || !doc[2].is_array() || !doc[3].is_string()) {
    return Malformed("not a cursor");
  }
  if (doc[1].get<std::string>() != fingerprint) {
    return Status::InvalidArgument(
        "cursor: made by a query with a different where or sort; a cursor continues only the "
        "query that returned it (drop it to start from the first page)");
  }
  if (doc[2].size() != sort_keys) return Malformed("wrong number of sort values");
  CursorPosition pos;
  for (const Json& v : doc[2]) {
    if (!v.is_array() || v.size() > 1) return Malformed("bad sort value");
    pos.values.push_back(v.empty() ? Json(Json::value_t::discarded) : v[0]);
  }
  pos.key = doc[3].get<std::string>();
  return pos;
}

}  // namespace worm::query

#include "schema/ids.h"

#include <string>

#include "schema/utf8.h"

namespace worm::schema {

namespace {

using internal::DecodeUtf8;
using internal::IsControl;
using internal::Printable;

std::string Hex4(uint32_t cp) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out = "U+";
  for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(cp >> shift) & 15];
  return out;
}

// Size, UTF-8 and control-character checks shared by ids and keys. Empty
// string when fine, else why not.
std::string CheckBytes(std::string_view text) {
  if (text.empty()) return "is empty";
  if (text.size() > kMaxKeyBytes) {
    return "is " + std::to_string(text.size()) + " bytes; the limit is " +
           std::to_string(kMaxKeyBytes);
  }
  for (size_t i = 0; i < text.size();) {
    // Printable ASCII, what keys are nearly always made of, needs no decoding.
    if (auto c = static_cast<unsigned char>(text[i]); c >= 0x20 && c < 0x7F) {
      ++i;
      continue;
    }
    uint32_t cp;
    size_t n = DecodeUtf8(text, i, &cp);
    if (n == 0) return "is not valid UTF-8 (byte " + std::to_string(i + 1) + ")";
    if (IsControl(cp)) return "contains control character " + Hex4(cp);
    i += n;
  }
  return {};
}

}  // namespace

Status ValidateIdSegment(std::string_view id, std::string_view what) {
  std::string why = CheckBytes(id);
  if (why.empty()) {
    if (id == "." || id == "..") {
      why = "is a relative path segment; ids cannot be '.' or '..'";
    } else if (id.front() == '.') {
      why =
          "starts with '.', which marks system entries (.oplog, .worm); use another first "
          "character";
    } else if (id.find('/') != std::string_view::npos) {
      why = "contains '/'; an id is one key segment";
    } else if (id.find('\\') != std::string_view::npos) {
      why = "contains '\\'; an id is one key segment";
    }
  }
  if (why.empty()) return Status::OK();
  return Status::InvalidArgument(std::string(what) + " '" + Printable(id) + "': " + why);
}

Status ValidateKey(std::string_view key) {
  std::string why = CheckBytes(key);
  if (why.empty() && key.front() == '/') why = "starts with '/'; keys are relative to the bucket";
  if (why.empty()) {
    size_t start = 0;
    while (start <= key.size()) {
      size_t end = key.find('/', start);
      if (end == std::string_view::npos) end = key.size();
      std::string_view seg = key.substr(start, end - start);
      if (seg.empty()) {
        why = end == key.size() ? "ends with '/'; that is a folder, not a key"
                                : "has an empty segment ('//')";
        break;
      }
      if (seg == "." || seg == "..") {
        why = "has a '" + std::string(seg) + "' segment; keys cannot climb folders";
        break;
      }
      start = end + 1;
    }
  }
  if (why.empty()) return Status::OK();
  return Status::InvalidArgument("key '" + Printable(key) + "': " + why);
}

bool IsSystemKey(std::string_view key) {
  size_t start = 0;
  while (start < key.size()) {
    if (key[start] == '.') return true;
    size_t slash = key.find('/', start);
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return false;
}

}  // namespace worm::schema

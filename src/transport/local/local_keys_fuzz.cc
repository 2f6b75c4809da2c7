#include "transport/local/local_keys_fuzz.h"

#include <climits>
#include <cstdlib>
#include <string>
#include <string_view>

#include "transport/local/local_keys.h"

namespace worm::transport_internal {

namespace {

// A broken invariant: libFuzzer reports the abort with the input.
void Require(bool ok) {
  if (!ok) std::abort();
}

void CheckName(const std::string& name, std::string_view segment, bool at_root, bool beside) {
  Require(!name.empty() && name.size() <= NAME_MAX);
  Require(name.find('/') == std::string::npos && name.find('\0') == std::string::npos);
  std::optional<DecodedName> back =
      DecodeEntryName(name, at_root, [&] { return std::optional<std::string>(segment); });
  Require(back.has_value() && back->segment == segment && back->beside_folder == beside);
}

Status FuzzKey(std::string_view key) {
  KeyPath path;
  Status st = EncodeKey("fuzz", std::string(key), &path);
  Require(st.ok() || !IsPlainKey(key));
  if (!st.ok()) return st;
  if (IsPlainKey(key)) Require(path.path() == key);
  size_t start = 0;
  for (;;) {
    size_t slash = key.find('/', start);
    std::string_view segment = key.substr(start, slash == key.npos ? key.npos : slash - start);
    CheckName(SegmentName(segment, start == 0), segment, start == 0, false);
    CheckName(ObjectBesideFolderName(segment, start == 0), segment, start == 0, true);
    if (slash == key.npos) break;
    start = slash + 1;
  }
  return Status::OK();
}

Status FuzzEntry(std::string_view rest, bool at_root) {
  size_t nul = rest.find('\0');
  std::string name(rest.substr(0, nul));
  std::optional<std::string> xattr;
  if (nul != std::string_view::npos) xattr = std::string(rest.substr(nul + 1));
  if (name.empty()) return Status::InvalidArgument("empty name");
  std::optional<DecodedName> decoded = DecodeEntryName(name, at_root, [&] { return xattr; });
  if (!decoded) return Status::NotFound("no key");
  std::string again = decoded->beside_folder ? ObjectBesideFolderName(decoded->segment, at_root)
                                             : SegmentName(decoded->segment, at_root);
  Require(again == name);
  return Status::OK();
}

}  // namespace

Status FuzzKeyNames(const uint8_t* data, size_t size) {
  if (size == 0) return Status::InvalidArgument("empty input");
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0:
      return FuzzKey(rest);
    case 1:
      return FuzzEntry(rest, true);
    default:
      return FuzzEntry(rest, false);
  }
}

}  // namespace worm::transport_internal

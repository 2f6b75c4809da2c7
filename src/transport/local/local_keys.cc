#include "transport/local/local_keys.h"

#include <climits>

#include "core/hash.h"

namespace worm::transport_internal {

namespace {

constexpr std::string_view kEmptyName = ".wormfs.e";
constexpr std::string_view kLiteralTag = ".wormfs.s";
constexpr std::string_view kHashedTag = ".wormfs.h";
constexpr std::string_view kBesideTag = ".wormfs.o";
constexpr size_t kHashHexDigits = 40;

bool IsPlain(std::string_view segment, bool at_root) {
  if (segment.empty() || segment == "." || segment == ".." || segment.size() > NAME_MAX) {
    return false;
  }
  if (at_root && segment == kLocalReservedDir) return false;
  return !segment.starts_with(kEncodedNamePrefix);
}

std::string HashedName(std::string_view segment) {
  return std::string(kHashedTag) + Sha256Hex(segment).substr(0, kHashHexDigits);
}

}  // namespace

bool IsPlainKey(std::string_view key) {
  if (key.empty() || key.size() > kMaxKeyBytes) return false;
  size_t start = 0;
  for (;;) {
    size_t slash = key.find('/', start);
    std::string_view seg = key.substr(start, slash == key.npos ? key.npos : slash - start);
    if (!IsPlain(seg, start == 0) || seg.find('\0') != std::string_view::npos) return false;
    if (slash == key.npos) return true;
    start = slash + 1;
  }
}

bool IsHashedName(std::string_view name) {
  if (name.starts_with(kBesideTag)) name.remove_prefix(kBesideTag.size());
  return name.starts_with(kHashedTag) && name.size() == kHashedTag.size() + kHashHexDigits;
}

std::string SegmentName(std::string_view segment, bool at_root) {
  if (IsPlain(segment, at_root)) return std::string(segment);
  if (segment.empty()) return std::string(kEmptyName);
  if (kLiteralTag.size() + segment.size() <= NAME_MAX) {
    return std::string(kLiteralTag) + std::string(segment);
  }
  return HashedName(segment);
}

std::string ObjectBesideFolderName(std::string_view segment, bool at_root) {
  std::string name = SegmentName(segment, at_root);
  if (kBesideTag.size() + name.size() > NAME_MAX) name = HashedName(segment);
  return std::string(kBesideTag) + name;
}

Status EncodeKey(std::string_view op, const Key& key, KeyPath* out) {
  if (key.empty()) return Status::InvalidArgument(std::string(op) + ": empty key");
  if (key.size() > kMaxKeyBytes) {
    return Status::InvalidArgument(std::string(op) + ": key of " + std::to_string(key.size()) +
                                   " bytes; S3 keys are at most 1024 bytes");
  }
  if (key.find('\0') != std::string::npos) {
    return Status::InvalidArgument(std::string(op) + ": the key contains a NUL byte");
  }
  size_t slash = key.rfind('/');
  if (slash == std::string::npos) {
    out->folder.clear();
    out->last_segment = key;
  } else {
    out->folder = EncodeFolder(std::string_view(key).substr(0, slash + 1));
    out->last_segment = key.substr(slash + 1);
  }
  const bool at_root = slash == std::string::npos;
  out->leaf = SegmentName(out->last_segment, at_root);
  out->beside_leaf = ObjectBesideFolderName(out->last_segment, at_root);
  return Status::OK();
}

std::string EncodeFolder(std::string_view prefix) {
  std::string out;
  if (prefix.empty()) return out;  // the root
  prefix.remove_suffix(1);         // the '/' that ends the last folder's segment
  size_t start = 0;
  for (bool first = true;; first = false) {
    size_t slash = prefix.find('/', start);
    std::string_view seg = prefix.substr(start, slash == prefix.npos ? prefix.npos : slash - start);
    if (!first) out.push_back('/');
    out += SegmentName(seg, first);
    if (slash == prefix.npos) break;
    start = slash + 1;
  }
  return out;
}

namespace keys_detail {

NameForm DecodeWithoutXattr(std::string_view name, bool at_root, DecodedName* out) {
  if (name.empty() || name.size() > NAME_MAX || name == "." || name == "..") {
    return NameForm::kNotAKey;  // no file has such a name
  }
  if (at_root && name == kLocalReservedDir) return NameForm::kNotAKey;
  if (!name.starts_with(kEncodedNamePrefix)) {
    out->segment.assign(name);
    out->beside_folder = false;
    return NameForm::kPlain;
  }
  std::string_view inner = name;
  out->beside_folder = inner.starts_with(kBesideTag);
  if (out->beside_folder) inner.remove_prefix(kBesideTag.size());
  if (IsHashedName(inner)) return NameForm::kHashed;
  std::string segment;
  if (inner == kEmptyName) {
    segment.clear();
  } else if (inner.starts_with(kLiteralTag)) {
    segment.assign(inner.substr(kLiteralTag.size()));
  } else if (out->beside_folder && !inner.starts_with(kEncodedNamePrefix)) {
    segment.assign(inner);  // ".wormfs.o" + a plain name
  } else {
    return NameForm::kNotAKey;
  }
  // Only the one name each segment has: no two entries may mean one key.
  std::string canonical =
      out->beside_folder ? ObjectBesideFolderName(segment, at_root) : SegmentName(segment, at_root);
  if (canonical != name) return NameForm::kNotAKey;
  out->segment = std::move(segment);
  return NameForm::kDecoded;
}

bool HashedNameMatches(std::string_view name, std::string_view segment, bool at_root,
                       bool beside_folder) {
  std::string canonical =
      beside_folder ? ObjectBesideFolderName(segment, at_root) : SegmentName(segment, at_root);
  return canonical == name && segment.find('\0') == std::string_view::npos &&
         segment.find('/') == std::string_view::npos;
}

}  // namespace keys_detail

}  // namespace worm::transport_internal

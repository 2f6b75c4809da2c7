// How the local transport names keys on disk, so that every key S3 accepts
// (1 to 1,024 bytes; any bytes but NUL) has exactly one path, and the common
// key is its own path ("users/u1.json" is file users/u1.json).
//
// A key is split at '/' into segments; each segment but the last names a
// folder, the last a file. A segment's name on disk:
//  - the segment itself when it is plain: not empty, not "." or "..", at most
//    255 bytes, not starting with ".wormfs." and, at the root, not ".wormfs"
//    (the backend's own folder);
//  - ".wormfs.e" for the empty segment (a key ending in '/', a "folder
//    marker", is folder + file ".wormfs.e"; "a//b" is a/.wormfs.e/b);
//  - ".wormfs.s" + the segment for the other non-plain segments that fit
//    ("." is ".wormfs.s.", ".wormfs" at the root is ".wormfs.s.wormfs");
//  - ".wormfs.h" + 40 hex digits (the first 20 bytes of the segment's
//    SHA-256) when that would exceed 255 bytes; the segment itself is then
//    in the entry's xattr "user.worm.name" (set before the entry appears
//    under that name, so a listing never sees it without one).
// A key that is also the prefix of other keys ("foo/bar" next to
// "foo/bar/x") wants its last segment's name for a file and a folder at
// once: the folder keeps the name, and the object's file is ".wormfs.o" +
// the name (the hashed form when that would exceed 255 bytes). An object
// moves from its plain name to that form when a folder is first needed
// there, never back, so a reader that tries the plain name and then the
// ".wormfs.o" form always finds an object that exists throughout.
//
// Each (segment, role) has one name and DecodeEntryName accepts only that
// name, so no two entries can mean the same key; other names starting with
// ".wormfs." are never keys (listings skip them).
//
// Thread-safe (pure functions).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "worm/status.h"
#include "worm/transport.h"

namespace worm::transport_internal {

inline constexpr std::string_view kEncodedNamePrefix = ".wormfs.";
inline constexpr char kNameXattr[] = "user.worm.name";
// The longest key S3 stores, in bytes.
inline constexpr size_t kMaxKeyBytes = 1024;

// True when `key` is its own path (every segment plain, 1 to kMaxKeyBytes
// bytes, no NUL): the fast path, with no encoding work.
bool IsPlainKey(std::string_view key);

// True when the segment's name on disk is a hashed one (needs kNameXattr).
bool IsHashedName(std::string_view name);

// The name on disk of a folder segment, or of a file segment whose name no
// folder holds. `at_root`: the segment is the key's first.
std::string SegmentName(std::string_view segment, bool at_root);
// The file name of an object whose segment's name (SegmentName) a folder holds.
std::string ObjectBesideFolderName(std::string_view segment, bool at_root);

// Where a key lives. Paths are relative to the root, '/'-separated, and may
// be longer than PATH_MAX (OpenBeneath resolves them piecewise).
struct KeyPath {
  std::string folder;       // the folders of the key's segments but the last; "" at the root
  std::string leaf;         // SegmentName of the last segment
  std::string beside_leaf;  // ObjectBesideFolderName of the last segment
  std::string last_segment;
  // folder + "/" + leaf, and the same with beside_leaf ("leaf" at the root).
  std::string path() const { return Join(leaf); }
  std::string beside_path() const { return Join(beside_leaf); }
  std::string Join(std::string_view name) const {
    return folder.empty() ? std::string(name) : folder + "/" + std::string(name);
  }
};

// InvalidArgument naming the key when S3 would not store it either (empty,
// over kMaxKeyBytes) or it holds a NUL byte; else fills *out.
Status EncodeKey(std::string_view op, const Key& key, KeyPath* out);

// The on-disk path of a folder prefix: "" (the root) or a prefix ending in
// '/' ("a/b/"; "/" is the folder of the empty first segment).
std::string EncodeFolder(std::string_view folder_prefix);

// What an entry of a folder means.
struct DecodedName {
  std::string segment;
  bool beside_folder = false;  // a ".wormfs.o" name: must be a file
};
// `name` is an entry of a folder (`at_root`: the root); `read_name` returns
// the kNameXattr of that entry (only asked for hashed names; nullopt when it
// has none). Nullopt when the entry is no part of any key.
template <typename ReadNameFn>
std::optional<DecodedName> DecodeEntryName(std::string_view name, bool at_root,
                                           ReadNameFn&& read_name);

// ---- implementation details of DecodeEntryName --------------------------------
namespace keys_detail {
enum class NameForm { kPlain, kNotAKey, kHashed, kDecoded };
// Decodes every form but the hashed one (which needs the xattr).
NameForm DecodeWithoutXattr(std::string_view name, bool at_root, DecodedName* out);
// Whether `segment` really is what hashed name `name` stands for.
bool HashedNameMatches(std::string_view name, std::string_view segment, bool at_root,
                       bool beside_folder);
}  // namespace keys_detail

template <typename ReadNameFn>
std::optional<DecodedName> DecodeEntryName(std::string_view name, bool at_root,
                                           ReadNameFn&& read_name) {
  DecodedName out;
  switch (keys_detail::DecodeWithoutXattr(name, at_root, &out)) {
    case keys_detail::NameForm::kPlain:
    case keys_detail::NameForm::kDecoded:
      return out;
    case keys_detail::NameForm::kNotAKey:
      return std::nullopt;
    case keys_detail::NameForm::kHashed: {
      std::optional<std::string> segment = read_name();
      if (!segment || !keys_detail::HashedNameMatches(name, *segment, at_root, out.beside_folder)) {
        return std::nullopt;
      }
      out.segment = std::move(*segment);
      return out;
    }
  }
  return std::nullopt;
}

}  // namespace worm::transport_internal

// The local backend's API for other layers beyond NewLocalTransport
// (worm/transport.h): what a program that serves a folder itself needs
// (`worm serve`): transports over folders it opened, and an object's file
// opened with the metadata of those very bytes, so it can send them
// zero-copy. The rest of src/transport/local/ is the backend's own: no other
// layer includes it (ctest: local_backend_includes,
// scripts/check_local_includes.sh). The on-disk format: docs/local-backend.md.
//
// Thread-safety: all functions are thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "transport/local/unique_fd.h"
#include "worm/transport.h"

namespace worm::local {

// NewLocalTransport over the folder `root_fd` already names (taken over;
// `root` must be its path: messages name it, and the backend's temp and lock
// files are reached through it): for a caller that opened the root itself
// beneath a folder of its own, so no symlink swapped in later can move the
// objects. InvalidArgument when `root_fd` is invalid, or when the backend's
// reserved folder (kLocalReservedDir) in it is a symbolic link or a file.
Result<std::shared_ptr<Transport>> NewTransportAt(UniqueFd root_fd, const std::string& root,
                                                  LocalTransportOptions options);

// A local transport over the folder `rel` (a relative path) beneath the
// folder open as `base_fd`, whose missing folders are made on the way, none
// reached through a symbolic link. InvalidArgument when a symlink or a file
// is in the way. `root` must be the folder's path (as for NewTransportAt).
Result<std::shared_ptr<Transport>> NewTransportBeneath(int base_fd, std::string_view rel,
                                                       const std::string& root,
                                                       LocalTransportOptions options);

// Objects of at most this size may have ObjectFile::zero_copy false.
inline constexpr uint64_t kMaxCopiedBytes = 64 * 1024;

// An object's file, open for reading, and the metadata of the bytes it reads.
struct ObjectFile {
  UniqueFd fd;
  // The metadata of the file `fd` is open on (its inode): never another
  // version's, even when a writer replaces the object meanwhile. While `fd`
  // is open the backend never changes these bytes (a write renames another
  // file into place); only a tool editing the file in place could.
  ObjectMeta meta;
  // Whether the bytes may be handed to the kernel by reference (sendfile(2),
  // splice(2)): they stay as they are after `fd` is closed while a socket
  // still holds them. When false the sender copies (read(2)) what it sends
  // before closing `fd`. False only for objects of at most kMaxCopiedBytes.
  bool zero_copy = false;
};

// Opens `key` of `transport` (one NewLocalTransport or the functions above
// made). NotFound, InvalidArgument and FailedPrecondition (`options`'
// conditions; its range is ignored) as Get gives them; InvalidArgument when
// `transport` is not a local one.
Result<ObjectFile> OpenObjectFile(Transport* transport, const Key& key,
                                  const ReadOptions& options = {});

}  // namespace worm::local

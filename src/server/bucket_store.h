// BucketStore: the buckets `worm serve` exposes and where their bytes live.
//
// Two layouts:
//  - project mode: one bucket (named in .worm/config.json, "local" by
//    default) whose root is the project's .worm/data folder;
//  - root mode (--root DIR): every sub-folder of DIR with a valid S3 bucket
//    name is a bucket; CreateBucket / DeleteBucket make and remove folders.
//
// Objects are stored through NewLocalTransport (atomic temp + fsync + rename,
// metadata in xattrs), so `worm serve`, `worm dev` and the local transport
// see the same plain files. Multipart uploads are staged on disk under
// <bucket root>/.wormfs/uploads/ (next to the transport's tmp/ and locks/;
// never listed), so they survive a restart (layout, completion records and
// the sweep of abandoned uploads: upload_staging.h).
//
// Symlinks: worm serve follows none below the folder it was given. A bucket
// root is opened once (in root mode, a sub-folder that is a symlink is no
// bucket) and every key is resolved beneath that descriptor by the local
// backend: a symlink inside a bucket is neither an object nor a folder of keys.
//
// Thread-safety: all methods are safe to call concurrently.
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "transport/local/local_object.h"
#include "worm/clock.h"
#include "worm/transport.h"

namespace worm::server {

// Folder under a bucket root where multipart uploads are staged.
std::string UploadsDir(const std::string& bucket_root);

struct BucketAccessState;  // access_control.h

struct Bucket {
  std::string name;
  std::string root;  // folder of the bucket's objects (for messages)
  // That folder, opened when the bucket was (the transports hold their own
  // duplicates of it); GET opens object files through the local backend
  // (local::OpenObjectFile) to send them with sendfile(2).
  local::UniqueFd root_fd;
  dev_t dev = 0;  // the folder's identity: a folder recreated at the path is another bucket
  ino_t ino = 0;
  std::shared_ptr<Transport> objects;  // local transport over `root`
  std::shared_ptr<Transport> uploads;  // local transport over UploadsDir(root)
  // Local transport over <root>/.wormfs/access: the bucket's access record
  // (owner, ACL, policy, Block Public Access, ownership; access_control.h).
  std::shared_ptr<Transport> system;
  int64_t created_ms = 0;
  // That record as last loaded or written; guarded by access_mu. Replaced
  // whole, never edited, so readers keep a consistent snapshot.
  std::mutex access_mu;
  std::shared_ptr<const BucketAccessState> access;
};

struct BucketStoreOptions {
  std::string root;                      // project: .worm/data; root mode: the folder of buckets
  bool root_mode = false;                // true with --root
  std::string project_bucket = "local";  // project mode only
  bool sync = true;                      // fsync before acknowledging writes
  Clock* clock = nullptr;                // for the transports' mtimes; null: the filesystem's
  int64_t max_watches = -1;              // the transports' LocalTransportOptions::max_watches
};

struct BucketInfo {
  std::string name;
  int64_t created_ms = 0;
};

class BucketStore {
 public:
  explicit BucketStore(BucketStoreOptions options);

  // NoSuchBucket when missing; InvalidBucketName for names S3 would refuse.
  Result<std::shared_ptr<Bucket>> Get(const std::string& name);
  // The bucket if it was opened before, without checking that its folder
  // still exists (no syscall); null otherwise. For hot paths that detect a
  // vanished folder themselves (ENOENT) and then call Get.
  std::shared_ptr<Bucket> Cached(const std::string& name);
  Result<std::vector<BucketInfo>> List();
  // BucketAlreadyOwnedByYou when it exists; AccessDenied in project mode for
  // any other name.
  Status Create(const std::string& name);
  // BucketNotEmpty unless empty (staged uploads are discarded).
  Status Delete(const std::string& name);

  const BucketStoreOptions& options() const { return options_; }

 private:
  Result<std::string> RootOf(const std::string& name) const;

  BucketStoreOptions options_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<Bucket>> open_;  // guarded by mu_
};

// InvalidBucketName unless `name` follows S3's bucket naming rules.
Status ValidateBucketName(const std::string& name);

}  // namespace worm::server

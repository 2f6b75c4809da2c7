#include "server/bucket_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>

#include "server/s3_errors.h"

namespace worm::server {

namespace fs = std::filesystem;

std::string UploadsDir(const std::string& bucket_root) {
  return bucket_root + "/" + std::string(kLocalReservedDir) + "/uploads";
}

Status ValidateBucketName(const std::string& name) {
  auto bad = [&](std::string_view why) {
    return S3Error(S3Code::kInvalidBucketName,
                   "The specified bucket is not valid: '" + name + "' " + std::string(why));
  };
  if (name.size() < 3 || name.size() > 63) return bad("must be 3 to 63 characters long");
  for (char c : name) {
    if (!(std::islower(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '.')) {
      return bad("may hold only lowercase letters, digits, '.' and '-'");
    }
  }
  auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  if (!alnum(name.front()) || !alnum(name.back()))
    return bad("must start and end with a letter or digit");
  if (name.find("..") != std::string::npos || name.find(".-") != std::string::npos ||
      name.find("-.") != std::string::npos) {
    return bad("must not hold '..', '.-' or '-.'");
  }
  if (name.find_first_not_of("0123456789.") == std::string::npos)
    return bad("must not look like an IP address");
  return Status::OK();
}

BucketStore::BucketStore(BucketStoreOptions options) : options_(std::move(options)) {}

Result<std::string> BucketStore::RootOf(const std::string& name) const {
  if (!options_.root_mode) {
    if (name != options_.project_bucket) {
      return S3Error(S3Code::kNoSuchBucket, "The specified bucket does not exist: '" + name +
                                                "' (this server has one bucket, '" +
                                                options_.project_bucket + "')");
    }
    return options_.root;
  }
  RETURN_NOT_OK(ValidateBucketName(name));
  return options_.root + "/" + name;
}

Result<std::shared_ptr<Bucket>> BucketStore::Get(const std::string& name) {
  using local::UniqueFd;
  ASSIGN_OR_RETURN(std::string root, RootOf(name));
  auto missing = [&] {
    std::lock_guard<std::mutex> lock(mu_);
    open_.erase(name);
    return S3Error(S3Code::kNoSuchBucket, "The specified bucket does not exist: '" + name + "'");
  };
  // Root mode: a bucket is a real sub-folder, not a symlink (lstat, then
  // O_NOFOLLOW). The project's data folder is the operator's to place.
  struct stat st;
  const int got = options_.root_mode ? ::lstat(root.c_str(), &st) : ::stat(root.c_str(), &st);
  if (got != 0 || !S_ISDIR(st.st_mode)) return missing();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = open_.find(name);
  if (it != open_.end() && it->second->dev == st.st_dev && it->second->ino == st.st_ino) {
    return it->second;
  }
  const int nofollow = options_.root_mode ? O_NOFOLLOW : 0;
  UniqueFd fd(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | nofollow));
  if (!fd.valid() || ::fstat(fd.get(), &st) != 0) {
    open_.erase(name);
    return S3Error(S3Code::kNoSuchBucket, "The specified bucket does not exist: '" + name + "'");
  }
  auto bucket = std::make_shared<Bucket>();
  bucket->name = name;
  bucket->root = root;
  bucket->dev = st.st_dev;
  bucket->ino = st.st_ino;
  bucket->created_ms = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000;
  LocalTransportOptions lo;
  lo.sync = options_.sync;
  lo.clock = options_.clock;
  lo.max_watches = options_.max_watches;
  UniqueFd objects_fd(::fcntl(fd.get(), F_DUPFD_CLOEXEC, 0));
  if (!objects_fd.valid())
    return Status::Internal("open bucket '" + name + "': out of descriptors");
  Result<std::shared_ptr<Transport>> objects =
      local::NewTransportAt(std::move(objects_fd), root, lo);
  if (!objects.ok()) {  // the transport's message names the folder: not for clients
    return Status::Internal("open bucket '" + name + "': " +
                            (objects.status().IsInvalidArgument()
                                 ? "its reserved folder " + std::string(kLocalReservedDir) +
                                       " is not a folder (a symbolic link or a file)"
                                 : "its folder cannot be opened"));
  }
  bucket->objects = std::move(*objects);
  // The staging folder beneath the bucket's reserved folder (which the
  // transport just made and checked), reached without following symlinks.
  Result<std::shared_ptr<Transport>> uploads = local::NewTransportBeneath(
      fd.get(), std::string(kLocalReservedDir) + "/uploads", UploadsDir(root), lo);
  if (!uploads.ok()) {  // as above: the message names the folder
    return Status::Internal(
        "open bucket '" + name + "': cannot open its staging folder" +
        (uploads.status().IsInvalidArgument() ? " (a symbolic link or a file is in the way)" : ""));
  }
  bucket->uploads = std::move(*uploads);
  Result<std::shared_ptr<Transport>> system = local::NewTransportBeneath(
      fd.get(), std::string(kLocalReservedDir) + "/access", root + "/" +
      std::string(kLocalReservedDir) + "/access", lo);
  if (!system.ok()) {  // as above: the message names the folder
    return Status::Internal(
        "open bucket '" + name + "': cannot open its access folder" +
        (system.status().IsInvalidArgument() ? " (a symbolic link or a file is in the way)" : ""));
  }
  bucket->system = std::move(*system);
  bucket->root_fd = std::move(fd);
  open_[name] = bucket;
  return bucket;
}

std::shared_ptr<Bucket> BucketStore::Cached(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = open_.find(name);
  return it == open_.end() ? nullptr : it->second;
}

Result<std::vector<BucketInfo>> BucketStore::List() {
  std::vector<BucketInfo> out;
  if (!options_.root_mode) {
    ASSIGN_OR_RETURN(std::shared_ptr<Bucket> b, Get(options_.project_bucket));
    out.push_back({b->name, b->created_ms});
    return out;
  }
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(options_.root, ec)) {
    std::string name = entry.path().filename().string();
    // A symlink is no bucket (Get refuses it too).
    struct stat st;
    if (!ValidateBucketName(name).ok() || ::lstat(entry.path().c_str(), &st) != 0 ||
        !S_ISDIR(st.st_mode)) {
      continue;
    }
    out.push_back({name, static_cast<int64_t>(st.st_mtim.tv_sec) * 1000});
  }
  if (ec) return Status::Internal("list buckets under " + options_.root + ": " + ec.message());
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.name < b.name; });
  return out;
}

Status BucketStore::Create(const std::string& name) {
  if (!options_.root_mode) {
    if (name == options_.project_bucket) {
      return S3Error(S3Code::kBucketAlreadyOwnedByYou,
                     "Your previous request to create the named bucket succeeded and you "
                     "already own it: '" +
                         name + "'");
    }
    return S3Error(S3Code::kAccessDenied, "worm serve (project mode) serves only bucket '" +
                                              options_.project_bucket +
                                              "'; start it with --root DIR to create buckets");
  }
  ASSIGN_OR_RETURN(std::string root, RootOf(name));
  if (::mkdir(root.c_str(), 0777) != 0) {
    if (errno == EEXIST) {
      return S3Error(S3Code::kBucketAlreadyOwnedByYou,
                     "Your previous request to create the named bucket succeeded and you "
                     "already own it: '" +
                         name + "'");
    }
    return Status::Internal("create bucket folder " + root + ": " + std::strerror(errno));
  }
  return Status::OK();
}

Status BucketStore::Delete(const std::string& name) {
  if (!options_.root_mode) {
    return S3Error(S3Code::kAccessDenied,
                   "worm serve (project mode) does not delete the project bucket '" + name + "'");
  }
  ASSIGN_OR_RETURN(std::shared_ptr<Bucket> bucket, Get(name));
  ListRequest req;
  req.max_keys = 1;
  ASSIGN_OR_RETURN(ListPage page, bucket->objects->List(req));
  if (!page.objects.empty() || !page.common_prefixes.empty()) {
    return S3Error(S3Code::kBucketNotEmpty,
                   "The bucket you tried to delete is not empty: '" + name + "'");
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    open_.erase(name);
  }
  std::error_code ec;
  fs::remove_all(bucket->root + "/" + std::string(kLocalReservedDir), ec);
  if (::rmdir(bucket->root.c_str()) != 0) {
    return S3Error(S3Code::kBucketNotEmpty, "The bucket you tried to delete is not empty: '" +
                                                name + "' (" + std::strerror(errno) + ")");
  }
  return Status::OK();
}

}  // namespace worm::server

#include "server/bucket_store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>

#include "server/s3_errors.h"

namespace worm::server {

namespace fs = std::filesystem;

std::string LocalObjectPath(const std::string& root, const std::string& key) {
  return root + "/" + key;
}

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
  ASSIGN_OR_RETURN(std::string root, RootOf(name));
  struct stat st;
  if (::stat(root.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    std::lock_guard<std::mutex> lock(mu_);
    open_.erase(name);
    return S3Error(S3Code::kNoSuchBucket, "The specified bucket does not exist: '" + name + "'");
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = open_.find(name);
  if (it != open_.end()) return it->second;
  auto bucket = std::make_shared<Bucket>();
  bucket->name = name;
  bucket->root = root;
  bucket->created_ms = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000;
  LocalTransportOptions lo;
  lo.sync = options_.sync;
  lo.clock = options_.clock;
  ASSIGN_OR_RETURN(bucket->objects, NewLocalTransport(root, lo));
  ASSIGN_OR_RETURN(bucket->uploads, NewLocalTransport(UploadsDir(root), lo));
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
    std::error_code ec2;
    if (!entry.is_directory(ec2) || !ValidateBucketName(name).ok()) continue;
    struct stat st;
    if (::stat(entry.path().c_str(), &st) != 0) continue;
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

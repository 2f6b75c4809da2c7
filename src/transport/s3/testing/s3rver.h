// Test helper: a real s3rver (the npm S3 server pinned in
// tests/compat/package.json) on a free loopback port, with one bucket, in a
// scratch directory removed at teardown.
//
//   ASSERT_OK_AND_ASSIGN(auto server, S3rver::Start("test-bucket"));
//   S3Options o = server->Options("prefix");
//
// Start returns Unavailable with a message beginning "s3rver unavailable"
// only when node or the npm packages are missing (tests then GTEST_SKIP);
// any other failure to start is an error. s3rver runs with
// NODE_OPTIONS=--openssl-legacy-provider (its list tokens use DES) and
// accepts only access key S3RVER (it never verifies SigV4 signatures).
//
// Thread-safety: one thread drives the process; Options() is const.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <string>

#include "transport/s3/s3_transport.h"
#include "worm/result.h"

namespace worm::s3::testing {

class S3rver {
 public:
  // Starts s3rver on 127.0.0.1 (port chosen by the kernel) with `bucket`.
  static Result<std::unique_ptr<S3rver>> Start(const std::string& bucket);
  ~S3rver();
  S3rver(const S3rver&) = delete;
  S3rver& operator=(const S3rver&) = delete;

  int port() const { return port_; }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const std::string& bucket() const { return bucket_; }

  // Options for a transport on this server's bucket under `prefix`.
  S3Options Options(const std::string& prefix = "") const;

  // Kills the server (SIGKILL); data on disk stays. Restart() brings it
  // back on the same port and directory.
  void Kill();
  Status Restart();

 private:
  S3rver() = default;
  Status Launch(int port);

  std::filesystem::path dir_;
  std::string bucket_;
  pid_t pid_ = -1;
  int out_fd_ = -1;
  int port_ = 0;
};

// True when `status` is Start's "node / npm packages missing" result.
bool IsS3rverMissing(const Status& status);

}  // namespace worm::s3::testing

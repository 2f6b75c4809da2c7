// Test helper: an S3 server outside the test process (Ceph RGW brought up
// by scripts/rgw.sh, or any S3 endpoint), selected by the environment
// (scripts/rgw.sh writes these to its env file; `rgw.sh exec` sets them):
//
//   WORM_TEST_S3_ENDPOINT    "http://127.0.0.1:<port>"; unset or empty: none
//   WORM_TEST_S3_ACCESS_KEY  credentials of a user that may create buckets
//   WORM_TEST_S3_SECRET_KEY
//   WORM_TEST_S3_REGION      signing region (default us-east-1)
//   WORM_TEST_S3_NAME        a gtest-safe name for it (default "external"; RGW: "rgw")
//
//   if (auto server = ExternalS3::FromEnv()) {
//     ASSERT_OK_AND_ASSIGN(S3Options o, server->FreshBucket("sync"));   // a new bucket
//     S3Options p = server->Options(shared_bucket, "t-" + NewUuidV4());  // a fresh prefix
//   }
//
// Unlike s3rver, such a server verifies SigV4, so the options carry the
// user's keys; a subprocess (the `worm` binary) needs them as
// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (see AwsEnv()). Buckets are not
// removed: the server is thrown away with its data (rgw.sh stop).
//
// Thread-safety: immutable after FromEnv.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "transport/s3/s3_transport.h"
#include "worm/result.h"

namespace worm::s3::testing {

class ExternalS3 {
 public:
  // The server the environment names, or nullopt when WORM_TEST_S3_ENDPOINT
  // is unset or empty. Keys missing with an endpoint set is a test failure
  // (ADD_FAILURE) and nullopt.
  static std::optional<ExternalS3> FromEnv();
  // WORM_TEST_S3_NAME (or "external") when WORM_TEST_S3_ENDPOINT is set,
  // else nullopt. Records no failure: safe before main (test registration).
  static std::optional<std::string> ConfiguredName();

  const std::string& name() const { return name_; }
  const std::string& endpoint() const { return endpoint_; }
  const std::string& region() const { return region_; }

  // Options for `bucket` under `prefix`, path-style, with the user's keys.
  S3Options Options(const std::string& bucket, const std::string& prefix = "") const;

  // Creates a new bucket "<stem>-<12 random hex>" (stem: lowercase letters,
  // digits, '-'; at most 40 bytes) and returns Options for it under `prefix`.
  Result<S3Options> FreshBucket(const std::string& stem, const std::string& prefix = "") const;

  // AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_REGION for a child process.
  std::map<std::string, std::string> AwsEnv() const;

 private:
  ExternalS3() = default;
  std::string name_;
  std::string endpoint_;
  std::string access_key_;
  std::string secret_key_;
  std::string region_;
};

}  // namespace worm::s3::testing

#include "transport/s3/testing/external_s3.h"

#include <cstdlib>

#include "core/random.h"
#include "testing/test_util.h"

namespace worm::s3::testing {
namespace {

std::string Env(const char* name, const char* fallback = "") {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : fallback;
}

}  // namespace

std::optional<std::string> ExternalS3::ConfiguredName() {
  if (Env("WORM_TEST_S3_ENDPOINT").empty()) return std::nullopt;
  return Env("WORM_TEST_S3_NAME", "external");
}

std::optional<ExternalS3> ExternalS3::FromEnv() {
  ExternalS3 s;
  s.endpoint_ = Env("WORM_TEST_S3_ENDPOINT");
  if (s.endpoint_.empty()) return std::nullopt;
  s.access_key_ = Env("WORM_TEST_S3_ACCESS_KEY");
  s.secret_key_ = Env("WORM_TEST_S3_SECRET_KEY");
  s.region_ = Env("WORM_TEST_S3_REGION", "us-east-1");
  s.name_ = Env("WORM_TEST_S3_NAME", "external");
  if (s.access_key_.empty() || s.secret_key_.empty()) {
    ADD_FAILURE() << "WORM_TEST_S3_ENDPOINT is set but WORM_TEST_S3_ACCESS_KEY or "
                     "WORM_TEST_S3_SECRET_KEY is not";
    return std::nullopt;
  }
  return s;
}

S3Options ExternalS3::Options(const std::string& bucket, const std::string& prefix) const {
  S3Options o;
  o.bucket = bucket;
  o.prefix = prefix;
  o.endpoint = endpoint_;
  o.region = region_;
  o.path_style = true;
  o.credentials = SigningCredentials{access_key_, secret_key_, ""};
  o.connect_timeout_ms = 5'000;
  o.low_speed_time_s = 30;
  return o;
}

Result<S3Options> ExternalS3::FreshBucket(const std::string& stem,
                                          const std::string& prefix) const {
  if (stem.empty() || stem.size() > 40 ||
      stem.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") != std::string::npos) {
    return Status::InvalidArgument("external S3: bad bucket stem '" + stem + "'");
  }
  std::string bucket = stem + "-" + NewUuidV4().substr(0, 8) + NewUuidV4().substr(0, 4);
  S3Options o = Options(bucket, prefix);
  ASSIGN_OR_RETURN(std::shared_ptr<S3Transport> t, S3Transport::Make(o));
  RETURN_NOT_OK(t->CreateBucket().WithContext(name_ + " at " + endpoint_));
  return o;
}

std::map<std::string, std::string> ExternalS3::AwsEnv() const {
  return {{"AWS_ACCESS_KEY_ID", access_key_},
          {"AWS_SECRET_ACCESS_KEY", secret_key_},
          {"AWS_REGION", region_}};
}

}  // namespace worm::s3::testing

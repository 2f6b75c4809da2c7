#include "transport/s3/s3_config.h"

#include "testing/test_util.h"

namespace worm {
namespace {

using ::worm::testing::StatusIs;
using ::worm::testing::StatusIsWithMessage;

TEST(S3ConfigTest, ParsesARemote) {
  Json config = Json::parse(R"({"remotes": {"origin": {"url": "s3://my-bucket/app/data",
      "endpoint": "http://127.0.0.1:9000", "region": "eu-west-1", "pathStyle": true,
      "profile": "dev"}}, "serve": {"port": 9000}})");
  ASSERT_OK_AND_ASSIGN(S3Options o, S3OptionsFromConfig(config, "origin"));
  EXPECT_EQ(o.bucket, "my-bucket");
  EXPECT_EQ(o.prefix, "app/data");
  EXPECT_EQ(o.endpoint, "http://127.0.0.1:9000");
  EXPECT_EQ(o.region, "eu-west-1");
  EXPECT_EQ(o.path_style, true);
  EXPECT_EQ(o.profile, "dev");
}

TEST(S3ConfigTest, DefaultsAndErrors) {
  Json config = Json::parse(R"({"remotes": {"a": {"url": "s3://b"}, "bad": {"url": "http://x"},
      "leaky": {"url": "s3://b", "secretAccessKey": "x"}, "typo": {"url": "s3://b", "pathStyle": "yes"}}})");
  ASSERT_OK_AND_ASSIGN(S3Options o, S3OptionsFromConfig(config, "a"));
  EXPECT_EQ(o.bucket, "b");
  EXPECT_EQ(o.prefix, "");
  EXPECT_EQ(o.region, "us-east-1");
  EXPECT_FALSE(o.path_style.has_value());
  EXPECT_THAT(S3OptionsFromConfig(config, "zzz"),
              StatusIsWithMessage(StatusCode::kNotFound, "a, bad"));
  EXPECT_THAT(S3OptionsFromConfig(config, "bad"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(S3OptionsFromConfig(config, "leaky"),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "never live in config.json"));
  EXPECT_THAT(S3OptionsFromConfig(config, "typo"),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "remotes.typo.pathStyle"));
}

TEST(S3ConfigTest, AddressingFromOptions) {
  S3Options o;
  ASSERT_OK(ParseS3Url("s3://my.bucket/p", &o));
  o.credentials = s3::SigningCredentials{"a", "b", ""};
  ASSERT_OK_AND_ASSIGN(auto t, S3Transport::Make(o));  // no request is made
  ASSERT_OK_AND_ASSIGN(std::string url, t->PresignUrl("GET", "k", 60));
  EXPECT_EQ(url.rfind("https://s3.us-east-1.amazonaws.com/my.bucket/p/k?", 0), 0u) << url;
  o.bucket = "plain";
  ASSERT_OK_AND_ASSIGN(t, S3Transport::Make(o));
  ASSERT_OK_AND_ASSIGN(url, t->PresignUrl("GET", "k", 60));
  EXPECT_EQ(url.rfind("https://plain.s3.us-east-1.amazonaws.com/p/k?", 0), 0u) << url;
  o.endpoint = "ftp://x";
  EXPECT_THAT(S3Transport::Make(o), StatusIs(StatusCode::kInvalidArgument));
  o.endpoint = "";
  o.part_size = 1024;
  EXPECT_THAT(S3Transport::Make(o), StatusIs(StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace worm

#include "transport/s3/credentials.h"

#include <map>

#include "testing/test_util.h"

namespace worm::s3 {
namespace {

using ::worm::testing::ScratchDir;
using ::worm::testing::StatusIs;
using ::worm::testing::WriteFileOrDie;

EnvLookup FakeEnv(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(CredentialsTest, EnvironmentVariablesComeFirst) {
  ASSERT_OK_AND_ASSIGN(auto r, ResolveCredentials("p", FakeEnv({{"AWS_ACCESS_KEY_ID", "AK"},
                                                                {"AWS_SECRET_ACCESS_KEY", "SK"},
                                                                {"AWS_SESSION_TOKEN", "TOK"},
                                                                {"HOME", "/nonexistent"}})));
  EXPECT_EQ(r.credentials.access_key_id, "AK");
  EXPECT_EQ(r.credentials.secret_access_key, "SK");
  EXPECT_EQ(r.credentials.session_token, "TOK");
  EXPECT_EQ(r.source, "environment");
}

TEST(CredentialsTest, ProfilesFromSharedFiles) {
  ScratchDir dir;
  auto creds = dir.path() / "credentials";
  auto config = dir.path() / "config";
  WriteFileOrDie(creds,
                 "[default]\naws_access_key_id = DEF\naws_secret_access_key = DEFSECRET\n"
                 "# comment\n[work]\r\naws_access_key_id=WORK\r\naws_secret_access_key = W/S+\r\n"
                 "aws_session_token = WT\n");
  WriteFileOrDie(config,
                 "[default]\nregion = eu-west-1\n[profile cfg]\nregion = ap-south-1\n"
                 "aws_access_key_id = CFG\naws_secret_access_key = CFGS\n");
  std::map<std::string, std::string> env = {{"AWS_SHARED_CREDENTIALS_FILE", creds.string()},
                                            {"AWS_CONFIG_FILE", config.string()}};
  ASSERT_OK_AND_ASSIGN(auto def, ResolveCredentials("", FakeEnv(env)));
  EXPECT_EQ(def.credentials.access_key_id, "DEF");
  EXPECT_EQ(def.region, "eu-west-1");

  ASSERT_OK_AND_ASSIGN(auto work, ResolveCredentials("work", FakeEnv(env)));
  EXPECT_EQ(work.credentials.secret_access_key, "W/S+");
  EXPECT_EQ(work.credentials.session_token, "WT");

  env["AWS_PROFILE"] = "cfg";  // overrides the remote's profile
  ASSERT_OK_AND_ASSIGN(auto cfg, ResolveCredentials("work", FakeEnv(env)));
  EXPECT_EQ(cfg.credentials.access_key_id, "CFG");
  EXPECT_EQ(cfg.region, "ap-south-1");

  env["AWS_PROFILE"] = "absent";
  EXPECT_THAT(ResolveCredentials("", FakeEnv(env)), StatusIs(StatusCode::kUnauthenticated));
}

TEST(CredentialsTest, HomeDirectoryDefaultAndBrokenProfile) {
  ScratchDir dir;
  WriteFileOrDie(dir.path() / ".aws/credentials", "[default]\naws_access_key_id = ONLYID\n");
  EXPECT_THAT(ResolveCredentials("", FakeEnv({{"HOME", dir.path().string()}})),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ResolveCredentials("", FakeEnv({{"HOME", "/nonexistent"}})),
              StatusIs(StatusCode::kUnauthenticated));
}

}  // namespace
}  // namespace worm::s3

#include "sync/remote_config.h"

#include "testing/test_util.h"

namespace worm::sync {
namespace {

using worm::testing::StatusIs;

TEST(RemoteConfigTest, AddListRemoveKeepsOtherKeys) {
  Json config = Json::parse(R"({"serve": {"port": 9000}, "remotes": {}})");
  RemoteConfig r;
  r.name = "origin";
  r.url = "s3://my-bucket/app/data";
  r.endpoint = "http://127.0.0.1:9000";
  r.path_style = true;
  ASSERT_OK(AddRemote(&config, r));
  EXPECT_THAT(AddRemote(&config, r), StatusIs(StatusCode::kAlreadyExists));
  ASSERT_OK_AND_ASSIGN(auto all, ListRemotes(config));
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].url, r.url);
  EXPECT_EQ(all[0].path_style, std::optional<bool>(true));
  EXPECT_EQ(config["serve"]["port"], 9000);
  ASSERT_OK(RemoveRemote(&config, "origin"));
  EXPECT_THAT(RemoveRemote(&config, "origin"), StatusIs(StatusCode::kNotFound));
  EXPECT_EQ(config["serve"]["port"], 9000);
}

TEST(RemoteConfigTest, RefusesBadUrlsAndNames) {
  for (const char* bad :
       {"http://x", "s3://", "s3://A_B", "s3://ab", "s3://bucket//x", "file://relative"}) {
    EXPECT_THAT(ValidateRemoteUrl(bad), StatusIs(StatusCode::kInvalidArgument)) << bad;
  }
  for (const char* good : {"s3://my-bucket", "s3://my.bucket/a/b", "file:///tmp/x"}) {
    EXPECT_OK(ValidateRemoteUrl(good));
  }
  EXPECT_THAT(ValidateRemoteName("bad name"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ValidateRemoteName("-x"), StatusIs(StatusCode::kInvalidArgument));
}

TEST(RemoteConfigTest, DefaultRemoteIsOriginOrTheOnlyOne) {
  Json one = Json::parse(R"({"remotes": {"backup": {"url": "s3://bucket-b"}}})");
  ASSERT_OK_AND_ASSIGN(RemoteConfig r, SelectRemote(one, ""));
  EXPECT_EQ(r.name, "backup");
  Json two = Json::parse(
      R"({"remotes": {"backup": {"url": "s3://bucket-b"}, "origin": {"url": "s3://bucket-o"}}})");
  ASSERT_OK_AND_ASSIGN(r, SelectRemote(two, ""));
  EXPECT_EQ(r.name, "origin");
  Json ambiguous =
      Json::parse(R"({"remotes": {"a": {"url": "s3://bucket-a"}, "b": {"url": "s3://bucket-b"}}})");
  EXPECT_THAT(SelectRemote(ambiguous, ""), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(SelectRemote(ambiguous, "c"), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(SelectRemote(Json::object(), ""), StatusIs(StatusCode::kNotFound));
}

TEST(RemoteConfigTest, SaveIsAtomicAndLoadsBack) {
  worm::testing::ScratchDir dir;
  std::string path = (dir.path() / "config.json").string();
  ASSERT_OK_AND_ASSIGN(Json missing, LoadConfig(path));
  EXPECT_TRUE(missing["remotes"].empty());
  Json c = {{"remotes", {{"origin", {{"url", "s3://bucket-x"}}}}}, {"other", 1}};
  ASSERT_OK(SaveConfig(path, c));
  ASSERT_OK_AND_ASSIGN(Json back, LoadConfig(path));
  EXPECT_EQ(back, c);
  worm::testing::WriteFileOrDie(path, "{not json");
  EXPECT_THAT(LoadConfig(path), StatusIs(StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace worm::sync

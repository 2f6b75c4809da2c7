#include "core/layout.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/test_util.h"

namespace worm::layout {
namespace {

namespace fs = std::filesystem;
using ::worm::testing::StatusIs;

TEST(LayoutTest, SentinelBodiesAreTheBytesInBuckets) {
  EXPECT_EQ(BucketSentinelBody(), "{\"format\":1}\n");
  EXPECT_EQ(CollectionSentinelBody("Customer"), "{\"format\":1,\"model\":\"Customer\"}\n");
}

TEST(LayoutTest, ParseSentinelReadsEveryShapeWritten) {
  ASSERT_OK_AND_ASSIGN(Sentinel bucket, ParseSentinel(BucketSentinelBody()));
  EXPECT_EQ(bucket.format, 1);
  EXPECT_EQ(bucket.model, "");
  ASSERT_OK_AND_ASSIGN(Sentinel coll, ParseSentinel(CollectionSentinelBody("Customer")));
  EXPECT_EQ(coll.format, 1);
  EXPECT_EQ(coll.model, "Customer");
  // What `worm push` wrote before it used these bodies: no newline, a "tool".
  ASSERT_OK_AND_ASSIGN(Sentinel pushed, ParseSentinel("{\"format\":1,\"tool\":\"s3worm\"}"));
  EXPECT_EQ(pushed.format, 1);
  EXPECT_EQ(pushed.model, "");
  ASSERT_OK_AND_ASSIGN(Sentinel pushed_coll, ParseSentinel("{\"format\":1,\"model\":\"Order\"}"));
  EXPECT_EQ(pushed_coll.model, "Order");
}

TEST(LayoutTest, ParseSentinelRefusesWhatIsNotOne) {
  for (std::string_view bad : {"", "[]", "{}", "{\"format\":\"1\"}", "{\"format\":1.5}",
                               "{\"format\":1,\"model\":2}", "not json"}) {
    EXPECT_THAT(ParseSentinel(bad), StatusIs(StatusCode::kInvalidArgument)) << bad;
  }
}

TEST(LayoutTest, SentinelKeysAreDotWormAtAnyLevel) {
  EXPECT_TRUE(IsSentinelKey(".worm"));
  EXPECT_TRUE(IsSentinelKey("org/customers/.worm"));
  EXPECT_TRUE(IsSentinelKey("a/.worm"));
  EXPECT_FALSE(IsSentinelKey("a.worm"));
  EXPECT_FALSE(IsSentinelKey("org/x.worm"));
  EXPECT_FALSE(IsSentinelKey(".worm/x"));
  EXPECT_FALSE(IsSentinelKey(".worm.trash/a/.worm.tombstone"));
  EXPECT_FALSE(IsSentinelKey(""));
}

TEST(LayoutTest, ProjectDirNamesTheFilesUnderDotWorm) {
  ProjectDir p = ProjectDir::At("/p");
  EXPECT_EQ(p.root, fs::path("/p"));
  EXPECT_EQ(p.worm_dir, fs::path("/p/.worm"));
  EXPECT_EQ(p.schema_path(), fs::path("/p/.worm/schema.json"));
  EXPECT_EQ(p.config_path(), fs::path("/p/.worm/config.json"));
  EXPECT_EQ(p.data_dir(), fs::path("/p/.worm/data"));
  EXPECT_EQ(p.state_db(), fs::path("/p/.worm/state.db"));
  EXPECT_EQ(p.cache_dir(), fs::path("/p/.worm/cache"));
  EXPECT_EQ(p.remote_cache_dir("origin"), fs::path("/p/.worm/cache/remotes/origin"));
  EXPECT_EQ(RemoteCacheDir(p.cache_dir(), "o") / kServerBehaviourFile,
            fs::path("/p/.worm/cache/remotes/o/server.json"));
  EXPECT_EQ(DocCachePath(p.cache_dir(), "Order"), fs::path("/p/.worm/cache/Order/docs.sqlite"));
}

TEST(LayoutTest, FindProjectRootFindsTheNearestMarkerAtOrAboveStart) {
  testing::ScratchDir dir;
  const fs::path outer = dir.path() / "outer";
  const fs::path inner = outer / "a" / "inner";
  fs::create_directories(inner / "deep" / "er");
  fs::create_directories(outer / ".worm");
  testing::WriteFileOrDie(outer / ".worm" / "schema.json", "{}");
  fs::create_directories(inner / ".worm");  // no schema yet

  EXPECT_EQ(FindProjectRoot(outer), outer);
  EXPECT_EQ(FindProjectRoot(inner / "deep" / "er"), outer);  // inner has no schema.json
  EXPECT_EQ(FindProjectRoot(inner / "deep" / "er", ProjectMarker::kWormDir), inner);
  EXPECT_EQ(FindProjectRoot(outer / "a", ProjectMarker::kWormDir), outer);

  testing::WriteFileOrDie(inner / ".worm" / "schema.json", "{}");
  EXPECT_EQ(FindProjectRoot(inner / "deep"), inner);

  // A .worm that is a file marks nothing; none above means nullopt.
  const fs::path lone = dir.path() / "lone";
  fs::create_directories(lone);
  testing::WriteFileOrDie(lone / ".worm", "x");
  EXPECT_EQ(FindProjectRoot(lone, ProjectMarker::kWormDir),
            FindProjectRoot(dir.path(), ProjectMarker::kWormDir));
}

TEST(LayoutTest, ReservedNamesAreSystemNames) {
  // Every reserved name starts with '.', which no entity id may.
  for (std::string_view name : {kSentinelName, kOplogFolder, kSnapshotsFolder, kTrashFolder,
                                kTombstoneName, kProbePrefix, kManifestsPrefix}) {
    EXPECT_EQ(name.front(), '.') << name;
  }
}

}  // namespace
}  // namespace worm::layout

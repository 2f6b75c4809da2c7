#include "query/doc_cache.h"

#include <filesystem>

#include "core/hash.h"
#include "testing/test_util.h"

namespace worm::query {
namespace {

using ::worm::testing::ScratchDir;

TEST(DocCacheTest, HitOnlyWhenEtagMatches) {
  ScratchDir dir;
  ASSERT_OK_AND_ASSIGN(auto cache, DocCache::Open((dir.path() / "m" / "docs.sqlite").string()));
  std::string bytes = R"({"a":1})";
  std::string etag = Md5Hex(bytes);
  ASSERT_OK(cache->Store({{"k1", etag, bytes}}));
  EXPECT_EQ(cache->Lookup("k1", etag), bytes);
  EXPECT_EQ(cache->Lookup("k1", Md5Hex("other")), std::nullopt);
  EXPECT_EQ(cache->Lookup("k2", etag), std::nullopt);
  ASSERT_OK(cache->Erase({"k1"}));
  EXPECT_EQ(cache->Lookup("k1", etag), std::nullopt);
}

TEST(DocCacheTest, BytesThatDoNotHashToTheEtagAreAMiss) {
  ScratchDir dir;
  ASSERT_OK_AND_ASSIGN(auto cache, DocCache::Open((dir.path() / "docs.sqlite").string()));
  std::string etag = Md5Hex(R"({"a":1})");
  ASSERT_OK(cache->Store({{"k", etag, R"({"a":2})"}}));  // a lying row
  EXPECT_EQ(cache->Lookup("k", etag), std::nullopt);
  EXPECT_TRUE(cache->Lookup("k", etag, /*verify=*/false).has_value());
  EXPECT_FALSE(CachedBytesMatch(R"({"a":2})", etag));
  // Multipart-style ETags cannot be checked against the bytes: trusted by match.
  ASSERT_OK(cache->Store({{"m", "abc-2", "x"}}));
  EXPECT_EQ(cache->Lookup("m", "abc-2"), "x");
}

TEST(DocCacheTest, PersistsAndSurvivesCorruption) {
  ScratchDir dir;
  std::string path = (dir.path() / "docs.sqlite").string();
  std::string etag = Md5Hex("v");
  {
    ASSERT_OK_AND_ASSIGN(auto cache, DocCache::Open(path));
    ASSERT_OK(cache->Store({{"k", etag, "v"}}));
  }
  {
    ASSERT_OK_AND_ASSIGN(auto cache, DocCache::Open(path));
    EXPECT_EQ(cache->Lookup("k", etag), "v");
  }
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");
  ::worm::testing::WriteFileOrDie(path, "this is not a database, just garbage bytes.........");
  ASSERT_OK_AND_ASSIGN(auto cache, DocCache::Open(path));
  EXPECT_EQ(cache->Lookup("k", etag), std::nullopt);
  ASSERT_OK(cache->Store({{"k", etag, "v"}}));
  EXPECT_EQ(cache->Lookup("k", etag), "v");
}

TEST(DocCacheTest, IsMd5Etag) {
  EXPECT_TRUE(IsMd5Etag(Md5Hex("x")));
  EXPECT_FALSE(IsMd5Etag("abc-2"));
  EXPECT_FALSE(IsMd5Etag(""));
  EXPECT_FALSE(IsMd5Etag(std::string(32, 'G')));
}

}  // namespace
}  // namespace worm::query

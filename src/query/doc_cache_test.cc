#include "query/doc_cache.h"

#include <sqlite3.h>

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

TEST(DocCacheTest, BytesThatDoNotHashToTheEtagAreNeverStored) {
  ScratchDir dir;
  ASSERT_OK_AND_ASSIGN(auto cache, DocCache::Open((dir.path() / "docs.sqlite").string()));
  std::string etag = Md5Hex(R"({"a":1})");
  ASSERT_OK(cache->Store({{"k", etag, R"({"a":2})"}}));  // a lying row
  EXPECT_EQ(cache->Lookup("k", etag), std::nullopt);
  EXPECT_FALSE(BytesMatchEtag(R"({"a":2})", etag));
  EXPECT_TRUE(BytesMatchEtag(R"({"a":1})", etag));
  // Multipart-style ETags cannot be checked against the bytes: trusted by match.
  ASSERT_OK(cache->Store({{"m", "abc-2", "x"}}));
  EXPECT_EQ(cache->Lookup("m", "abc-2"), "x");
}

// Opens the cache file behind DocCache's back, runs `sql`.
void ExecRaw(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  std::string msg = err != nullptr ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << msg;
}

TEST(DocCacheTest, ARowWhoseBytesChangedAfterStoringIsAMiss) {
  ScratchDir dir;
  std::string path = (dir.path() / "docs.sqlite").string();
  std::string etag = Md5Hex(R"({"a":1})");
  {
    ASSERT_OK_AND_ASSIGN(auto cache, DocCache::Open(path));
    ASSERT_OK(cache->Store({{"k", etag, R"({"a":1})"}, {"l", etag, R"({"a":1})"}}));
  }
  // Bit rot in one row: same length, one byte off.
  ExecRaw(path, "UPDATE docs SET bytes = CAST('{\"a\":7}' AS BLOB) WHERE key = 'k'");
  ASSERT_OK_AND_ASSIGN(auto cache, DocCache::Open(path));
  EXPECT_EQ(cache->Lookup("k", etag), std::nullopt);
  EXPECT_EQ(cache->Lookup("l", etag), R"({"a":1})");
  std::vector<DocCache::Row> rows;
  ASSERT_OK(cache->ScanRange("a", "z", &rows));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].key, "l");
  // Storing it again repairs it.
  ASSERT_OK(cache->Store({{"k", etag, R"({"a":1})"}}));
  EXPECT_EQ(cache->Lookup("k", etag), R"({"a":1})");
}

TEST(DocCacheTest, AFileOfTheOldLayoutStartsEmpty) {
  ScratchDir dir;
  std::string path = (dir.path() / "docs.sqlite").string();
  std::string etag = Md5Hex("v");
  ExecRaw(path,
          "CREATE TABLE docs (key TEXT PRIMARY KEY, etag TEXT NOT NULL, bytes BLOB NOT NULL) "
          "WITHOUT ROWID; INSERT INTO docs VALUES ('k', '" +
              etag + "', 'v');");
  ASSERT_OK_AND_ASSIGN(auto cache, DocCache::Open(path));
  EXPECT_EQ(cache->Lookup("k", etag), std::nullopt);
  ASSERT_OK(cache->Store({{"k", etag, "v"}}));
  EXPECT_EQ(cache->Lookup("k", etag), "v");
  ASSERT_OK_AND_ASSIGN(auto again, DocCache::Open(path));  // already migrated: kept
  EXPECT_EQ(again->Lookup("k", etag), "v");
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

#include "sync/state_db.h"

#include "testing/test_util.h"

namespace worm::sync {
namespace {

using worm::testing::ScratchDir;

BaseEntry Entry(std::string etag) {
  BaseEntry e;
  e.local_size = e.remote_size = 3;
  e.local_etag = e.remote_etag = std::move(etag);
  e.local_mtime_ns = 42;
  e.synced_at_ms = 7;
  return e;
}

TEST(StateDbTest, RecordsSurviveReopenAndAreScopedPerRemote) {
  ScratchDir dir;
  std::string path = (dir.path() / "state.db").string();
  {
    ASSERT_OK_AND_ASSIGN(auto db, StateDb::Open(path));
    db->set_batch_size(2);
    ASSERT_OK(db->Record("origin", "a", Entry("x")));
    ASSERT_OK(db->Record("origin", "b", Entry("y")));
    ASSERT_OK(db->Record("backup", "a", Entry("z")));
    ASSERT_OK(db->Forget("origin", "b"));
  }  // destruction flushes the queued rows
  ASSERT_OK_AND_ASSIGN(auto db, StateDb::Open(path));
  ASSERT_OK_AND_ASSIGN(BaseMap origin, db->Load("origin"));
  ASSERT_EQ(origin.size(), 1u);
  EXPECT_EQ(origin["a"].local_etag, "x");
  EXPECT_EQ(origin["a"].local_mtime_ns, 42);
  ASSERT_OK_AND_ASSIGN(BaseMap backup, db->Load("backup"));
  EXPECT_EQ(backup["a"].remote_etag, "z");
}

TEST(StateDbTest, RebindingARemoteElsewhereDropsItsBase) {
  ScratchDir dir;
  ASSERT_OK_AND_ASSIGN(auto db, StateDb::Open((dir.path() / "state.db").string()));
  ASSERT_OK(db->BindRemote("origin", "s3://a"));
  ASSERT_OK(db->Record("origin", "k", Entry("x")));
  ASSERT_OK(db->BindRemote("origin", "s3://a"));
  ASSERT_OK_AND_ASSIGN(BaseMap same, db->Load("origin"));
  EXPECT_EQ(same.size(), 1u);
  ASSERT_OK(db->BindRemote("origin", "s3://b"));
  ASSERT_OK_AND_ASSIGN(BaseMap moved, db->Load("origin"));
  EXPECT_TRUE(moved.empty());
}

TEST(StateDbTest, NotADatabaseIsAnError) {
  ScratchDir dir;
  auto path = dir.path() / "state.db";
  worm::testing::WriteFileOrDie(path, std::string(4096, 'x'));
  auto db = StateDb::Open(path.string());
  EXPECT_FALSE(db.ok());
}

}  // namespace
}  // namespace worm::sync

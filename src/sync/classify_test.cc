#include "sync/classify.h"

#include <gtest/gtest.h>

namespace worm::sync {
namespace {

SideMeta M(std::string etag, uint64_t size = 1) { return SideMeta{size, std::move(etag), 0}; }

BaseEntry B(std::string local, std::string remote) {
  BaseEntry b;
  b.local_size = b.remote_size = 1;
  b.local_etag = std::move(local);
  b.remote_etag = std::move(remote);
  return b;
}

struct Case {
  const char* name;
  std::optional<std::string> local, remote;
  std::optional<std::pair<std::string, std::string>> base;
  SyncState want;
  std::string conflict;
};

TEST(ClassifyTest, EveryTransition) {
  const Case cases[] = {
      {"local only", "a", {}, {}, SyncState::kLocalAdded, ""},
      {"remote only", {}, "a", {}, SyncState::kRemoteAdded, ""},
      {"added alike", "a", "a", {}, SyncState::kInSync, ""},
      {"added differently", "a", "b", {}, SyncState::kConflict, "add/add"},
      {"unchanged", "a", "r", {{"a", "r"}}, SyncState::kUnchanged, ""},
      {"local modified", "b", "r", {{"a", "r"}}, SyncState::kLocalModified, ""},
      {"local deleted", {}, "r", {{"a", "r"}}, SyncState::kLocalDeleted, ""},
      {"remote modified", "a", "s", {{"a", "r"}}, SyncState::kRemoteModified, ""},
      {"remote deleted", "a", {}, {{"a", "r"}}, SyncState::kRemoteDeleted, ""},
      {"both deleted", {}, {}, {{"a", "r"}}, SyncState::kInSync, ""},
      {"both modified alike", "c", "c", {{"a", "r"}}, SyncState::kInSync, ""},
      {"both modified", "b", "s", {{"a", "r"}}, SyncState::kConflict, "modify/modify"},
      {"modify/delete", "b", {}, {{"a", "r"}}, SyncState::kConflict, "modify/delete"},
      {"delete/modify", {}, "s", {{"a", "r"}}, SyncState::kConflict, "delete/modify"},
  };
  for (const Case& c : cases) {
    Listing local, remote;
    BaseMap base;
    if (c.local) local["k"] = M(*c.local);
    if (c.remote) remote["k"] = M(*c.remote);
    if (c.base) base["k"] = B(c.base->first, c.base->second);
    Classification got = Classify(local, remote, base);
    ASSERT_EQ(got.entries.size(), 1u) << c.name;
    EXPECT_EQ(got.entries[0].state, c.want)
        << c.name << ": got " << SyncStateName(got.entries[0].state);
    EXPECT_EQ(got.entries[0].conflict, c.conflict) << c.name;
  }
}

TEST(ClassifyTest, SizeChangeWithSameEtagIsAChange) {
  Listing local{{"k", M("a", 2)}}, remote{{"k", M("r")}};
  BaseMap base{{"k", B("a", "r")}};
  EXPECT_EQ(Classify(local, remote, base).entries[0].state, SyncState::kLocalModified);
}

TEST(ClassifyTest, MergesThreeSortedSourcesAndCounts) {
  Listing local{{"a", M("1")}, {"c", M("3")}, {"d", M("x")}};
  Listing remote{{"b", M("2")}, {"c", M("3")}, {"d", M("y")}};
  BaseMap base{{"c", B("3", "3")}, {"e", B("5", "5")}};
  Classification got = Classify(local, remote, base);
  ASSERT_EQ(got.entries.size(), 5u);
  EXPECT_EQ(got.entries[0].key, "a");
  EXPECT_EQ(got.entries[4].key, "e");
  EXPECT_EQ(got.ahead, 1u);
  EXPECT_EQ(got.behind, 1u);
  EXPECT_EQ(got.conflicts, 1u);
  EXPECT_EQ(got.unchanged, 1u);
  EXPECT_EQ(got.in_sync, 1u);  // e: deleted on both sides
}

TEST(ClassifyTest, PlainMd5) {
  EXPECT_TRUE(IsPlainMd5("d41d8cd98f00b204e9800998ecf8427e"));
  EXPECT_FALSE(IsPlainMd5("d41d8cd98f00b204e9800998ecf8427e-2"));
  EXPECT_FALSE(IsPlainMd5("D41D8CD98F00B204E9800998ECF8427E"));
}

}  // namespace
}  // namespace worm::sync

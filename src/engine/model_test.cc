// Model test (RocksDB db_map_fuzzer style): random operations on a
// Repository over the memory transport, checked against two std::maps (live
// and trash). Seeded from gtest's --gtest_random_seed.
#include <map>
#include <random>

#include "engine/engine_test_util.h"

namespace worm::engine::testing {
namespace {

using ::worm::testing::StatusIs;

class ModelTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ModelTest, RandomOperationsMatchAMap) {
  const std::string model = GetParam();
  TestProject tp;
  Repository* repo = tp.repo(model);
  const bool soft = model == "LoggedCounter";
  unsigned seed = ::testing::UnitTest::GetInstance()->random_seed();
  std::mt19937 rng(seed);
  SCOPED_TRACE("seed " + std::to_string(seed) +
               " (rerun with --gtest_random_seed=" + std::to_string(seed) + ")");
  std::map<std::string, int> live, trash;
  const std::vector<std::string> ids = {"a", "b", "c", "d", "e", "f"};
  for (int step = 0; step < 600; ++step) {
    const std::string id = ids[rng() % ids.size()];
    const int value = static_cast<int>(rng() % 1000);
    const bool is_live = live.count(id) > 0;
    const bool in_trash = trash.count(id) > 0;
    SCOPED_TRACE("step " + std::to_string(step) + " id " + id);
    switch (rng() % 7) {
      case 0: {
        auto r = repo->Create({{"id", id}, {"n", value}});
        if (is_live) {
          EXPECT_THAT(r, StatusIs(StatusCode::kAlreadyExists));
        } else {
          ASSERT_OK(r);
          live[id] = value;
        }
        break;
      }
      case 1: {
        auto r = repo->Get({id});
        if (is_live) {
          ASSERT_OK(r);
          EXPECT_EQ(r->document["n"], live[id]);
        } else {
          EXPECT_THAT(r, StatusIs(StatusCode::kNotFound));
        }
        break;
      }
      case 2: {
        auto r = repo->Patch({id}, {{"n", value}});
        if (is_live) {
          ASSERT_OK(r);
          live[id] = value;
        } else {
          EXPECT_THAT(r, StatusIs(StatusCode::kNotFound));
        }
        break;
      }
      case 3: {
        Status st = repo->Delete({id});
        if (!is_live) {
          EXPECT_THAT(st, StatusIs(StatusCode::kNotFound));
          break;
        }
        ASSERT_OK(st);
        if (soft) trash[id] = live[id];
        live.erase(id);
        break;
      }
      case 4: {
        RemoveOptions hard;
        hard.hard = true;
        Status st = repo->Delete({id}, hard);
        if (is_live) {
          ASSERT_OK(st);
          live.erase(id);
        } else if (in_trash) {
          ASSERT_OK(st);
          trash.erase(id);
        } else {
          EXPECT_THAT(st, StatusIs(StatusCode::kNotFound));
        }
        break;
      }
      case 5: {
        auto r = repo->Restore({id});
        if (!in_trash) {
          EXPECT_THAT(r, StatusIs(StatusCode::kNotFound));
        } else if (is_live) {
          EXPECT_THAT(r, StatusIs(StatusCode::kAlreadyExists));
        } else {
          ASSERT_OK(r);
          EXPECT_EQ(r->document["n"], trash[id]);
          live[id] = trash[id];
          trash.erase(id);
        }
        break;
      }
      case 6: {
        ListOptions lo;
        lo.with_deleted = (rng() % 2) == 0;
        lo.limit = 1 + static_cast<int>(rng() % 4);
        ASSERT_OK_AND_ASSIGN(auto all, repo->List(lo));
        std::map<std::string, int> got_live, got_trash;
        for (const Entity& e : all) (e.deleted ? got_trash : got_live)[e.ids[0]] = e.document["n"];
        EXPECT_EQ(got_live, live);
        if (lo.with_deleted) {
          EXPECT_EQ(got_trash, trash);
        }
        break;
      }
    }
  }
  ASSERT_OK_AND_ASSIGN(RepairReport rep, tp.project->Repair());
  EXPECT_TRUE(rep.ok()) << rep.ToJson().dump();
  EXPECT_TRUE(rep.actions.empty()) << rep.ToJson().dump();
  if (soft) {
    for (const std::string& id : ids) EXPECT_OK(repo->History({id}));
  }
}

INSTANTIATE_TEST_SUITE_P(Models, ModelTest, ::testing::Values("Counter", "LoggedCounter"));

}  // namespace
}  // namespace worm::engine::testing

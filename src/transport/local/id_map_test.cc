#include "transport/local/id_map.h"

#include <gtest/gtest.h>

#include <random>
#include <unordered_map>

namespace worm::transport_internal {
namespace {

// Random puts, erases and lookups, compared step by step with
// std::unordered_map. Ids from a small range collide in their home cells
// often, which is what backward-shift deletion must get right.
TEST(IdMapTest, BehavesLikeAnUnorderedMap) {
  for (uint64_t range : {50ull, 5000ull, ~0ull}) {
    std::mt19937_64 rng(range);
    std::uniform_int_distribution<uint64_t> id_of(0, range), op(0, 9);
    IdMap<int> map;
    std::unordered_map<uint64_t, int> want;
    for (int step = 0; step < 200000; ++step) {
      uint64_t id = id_of(rng);
      switch (op(rng)) {
        case 0:
        case 1:
        case 2:
        case 3:
          map.Put(id, step);
          want[id] = step;
          break;
        case 4:
        case 5:
        case 6:
          map.Erase(id);
          want.erase(id);
          break;
        case 7:
          if (step % 50000 == 7) {
            map.Clear();
            want.clear();
          }
          break;
        default: {
          int* got = map.Find(id);
          auto it = want.find(id);
          ASSERT_EQ(got != nullptr, it != want.end()) << "id " << id << " step " << step;
          if (got != nullptr) {
            ASSERT_EQ(*got, it->second);
          }
        }
      }
      ASSERT_EQ(map.size(), want.size());
    }
    size_t seen = 0;
    map.ForEach([&](uint64_t id, int& value) {
      ++seen;
      ASSERT_EQ(want.at(id), value);
    });
    EXPECT_EQ(seen, want.size());
    for (const auto& [id, value] : want) {
      int* got = map.Find(id);
      ASSERT_NE(got, nullptr);
      EXPECT_EQ(*got, value);
    }
  }
}

}  // namespace
}  // namespace worm::transport_internal

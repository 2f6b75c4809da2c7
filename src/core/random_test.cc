#include "core/random.h"

#include <re2/re2.h>

#include <set>

#include "testing/test_util.h"
#include "worm/clock.h"

namespace worm {
namespace {

TEST(RandomTest, UuidV4Shape) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewUuidV4();
    EXPECT_TRUE(
        RE2::FullMatch(id, "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"))
        << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(RandomTest, UuidV7SortsInCreationOrderEvenWithinOneMillisecond) {
  ManualClock clock(1'700'000'000'000'000);
  std::string prev;
  for (int i = 0; i < 5000; ++i) {
    if (i % 1000 == 0) clock.Advance(1000);
    std::string id = NewUuidV7(&clock);
    EXPECT_TRUE(
        RE2::FullMatch(id, "[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"))
        << id;
    EXPECT_LT(prev, id);
    prev = id;
  }
}

TEST(ClockTest, FormatTimestamp) {
  EXPECT_EQ(FormatTimestamp(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatTimestamp(1771927872345), "2026-02-24T10:11:12.345Z");
}

}  // namespace
}  // namespace worm

// Replays the access_policy fuzz corpus and a batch of mutations under ctest.
#include "security/fuzz_access.h"

#include <gtest/gtest.h>

#include "testing/test_util.h"

namespace worm::security {
namespace {

TEST(FuzzReplayTest, AccessPolicyCorpusAndMutations) {
  std::vector<std::string> seeds = worm::testing::ReadFuzzCorpus("access_policy");
  ASSERT_GE(seeds.size(), 5u);
  int ok = 0;
  for (const std::string& s : seeds) {
    ok += FuzzAccessPolicy(reinterpret_cast<const uint8_t*>(s.data()), s.size()).ok();
  }
  EXPECT_GE(ok, 3);  // most seeds are valid schemas with an access section
  static constexpr char kPunct[] = "{}[]\":,*#@()/$. \nabz01";
  for (const std::string& s :
       worm::testing::MutateSeeds(seeds, std::string_view(kPunct, sizeof(kPunct) - 1),
                                  ::testing::UnitTest::GetInstance()->random_seed(), 2000)) {
    (void)FuzzAccessPolicy(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  }
}

}  // namespace
}  // namespace worm::security

#include "worm/clock.h"

#include <cstdio>
#include <ctime>
#include <vector>

#include "testing/test_util.h"

namespace worm {
namespace {

// The C library's rendering, for comparison.
std::string ByGmtime(int64_t unix_millis) {
  int64_t secs = unix_millis / 1000, millis = unix_millis % 1000;
  if (millis < 0) {
    millis += 1000;
    secs -= 1;
  }
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(millis));
  return buf;
}

TEST(ClockTest, TimestampsMatchTheCLibrary) {
  EXPECT_EQ(FormatTimestamp(1771927872345), "2026-02-24T10:11:12.345Z");
  // Around 1970, leap days, 2100, the first and last four-digit years and past them.
  std::vector<int64_t> cases = {0,
                                1,
                                -1,
                                999,
                                -999,
                                86399999,
                                -86400000,
                                951782400000,
                                1709251199999,
                                4107542400000,
                                253402300799999,
                                -62167219200000,
                                253402300800000,
                                -62167219200001};
  for (int64_t t = -5000000000000; t < 20000000000000; t += 7777777777) cases.push_back(t);
  for (int64_t t : cases) {
    std::string out = "x";
    AppendTimestamp(&out, t);
    EXPECT_EQ(out, "x" + ByGmtime(t)) << t;
    EXPECT_EQ(FormatTimestamp(t), ByGmtime(t)) << t;
  }
}

}  // namespace
}  // namespace worm

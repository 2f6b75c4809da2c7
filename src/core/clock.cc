#include "worm/clock.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace worm {

namespace {
class SystemClock final : public Clock {
 public:
  int64_t NowMicros() override {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};
}  // namespace

Clock* Clock::Default() {
  static SystemClock* clock = new SystemClock();
  return clock;
}

namespace {

void AppendDigits(std::string* out, int64_t v, int width) {
  char buf[8];
  for (int i = width - 1; i >= 0; --i, v /= 10) buf[i] = static_cast<char>('0' + v % 10);
  out->append(buf, width);
}

// Years outside 0..9999 (not four digits), by the C library.
void AppendTimestampSlow(std::string* out, int64_t unix_millis) {
  int64_t secs = unix_millis / 1000;
  int64_t millis = unix_millis % 1000;
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
  *out += buf;
}

}  // namespace

void AppendTimestamp(std::string* out, int64_t unix_millis) {
  int64_t days = unix_millis / 86'400'000, ms_of_day = unix_millis % 86'400'000;
  if (ms_of_day < 0) {
    ms_of_day += 86'400'000;
    days -= 1;
  }
  // H. Hinnant's civil_from_days.
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = yoe + era * 400 + (m <= 2);
  if (y < 0 || y > 9999) return AppendTimestampSlow(out, unix_millis);
  AppendDigits(out, y, 4);
  out->push_back('-');
  AppendDigits(out, m, 2);
  out->push_back('-');
  AppendDigits(out, d, 2);
  out->push_back('T');
  AppendDigits(out, ms_of_day / 3'600'000, 2);
  out->push_back(':');
  AppendDigits(out, ms_of_day / 60'000 % 60, 2);
  out->push_back(':');
  AppendDigits(out, ms_of_day / 1000 % 60, 2);
  out->push_back('.');
  AppendDigits(out, ms_of_day % 1000, 3);
  out->push_back('Z');
}

std::string FormatTimestamp(int64_t unix_millis) {
  std::string out;
  AppendTimestamp(&out, unix_millis);
  return out;
}

}  // namespace worm

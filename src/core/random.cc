#include "core/random.h"

#include <sodium.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>

#include "worm/clock.h"

namespace worm {

namespace {
void EnsureSodium() {
  static const int init = sodium_init();
  (void)init;  // -1 only if the kernel RNG is unusable; randombytes then aborts.
}

std::string FormatUuid(const uint8_t b[16]) {
  char buf[37];
  std::snprintf(buf, sizeof(buf),
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
                b[15]);
  return buf;
}
}  // namespace

std::string RandomBytes(size_t n) {
  EnsureSodium();
  std::string out(n, '\0');
  randombytes_buf(out.data(), n);
  return out;
}

uint64_t RandomU64() {
  uint64_t v;
  EnsureSodium();
  randombytes_buf(&v, sizeof(v));
  return v;
}

std::string NewUuidV4() {
  EnsureSodium();
  uint8_t b[16];
  randombytes_buf(b, sizeof(b));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  return FormatUuid(b);
}

std::string NewUuidV7(Clock* clock) {
  EnsureSodium();
  // RFC 9562 §6.2 method 1: a 12-bit counter in rand_a keeps order within a ms.
  static std::mutex mu;
  static int64_t last_ms = -1;
  static uint16_t counter = 0;
  int64_t ms = clock->NowMillis();
  uint16_t seq;
  {
    std::lock_guard<std::mutex> lock(mu);
    if (ms <= last_ms) {
      ms = last_ms;
      if (++counter > 0x0fff) {  // counter exhausted: borrow the next millisecond
        ++ms;
        counter = 0;
      }
    } else {
      counter = static_cast<uint16_t>(randombytes_uniform(0x0400));  // leave headroom
    }
    last_ms = ms;
    seq = counter;
  }
  uint8_t b[16];
  randombytes_buf(b, sizeof(b));
  for (int i = 0; i < 6; ++i) b[i] = static_cast<uint8_t>(ms >> (8 * (5 - i)));
  b[6] = static_cast<uint8_t>(0x70 | ((seq >> 8) & 0x0f));
  b[7] = static_cast<uint8_t>(seq & 0xff);
  b[8] = (b[8] & 0x3f) | 0x80;
  return FormatUuid(b);
}

void RandomBackoff(int attempt) {
  int64_t cap_us = std::min<int64_t>(int64_t{50} << std::clamp(attempt, 0, 12), 20000);
  int64_t us = static_cast<int64_t>(RandomU64() % static_cast<uint64_t>(cap_us + 1));
  std::this_thread::sleep_for(std::chrono::microseconds(us));
}

}  // namespace worm

// Random identifiers. Backed by libsodium's CSPRNG; thread-safe.
#pragma once

#include <cstdint>
#include <string>

namespace worm {

class Clock;

// RFC 9562 version 4 (random) UUID, lowercase: "3f2b...-4...".
std::string NewUuidV4();
// RFC 9562 version 7 UUID: 48-bit Unix millisecond timestamp then random bits,
// so byte order (and S3 listing order) follows creation order. Monotonic within
// a process: ids made in the same millisecond still sort in creation order.
std::string NewUuidV7(Clock* clock);
// `n` random bytes.
std::string RandomBytes(size_t n);
uint64_t RandomU64();
// Sleeps a random 0..min(2^attempt * 50us, 20ms): the wait before retry
// `attempt` (0-based) of a compare-and-swap that lost to another writer, so
// contending writers spread out instead of colliding again.
void RandomBackoff(int attempt);

}  // namespace worm

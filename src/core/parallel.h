// ParallelFor: the one thread pool of the code base, for a batch of
// independent work items (listing ranges, transfers, sampled GETs, query
// pages). Threads live for one call; no queue outlives it.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace worm {

// Runs fn(i) once for each i in [0, n) on up to `threads` threads (at least
// one, never more than n), each taking the next unclaimed index, and returns
// when every call has returned. With one worker the calls run in order on the
// calling thread. `fn` must be safe to call concurrently for different i, and
// must not throw (an exception escaping a worker thread terminates).
template <typename Fn>
void ParallelFor(size_t n, int threads, Fn&& fn) {
  size_t workers = std::min<size_t>(n, static_cast<size_t>(std::max(1, threads)));
  if (workers <= 1) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<size_t> next{0};
  std::vector<std::thread> pool;
  pool.reserve(workers);
  for (size_t w = 0; w < workers; ++w) {
    pool.emplace_back([&] {
      for (size_t i; (i = next.fetch_add(1)) < n;) fn(i);
    });
  }
  for (std::thread& t : pool) t.join();
}

}  // namespace worm

#include "core/parallel.h"

#include <gtest/gtest.h>

#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace worm {
namespace {

TEST(ParallelForTest, RunsEveryIndexExactlyOnce) {
  for (int threads : {-1, 0, 1, 2, 8, 64}) {
    for (size_t n : {0, 1, 2, 7, 1000}) {
      std::vector<std::atomic<int>> calls(n);
      ParallelFor(n, threads, [&](size_t i) { calls[i].fetch_add(1); });
      for (size_t i = 0; i < n; ++i) {
        EXPECT_EQ(calls[i].load(), 1) << "n=" << n << " threads=" << threads << " i=" << i;
      }
    }
  }
}

TEST(ParallelForTest, OneWorkerRunsInOrderOnTheCallingThread) {
  std::vector<size_t> order;
  std::set<std::thread::id> ids;
  ParallelFor(5, 1, [&](size_t i) {
    order.push_back(i);
    ids.insert(std::this_thread::get_id());
  });
  EXPECT_EQ(order, (std::vector<size_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(ids, (std::set<std::thread::id>{std::this_thread::get_id()}));
  // One item is one worker whatever the thread count.
  ids.clear();
  ParallelFor(1, 8, [&](size_t) { ids.insert(std::this_thread::get_id()); });
  EXPECT_EQ(ids, (std::set<std::thread::id>{std::this_thread::get_id()}));
}

TEST(ParallelForTest, UsesAtMostTheGivenThreadsAndReturnsAfterAllCalls) {
  std::mutex mu;
  std::set<std::thread::id> ids;
  std::atomic<int> running{0}, peak{0}, done{0};
  ParallelFor(200, 3, [&](size_t) {
    int now = running.fetch_add(1) + 1;
    for (int p = peak.load(); now > p && !peak.compare_exchange_weak(p, now);) {
    }
    {
      std::lock_guard<std::mutex> lock(mu);
      ids.insert(std::this_thread::get_id());
    }
    std::this_thread::yield();
    running.fetch_sub(1);
    done.fetch_add(1);
  });
  EXPECT_EQ(done.load(), 200);
  EXPECT_LE(peak.load(), 3);
  EXPECT_LE(ids.size(), 3u);
  EXPECT_EQ(ids.count(std::this_thread::get_id()), 0u);  // workers, not the caller
}

}  // namespace
}  // namespace worm

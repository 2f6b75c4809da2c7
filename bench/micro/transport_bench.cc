// Micro-benchmarks of the transports (Google Benchmark 1.7).
//
//   BM_Put/<backend>/<value_size>   unconditional puts of fresh keys
//   BM_Get/<backend>/<value_size>   whole-object gets of existing keys
//   BM_Head/<backend>               metadata reads (local: cached ETag in xattr)
//   BM_List/<backend>               pages of 1000 keys from 10,000
//
// Backends: memory, local (fsync on), local_nosync. Every benchmark reports
// the requests it made (CountingTransport) per iteration, as all benchmarks
// in this project do: requests are what S3 bills for.
#include <benchmark/benchmark.h>

#include <filesystem>

#include "core/random.h"
#include "transport/counting_transport.h"
#include "worm/transport.h"

namespace worm {
namespace {

enum Backend { kMemory = 0, kLocal = 1, kLocalNoSync = 2 };

struct Fixture {
  std::filesystem::path dir;
  std::shared_ptr<CountingTransport> counting;

  explicit Fixture(int backend) {
    std::shared_ptr<Transport> base;
    if (backend == kMemory) {
      base = NewMemoryTransport();
    } else {
      dir = std::filesystem::temp_directory_path() / ("worm-bench-" + NewUuidV4());
      LocalTransportOptions options;
      options.sync = backend == kLocal;
      base = NewLocalTransport(dir.string(), options).ValueOr(nullptr);
    }
    counting = NewCountingTransport(base);
  }
  ~Fixture() {
    counting.reset();
    std::error_code ec;
    if (!dir.empty()) std::filesystem::remove_all(dir, ec);
  }
};

const char* BackendName(int backend) {
  static const char* kNames[] = {"memory", "local", "local_nosync"};
  return kNames[backend];
}

void Report(benchmark::State& state, const Fixture& f) {
  state.counters["requests/iter"] =
      benchmark::Counter(static_cast<double>(f.counting->Snapshot().total_requests()),
                         benchmark::Counter::kAvgIterations);
  state.SetLabel(BackendName(static_cast<int>(state.range(0))));
}

std::string KeyOf(int64_t i) {
  return "bench/" + std::to_string(i % 100) + "/" + std::to_string(i);
}

void BM_Put(benchmark::State& state) {
  Fixture f(static_cast<int>(state.range(0)));
  const std::string value(static_cast<size_t>(state.range(1)), 'v');
  int64_t i = 0;
  for (auto _ : state) {
    if (!f.counting->Put(KeyOf(i++), value, {}).ok()) state.SkipWithError("put failed");
  }
  state.SetBytesProcessed(state.iterations() * state.range(1));
  Report(state, f);
}

void BM_Get(benchmark::State& state) {
  Fixture f(static_cast<int>(state.range(0)));
  const std::string value(static_cast<size_t>(state.range(1)), 'v');
  WriteOptions fast;
  fast.sync = false;
  for (int i = 0; i < 1000; ++i) (void)f.counting->Put(KeyOf(i), value, fast);
  f.counting->Reset();
  int64_t i = 0;
  for (auto _ : state) {
    Result<Object> r = f.counting->Get(KeyOf(i++ % 1000), {});
    if (!r.ok()) state.SkipWithError("get failed");
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(state.iterations() * state.range(1));
  Report(state, f);
}

void BM_Head(benchmark::State& state) {
  Fixture f(static_cast<int>(state.range(0)));
  WriteOptions fast;
  fast.sync = false;
  for (int i = 0; i < 1000; ++i) (void)f.counting->Put(KeyOf(i), "{\"x\":1}", fast);
  f.counting->Reset();
  int64_t i = 0;
  for (auto _ : state) {
    Result<ObjectMeta> r = f.counting->Head(KeyOf(i++ % 1000), {});
    if (!r.ok()) state.SkipWithError("head failed");
    benchmark::DoNotOptimize(r);
  }
  Report(state, f);
}

void BM_List(benchmark::State& state) {
  Fixture f(static_cast<int>(state.range(0)));
  WriteOptions fast;
  fast.sync = false;
  for (int i = 0; i < 10000; ++i) (void)f.counting->Put(KeyOf(i), "x", fast);
  f.counting->Reset();
  ListRequest request;
  request.prefix = "bench/";
  for (auto _ : state) {
    Result<ListPage> page = f.counting->List(request);
    if (!page.ok()) {
      state.SkipWithError("list failed");
      break;
    }
    request.token = page->next_token;  // wraps to the first page at the end
    benchmark::DoNotOptimize(page);
  }
  state.SetItemsProcessed(state.iterations() * 1000);
  Report(state, f);
}

BENCHMARK(BM_Put)->ArgsProduct({{kMemory, kLocal, kLocalNoSync}, {4096, 1 << 20}});
BENCHMARK(BM_Get)->ArgsProduct({{kMemory, kLocal}, {4096, 1 << 20}});
BENCHMARK(BM_Head)->Arg(kMemory)->Arg(kLocal);
BENCHMARK(BM_List)->Arg(kMemory)->Arg(kLocal);

}  // namespace
}  // namespace worm

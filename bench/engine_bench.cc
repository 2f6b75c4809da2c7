// Entity engine micro-benchmarks (Google Benchmark 1.7).
//
//   create   Repository::Create of a small document (uuid id)
//   get      Repository::Get of an existing entity
//   replace  Repository::Replace (read-modify-write with ETag precondition)
//   patch    Repository::Patch (JSON merge patch)
// each on: memory, local fs with sync (fsync + rename + folder fsync), local
// fs without sync; and each for a plain model and an oplog model (write-ahead
// entry + hash chain). Counters: ops/s (items_per_second) and storage
// requests per op (req/op; what S3 bills), from a CountingTransport.
//
//   build/bench/engine_bench --benchmark_min_time=1
#include <benchmark/benchmark.h>

#include <filesystem>

#include "core/json_util.h"
#include "schema/schema.h"
#include "transport/counting_transport.h"
#include "worm/repository.h"

namespace worm {
namespace {

enum Backend { kMemory = 0, kLocalSync = 1, kLocalNoSync = 2 };

const char* kSchema = R"JSON({
  "schemaVersion": "1.0",
  "models": {
    "Plain": {"path": "#b/@plain/(id:uuid)", "file": "[d].json",
              "fields": {"name": {"type": "string", "required": true},
                         "n": {"type": "integer"}, "tags": {"type": "array"}}},
    "Logged": {"path": "#b/@logged/(id:uuid)", "file": "[d].json", "oplog": true,
               "fields": {"name": {"type": "string", "required": true},
                          "n": {"type": "integer"}, "tags": {"type": "array"}}}
  }
})JSON";

struct Fixture {
  std::filesystem::path dir;
  std::shared_ptr<CountingTransport> counting;
  std::unique_ptr<Project> project;
  Repository* repo = nullptr;

  Fixture(Backend backend, bool oplog) {
    std::shared_ptr<Transport> base;
    if (backend == kMemory) {
      base = NewMemoryTransport();
    } else {
      dir = std::filesystem::temp_directory_path() /
            ("worm_engine_bench_" + std::to_string(::getpid()) + "_" +
             std::to_string(reinterpret_cast<uintptr_t>(this)));
      LocalTransportOptions lo;
      lo.sync = backend == kLocalSync;
      base = *NewLocalTransport(dir.string(), lo);
    }
    counting = std::make_shared<CountingTransport>(base);
    auto schema = schema::LoadSchema(Json::parse(kSchema));
    project = Project::Create(std::move(*schema), counting);
    repo = *project->Get(oplog ? "Logged" : "Plain");
  }
  ~Fixture() {
    project.reset();
    if (!dir.empty()) std::filesystem::remove_all(dir);
  }
  static Json Doc(int i) {
    return Json{{"name", "customer " + std::to_string(i)}, {"n", i}, {"tags", {"a", "b", "c"}}};
  }
};

void Label(benchmark::State& state, const Fixture& f) {
  static const char* kNames[] = {"memory", "local_sync", "local_nosync"};
  state.SetLabel(std::string(kNames[state.range(0)]) + (state.range(1) ? "/oplog" : "/plain"));
  state.SetItemsProcessed(state.iterations());
  state.counters["req/op"] = benchmark::Counter(
      static_cast<double>(f.counting->Snapshot().total_requests()) / state.iterations());
}

void BM_Create(benchmark::State& state) {
  Fixture f(static_cast<Backend>(state.range(0)), state.range(1));
  int i = 0;
  for (auto _ : state) {
    auto r = f.repo->Create(Fixture::Doc(i++));
    if (!r.ok()) state.SkipWithError(r.status().ToString().c_str());
  }
  Label(state, f);
}

// Runs `op` on one of 64 pre-created entities per iteration.
template <typename Op>
void RunOnExisting(benchmark::State& state, Op op) {
  Fixture f(static_cast<Backend>(state.range(0)), state.range(1));
  std::vector<EntityIds> ids;
  for (int i = 0; i < 64; ++i) ids.push_back(f.repo->Create(Fixture::Doc(i))->ids);
  f.counting->Reset();
  int i = 0;
  for (auto _ : state) {
    Status st = op(*f.repo, ids[i % ids.size()], i);
    ++i;
    if (!st.ok()) state.SkipWithError(st.ToString().c_str());
  }
  Label(state, f);
}

void BM_Get(benchmark::State& state) {
  RunOnExisting(state, [](Repository& r, const EntityIds& id, int) { return r.Get(id).status(); });
}

void BM_Replace(benchmark::State& state) {
  RunOnExisting(state, [](Repository& r, const EntityIds& id, int i) {
    return r.Replace(id, Fixture::Doc(i)).status();
  });
}

void BM_Patch(benchmark::State& state) {
  RunOnExisting(state, [](Repository& r, const EntityIds& id, int i) {
    return r.Patch(id, Json{{"n", i}}).status();
  });
}

void Args(benchmark::internal::Benchmark* b) {
  for (int backend : {kMemory, kLocalSync, kLocalNoSync})
    for (int oplog : {0, 1}) b->Args({backend, oplog});
  b->ArgNames({"backend", "oplog"});
  b->UseRealTime();  // local fs time is mostly I/O wait: rate by wall time
}

BENCHMARK(BM_Create)->Apply(Args);
BENCHMARK(BM_Get)->Apply(Args);
BENCHMARK(BM_Replace)->Apply(Args);
BENCHMARK(BM_Patch)->Apply(Args);

}  // namespace
}  // namespace worm

BENCHMARK_MAIN();

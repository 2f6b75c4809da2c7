// The cost of a row-level rule per document, against the query filter alone
// on the same documents (the evaluator's share of a warm `worm query`, which
// also decodes every document). Run:
//   build/release/bench/access_bench
// and compare BM_FilterOnly with BM_FilterAndDecide (same documents per
// iteration); the ratio of their items/s is the worst case for a query whose
// documents are already decoded.
#include <benchmark/benchmark.h>

#include "query/filter.h"
#include "schema/schema.h"
#include "worm/access.h"

namespace worm {
namespace {

constexpr const char* kSchema = R"j({
  "models": {"Invoice": {"path": "#org/@invoices/(id:int)", "file": "[data].json",
    "fields": {"ownerId": {"type": "string"}, "amount": {"type": "number"},
               "status": {"type": "string"}}}},
  "access": {"roles": {"member": {}, "admin": {}},
    "bucket": {"rules": [{"roles": ["admin"], "actions": ["delete"]}]},
    "models": {"Invoice": {"rules": [
      {"roles": ["member"], "actions": ["read", "list"], "where": {"ownerId": "$principal.id"}},
      {"effect": "deny", "roles": ["*"], "actions": ["update"], "where": {"status": "void"}}]}}}})j";

struct Fixture {
  Fixture() {
    schema = *schema::LoadSchema(Json::parse(kSchema));
    policy = *CompileAccessPolicy(schema, kSchema);
    where = *query::CompileWhere(Json::parse(R"({"amount": {"$gte": 10}})"), "where");
    for (int i = 0; i < 1000; ++i) {
      docs.push_back({{"id", std::to_string(i)},
                      {"ownerId", i % 3 == 0 ? "alice" : "bob"},
                      {"amount", i % 50},
                      {"status", "sent"}});
      ids.push_back({std::to_string(i)});
    }
    alice.id = "alice";
    alice.roles = {"member"};
  }
  schema::Schema schema;
  std::shared_ptr<const AccessPolicy> policy;
  query::FilterNode where;
  std::vector<Json> docs;
  std::vector<std::vector<std::string>> ids;
  Principal alice;
};

Fixture& F() {
  static Fixture* f = new Fixture();
  return *f;
}

void BM_FilterOnly(benchmark::State& state) {
  Fixture& f = F();
  for (auto _ : state) {
    int n = 0;
    for (const Json& d : f.docs) n += query::EvalFilter(f.where, d);
    benchmark::DoNotOptimize(n);
  }
  state.SetItemsProcessed(state.iterations() * f.docs.size());
}
BENCHMARK(BM_FilterOnly);

void BM_FilterAndDecide(benchmark::State& state) {
  Fixture& f = F();
  AccessRequest r;
  r.principal = &f.alice;
  r.action = Action::kList;
  r.resource.model = "Invoice";
  for (auto _ : state) {
    int n = 0;
    for (size_t i = 0; i < f.docs.size(); ++i) {
      r.resource.ids = f.ids[i];
      r.document = &f.docs[i];
      if (f.policy->Decide(r).allowed()) n += query::EvalFilter(f.where, f.docs[i]);
    }
    benchmark::DoNotOptimize(n);
  }
  state.SetItemsProcessed(state.iterations() * f.docs.size());
}
BENCHMARK(BM_FilterAndDecide);

void BM_DecideOnly(benchmark::State& state) {
  Fixture& f = F();
  AccessRequest r;
  r.principal = &f.alice;
  r.action = Action::kList;
  r.resource.model = "Invoice";
  for (auto _ : state) {
    int n = 0;
    for (size_t i = 0; i < f.docs.size(); ++i) {
      r.resource.ids = f.ids[i];
      r.document = &f.docs[i];
      n += f.policy->Decide(r).allowed();
    }
    benchmark::DoNotOptimize(n);
  }
  state.SetItemsProcessed(state.iterations() * f.docs.size());
}
BENCHMARK(BM_DecideOnly);

}  // namespace
}  // namespace worm

BENCHMARK_MAIN();

// Crash safety: every multi-object operation is run with its nth write
// failing (before it is applied, or after: a lost acknowledgement), n = 0, 1,
// ... until the operation completes without reaching the fault (Beast's
// fail_count loop). After each run a fresh process (Project) runs Repair; the
// store must then be exactly the old state or the new one, the new one if the
// operation reported success, the oplog chain intact, and a second Repair a
// no-op.
#include "engine/engine_test_util.h"
#include "testing/fault_injection_transport.h"

namespace worm::engine::testing {
namespace {

using worm::testing::FaultInjectionTransport;
using worm::testing::FaultKind;
using worm::testing::FaultSpec;

// What a reader can see of entity "x": live value, trash copy value, tombstone.
struct Fingerprint {
  Json live, trash;
  bool tomb = false;
  bool operator==(const Fingerprint& o) const {
    return live == o.live && trash == o.trash && tomb == o.tomb;
  }
};
std::ostream& operator<<(std::ostream& os, const Fingerprint& f) {
  return os << "{live " << f.live.dump() << ", trash " << f.trash.dump() << ", tomb " << f.tomb
            << "}";
}

struct Scenario {
  std::string name;
  std::function<Status(Repository&)> setup, op;
  Fingerprint before, after;
};

std::vector<Scenario> Scenarios(bool soft) {
  auto create = [](Repository& r) { return r.Create({{"id", "x"}, {"n", 1}}).status(); };
  auto create_delete = [=](Repository& r) {
    RETURN_NOT_OK(create(r));
    return r.Delete({"x"});
  };
  auto none = [](Repository&) { return Status::OK(); };
  RemoveOptions hard;
  hard.hard = true;
  std::vector<Scenario> out = {
      {"create", none, create, {}, {1, nullptr, false}},
      {"patch",
       create,
       [](Repository& r) {
         return r.Patch({"x"}, {{"n", 2}}).status();
       },
       {1, nullptr, false},
       {2, nullptr, false}},
      {"delete",
       create,
       [](Repository& r) { return r.Delete({"x"}); },
       {1, nullptr, false},
       soft ? Fingerprint{nullptr, 1, true} : Fingerprint{}},
      {"hard_delete",
       create,
       [=](Repository& r) { return r.Delete({"x"}, hard); },
       {1, nullptr, false},
       {}},
  };
  if (soft) {
    out.push_back({"restore",
                   create_delete,
                   [](Repository& r) { return r.Restore({"x"}).status(); },
                   {nullptr, 1, true},
                   {1, nullptr, false}});
    out.push_back({"delete_again",
                   [=](Repository& r) {
                     RETURN_NOT_OK(create_delete(r));
                     return r.Create({{"id", "x"}, {"n", 2}}).status();
                   },
                   [](Repository& r) { return r.Delete({"x"}); },
                   {2, 1, true},
                   {nullptr, 2, true}});
  }
  return out;
}

Fingerprint Observe(Transport& t, const std::string& base) {
  auto value = [&](const std::string& key) -> Json {
    auto got = t.Get(key, {});
    if (!got.ok()) return nullptr;
    return Json::parse(got->data)["n"];
  };
  Fingerprint f;
  f.live = value(base + "/x/c.json");
  f.trash = value(".worm.trash/" + base + "/x/c.json");
  f.tomb = t.Head(".worm.trash/" + base + "/x/.worm.tombstone", {}).ok();
  return f;
}

class CrashTest : public ::testing::TestWithParam<std::tuple<std::string, FaultKind>> {};

TEST_P(CrashTest, EveryWriteFailureLeavesOldOrNewStateAfterRepair) {
  const auto [model, kind] = GetParam();
  const bool soft = model != "Counter";
  const std::string base = model == "Counter"       ? "app/counters"
                           : model == "SoftCounter" ? "app/scounters"
                                                    : "app/lcounters";
  for (const Scenario& sc : Scenarios(soft)) {
    int completed_at = -1;
    for (int n = 0; n < 40 && completed_at < 0; ++n) {
      SCOPED_TRACE(sc.name + " failing write #" + std::to_string(n));
      ManualClock clock(1771927872000000);
      auto store = NewMemoryTransport();
      auto setup = Project::Create(TestSchema(), store, &clock);
      ASSERT_OK(sc.setup(**setup->Get(model)));
      ASSERT_EQ(Observe(*store, base), sc.before);

      auto faulty = std::make_shared<FaultInjectionTransport>(store);
      auto victim = Project::Create(TestSchema(), faulty, &clock);
      FaultSpec spec;
      spec.kind = kind;
      spec.ops = worm::testing::kFaultWrites;
      spec.nth = n;
      faulty->Arm(spec);
      Status st = sc.op(**victim->Get(model));
      bool reached = faulty->faults_injected() > 0;
      faulty->Disarm();
      if (!reached) {
        ASSERT_OK(st);
        completed_at = n;
      }

      auto repairer = Project::Create(TestSchema(), store, &clock);
      ASSERT_OK_AND_ASSIGN(RepairReport rep, repairer->Repair());
      EXPECT_TRUE(rep.ok()) << rep.ToJson().dump();
      Fingerprint got = Observe(*store, base);
      if (st.ok()) {
        EXPECT_EQ(got, sc.after) << st;
      } else {
        EXPECT_TRUE(got == sc.before || got == sc.after) << got << " after " << st;
      }
      ASSERT_OK_AND_ASSIGN(RepairReport again, repairer->Repair());
      EXPECT_TRUE(again.actions.empty()) << again.ToJson().dump();
      EXPECT_OK((*repairer->Get(model))->History({"x"}));
      // The store stays usable: a new write goes through.
      Repository* r = *repairer->Get(model);
      if (got.live.is_null()) {
        CreateOptions co;
        co.ids = {"x"};
        EXPECT_OK(r->Create({{"n", 7}}, co));
      } else {
        EXPECT_OK(r->Patch({"x"}, {{"n", 7}}));
      }
    }
    EXPECT_GE(completed_at, 1) << sc.name << " never completed or never wrote";
  }
}

INSTANTIATE_TEST_SUITE_P(
    All, CrashTest,
    ::testing::Combine(::testing::Values("Counter", "SoftCounter", "LoggedCounter"),
                       ::testing::Values(FaultKind::kFailBefore, FaultKind::kFailAfter)),
    [](const auto& info) {
      return std::get<0>(info.param) +
             (std::get<1>(info.param) == FaultKind::kFailBefore ? "_FailBefore" : "_FailAfter");
    });

}  // namespace
}  // namespace worm::engine::testing

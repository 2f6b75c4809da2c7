// worm migrate: plan contents, apply, and apply with a fault at every request
// followed by a rerun (no entity lost or doubled, oplog chains valid).
#include "migrate/migrate.h"

#include <gtest/gtest.h>

#include "testing/fault_injection_transport.h"
#include "worm/repository.h"

namespace worm::migrate {
namespace {

Json OldSchema() {
  return Json::parse(R"J({"schemaVersion":"1.0","models":{"Customer":{
    "path":"#org/@customers/(id:uuid)","file":"[profile].json","oplog":true,"softDelete":true,
    "fields":{"name":{"type":"string","required":true},"email":{"type":"string"}}}}})J");
}
Json NewSchema() {
  return Json::parse(R"J({"schemaVersion":"1.0","models":{"Customer":{
    "path":"#crm/@clients/(id:uuid)","file":"[profile].json","oplog":true,"softDelete":true,
    "fields":{"fullName":{"type":"string","required":true},
              "status":{"type":"string","required":true,"default":"active"}}}}})J");
}

std::shared_ptr<Transport> Seed(int n) {
  auto t = NewMemoryTransport();
  auto p = Project::Create(*schema::LoadSchema(OldSchema()), t);
  auto repo = *p->Get("Customer");
  for (int i = 0; i < n; ++i) {
    auto e = repo->Create({{"name", "c" + std::to_string(i)}, {"email", "x@y"}});
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    EXPECT_TRUE(repo->Patch(e->ids, {{"email", "z@y"}}).ok());
  }
  return t;
}

std::shared_ptr<Transport> Clone(Transport& from) {
  auto t = NewMemoryTransport();
  auto all = from.ListAll("");
  EXPECT_TRUE(all.ok()) << all.status().ToString();
  if (!all.ok()) return t;
  for (auto& m : *all) {
    auto obj = from.Get(m.key, {});
    EXPECT_TRUE(obj.ok()) << m.key << ": " << obj.status().ToString();
    if (obj.ok()) EXPECT_TRUE(t->Put(m.key, obj->data, {}).ok());
  }
  return t;
}

void ExpectMigrated(std::shared_ptr<Transport> t, int n) {
  auto p = Project::Create(*schema::LoadSchema(NewSchema()), t);
  auto repo = *p->Get("Customer");
  auto all = repo->List();
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(static_cast<int>(all->size()), n);
  std::set<std::string> names;
  for (auto& e : *all) {
    names.insert(e.document.value("fullName", ""));
    EXPECT_EQ(e.document.value("status", ""), "active");
    EXPECT_FALSE(e.document.contains("email"));
    EXPECT_FALSE(e.document.contains("name"));
    auto v = repo->VerifyOplog(e.ids);
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    EXPECT_EQ(*v, OplogState::kAgrees);
    EXPECT_EQ(repo->History(e.ids)->size(), 3u);  // create, patch, migrate
  }
  EXPECT_EQ(static_cast<int>(names.size()), n);
  // Nothing left at the old keys (documents or system folders).
  for (auto& m : *t->ListAll("")) {
    EXPECT_EQ(m.key.find("org/customers/"), std::string::npos) << m.key;
  }
}

TEST(MigrateTest, PlanListsMovesAndChanges) {
  auto t = Seed(3);
  PlanOptions o;
  ASSERT_TRUE(ParseRename("Customer.name=fullName", &o.renames).ok());
  auto plan = Plan(OldSchema(), NewSchema(), *t, o);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ((*plan)["counts"]["entities"], 3);
  EXPECT_EQ((*plan)["counts"]["moves"], 3);
  EXPECT_EQ((*plan)["counts"]["documentChanges"], 3);
  EXPECT_EQ((*plan)["counts"]["systemObjects"], 6);  // two oplog entries each
  const Json& c = (*plan)["models"][0]["changes"][0];
  EXPECT_EQ(c["rename"]["name"], "fullName");
  EXPECT_EQ(c["add"]["status"], "active");
  EXPECT_EQ(c["remove"], Json::array({"email"}));
  EXPECT_EQ((*plan)["models"][0]["to"], "crm/clients/{id}/profile.json");
  EXPECT_GT((*plan)["requests"]["total"].get<int>(), 0);
}

TEST(MigrateTest, RequiredFieldWithoutDefaultIsRefused) {
  auto t = Seed(1);
  auto plan = Plan(OldSchema(), NewSchema(), *t, {});  // no --rename: fullName has no value
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("Customer.fullName"), std::string::npos);
  std::map<std::string, std::string> r;
  EXPECT_FALSE(ParseRename("nodot=x", &r).ok());
}

TEST(MigrateTest, ApplyMigratesAndRerunIsANoOp) {
  auto t = Seed(3);
  PlanOptions o;
  o.renames["Customer.name"] = "fullName";
  auto plan = *Plan(OldSchema(), NewSchema(), *t, o);
  auto r = Apply(plan, t);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->moved, 3);
  EXPECT_EQ(r->changed, 3);
  ExpectMigrated(t, 3);
  auto again = Apply(plan, t);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->moved + again->changed, 0);
  ExpectMigrated(t, 3);
}

TEST(MigrateTest, StalePlanIsRefused) {
  auto t = Seed(2);
  PlanOptions o;
  o.renames["Customer.name"] = "fullName";
  auto plan = *Plan(OldSchema(), NewSchema(), *t, o);
  auto p = Project::Create(*schema::LoadSchema(OldSchema()), t);
  ASSERT_TRUE((*p->Get("Customer"))->Create({{"name", "late"}}).ok());
  auto r = Apply(plan, t);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("stale plan"), std::string::npos);
}

// A fault at request N for every N (before and after the request is
// applied), then a rerun on a healthy transport finishes the migration.
TEST(MigrateTest, FaultAtEveryRequestThenRerunCompletes) {
  auto seed = Seed(2);
  PlanOptions o;
  o.renames["Customer.name"] = "fullName";
  auto planned = Plan(OldSchema(), NewSchema(), *seed, o);
  ASSERT_TRUE(planned.ok()) << planned.status().ToString();
  Json plan = *planned;
  for (auto kind : {testing::FaultKind::kFailBefore, testing::FaultKind::kFailAfter}) {
    for (int64_t n = 0;; ++n) {
      auto data = Clone(*seed);
      auto faulty = std::make_shared<testing::FaultInjectionTransport>(data);
      testing::FaultSpec spec;
      spec.kind = kind;
      spec.nth = n;
      faulty->Arm(spec);
      auto first = Apply(plan, faulty);
      bool fired = faulty->faults_injected() > 0;
      faulty->Reset();
      auto rerun = Apply(plan, data);
      ASSERT_TRUE(rerun.ok()) << "fault at request " << n << ": " << rerun.status().ToString();
      ExpectMigrated(data, 2);
      if (!fired) {
        EXPECT_TRUE(first.ok());
        break;
      }
      ASSERT_LT(n, 1000);
    }
  }
}

}  // namespace
}  // namespace worm::migrate

// Repository behaviour: CRUD, validation, ids, concurrency control, delete
// and restore, singletons, nested collections, listing, hooks, sentinels.
// Parameterized over backend (memory, local fs) and storage layout.
#include <atomic>
#include <thread>

#include "core/layout.h"
#include "engine/engine_test_util.h"

namespace worm::engine::testing {
namespace {

using ::worm::testing::StatusIs;
using ::worm::testing::StatusIsWithMessage;

struct Param {
  Backend backend;
  std::string layout;
};
const char* BackendName(Backend b) {
  switch (b) {
    case Backend::kMemory:
      return "Memory";
    case Backend::kLocal:
      return "Local";
    case Backend::kS3:
      return "S3";
  }
  return "?";
}
void PrintTo(const Param& p, std::ostream* os) { *os << BackendName(p.backend) << "/" << p.layout; }

class RepositoryTest : public ::testing::TestWithParam<Param> {
 protected:
  RepositoryTest() : tp_(GetParam().backend, GetParam().layout) {}
  Repository* R(const std::string& model) { return tp_.repo(model); }
  TestProject tp_;
};

TEST_P(RepositoryTest, CreateGetStampsIdsTimestampsDefaults) {
  ASSERT_OK_AND_ASSIGN(Entity e, R("Customer")->Create({{"name", "Ada"}, {"email", "a@x.io"}}));
  ASSERT_EQ(e.ids.size(), 1u);
  EXPECT_EQ(e.ids[0].size(), 36u);
  EXPECT_EQ(e.key, "org/customers/" + e.ids[0] + "/profile.json");
  EXPECT_EQ(e.document["id"], e.ids[0]);
  EXPECT_EQ(e.document["status"], "active");  // default
  EXPECT_EQ(e.document["createdAt"], "2026-02-24T10:11:12.000Z");
  EXPECT_EQ(e.document["updatedAt"], "2026-02-24T10:11:12.000Z");
  ASSERT_OK_AND_ASSIGN(Entity got, R("Customer")->Get(e.ids));
  EXPECT_EQ(got.document, e.document);
  EXPECT_EQ(got.etag, e.etag);
  EXPECT_EQ(tp_.Raw(e.key), e.document);
  ASSERT_OK_AND_ASSIGN(bool exists, R("Customer")->Exists(e.ids));
  EXPECT_TRUE(exists);
  EXPECT_THAT(R("Customer")->Get({"00000000-0000-4000-8000-000000000000"}),
              StatusIs(StatusCode::kNotFound));
}

TEST_P(RepositoryTest, CallerGivenIdsAndForgedFields) {
  const std::string id = "11111111-2222-4333-8444-555555555555";
  CreateOptions co;
  co.ids = {id};
  Json doc = {{"name", "Bob"}, {"createdAt", "1999-01-01T00:00:00.000Z"}};
  ASSERT_OK_AND_ASSIGN(Entity e, R("Customer")->Create(doc, co));
  EXPECT_EQ(e.document["createdAt"], "2026-02-24T10:11:12.000Z");  // forged: ignored
  EXPECT_THAT(R("Customer")->Create({{"name", "Dup"}}, co), StatusIs(StatusCode::kAlreadyExists));
  // Id in the document is taken as the id.
  ASSERT_OK_AND_ASSIGN(Entity e2, R("Tag")->Create({{"id", "rust"}, {"label", "Rust"}}));
  EXPECT_EQ(e2.ids, EntityIds{"rust"});
  // Id that disagrees with the target is refused.
  EXPECT_THAT(R("Customer")->Patch({id}, {{"id", "22222222-2222-4333-8444-555555555555"}}),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "cannot be changed"));
  // Unsafe ids.
  for (const std::string& bad :
       std::vector<std::string>{"..", ".hidden", "a/b", "x\x01y", std::string(2000, 'a')}) {
    CreateOptions b;
    b.ids = {bad};
    EXPECT_THAT(R("Tag")->Create({{"label", "x"}}, b), StatusIs(StatusCode::kInvalidArgument))
        << bad;
  }
  CreateOptions wrong_type;
  wrong_type.ids = {"Not A Slug"};
  EXPECT_THAT(R("Tag")->Create({}, wrong_type), StatusIs(StatusCode::kInvalidArgument));
}

TEST_P(RepositoryTest, ValidationNamesModelIdFieldAndRule) {
  struct Case {
    Json doc;
    std::string field, rule;
  };
  std::vector<Case> cases = {
      {{{"email", "a@b"}}, "name", "required"},
      {{{"name", 5}}, "name", "expected string, got integer"},
      {{{"name", ""}}, "name", "minLength"},
      {{{"name", std::string(41, 'x')}}, "name", "maxLength"},
      {{{"name", "A"}, {"email", "nope"}}, "email", "pattern"},
      {{{"name", "A"}, {"status", "gone"}}, "status", "enum"},
      {{{"name", "A"}, {"age", 1.5}}, "age", "expected integer"},
      {{{"name", "A"}, {"age", -1}}, "age", "minimum"},
      {{{"name", "A"}, {"age", 200}}, "age", "maximum"},
      {{{"name", "A"}, {"score", "high"}}, "score", "expected number"},
      {{{"name", "A"}, {"vip", "yes"}}, "vip", "expected boolean"},
      {{{"name", "A"}, {"born", "2026-02-30"}}, "born", "not a date"},
      {{{"name", "A"}, {"seenAt", "2026-02-24 10:00"}}, "seenAt", "RFC 3339"},
      {{{"name", "A"}, {"tags", {"a", 2}}}, "tags[1]", "expected string"},
      {{{"name", "A"}, {"address", {{"zip", 12345}}}},
       "address.zip",
       "expected string, got integer"},
      {{{"name", "A"}, {"address", {{"planet", "x"}}}}, "address.planet", "unknown field"},
      {{{"name", "A"}, {"nickname", "x"}}, "nickname", "unknown field"},
  };
  for (const Case& c : cases) {
    auto r = R("Customer")->Create(c.doc);
    EXPECT_THAT(r, StatusIsWithMessage(StatusCode::kInvalidArgument, "field \"" + c.field + "\""))
        << c.doc.dump();
    EXPECT_THAT(r, StatusIsWithMessage(StatusCode::kInvalidArgument, c.rule)) << c.doc.dump();
    EXPECT_THAT(r, StatusIsWithMessage(StatusCode::kInvalidArgument, "Customer ")) << c.doc.dump();
  }
  EXPECT_OK(R("Customer")
                ->Create({{"name", "A"},
                          {"born", "2024-02-29"},
                          {"seenAt", "2026-02-24T10:11:12.5+01:00"},
                          {"age", 3.0},
                          {"tags", {"x"}},
                          {"address", {{"zip", "1"}}}}));
  EXPECT_THAT(R("Customer")->Create(Json::array()), StatusIs(StatusCode::kInvalidArgument));
  ASSERT_OK_AND_ASSIGN(auto list, R("Customer")->List());
  EXPECT_EQ(list.size(), 1u);  // nothing half-written
}

TEST_P(RepositoryTest, ReplacePatchAndIfMatch) {
  ASSERT_OK_AND_ASSIGN(Entity e, R("Customer")->Create({{"name", "Ada"}, {"age", 30}}));
  tp_.clock.Advance(1000000);
  UpdateOptions uo;
  uo.if_match = e.etag;
  ASSERT_OK_AND_ASSIGN(Entity p, R("Customer")->Patch(e.ids, {{"age", 31}, {"vip", true}}, uo));
  EXPECT_EQ(p.document["age"], 31);
  EXPECT_EQ(p.document["name"], "Ada");
  EXPECT_EQ(p.document["createdAt"], e.document["createdAt"]);
  EXPECT_EQ(p.document["updatedAt"], "2026-02-24T10:11:13.000Z");
  EXPECT_NE(p.etag, e.etag);
  // Stale etag.
  EXPECT_THAT(R("Customer")->Patch(e.ids, {{"age", 1}}, uo),
              StatusIs(StatusCode::kFailedPrecondition));
  // Merge patch null removes.
  ASSERT_OK_AND_ASSIGN(Entity q, R("Customer")->Patch(e.ids, {{"vip", nullptr}}));
  EXPECT_FALSE(q.document.contains("vip"));
  // Replace drops unspecified fields, keeps createdAt and id.
  ASSERT_OK_AND_ASSIGN(Entity r, R("Customer")->Replace(e.ids, {{"name", "Ada L."}}));
  EXPECT_FALSE(r.document.contains("age"));
  EXPECT_EQ(r.document["status"], "active");
  EXPECT_EQ(r.document["id"], e.ids[0]);
  EXPECT_EQ(r.document["createdAt"], e.document["createdAt"]);
  EXPECT_THAT(R("Customer")->Replace(e.ids, {{"name", 3}}), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(R("Customer")->Patch({"00000000-0000-4000-8000-000000000000"}, {{"age", 1}}),
              StatusIs(StatusCode::kNotFound));
}

TEST_P(RepositoryTest, SoftDeleteTrashTombstoneRestore) {
  ASSERT_OK_AND_ASSIGN(Entity e, R("Customer")->Create({{"name", "Ada"}}));
  RemoveOptions ro;
  ro.reason = "gdpr";
  ro.actor = "alice";
  ASSERT_OK(R("Customer")->Delete(e.ids, ro));
  EXPECT_FALSE(tp_.Has(e.key));
  EXPECT_THAT(R("Customer")->Get(e.ids), StatusIs(StatusCode::kNotFound));
  GetOptions go;
  go.with_deleted = true;
  ASSERT_OK_AND_ASSIGN(Entity trashed, R("Customer")->Get(e.ids, go));
  EXPECT_TRUE(trashed.deleted);
  EXPECT_EQ(trashed.document, e.document);
  std::string trash = trashed.key.substr(0, trashed.key.rfind('/') + 1);
  Json tomb = tp_.Raw(trash + ".worm.tombstone");
  EXPECT_EQ(tomb["reason"], "gdpr");
  EXPECT_EQ(tomb["actor"], "alice");
  EXPECT_EQ(tomb["originalKey"], e.key);
  EXPECT_EQ(tomb["deletedAt"], "2026-02-24T10:11:12.000Z");
  ListOptions lo;
  ASSERT_OK_AND_ASSIGN(auto live, R("Customer")->List(lo));
  EXPECT_TRUE(live.empty());
  lo.with_deleted = true;
  ASSERT_OK_AND_ASSIGN(auto all, R("Customer")->List(lo));
  ASSERT_EQ(all.size(), 1u);
  EXPECT_TRUE(all[0].deleted);

  ASSERT_OK_AND_ASSIGN(Entity back, R("Customer")->Restore(e.ids));
  EXPECT_EQ(back.document["name"], "Ada");
  EXPECT_FALSE(tp_.Has(trash + ".worm.tombstone"));
  EXPECT_FALSE(tp_.Has(trashed.key));
  EXPECT_THAT(R("Customer")->Restore(e.ids), StatusIs(StatusCode::kNotFound));
  // Restore over a live entity with the same id.
  ASSERT_OK(R("Customer")->Delete(e.ids));
  CreateOptions co;
  co.ids = e.ids;
  ASSERT_OK(R("Customer")->Create({{"name", "Other"}}, co));
  EXPECT_THAT(R("Customer")->Restore(e.ids), StatusIs(StatusCode::kAlreadyExists));
  // Hard delete, and purge from the trash.
  RemoveOptions hard;
  hard.hard = true;
  ASSERT_OK(R("Customer")->Delete(e.ids, hard));
  ASSERT_OK(R("Customer")->Delete(e.ids, hard));  // purges the trashed copy
  EXPECT_THAT(R("Customer")->Get(e.ids, go), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(R("Customer")->Delete(e.ids), StatusIs(StatusCode::kNotFound));
}

TEST_P(RepositoryTest, HardDeleteWithoutSoftDelete) {
  ASSERT_OK_AND_ASSIGN(Entity c, R("Counter")->Create({{"id", "a"}, {"n", 1}}));
  ASSERT_OK(R("Counter")->Delete(c.ids));
  EXPECT_FALSE(tp_.Has(c.key));
  EXPECT_THAT(R("Counter")->Restore(c.ids), StatusIs(StatusCode::kNotFound));
}

TEST_P(RepositoryTest, SequentialIds) {
  for (int i = 1; i <= 3; ++i) {
    ASSERT_OK_AND_ASSIGN(Entity o, R("Order")->Create({{"total", i}}));
    EXPECT_EQ(o.ids, EntityIds{std::to_string(i)});
    EXPECT_EQ(o.document["id"], std::to_string(i));
  }
  // A second project on the same store (another process) continues the sequence.
  auto other = Project::Create(TestSchema(GetParam().layout), tp_.transport, &tp_.clock);
  ASSERT_OK_AND_ASSIGN(Repository * orders, other->Get("Order"));
  ASSERT_OK_AND_ASSIGN(Entity o4, orders->Create({{"total", 4}}));
  EXPECT_EQ(o4.ids, EntityIds{"4"});
  ASSERT_OK_AND_ASSIGN(Entity o5, R("Order")->Create({{"total", 5}}));
  EXPECT_EQ(o5.ids, EntityIds{"5"});
}

TEST_P(RepositoryTest, ConcurrentSequentialIdsAreUnique) {
  constexpr int kThreads = 4, kEach = 10;
  std::vector<std::unique_ptr<Project>> projects;
  for (int t = 0; t < kThreads; ++t)
    projects.push_back(Project::Create(TestSchema(GetParam().layout), tp_.transport, &tp_.clock));
  std::vector<std::vector<std::string>> ids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Repository* orders = *projects[t]->Get("Order");
      for (int i = 0; i < kEach; ++i) {
        auto o = orders->Create({{"total", i}});
        ASSERT_TRUE(o.ok()) << o.status().ToString();
        ids[t].push_back(o->ids[0]);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<std::string> all;
  for (auto& v : ids) all.insert(v.begin(), v.end());
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kEach));
  EXPECT_EQ(*all.begin(), "1");
}

TEST_P(RepositoryTest, Singleton) {
  EXPECT_THAT(R("Settings")->Get({}), StatusIs(StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(Entity s, R("Settings")->Create({{"orgName", "Acme"}}));
  EXPECT_TRUE(s.ids.empty());
  EXPECT_EQ(s.key, "org/settings/config.json");
  EXPECT_THAT(R("Settings")->Create({{"orgName", "Again"}}), StatusIs(StatusCode::kAlreadyExists));
  ASSERT_OK_AND_ASSIGN(Entity p, R("Settings")->Patch({}, {{"orgName", "Acme 2"}}));
  EXPECT_EQ(p.document["orgName"], "Acme 2");
  ASSERT_OK_AND_ASSIGN(auto all, R("Settings")->List());
  EXPECT_EQ(all.size(), 1u);
}

TEST_P(RepositoryTest, NestedCollectionsTakeCompositeIds) {
  CreateOptions co;
  co.ids = {"eng", "core"};
  ASSERT_OK_AND_ASSIGN(Entity t, R("Team")->Create({{"members", {"ada"}}}, co));
  EXPECT_EQ(t.key, "org/departments/eng/teams/core/roster.json");
  EXPECT_EQ(t.document["deptId"], "eng");
  EXPECT_EQ(t.document["teamId"], "core");
  co.ids = {"eng", "web"};
  ASSERT_OK(R("Team")->Create(Json::object(), co));
  co.ids = {"ops", "sre"};
  ASSERT_OK(R("Team")->Create(Json::object(), co));
  ASSERT_OK_AND_ASSIGN(auto all, R("Team")->List());
  EXPECT_EQ(all.size(), 3u);
  ListOptions lo;
  lo.parent_ids = {"eng"};
  ASSERT_OK_AND_ASSIGN(auto eng, R("Team")->List(lo));
  ASSERT_EQ(eng.size(), 2u);
  EXPECT_EQ(eng[0].ids, (EntityIds{"eng", "core"}));
  EXPECT_THAT(R("Team")->Get({"eng"}), StatusIs(StatusCode::kInvalidArgument));
  ASSERT_OK(R("Team")->Delete({"eng", "core"}));
  ASSERT_OK_AND_ASSIGN(auto hist, R("Team")->History({"eng", "core"}));
  EXPECT_EQ(hist.size(), 2u);
  ASSERT_OK(R("Team")->Restore({"eng", "core"}));
  // Create with parent ids only needs an operator: slug has none.
  co.ids = {"eng"};
  EXPECT_THAT(R("Team")->Create(Json::object(), co), StatusIs(StatusCode::kInvalidArgument));
}

TEST_P(RepositoryTest, ListPagesAndSkipsSystemEntries) {
  for (int i = 0; i < 25; ++i) {
    char id[8];
    std::snprintf(id, sizeof(id), "c%02d", i);
    ASSERT_OK(R("Counter")->Create({{"id", id}, {"n", i}}));
  }
  // Strays that are not entities.
  ASSERT_OK(tp_.transport->Put("app/counters/.hidden/c.json", "{}", {}).status());
  ASSERT_OK(tp_.transport->Put("app/counters/c00/other.json", "{}", {}).status());
  ListOptions lo;
  lo.limit = 10;
  std::vector<std::string> seen;
  int pages = 0;
  while (true) {
    ASSERT_OK_AND_ASSIGN(EntityPage page, R("Counter")->ListPage(lo));
    ++pages;
    for (const Entity& e : page.items) seen.push_back(e.ids[0]);
    if (page.next_cursor.empty()) break;
    lo.cursor = page.next_cursor;
  }
  EXPECT_GE(pages, 3);
  ASSERT_EQ(seen.size(), 25u);
  EXPECT_EQ(seen.front(), "c00");
  EXPECT_EQ(seen.back(), "c24");
  // A page that ends exactly at the last entity has no cursor.
  lo = {};
  lo.limit = 25;
  ASSERT_OK_AND_ASSIGN(EntityPage exact, R("Counter")->ListPage(lo));
  EXPECT_EQ(exact.items.size(), 25u);
  EXPECT_EQ(exact.next_cursor, "");
  lo = {};
  lo.documents = false;
  ASSERT_OK_AND_ASSIGN(auto ids_only, R("Counter")->List(lo));
  EXPECT_TRUE(ids_only[0].document.is_null());
  EXPECT_FALSE(ids_only[0].etag.empty());
}

TEST_P(RepositoryTest, SentinelsWrittenOnFirstWrite) {
  EXPECT_FALSE(tp_.Has(".worm"));
  ASSERT_OK(R("Counter")->Create({{"id", "a"}, {"n", 1}}));
  EXPECT_EQ(tp_.Raw(".worm")["format"], 1);
  EXPECT_EQ(tp_.Raw("app/counters/.worm")["model"], "Counter");
}

TEST_P(RepositoryTest, SentinelBytesAreTheLayoutsBodies) {
  // The one writer of the sentinel bodies (push writes the same bytes).
  ASSERT_OK(R("Counter")->Create({{"id", "a"}, {"n", 1}}));
  ASSERT_OK_AND_ASSIGN(Object bucket, tp_.transport->Get(".worm", {}));
  EXPECT_EQ(bucket.data, layout::BucketSentinelBody());
  ASSERT_OK_AND_ASSIGN(Object coll, tp_.transport->Get("app/counters/.worm", {}));
  EXPECT_EQ(coll.data, layout::CollectionSentinelBody("Counter"));
  ASSERT_OK_AND_ASSIGN(layout::Sentinel s, layout::ParseSentinel(coll.data));
  EXPECT_EQ(s.model, "Counter");
}

TEST_P(RepositoryTest, HooksVetoEditAndObserve) {
  Repository* c = R("Counter");
  std::vector<std::string> log;
  c->OnBefore(HookOp::kCreate, [&](HookEvent& ev) -> Status {
    if ((*ev.after)["n"] == 13) return Status::InvalidArgument("13 is unlucky");
    (*ev.after)["n"] = (*ev.after)["n"].get<int>() * 10;
    (*ev.after)["createdAt"] = "forged";
    return Status::OK();
  });
  c->OnAfter(HookOp::kCreate, [&](const HookEvent& ev) { log.push_back("created " + ev.ids[0]); });
  c->OnBefore(HookOp::kUpdate, [&](HookEvent& ev) -> Status {
    log.push_back("update from " + ev.before->at("n").dump());
    return Status::OK();
  });
  c->OnBefore(HookOp::kDelete, [&](HookEvent& ev) -> Status {
    return ev.before->at("n") == 10 ? Status::FailedPrecondition("keep") : Status::OK();
  });
  EXPECT_THAT(c->Create({{"id", "x"}, {"n", 13}}),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "unlucky"));
  EXPECT_FALSE(tp_.Has("app/counters/x/c.json"));
  ASSERT_OK_AND_ASSIGN(Entity e, c->Create({{"id", "y"}, {"n", 1}}));
  EXPECT_EQ(e.document["n"], 10);
  EXPECT_EQ(e.document["createdAt"], "2026-02-24T10:11:12.000Z");
  ASSERT_OK(c->Patch({"y"}, {{"n", 2}}));
  EXPECT_THAT(c->Delete({"x"}), StatusIs(StatusCode::kNotFound));
  ASSERT_OK(c->Patch({"y"}, {{"n", 10}}));
  EXPECT_THAT(c->Delete({"y"}), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_TRUE(tp_.Has("app/counters/y/c.json"));
  EXPECT_EQ(log, (std::vector<std::string>{"created y", "update from 10", "update from 2"}));
}

TEST_P(RepositoryTest, UnknownModelListsKnownOnes) {
  auto r = tp_.project->Get("Nope");
  EXPECT_THAT(r, StatusIsWithMessage(StatusCode::kNotFound, "Customer"));
  EXPECT_THAT(r, StatusIsWithMessage(StatusCode::kNotFound, "Nope"));
}

TEST_P(RepositoryTest, CorruptStoredDocumentIsDataLoss) {
  ASSERT_OK(tp_.transport->Put("app/counters/bad/c.json", "{not json", {}).status());
  EXPECT_THAT(R("Counter")->Get({"bad"}), StatusIs(StatusCode::kDataLoss));
  ASSERT_OK(tp_.transport->Put("app/counters/arr/c.json", "[1]", {}).status());
  EXPECT_THAT(R("Counter")->Patch({"arr"}, {{"n", 1}}), StatusIs(StatusCode::kDataLoss));
}

// Nesting: documents given in code (nlohmann's parser builds 200,000 levels
// without recursing; copying them recursed, SIGSEGV) are refused before any
// copy, and a stored one that deep is DataLoss for its entity only.
TEST_P(RepositoryTest, DocumentsNestedPastTheLimitAreRefusedStoredOnesAreDataLoss) {
  const std::string text = std::string(200000, '[') + std::string(200000, ']');
  Json doc = {{"id", "d"}, {"n", 1}};
  doc["x"] = Json::parse(text);  // moved in, not copied
  EXPECT_THAT(R("Counter")->Create(doc),
              StatusIsWithMessage(StatusCode::kInvalidArgument,
                                  "Counter: document: nested deeper than the limit of 100 levels"));
  ASSERT_OK(R("Counter")->Create({{"id", "a"}, {"n", 1}}));
  EXPECT_THAT(R("Counter")->Replace({"a"}, doc),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "limit of 100 levels"));
  EXPECT_THAT(R("Counter")->Patch({"a"}, doc),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "merge patch: nested deeper"));
  // A mutation (or hook) that nests the document too deep.
  auto nest = [](Json& d) {
    Json x = 0;
    for (int i = 0; i < kMaxDocumentDepth; ++i) x = Json::array({std::move(x)});
    d["x"] = std::move(x);
    return Status::OK();
  };
  EXPECT_THAT(R("Counter")->Mutate({"a"}, nest),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "limit of 100 levels"));
  ASSERT_OK_AND_ASSIGN(Entity a, R("Counter")->Get({"a"}));
  EXPECT_EQ(a.document, (Json{{"id", "a"},
                              {"n", 1},
                              {"createdAt", a.document["createdAt"]},
                              {"updatedAt", a.document["updatedAt"]}}));

  const std::string key = "app/counters/deep/c.json";
  ASSERT_OK(tp_.transport->Put(key, "{\"n\": " + text + "}", {}).status());
  EXPECT_THAT(R("Counter")->Get({"deep"}),
              StatusIsWithMessage(StatusCode::kDataLoss,
                                  key + ": nested deeper than the limit of 128 levels"));
  EXPECT_THAT(R("Counter")->Patch({"deep"}, {{"n", 2}}), StatusIs(StatusCode::kDataLoss));
  EXPECT_THAT(R("Counter")->ListPage({}), StatusIs(StatusCode::kDataLoss));
  ListOptions lo;
  lo.skip_undecodable = true;
  ASSERT_OK_AND_ASSIGN(EntityPage page, R("Counter")->ListPage(lo));
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].ids, EntityIds{"a"});
  ASSERT_EQ(page.problems.size(), 1u);
  EXPECT_THAT(page.problems[0], ::testing::HasSubstr(key + ": nested deeper"));
}

// No lost update: many threads increment through Mutate; every acknowledged
// increment is in the final value.
TEST_P(RepositoryTest, ConcurrentIncrementsLoseNothing) {
  for (const std::string model : {"Counter", "LoggedCounter"}) {
    ASSERT_OK(R(model)->Create({{"id", "hot"}, {"n", 0}}));
    constexpr int kThreads = 4, kEach = 15;
    std::atomic<int> acked{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < kEach; ++i) {
          auto r = R(model)->Mutate({"hot"}, [](Json& d) -> Status {
            d["n"] = d["n"].get<int>() + 1;
            return Status::OK();
          });
          if (r.ok())
            ++acked;
          else
            EXPECT_THAT(r, StatusIs(StatusCode::kAborted));
        }
      });
    }
    for (auto& th : threads) th.join();
    ASSERT_OK_AND_ASSIGN(Entity e, R(model)->Get({"hot"}));
    EXPECT_EQ(e.document["n"], acked.load()) << model;
    EXPECT_GT(acked.load(), 0);
    if (model == "LoggedCounter") {
      ASSERT_OK_AND_ASSIGN(auto hist, R(model)->History({"hot"}));
      EXPECT_EQ(hist.size(), static_cast<size_t>(acked.load() + 1));
    }
  }
}

std::string ParamName(const ::testing::TestParamInfo<Param>& info) {
  return std::string(BackendName(info.param.backend)) + "_" + info.param.layout;
}

#ifdef WORM_ENGINE_TEST_S3
// engine_s3_test: the same tests through the S3 client against worm serve.
INSTANTIATE_TEST_SUITE_P(S3, RepositoryTest,
                         ::testing::Values(Param{Backend::kS3, "root"},
                                           Param{Backend::kS3, "collection"}),
                         ParamName);
#else
INSTANTIATE_TEST_SUITE_P(All, RepositoryTest,
                         ::testing::Values(Param{Backend::kMemory, "root"},
                                           Param{Backend::kMemory, "collection"},
                                           Param{Backend::kMemory, "inline"},
                                           Param{Backend::kLocal, "root"},
                                           Param{Backend::kLocal, "inline"}),
                         ParamName);
#endif

}  // namespace
}  // namespace worm::engine::testing

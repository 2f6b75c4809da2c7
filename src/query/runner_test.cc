// RunQuery over a Project: listing, cache, parallel fetch, withDeleted,
// populate, early stop, request counts.
#include <sqlite3.h>

#include <filesystem>

#include "query/doc_cache.h"
#include "schema/schema.h"
#include "testing/fault_injection_transport.h"
#include "testing/test_util.h"
#include "transport/counting_transport.h"
#include "worm/clock.h"
#include "worm/query.h"
#include "worm/repository.h"

namespace worm {
namespace {

using ::worm::testing::ScratchDir;
using ::worm::testing::StatusIs;
using ::worm::testing::StatusIsWithMessage;

constexpr const char* kSchema = R"json({
  "schemaVersion": "1.0",
  "storage": {"layout": "root"},
  "models": {
    "Customer": {
      "path": "#org/@customers/(id:uuid)", "file": "[profile].json",
      "fields": {"name": {"type": "string", "required": true},
                 "country": {"type": "string"},
                 "ownerId": {"type": "string", "ref": "Customer"}}
    },
    "Order": {
      "path": "#org/@orders/(id:uuid)", "file": "[data].json", "softDelete": true,
      "fields": {"customerId": {"type": "string", "ref": "Customer"},
                 "status": {"type": "string"},
                 "amount": {"type": "number"},
                 "tags": {"type": "array", "items": {"type": "string"}}}
    }
  }
})json";

class RunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto schema = schema::LoadSchema(Json::parse(kSchema));
    ASSERT_OK(schema.status());
    counting_ = NewCountingTransport(NewMemoryTransport(&clock_));
    project_ = Project::Create(std::move(schema).value(), counting_, &clock_);
    ASSERT_OK_AND_ASSIGN(orders_, project_->Get("Order"));
    ASSERT_OK_AND_ASSIGN(customers_, project_->Get("Customer"));
  }

  std::string AddCustomer(const std::string& name, const std::string& owner = "") {
    Json doc = {{"name", name}, {"country", "FR"}};
    if (!owner.empty()) doc["ownerId"] = owner;
    auto e = customers_->Create(doc);
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    return e.ok() ? e->ids[0] : "";
  }

  std::string AddOrder(const Json& doc) {
    clock_.Advance(1000);
    auto e = orders_->Create(doc);
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    return e.ok() ? e->ids[0] : "";
  }

  Result<QueryResult> Query(const std::string& q, QueryRunStats* stats = nullptr,
                            QueryRunOptions options = {}) {
    if (options.cache_dir.empty() && options.use_cache)
      options.cache_dir = cache_dir_.path().string();
    return RunQuery(*project_, "Order", Json::parse(q), options, stats);
  }

  ManualClock clock_{1771927872000000};
  ScratchDir cache_dir_;
  std::shared_ptr<CountingTransport> counting_;
  std::unique_ptr<Project> project_;
  Repository* orders_ = nullptr;
  Repository* customers_ = nullptr;
};

TEST_F(RunnerTest, FiltersSortsAndPagesOverTheBucket) {
  for (int i = 0; i < 30; ++i) {
    AddOrder({{"status", i % 3 == 0 ? "paid" : "open"}, {"amount", i}});
  }
  ASSERT_OK_AND_ASSIGN(QueryResult r,
                       Query(R"({"where":{"status":"paid"},"sort":["-amount"],"limit":4,
                                 "select":["amount"]})"));
  ASSERT_EQ(r.items.size(), 4u);
  EXPECT_EQ(r.items[0].document["amount"], 27);
  EXPECT_EQ(r.items[3].document["amount"], 18);
  EXPECT_TRUE(r.items[0].document.contains("id"));
  EXPECT_FALSE(r.items[0].document.contains("status"));
  ASSERT_FALSE(r.next_cursor.empty());
  Json next = Json::parse(R"({"where":{"status":"paid"},"sort":["-amount"],"limit":10})");
  next["cursor"] = r.next_cursor;
  ASSERT_OK_AND_ASSIGN(QueryResult r2, RunQuery(*project_, "Order", next));
  ASSERT_EQ(r2.items.size(), 6u);
  EXPECT_EQ(r2.items[0].document["amount"], 15);
  EXPECT_TRUE(r2.next_cursor.empty());
}

TEST_F(RunnerTest, ErrorsComeBeforeAnyRequest) {
  AddOrder({{"status", "open"}});
  counting_->Reset();
  EXPECT_THAT(
      Query(R"({"where":{"stauts":"open"}})"),
      StatusIsWithMessage(StatusCode::kInvalidArgument, "model 'Order' has no field 'stauts'"));
  EXPECT_THAT(Query(R"({"where":{"amount":{"$gt":"1"}}})"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(Query(R"({"populate":["status"]})"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_EQ(counting_->Snapshot().total_requests(), 0u);
  EXPECT_THAT(RunQuery(*project_, "Nope", Json::object()), StatusIs(StatusCode::kNotFound));
}

TEST_F(RunnerTest, WarmCacheFetchesOnlyChangedDocuments) {
  std::vector<std::string> ids;
  for (int i = 0; i < 50; ++i) ids.push_back(AddOrder({{"status", "open"}, {"amount", i}}));
  const char* q = R"({"where":{"amount":{"$gte":10}},"aggregate":{"count":true,"sum":["amount"]}})";
  QueryRunStats cold, warm, after;
  counting_->Reset();
  ASSERT_OK_AND_ASSIGN(QueryResult r1, Query(q, &cold));
  TransportCounts cold_counts = counting_->Snapshot();
  EXPECT_TRUE(cold.cache_used);
  EXPECT_EQ(cold.listed, 50u);
  EXPECT_EQ(cold.fetched, 50u);
  EXPECT_EQ(cold_counts[OpClass::kGet].requests, 50u);
  counting_->Reset();
  ASSERT_OK_AND_ASSIGN(QueryResult r2, Query(q, &warm));
  EXPECT_EQ(warm.cache_hits, 50u);
  EXPECT_EQ(warm.fetched, 0u);
  EXPECT_EQ(counting_->Snapshot()[OpClass::kGet].requests, 0u);
  EXPECT_EQ(r1.ToJson(), r2.ToJson());
  // Someone changes two documents: exactly those are fetched again.
  ASSERT_OK(orders_->Patch({ids[3]}, {{"amount", 1000}}).status());
  ASSERT_OK(orders_->Patch({ids[40]}, {{"amount", -1}}).status());
  counting_->Reset();
  ASSERT_OK_AND_ASSIGN(QueryResult r3, Query(q, &after));
  EXPECT_EQ(after.fetched, 2u);
  EXPECT_EQ(after.cache_hits, 48u);
  EXPECT_EQ(counting_->Snapshot()[OpClass::kGet].requests, 2u);
  int64_t sum = 0;
  for (int i = 10; i < 50; ++i) sum += i;
  sum += 1000 - 40;
  EXPECT_EQ(r3.groups[0]["sum"]["amount"], sum);
}

// Warm runs evaluate reduced documents from the cache; results must still
// carry whole documents, exactly as a cold run's, for every query shape.
TEST_F(RunnerTest, WarmResultsEqualColdOnes) {
  std::string ada = AddCustomer("Ada");
  for (int i = 0; i < 1200; ++i) {  // two listing pages
    AddOrder({{"status", i % 3 == 0 ? "paid" : "open"},
              {"amount", (i * 37) % 500},
              {"tags", i % 2 ? Json{"vip", "x"} : Json::array()},
              {"customerId", ada}});
  }
  const char* queries[] = {
      R"({"where":{"status":"paid"},"sort":["-amount"],"limit":7})",
      R"({"where":{"tags":"vip","amount":{"$lt":40}}})",
      R"({"where":{"$or":[{"status":"open"},{"amount":{"$gte":450}}]},"sort":["amount"],
          "limit":5,"offset":3,"select":["amount","tags"]})",
      R"({"sort":["status","-amount"],"limit":4,"populate":["customerId"]})",
      R"({"where":{"status":"open"},"limit":3})",
      R"({"aggregate":{"groupBy":["status"],"count":true,"sum":["amount"],"max":["amount"]}})",
      // Filtered on one member, grouped and summed on others: decode threads
      // filter first and build the rest only for documents that pass.
      R"({"where":{"amount":{"$gte":250}},"aggregate":{"groupBy":["status"],"count":true,
          "sum":["amount"],"distinct":["tags"]}})",
  };
  for (const char* q : queries) {
    std::filesystem::remove_all(cache_dir_.path());
    QueryRunStats cold_stats, warm_stats;
    ASSERT_OK_AND_ASSIGN(QueryResult cold, Query(q, &cold_stats));
    ASSERT_OK_AND_ASSIGN(QueryResult warm, Query(q, &warm_stats));
    EXPECT_EQ(warm_stats.fetched, 0u) << q;
    EXPECT_EQ(warm_stats.cache_hits, cold_stats.fetched) << q;
    EXPECT_EQ(warm.ToJson(), cold.ToJson()) << q;
    EXPECT_EQ(warm.next_cursor, cold.next_cursor) << q;
    EXPECT_EQ(warm.matched, cold.matched) << q;
    EXPECT_EQ(warm.scanned, cold.scanned) << q;
    for (const QueryItem& item : warm.items) {
      ASSERT_OK_AND_ASSIGN(Entity e, orders_->Get({item.document["id"].get<std::string>()}));
      if (std::string(q).find("select") == std::string::npos &&
          std::string(q).find("populate") == std::string::npos) {
        EXPECT_EQ(item.document, e.document) << q;  // the whole stored document
      }
    }
  }
}

// A cached row whose bytes do not hash to the listed ETag is never used.
TEST_F(RunnerTest, TamperedCacheRowIsRefetched) {
  std::string id = AddOrder({{"status", "open"}, {"amount", 5}});
  ASSERT_OK(Query("{}").status());
  ASSERT_OK_AND_ASSIGN(Entity e, orders_->Get({id}));
  std::string path = (cache_dir_.path() / "Order" / "docs.sqlite").string();
  {
    // The cache refuses bytes that are not the ETag's...
    ASSERT_OK_AND_ASSIGN(auto cache, query::DocCache::Open(path));
    Json lie = e.document;
    lie["amount"] = 500;
    ASSERT_OK(cache->Store({{e.key, e.etag, lie.dump()}}));
    EXPECT_TRUE(cache->Lookup(e.key, e.etag).has_value());  // the first query's row
  }
  {
    // ...so tamper with the file itself (its CRC no longer matches).
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, "UPDATE docs SET bytes = ?1 WHERE key = ?2", -1, &st, nullptr),
              SQLITE_OK);
    std::string lie = R"({"amount":500})";
    sqlite3_bind_blob(st, 1, lie.data(), static_cast<int>(lie.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, e.key.data(), static_cast<int>(e.key.size()), SQLITE_TRANSIENT);
    EXPECT_EQ(sqlite3_step(st), SQLITE_DONE);
    EXPECT_EQ(sqlite3_changes(db), 1);
    sqlite3_finalize(st);
    sqlite3_close(db);
  }
  QueryRunStats stats;
  ASSERT_OK_AND_ASSIGN(QueryResult r, Query(R"({"where":{"amount":{"$gte":100}}})", &stats));
  EXPECT_TRUE(r.items.empty());
  EXPECT_EQ(stats.fetched, 1u);
}

TEST_F(RunnerTest, WithoutCacheEveryRunFetches) {
  for (int i = 0; i < 5; ++i) AddOrder({{"amount", i}});
  QueryRunOptions options;
  options.use_cache = false;
  QueryRunStats stats;
  ASSERT_OK(Query("{}", &stats, options).status());
  ASSERT_OK(Query("{}", &stats, options).status());
  EXPECT_FALSE(stats.cache_used);
  EXPECT_EQ(stats.fetched, 5u);
}

// A LIST that fails while pages are listed ahead (the sorted query's
// pipeline) fails the query with the transport's error, whichever page it
// is, and the next run sees everything.
TEST(RunnerPipelineTest, AFailedListFailsTheQueryAndTheNextRunSeesAll) {
  auto schema = schema::LoadSchema(Json::parse(kSchema));
  ASSERT_OK(schema.status());
  ManualClock clock{1771927872000000};
  auto faults = std::make_shared<::worm::testing::FaultInjectionTransport>(NewMemoryTransport());
  std::unique_ptr<Project> project = Project::Create(std::move(schema).value(), faults, &clock);
  ASSERT_OK_AND_ASSIGN(Repository * orders, project->Get("Order"));
  for (int i = 0; i < 2500; ++i) ASSERT_OK(orders->Create({{"amount", i}}).status());
  ScratchDir cache;
  QueryRunOptions options;
  options.cache_dir = cache.path().string();
  Json sorted = Json::parse(R"({"sort": ["-amount"], "limit": 3})");
  for (int nth : {0, 1, 2}) {  // the first, a middle and the last of the 3 pages
    ::worm::testing::FaultSpec spec;
    spec.ops = ::worm::testing::kFaultList;
    spec.nth = nth;
    faults->Arm(spec);
    EXPECT_THAT(RunQuery(*project, "Order", sorted, options), StatusIs(StatusCode::kUnavailable))
        << "LIST #" << nth;
    EXPECT_EQ(faults->faults_injected(), 1);
  }
  faults->Disarm();
  ASSERT_OK_AND_ASSIGN(QueryResult r, RunQuery(*project, "Order", sorted, options));
  ASSERT_EQ(r.items.size(), 3u);
  EXPECT_EQ(r.items[0].document["amount"], 2499);
}

TEST_F(RunnerTest, UnsortedQueriesStopListingEarly) {
  for (int i = 0; i < 2500; ++i) AddOrder({{"amount", i}});
  QueryRunStats stats;
  counting_->Reset();
  ASSERT_OK_AND_ASSIGN(QueryResult r, Query(R"({"limit":5})", &stats));
  EXPECT_EQ(r.items.size(), 5u);
  EXPECT_FALSE(r.next_cursor.empty());
  EXPECT_TRUE(stats.stopped_early);
  // One LIST page, not three (999 entities: the collection's .worm sentinel
  // is one of its 1,000 keys).
  EXPECT_EQ(counting_->Snapshot()[OpClass::kList].requests, 1u);
  EXPECT_EQ(stats.listed, 999u);
  // A sorted query must see everything: ceil(2,501 keys / 1,000) LISTs, no
  // extra one to find the end.
  counting_->Reset();
  ASSERT_OK(Query(R"({"sort":["amount"],"limit":5})", &stats).status());
  EXPECT_EQ(stats.listed, 2500u);
  EXPECT_FALSE(stats.stopped_early);
  EXPECT_EQ(counting_->Snapshot()[OpClass::kList].requests, 3u);
}

TEST_F(RunnerTest, WithDeletedIncludesTheTrash) {
  std::string a = AddOrder({{"status", "open"}, {"amount", 1}});
  std::string b = AddOrder({{"status", "open"}, {"amount", 2}});
  ASSERT_OK(orders_->Delete({b}));
  ASSERT_OK_AND_ASSIGN(QueryResult live, Query(R"({"where":{"status":"open"}})"));
  ASSERT_EQ(live.items.size(), 1u);
  EXPECT_EQ(live.items[0].document["id"], a);
  ASSERT_OK_AND_ASSIGN(
      QueryResult all,
      Query(R"({"where":{"status":"open"},"withDeleted":true,"sort":["amount"]})"));
  ASSERT_EQ(all.items.size(), 2u);
  EXPECT_EQ(all.items[1].document["id"], b);
}

TEST_F(RunnerTest, PopulateFetchesEachReferenceOnce) {
  std::string boss = AddCustomer("Boss");
  std::string ada = AddCustomer("Ada", boss);
  for (int i = 0; i < 4; ++i) AddOrder({{"customerId", ada}, {"amount", i}});
  std::string gone = AddCustomer("Gone");
  AddOrder({{"customerId", gone}, {"amount", 9}});
  RemoveOptions hard;
  hard.hard = true;
  ASSERT_OK(customers_->Delete({gone}, hard));  // leaves a dangling reference
  QueryRunStats stats;
  ASSERT_OK_AND_ASSIGN(
      QueryResult r,
      Query(R"({"sort":["amount"],"populate":["customerId.ownerId"],"select":["customerId"]})",
            &stats));
  ASSERT_EQ(r.items.size(), 5u);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(r.items[i].document["customerId"]["name"], "Ada");
    EXPECT_EQ(r.items[i].document["customerId"]["ownerId"]["name"], "Boss");
  }
  // A dangling reference keeps its id.
  EXPECT_EQ(r.items[4].document["customerId"], gone);
  EXPECT_EQ(stats.populated, 3u);  // Ada, Boss, and the missing one: once each
}

// {"a":[[...]]}: an object nested `depth` levels in all.
std::string DeepDocument(int depth) {
  return "{\"a\": " + std::string(depth - 1, '[') + std::string(depth - 1, ']') + "}";
}

// An undecodable stored document (not JSON, or nested deeper than
// kMaxJsonDepth: 200,000 levels once crashed the query) is left out and
// reported; the rest of the model stays queryable, from fetches and cache.
TEST_F(RunnerTest, UndecodableStoredDocumentsAreLeftOutAndReported) {
  std::string good = AddOrder({{"amount", 1}, {"status", "paid"}});
  std::string bad = AddOrder({{"amount", 2}});
  std::string deep = AddOrder({{"amount", 3}});
  ASSERT_OK_AND_ASSIGN(Entity b, orders_->Get({bad}));
  ASSERT_OK_AND_ASSIGN(Entity d, orders_->Get({deep}));
  ASSERT_OK(counting_->Put(b.key, "{not json", {}).status());
  ASSERT_OK(counting_->Put(d.key, DeepDocument(200000), {}).status());
  for (int run = 0; run < 2; ++run) {  // fetched, then the good one from the cache
    for (const char* q : {"{}", R"({"where": {"amount": {"$gte": 0}}})"}) {
      ASSERT_OK_AND_ASSIGN(QueryResult r, Query(q));
      ASSERT_EQ(r.items.size(), 1u) << q;
      EXPECT_EQ(r.items[0].document["id"], good);
      ASSERT_EQ(r.problems.size(), 2u);
      EXPECT_THAT(r.problems[0] + r.problems[1], ::testing::HasSubstr(b.key + ": invalid JSON"));
      EXPECT_THAT(r.problems[0] + r.problems[1],
                  ::testing::HasSubstr(d.key + ": nested deeper than the limit of 128 levels"));
      EXPECT_EQ(r.ToJson()["problems"].size(), 2u);
    }
  }
  ASSERT_OK_AND_ASSIGN(QueryResult count, Query(R"({"aggregate": {"count": true}})"));
  EXPECT_EQ(count.groups[0]["count"], 1);
  EXPECT_EQ(count.problems.size(), 2u);
}

// A document in the cache (written by an older worm, or by hand) nested past
// the limit is not decoded by the partial parser either.
TEST_F(RunnerTest, CachedDocumentNestedPastTheLimitIsAProblemToo) {
  std::string id = AddOrder({{"amount", 1}});
  ASSERT_OK_AND_ASSIGN(Entity e, orders_->Get({id}));
  std::string text = DeepDocument(kMaxJsonDepth + 1);
  ASSERT_OK_AND_ASSIGN(PutResult put, counting_->Put(e.key, text, {}));
  {
    auto cache = query::DocCache::Open((cache_dir_.path() / "Order" / "docs.sqlite").string());
    ASSERT_OK(cache.status());
    ASSERT_OK((*cache)->Store({{e.key, put.etag, text}}));
  }
  ASSERT_OK_AND_ASSIGN(QueryResult r, Query(R"({"where": {"amount": 1}})"));
  EXPECT_TRUE(r.items.empty());
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_THAT(r.problems[0], ::testing::HasSubstr("limit of 128 levels"));
}

TEST_F(RunnerTest, PopulateLeavesTheIdOfAnUndecodableReferencedDocument) {
  std::string ada = AddCustomer("Ada");
  AddOrder({{"customerId", ada}});
  ASSERT_OK_AND_ASSIGN(Entity c, customers_->Get({ada}));
  ASSERT_OK(counting_->Put(c.key, DeepDocument(200000), {}).status());
  ASSERT_OK_AND_ASSIGN(QueryResult r, Query(R"({"populate": ["customerId"]})"));
  ASSERT_EQ(r.items.size(), 1u);
  EXPECT_EQ(r.items[0].document["customerId"], ada);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_THAT(r.problems[0], ::testing::HasSubstr(c.key));
}

// Populate is the engine's (Repository::Populate), memoized over the whole
// page: 100 rows naming 3 customers read each of them once, cold or warm.
TEST_F(RunnerTest, HundredRowsNamingThreeEntitiesReadEachOnce) {
  std::vector<std::string> cs = {AddCustomer("A"), AddCustomer("B"), AddCustomer("C")};
  for (int i = 0; i < 100; ++i) AddOrder({{"customerId", cs[i % 3]}, {"amount", i}});
  const char* q = R"({"sort":["amount"],"populate":["customerId"]})";
  for (bool cached : {false, true}) {  // the first run fills the cache
    QueryRunStats stats;
    counting_->Reset();
    ASSERT_OK_AND_ASSIGN(QueryResult r, Query(q, &stats));
    ASSERT_EQ(r.items.size(), 100u);
    EXPECT_EQ(r.items[99].document["customerId"]["name"], "A") << cached;
    EXPECT_EQ(stats.populated, 3u);
    EXPECT_EQ(counting_->Snapshot()[OpClass::kGet].requests, (cached ? 0u : 100u) + 3u);
  }
}

// What follows a ref lies in the referenced model: the engine checks it,
// before any request like the rest of the query.
TEST_F(RunnerTest, PopulateBeyondARefIsCheckedBeforeAnyRequest) {
  AddOrder({{"amount", 1}});
  counting_->Reset();
  EXPECT_THAT(Query(R"({"populate":["customerId.nope"]})"),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "no field 'nope' in Customer"));
  EXPECT_EQ(counting_->Snapshot().total_requests(), 0u);
}

// Every document a query reads is decoded by the engine: a problem is the
// engine's message for it, word for word, whether the bytes were fetched or
// came from the cache.
TEST_F(RunnerTest, ProblemsAreTheEnginesDecodeErrors) {
  std::string good = AddOrder({{"amount", 1}});
  std::string bad = AddOrder({{"amount", 2}});
  ASSERT_OK_AND_ASSIGN(Entity b, orders_->Get({bad}));
  ASSERT_OK_AND_ASSIGN(PutResult put, counting_->Put(b.key, "{\"amount\": 2,", {}));
  Status engine = orders_->Get({bad}).status();
  ASSERT_EQ(engine.code(), StatusCode::kDataLoss);
  for (int run = 0; run < 2; ++run) {
    ASSERT_OK_AND_ASSIGN(QueryResult r, Query(R"({"where":{"amount":{"$gte":0}}})"));
    ASSERT_EQ(r.items.size(), 1u);
    ASSERT_EQ(r.problems.size(), 1u);
    EXPECT_EQ(r.problems[0], engine.message()) << run;
  }
  // A cached row the partial parser refuses goes to the engine as well.
  {
    auto cache = query::DocCache::Open((cache_dir_.path() / "Order" / "docs.sqlite").string());
    ASSERT_OK(cache.status());
    ASSERT_OK((*cache)->Store({{b.key, put.etag, "{\"amount\": 2,"}}));
  }
  QueryRunStats stats;
  ASSERT_OK_AND_ASSIGN(QueryResult r, Query(R"({"where":{"amount":{"$gte":0}}})", &stats));
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0], engine.message());
}

TEST_F(RunnerTest, ProjectOnDiskCachesUnderDotWorm) {
  ScratchDir dir;
  std::filesystem::create_directories(dir.path() / ".worm");
  ::worm::testing::WriteFileOrDie(dir.path() / ".worm" / "schema.json", kSchema);
  ASSERT_OK_AND_ASSIGN(auto project, Project::Open(dir.path().string()));
  ASSERT_OK_AND_ASSIGN(Repository * orders, project->Get("Order"));
  ASSERT_OK(orders->Create({{"amount", 3}}).status());
  QueryRunStats stats;
  ASSERT_OK(RunQuery(*project, "Order", Json::object(), {}, &stats).status());
  EXPECT_TRUE(stats.cache_used);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / ".worm" / "cache" / "Order" / "docs.sqlite"));
  ASSERT_OK(RunQuery(*project, "Order", Json::object(), {}, &stats).status());
  EXPECT_EQ(stats.cache_hits, 1u);
  // Safe to delete.
  std::filesystem::remove_all(dir.path() / ".worm" / "cache");
  ASSERT_OK_AND_ASSIGN(QueryResult r, RunQuery(*project, "Order", Json::object(), {}, &stats));
  EXPECT_EQ(r.items.size(), 1u);
  EXPECT_EQ(stats.fetched, 1u);
}

}  // namespace
}  // namespace worm

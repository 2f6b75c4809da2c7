// The streaming evaluator: sort, top-k, limit/offset, cursors, Done().
#include <map>
#include <random>
#include <set>

#include "testing/test_util.h"
#include "worm/query.h"

namespace worm {
namespace {

using ::worm::testing::StatusIs;
using ::worm::testing::StatusIsWithMessage;
using Docs = std::vector<std::pair<std::string, Json>>;

Docs Sample() {
  Docs docs;
  const char* const kTexts[] = {
      R"({"id":"a","name":"Ada","amount":120,"status":"active","createdAt":"2024-01-03"})",
      R"({"id":"b","name":"bob","amount":5,"status":"closed","createdAt":"2024-01-01"})",
      R"({"id":"c","name":"Carl","amount":120.0,"status":"active","createdAt":"2024-01-02"})",
      R"({"id":"d","name":"dora","status":"active","createdAt":"2024-01-05"})",
      R"({"id":"e","name":"Émile","amount":null,"status":"new","createdAt":"2024-01-04"})",
      R"({"id":"f","name":"Fay","amount":-1,"status":"active","createdAt":"2024-01-06"})",
  };
  for (const char* t : kTexts) {
    Json d = Json::parse(t);
    docs.emplace_back(d["id"].get<std::string>(), d);
  }
  return docs;
}

std::vector<std::string> Keys(const QueryResult& r) {
  std::vector<std::string> out;
  for (const auto& item : r.items) out.push_back(item.key);
  return out;
}

QueryResult Exec(const Json& query, const Docs& docs, EvaluatorOptions options = {}) {
  auto q = CompiledQuery::Compile(query);
  EXPECT_TRUE(q.ok()) << q.status().ToString();
  if (!q.ok()) return {};
  auto r = RunQuery(*q, docs, options);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : QueryResult{};
}

using V = std::vector<std::string>;

TEST(EvaluatorTest, UnsortedResultsAreInKeyOrder) {
  Docs docs = Sample();
  std::reverse(docs.begin(), docs.end());
  EXPECT_EQ(Keys(Exec({{"where", {{"status", "active"}}}}, docs)), (V{"a", "c", "d", "f"}));
}

TEST(EvaluatorTest, SortAscendingMissingAndNullFirst) {
  EXPECT_EQ(Keys(Exec({{"sort", {"amount"}}}, Sample())), (V{"d", "e", "f", "b", "a", "c"}));
}

TEST(EvaluatorTest, SortDescendingTiesBrokenByKeyAscending) {
  EXPECT_EQ(Keys(Exec({{"sort", "-amount"}}, Sample())), (V{"a", "c", "b", "f", "e", "d"}));
}

TEST(EvaluatorTest, MultiKeySort) {
  EXPECT_EQ(Keys(Exec({{"sort", {"status", "-createdAt"}}}, Sample())),
            (V{"f", "d", "a", "c", "b", "e"}));
}

TEST(EvaluatorTest, StringSortIsByteOrder) {
  EXPECT_EQ(Keys(Exec({{"sort", {"name"}}}, Sample())), (V{"a", "c", "f", "b", "d", "e"}));
}

TEST(EvaluatorTest, LimitAndOffset) {
  EXPECT_EQ(Keys(Exec({{"sort", {"createdAt"}}, {"limit", 2}}, Sample())), (V{"b", "c"}));
  EXPECT_EQ(Keys(Exec({{"sort", {"createdAt"}}, {"limit", 2}, {"offset", 2}}, Sample())),
            (V{"a", "e"}));
  EXPECT_EQ(Keys(Exec({{"sort", {"createdAt"}}, {"offset", 5}}, Sample())), (V{"f"}));
  EXPECT_EQ(Keys(Exec({{"sort", {"createdAt"}}, {"offset", 50}}, Sample())), (V{}));
  EXPECT_EQ(Keys(Exec({{"limit", 0}}, Sample())), (V{}));
  QueryResult r = Exec({{"limit", 0}}, Sample());
  EXPECT_EQ(r.matched, 6u);
  EXPECT_TRUE(r.next_cursor.empty());
}

TEST(EvaluatorTest, HugeLimitAndOffsetDoNotOverflow) {
  EXPECT_EQ(
      Keys(Exec(Json::parse(R"({"limit":18446744073709551615,"offset":1})"), Sample())).size(), 5u);
  EXPECT_EQ(Keys(Exec(Json::parse(R"({"limit":9223372036854775807,"offset":18446744073709551615})"),
                      Sample()))
                .size(),
            0u);
}

TEST(EvaluatorTest, ToJsonShapes) {
  QueryResult r = Exec({{"sort", {"createdAt"}}, {"limit", 1}, {"select", {"name"}}}, Sample());
  Json j = r.ToJson();
  EXPECT_EQ(j["items"], Json::parse(R"([{"id":"b","name":"bob"}])"));
  EXPECT_TRUE(j["next"].is_string());
  QueryResult last = Exec({{"sort", {"createdAt"}}, {"select", {"name"}}}, Sample());
  EXPECT_TRUE(last.ToJson()["next"].is_null());
}

TEST(EvaluatorTest, NextIsNullExactlyWhenNothingFollows) {
  EXPECT_FALSE(Exec({{"limit", 5}}, Sample()).next_cursor.empty());
  EXPECT_TRUE(Exec({{"limit", 6}}, Sample()).next_cursor.empty());
  EXPECT_TRUE(Exec({{"limit", 7}}, Sample()).next_cursor.empty());
}

// Walks every page with `limit`, returning keys in order.
V Paginate(Json query, const Docs& docs, int limit, int* pages = nullptr) {
  V out;
  query["limit"] = limit;
  for (int page = 0; page < 100; ++page) {
    QueryResult r = Exec(query, docs);
    for (const auto& k : Keys(r)) out.push_back(k);
    if (pages) *pages = page + 1;
    if (r.next_cursor.empty()) break;
    query["cursor"] = r.next_cursor;
  }
  return out;
}

TEST(EvaluatorTest, CursorPagesEqualOneBigQuery) {
  for (const Json& sort :
       {Json(nullptr), Json("-amount"), Json({"status", "-createdAt"}), Json({"name"})}) {
    Json q = {{"sort", sort}};
    V all = Keys(Exec(q, Sample()));
    for (int limit = 1; limit <= 7; ++limit) {
      int pages = 0;
      EXPECT_EQ(Paginate(q, Sample(), limit, &pages), all) << sort << " limit " << limit;
      EXPECT_EQ(pages, std::max(1, (6 + limit - 1) / limit)) << sort << " limit " << limit;
    }
  }
}

TEST(EvaluatorTest, CursorRefusedForAnotherQuery) {
  QueryResult r = Exec({{"sort", {"name"}}, {"limit", 2}}, Sample());
  ASSERT_FALSE(r.next_cursor.empty());
  EXPECT_THAT(CompiledQuery::Compile({{"sort", {"-name"}}, {"cursor", r.next_cursor}}),
              StatusIsWithMessage(StatusCode::kInvalidArgument,
                                  "cursor: made by a query with a different where or sort"));
  EXPECT_THAT(CompiledQuery::Compile(
                  {{"sort", {"name"}}, {"where", {{"a", 1}}}, {"cursor", r.next_cursor}}),
              StatusIs(StatusCode::kInvalidArgument));
  // Limit and select may change between pages.
  EXPECT_OK(CompiledQuery::Compile(
      {{"sort", {"name"}}, {"limit", 10}, {"select", {"name"}}, {"cursor", r.next_cursor}}));
  EXPECT_THAT(
      CompiledQuery::Compile({{"sort", {"name"}}, {"offset", 1}, {"cursor", r.next_cursor}}),
      StatusIsWithMessage(StatusCode::kInvalidArgument, "cursor: cannot be combined with offset"));
  EXPECT_THAT(CompiledQuery::Compile({{"cursor", "!!!"}}),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "cursor: not base64url"));
  EXPECT_THAT(CompiledQuery::Compile({{"cursor", "e30"}}),  // "{}"
              StatusIsWithMessage(StatusCode::kInvalidArgument, "cursor: not a cursor"));
  EXPECT_THAT(CompiledQuery::Compile({{"cursor", 5}}), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_OK(CompiledQuery::Compile({{"cursor", ""}}));  // "" is the first page
}

// Pages keep their promise while others write: every entity present from the
// first page to the last is returned exactly once, no entity twice, and the
// concatenation is in query order.
TEST(EvaluatorTest, CursorStableUnderConcurrentInsertsAndDeletes) {
  std::mt19937 rng(::testing::UnitTest::GetInstance()->random_seed());
  for (const char* sort : {"-amount", "amount", "createdAt", ""}) {
    std::map<std::string, Json> live;
    int next_id = 0;
    std::set<std::string> used;  // keys are never reused: no entity changes position
    auto insert = [&] {
      char key[16];
      do {
        std::snprintf(key, sizeof(key), "k%05d", int(rng() % 100000));
      } while (!used.insert(key).second);
      Json doc = {{"id", key}, {"amount", int(rng() % 20)}, {"createdAt", next_id++}};
      if (rng() % 5 == 0) doc.erase("amount");
      live[key] = doc;
    };
    for (int i = 0; i < 60; ++i) insert();
    std::set<std::string> initial;
    for (const auto& [k, d] : live) initial.insert(k);
    std::set<std::string> deleted_at_some_point;
    Json query = {{"limit", 7}};
    if (*sort) query["sort"] = sort;
    V seen;
    std::vector<Json> seen_docs;
    for (int page = 0; page < 100; ++page) {
      Docs docs(live.begin(), live.end());
      std::shuffle(docs.begin(), docs.end(), rng);  // arrival order must not matter
      QueryResult r = Exec(query, docs);
      for (const auto& item : r.items) {
        seen.push_back(item.key);
        seen_docs.push_back(item.document);
      }
      if (r.next_cursor.empty()) break;
      query["cursor"] = r.next_cursor;
      for (int i = 0; i < 5; ++i) insert();  // others write between pages
      if (!live.empty() && rng() % 2 == 0) {
        auto it = std::next(live.begin(), rng() % live.size());
        deleted_at_some_point.insert(it->first);
        live.erase(it);
      }
    }
    std::set<std::string> unique(seen.begin(), seen.end());
    EXPECT_EQ(unique.size(), seen.size()) << "an entity was returned twice; sort " << sort;
    for (const std::string& k : initial) {
      if (!deleted_at_some_point.contains(k)) {
        EXPECT_TRUE(unique.contains(k)) << k << " was skipped; sort " << sort;
      }
    }
    // In order: re-sorting what was seen changes nothing.
    Docs seen_pairs;
    for (size_t i = 0; i < seen.size(); ++i) seen_pairs.emplace_back(seen[i], seen_docs[i]);
    Json all = {{"sort", *sort ? Json(sort) : Json(nullptr)}};
    EXPECT_EQ(Keys(Exec(all, seen_pairs)), seen) << sort;
  }
}

TEST(EvaluatorTest, TopKKeepsOnlyWhatItNeeds) {
  // 10,000 documents through a limit-3 sorted query: the result is the true top 3.
  Docs docs;
  for (int i = 0; i < 10000; ++i) {
    docs.emplace_back("k" + std::to_string(i), Json{{"v", (i * 7919) % 10007}});
  }
  QueryResult r = Exec({{"sort", "-v"}, {"limit", 3}}, docs);
  ASSERT_EQ(r.items.size(), 3u);
  EXPECT_EQ(r.items[0].document["v"], 10006);
  EXPECT_EQ(r.items[1].document["v"], 10005);
  EXPECT_EQ(r.items[2].document["v"], 10004);
  EXPECT_EQ(r.matched, 10000u);
}

TEST(EvaluatorTest, DoneStopsEarlyOnKeyOrderedInput) {
  auto q = CompiledQuery::Compile({{"where", {{"status", "active"}}}, {"limit", 2}});
  ASSERT_OK(q.status());
  QueryEvaluator ev(*q, {.keys_ascending = true});
  Docs docs = Sample();
  size_t fed = 0;
  for (const auto& [k, d] : docs) {
    ASSERT_OK(ev.Add(k, d));
    ++fed;
    if (ev.Done()) break;
  }
  EXPECT_EQ(fed, 4u);  // a, c fill the page; d proves there is more
  ASSERT_OK_AND_ASSIGN(QueryResult r, ev.Finish());
  EXPECT_EQ(Keys(r), (V{"a", "c"}));
  EXPECT_FALSE(r.next_cursor.empty());
}

TEST(EvaluatorTest, DoneNeverForSortedQueries) {
  auto q = CompiledQuery::Compile({{"sort", "name"}, {"limit", 1}});
  ASSERT_OK(q.status());
  QueryEvaluator ev(*q, {.keys_ascending = true});
  for (const auto& [k, d] : Sample()) ASSERT_OK(ev.Add(k, d));
  EXPECT_FALSE(ev.Done());
}

TEST(EvaluatorTest, KeysAscendingPromiseIsChecked) {
  auto q = CompiledQuery::Compile(Json::object());
  ASSERT_OK(q.status());
  QueryEvaluator ev(*q, {.keys_ascending = true});
  ASSERT_OK(ev.Add("b", Json::object()));
  EXPECT_THAT(ev.Add("a", Json::object()), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ev.Add("b", Json::object()), StatusIs(StatusCode::kInvalidArgument));
}

// Skip stands for Add of a document the caller found not to match, AddMatch
// for one it found to match: same counts, same key order check, and the
// result is the same as adding each.
TEST(EvaluatorTest, SkipAndAddMatchCountAsAdds) {
  auto q = CompiledQuery::Compile({{"where", {{"status", "active"}}}});
  ASSERT_OK(q.status());
  QueryEvaluator skipping(*q, {.keys_ascending = true}), adding(*q, {.keys_ascending = true});
  size_t attached = 0;
  auto attach = [&](Json*) { ++attached; };
  for (const auto& [k, d] : Sample()) {
    ASSERT_OK(adding.Add(k, d));
    ASSERT_OK(q->Matches(d) ? skipping.AddMatch(k, Json(d), attach) : skipping.Skip(k));
  }
  EXPECT_GT(attached, 0u);
  EXPECT_THAT(skipping.Skip("a"), StatusIs(StatusCode::kInvalidArgument));
  ASSERT_OK_AND_ASSIGN(QueryResult skipped, skipping.Finish());
  ASSERT_OK_AND_ASSIGN(QueryResult added, adding.Finish());
  EXPECT_EQ(skipped.scanned, added.scanned);
  EXPECT_EQ(skipped.matched, added.matched);
  EXPECT_EQ(Keys(skipped), Keys(added));
  EXPECT_THAT(skipping.Skip("z"), StatusIs(StatusCode::kFailedPrecondition));
  // AddMatch takes the caller's word: "where" is not tested again.
  QueryEvaluator trusting(*q);
  ASSERT_OK(trusting.AddMatch("k", Json{{"status", "gone"}}, attach));
  EXPECT_EQ(trusting.matched(), 1u);
}

TEST(EvaluatorTest, FinishTwiceAndAddAfterFinish) {
  auto q = CompiledQuery::Compile(Json::object());
  ASSERT_OK(q.status());
  QueryEvaluator ev(*q);
  ASSERT_OK(ev.Finish().status());
  EXPECT_THAT(ev.Finish(), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(ev.Add("a", Json::object()), StatusIs(StatusCode::kFailedPrecondition));
}

TEST(EvaluatorTest, MovedDocumentsAreKept) {
  auto q = CompiledQuery::Compile({{"sort", "n"}});
  ASSERT_OK(q.status());
  QueryEvaluator ev(*q);
  for (int i = 3; i > 0; --i) ASSERT_OK(ev.Add("k" + std::to_string(i), Json{{"n", i}}));
  ASSERT_OK_AND_ASSIGN(QueryResult r, ev.Finish());
  EXPECT_EQ(Keys(r), (V{"k1", "k2", "k3"}));
  EXPECT_EQ(r.items[0].document, Json({{"n", 1}}));
}

TEST(EvaluatorTest, ProjectionCanBeDeferred) {
  auto q = CompiledQuery::Compile({{"select", {"name"}}});
  ASSERT_OK(q.status());
  ASSERT_OK_AND_ASSIGN(QueryResult r, RunQuery(*q, Sample(), {.project = false}));
  EXPECT_TRUE(r.items[0].document.contains("amount"));
  EXPECT_EQ(q->Project(r.items[0].document), Json::parse(R"({"id":"a","name":"Ada"})"));
}

TEST(EvaluatorTest, SortByArrayPathUsesTheArrayOfValues) {
  Docs docs = {{"x", Json::parse(R"({"items":[{"p":2},{"p":1}]})")},
               {"y", Json::parse(R"({"items":[{"p":1},{"p":5}]})")},
               {"z", Json::parse(R"({"items":[]})")}};
  // [] < [1,5] < [2,1]
  EXPECT_EQ(Keys(Exec({{"sort", "items.p"}}, docs)), (V{"z", "y", "x"}));
  EXPECT_EQ(Keys(Exec({{"sort", "items.0.p"}}, docs)), (V{"z", "y", "x"}));
  EXPECT_EQ(Keys(Exec({{"sort", "items.1.p"}}, docs)), (V{"z", "x", "y"}));
}

TEST(EvaluatorTest, QueryLevelErrors) {
  EXPECT_THAT(
      CompiledQuery::Compile({{"limit", -1}}),
      StatusIsWithMessage(StatusCode::kInvalidArgument, "query: limit: must not be negative"));
  EXPECT_THAT(
      CompiledQuery::Compile({{"offset", -3}}),
      StatusIsWithMessage(StatusCode::kInvalidArgument, "query: offset: must not be negative"));
  EXPECT_THAT(
      CompiledQuery::Compile({{"limit", 1.5}}),
      StatusIsWithMessage(StatusCode::kInvalidArgument, "limit: expects a non-negative integer"));
  EXPECT_THAT(CompiledQuery::Compile({{"limit", "10"}}), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(CompiledQuery::Compile({{"filter", {}}}),
              StatusIsWithMessage(StatusCode::kInvalidArgument,
                                  "query: filter: unknown query member 'filter'"));
  EXPECT_THAT(
      CompiledQuery::Compile({{"sort", {"name", 3}}}),
      StatusIsWithMessage(StatusCode::kInvalidArgument, "query: sort[1]: expects a field path"));
  EXPECT_THAT(CompiledQuery::Compile({{"sort", {"-"}}}),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "sort[0]: empty field path"));
  EXPECT_THAT(CompiledQuery::Compile({{"sort", {{"a", 1}}}}),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(
      CompiledQuery::Compile({{"withDeleted", "yes"}}),
      StatusIsWithMessage(StatusCode::kInvalidArgument, "withDeleted: expects true or false"));
  EXPECT_THAT(CompiledQuery::Compile(Json::array()),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "query: query: expects an object"));
  EXPECT_THAT(CompiledQuery::Parse("{\"where\": "),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "query: invalid JSON at line 1"));
}

TEST(EvaluatorTest, AccessorsReflectTheQuery) {
  ASSERT_OK_AND_ASSIGN(
      CompiledQuery q,
      CompiledQuery::Parse(
          R"({"sort":"a","limit":3,"offset":1,"populate":["c"],"withDeleted":true})"));
  EXPECT_TRUE(q.has_sort());
  EXPECT_EQ(q.limit(), 3u);
  EXPECT_EQ(q.offset(), 1u);
  EXPECT_EQ(q.populate(), (V{"c"}));
  EXPECT_TRUE(q.with_deleted());
  EXPECT_FALSE(q.is_aggregate());
  EXPECT_FALSE(q.has_cursor());
  EXPECT_EQ(q.id_fields(), (V{"id"}));
  EXPECT_EQ(q.fingerprint().size(), 16u);
  ASSERT_OK_AND_ASSIGN(CompiledQuery q2, CompiledQuery::Parse(R"({"sort":["a"],"limit":9})"));
  EXPECT_EQ(q.fingerprint(), q2.fingerprint());  // limit does not matter, sort spelling neither
}

}  // namespace
}  // namespace worm

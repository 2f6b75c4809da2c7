// The oplog's write-ahead rule, checked from the live side: an entity whose
// live state is neither the newest entry's nor the state that entry was
// written against (an interrupted write) is reported by VerifyOplog and
// Repair and refused by writes, never "rolled forward" over: the newest
// entries were removed, or the document was changed outside worm. Each case
// takes the real operations to the state, then removes or alters files as a
// crash, a truncated copy or a plain S3 tool would.
#include <atomic>
#include <thread>

#include "engine/engine_internal.h"
#include "engine/engine_test_util.h"
#include "testing/fault_injection_transport.h"

namespace worm::engine::testing {
namespace {

using ::worm::testing::StatusIs;
using ::worm::testing::StatusIsWithMessage;

constexpr const char* kModel = "LoggedCounter";  // oplog + softDelete

// "pending", "agrees", ... or the error.
std::string StateOf(const Result<OplogState>& r) {
  return r.ok() ? std::string(OplogStateName(*r)) : r.status().ToString();
}

class OplogTest : public ::testing::Test {
 protected:
  Repository* R() { return tp_.repo(kModel); }
  static std::string Live(const std::string& id) { return "app/lcounters/" + id + "/c.json"; }
  static std::string Entry(const std::string& id, int seq) {
    char name[16];
    std::snprintf(name, sizeof(name), "%04d.json", seq);
    return ".oplog/app/lcounters/" + id + "/" + name;
  }
  static std::string TrashCopy(const std::string& id) {
    return ".worm.trash/app/lcounters/" + id + "/c.json";
  }
  static std::string Tombstone(const std::string& id) {
    return ".worm.trash/app/lcounters/" + id + "/.worm.tombstone";
  }
  std::string Bytes(const std::string& key) {
    auto got = tp_.transport->Get(key, {});
    return got.ok() ? got->data : std::string("<missing>");
  }
  void Remove(const std::string& key) {
    ASSERT_TRUE(tp_.Has(key)) << key;
    ASSERT_OK(tp_.transport->Delete(key, {}));
  }
  // A fresh process: no oplog head cache.
  Repository* Fresh() {
    others_.push_back(Project::Create(TestSchema(), tp_.transport, &tp_.clock));
    return *others_.back()->Get(kModel);
  }
  // Repair reports the entity (naming it and `what`) and changes nothing.
  void ExpectReportedAndUntouched(const std::string& id, const std::string& what) {
    const std::string live = Bytes(Live(id)), trash = Bytes(TrashCopy(id)),
                      tomb = Bytes(Tombstone(id));
    ASSERT_OK_AND_ASSIGN(RepairReport rep, Fresh()->Repair());
    EXPECT_TRUE(rep.actions.empty()) << rep.ToJson().dump();
    std::vector<std::string> mine;
    for (const std::string& p : rep.problems) {
      if (p.rfind(std::string(kModel) + " " + id + ": ", 0) == 0) mine.push_back(p);
    }
    ASSERT_EQ(mine.size(), 1u) << rep.ToJson().dump();
    EXPECT_NE(mine[0].find(what), std::string::npos) << mine[0];
    EXPECT_EQ(Bytes(Live(id)), live);
    EXPECT_EQ(Bytes(TrashCopy(id)), trash);
    EXPECT_EQ(Bytes(Tombstone(id)), tomb);
    EXPECT_THAT(Fresh()->VerifyOplog({id}), StatusIsWithMessage(StatusCode::kDataLoss, what));
  }
  TestProject tp_;
  std::vector<std::unique_ptr<Project>> others_;
};

// The scenario: create, patch, the newest entry removed. The live
// document is the acknowledged patch; entry 1 is older, not pending.
TEST_F(OplogTest, RemovedNewestEntryIsReportedNotRolledBack) {
  ASSERT_OK(R()->Create({{"id", "a"}, {"n", 1}}));
  ASSERT_OK(R()->Patch({"a"}, {{"n", 2}}));
  Remove(Entry("a", 2));
  const std::string live = Bytes(Live("a"));
  ExpectReportedAndUntouched("a", "matches no oplog entry");
  // Writes refuse too, from this process (head cached at 2) and a fresh one.
  for (Repository* r : {R(), Fresh()}) {
    EXPECT_THAT(r->Patch({"a"}, {{"n", 3}}),
                StatusIsWithMessage(StatusCode::kDataLoss, "left untouched"));
    EXPECT_THAT(r->Delete({"a"}), StatusIs(StatusCode::kDataLoss));
    EXPECT_THAT(r->Snapshot({"a"}), StatusIs(StatusCode::kDataLoss));
  }
  EXPECT_EQ(Bytes(Live("a")), live);
  EXPECT_EQ(Json::parse(live)["n"], 2);
  EXPECT_FALSE(tp_.Has(Entry("a", 2)));  // nothing appended either
}

// The live document put back to an older version than the one before the
// newest entry: not an interrupted write either.
TEST_F(OplogTest, LiveOlderThanThePreviousEntryIsReported) {
  ASSERT_OK(R()->Create({{"id", "a"}, {"n", 1}}));
  const std::string v1 = Bytes(Live("a"));
  ASSERT_OK(R()->Patch({"a"}, {{"n", 2}}));
  ASSERT_OK(R()->Patch({"a"}, {{"n", 3}}));
  ASSERT_OK(tp_.transport->Put(Live("a"), v1, {}).status());
  ExpectReportedAndUntouched("a", "older version (oplog entry 1's");
  EXPECT_THAT(Fresh()->Patch({"a"}, {{"n", 4}}), StatusIs(StatusCode::kDataLoss));
  EXPECT_EQ(Bytes(Live("a")), v1);
}

// A gap before a pending entry: without entry N-1 nothing says the live
// document is what entry N replaced (entries from before "beforeHash").
TEST_F(OplogTest, GapBeforePendingEntryIsNotGuessedAcross) {
  ASSERT_OK_AND_ASSIGN(Entity e, R()->Create({{"id", "a"}, {"n", 1}}));
  ASSERT_OK(R()->Patch({"a"}, {{"n", 2}}));
  ASSERT_OK_AND_ASSIGN(auto h, R()->History({"a"}));
  Json after = e.document;
  after["n"] = 3;
  Json entry = {{"seq", 3},
                {"op", "update"},
                {"at", "x"},
                {"actor", "crash"},
                {"prevHash", HashDoc(h[1].raw)},
                {"after", after},
                {"afterHash", HashDoc(after)}};
  ASSERT_OK(tp_.transport->Put(Entry("a", 3), entry.dump(), {}).status());
  Remove(Entry("a", 2));
  const std::string live = Bytes(Live("a"));
  ExpectReportedAndUntouched("a", "missing entry 2");
  EXPECT_THAT(Fresh()->Patch({"a"}, {{"n", 4}}),
              StatusIsWithMessage(StatusCode::kDataLoss, "entry 2, the state entry 3 replaced"));
  EXPECT_EQ(Bytes(Live("a")), live);
}

// A removed middle entry with the live document at the head: the chain is
// broken, and VerifyOplog (`worm log`) and Repair say so.
TEST_F(OplogTest, GapInTheMiddleIsReported) {
  ASSERT_OK(R()->Create({{"id", "a"}, {"n", 1}}));
  ASSERT_OK(R()->Patch({"a"}, {{"n", 2}}));
  ASSERT_OK(R()->Patch({"a"}, {{"n", 3}}));
  Remove(Entry("a", 2));
  ExpectReportedAndUntouched("a", "missing entry 2");
}

// Soft-deleted entity whose delete entry was removed: the trash holds the
// document the newest entry wrote. Rolling "forward" would resurrect it.
TEST_F(OplogTest, RemovedDeleteEntryOfTrashedEntityIsReported) {
  for (const bool patched : {false, true}) {
    SCOPED_TRACE(patched ? "create, patch, delete" : "create, delete");
    const std::string id = patched ? "p" : "c";
    ASSERT_OK(R()->Create({{"id", id}, {"n", 1}}));
    if (patched) ASSERT_OK(R()->Patch({id}, {{"n", 2}}));
    ASSERT_OK(R()->Delete({id}));
    Remove(Entry(id, patched ? 3 : 2));
    ExpectReportedAndUntouched(id, "in the trash, but no delete entry follows");
    EXPECT_FALSE(tp_.Has(Live(id)));
    EXPECT_THAT(Fresh()->Restore({id}), StatusIs(StatusCode::kDataLoss));
    EXPECT_FALSE(tp_.Has(Live(id)));
    EXPECT_TRUE(tp_.Has(TrashCopy(id)));
  }
}

// After a delete, a live document the delete did not remove (a re-create
// whose entry was removed, or a plain S3 PUT): deleting it to the trash would
// also overwrite the trashed copy of the old entity.
TEST_F(OplogTest, LiveDocumentAfterRemovedCreateEntryIsNotDeleted) {
  ASSERT_OK(R()->Create({{"id", "a"}, {"n", 1}}));
  ASSERT_OK(R()->Delete({"a"}));
  CreateOptions co;
  co.ids = {"a"};
  ASSERT_OK(R()->Create({{"n", 2}}, co));
  Remove(Entry("a", 3));
  ExpectReportedAndUntouched("a", "did not delete");
  EXPECT_EQ(Json::parse(Bytes(Live("a")))["n"], 2);
  EXPECT_EQ(Json::parse(Bytes(TrashCopy("a")))["n"], 1);
}

// Restored from the trash, then the restore entry removed: the live document
// is not the one the (newest) delete entry deleted, so it is not deleted again.
TEST_F(OplogTest, RestoredEntityWithRemovedRestoreEntryIsNotDeletedAgain) {
  ASSERT_OK(R()->Create({{"id", "a"}, {"n", 1}}));
  ASSERT_OK(R()->Delete({"a"}));
  tp_.clock.Advance(1000);  // the restore stamps updatedAt: a different document
  ASSERT_OK(R()->Restore({"a"}));
  Remove(Entry("a", 3));
  ExpectReportedAndUntouched("a", "did not delete");
  EXPECT_TRUE(tp_.Has(Live("a")));
}

// The live document deleted outside worm while the log says it exists.
TEST_F(OplogTest, MissingLiveDocumentIsReportedNotRecreated) {
  ASSERT_OK(R()->Create({{"id", "a"}, {"n", 1}}));
  ASSERT_OK(R()->Patch({"a"}, {{"n", 2}}));
  Remove(Live("a"));
  ExpectReportedAndUntouched("a", "the live document is missing");
  EXPECT_FALSE(tp_.Has(Live("a")));
}

// A soft delete "under way" (tombstone "deleting", live untouched) with no
// delete entry: the delete entry precedes the tombstone, so it was removed.
TEST_F(OplogTest, DeletingTombstoneWithoutDeleteEntryIsNotCompleted) {
  ASSERT_OK(R()->Create({{"id", "a"}, {"n", 1}}));
  ASSERT_OK(R()->Patch({"a"}, {{"n", 2}}));
  ASSERT_OK_AND_ASSIGN(Object live, tp_.transport->Get(Live("a"), {}));
  Json tomb = {{"deletedAt", "x"},         {"actor", "worm"},        {"reason", ""},
               {"originalKey", Live("a")}, {"etag", live.meta.etag}, {"state", "deleting"}};
  ASSERT_OK(tp_.transport->Put(Tombstone("a"), tomb.dump(), {}).status());
  ASSERT_OK(tp_.transport->Put(TrashCopy("a"), live.data, {}).status());
  ASSERT_OK_AND_ASSIGN(RepairReport rep, Fresh()->Repair());
  EXPECT_FALSE(rep.ok()) << rep.ToJson().dump();
  ASSERT_EQ(rep.problems.size(), 1u) << rep.ToJson().dump();
  EXPECT_NE(rep.problems[0].find("is not a delete"), std::string::npos) << rep.problems[0];
  EXPECT_TRUE(rep.actions.empty()) << rep.ToJson().dump();
  EXPECT_EQ(Bytes(Live("a")), live.data);
}

// The way out once the live state is judged right: AdoptLive records it as
// an entry (the chain stays intact) and the entity is usable again.
TEST_F(OplogTest, AdoptLiveReanchorsTheChain) {
  ASSERT_OK(R()->Create({{"id", "a"}, {"n", 1}}));
  ASSERT_OK(R()->Patch({"a"}, {{"n", 2}}));
  EXPECT_THAT(R()->AdoptLive({"a"}), StatusIs(StatusCode::kFailedPrecondition));  // agrees
  Remove(Entry("a", 2));
  const std::string live = Bytes(Live("a"));
  ASSERT_OK_AND_ASSIGN(OplogEntry adopted, Fresh()->AdoptLive({"a"}));
  EXPECT_EQ(adopted.seq, 2);
  EXPECT_EQ(adopted.op, "update");
  EXPECT_THAT(adopted.raw.value("reason", ""), ::testing::HasSubstr("adopted: "));
  EXPECT_EQ(Bytes(Live("a")), live);
  EXPECT_EQ(StateOf(Fresh()->VerifyOplog({"a"})), "agrees");
  ASSERT_OK(Fresh()->Patch({"a"}, {{"n", 3}}));
  ASSERT_OK_AND_ASSIGN(auto h, R()->History({"a"}));
  EXPECT_EQ(h.size(), 3u);

  // A live document deleted outside worm: adopted as a delete.
  Remove(Live("a"));
  ASSERT_OK_AND_ASSIGN(adopted, Fresh()->AdoptLive({"a"}));
  EXPECT_EQ(adopted.op, "delete");
  EXPECT_EQ(StateOf(Fresh()->VerifyOplog({"a"})), "agrees");
  CreateOptions co;
  co.ids = {"a"};
  EXPECT_OK(Fresh()->Create({{"n", 9}}, co));

  // A gap cannot be adopted.
  ASSERT_OK(R()->Patch({"a"}, {{"n", 10}}));
  Remove(Entry("a", 2));
  EXPECT_THAT(Fresh()->AdoptLive({"a"}), StatusIs(StatusCode::kDataLoss));
}

// The interrupted writes the log exists for are still completed, in a fresh
// process: an update (live = the state before it) and a delete.
TEST_F(OplogTest, InterruptedWritesAreStillRolledForward) {
  for (const bool del : {false, true}) {
    SCOPED_TRACE(del ? "delete" : "update");
    const std::string id = del ? "d" : "u";
    ASSERT_OK(R()->Create({{"id", id}, {"n", 1}}));
    auto faulty = std::make_shared<worm::testing::FaultInjectionTransport>(tp_.transport);
    auto victim = Project::Create(TestSchema(), faulty, &tp_.clock);
    worm::testing::FaultSpec spec;
    spec.ops = worm::testing::kFaultWrites;
    spec.key_prefix = del ? ".worm.trash/" : Live(id);  // the first write after the entry
    faulty->Arm(spec);
    Repository* v = *victim->Get(kModel);
    EXPECT_FALSE((del ? v->Delete({id}) : v->Patch({id}, {{"n", 2}}).status()).ok());
    ASSERT_EQ(faulty->faults_injected(), 1);
    ASSERT_TRUE(tp_.Has(Entry(id, 2)));
    EXPECT_EQ(StateOf(Fresh()->VerifyOplog({id})), "pending");
    ASSERT_OK_AND_ASSIGN(RepairReport rep, Fresh()->Repair());
    EXPECT_TRUE(rep.ok()) << rep.ToJson().dump();
    EXPECT_EQ(rep.actions.size(), 1u) << rep.ToJson().dump();
    if (del) {
      EXPECT_FALSE(tp_.Has(Live(id)));
      EXPECT_TRUE(tp_.Has(TrashCopy(id)));
    } else {
      EXPECT_EQ(tp_.Raw(Live(id))["n"], 2);
    }
    EXPECT_EQ(StateOf(Fresh()->VerifyOplog({id})), "agrees");
  }
}

// A document written outside worm has no history and is fine; worm's first
// update of it records what it replaced, so a crash right after that entry
// is still rolled forward, and a later change outside worm is reported.
TEST_F(OplogTest, DocumentWrittenOutsideWormStartsAHistory) {
  Json doc = {{"id", "s"}, {"n", 1}};
  ASSERT_OK(tp_.transport->Put(Live("s"), doc.dump(), {}).status());
  EXPECT_EQ(StateOf(R()->VerifyOplog({"s"})), "noHistory");
  ASSERT_OK_AND_ASSIGN(RepairReport rep, R()->Repair());
  EXPECT_TRUE(rep.ok() && rep.actions.empty()) << rep.ToJson().dump();

  auto faulty = std::make_shared<worm::testing::FaultInjectionTransport>(tp_.transport);
  auto victim = Project::Create(TestSchema(), faulty, &tp_.clock);
  worm::testing::FaultSpec spec;
  spec.ops = worm::testing::kFaultWrites;
  spec.key_prefix = Live("s");
  faulty->Arm(spec);
  EXPECT_FALSE((*victim->Get(kModel))->Patch({"s"}, {{"n", 2}}).ok());
  ASSERT_TRUE(tp_.Has(Entry("s", 1)));
  EXPECT_EQ(tp_.Raw(Entry("s", 1))["op"], "update");
  EXPECT_EQ(StateOf(Fresh()->VerifyOplog({"s"})), "pending");
  ASSERT_OK_AND_ASSIGN(rep, Fresh()->Repair());
  EXPECT_TRUE(rep.ok()) << rep.ToJson().dump();
  EXPECT_EQ(tp_.Raw(Live("s"))["n"], 2);

  // Changed outside worm after that: reported, kept.
  Json edited = tp_.Raw(Live("s"));
  edited["n"] = 9;
  ASSERT_OK(tp_.transport->Put(Live("s"), edited.dump(), {}).status());
  ExpectReportedAndUntouched("s", "changed outside worm");
}

// The whole oplog folder removed: the entity is then exactly a document
// written outside worm (no history), which stays usable; the next write
// starts a new chain.
TEST_F(OplogTest, RemovedOplogFolderMeansNoHistory) {
  ASSERT_OK(R()->Create({{"id", "a"}, {"n", 1}}));
  ASSERT_OK(R()->Patch({"a"}, {{"n", 2}}));
  Remove(Entry("a", 1));
  Remove(Entry("a", 2));
  Repository* r = Fresh();
  EXPECT_EQ(StateOf(r->VerifyOplog({"a"})), "noHistory");
  ASSERT_OK_AND_ASSIGN(RepairReport rep, r->Repair());
  EXPECT_TRUE(rep.ok() && rep.actions.empty()) << rep.ToJson().dump();
  ASSERT_OK(r->Patch({"a"}, {{"n", 3}}));
  ASSERT_OK_AND_ASSIGN(auto h, r->History({"a"}));
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].op, "update");
  EXPECT_EQ(StateOf(r->VerifyOplog({"a"})), "agrees");
  EXPECT_EQ(StateOf(tp_.repo("Counter")->VerifyOplog({"x"})), "noOplog");
}

// Writers racing a verifier: an entity moving on between the reads is never
// taken for a contradiction (the live object is re-read before that).
TEST_F(OplogTest, ConcurrentWritesAreNeverReportedAsContradictions) {
  ASSERT_OK(R()->Create({{"id", "hot"}, {"n", 0}}));
  std::atomic<bool> done{false};
  std::vector<Repository*> repos = {Fresh(), Fresh(), Fresh()};  // one per thread
  std::vector<std::thread> writers;
  for (int w = 0; w < 2; ++w) {
    writers.emplace_back([&, w] {
      Repository* mine = repos[w];
      for (int i = 0; i < 40; ++i) EXPECT_OK(mine->Patch({"hot"}, {{"n", w * 100 + i}}));
    });
  }
  std::thread verifier([&] {
    Repository* mine = repos[2];
    int rounds = 0;
    while (!done || rounds == 0) {
      ++rounds;
      auto st = mine->VerifyOplog({"hot"});
      EXPECT_NE(st.status().code(), StatusCode::kDataLoss) << st.status();
      ASSERT_OK_AND_ASSIGN(RepairReport rep, mine->Repair());
      // Losing races repeatedly may be reported (retry later); a
      // contradiction may not.
      for (const std::string& p : rep.problems) {
        EXPECT_EQ(p.find("contradicts"), std::string::npos) << p;
        EXPECT_EQ(p.find("DataLoss"), std::string::npos) << p;
      }
    }
  });
  for (auto& t : writers) t.join();
  done = true;
  verifier.join();
  EXPECT_EQ(StateOf(R()->VerifyOplog({"hot"})), "agrees");
}

}  // namespace
}  // namespace worm::engine::testing

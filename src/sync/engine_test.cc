// SyncEngine over memory (and local fs) transports: every transition of the
// three-way sync, conflicts and --force both ways, prune, dry runs, resume
// after injected failures, conditional writes, and a no-op status that reads
// no object body.
#include "sync/engine.h"

#include <atomic>
#include <functional>

#include "testing/test_util.h"

namespace worm::sync {
namespace {

using worm::testing::ScratchDir;
using worm::testing::StatusIs;

// Counts calls per operation (test-local: no dependency on other wrappers).
class CountingWrapper : public TransportWrapper {
 public:
  using TransportWrapper::TransportWrapper;
  std::atomic<int> heads{0}, gets{0}, puts{0}, deletes{0}, lists{0};
  Result<ObjectMeta> Head(const Key& k, const ReadOptions& o) override {
    ++heads;
    return target_->Head(k, o);
  }
  Result<Object> Get(const Key& k, const ReadOptions& o) override {
    ++gets;
    return target_->Get(k, o);
  }
  Result<std::unique_ptr<ReadStream>> OpenRead(const Key& k, const ReadOptions& o) override {
    ++gets;
    return target_->OpenRead(k, o);
  }
  Result<PutResult> Put(const Key& k, ByteView d, const WriteOptions& o) override {
    ++puts;
    return target_->Put(k, d, o);
  }
  Result<std::unique_ptr<WriteStream>> OpenWrite(const Key& k, const WriteOptions& o) override {
    ++puts;
    return target_->OpenWrite(k, o);
  }
  Status Delete(const Key& k, const DeleteOptions& o) override {
    ++deletes;
    return target_->Delete(k, o);
  }
  Result<ListPage> List(const ListRequest& r) override {
    ++lists;
    return target_->List(r);
  }
};

// Like s3rver: no conditional writes (kCreate / kUpdate are Unimplemented).
class NoConditionalWrapper : public TransportWrapper {
 public:
  using TransportWrapper::TransportWrapper;
  Capabilities capabilities() const override {
    Capabilities c = target_->capabilities();
    c.conditional_create = c.conditional_update = c.conditional_delete = false;
    return c;
  }
  Result<PutResult> Put(const Key& k, ByteView d, const WriteOptions& o) override {
    if (o.mode != PutMode::kOverwrite) return Status::Unimplemented("no conditional put");
    return target_->Put(k, d, o);
  }
  Status Delete(const Key& k, const DeleteOptions& o) override {
    if (!o.if_match.empty()) return Status::Unimplemented("no conditional delete");
    return target_->Delete(k, o);
  }
};

// A remote that, like Ceph RGW 16.2, honours If-Match on PUT but ignores it
// on DELETE, as S3Transport presents it there: capabilities() say so and a
// conditional Delete compares the ETag with a HEAD, then deletes. `in_window`
// runs between that check and the delete (the window a HEAD cannot close).
class IgnoresDeleteConditionWrapper : public TransportWrapper {
 public:
  using TransportWrapper::TransportWrapper;
  std::function<void(const Key&)> in_window;
  std::function<void(const Key&)> before_fence;  // runs before a fence's PUT
  std::atomic<int> fences{0};
  Capabilities capabilities() const override {
    Capabilities c = target_->capabilities();
    c.conditional_delete = false;
    return c;
  }
  Result<PutResult> Put(const Key& k, ByteView d, const WriteOptions& o) override {
    if (d == kDeleteFence) {
      ++fences;
      if (before_fence) before_fence(k);
    }
    return target_->Put(k, d, o);
  }
  Status Delete(const Key& k, const DeleteOptions& o) override {
    if (!o.if_match.empty()) {
      auto m = target_->Head(k, {});
      if (!m.ok() || m->etag != o.if_match) return Status::FailedPrecondition(k + ": changed");
    }
    if (in_window) in_window(k);
    return target_->Delete(k, {});
  }
};

// Fails the `fail_at`-th Put (1-based): before applying it, or after (a lost
// acknowledgement).
class FailingPutWrapper : public TransportWrapper {
 public:
  FailingPutWrapper(std::shared_ptr<Transport> t, int fail_at, bool after)
      : TransportWrapper(std::move(t)), fail_at_(fail_at), after_(after) {}
  Result<PutResult> Put(const Key& k, ByteView d, const WriteOptions& o) override {
    if (++count_ != fail_at_) return target_->Put(k, d, o);
    if (after_) (void)target_->Put(k, d, o);
    return Status::Unavailable("injected failure on put " + k);
  }

 private:
  std::atomic<int> count_{0};
  int fail_at_;
  bool after_;
};

// A server whose PUT is not atomic, killed mid-request: the `fail_at`-th Put
// leaves half the body behind and fails.
class TornPutWrapper : public TransportWrapper {
 public:
  TornPutWrapper(std::shared_ptr<Transport> t, int fail_at)
      : TransportWrapper(std::move(t)), fail_at_(fail_at) {}
  Result<PutResult> Put(const Key& k, ByteView d, const WriteOptions& o) override {
    if (++count_ != fail_at_) return target_->Put(k, d, o);
    (void)target_->Put(k, d.substr(0, d.size() / 2), {});
    return Status::Unavailable("connection reset while putting " + k);
  }

 private:
  std::atomic<int> count_{0};
  int fail_at_;
};

// Another writer changes `key` on the remote right after each listing.
class RacingWriterWrapper : public TransportWrapper {
 public:
  RacingWriterWrapper(std::shared_ptr<Transport> t, std::string key)
      : TransportWrapper(std::move(t)), key_(std::move(key)) {}
  bool armed = false;
  Result<ListPage> List(const ListRequest& r) override {
    auto page = target_->List(r);
    if (armed && page.ok() && page->next_token.empty()) {
      (void)target_->Put(key_, "{\"by\":\"someone else\"}", {});
    }
    return page;
  }

 private:
  std::string key_;
};

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Fresh per call: loops in tests call SetUp() again for a clean slate.
    state_.reset();
    auto st = StateDb::Open((dir_.path() / ("state" + std::to_string(++fresh_) + ".db")).string());
    ASSERT_TRUE(st.ok()) << st.status();
    state_ = std::move(st).value();
    local_ = NewMemoryTransport();
    remote_ = NewMemoryTransport();
    Reset();
  }

  // A fresh engine (as a new process would make) over the current sides.
  void Reset(std::shared_ptr<Transport> remote = nullptr) {
    engine_ =
        std::make_unique<SyncEngine>(local_, remote ? remote : remote_, state_.get(), "origin");
  }

  static void Write(Transport& t, const std::string& key, const std::string& body) {
    ASSERT_OK(t.Put(key, body, {}));
  }
  static std::optional<std::string> Read(Transport& t, const std::string& key) {
    auto r = t.Get(key, {});
    if (!r.ok()) return std::nullopt;
    return r->data;
  }
  // Keys and bodies of a side, sentinels excluded.
  static std::map<std::string, std::string> Contents(Transport& t) {
    std::map<std::string, std::string> out;
    auto all = t.ListAll("");
    EXPECT_TRUE(all.ok());
    for (const auto& m : *all) {
      if (!IsSentinelKey(m.key)) out[m.key] = *Read(t, m.key);
    }
    return out;
  }
  SyncState StateOf(const std::string& key) {
    auto c = engine_->Scan(false);
    EXPECT_TRUE(c.ok()) << c.status();
    for (const Entry& e : c->entries) {
      if (e.key == key) return e.state;
    }
    return SyncState::kUnchanged;
  }
  Classification ScanOrDie() {
    auto c = engine_->Scan();
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? *c : Classification{};
  }
  SyncReport PushOrDie(SyncOptions o = {}) {
    auto r = engine_->Push(o);
    EXPECT_TRUE(r.ok()) << r.status();
    if (r.ok()) EXPECT_OK(r->FirstError("push"));
    return r.ok() ? *r : SyncReport{};
  }
  SyncReport PullOrDie(SyncOptions o = {}) {
    auto r = engine_->Pull(o);
    EXPECT_TRUE(r.ok()) << r.status();
    if (r.ok()) EXPECT_OK(r->FirstError("pull"));
    return r.ok() ? *r : SyncReport{};
  }
  // Pushes a.json and b.json so both sides and the base agree.
  void Synced() {
    Write(*local_, "a.json", "{\"v\":1}");
    Write(*local_, "b.json", "{\"v\":2}");
    PushOrDie();
    Classification c = ScanOrDie();
    ASSERT_EQ(c.ahead + c.behind + c.conflicts, 0u);
  }

  ScratchDir dir_;
  int fresh_ = 0;
  std::unique_ptr<StateDb> state_;
  std::shared_ptr<Transport> local_, remote_;
  std::unique_ptr<SyncEngine> engine_;
};

TEST_F(EngineTest, PushUploadsNewFilesThenStatusIsClean) {
  Write(*local_, "org/customers/1/profile.json", "{\"name\":\"A\"}");
  Write(*local_, "org/settings/config.json", "{}");
  SyncOptions o;
  o.sentinels = {{".worm", "{\"format\":1}"}, {"org/customers/.worm", "{\"format\":1}"}};
  SyncReport r = PushOrDie(o);
  EXPECT_EQ(r.uploaded, 2u);
  EXPECT_EQ(r.sentinels, 2u);
  EXPECT_EQ(Contents(*remote_), Contents(*local_));
  EXPECT_EQ(*Read(*remote_, ".worm"), "{\"format\":1}");
  Classification c = ScanOrDie();
  EXPECT_EQ(c.ahead + c.behind + c.conflicts, 0u);
  EXPECT_EQ(c.unchanged, 2u);
  // Sentinels already there are not rewritten.
  EXPECT_EQ(PushOrDie(o).sentinels, 0u);
}

TEST_F(EngineTest, LocalModifyAndDeleteArePushed) {
  Synced();
  Write(*local_, "a.json", "{\"v\":10}");
  ASSERT_OK(local_->Delete("b.json", {}));
  EXPECT_EQ(StateOf("a.json"), SyncState::kLocalModified);
  EXPECT_EQ(StateOf("b.json"), SyncState::kLocalDeleted);
  SyncReport r = PushOrDie();
  EXPECT_EQ(r.uploaded, 1u);
  EXPECT_EQ(r.deleted_remote, 1u);
  EXPECT_EQ(Contents(*remote_), Contents(*local_));
  EXPECT_EQ(StateOf("a.json"), SyncState::kUnchanged);
}

TEST_F(EngineTest, RemoteAddModifyDeleteArePulledDeletesOnlyWithPrune) {
  Synced();
  Write(*remote_, "c.json", "{\"v\":3}");
  Write(*remote_, "a.json", "{\"v\":11}");
  ASSERT_OK(remote_->Delete("b.json", {}));
  EXPECT_EQ(StateOf("c.json"), SyncState::kRemoteAdded);
  EXPECT_EQ(StateOf("a.json"), SyncState::kRemoteModified);
  EXPECT_EQ(StateOf("b.json"), SyncState::kRemoteDeleted);
  SyncReport r = PullOrDie();
  EXPECT_EQ(r.downloaded, 2u);
  EXPECT_EQ(r.deleted_local, 0u);
  EXPECT_EQ(r.skipped, 1u);
  EXPECT_TRUE(Read(*local_, "b.json").has_value());  // kept without --prune
  EXPECT_EQ(StateOf("b.json"), SyncState::kRemoteDeleted);
  SyncOptions prune;
  prune.prune = true;
  EXPECT_EQ(PullOrDie(prune).deleted_local, 1u);
  EXPECT_EQ(Contents(*local_), Contents(*remote_));
  Classification c = ScanOrDie();
  EXPECT_EQ(c.ahead + c.behind + c.conflicts, 0u);
}

TEST_F(EngineTest, PushDoesNotTouchBehindKeysAndPullDoesNotTouchAheadKeys) {
  Synced();
  Write(*local_, "mine.json", "1");
  Write(*remote_, "theirs.json", "2");
  SyncReport push = PushOrDie();
  EXPECT_EQ(push.uploaded, 1u);
  EXPECT_EQ(push.skipped, 1u);
  EXPECT_FALSE(Read(*local_, "theirs.json"));
  Write(*local_, "mine2.json", "3");
  SyncReport pull = PullOrDie();
  EXPECT_EQ(pull.downloaded, 1u);
  EXPECT_FALSE(Read(*remote_, "mine2.json"));
}

TEST_F(EngineTest, ConflictsRefuseBothWaysUntilForced) {
  Synced();
  Write(*local_, "a.json", "{\"v\":\"local\"}");
  Write(*remote_, "a.json", "{\"v\":\"remote\"}");
  EXPECT_EQ(StateOf("a.json"), SyncState::kConflict);
  EXPECT_THAT(engine_->Push({}), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(engine_->Pull({}), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_EQ(*Read(*remote_, "a.json"), "{\"v\":\"remote\"}");
  SyncOptions force;
  force.force = true;
  PushOrDie(force);  // local wins
  EXPECT_EQ(*Read(*remote_, "a.json"), "{\"v\":\"local\"}");
  EXPECT_EQ(StateOf("a.json"), SyncState::kUnchanged);

  Write(*local_, "b.json", "{\"v\":\"local\"}");
  Write(*remote_, "b.json", "{\"v\":\"remote\"}");
  PullOrDie(force);  // remote wins
  EXPECT_EQ(*Read(*local_, "b.json"), "{\"v\":\"remote\"}");
  EXPECT_EQ(StateOf("b.json"), SyncState::kUnchanged);
}

TEST_F(EngineTest, ModifyDeleteConflictsResolveByForce) {
  Synced();
  Write(*local_, "a.json", "changed");
  ASSERT_OK(remote_->Delete("a.json", {}));
  ASSERT_OK(local_->Delete("b.json", {}));
  Write(*remote_, "b.json", "changed too");
  Classification c = ScanOrDie();
  EXPECT_EQ(c.conflicts, 2u);
  SyncOptions force;
  force.force = true;
  PushOrDie(force);  // local wins: a re-created remotely, b deleted remotely
  EXPECT_EQ(*Read(*remote_, "a.json"), "changed");
  EXPECT_FALSE(Read(*remote_, "b.json"));
  EXPECT_EQ(ScanOrDie().conflicts, 0u);
}

TEST_F(EngineTest, PullForceDeletesLocalWhenRemoteDeletedInConflict) {
  Synced();
  Write(*local_, "a.json", "changed");
  ASSERT_OK(remote_->Delete("a.json", {}));
  SyncOptions force;
  force.force = true;
  PullOrDie(force);
  EXPECT_FALSE(Read(*local_, "a.json"));
  EXPECT_EQ(ScanOrDie().conflicts, 0u);
}

TEST_F(EngineTest, IdenticalContentOnBothSidesIsRecordedNotAConflict) {
  Write(*local_, "x.json", "same");
  Write(*remote_, "x.json", "same");
  EXPECT_EQ(StateOf("x.json"), SyncState::kInSync);
  ScanOrDie();  // records it
  EXPECT_EQ(StateOf("x.json"), SyncState::kUnchanged);
}

TEST_F(EngineTest, DryRunChangesNothing) {
  Synced();
  Write(*local_, "a.json", "new");
  Write(*local_, "n.json", "new");
  Write(*remote_, "r.json", "theirs");
  Write(*remote_, "same.json", "same");
  Write(*local_, "same.json", "same");
  auto before_remote = Contents(*remote_);
  auto before_local = Contents(*local_);
  ASSERT_OK_AND_ASSIGN(BaseMap before_base, state_->Load("origin"));
  SyncOptions dry;
  dry.dry_run = true;
  dry.prune = true;
  dry.sentinels = {{".worm", "{}"}};
  ASSERT_OK_AND_ASSIGN(SyncReport push, engine_->Push(dry));
  EXPECT_TRUE(push.dry_run);
  EXPECT_EQ(push.uploaded, 2u);  // what it would do
  ASSERT_OK_AND_ASSIGN(SyncReport pull, engine_->Pull(dry));
  EXPECT_EQ(pull.downloaded, 1u);
  EXPECT_EQ(Contents(*remote_), before_remote);
  EXPECT_EQ(Contents(*local_), before_local);
  EXPECT_FALSE(Read(*remote_, ".worm"));
  ASSERT_OK_AND_ASSIGN(BaseMap after_base, state_->Load("origin"));
  EXPECT_EQ(after_base.size(), before_base.size());
}

TEST_F(EngineTest, NoOpStatusReadsNoBodies) {
  for (int i = 0; i < 2500; ++i) Write(*local_, "c/" + std::to_string(i) + ".json", "{}");
  PushOrDie();
  auto counted_remote = std::make_shared<CountingWrapper>(remote_);
  auto counted_local = std::make_shared<CountingWrapper>(local_);
  SyncEngine engine(counted_local, counted_remote, state_.get(), "origin");
  ASSERT_OK_AND_ASSIGN(Classification c, engine.Scan());
  EXPECT_EQ(c.unchanged, 2500u);
  EXPECT_EQ(c.ahead + c.behind + c.conflicts, 0u);
  EXPECT_EQ(counted_remote->gets.load(), 0);
  EXPECT_EQ(counted_remote->heads.load(), 0);
  EXPECT_EQ(counted_remote->puts.load(), 0);
  EXPECT_EQ(counted_remote->lists.load(), 3);  // 1,000 keys per page
  EXPECT_EQ(counted_local->gets.load(), 0);
  EXPECT_EQ(counted_local->heads.load(), 0);
}

TEST_F(EngineTest, ParallelRangeListingFindsKeysTheBaseNeverSaw) {
  for (int i = 0; i < 2500; ++i) Write(*local_, "c/" + std::to_string(i * 2), "{}");
  PushOrDie();
  // Remote keys interleaved with, before and after the base's range bounds.
  for (int i = 0; i < 1500; ++i) Write(*remote_, "c/" + std::to_string(i * 2 + 1), "{}");
  Write(*remote_, "a-first", "{}");
  Write(*remote_, "z-last", "{}");
  ASSERT_OK(remote_->Delete("c/0", {}));
  ASSERT_OK_AND_ASSIGN(Classification c, engine_->Scan(false));
  EXPECT_EQ(c.behind, 1503u);
  EXPECT_EQ(c.unchanged, 2499u);
  EXPECT_EQ(c.entries.size(), 4002u);
  for (size_t i = 1; i < c.entries.size(); ++i) ASSERT_LT(c.entries[i - 1].key, c.entries[i].key);
}

TEST_F(EngineTest, ResumesAfterAFailedPut) {
  for (bool after : {false, true}) {
    for (int fail_at = 1; fail_at <= 6; ++fail_at) {
      SetUp();
      for (int i = 0; i < 5; ++i) Write(*local_, "k" + std::to_string(i), "v" + std::to_string(i));
      auto failing = std::make_shared<FailingPutWrapper>(remote_, fail_at, after);
      Reset(failing);
      SyncOptions o;
      o.jobs = 1;
      auto first = engine_->Push(o);
      ASSERT_TRUE(first.ok());
      if (fail_at <= 5) {
        EXPECT_THAT(first->FirstError("push"), StatusIs(StatusCode::kUnavailable));
      }
      Reset();  // rerun, as a new process would
      SyncReport second = PushOrDie(o);
      EXPECT_EQ(second.uploaded, fail_at <= 5 && !after ? 1u : 0u)
          << "fail_at=" << fail_at << " after=" << after;
      EXPECT_EQ(Contents(*remote_), Contents(*local_));
      Classification c = ScanOrDie();
      EXPECT_EQ(c.ahead + c.behind + c.conflicts, 0u);
    }
  }
}

TEST_F(EngineTest, TornWriteOfAnInterruptedPushIsRedoneNotAConflict) {
  Synced();
  Write(*local_, "a.json", "{\"v\":\"a new and longer body\"}");
  Write(*local_, "n.json", "{\"v\":\"another new body\"}");
  auto torn = std::make_shared<TornPutWrapper>(remote_, 1);
  Reset(torn);
  SyncOptions o;
  o.jobs = 1;
  ASSERT_OK_AND_ASSIGN(SyncReport first, engine_->Push(o));
  EXPECT_THAT(first.FirstError("push"), StatusIs(StatusCode::kUnavailable));
  Reset();
  ASSERT_OK_AND_ASSIGN(Classification c, engine_->Scan(false));
  EXPECT_EQ(c.conflicts, 0u);
  PushOrDie(o);
  EXPECT_EQ(Contents(*remote_), Contents(*local_));
  // Once the local file differs from what was being uploaded, it is a
  // conflict again: the intent no longer vouches for the remote copy.
  Reset(std::make_shared<TornPutWrapper>(remote_, 1));
  Write(*local_, "a.json", "{\"v\":3}");
  ASSERT_OK_AND_ASSIGN(first, engine_->Push(o));
  Write(*local_, "a.json", "{\"v\":4}");
  Reset();
  EXPECT_EQ(StateOf("a.json"), SyncState::kConflict);
}

TEST_F(EngineTest, ConcurrentRemoteChangeIsDetectedNotOverwritten) {
  for (bool conditional : {true, false}) {
    SetUp();
    Synced();
    Write(*local_, "a.json", "{\"v\":\"mine\"}");
    auto racing = std::make_shared<RacingWriterWrapper>(remote_, "a.json");
    std::shared_ptr<Transport> remote = racing;
    if (!conditional) remote = std::make_shared<NoConditionalWrapper>(racing);
    Reset(remote);
    racing->armed = true;
    ASSERT_OK_AND_ASSIGN(SyncReport r, engine_->Push({}));
    racing->armed = false;
    EXPECT_THAT(r.FirstError("push"), StatusIs(StatusCode::kFailedPrecondition))
        << "conditional=" << conditional;
    EXPECT_EQ(*Read(*remote_, "a.json"), "{\"by\":\"someone else\"}");
    EXPECT_EQ(StateOf("a.json"), SyncState::kConflict);
  }
}

// The remote gets exactly the local bytes between the scan and the upload
// (an interrupted push's PUT that the server finished after its client was
// killed, as Ceph RGW does): the refused create-only PUT is recognised as
// in sync, not reported as a conflict.
TEST_F(EngineTest, RefusedUploadOfBytesTheRemoteAlreadyHoldsIsInSync) {
  const std::string body = "{\"by\":\"someone else\"}";  // what the racer writes
  Write(*local_, "a.json", body);
  auto racing = std::make_shared<RacingWriterWrapper>(remote_, "a.json");
  Reset(racing);
  racing->armed = true;
  SyncReport r = PushOrDie();
  racing->armed = false;
  EXPECT_EQ(r.failed, 0u);
  EXPECT_EQ(StateOf("a.json"), SyncState::kUnchanged);
}

TEST_F(EngineTest, WorksWithoutConditionalWrites) {
  auto plain = std::make_shared<NoConditionalWrapper>(remote_);
  Reset(plain);
  Write(*local_, "a.json", "1");
  Write(*local_, "b.json", "2");
  PushOrDie();
  Write(*local_, "a.json", "11");
  ASSERT_OK(local_->Delete("b.json", {}));
  SyncReport r = PushOrDie();
  EXPECT_EQ(r.uploaded, 1u);
  EXPECT_EQ(r.deleted_remote, 1u);
  EXPECT_EQ(Contents(*remote_), Contents(*local_));
}

// On a server that ignores If-Match on DELETE, a push's delete is fenced: a
// conditional PUT of kDeleteFence, then the DELETE. Another writer that uses
// conditions (as push itself does) then never loses a change, however its
// write interleaves with the delete.
TEST_F(EngineTest, FencedDeleteNeverLosesAConditionalRemoteChange) {
  auto rgw = std::make_shared<IgnoresDeleteConditionWrapper>(remote_);
  Reset(rgw);
  Synced();
  ASSERT_OK_AND_ASSIGN(ObjectMeta base, remote_->Head("b.json", {}));

  // No race: the delete goes through, fenced, and leaves no fence behind.
  ASSERT_OK(local_->Delete("a.json", {}));
  SyncReport r = PushOrDie();
  EXPECT_EQ(r.deleted_remote, 1u);
  EXPECT_EQ(r.delete_guarantee, DeleteGuarantee::kFenced);
  EXPECT_EQ(rgw->fences.load(), 1);
  EXPECT_EQ(Contents(*remote_), Contents(*local_));

  // The other writer's compare-and-swap lands in the window between the
  // delete's check and its DELETE: the fence refuses it, so the writer is
  // told (and keeps its change to retry); nothing is lost without a word.
  ASSERT_OK(local_->Delete("b.json", {}));
  Status racer;
  rgw->in_window = [&](const Key& k) {
    racer = remote_->Put(k, "{\"by\":\"someone else\"}", WriteOptions::Update(base.etag)).status();
  };
  r = PushOrDie();
  rgw->in_window = nullptr;
  EXPECT_THAT(racer, StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_FALSE(Read(*remote_, "b.json").has_value());

  // The other writer's change lands after the push's scan, before the
  // fence: the fence's conditional PUT is refused, the push reports the
  // conflict, and the change stays on the remote.
  Write(*local_, "c.json", "{\"v\":3}");
  PushOrDie();
  ASSERT_OK(local_->Delete("c.json", {}));
  ASSERT_OK_AND_ASSIGN(ObjectMeta c, remote_->Head("c.json", {}));
  rgw->before_fence = [&](const Key& k) {
    racer = remote_->Put(k, "{\"by\":\"someone else\"}", WriteOptions::Update(c.etag)).status();
  };
  ASSERT_OK_AND_ASSIGN(r, engine_->Push({}));
  rgw->before_fence = nullptr;
  EXPECT_OK(racer);
  EXPECT_THAT(r.FirstError("push"), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_EQ(*Read(*remote_, "c.json"), "{\"by\":\"someone else\"}");
  EXPECT_EQ(StateOf("c.json"), SyncState::kConflict);
}

// A fence a crashed push left (its DELETE never sent) reads as absent: a
// pull does not download it, and the next push removes it.
TEST_F(EngineTest, LeftoverDeleteFenceReadsAsAbsentAndIsCleared) {
  Synced();
  ASSERT_OK_AND_ASSIGN(ObjectMeta b, remote_->Head("b.json", {}));
  ASSERT_OK(remote_->Put("b.json", kDeleteFence, WriteOptions::Update(b.etag)));
  ASSERT_OK(local_->Delete("b.json", {}));
  EXPECT_EQ(StateOf("b.json"), SyncState::kInSync);      // gone on both sides
  Write(*remote_, "f.json", std::string(kDeleteFence));  // a fence nobody synced
  SyncReport pulled = PullOrDie();
  EXPECT_EQ(pulled.downloaded, 0u);
  EXPECT_FALSE(Read(*local_, "f.json").has_value());
  PushOrDie();
  EXPECT_FALSE(Read(*remote_, "b.json").has_value());
  EXPECT_FALSE(Read(*remote_, "f.json").has_value());
  // A new local file where a fence was left replaces exactly that fence.
  Write(*remote_, "n.json", std::string(kDeleteFence));
  Write(*local_, "n.json", "{\"new\":true}");
  PushOrDie();
  EXPECT_EQ(*Read(*remote_, "n.json"), "{\"new\":true}");
}

TEST_F(EngineTest, LocalEditDuringPullIsNotOverwritten) {
  Synced();
  Write(*remote_, "a.json", "theirs");
  // The local file changes after the scan: the conditional local write fails.
  class EditAfterList : public TransportWrapper {
   public:
    using TransportWrapper::TransportWrapper;
    Result<ListPage> List(const ListRequest& r) override {
      auto p = target_->List(r);
      (void)target_->Put("a.json", "edited meanwhile", {});
      return p;
    }
  };
  local_ = std::make_shared<EditAfterList>(local_);
  Reset();
  ASSERT_OK_AND_ASSIGN(SyncReport r, engine_->Pull({}));
  EXPECT_THAT(r.FirstError("pull"), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_EQ(*Read(*local_, "a.json"), "edited meanwhile");
}

TEST_F(EngineTest, LargeObjectsStream) {
  std::string big(kSmallObjectBytes + 12345, 'x');
  for (size_t i = 0; i < big.size(); i += 4096) big[i] = static_cast<char>('a' + (i / 4096) % 26);
  Write(*local_, "blob.bin", big);
  PushOrDie();
  EXPECT_EQ(*Read(*remote_, "blob.bin"), big);
  ASSERT_OK(local_->Delete("blob.bin", {}));
  ASSERT_OK(state_->DropRemote("origin"));
  PullOrDie();
  EXPECT_EQ(*Read(*local_, "blob.bin"), big);
}

TEST_F(EngineTest, ParallelPushOfManyKeys) {
  for (int i = 0; i < 300; ++i) Write(*local_, "m/" + std::to_string(i), std::to_string(i));
  SyncOptions o;
  o.jobs = 8;
  std::atomic<size_t> last{0};
  o.progress = [&](const Progress& p) { last = p.done; };
  EXPECT_EQ(PushOrDie(o).uploaded, 300u);
  EXPECT_EQ(last.load(), 300u);
  EXPECT_EQ(Contents(*remote_), Contents(*local_));
}

TEST_F(EngineTest, LocalFsTransportAsTheLocalSide) {
  auto lt = NewLocalTransport((dir_.path() / "data").string());
  ASSERT_TRUE(lt.ok()) << lt.status();
  local_ = *lt;
  Reset();
  Write(*local_, "org/x/1/doc.json", "{\"a\":1}");
  PushOrDie();
  EXPECT_EQ(StateOf("org/x/1/doc.json"), SyncState::kUnchanged);
  Write(*remote_, "org/x/2/doc.json", "{\"a\":2}");
  PullOrDie();
  EXPECT_EQ(Contents(*local_), Contents(*remote_));
  Classification c = ScanOrDie();
  EXPECT_EQ(c.unchanged, 2u);
}

}  // namespace
}  // namespace worm::sync

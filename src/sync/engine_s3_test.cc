// SyncEngine against a real S3 server through the S3 transport: `worm serve`
// in-process by default, or the external server the environment names (Ceph
// RGW in the rgw tier, see src/transport/s3/testing/external_s3.h). The
// point is the race of issue 16: another client changes a key on the remote
// while a push deletes it. Whatever the server honours (a conditional DELETE
// on worm serve; only conditional PUTs on RGW 16.2, where push fences its
// deletes), the change is never lost without somebody being told.
#include <functional>
#include <optional>

#include "core/random.h"
#include "server/in_process_s3.h"
#include "sync/engine.h"
#include "testing/test_util.h"
#include "transport/s3/s3_transport.h"
#include "transport/s3/testing/external_s3.h"

namespace worm::sync {
namespace {

using worm::testing::ScratchDir;
using worm::testing::StatusIs;

// Runs `before_delete` when the engine calls Delete, before the transport
// does anything for it: the other client's write lands right there.
class RaceWrapper : public TransportWrapper {
 public:
  using TransportWrapper::TransportWrapper;
  std::function<void(const Key&)> before_delete;
  Status Delete(const Key& k, const DeleteOptions& o) override {
    if (before_delete) before_delete(k);
    return target_->Delete(k, o);
  }
};

class EngineS3Test : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string prefix = "sync-race-" + NewUuidV4().substr(0, 8);
    if (auto external = s3::testing::ExternalS3::FromEnv()) {
      ASSERT_OK_AND_ASSIGN(S3Options o, external->FreshBucket("sync-race", prefix));
      external_options_ = o;
      ASSERT_OK_AND_ASSIGN(remote_, NewS3Transport(o));
      ASSERT_OK_AND_ASSIGN(other_, NewS3Transport(o));  // the other client
    } else {
      remote_ = server::NewS3TransportOnInProcessServe("sync-race");
      ASSERT_NE(remote_, nullptr);
      other_ = remote_;  // same server and prefix; a separate client is not needed
    }
    auto st = StateDb::Open((dir_.path() / "state.db").string());
    ASSERT_TRUE(st.ok()) << st.status();
    state_ = std::move(st).value();
    local_ = NewMemoryTransport();
    race_ = std::make_shared<RaceWrapper>(remote_);
    engine_ = std::make_unique<SyncEngine>(local_, race_, state_.get(), "origin");
  }

  void PushClean() {
    ASSERT_OK_AND_ASSIGN(SyncReport r, engine_->Push({}));
    ASSERT_OK(r.FirstError("push"));
  }

  ScratchDir dir_;
  std::optional<S3Options> external_options_;  // set when on an external server
  std::shared_ptr<Transport> remote_, other_, local_;
  std::shared_ptr<RaceWrapper> race_;
  std::unique_ptr<StateDb> state_;
  std::unique_ptr<SyncEngine> engine_;
};

TEST_F(EngineS3Test, ARemoteChangeRacingAPushDeleteIsNeverSilentlyLost) {
  const Capabilities caps = remote_->capabilities();
  const DeleteGuarantee expected = DeleteGuaranteeFor(caps);
  ASSERT_NE(expected, DeleteGuarantee::kCheckedOnly) << "needs a server with conditional PUTs";

  // Two kinds of other client: one using conditions (another push), one not
  // (a plain `aws s3 cp`). Each writes right when the push deletes the key.
  for (bool conditional : {true, false}) {
    SCOPED_TRACE(conditional ? "conditional writer" : "unconditional writer");
    std::string key = std::string("doc-") + (conditional ? "c" : "u") + ".json";
    ASSERT_OK(local_->Put(key, "{\"v\":1}", {}));
    PushClean();
    ASSERT_OK_AND_ASSIGN(ObjectMeta base, remote_->Head(key, {}));
    ASSERT_OK(local_->Delete(key, {}));

    Status writer;
    const std::string theirs = "{\"by\":\"someone else\"}";
    race_->before_delete = [&](const Key& k) {
      if (k != key) return;
      WriteOptions w = conditional ? WriteOptions::Update(base.etag) : WriteOptions{};
      writer = other_->Put(k, theirs, w).status();
    };
    ASSERT_OK_AND_ASSIGN(SyncReport r, engine_->Push({}));
    race_->before_delete = nullptr;
    Status pushed = r.FirstError("push");
    auto now = remote_->Get(key, {});

    if (writer.ok()) {
      // Their write landed: the push must not have deleted it, and says so.
      EXPECT_THAT(pushed, StatusIs(StatusCode::kFailedPrecondition));
      ASSERT_OK(now.status());
      EXPECT_EQ(now->data, theirs);
    } else {
      // Their write was refused (by the fence): they were told, the delete stands.
      EXPECT_THAT(writer, StatusIs(StatusCode::kFailedPrecondition));
      EXPECT_OK(pushed);
      EXPECT_THAT(now.status(), StatusIs(StatusCode::kNotFound));
      EXPECT_EQ(r.delete_guarantee, DeleteGuarantee::kFenced);
    }
    if (expected == DeleteGuarantee::kFenced && conditional) {
      EXPECT_FALSE(writer.ok()) << "the fence refuses a compare-and-swap on the old ETag";
    }
    // Settle for the next round: keep whatever the remote holds.
    SyncOptions force;
    force.force = true;
    ASSERT_OK_AND_ASSIGN(SyncReport settled, engine_->Pull(force));
    ASSERT_OK(settled.FirstError("pull"));
  }
}

// A push that updates a key on this server is a conditional PUT in the form
// the server compares (RGW 16.2: the ETag unquoted): it succeeds, where the
// quoted form always got 412 there (issue 16, item 1).
TEST_F(EngineS3Test, PushUpdatesAndForcedPushesSucceed) {
  ASSERT_OK(local_->Put("u.json", "{\"v\":1}", {}));
  PushClean();
  ASSERT_OK(local_->Put("u.json", "{\"v\":2}", {}));
  PushClean();
  ASSERT_OK_AND_ASSIGN(Object o, remote_->Get("u.json", {}));
  EXPECT_EQ(o.data, "{\"v\":2}");
  // Both sides changed: a conflict, which --force resolves (local wins).
  ASSERT_OK(local_->Put("u.json", "{\"v\":3}", {}));
  ASSERT_OK(other_->Put("u.json", "{\"v\":\"theirs\"}", {}));
  EXPECT_THAT(engine_->Push({}).status(), StatusIs(StatusCode::kFailedPrecondition));
  SyncOptions force;
  force.force = true;
  ASSERT_OK_AND_ASSIGN(SyncReport r, engine_->Push(force));
  ASSERT_OK(r.FirstError("push"));
  ASSERT_OK_AND_ASSIGN(o, remote_->Get("u.json", {}));
  EXPECT_EQ(o.data, "{\"v\":3}");
  ASSERT_OK_AND_ASSIGN(SyncReport after, engine_->Push({}));
  EXPECT_OK(after.FirstError("push"));
  EXPECT_EQ(after.uploaded, 0u);
}

// A cached behaviour that no longer holds (here: the other If-Match form than
// the server compares, as after a server upgrade) does not turn every update
// into a conflict: a refused update whose ETag the object does hold makes the
// transport measure again and retry once.
TEST_F(EngineS3Test, AStaleCachedIfMatchFormIsRemeasured) {
  if (!external_options_) GTEST_SKIP() << "worm serve accepts either form; needs an external S3";
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<S3Transport> probe, S3Transport::Make(*external_options_));
  ASSERT_OK_AND_ASSIGN(S3ProbeResult measured, probe->Probe());
  ASSERT_TRUE(measured.conditional_update) << measured.summary;
  S3Options stale = *external_options_;
  stale.known_behaviour = measured;
  stale.known_behaviour->if_match_form =
      measured.if_match_form == S3EtagForm::kQuoted ? S3EtagForm::kUnquoted : S3EtagForm::kQuoted;
  int probes = 0;
  stale.on_probed = [&](const S3ProbeResult&) { ++probes; };
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<S3Transport> t, S3Transport::Make(stale));
  ASSERT_OK_AND_ASSIGN(PutResult v1, t->Put("stale.json", "1", {}));
  ASSERT_OK_AND_ASSIGN(PutResult v2, t->Put("stale.json", "2", WriteOptions::Update(v1.etag)));
  ASSERT_OK_AND_ASSIGN(Object o, t->Get("stale.json", {}));
  EXPECT_EQ(o.data, "2");
  // A real conflict stays one (and needs no further probe).
  EXPECT_THAT(t->Put("stale.json", "3", WriteOptions::Update(v1.etag)),
              StatusIs(StatusCode::kFailedPrecondition));
  ASSERT_OK(t->Put("stale.json", "4", WriteOptions::Update(v2.etag)).status());
  EXPECT_LE(probes, 1);
}

}  // namespace
}  // namespace worm::sync

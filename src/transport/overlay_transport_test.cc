// Overlay transport: fall-through reads, whiteouts, merged listings,
// conditional writes over the merged view, and a lower that is never written.
#include "testing/test_util.h"
#include "transport/counting_transport.h"
#include "worm/transport.h"

namespace worm {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::StatusIs;

class OverlayTransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* k : {"d/1", "d/2", "e/1", "f", "shared"}) {
      ASSERT_OK(base_->Put(k, std::string("lower ") + k, {}));
    }
    lower_ = NewCountingTransport(base_);
    overlay_ = NewOverlayTransport(upper_, lower_);
  }
  Transport& t() { return *overlay_; }

  std::vector<std::string> Keys(const std::string& prefix = "") {
    std::vector<std::string> keys;
    Result<std::vector<ObjectMeta>> all = t().ListAll(prefix);
    EXPECT_OK(all.status());
    if (all.ok()) {
      for (const ObjectMeta& m : *all) keys.push_back(m.key);
    }
    return keys;
  }

  std::shared_ptr<Transport> base_ = NewMemoryTransport();
  std::shared_ptr<Transport> upper_ = NewMemoryTransport();
  std::shared_ptr<CountingTransport> lower_;
  std::shared_ptr<Transport> overlay_;
};

TEST_F(OverlayTransportTest, ReadsFallThroughAndUpperWins) {
  ASSERT_OK(t().Put("shared", "upper shared", {}));
  ASSERT_OK_AND_ASSIGN(Object a, t().Get("shared", {}));
  EXPECT_EQ(a.data, "upper shared");
  ASSERT_OK_AND_ASSIGN(Object b, t().Get("f", {}));
  EXPECT_EQ(b.data, "lower f");
  ASSERT_OK_AND_ASSIGN(Object lower, base_->Get("shared", {}));
  EXPECT_EQ(lower.data, "lower shared");
  EXPECT_THAT(Keys(), ElementsAre("d/1", "d/2", "e/1", "f", "shared"));
}

TEST_F(OverlayTransportTest, DeleteWritesWhiteout) {
  ASSERT_OK(t().Delete("f", {}));
  EXPECT_THAT(t().Get("f", {}), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(t().Head("f", {}), StatusIs(StatusCode::kNotFound));
  EXPECT_OK(upper_->Head(std::string(kOverlayWhiteoutPrefix) + "f", {}));
  EXPECT_OK(base_->Head("f", {}));
  EXPECT_THAT(Keys(), ElementsAre("d/1", "d/2", "e/1", "shared"));
  EXPECT_OK(t().Delete("f", {}));  // idempotent
  ASSERT_OK(t().Put("f", "back", WriteOptions::Create()));
  ASSERT_OK_AND_ASSIGN(Object obj, t().Get("f", {}));
  EXPECT_EQ(obj.data, "back");
  EXPECT_THAT(upper_->Head(std::string(kOverlayWhiteoutPrefix) + "f", {}),
              StatusIs(StatusCode::kNotFound));
  // Deleting an upper-and-lower key hides both.
  ASSERT_OK(t().Delete("f", {}));
  EXPECT_THAT(t().Get("f", {}), StatusIs(StatusCode::kNotFound));
}

TEST_F(OverlayTransportTest, ListMergesAndHidesWhiteouts) {
  ASSERT_OK(t().Put("d/3", "u", {}));
  ASSERT_OK(t().Put("g", "u", {}));
  ASSERT_OK(t().Delete("e/1", {}));
  ASSERT_OK_AND_ASSIGN(ListPage root, t().List(ListRequest{"", "/", "", "", 1000}));
  EXPECT_THAT(root.common_prefixes, ElementsAre("d/"));
  ASSERT_EQ(root.objects.size(), 3u);
  EXPECT_EQ(root.objects[0].key, "f");
  EXPECT_EQ(root.objects[1].key, "g");
  EXPECT_EQ(root.objects[2].key, "shared");
  EXPECT_THAT(Keys("d/"), ElementsAre("d/1", "d/2", "d/3"));
  // One item per page through the merged view.
  std::vector<std::string> seen;
  ListRequest r{"", "/", "", "", 1};
  for (;;) {
    ASSERT_OK_AND_ASSIGN(ListPage page, t().List(r));
    for (const auto& p : page.common_prefixes) seen.push_back(p);
    for (const auto& m : page.objects) seen.push_back(m.key);
    if (page.next_token.empty()) break;
    r.token = page.next_token;
  }
  EXPECT_THAT(seen, ElementsAre("d/", "f", "g", "shared"));
  ASSERT_OK(t().Delete("d/1", {}));
  ASSERT_OK(t().Delete("d/2", {}));
  ASSERT_OK(t().Delete("d/3", {}));
  ASSERT_OK_AND_ASSIGN(ListPage after, t().List(ListRequest{"", "/", "", "", 1000}));
  EXPECT_THAT(after.common_prefixes, IsEmpty());
}

TEST_F(OverlayTransportTest, ConditionalWritesSeeTheMergedView) {
  ASSERT_OK_AND_ASSIGN(ObjectMeta f, t().Head("f", {}));
  EXPECT_THAT(t().Put("f", "x", WriteOptions::Create()), StatusIs(StatusCode::kAlreadyExists));
  EXPECT_THAT(t().Put("f", "x", WriteOptions::Update("0123456789abcdef0123456789abcdef")),
              StatusIs(StatusCode::kFailedPrecondition));
  ASSERT_OK_AND_ASSIGN(PutResult up, t().Put("f", "copied up", WriteOptions::Update(f.etag)));
  EXPECT_THAT(t().Put("f", "stale", WriteOptions::Update(f.etag)),
              StatusIs(StatusCode::kFailedPrecondition));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<WriteStream> w,
                       t().OpenWrite("f", WriteOptions::Update(up.etag)));
  ASSERT_OK(w->Append("streamed"));
  ASSERT_OK(w->Commit());
  ASSERT_OK_AND_ASSIGN(ObjectMeta shared, t().Head("shared", {}));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<WriteStream> s,
                       t().OpenWrite("shared", WriteOptions::Create()));
  ASSERT_OK(s->Append("x"));
  EXPECT_THAT(s->Commit(), StatusIs(StatusCode::kAlreadyExists));
  DeleteOptions wrong;
  wrong.if_match = "0123456789abcdef0123456789abcdef";
  EXPECT_THAT(t().Delete("shared", wrong), StatusIs(StatusCode::kFailedPrecondition));
  DeleteOptions right;
  right.if_match = shared.etag;
  ASSERT_OK(t().Delete("shared", right));
  ASSERT_OK(t().Put("shared", "recreated", WriteOptions::Create()));
}

TEST_F(OverlayTransportTest, LowerIsNeverWritten) {
  lower_->Reset();
  ASSERT_OK(t().Put("new", "x", {}));
  ASSERT_OK_AND_ASSIGN(ObjectMeta f, t().Head("f", {}));
  ASSERT_OK(t().Put("f", "y", WriteOptions::Update(f.etag)));
  ASSERT_OK(t().Delete("d/1", {}));
  ASSERT_OK(t().Delete("shared", {}));
  ASSERT_OK(t().Copy("d/2", "copy", {}));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<WriteStream> w, t().OpenWrite("e/1", {}));
  ASSERT_OK(w->Append("z"));
  ASSERT_OK(w->Commit());
  ASSERT_OK(t().ListAll(""));
  TransportCounts c = lower_->Snapshot();
  EXPECT_EQ(c.write_requests(), 0u) << c.ToString();
  EXPECT_GT(c.total_requests(), 0u);
  ASSERT_OK_AND_ASSIGN(std::vector<ObjectMeta> base, base_->ListAll(""));
  EXPECT_EQ(base.size(), 5u);
}

TEST_F(OverlayTransportTest, WhiteoutPrefixIsReserved) {
  EXPECT_THAT(t().Put(std::string(kOverlayWhiteoutPrefix) + "x", "x", {}),
              StatusIs(StatusCode::kInvalidArgument));
  ASSERT_OK(t().Delete("f", {}));
  EXPECT_THAT(Keys(".worm"), IsEmpty());
  ASSERT_OK(t().Put(".worm.trash/x", "x", {}));
  ASSERT_OK_AND_ASSIGN(ListPage dots, t().List(ListRequest{"", ".", "", "", 1000}));
  EXPECT_THAT(dots.common_prefixes, ElementsAre("."));
}

}  // namespace
}  // namespace worm

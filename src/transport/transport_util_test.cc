#include "transport/transport_util.h"

#include "testing/test_util.h"

namespace worm::transport_internal {
namespace {

using ::worm::testing::StatusIs;

TEST(TransportUtilTest, TokenRoundTrip) {
  for (bool is_prefix : {false, true}) {
    std::string name = std::string("a/\xff\x00z", 5);
    ASSERT_OK_AND_ASSIGN(ListCursor c, DecodeListToken(EncodeListToken(name, is_prefix)));
    EXPECT_EQ(c.name, name);
    EXPECT_EQ(c.is_prefix, is_prefix);
  }
  for (const char* bad : {"x", "1", "1k", "1kz0", "2k61", "1q61", "1k6"}) {
    EXPECT_THAT(DecodeListToken(bad), StatusIs(StatusCode::kInvalidArgument)) << bad;
  }
}

TEST(TransportUtilTest, PrefixSuccessor) {
  EXPECT_EQ(PrefixSuccessor("a/"), "a0");
  EXPECT_EQ(PrefixSuccessor(std::string("a\xff", 2)), "b");
  EXPECT_EQ(PrefixSuccessor(""), std::nullopt);
  EXPECT_EQ(PrefixSuccessor(std::string("\xff\xff", 2)), std::nullopt);
}

TEST(TransportUtilTest, PlanFoldsResumePoints) {
  ASSERT_OK_AND_ASSIGN(ListPlan p, PlanList(ListRequest{"k/", "/", "k/a", "", 10}));
  EXPECT_FALSE(p.Passes("k/a"));
  EXPECT_TRUE(p.Passes("k/a0"));
  EXPECT_EQ(p.RollUp("k/b/c"), "k/b/");
  EXPECT_EQ(p.RollUp("k/b"), "");
  ListRequest r{"k/", "/", "", EncodeListToken("k/b/", true), 10};
  ASSERT_OK_AND_ASSIGN(ListPlan q, PlanList(r));
  EXPECT_FALSE(q.Passes("k/b/zzz"));
  EXPECT_TRUE(q.Passes("k/b0"));
  EXPECT_THAT(PlanList(ListRequest{"", "", "", "", 0}), StatusIs(StatusCode::kInvalidArgument));
}

TEST(TransportUtilTest, Ranges) {
  ASSERT_OK_AND_ASSIGN(Slice s, ResolveRange("k", 10, ByteRange{3, 100}));
  EXPECT_EQ(s.offset, 3u);
  EXPECT_EQ(s.length, 7u);
  EXPECT_THAT(ResolveRange("k", 10, ByteRange{10, 1}), StatusIs(StatusCode::kOutOfRange));
  ASSERT_OK_AND_ASSIGN(Slice e, ResolveRange("k", 0, ByteRange{5, 1}));
  EXPECT_EQ(e.length, 0u);
}

TEST(TransportUtilTest, WriteModes) {
  ObjectMeta m;
  m.etag = "abc";
  EXPECT_THAT(CheckWriteMode("put", "k", &m, WriteOptions::Create()),
              StatusIs(StatusCode::kAlreadyExists));
  EXPECT_OK(CheckWriteMode("put", "k", nullptr, WriteOptions::Create()));
  EXPECT_OK(CheckWriteMode("put", "k", &m, WriteOptions::Update("abc")));
  EXPECT_THAT(CheckWriteMode("put", "k", nullptr, WriteOptions::Update("abc")),
              StatusIs(StatusCode::kFailedPrecondition));
  WriteOptions bad;
  bad.mode = PutMode::kUpdate;
  EXPECT_THAT(ValidateWriteOptions("put", "k", bad), StatusIs(StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace worm::transport_internal

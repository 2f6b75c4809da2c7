#include "worm/status.h"

#include "testing/test_util.h"
#include "worm/result.h"

namespace worm {
namespace {

using ::worm::testing::StatusIs;

TEST(StatusTest, OkByDefault) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "OK");
  EXPECT_EQ(s.message(), "");
}

TEST(StatusTest, CarriesCodeMessageAndContext) {
  Status s = Status::NotFound("key a/b");
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(s.IsNotFound());
  EXPECT_EQ(s.ToString(), "NotFound: key a/b");
  Status c = s.WithContext("Customer 42");
  EXPECT_EQ(c.message(), "Customer 42: key a/b");
  EXPECT_EQ(s.message(), "key a/b");  // original untouched
}

TEST(StatusTest, DetailSurvivesCopy) {
  Status s = Status::Unavailable("slow").WithDetail({503, "SlowDown", "req-1", true});
  Status copy = s;
  ASSERT_NE(copy.detail(), nullptr);
  EXPECT_EQ(copy.detail()->remote_code, "SlowDown");
  EXPECT_TRUE(copy.retryable());
  EXPECT_FALSE(Status::Internal("x").retryable());
}

Result<int> Half(int x) {
  if (x % 2) return Status::InvalidArgument("odd: " + std::to_string(x));
  return x / 2;
}

Status Quarter(int x, int* out) {
  ASSIGN_OR_RETURN(int h, Half(x));
  ASSIGN_OR_RETURN(*out, Half(h));
  return Status::OK();
}

TEST(ResultTest, ValueOrError) {
  auto r = Half(4);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 2);
  EXPECT_THAT(Half(3), StatusIs(StatusCode::kInvalidArgument));
  int q = 0;
  EXPECT_OK(Quarter(8, &q));
  EXPECT_EQ(q, 2);
  EXPECT_THAT(Quarter(6, &q), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_EQ(Half(5).ValueOr(-1), -1);
}

Status Chain(bool fail) {
  RETURN_NOT_OK(fail ? Status::Aborted("lost race") : Status::OK());
  RETURN_NOT_OK(Half(2));
  return Status::OK();
}

TEST(ResultTest, ReturnNotOk) {
  EXPECT_OK(Chain(false));
  EXPECT_THAT(Chain(true), StatusIs(StatusCode::kAborted));
}

TEST(ResultTest, MoveOnlyValues) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(7);
  ASSERT_TRUE(r.ok());
  std::unique_ptr<int> p = std::move(r).value();
  EXPECT_EQ(*p, 7);
}

}  // namespace
}  // namespace worm

#include "transport/counting_transport.h"

#include "testing/test_util.h"

namespace worm {
namespace {

TEST(CountingTransportTest, CountsRequestsAndBytesPerClass) {
  auto counting = NewCountingTransport(NewMemoryTransport());
  Transport& t = *counting;
  ASSERT_OK(t.Put("a", "hello", {}));
  ASSERT_OK(t.Get("a", {}));
  EXPECT_FALSE(t.Get("missing", {}).ok());
  ASSERT_OK(t.Head("a", {}));
  ASSERT_OK(t.List(ListRequest{}));
  ASSERT_OK(t.Copy("a", "b", {}));
  ASSERT_OK(t.Delete("b", {}));
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<WriteStream> w, t.OpenWrite("c", {}));
    ASSERT_OK(w->Append("12345678"));
    ASSERT_OK(w->Commit());
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<ReadStream> r, t.OpenRead("c", {}));
    char buf[16];
    ASSERT_OK_AND_ASSIGN(size_t n, r->Read(buf, sizeof(buf)));
    EXPECT_EQ(n, 8u);
  }
  TransportCounts c = counting->Snapshot();
  EXPECT_EQ(c[OpClass::kPut].requests, 2u);
  EXPECT_EQ(c[OpClass::kPut].bytes, 13u);
  EXPECT_EQ(c[OpClass::kGet].requests, 3u);
  EXPECT_EQ(c[OpClass::kGet].errors, 1u);
  EXPECT_EQ(c[OpClass::kGet].bytes, 13u);
  EXPECT_EQ(c[OpClass::kHead].requests, 1u);
  EXPECT_EQ(c[OpClass::kList].requests, 1u);
  EXPECT_EQ(c[OpClass::kCopy].requests, 1u);
  EXPECT_EQ(c[OpClass::kDelete].requests, 1u);
  EXPECT_EQ(c.total_requests(), 9u);
  EXPECT_EQ(c.write_requests(), 4u);
  EXPECT_EQ(c.ToString(), "HEAD=1 GET=3/13B!1 PUT=2/13B LIST=1 DELETE=1 COPY=1");
  counting->Reset();
  EXPECT_EQ(counting->Snapshot().total_requests(), 0u);
}

}  // namespace
}  // namespace worm

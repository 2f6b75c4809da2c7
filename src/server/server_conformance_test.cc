// The transport conformance suite, run through our S3 client (S3Transport)
// against `worm serve` started in-process: every Transport contract must
// hold end to end over the S3 protocol (conditional writes included, so
// kProbe must find them supported).
#include <gtest/gtest.h>

#include "server/in_process_s3.h"
#include "testing/test_util.h"
#include "testing/transport_conformance.h"
#include "transport/s3/s3_transport.h"

namespace worm::server {
namespace {

std::shared_ptr<Transport> MakeS3AgainstWormServe() {
  // One PUT per object up to 16 MiB: a multipart upload's ETag is S3's
  // md5-of-md5s "-N" (on AWS as here), which the suite's MD5 check does not allow.
  return NewS3TransportOnInProcessServe("conformance", size_t{16} << 20);
}

// worm serve returns non-ASCII x-amz-meta-* values RFC 2047-encoded, as S3
// does; our client encodes them the same way on the way out and decodes them
// on the way back, so user metadata round-trips as text (single PUT and
// multipart).
TEST(S3ClientAgainstWormServe, NonAsciiUserMetadataRoundTrips) {
  std::shared_ptr<Transport> t = NewS3TransportOnInProcessServe("metadata", size_t{5} << 20);
  ASSERT_NE(t, nullptr);
  WriteOptions o;
  o.user_metadata["greeting"] = "Hello World\xC3\xA9";
  o.user_metadata["snow"] = "\xE2\x98\x83 and =?not a word";
  o.user_metadata["plain"] = "ascii";
  ASSERT_OK(t->Put("small", "x", o).status());
  ASSERT_OK_AND_ASSIGN(ObjectMeta small, t->Head("small", {}));
  EXPECT_EQ(small.user_metadata, o.user_metadata);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<WriteStream> w, t->OpenWrite("big", o));
  ASSERT_OK(w->Append(std::string((size_t{5} << 20) + 1, 'b')));
  ASSERT_OK(w->Commit().status());
  ASSERT_OK_AND_ASSIGN(ObjectMeta big, t->Head("big", {}));
  EXPECT_EQ(big.user_metadata, o.user_metadata);
}

// worm serve behaves like AWS S3 on every condition the probe checks (both
// sides of each), so `worm doctor` reports no quirk for it and the standard
// (quoted) If-Match form is kept.
TEST(S3ClientAgainstWormServe, ProbeFindsEveryConditionHonouredAndNoQuirk) {
  auto t = std::dynamic_pointer_cast<S3Transport>(NewS3TransportOnInProcessServe("probe"));
  ASSERT_NE(t, nullptr);
  ASSERT_OK_AND_ASSIGN(S3ProbeResult p, t->Probe());
  EXPECT_TRUE(p.conditional_create) << p.summary;
  EXPECT_TRUE(p.conditional_update) << p.summary;
  EXPECT_EQ(p.if_match_form, S3EtagForm::kQuoted) << p.summary;
  EXPECT_TRUE(p.conditional_delete) << p.summary;
  EXPECT_TRUE(p.conditional_multipart) << p.summary;
  EXPECT_TRUE(p.list_after_write) << p.summary;
  EXPECT_TRUE(p.checksums) << p.summary;
  EXPECT_FALSE(p.object_lock) << p.summary;
  EXPECT_THAT(S3Quirks(p), ::testing::IsEmpty()) << p.summary;
  Capabilities caps = t->capabilities();
  EXPECT_TRUE(caps.conditional_delete);
  ASSERT_OK_AND_ASSIGN(auto left, t->ListAll(".worm.probe/"));
  EXPECT_TRUE(left.empty()) << "the probe cleans up";
  // The behaviour round-trips through its JSON form (the CLI's cache).
  ASSERT_OK_AND_ASSIGN(S3ProbeResult back, S3ProbeFromJson(S3ProbeToJson(p)));
  EXPECT_EQ(S3ProbeToJson(back), S3ProbeToJson(p));
  EXPECT_THAT(
      S3ProbeFromJson("{\"conditionalCreate\": 1}"),
      ::worm::testing::StatusIsWithMessage(StatusCode::kInvalidArgument, "conditionalCreate"));
}

}  // namespace
}  // namespace worm::server

WORM_INSTANTIATE_TRANSPORT_CONFORMANCE(WormServe, (::worm::testing::TransportFactory{
                                                      "s3_against_worm_serve",
                                                      &::worm::server::MakeS3AgainstWormServe}));

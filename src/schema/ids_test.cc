#include "schema/ids.h"

#include <gtest/gtest.h>

#include "testing/test_util.h"

namespace worm::schema {
namespace {

using ::worm::testing::StatusIs;
using ::worm::testing::StatusIsWithMessage;

TEST(ValidateIdSegmentTest, AcceptsOrdinaryIds) {
  for (const char* id : {"abc-123", "a1b2c3d4-e5f6-7890-abcd-ef1234567890", "42", "a.b", "a..b",
                         "x_y", "caf\xc3\xa9", "0x742d35Cc6634C0532925a3b844Bc9e7595f2bD18",
                         "with space", "emoji\xf0\x9f\x98\x80"}) {
    EXPECT_OK(ValidateIdSegment(id));
  }
}

TEST(ValidateIdSegmentTest, RefusesEmpty) {
  EXPECT_THAT(ValidateIdSegment(""), StatusIsWithMessage(StatusCode::kInvalidArgument, "is empty"));
}

TEST(ValidateIdSegmentTest, RefusesDotsAndLeadingDot) {
  EXPECT_THAT(ValidateIdSegment(".."),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "relative path segment"));
  EXPECT_THAT(ValidateIdSegment("."), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ValidateIdSegment(".oplog"),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "starts with '.'"));
  EXPECT_THAT(ValidateIdSegment(".worm"), StatusIs(StatusCode::kInvalidArgument));
}

TEST(ValidateIdSegmentTest, RefusesSlashes) {
  EXPECT_THAT(ValidateIdSegment("a/b"), StatusIsWithMessage(StatusCode::kInvalidArgument, "'/'"));
  EXPECT_THAT(ValidateIdSegment("../etc"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ValidateIdSegment("a\\b"), StatusIsWithMessage(StatusCode::kInvalidArgument, "'\\'"));
}

TEST(ValidateIdSegmentTest, RefusesControlCharacters) {
  EXPECT_THAT(ValidateIdSegment("a\nb"),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "control character U+000A"));
  EXPECT_THAT(ValidateIdSegment(std::string("a\0b", 3)),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "U+0000"));
  EXPECT_THAT(ValidateIdSegment("a\x7f"),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "U+007F"));
  EXPECT_THAT(ValidateIdSegment("a\xc2\x85"),  // NEL, a C1 control
              StatusIsWithMessage(StatusCode::kInvalidArgument, "U+0085"));
}

TEST(ValidateIdSegmentTest, RefusesInvalidUtf8) {
  for (const char* bad : {"\xff", "a\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80"}) {
    EXPECT_THAT(ValidateIdSegment(bad),
                StatusIsWithMessage(StatusCode::kInvalidArgument, "not valid UTF-8"))
        << bad;
  }
}

TEST(ValidateIdSegmentTest, LengthLimitIs1024Bytes) {
  EXPECT_OK(ValidateIdSegment(std::string(kMaxKeyBytes, 'a')));
  Status st = ValidateIdSegment(std::string(kMaxKeyBytes + 1, 'a'));
  EXPECT_THAT(st,
              StatusIsWithMessage(StatusCode::kInvalidArgument, "1025 bytes; the limit is 1024"));
  // The id shown in the message is cut short.
  EXPECT_LT(st.message().size(), 200u);
}

TEST(ValidateIdSegmentTest, MessageNamesWhatAndEscapes) {
  Status st = ValidateIdSegment("a\tb", "deptId");
  EXPECT_EQ(st.message(), "deptId 'a\\x09b': contains control character U+0009");
}

TEST(ValidateKeyTest, AcceptsKeys) {
  for (const char* key :
       {"org/customers/abc/profile.json", ".worm", ".oplog/org/x/0001.json", "a", "a..b/c"}) {
    EXPECT_OK(ValidateKey(key));
  }
}

TEST(ValidateKeyTest, RefusesBadKeys) {
  EXPECT_THAT(ValidateKey(""), StatusIsWithMessage(StatusCode::kInvalidArgument, "is empty"));
  EXPECT_THAT(ValidateKey("/org/x"),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "starts with '/'"));
  EXPECT_THAT(ValidateKey("org//x"),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "empty segment"));
  EXPECT_THAT(ValidateKey("org/x/"),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "ends with '/'"));
  EXPECT_THAT(ValidateKey("org/../x"),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "'..' segment"));
  EXPECT_THAT(ValidateKey("./x"), StatusIsWithMessage(StatusCode::kInvalidArgument, "'.' segment"));
  EXPECT_THAT(ValidateKey("org/x\r"), StatusIsWithMessage(StatusCode::kInvalidArgument, "control"));
  EXPECT_THAT(ValidateKey("org/\xfe"), StatusIsWithMessage(StatusCode::kInvalidArgument, "UTF-8"));
  EXPECT_OK(ValidateKey(std::string(kMaxKeyBytes, 'k')));
  EXPECT_THAT(ValidateKey(std::string(kMaxKeyBytes + 1, 'k')),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "limit is 1024"));
  EXPECT_EQ(ValidateKey("a/../b").message(),
            "key 'a/../b': has a '..' segment; keys cannot climb folders");
}

TEST(IsSystemKeyTest, AnySegmentStartingWithDot) {
  EXPECT_TRUE(IsSystemKey(".worm"));
  EXPECT_TRUE(IsSystemKey(".oplog/org/customers/abc/0001.json"));
  EXPECT_TRUE(IsSystemKey("org/customers/.worm"));
  EXPECT_TRUE(IsSystemKey("org/customers/.oplog/abc/0001.json"));
  EXPECT_TRUE(IsSystemKey("org/customers/abc/.worm.trash/profile.json"));
  EXPECT_FALSE(IsSystemKey("org/customers/abc/profile.json"));
  EXPECT_FALSE(IsSystemKey("org/customers/a.b/profile.json"));
  EXPECT_FALSE(IsSystemKey(""));
  EXPECT_FALSE(IsSystemKey("org/"));
}

}  // namespace
}  // namespace worm::schema

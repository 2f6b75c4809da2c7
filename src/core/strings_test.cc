#include "core/strings.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace worm {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(StringsTest, AsciiLowerMapsOnlyAsciiLetters) {
  EXPECT_EQ(AsciiLower("Content-MD5 X-Amz-Date"), "content-md5 x-amz-date");
  EXPECT_EQ(AsciiLower(""), "");
  // Bytes past ASCII (here UTF-8 for "Ä") are left alone.
  EXPECT_EQ(AsciiLower("\xC3\x84Z@[`{"), "\xC3\x84z@[`{");
}

TEST(StringsTest, EqualsIgnoreCaseComparesAsciiCaseInsensitively) {
  EXPECT_TRUE(EqualsIgnoreCase("CRC64NVME", "crc64nvme"));
  EXPECT_TRUE(EqualsIgnoreCase("", ""));
  EXPECT_FALSE(EqualsIgnoreCase("abc", "abd"));
  EXPECT_FALSE(EqualsIgnoreCase("abc", "abcd"));
  EXPECT_FALSE(EqualsIgnoreCase("\xC3\xA4", "\xC3\x84"));  // not ASCII: bytes compared as they are
}

TEST(StringsTest, TrimRemovesTheGivenBytesFromBothEnds) {
  EXPECT_EQ(Trim(" \t\r\n a b \v\f"), "a b");
  EXPECT_EQ(Trim("   "), "");
  EXPECT_EQ(Trim(""), "");
  EXPECT_EQ(Trim(" \ta\r\t ", " \t"), "a\r");
  EXPECT_EQ(Trim("xxaxx", "x"), "a");
  EXPECT_EQ(Trim(" a ", ""), " a ");
}

TEST(StringsTest, SplitKeepsEmptyParts) {
  EXPECT_THAT(Split("a,,b", ','), ElementsAre("a", "", "b"));
  EXPECT_THAT(Split("", ','), ElementsAre(""));
  EXPECT_THAT(Split(",", ','), ElementsAre("", ""));
  EXPECT_THAT(Split("org/customers/x.json", '/'), ElementsAre("org", "customers", "x.json"));
}

TEST(StringsTest, SplitNonEmptyTrimsAndDropsEmptyParts) {
  EXPECT_THAT(SplitNonEmpty("a,,b,", ','), ElementsAre("a", "b"));
  EXPECT_THAT(SplitNonEmpty("", ','), IsEmpty());
  EXPECT_THAT(SplitNonEmpty(",,", ','), IsEmpty());
  EXPECT_THAT(SplitNonEmpty(" a ,\t, b", ',', " \t"), ElementsAre("a", "b"));
  EXPECT_THAT(SplitNonEmpty(" a , b", ','), ElementsAre(" a ", " b"));  // no trim set: kept
}

TEST(StringsTest, JoinPutsTheSeparatorBetweenARangeOfParts) {
  std::vector<std::string> parts = {"a", "b", "c"};
  EXPECT_EQ(Join(parts, "/"), "a/b/c");
  EXPECT_EQ(Join(parts, ", ", 1), "b, c");
  EXPECT_EQ(Join(parts, ".", 0, 2), "a.b");
  EXPECT_EQ(Join(parts, ".", 2, 2), "");
  EXPECT_EQ(Join(parts, ".", 3), "");
  EXPECT_EQ(Join(parts, ".", 1, 99), "b.c");
  EXPECT_EQ(Join({}, ","), "");
  // Split and Join are inverses.
  EXPECT_EQ(Join(Split("a,,b,", ','), ","), "a,,b,");
}

}  // namespace
}  // namespace worm

#include "transport/s3/meta_encoding.h"

#include <gtest/gtest.h>

namespace worm::s3 {
namespace {

TEST(MetaEncodingTest, PrintableAsciiTravelsAsIs) {
  EXPECT_EQ(EncodeMetaValue("blue, green\tand =?odd?="), "blue, green\tand =?odd?=");
  EXPECT_EQ(DecodeMetaValue("blue"), "blue");
  EXPECT_EQ(EncodeMetaValue(""), "");
}

TEST(MetaEncodingTest, OtherTextIsOneEncodedWordAndRoundTrips) {
  EXPECT_EQ(EncodeMetaValue("Hello World\xC3\xA9"), "=?UTF-8?B?SGVsbG8gV29ybGTDqQ==?=");
  for (std::string v : {std::string("\xC3\xA9"), std::string("ab\xE2\x98\x83"),
                        std::string("line\nbreak"), std::string("x\x7F")}) {
    EXPECT_EQ(DecodeMetaValue(EncodeMetaValue(v)), v);
  }
}

TEST(MetaEncodingTest, DecodesWhatS3AndOtherClientsSend) {
  EXPECT_EQ(DecodeMetaValue("=?utf-8?q?caf=C3=A9_au_lait?="), "caf\xC3\xA9 au lait");
  EXPECT_EQ(DecodeMetaValue("=?UTF-8?B?SGVsbG8g?= =?UTF-8?B?V29ybGTDqQ==?="),
            "Hello World\xC3\xA9");
  // Not (well-formed, UTF-8) encoded words: as is.
  for (const char* v : {"=?ISO-8859-1?Q?caf=E9?=", "=?UTF-8?B?not base64?=", "=?UTF-8?X?abc?=",
                        "=?UTF-8?B?SGk=?= trailing", "=?broken"}) {
    EXPECT_EQ(DecodeMetaValue(v), v) << v;
  }
}

}  // namespace
}  // namespace worm::s3

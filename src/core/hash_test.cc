#include "core/hash.h"

#include "core/json_util.h"
#include "testing/test_util.h"

namespace worm {
namespace {

// Known answers from the BLAKE3 reference (test_vectors.json, input length 0
// and the published "abc" digest), RFC 1321 (MD5) and FIPS 180-2 (SHA-256).
TEST(HashTest, Blake3KnownAnswers) {
  EXPECT_EQ(Blake3Hex(""), "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262");
  EXPECT_EQ(Blake3Hex("abc"), "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85");
}

TEST(HashTest, Blake3IncrementalMatchesOneShotAcrossChunkBoundaries) {
  std::string data(200000, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i % 251);
  auto h = Hasher::New(HashAlgorithm::kBlake3);
  for (size_t off = 0; off < data.size(); off += 1023)
    h->Update(std::string_view(data).substr(off, 1023));
  EXPECT_EQ(h->FinishHex(), Blake3Hex(data));
}

TEST(HashTest, Md5AndSha256KnownAnswers) {
  EXPECT_EQ(Md5Hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(Md5Hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(HashTest, HmacSha256Rfc4231Case2) {
  EXPECT_EQ(HexEncode(HmacSha256Raw("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(JsonUtilTest, CanonicalJsonSortsKeysAndFormatsNumbers) {
  Json v = Json::parse(R"({"b": 1.0, "a": [true, null, "x"], "c": {"z": 2.5, "y": -0.0}})");
  EXPECT_EQ(CanonicalJson(v), R"({"a":[true,null,"x"],"b":1,"c":{"y":0,"z":2.5}})");
}

TEST(HashTest, Crc32cKnownVectorsAndIncremental) {
  EXPECT_EQ(Crc32c(0, ""), 0u);
  EXPECT_EQ(Crc32c(0, "123456789"), 0xE3069283u);
  EXPECT_EQ(Crc32c(Crc32c(0, "12345678"), "9"), 0xE3069283u);
  // Longer than the 8-byte steps of the hardware path, with a tail.
  std::string long_input(1000, 'x');
  EXPECT_EQ(Crc32c(Crc32c(0, long_input.substr(0, 333)), long_input.substr(333)),
            Crc32c(0, long_input));
}

TEST(JsonUtilTest, ParseErrorNamesLineAndColumn) {
  auto r = ParseJson("{\n  \"a\": 1,\n  \"b\": }", "schema.json");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), ::testing::HasSubstr("schema.json: invalid JSON at line 3"));
}

TEST(JsonUtilTest, NumberOverflowIsAnErrorNotAnException) {
  auto r = ParseJson(R"({"amount": 1e999})", "doc.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), ::testing::HasSubstr("doc.json: invalid JSON"));
}

}  // namespace
}  // namespace worm

// The TokenAuthority and the key store over a real local transport and the
// memory keychain: rotation, retirement, revocation seen by a running
// verifier, and that no secret reaches the bucket.
#include "security/token_authority.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "core/hash.h"
#include "security/key_store.h"
#include "security/keychain.h"
#include "security/token.h"
#include "testing/test_util.h"
#include "worm/transport.h"

namespace worm::security {
namespace {

using ::testing::HasSubstr;
using ::worm::testing::ScratchDir;
using ::worm::testing::StatusIs;
using ::worm::testing::StatusIsWithMessage;

constexpr int64_t kNow = 1'800'000'000;

class TokenAuthorityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto t = NewLocalTransport(dir_.path().string());
    ASSERT_TRUE(t.ok()) << t.status();
    bucket_ = *t;
    auto k = OpenKeychain("memory");
    ASSERT_TRUE(k.ok()) << k.status();
    keychain_ = std::move(*k);
  }

  std::string MintWith(const std::string& kid, const std::string& principal = "alice") {
    auto key = keychain_->Get(SigningKeyName(kid));
    EXPECT_TRUE(key.ok());
    TokenClaims c;
    c.principal = principal;
    c.roles = {"editor"};
    auto t = MintToken(*key, kid, c);
    EXPECT_TRUE(t.ok());
    return *t;
  }

  // Polls until `token` is refused with `why`, for at most 15 s (a bound,
  // not a timing assertion: the refresh interval is what makes it happen).
  bool RefusedWithin(const TokenAuthority& a, const std::string& token, const std::string& why) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (std::chrono::steady_clock::now() < deadline) {
      auto r = a.Verify(token, kNow);
      if (!r.ok() && r.status().message().find(why) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  ScratchDir dir_;
  std::shared_ptr<Transport> bucket_;
  std::unique_ptr<Keychain> keychain_;
};

TEST_F(TokenAuthorityTest, VerifiesTokensOfItsKeys) {
  ASSERT_OK_AND_ASSIGN(std::string kid,
                       CreateSigningKey(bucket_.get(), keychain_.get(), "", kNow, false));
  ASSERT_OK_AND_ASSIGN(auto authority, OpenTokenAuthority(bucket_.get(), keychain_.get()));
  ASSERT_OK_AND_ASSIGN(Principal p, authority->Verify(MintWith(kid), kNow));
  EXPECT_EQ(p.id, "alice");
  EXPECT_THAT(p.roles, ::testing::ElementsAre("editor"));
  ASSERT_OK_AND_ASSIGN(KeyList list, LoadKeyList(bucket_.get()));
  EXPECT_EQ(list.current, kid);
}

TEST_F(TokenAuthorityTest, NoSecretInTheBucket) {
  ASSERT_OK_AND_ASSIGN(std::string kid,
                       CreateSigningKey(bucket_.get(), keychain_.get(), "k1", kNow, false));
  ASSERT_OK_AND_ASSIGN(std::string secret, keychain_->Get(SigningKeyName(kid)));
  ASSERT_EQ(secret.size(), kSigningKeyBytes);
  ASSERT_OK_AND_ASSIGN(Object keys, bucket_->Get(KeyListKey(), {}));
  EXPECT_EQ(keys.data.find(secret), std::string::npos);
  EXPECT_EQ(keys.data.find(HexEncode(secret)), std::string::npos);
  EXPECT_EQ(keys.data.find(Base64Encode(secret)), std::string::npos);
  EXPECT_THAT(keys.data, HasSubstr("\"k1\""));
}

TEST_F(TokenAuthorityTest, RotationKeepsOldTokensUntilRetired) {
  ASSERT_OK(CreateSigningKey(bucket_.get(), keychain_.get(), "k1", kNow, false));
  std::string old_token = MintWith("k1");
  ASSERT_OK(CreateSigningKey(bucket_.get(), keychain_.get(), "k2", kNow + 1, true));
  ASSERT_OK_AND_ASSIGN(KeyList list, LoadKeyList(bucket_.get()));
  EXPECT_EQ(list.current, "k2");
  std::string new_token = MintWith("k2");

  TokenAuthorityOptions o;
  o.refresh_ms = 100;
  ASSERT_OK_AND_ASSIGN(auto authority, OpenTokenAuthority(bucket_.get(), keychain_.get(), o));
  EXPECT_OK(authority->Verify(old_token, kNow));
  EXPECT_OK(authority->Verify(new_token, kNow));

  ASSERT_OK(RetireSigningKey(bucket_.get(), "k1", kNow + 2));
  EXPECT_TRUE(RefusedWithin(*authority, old_token, "retired"));
  EXPECT_OK(authority->Verify(new_token, kNow));
  EXPECT_THAT(RetireSigningKey(bucket_.get(), "nope", kNow), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(CreateSigningKey(bucket_.get(), keychain_.get(), "k2", kNow, false),
              StatusIs(StatusCode::kAlreadyExists));
}

// Verified tokens are remembered, but a remembered one still expires and
// is still not valid before its window.
TEST_F(TokenAuthorityTest, ARememberedTokenStillExpires) {
  ASSERT_OK(CreateSigningKey(bucket_.get(), keychain_.get(), "k1", kNow, false));
  auto key = keychain_->Get(SigningKeyName("k1"));
  ASSERT_TRUE(key.ok());
  TokenClaims c;
  c.principal = "alice";
  c.restriction.not_before = kNow - 10;
  c.restriction.expires = kNow + 60;
  ASSERT_OK_AND_ASSIGN(std::string token, MintToken(*key, "k1", c));
  ASSERT_OK_AND_ASSIGN(auto authority, OpenTokenAuthority(bucket_.get(), keychain_.get()));
  EXPECT_OK(authority->Verify(token, kNow));
  EXPECT_OK(authority->Verify(token, kNow));
  EXPECT_THAT(authority->Verify(token, kNow + 60),
              StatusIsWithMessage(StatusCode::kPermissionDenied, "expired"));
  EXPECT_THAT(authority->Verify(token, kNow - 11),
              StatusIsWithMessage(StatusCode::kPermissionDenied, "not yet valid"));
  EXPECT_OK(authority->Verify(token, kNow));
}

TEST_F(TokenAuthorityTest, RunningVerifierSeesARevocationWithDefaultRefresh) {
  ASSERT_OK(CreateSigningKey(bucket_.get(), keychain_.get(), "k1", kNow, false));
  std::string token = MintWith("k1"), other = MintWith("k1", "bob");
  // The default refresh (2 s) is what `worm serve` runs with.
  ASSERT_OK_AND_ASSIGN(auto authority, OpenTokenAuthority(bucket_.get(), keychain_.get()));
  EXPECT_OK(authority->Verify(token, kNow));
  // The revocation is written through another transport on the same folder,
  // as another process (`worm token revoke`) would.
  ASSERT_OK_AND_ASSIGN(auto writer, NewLocalTransport(dir_.path().string()));
  ASSERT_OK_AND_ASSIGN(TokenInfo info, InspectToken(token));
  ASSERT_OK(RevokeTokenId(writer.get(), {info.token_id, kNow, "lost laptop", 0}, kNow));
  EXPECT_TRUE(RefusedWithin(*authority, token, "revoked"));
  EXPECT_OK(authority->Verify(other, kNow));
  ASSERT_OK_AND_ASSIGN(RevocationList list, LoadRevocationList(bucket_.get()));
  ASSERT_EQ(list.revoked.size(), 1u);
  EXPECT_EQ(list.revoked[0].reason, "lost laptop");
}

TEST_F(TokenAuthorityTest, ConcurrentRevocationsAllLand) {
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([this, i] {
      for (int j = 0; j < 5; ++j) {
        std::string id = HexEncode(std::string(1, char(i))) + std::to_string(j);
        EXPECT_OK(RevokeTokenId(bucket_.get(), {id, kNow, "", 0}, kNow));
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_OK_AND_ASSIGN(RevocationList list, LoadRevocationList(bucket_.get()));
  EXPECT_EQ(list.revoked.size(), 20u);
}

TEST_F(TokenAuthorityTest, ExpiredRevocationsAreDropped) {
  ASSERT_OK(RevokeTokenId(bucket_.get(), {"old", kNow, "", kNow + 10}, kNow));
  ASSERT_OK(RevokeTokenId(bucket_.get(), {"new", kNow + 200000, "", 0}, kNow + 200000));
  ASSERT_OK_AND_ASSIGN(RevocationList list, LoadRevocationList(bucket_.get()));
  ASSERT_EQ(list.revoked.size(), 1u);
  EXPECT_EQ(list.revoked[0].id, "new");
}

TEST_F(TokenAuthorityTest, KeyMissingFromThisKeychainIsUnknown) {
  ASSERT_OK(CreateSigningKey(bucket_.get(), keychain_.get(), "k1", kNow, false));
  std::string token = MintWith("k1");
  ASSERT_OK_AND_ASSIGN(auto empty, OpenKeychain("memory"));
  ASSERT_OK_AND_ASSIGN(auto authority, OpenTokenAuthority(bucket_.get(), empty.get()));
  EXPECT_THAT(authority->Verify(token, kNow),
              StatusIsWithMessage(StatusCode::kPermissionDenied, "unknown key id"));
}

TEST_F(TokenAuthorityTest, DamagedKeyListIsAnErrorNamingTheFile) {
  ASSERT_OK(bucket_->Put(KeyListKey(), "{\"format\":1,\"keys\":5}", {}));
  auto a = OpenTokenAuthority(bucket_.get(), keychain_.get());
  EXPECT_THAT(a, StatusIsWithMessage(StatusCode::kInvalidArgument, ".worm.keys/keys.json"));
}

}  // namespace
}  // namespace worm::security

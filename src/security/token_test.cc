#include "security/token.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <macaroons.h>

#include <cstdio>
#include <map>

#include "core/hash.h"
#include "core/random.h"
#include "testing/test_util.h"

namespace worm::security {
namespace {

using ::testing::HasSubstr;

const std::string kKey(32, 'A');
const std::string kOtherKey(32, 'B');
constexpr int64_t kNow = 1'800'000'000;

struct Keys {
  std::map<std::string, VerifyKey, std::less<>> by_kid;
  std::set<std::string, std::less<>> revoked;
  KeyLookup lookup() const {
    return [this](std::string_view kid) -> const VerifyKey* {
      auto it = by_kid.find(kid);
      return it == by_kid.end() ? nullptr : &it->second;
    };
  }
  RevokedLookup revoked_lookup() const {
    return [this](std::string_view tid) { return revoked.count(tid) > 0; };
  }
};

Keys OneKey() {
  Keys k;
  k.by_kid["k1"] = {kKey, false};
  return k;
}

Result<Principal> Check(const std::string& token, const Keys& keys, int64_t now = kNow) {
  return VerifyToken(token, now, keys.lookup(), keys.revoked_lookup());
}

void ExpectRefused(const Result<Principal>& r, const std::string& why) {
  ASSERT_FALSE(r.ok()) << why;
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied) << r.status();
  EXPECT_THAT(r.status().message(), HasSubstr(why));
}

TokenClaims Alice() {
  TokenClaims c;
  c.principal = "alice";
  c.roles = {"editor", "viewer"};
  return c;
}

std::string Mint(const TokenClaims& claims = Alice()) {
  auto t = MintToken(kKey, "k1", claims);
  EXPECT_TRUE(t.ok()) << t.status();
  return t.ok() ? *t : std::string();
}

// ---- v1 packet surgery, to forge what an attacker could send --------------

std::string B64UrlDecode(std::string s) {
  if (s.rfind(kTokenPrefix, 0) == 0) s.erase(0, sizeof(kTokenPrefix) - 1);
  for (char& c : s) c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (s.size() % 4) s += '=';
  auto d = Base64Decode(s);
  EXPECT_TRUE(d.ok());
  return d.ok() ? *d : std::string();
}

std::string B64UrlEncode(std::string_view raw) {
  std::string s = Base64Encode(raw);
  while (!s.empty() && s.back() == '=') s.pop_back();
  for (char& c : s) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return kTokenPrefix + s;
}

using Packets = std::vector<std::pair<std::string, std::string>>;

Packets Unpack(const std::string& token) {
  std::string raw = B64UrlDecode(token);
  Packets out;
  size_t pos = 0;
  while (pos + 4 <= raw.size()) {
    size_t len = std::stoul(raw.substr(pos, 4), nullptr, 16);
    std::string body = raw.substr(pos + 4, len - 5);  // minus header and '\n'
    size_t sp = body.find(' ');
    out.emplace_back(body.substr(0, sp), body.substr(sp + 1));
    pos += len;
  }
  return out;
}

std::string Pack(const Packets& packets) {
  std::string raw;
  for (const auto& [k, v] : packets) {
    char head[5];
    std::snprintf(head, sizeof head, "%04zx", k.size() + v.size() + 6);
    raw += head + k + " " + v + "\n";
  }
  return B64UrlEncode(raw);
}

// Appends a first-party caveat with libmacaroons directly, as any holder can.
std::string RawAppend(const std::string& token, const std::string& caveat) {
  std::string body = token.substr(sizeof(kTokenPrefix) - 1);
  macaroon_returncode err;
  macaroon* m = macaroon_deserialize(body.c_str(), &err);
  EXPECT_NE(m, nullptr);
  macaroon* n = macaroon_add_first_party_caveat(
      m, reinterpret_cast<const unsigned char*>(caveat.data()), caveat.size(), &err);
  std::string out(macaroon_serialize_size_hint(n), '\0');
  macaroon_serialize(n, out.data(), out.size(), &err);
  out.resize(std::char_traits<char>::length(out.c_str()));
  macaroon_destroy(m);
  macaroon_destroy(n);
  return kTokenPrefix + out;
}

// ---- what a valid token says -------------------------------------------------

TEST(Token, MintedTokenVerifiesToItsPrincipalRolesAndScopes) {
  TokenClaims c = Alice();
  c.restriction.actions = {Action::kRead, Action::kList};
  c.restriction.models = {"Customer", "Invoice"};
  c.restriction.paths = {"#org/@customers/*"};
  c.restriction.expires = kNow + 60;
  std::string token = Mint(c);
  EXPECT_EQ(token.rfind("worm1.", 0), 0u);
  auto p = Check(token, OneKey());
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->id, "alice");
  EXPECT_THAT(p->roles, ::testing::ElementsAre("editor", "viewer"));
  ASSERT_EQ(p->scopes.size(), 3u);
  EXPECT_THAT(p->scopes[0].actions, ::testing::ElementsAre(Action::kRead, Action::kList));
  EXPECT_THAT(p->scopes[1].models, ::testing::ElementsAre("Customer", "Invoice"));
  EXPECT_THAT(p->scopes[2].paths, ::testing::ElementsAre("#org/@customers/*"));
}

TEST(Token, PrefixIsOptionalOnInput) {
  std::string token = Mint();
  EXPECT_TRUE(Check(token.substr(6), OneKey()).ok());
}

TEST(Token, TokenIdsAreUniqueAndInspectShowsThem) {
  std::string a = Mint(), b = Mint();
  auto ia = InspectToken(a), ib = InspectToken(b);
  ASSERT_TRUE(ia.ok() && ib.ok());
  EXPECT_EQ(ia->kid, "k1");
  EXPECT_EQ(ia->token_id.size(), 32u);
  EXPECT_NE(ia->token_id, ib->token_id);
  EXPECT_THAT(ia->caveats, ::testing::ElementsAre("principal = alice", "roles = editor,viewer"));
}

TEST(Token, AttenuationAppendsScopesAndTightensTheWindow) {
  TokenClaims c = Alice();
  c.restriction.expires = kNow + 3600;
  std::string token = Mint(c);
  TokenRestriction r;
  r.actions = {Action::kRead};
  r.models = {"Customer"};
  r.expires = kNow + 60;
  r.not_before = kNow - 10;
  auto narrow = AttenuateToken(token, r);
  ASSERT_TRUE(narrow.ok()) << narrow.status();
  auto p = Check(*narrow, OneKey());
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_EQ(p->scopes.size(), 2u);
  ExpectRefused(Check(*narrow, OneKey(), kNow + 61), "expired");
  ExpectRefused(Check(*narrow, OneKey(), kNow - 11), "not yet valid");
  // A later, looser expiry cannot extend it.
  TokenRestriction looser;
  looser.expires = kNow + 7200;
  auto again = AttenuateToken(*narrow, looser);
  ASSERT_TRUE(again.ok());
  ExpectRefused(Check(*again, OneKey(), kNow + 61), "expired");
}

TEST(Token, SameKindCaveatsIntersectAsSeparateScopes) {
  TokenClaims c = Alice();
  c.restriction.models = {"Customer", "Invoice"};
  TokenRestriction r;
  r.models = {"Invoice"};
  auto t = AttenuateToken(Mint(c), r);
  ASSERT_TRUE(t.ok());
  auto p = Check(*t, OneKey());
  ASSERT_TRUE(p.ok());
  // Every scope must admit a request: Customer is admitted by the first only.
  ASSERT_EQ(p->scopes.size(), 2u);
  EXPECT_THAT(p->scopes[1].models, ::testing::ElementsAre("Invoice"));
}

TEST(Token, RolesCanOnlyNarrow) {
  std::string token = Mint();
  // A subset narrows.
  auto sub = Check(RawAppend(token, "roles = viewer"), OneKey());
  ASSERT_TRUE(sub.ok()) << sub.status();
  EXPECT_THAT(sub->roles, ::testing::ElementsAre("viewer"));
  // Empty keeps none.
  auto none = Check(RawAppend(token, "roles = "), OneKey());
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_TRUE(none->roles.empty());
  // A role the token did not have, even alongside kept ones, refuses it all.
  ExpectRefused(Check(RawAppend(token, "roles = viewer,admin"), OneKey()), "widens");
  // Once narrowed, the dropped role cannot come back.
  ExpectRefused(Check(RawAppend(RawAppend(token, "roles = viewer"), "roles = editor"), OneKey()),
                "widens");
  // The API refuses to build such a token in the first place.
  TokenRestriction r;
  r.roles = std::vector<std::string>{"admin"};
  EXPECT_FALSE(AttenuateToken(token, r).ok());
}

// ---- negatives: each refused -------------------------------------------------

TEST(TokenNegative, ForgedSignature) {
  Packets p = Unpack(Mint());
  ASSERT_EQ(p.back().first, "signature");
  p.back().second[5] ^= 1;
  ExpectRefused(Check(Pack(p), OneKey()), "bad signature");
}

TEST(TokenNegative, SignedWithAnotherKey) {
  auto t = MintToken(kOtherKey, "k1", Alice());
  ASSERT_TRUE(t.ok());
  ExpectRefused(Check(*t, OneKey()), "bad signature");
}

TEST(TokenNegative, TamperedIdentifier) {
  std::string token = Mint();
  Packets p = Unpack(token);
  ASSERT_EQ(p[1].first, "identifier");
  char& last = p[1].second.back();
  last = last == '0' ? '1' : '0';
  ExpectRefused(Check(Pack(p), OneKey()), "bad signature");
  // The packing itself is faithful: unchanged, it still verifies.
  EXPECT_TRUE(Check(Pack(Unpack(token)), OneKey()).ok());
}

TEST(TokenNegative, TamperedCaveatBytes) {
  TokenClaims c = Alice();
  c.restriction.actions = {Action::kRead};
  Packets p = Unpack(Mint(c));
  ASSERT_EQ(p[4].second, "actions = read");
  p[4].second = "actions = list";  // same length
  ExpectRefused(Check(Pack(p), OneKey()), "bad signature");
  p[4].second = "actions = read,create,update,delete";  // widened
  ExpectRefused(Check(Pack(p), OneKey()), "bad signature");
  Packets q = Unpack(Mint(c));
  q[2].second = "principal = mallory";
  ExpectRefused(Check(Pack(q), OneKey()), "bad signature");
}

TEST(TokenNegative, CaveatRemoved) {
  TokenClaims c = Alice();
  c.restriction.actions = {Action::kRead};
  c.restriction.expires = kNow + 60;
  Packets p = Unpack(Mint(c));
  for (size_t i = 2; i + 1 < p.size(); ++i) {  // each cid packet in turn
    Packets cut = p;
    cut.erase(cut.begin() + static_cast<long>(i));
    ExpectRefused(Check(Pack(cut), OneKey()), "bad signature");
  }
}

TEST(TokenNegative, ExpiredAndNotYetValid) {
  TokenClaims c = Alice();
  c.restriction.not_before = kNow;
  c.restriction.expires = kNow + 10;
  std::string t = Mint(c);
  EXPECT_TRUE(Check(t, OneKey(), kNow).ok());
  ExpectRefused(Check(t, OneKey(), kNow + 10), "expired");
  ExpectRefused(Check(t, OneKey(), kNow - 1), "not yet valid");
  ExpectRefused(Check(RawAppend(Mint(), "exp = 0"), OneKey()), "expired");
}

TEST(TokenNegative, RevokedRetiredAndUnknownKey) {
  std::string t = Mint();
  Keys keys = OneKey();
  keys.revoked.insert(InspectToken(t)->token_id);
  ExpectRefused(Check(t, keys), "revoked");
  Keys retired = OneKey();
  retired.by_kid["k1"].retired = true;
  ExpectRefused(Check(t, retired), "retired");
  Keys other;
  other.by_kid["k2"] = {kKey, false};
  ExpectRefused(Check(t, other), "unknown key id");
}

TEST(TokenNegative, UnknownCaveatsAndThirdPartyAreRefused) {
  std::string t = Mint();
  for (const char* c : {"foo = bar", "actions = fly", "models = ", "exp = soon", "exp=5",
                        "principal = mallory", "ids = a b", "nbf = -5"}) {
    auto r = Check(RawAppend(t, c), OneKey());
    EXPECT_FALSE(r.ok()) << c;
    EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied) << c;
  }
  std::string body = t.substr(6);
  macaroon_returncode err;
  macaroon* m = macaroon_deserialize(body.c_str(), &err);
  std::string loc = "elsewhere", key = "third-party-key", id = "id";
  auto U = [](const std::string& s) { return reinterpret_cast<const unsigned char*>(s.data()); };
  macaroon* n = macaroon_add_third_party_caveat(m, U(loc), loc.size(), U(key), key.size(), U(id),
                                                id.size(), &err);
  ASSERT_NE(n, nullptr);
  std::string out(macaroon_serialize_size_hint(n), '\0');
  macaroon_serialize(n, out.data(), out.size(), &err);
  out.resize(std::char_traits<char>::length(out.c_str()));
  macaroon_destroy(m);
  macaroon_destroy(n);
  ExpectRefused(Check(out, OneKey()), "third-party");
}

TEST(TokenNegative, TokenWithoutPrincipalFirst) {
  // Minted by hand (any macaroon library) without the principal caveat first.
  Packets p = Unpack(Mint());
  std::swap(p[2], p[3]);  // breaks the signature too, but the shape alone must refuse
  EXPECT_FALSE(Check(Pack(p), OneKey()).ok());
  macaroon_returncode err;
  std::string loc = "worm", id = "worm1/k1/" + std::string(32, 'a'), c = "roles = admin";
  auto U = [](const std::string& s) { return reinterpret_cast<const unsigned char*>(s.data()); };
  macaroon* m = macaroon_create(U(loc), loc.size(), U(kKey), kKey.size(), U(id), id.size(), &err);
  macaroon* n = macaroon_add_first_party_caveat(m, U(c), c.size(), &err);
  std::string out(macaroon_serialize_size_hint(n), '\0');
  macaroon_serialize(n, out.data(), out.size(), &err);
  out.resize(std::char_traits<char>::length(out.c_str()));
  macaroon_destroy(m);
  macaroon_destroy(n);
  ExpectRefused(Check(out, OneKey()), "first caveat is not the principal");
}

TEST(TokenNegative, TruncatedAtEveryLength) {
  std::string t = Mint();
  for (size_t n = 0; n < t.size(); ++n) {
    auto r = Check(t.substr(0, n), OneKey());
    EXPECT_FALSE(r.ok()) << "prefix of " << n << " bytes verified";
  }
}

TEST(TokenNegative, OversizedAndTooManyCaveats) {
  std::string t = Mint();
  ExpectRefused(Check(t + std::string(kMaxTokenBytes, 'A'), OneKey()), "too large");
  // Caveats up to the cap are fine; past it refused, both when attenuating
  // through the API and when appended by hand.
  std::string many = t;
  for (size_t i = 2; i < kMaxCaveats; ++i) many = RawAppend(many, "models = M");
  EXPECT_TRUE(Check(many, OneKey()).ok());
  TokenRestriction r;
  r.models = {"M"};
  EXPECT_FALSE(AttenuateToken(many, r).ok());
  ExpectRefused(Check(RawAppend(many, "models = M"), OneKey()), "caveats");
}

TEST(TokenNegative, Garbage) {
  Keys keys = OneKey();
  for (std::string g :
       {std::string(), std::string("worm1."), std::string("{\"identifier\":1}"),
        std::string(200, 'A'), std::string("worm1.") + std::string(100, '_'), RandomBytes(300),
        B64UrlEncode(RandomBytes(300)), Mint() + "=", Mint() + "\n", " " + Mint()}) {
    auto r = Check(g, keys);
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied);
    EXPECT_FALSE(InspectToken(g).ok());
  }
}

TEST(TokenNegative, ErrorsNeverContainTheTokenOrKey) {
  std::string t = Mint();
  Packets p = Unpack(t);
  p.back().second[0] ^= 1;
  std::string forged = Pack(p);
  for (const auto& r : {Check(forged, OneKey()), Check(t, Keys{})}) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().message().find(forged.substr(10, 20)), std::string::npos);
    EXPECT_EQ(r.status().message().find(kKey), std::string::npos);
  }
}

TEST(Token, MintRefusesBadInput) {
  EXPECT_FALSE(MintToken("short", "k1", Alice()).ok());
  EXPECT_FALSE(MintToken(kKey, "bad kid", Alice()).ok());
  TokenClaims c = Alice();
  c.principal = "";
  EXPECT_FALSE(MintToken(kKey, "k1", c).ok());
  c = Alice();
  c.roles = {"a,b"};
  EXPECT_FALSE(MintToken(kKey, "k1", c).ok());
  c = Alice();
  c.restriction.ids = {"has space"};
  EXPECT_FALSE(MintToken(kKey, "k1", c).ok());
}

TEST(Token, FuzzEntryPointAcceptsItsOwnTokens) {
  std::string t = Mint();
  EXPECT_EQ(FuzzToken(reinterpret_cast<const uint8_t*>(t.data()), t.size()), 0);
}

TEST(Token, FuzzCorpusAndMutationsRunClean) {
  auto seeds = testing::ReadFuzzCorpus("token");
  ASSERT_GE(seeds.size(), 5u);
  for (const auto& s : testing::MutateSeeds(seeds, "ABCabc019-_.= \n", 7, 3000)) {
    EXPECT_EQ(FuzzToken(reinterpret_cast<const uint8_t*>(s.data()), s.size()), 0);
  }
}

}  // namespace
}  // namespace worm::security

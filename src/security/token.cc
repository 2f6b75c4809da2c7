#include "security/token.h"

#include <macaroons.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "core/hash.h"
#include "core/random.h"

namespace worm::security {

namespace {

constexpr std::string_view kIdPrefix = "worm1/";
constexpr size_t kTokenIdHex = 32;

struct MacaroonDeleter {
  void operator()(macaroon* m) const { macaroon_destroy(m); }
};
using MacaroonPtr = std::unique_ptr<macaroon, MacaroonDeleter>;

const unsigned char* U(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

Status Malformed() { return Status::InvalidArgument("token: malformed"); }

// Size and alphabet checks before any parsing: the base64url body of a v1
// macaroon, unpadded, optionally behind the "worm1." prefix.
Result<std::string_view> TokenBody(std::string_view token) {
  if (token.size() > kMaxTokenBytes) {
    return Status::InvalidArgument("token: too large (more than " + std::to_string(kMaxTokenBytes) +
                                   " bytes)");
  }
  if (token.substr(0, sizeof(kTokenPrefix) - 1) == kTokenPrefix) {
    token.remove_prefix(sizeof(kTokenPrefix) - 1);
  }
  // The smallest v1 macaroon (location, identifier, signature packets) is
  // well over 64 base64 characters.
  if (token.size() < 64) return Malformed();
  for (char c : token) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok) return Malformed();
  }
  return token;
}

constexpr char kB64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string B64UrlEncode(std::string_view raw) {
  std::string out;
  out.reserve((raw.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < raw.size(); i += 3) {
    uint32_t v = (uint8_t(raw[i]) << 16) | (uint8_t(raw[i + 1]) << 8) | uint8_t(raw[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kB64Url[(v >> s) & 63];
  }
  if (i + 1 == raw.size()) {
    uint32_t v = uint8_t(raw[i]) << 16;
    out += kB64Url[(v >> 18) & 63], out += kB64Url[(v >> 12) & 63];
  } else if (i + 2 == raw.size()) {
    uint32_t v = (uint8_t(raw[i]) << 16) | (uint8_t(raw[i + 1]) << 8);
    out += kB64Url[(v >> 18) & 63], out += kB64Url[(v >> 12) & 63], out += kB64Url[(v >> 6) & 63];
  }
  return out;
}

// Strict unpadded base64url: the alphabet was checked by TokenBody; the
// decoding must re-encode to the same text (no stray bits).
Result<std::string> B64UrlDecode(std::string_view text) {
  if (text.size() % 4 == 1) return Malformed();
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    acc = (acc << 6) | static_cast<uint32_t>(std::strchr(kB64Url, c) - kB64Url);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  if (B64UrlEncode(out) != text) return Malformed();
  return out;
}

// The v1 binary layout, walked before libmacaroons sees a byte (its 0.3.0
// deserializer trusts its input): packets "<4 lowercase hex length><key>
// <value>\n" in the order location, identifier, cid*, signature (32 bytes),
// and nothing after.
Status CheckV1Layout(std::string_view raw) {
  size_t pos = 0;
  int stage = 0;  // 0 location, 1 identifier, 2 caveats, 3 done
  size_t caveats = 0;
  while (pos < raw.size()) {
    if (stage == 3 || raw.size() - pos < 4) return Malformed();
    size_t len = 0;
    for (size_t i = 0; i < 4; ++i) {
      char c = raw[pos + i];
      int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
      if (d < 0) return Malformed();
      len = len * 16 + static_cast<size_t>(d);
    }
    if (len < 6 || len > raw.size() - pos || raw[pos + len - 1] != '\n') return Malformed();
    std::string_view body = raw.substr(pos + 4, len - 5);
    size_t sp = body.find(' ');
    if (sp == std::string_view::npos) return Malformed();
    std::string_view key = body.substr(0, sp), value = body.substr(sp + 1);
    if (stage == 0) {
      if (key != "location") return Malformed();
      stage = 1;
    } else if (stage == 1) {
      if (key != "identifier" || value.empty()) return Malformed();
      stage = 2;
    } else if (key == "cid") {
      if (value.empty()) return Malformed();
      if (++caveats > kMaxCaveats) {
        return Status::InvalidArgument("token: more than " + std::to_string(kMaxCaveats) +
                                       " caveats");
      }
    } else if (key == "vid" || key == "cl") {
      return Status::InvalidArgument("token: third-party caveats are not accepted");
    } else if (key == "signature") {
      if (value.size() != 32) return Malformed();
      stage = 3;
    } else {
      return Malformed();
    }
    pos += len;
  }
  return stage == 3 ? Status::OK() : Malformed();
}

Result<MacaroonPtr> Deserialize(std::string_view token) {
  ASSIGN_OR_RETURN(std::string_view body, TokenBody(token));
  ASSIGN_OR_RETURN(std::string raw, B64UrlDecode(body));
  RETURN_NOT_OK(CheckV1Layout(raw));
  std::string z(body);  // macaroon_deserialize wants a C string
  macaroon_returncode err = MACAROON_SUCCESS;
  MacaroonPtr m(macaroon_deserialize(z.c_str(), &err));
  if (!m || macaroon_validate(m.get()) != 0) return Malformed();
  if (macaroon_num_third_party_caveats(m.get()) != 0) {
    return Status::InvalidArgument("token: third-party caveats are not accepted");
  }
  const unsigned char* sig = nullptr;
  size_t sig_sz = 0;
  macaroon_signature(m.get(), &sig, &sig_sz);
  if (sig_sz != 32) return Malformed();
  return m;
}

Result<std::string> Serialize(const macaroon* m) {
  macaroon_returncode err = MACAROON_SUCCESS;
  std::string out(macaroon_serialize_size_hint(m), '\0');
  if (macaroon_serialize(m, out.data(), out.size(), &err) != 0) {
    return Status::Internal("token: cannot serialize");
  }
  out.resize(std::char_traits<char>::length(out.c_str()));
  if (out.size() + sizeof(kTokenPrefix) - 1 > kMaxTokenBytes) {
    return Status::InvalidArgument("token: would exceed " + std::to_string(kMaxTokenBytes) +
                                   " bytes");
  }
  return std::string(kTokenPrefix) + out;
}

bool IsHexLower(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

struct Identifier {
  std::string kid;
  std::string tid;
};

Result<Identifier> ParseIdentifier(const macaroon* m) {
  const unsigned char* p = nullptr;
  size_t n = 0;
  macaroon_identifier(m, &p, &n);
  std::string_view id(reinterpret_cast<const char*>(p), n);
  if (id.substr(0, kIdPrefix.size()) != kIdPrefix) return Malformed();
  id.remove_prefix(kIdPrefix.size());
  size_t slash = id.find('/');
  if (slash == std::string_view::npos) return Malformed();
  std::string_view kid = id.substr(0, slash), tid = id.substr(slash + 1);
  if (!ValidKeyId(kid) || tid.size() != kTokenIdHex || !IsHexLower(tid)) return Malformed();
  return Identifier{std::string(kid), std::string(tid)};
}

// A list item: printable, no space or comma (bytes >= 0x80 pass: UTF-8).
bool ValidItem(std::string_view s) {
  if (s.empty() || s.size() > 512) return false;
  for (unsigned char c : s) {
    if (c <= 0x20 || c == 0x7f || c == ',') return false;
  }
  return true;
}

Result<std::vector<std::string>> ParseList(std::string_view value, bool allow_empty) {
  std::vector<std::string> out;
  if (value.empty()) {
    if (allow_empty) return out;
    return Status::InvalidArgument("empty list");
  }
  size_t start = 0;
  while (true) {
    size_t comma = value.find(',', start);
    std::string_view item = value.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (!ValidItem(item)) return Status::InvalidArgument("bad list item");
    out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

Result<int64_t> ParseTime(std::string_view v) {
  int64_t t = 0;
  if (v.empty() || v.size() > 18 || v[0] == '-' || v[0] == '+') {
    return Status::InvalidArgument("bad time");
  }
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), t);
  if (ec != std::errc() || ptr != v.data() + v.size()) return Status::InvalidArgument("bad time");
  return t;
}

// The caveat chain, folded in order. The first problem is kept; the chain is
// only judged after the signature checked out, so a forgery reads as one.
struct Chain {
  Principal principal;
  int64_t not_before = 0;
  int64_t expires = 0;
  size_t count = 0;
  std::string error;  // first problem, empty when none

  void Fail(std::string why) {
    if (error.empty()) error = std::move(why);
  }

  void Apply(std::string_view caveat) {
    size_t index = count++;
    if (!error.empty()) return;
    if (count > kMaxCaveats) return Fail("more than " + std::to_string(kMaxCaveats) + " caveats");
    size_t eq = caveat.find(" = ");
    if (eq == std::string_view::npos) return Fail("unknown caveat");
    std::string_view name = caveat.substr(0, eq), value = caveat.substr(eq + 3);
    if (name == "principal") {
      if (index != 0) return Fail("principal caveat after the first");
      if (!ValidItem(value)) return Fail("bad principal caveat");
      principal.id = std::string(value);
      return;
    }
    if (index == 0) return Fail("first caveat is not the principal");
    if (name == "roles") {
      auto roles = ParseList(value, /*allow_empty=*/true);
      if (!roles.ok()) return Fail("bad roles caveat");
      if (index == 1) {
        principal.roles = std::move(*roles);
        return;
      }
      // A later roles caveat can only keep some of the roles so far.
      for (const auto& r : *roles) {
        if (std::find(principal.roles.begin(), principal.roles.end(), r) == principal.roles.end()) {
          return Fail("roles caveat widens the roles");
        }
      }
      principal.roles = std::move(*roles);
      return;
    }
    if (name == "nbf" || name == "exp") {
      auto t = ParseTime(value);
      if (!t.ok()) return Fail("bad " + std::string(name) + " caveat");
      if (name == "nbf") {
        not_before = std::max(not_before, *t);
      } else {
        expires = expires == 0 ? *t : std::min(expires, *t);
        if (expires == 0) expires = -1;  // "exp = 0": already expired, never "none"
      }
      return;
    }
    if (name != "actions" && name != "models" && name != "ids" && name != "paths") {
      return Fail("unknown caveat");
    }
    auto items = ParseList(value, /*allow_empty=*/false);
    if (!items.ok()) return Fail("bad " + std::string(name) + " caveat");
    Scope scope;
    if (name == "actions") {
      for (const auto& a : *items) {
        auto action = ParseAction(a);
        if (!action) return Fail("unknown action in actions caveat");
        scope.actions.push_back(*action);
      }
    } else if (name == "models") {
      scope.models = std::move(*items);
    } else if (name == "ids") {
      scope.ids = std::move(*items);
    } else {
      scope.paths = std::move(*items);
    }
    principal.scopes.push_back(std::move(scope));
  }

  void Finish() {
    if (error.empty() && count == 0) Fail("first caveat is not the principal");
  }
};

struct ChainWithList {
  Chain chain;
  std::vector<std::string>* caveats = nullptr;
};

int CollectCaveat(void* f, const unsigned char* pred, size_t pred_sz) {
  auto* c = static_cast<ChainWithList*>(f);
  std::string_view caveat(reinterpret_cast<const char*>(pred), pred_sz);
  c->chain.Apply(caveat);
  if (c->caveats != nullptr && c->caveats->size() <= kMaxCaveats) c->caveats->emplace_back(caveat);
  return 0;  // judged after the signature, in Chain
}

struct VerifierDeleter {
  void operator()(macaroon_verifier* v) const { macaroon_verifier_destroy(v); }
};

// Runs libmacaroons' verifier over `m` with `key`, folding every first-party
// caveat into `out`. True when the HMAC chain matches.
bool RunChain(const macaroon* m, std::string_view key, ChainWithList* out) {
  std::unique_ptr<macaroon_verifier, VerifierDeleter> v(macaroon_verifier_create());
  if (!v) return false;
  macaroon_returncode err = MACAROON_SUCCESS;
  if (macaroon_verifier_satisfy_general(v.get(), &CollectCaveat, out, &err) != 0) return false;
  int rc = macaroon_verify(v.get(), m, U(key), key.size(), nullptr, 0, &err);
  out->chain.Finish();
  return rc == 0;
}

Status Denied(std::string_view why) {
  return Status::PermissionDenied("token: " + std::string(why));
}

Status AppendCaveats(MacaroonPtr& m, const std::vector<std::string>& caveats) {
  for (const auto& c : caveats) {
    macaroon_returncode err = MACAROON_SUCCESS;
    MacaroonPtr next(macaroon_add_first_party_caveat(m.get(), U(c), c.size(), &err));
    if (!next) return Status::Internal("token: cannot add a caveat");
    m = std::move(next);
  }
  return Status::OK();
}

Status CheckItems(const std::vector<std::string>& items, std::string_view what) {
  for (const auto& i : items) {
    if (!ValidItem(i)) {
      return Status::InvalidArgument("token: " + std::string(what) +
                                     ": items must be non-empty, without spaces or commas");
    }
  }
  return Status::OK();
}

}  // namespace

bool ValidKeyId(std::string_view kid) {
  if (kid.empty() || kid.size() > 64) return false;
  return std::all_of(kid.begin(), kid.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
}

std::string SigningKeyName(std::string_view kid) { return "signing/" + std::string(kid); }

Result<std::vector<std::string>> RestrictionCaveats(const TokenRestriction& r) {
  std::vector<std::string> out;
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& i : v) s += (s.empty() ? "" : ",") + i;
    return s;
  };
  if (r.roles) {
    RETURN_NOT_OK(CheckItems(*r.roles, "roles"));
    out.push_back("roles = " + join(*r.roles));
  }
  if (!r.actions.empty()) {
    std::vector<std::string> names;
    for (Action a : r.actions) names.emplace_back(ActionName(a));
    out.push_back("actions = " + join(names));
  }
  struct Axis {
    const char* name;
    const std::vector<std::string>* items;
  };
  for (const Axis& axis :
       {Axis{"models", &r.models}, Axis{"ids", &r.ids}, Axis{"paths", &r.paths}}) {
    if (axis.items->empty()) continue;
    RETURN_NOT_OK(CheckItems(*axis.items, axis.name));
    out.push_back(std::string(axis.name) + " = " + join(*axis.items));
  }
  if (r.not_before < 0 || r.expires < 0) {
    return Status::InvalidArgument("token: times are Unix seconds");
  }
  if (r.not_before > 0) out.push_back("nbf = " + std::to_string(r.not_before));
  if (r.expires > 0) out.push_back("exp = " + std::to_string(r.expires));
  return out;
}

Result<std::string> MintToken(std::string_view key, std::string_view kid,
                              const TokenClaims& claims) {
  if (key.size() != kSigningKeyBytes) {
    return Status::InvalidArgument("token: a signing key is " + std::to_string(kSigningKeyBytes) +
                                   " bytes");
  }
  if (!ValidKeyId(kid)) return Status::InvalidArgument("token: bad key id");
  if (!ValidItem(claims.principal)) {
    return Status::InvalidArgument(
        "token: the principal must be a non-empty id without spaces "
        "or commas");
  }
  if (claims.restriction.roles) {
    return Status::InvalidArgument("token: minted roles go in TokenClaims::roles");
  }
  RETURN_NOT_OK(CheckItems(claims.roles, "roles"));
  std::vector<std::string> caveats = {"principal = " + claims.principal};
  caveats.push_back("roles = " + [&] {
    std::string s;
    for (const auto& r : claims.roles) s += (s.empty() ? "" : ",") + r;
    return s;
  }());
  ASSIGN_OR_RETURN(std::vector<std::string> rest, RestrictionCaveats(claims.restriction));
  caveats.insert(caveats.end(), rest.begin(), rest.end());
  if (caveats.size() > kMaxCaveats) return Status::InvalidArgument("token: too many caveats");

  std::string id = std::string(kIdPrefix) + std::string(kid) + "/" + HexEncode(RandomBytes(16));
  macaroon_returncode err = MACAROON_SUCCESS;
  std::string_view loc = kTokenLocation;
  MacaroonPtr m(macaroon_create(U(loc), loc.size(), U(key), key.size(), U(id), id.size(), &err));
  if (!m) return Status::Internal("token: cannot create");
  RETURN_NOT_OK(AppendCaveats(m, caveats));
  return Serialize(m.get());
}

Result<std::string> AttenuateToken(std::string_view token, const TokenRestriction& restriction) {
  ASSIGN_OR_RETURN(MacaroonPtr m, Deserialize(token));
  ASSIGN_OR_RETURN(TokenInfo info, InspectToken(token));
  if (restriction.roles) {
    for (const auto& r : *restriction.roles) {
      if (std::find(info.principal.roles.begin(), info.principal.roles.end(), r) ==
          info.principal.roles.end()) {
        return Status::InvalidArgument("token: attenuation cannot add role " + r);
      }
    }
  }
  ASSIGN_OR_RETURN(std::vector<std::string> caveats, RestrictionCaveats(restriction));
  if (info.caveats.size() + caveats.size() > kMaxCaveats) {
    return Status::InvalidArgument("token: more than " + std::to_string(kMaxCaveats) + " caveats");
  }
  RETURN_NOT_OK(AppendCaveats(m, caveats));
  return Serialize(m.get());
}

Result<TokenInfo> InspectToken(std::string_view token) {
  ASSIGN_OR_RETURN(MacaroonPtr m, Deserialize(token));
  ASSIGN_OR_RETURN(Identifier id, ParseIdentifier(m.get()));
  TokenInfo info;
  ChainWithList c;
  c.caveats = &info.caveats;
  // Any key: the verifier still walks every caveat; the answer is ignored.
  (void)RunChain(m.get(), std::string(kSigningKeyBytes, '\0'), &c);
  if (!c.chain.error.empty()) return Status::InvalidArgument("token: " + c.chain.error);
  info.kid = std::move(id.kid);
  info.token_id = std::move(id.tid);
  info.principal = std::move(c.chain.principal);
  info.not_before = c.chain.not_before;
  info.expires = c.chain.expires;
  return info;
}

Result<Principal> VerifyToken(std::string_view token, int64_t now_seconds, const KeyLookup& keys,
                              const RevokedLookup& revoked) {
  auto m = Deserialize(token);
  if (!m.ok()) return Status::PermissionDenied(m.status().message());
  auto id = ParseIdentifier(m->get());
  if (!id.ok()) return Denied("malformed");
  const VerifyKey* key = keys(id->kid);
  if (key == nullptr) return Denied("unknown key id " + id->kid);
  if (key->retired) return Denied("key " + id->kid + " is retired");
  ChainWithList c;
  if (!RunChain(m->get(), key->secret, &c)) return Denied("bad signature");
  Chain& chain = c.chain;
  if (!chain.error.empty()) return Denied(chain.error);
  if (chain.expires != 0 && now_seconds >= chain.expires) return Denied("expired");
  if (now_seconds < chain.not_before) return Denied("not yet valid");
  if (revoked && revoked(id->tid)) return Denied("revoked");
  return std::move(chain.principal);
}

int FuzzToken(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  static const VerifyKey kKey{std::string(kSigningKeyBytes, 'k'), false};
  auto lookup = [](std::string_view) { return &kKey; };
  auto info = InspectToken(input);
  auto verified = VerifyToken(input, 1000, lookup, {});
  // A token that verifies must inspect to the same principal.
  if (verified.ok() && (!info.ok() || info->principal.id != verified->id)) {
    std::fprintf(stderr, "token fuzz: verified but inspect disagrees\n");
    std::abort();
  }
  if (info.ok()) {
    // Attenuating a parsed token keeps it parseable.
    TokenRestriction r;
    r.actions = {Action::kRead};
    auto narrowed = AttenuateToken(input, r);
    if (narrowed.ok() && !InspectToken(*narrowed).ok()) {
      std::fprintf(stderr, "token fuzz: attenuated token does not inspect\n");
      std::abort();
    }
  }
  return 0;
}

}  // namespace worm::security

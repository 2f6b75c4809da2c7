#include "security/key_store.h"

#include <algorithm>
#include <functional>

#include "core/hash.h"
#include "core/json_util.h"
#include "core/layout.h"
#include "core/random.h"
#include "security/keychain.h"
#include "security/token.h"

namespace worm::security {

namespace {

constexpr char kKeysFile[] = "keys.json";
constexpr char kRevokedFile[] = "revoked.json";
constexpr int kFormat = 1;
// As the engine's compare-and-swap loops (ProjectOptions::max_cas_retries):
// with a random backoff, many concurrent revocations all land.
constexpr int kWriteAttempts = 64;

Status Bad(std::string_view file, std::string_view why) {
  return Status::InvalidArgument(std::string(layout::kKeysPrefix) + std::string(file) + ": " +
                                 std::string(why));
}

Result<int64_t> TimeField(const Json& j, const char* name, std::string_view file) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return int64_t{0};
  if (!it->is_number_integer() || it->get<int64_t>() < 0) {
    return Bad(file, std::string(name) + " must be Unix seconds");
  }
  return it->get<int64_t>();
}

Result<std::string> StringField(const Json& j, const char* name, std::string_view file,
                                bool required) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) {
    if (required) return Bad(file, std::string("missing ") + name);
    return std::string();
  }
  if (!it->is_string()) return Bad(file, std::string(name) + " must be a string");
  return it->get<std::string>();
}

Status CheckFormat(const Json& j, std::string_view file) {
  if (!j.is_object()) return Bad(file, "not a JSON object");
  auto it = j.find("format");
  if (it == j.end() || !it->is_number_integer() || it->get<int>() != kFormat) {
    return Bad(file, "format must be 1");
  }
  return Status::OK();
}

// Reads `key`; absent: empty text and etag.
Result<std::string> ReadFile(Transport* bucket, const std::string& key, std::string* etag) {
  auto obj = bucket->Get(key, {});
  if (!obj.ok()) {
    if (obj.status().IsNotFound()) {
      if (etag) etag->clear();
      return std::string();
    }
    return obj.status();
  }
  if (etag) *etag = obj->meta.etag;
  return std::move(obj->data);
}

// Read-modify-write of one file: `edit` changes the text it is given (empty
// when absent) and returns the new text; conflicts with another writer retry.
Status Update(Transport* bucket, const std::string& key,
              const std::function<Result<std::string>(const std::string&)>& edit) {
  for (int attempt = 0; attempt < kWriteAttempts; ++attempt) {
    std::string etag;
    ASSIGN_OR_RETURN(std::string text, ReadFile(bucket, key, &etag));
    ASSIGN_OR_RETURN(std::string next, edit(text));
    WriteOptions wo = etag.empty() ? WriteOptions::Create() : WriteOptions::Update(etag);
    wo.content_type = "application/json";
    auto put = bucket->Put(key, next, wo);
    if (put.ok()) return Status::OK();
    if (!put.status().IsAlreadyExists() && !put.status().IsFailedPrecondition() &&
        !put.status().IsAborted()) {
      return put.status();
    }
    RandomBackoff(attempt);
  }
  return Status::Aborted(key + ": other writers kept changing it; try again");
}

}  // namespace

const SigningKeyInfo* KeyList::Find(std::string_view kid) const {
  for (const auto& k : keys) {
    if (k.kid == kid) return &k;
  }
  return nullptr;
}

std::string KeyListKey() { return std::string(layout::kKeysPrefix) + kKeysFile; }
std::string RevocationListKey() { return std::string(layout::kKeysPrefix) + kRevokedFile; }

Result<KeyList> ParseKeyList(std::string_view text) {
  KeyList list;
  if (text.empty()) return list;
  ASSIGN_OR_RETURN(Json j, ParseJson(text, std::string(layout::kKeysPrefix) + kKeysFile));
  RETURN_NOT_OK(CheckFormat(j, kKeysFile));
  ASSIGN_OR_RETURN(list.current, StringField(j, "current", kKeysFile, false));
  auto keys = j.find("keys");
  if (keys == j.end() || !keys->is_array()) return Bad(kKeysFile, "keys must be an array");
  for (const auto& k : *keys) {
    if (!k.is_object()) return Bad(kKeysFile, "a key entry must be an object");
    SigningKeyInfo info;
    ASSIGN_OR_RETURN(info.kid, StringField(k, "kid", kKeysFile, true));
    if (!ValidKeyId(info.kid)) return Bad(kKeysFile, "bad kid");
    ASSIGN_OR_RETURN(info.created, TimeField(k, "created", kKeysFile));
    ASSIGN_OR_RETURN(info.retired, TimeField(k, "retired", kKeysFile));
    if (list.Find(info.kid)) return Bad(kKeysFile, "kid " + info.kid + " listed twice");
    list.keys.push_back(std::move(info));
  }
  if (!list.current.empty() && !list.Find(list.current)) {
    return Bad(kKeysFile, "current names no listed key");
  }
  return list;
}

std::string FormatKeyList(const KeyList& list) {
  Json keys = Json::array();
  for (const auto& k : list.keys) {
    keys.push_back({{"kid", k.kid}, {"created", k.created}, {"retired", k.retired}});
  }
  Json j = {{"format", kFormat}, {"current", list.current}, {"keys", keys}};
  return j.dump(2) + "\n";
}

Result<RevocationList> ParseRevocationList(std::string_view text) {
  RevocationList list;
  if (text.empty()) return list;
  ASSIGN_OR_RETURN(Json j, ParseJson(text, std::string(layout::kKeysPrefix) + kRevokedFile));
  RETURN_NOT_OK(CheckFormat(j, kRevokedFile));
  auto revoked = j.find("revoked");
  if (revoked == j.end() || !revoked->is_array()) {
    return Bad(kRevokedFile, "revoked must be an array");
  }
  for (const auto& r : *revoked) {
    if (!r.is_object()) return Bad(kRevokedFile, "an entry must be an object");
    RevokedToken t;
    ASSIGN_OR_RETURN(t.id, StringField(r, "id", kRevokedFile, true));
    if (t.id.empty()) return Bad(kRevokedFile, "empty id");
    ASSIGN_OR_RETURN(t.revoked_at, TimeField(r, "revokedAt", kRevokedFile));
    ASSIGN_OR_RETURN(t.reason, StringField(r, "reason", kRevokedFile, false));
    ASSIGN_OR_RETURN(t.expires, TimeField(r, "expires", kRevokedFile));
    list.revoked.push_back(std::move(t));
  }
  return list;
}

std::string FormatRevocationList(const RevocationList& list) {
  Json revoked = Json::array();
  for (const auto& t : list.revoked) {
    Json e = {{"id", t.id}, {"revokedAt", t.revoked_at}};
    if (!t.reason.empty()) e["reason"] = t.reason;
    if (t.expires != 0) e["expires"] = t.expires;
    revoked.push_back(std::move(e));
  }
  Json j = {{"format", kFormat}, {"revoked", revoked}};
  return j.dump(2) + "\n";
}

Result<KeyList> LoadKeyList(Transport* bucket, std::string* etag) {
  ASSIGN_OR_RETURN(std::string text, ReadFile(bucket, KeyListKey(), etag));
  return ParseKeyList(text);
}

Result<RevocationList> LoadRevocationList(Transport* bucket, std::string* etag) {
  ASSIGN_OR_RETURN(std::string text, ReadFile(bucket, RevocationListKey(), etag));
  return ParseRevocationList(text);
}

Result<std::string> CreateSigningKey(Transport* bucket, Keychain* keychain, std::string kid,
                                     int64_t now_seconds, bool make_current) {
  if (kid.empty()) kid = "k" + HexEncode(RandomBytes(4));
  if (!ValidKeyId(kid)) {
    return Status::InvalidArgument("keys: a key id is 1-64 of A-Z a-z 0-9 - _");
  }
  ASSIGN_OR_RETURN(KeyList existing, LoadKeyList(bucket));
  if (existing.Find(kid)) return Status::AlreadyExists("keys: key " + kid + " exists");
  // The secret first: a listed kid always has one somewhere.
  RETURN_NOT_OK(keychain->Put(SigningKeyName(kid), RandomBytes(kSigningKeyBytes)));
  Status st = Update(bucket, KeyListKey(), [&](const std::string& text) -> Result<std::string> {
    ASSIGN_OR_RETURN(KeyList list, ParseKeyList(text));
    if (list.Find(kid)) return Status::AlreadyExists("keys: key " + kid + " exists");
    list.keys.push_back({kid, now_seconds, 0});
    if (make_current || list.current.empty()) list.current = kid;
    return FormatKeyList(list);
  });
  if (!st.ok()) {
    (void)keychain->Remove(SigningKeyName(kid));  // never published
    return st;
  }
  return kid;
}

Status RetireSigningKey(Transport* bucket, const std::string& kid, int64_t now_seconds) {
  return Update(bucket, KeyListKey(), [&](const std::string& text) -> Result<std::string> {
    ASSIGN_OR_RETURN(KeyList list, ParseKeyList(text));
    bool found = false;
    for (auto& k : list.keys) {
      if (k.kid != kid) continue;
      found = true;
      if (k.retired == 0) k.retired = std::max<int64_t>(now_seconds, 1);
    }
    if (!found) return Status::NotFound("keys: no key " + kid);
    if (list.current == kid) list.current.clear();
    return FormatKeyList(list);
  });
}

Status RevokeTokenId(Transport* bucket, RevokedToken entry, int64_t now_seconds) {
  return Update(bucket, RevocationListKey(), [&](const std::string& text) -> Result<std::string> {
    ASSIGN_OR_RETURN(RevocationList list, ParseRevocationList(text));
    constexpr int64_t kGrace = 86400;  // clocks differ; keep expired entries a day
    std::erase_if(list.revoked, [&](const RevokedToken& t) {
      return t.expires != 0 && t.expires + kGrace < now_seconds;
    });
    bool present = std::any_of(list.revoked.begin(), list.revoked.end(),
                               [&](const RevokedToken& t) { return t.id == entry.id; });
    if (!present) list.revoked.push_back(entry);
    return FormatRevocationList(list);
  });
}

}  // namespace worm::security

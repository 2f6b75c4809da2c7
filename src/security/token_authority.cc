// OpenTokenAuthority: key material and the revocation set cached in memory,
// re-read from .worm.keys/ at most every refresh_ms (conditional GETs, so an
// unchanged file costs one 304-shaped answer), so a verification is a hash
// lookup or two plus the HMAC chain.
#include "security/token_authority.h"

#include <atomic>
#include <chrono>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include "security/key_store.h"
#include "security/keychain.h"
#include "security/token.h"

namespace worm::security {

namespace {

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// What one refresh saw; immutable once published.
struct Snapshot {
  std::unordered_map<std::string, VerifyKey> keys;
  std::unordered_set<std::string> revoked;
  std::string keys_etag;
  std::string revoked_etag;
};

class CachedTokenAuthority final : public TokenAuthority {
 public:
  CachedTokenAuthority(Transport* bucket, Keychain* keychain, TokenAuthorityOptions options)
      : bucket_(bucket), keychain_(keychain), options_(options) {}

  Status Load() {
    ASSIGN_OR_RETURN(auto snap, Read(nullptr));
    Publish(std::move(snap));
    next_refresh_ms_.store(SteadyMs() + options_.refresh_ms, std::memory_order_relaxed);
    return Status::OK();
  }

  Result<Principal> Verify(std::string_view token, int64_t now_seconds) const override {
    std::shared_ptr<const Snapshot> snap = Current();
    if (!snap) return Status::PermissionDenied("token: the key list could not be read");
    auto keys = [&](std::string_view kid) -> const VerifyKey* {
      auto it = snap->keys.find(std::string(kid));
      return it == snap->keys.end() ? nullptr : &it->second;
    };
    auto revoked = [&](std::string_view tid) { return snap->revoked.count(std::string(tid)) > 0; };
    // A token verified before: its key must still be the one it was checked
    // with (present, not retired, same secret), its window must hold now and
    // it must not be revoked since; anything else goes the whole way again,
    // which gives the refusal its reason.
    {
      std::lock_guard<std::mutex> lock(cache_mu_);
      auto it = cache_.find(std::string(token));
      if (it != cache_.end()) {
        const Verified& v = it->second;
        const VerifyKey* key = keys(v.kid);
        if (key != nullptr && !key->retired && key->secret == v.secret &&
            (v.expires == 0 || now_seconds < v.expires) && now_seconds >= v.not_before &&
            !revoked(v.tid)) {
          return v.principal;
        }
        cache_.erase(it);
      }
    }
    Result<Principal> p = VerifyToken(token, now_seconds, keys, revoked);
    if (!p.ok()) return p;
    Result<TokenInfo> info = InspectToken(token);
    const VerifyKey* key = info.ok() ? keys(info->kid) : nullptr;
    if (key != nullptr) {
      std::lock_guard<std::mutex> lock(cache_mu_);
      if (cache_.size() >= kCacheEntries) cache_.clear();  // bounded; refilled by use
      cache_[std::string(token)] = {*p,          info->kid,        info->token_id,
                                    key->secret, info->not_before, info->expires};
    }
    return p;
  }

 private:
  // The snapshot to verify with, refreshed first when due. One caller
  // refreshes; the others keep using the previous snapshot meanwhile. A
  // verifier whose bucket stays unreadable past kMaxStale refuses every token
  // (it could not see a revocation).
  std::shared_ptr<const Snapshot> Current() const {
    int64_t now = SteadyMs();
    if (now >= next_refresh_ms_.load(std::memory_order_relaxed)) {
      std::unique_lock<std::mutex> refresh(refresh_mu_, std::try_to_lock);
      if (refresh.owns_lock() && now >= next_refresh_ms_.load(std::memory_order_relaxed)) {
        auto next = Read(Snap().get());
        if (next.ok()) Publish(std::move(*next));
        next_refresh_ms_.store(SteadyMs() + options_.refresh_ms, std::memory_order_relaxed);
      }
    }
    int64_t stale_limit = std::max<int64_t>(30000, 10 * options_.refresh_ms);
    if (SteadyMs() - loaded_ms_.load(std::memory_order_relaxed) > stale_limit) return nullptr;
    return Snap();
  }

  std::shared_ptr<const Snapshot> Snap() const {
    std::lock_guard<std::mutex> lock(mu_);
    return snap_;
  }

  void Publish(std::shared_ptr<const Snapshot> snap) const {
    {
      std::lock_guard<std::mutex> lock(mu_);
      snap_ = std::move(snap);
    }
    loaded_ms_.store(SteadyMs(), std::memory_order_relaxed);
  }

  // A fresh snapshot; unchanged files (same ETag) and secrets already known
  // are taken from `previous`.
  Result<std::shared_ptr<const Snapshot>> Read(const Snapshot* previous) const {
    auto snap = std::make_shared<Snapshot>();
    ReadOptions ro;
    // Keys.
    bool keys_same = false;
    if (previous && !previous->keys_etag.empty()) {
      ro.if_none_match = previous->keys_etag;
      auto head = bucket_->Head(KeyListKey(), ro);
      keys_same = !head.ok() && head.status().IsFailedPrecondition();
    }
    if (keys_same) {
      snap->keys = previous->keys;
      snap->keys_etag = previous->keys_etag;
    } else {
      ASSIGN_OR_RETURN(KeyList list, LoadKeyList(bucket_, &snap->keys_etag));
      for (const auto& k : list.keys) {
        VerifyKey key;
        key.retired = k.retired != 0;
        if (!key.retired) {
          const VerifyKey* known = nullptr;
          if (previous) {
            auto it = previous->keys.find(k.kid);
            if (it != previous->keys.end() && !it->second.secret.empty()) known = &it->second;
          }
          if (known) {
            key.secret = known->secret;
          } else {
            auto secret = keychain_->Get(SigningKeyName(k.kid));
            // A key this keychain lacks verifies nothing here: unknown key id.
            if (!secret.ok() || secret->size() != kSigningKeyBytes) continue;
            key.secret = std::move(*secret);
          }
        }
        snap->keys.emplace(k.kid, std::move(key));
      }
    }
    // Revocations.
    bool revoked_same = false;
    if (previous && !previous->revoked_etag.empty()) {
      ro.if_none_match = previous->revoked_etag;
      auto head = bucket_->Head(RevocationListKey(), ro);
      revoked_same = !head.ok() && head.status().IsFailedPrecondition();
    }
    if (revoked_same) {
      snap->revoked = previous->revoked;
      snap->revoked_etag = previous->revoked_etag;
    } else {
      ASSIGN_OR_RETURN(RevocationList list, LoadRevocationList(bucket_, &snap->revoked_etag));
      snap->revoked.reserve(list.revoked.size());
      for (auto& t : list.revoked) snap->revoked.insert(std::move(t.id));
    }
    return std::shared_ptr<const Snapshot>(std::move(snap));
  }

  // Verified tokens (by their bytes): a verifier sees the same bearer tokens
  // again and again, and the HMAC chain and caveat parsing cost ~10 us.
  struct Verified {
    Principal principal;
    std::string kid, tid, secret;
    int64_t not_before = 0, expires = 0;
  };
  static constexpr size_t kCacheEntries = 4096;
  mutable std::mutex cache_mu_;
  mutable std::unordered_map<std::string, Verified> cache_;

  Transport* bucket_;
  Keychain* keychain_;
  TokenAuthorityOptions options_;
  mutable std::mutex mu_;  // guards snap_
  mutable std::shared_ptr<const Snapshot> snap_;
  mutable std::mutex refresh_mu_;
  mutable std::atomic<int64_t> next_refresh_ms_{0};
  mutable std::atomic<int64_t> loaded_ms_{0};
};

}  // namespace

Result<std::unique_ptr<TokenAuthority>> OpenTokenAuthority(Transport* keys_bucket,
                                                           Keychain* keychain,
                                                           TokenAuthorityOptions options) {
  if (options.refresh_ms < 0) options.refresh_ms = 0;
  auto authority = std::make_unique<CachedTokenAuthority>(keys_bucket, keychain, options);
  RETURN_NOT_OK(authority->Load());
  return std::unique_ptr<TokenAuthority>(std::move(authority));
}

}  // namespace worm::security

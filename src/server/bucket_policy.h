// Bucket policies: the AWS policy language as S3 applies it to one bucket
// (docs/serve-access.md is the reference). A policy is parsed and compiled
// once, at PutBucketPolicy or when the bucket's access record is loaded;
// each request then only walks the statements that can name its action
// (statements are indexed by S3 action).
//
// Language: Version ("2012-10-17" or "2008-10-17"), Id, Statement (an object
// or a list) of Sid, Effect (Allow|Deny), Principal or NotPrincipal ("*",
// {"AWS": id|[ids]}, {"CanonicalUser": id|[ids]}), Action or NotAction
// ("*", "s3:Get*", case-insensitive), Resource or NotResource
// ("arn:aws:s3:::bucket", "arn:aws:s3:::bucket/prefix/*", '*' and '?'
// wildcards, case-sensitive), Condition ({operator: {key: value|[values]}}).
// Principals: an identity id of `worm serve`, bare ("alice") or as
// arn:aws:iam::<12 digits>:user/<id>; arn:aws:iam::<12 digits>:root and a
// bare 12-digit account name the root identity (kRootIdentity).
//
// Thread-safety: a CompiledPolicy is immutable and safe to share.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "server/s3_actions.h"
#include "worm/result.h"

namespace worm::server {

// AWS's limit on a bucket policy document.
inline constexpr size_t kMaxPolicyBytes = 20 * 1024;

// The condition keys of one request, looked up only when a statement with a
// condition matches the request's action, resource and principal.
class ConditionKeys {
 public:
  virtual ~ConditionKeys() = default;
  // Appends the values of `key` (lowercase, e.g. "aws:sourceip") to `out`;
  // false when the request has no such key.
  virtual bool Get(std::string_view key, std::vector<std::string>* out) const = 0;
};

struct PolicyRequest {
  S3Action action = S3Action::kGetObject;
  // "arn:aws:s3:::bucket" or "arn:aws:s3:::bucket/key".
  std::string_view resource;
  std::string_view principal;  // identity id; "" for an anonymous caller
  const ConditionKeys* keys = nullptr;  // null: every condition key is absent
};

enum class PolicyEffect { kNone, kAllow, kDeny };

struct PolicyDecision {
  PolicyEffect effect = PolicyEffect::kNone;
  int statement = -1;  // index of the deciding statement (its Sid in sid())
};

class CompiledPolicy {
 public:
  // Explicit deny first (any matching Deny statement decides), then allow.
  // `ignore_public` (Block Public Access RestrictPublicBuckets) skips the
  // statements that make the policy public.
  PolicyDecision Evaluate(const PolicyRequest& request, bool ignore_public = false) const;
  // True when an Allow statement grants to everyone ("*" principal, or
  // NotPrincipal) without a condition that pins the caller (aws:SourceIp,
  // aws:userid, aws:username, aws:PrincipalArn...): AWS's notion of a public
  // policy, which BlockPublicPolicy refuses.
  bool is_public() const { return is_public_; }
  const std::string& text() const { return text_; }
  std::string_view sid(int statement) const;
  size_t statement_count() const;

  struct Statement;  // bucket_policy.cc

  CompiledPolicy();
  ~CompiledPolicy();

 private:
  friend Result<std::shared_ptr<const CompiledPolicy>> CompileBucketPolicy(std::string_view,
                                                                           std::string_view);
  std::string text_;
  std::vector<Statement> statements_;
  // Per action: indexes of the statements whose Action/NotAction admits it,
  // deny statements first.
  std::vector<std::vector<uint16_t>> by_action_;
  bool is_public_ = false;
};

// Parses and checks `text` as a policy for `bucket`. MalformedPolicy (400)
// naming what is wrong: not JSON, over kMaxPolicyBytes, an unknown field,
// a missing Effect/Action/Principal/Resource, an action that names no S3
// action, a resource outside the bucket, an unknown condition operator,
// duplicate Sids, an invalid principal.
Result<std::shared_ptr<const CompiledPolicy>> CompileBucketPolicy(std::string_view text,
                                                                  std::string_view bucket);

// '*' matches any run of characters, '?' any one; `fold_case` for actions.
bool WildcardMatch(std::string_view pattern, std::string_view text, bool fold_case);

// The identity a policy principal names, per the convention above; "" when
// it names none (an unknown form).
std::string PrincipalIdentity(std::string_view principal);

// Fuzz entry (fuzz/bucket_policy_fuzz.cc): compiles the input as a policy
// and evaluates the result against a few requests.
Status FuzzBucketPolicy(const uint8_t* data, size_t size);

}  // namespace worm::server

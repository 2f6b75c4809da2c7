// The S3 access model of `worm serve` (docs/serve-access.md): identities
// (AuthResult::principal), bucket owners, bucket policies (bucket_policy.h),
// ACLs and grants, Block Public Access and object ownership controls, and
// the one place that decides every request: AccessControl::Authorize.
//
// Storage, beside the bucket's other system data (its reserved folder
// .wormfs/, never listed, never served):
//  - <bucket>/.wormfs/access/bucket.json: the bucket's access record,
//      {"version": 1, "owner": "alice",
//       "acl": [{"id": "bob", "permission": "READ"},
//               {"group": "AllUsers", "permission": "READ"}],
//       "policy": "<the policy text as put>",
//       "publicAccessBlock": {"BlockPublicAcls": true, ...},
//       "ownership": "BucketOwnerEnforced"}
//    written atomically (temp + fsync + rename by the local transport).
//    No file (a folder made by hand, or served before access control):
//    owned by the root identity, private, no policy, no BPA, ObjectWriter.
//  - an object's ACL: in its metadata (the xattrs the local transport keeps
//    beside every object) under the reserved name "worm:acl", as
//    {"owner": "bob", "grants": [...]} with grants as above; absent: owned by
//    the bucket owner, private. Written with the object, so it is replaced
//    by an overwrite and removed by a delete, as S3 does.
//
// Thread-safety: AccessControl is safe to use from every server thread.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/bucket_policy.h"
#include "server/bucket_store.h"
#include "server/s3_actions.h"
#include "worm/clock.h"
#include "worm/result.h"
#include "worm/transport.h"

namespace worm::server {

struct RequestContext;

// ---- ACLs -----------------------------------------------------------------------

enum class AclPermission { kRead, kWrite, kReadAcp, kWriteAcp, kFullControl };
std::string_view AclPermissionName(AclPermission p);  // "READ", "FULL_CONTROL"

struct AclGrant {
  enum class Grantee { kUser, kAllUsers, kAuthenticatedUsers };
  Grantee grantee = Grantee::kUser;
  std::string id;  // kUser: the identity id (S3's canonical user id)
  AclPermission permission = AclPermission::kRead;
  bool is_public() const { return grantee != Grantee::kUser; }
  bool operator==(const AclGrant&) const = default;
};

struct Acl {
  std::string owner;
  std::vector<AclGrant> grants;
  bool IsPublic() const;
  // Whether `principal` ("" anonymous) holds `p` (FULL_CONTROL holds all);
  // `ignore_public` skips AllUsers and AuthenticatedUsers grants.
  bool Grants(std::string_view principal, AclPermission p, bool ignore_public) const;
};

// The grants a canned ACL stands for. `owner` owns the resource,
// `bucket_owner` the bucket. InvalidArgument for an unknown name.
Result<Acl> CannedAcl(std::string_view name, const std::string& owner,
                      const std::string& bucket_owner);
// The ACL of x-amz-acl or x-amz-grant-* headers, nullopt when the request
// has neither. InvalidRequest for both at once, MalformedACLError for a bad
// grant ("id=", "uri=" of the two groups; emailAddress is refused).
Result<std::optional<Acl>> AclFromHeaders(const RequestContext& ctx, const std::string& owner,
                                          const std::string& bucket_owner);
// <AccessControlPolicy> bodies of PutBucketAcl / PutObjectAcl (owner kept
// from `owner`). MalformedACLError naming what is wrong.
Result<Acl> ParseAccessControlPolicy(std::string_view xml, const std::string& owner);
std::string AccessControlPolicyXml(const Acl& acl);
// The JSON of the storage format above, and back (InvalidArgument).
std::string AclGrantsJson(const Acl& acl, bool with_owner);
Result<Acl> AclFromJson(std::string_view text);

// ---- Bucket settings --------------------------------------------------------------

enum class ObjectOwnership { kObjectWriter, kBucketOwnerPreferred, kBucketOwnerEnforced };
std::string_view ObjectOwnershipName(ObjectOwnership o);

struct PublicAccessBlock {
  bool block_public_acls = false;
  bool ignore_public_acls = false;
  bool block_public_policy = false;
  bool restrict_public_buckets = false;
};
// <PublicAccessBlockConfiguration> (MalformedXML) and back.
Result<PublicAccessBlock> ParsePublicAccessBlock(std::string_view xml);
// <OwnershipControls><Rule><ObjectOwnership>...: MalformedXML.
Result<ObjectOwnership> ParseOwnershipControls(std::string_view xml);

// One bucket's access record (see the storage format above), immutable.
struct BucketAccessState {
  std::string owner;
  Acl acl;  // acl.owner == owner
  std::shared_ptr<const CompiledPolicy> policy;  // null: none
  std::optional<PublicAccessBlock> public_access_block;
  std::optional<ObjectOwnership> ownership;  // null: none set (ObjectWriter)
  ObjectOwnership effective_ownership() const {
    return ownership.value_or(ObjectOwnership::kObjectWriter);
  }
  PublicAccessBlock bpa() const { return public_access_block.value_or(PublicAccessBlock{}); }
};
std::string BucketAccessJson(const BucketAccessState& state);
Result<BucketAccessState> ParseBucketAccess(std::string_view text, std::string_view bucket);

// ---- The decision -------------------------------------------------------------------

struct AccessOptions {
  // Off: every request is allowed, as before access control (in-process
  // tests and embedders that serve one trusted client).
  bool enabled = false;
  // --anonymous: anonymous callers may do everything a bucket policy does
  // not explicitly deny them (the pre-access-control shortcut).
  bool anonymous_all = false;
  std::string root_identity = std::string(kRootIdentity);
};

class AccessControl {
 public:
  AccessControl(BucketStore* store, Clock* clock, AccessOptions options);

  bool enabled() const { return options_.enabled; }
  const AccessOptions& options() const { return options_; }

  // THE authorization point of `worm serve`: may the caller of `ctx` do
  // `action` on `bucket` (and `key` for object actions)? OK, or AccessDenied
  // (403) with S3's message. Order, as S3 documents it
  // (docs/serve-access.md): an explicit Deny of the bucket policy refuses
  // (except the bucket owner's Get/Put/DeleteBucketPolicy, so that an owner
  // cannot lock itself out); the bucket owner and the root identity are
  // allowed; --anonymous allows anonymous callers; an Allow of the policy
  // allows (skipping public statements under RestrictPublicBuckets); an ACL
  // grant allows (unless BucketOwnerEnforced disables ACLs; public grants
  // skipped under IgnorePublicAcls); otherwise denied. Schema rules and
  // bearer tokens plug in here too.
  Status Authorize(const RequestContext& ctx, S3Action action, const std::string& bucket,
                   const std::string& key) const;

  // The caller's identity ("" anonymous).
  static std::string_view Caller(const RequestContext& ctx);
  bool IsRoot(std::string_view principal) const {
    return !principal.empty() && principal == options_.root_identity;
  }

  // The access record of `bucket` (loaded once, then cached on the Bucket).
  Result<std::shared_ptr<const BucketAccessState>> State(Bucket& bucket) const;
  // Applies `edit` to a copy of the record, writes it, and publishes it;
  // serialized per bucket.
  Status Update(Bucket& bucket, const std::function<Status(BucketAccessState*)>& edit) const;

  // Before a bucket is made: checks the request's ACL headers and
  // x-amz-object-ownership; after, records the caller as its owner.
  Status CheckCreateBucket(const RequestContext& ctx) const;
  Status RecordNewBucket(const RequestContext& ctx, Bucket& bucket) const;
  // Whether ListBuckets shows `bucket` to the caller: its owner, the root
  // identity, anonymous callers under --anonymous.
  bool Lists(const RequestContext& ctx, Bucket& bucket) const;

  // Object writes (PUT, COPY, multipart create): checks the ACL headers
  // against ownership controls and Block Public Access, and stores the new
  // object's ACL record in `options->user_metadata` (or none: the default).
  Status ApplyWriteAcl(const RequestContext& ctx, Bucket& bucket, WriteOptions* options) const;
  // The ACL of an object as stored (the default when it has no record).
  Acl ObjectAcl(const BucketAccessState& state, const ObjectMeta& meta) const;

 private:
  BucketStore* store_;
  Clock* clock_;
  AccessOptions options_;
};

// The reserved metadata name of an object's ACL record.
inline constexpr std::string_view kMetaAcl = "worm:acl";

// Fuzz entry (fuzz/s3_acl_fuzz.cc): AccessControlPolicy bodies, grant
// headers, PublicAccessBlock and OwnershipControls bodies, round-tripped.
Status FuzzS3Acl(const uint8_t* data, size_t size);

}  // namespace worm::server

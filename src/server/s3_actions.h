// The S3 actions (IAM names) of the operations `worm serve` answers: the one
// table that maps a request to the action bucket policies, ACLs and (later)
// the schema's rules and tokens are asked about (s3_service.cc routes each
// request to one; access_control.h authorizes it).
#pragma once

#include <optional>
#include <string_view>

namespace worm::server {

// The identity of `--access-key/--secret-key`: the operator, treated as the
// owner of every bucket (docs/serve-access.md).
inline constexpr std::string_view kRootIdentity = "root";

enum class S3Action : uint8_t {
  kListAllMyBuckets,
  kCreateBucket,
  kDeleteBucket,
  kListBucket,  // ListObjects(V2), HeadBucket
  kListBucketVersions,
  kListBucketMultipartUploads,
  kGetBucketLocation,
  kGetBucketVersioning,
  kPutBucketVersioning,
  kGetBucketPolicy,
  kPutBucketPolicy,
  kDeleteBucketPolicy,
  kGetBucketPolicyStatus,
  kGetBucketAcl,
  kPutBucketAcl,
  kGetBucketPublicAccessBlock,  // also DeletePublicAccessBlock reads as Put
  kPutBucketPublicAccessBlock,
  kGetBucketOwnershipControls,
  kPutBucketOwnershipControls,
  kGetObject,  // GET and HEAD of an object, the source of a copy
  kGetObjectVersion,
  kPutObject,  // PUT, COPY (destination), multipart create/part/complete
  kDeleteObject,
  kDeleteObjectVersion,
  kAbortMultipartUpload,
  kListMultipartUploadParts,
  kGetObjectAcl,
  kPutObjectAcl,
  kGetObjectTagging,
  kPutObjectTagging,
  kCount,
};

inline constexpr int kS3ActionCount = static_cast<int>(S3Action::kCount);

// "s3:GetObject" for kGetObject.
std::string_view S3ActionName(S3Action action);
// The action of "s3:getobject" (any case), nullopt for one not in the table.
std::optional<S3Action> ParseS3Action(std::string_view name);
// Whether the action is about an object (its resource is bucket/key).
bool IsObjectAction(S3Action action);

}  // namespace worm::server

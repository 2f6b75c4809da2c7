// `worm access export --format aws-policy`: the path-level part of the
// schema's rules as an AWS S3 bucket policy, so a bucket on AWS (or any
// server that enforces bucket policies) keeps the same rules natively.
//
// Mapping (docs/access-control.md, "Export to an AWS bucket policy"):
//   read -> s3:GetObject, create/update -> s3:PutObject, delete ->
//   s3:DeleteObject, list -> s3:ListBucket on the bucket with an s3:prefix
//   condition; restore and admin have no S3 action and are reported.
//   Bucket rules cover bucket/*, model rules the model's keys and its system
//   folders (oplog, snapshots, trash), path rules their pattern with '*' for
//   each wildcard or dynamic segment.
//   Roles and identities become AWS principals through a mapping
//   ("awsPrincipals" in .worm/identities.json, or --map NAME=ARN): a rule for
//   role R names every ARN mapped to R, to a role inheriting R, or to an
//   identity holding one of those. "*" (everyone) becomes Principal "*".
// Rules S3 cannot enforce (row-level conditions, field masks, entity
// grants, $authenticated/$anonymous subtleties, restore/admin) are left out
// and listed in AwsExport::notes, never silently dropped.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "schema/schema.h"
#include "worm/access.h"
#include "worm/result.h"

namespace worm::security {

struct AwsExportOptions {
  std::string bucket;  // required
  // Where the project's keys sit in the bucket: "" or "team/app/" (a remote's
  // s3://bucket/team/app); prepended to every resource and s3:prefix.
  std::string prefix;
  // Role name or identity id -> ARNs ("*" for everyone).
  std::map<std::string, std::vector<std::string>> principals;
  // Identity id -> its roles (to place identities' ARNs under their roles).
  std::map<std::string, std::vector<std::string>> identity_roles;
};

struct AwsExport {
  Json policy;                     // {"Version": "2012-10-17", "Statement": [...]}
  std::vector<std::string> notes;  // what S3 cannot enforce, or was left out
};

// FailedPrecondition for a disabled policy; InvalidArgument for a bad bucket.
Result<AwsExport> ExportAwsPolicy(const schema::Schema& schema, const AccessPolicy& policy,
                                  const AwsExportOptions& options);

// The "awsPrincipals" member of an identities.json document: NAME -> ARN or
// [ARN...]. InvalidArgument naming the member otherwise.
Result<std::map<std::string, std::vector<std::string>>> AwsPrincipalsFrom(const Json& doc);

}  // namespace worm::security

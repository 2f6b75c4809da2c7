// The schema's access rules and bearer tokens in `worm serve`: the same
// AccessPolicy the engine enforces (worm/access.h), applied to the keys of
// the project bucket that the schema covers, so a rule cannot be bypassed by
// talking S3 to the server instead of going through the engine.
//
// Where it sits: AccessControl::Authorize asks SchemaAccess::Check after the
// S3 access model (policies, ACLs) allowed a request; both must allow. The
// root identity (the server's own credentials) and anonymous callers under
// --anonymous are trusted with everything, as before; every other caller
// (an identity signing with its access key, a bearer token) is checked.
//
// How a request maps onto the rules (docs/serve-access.md, "Schema rules"):
//   GET/HEAD object          read    of the entity the key holds
//   PUT/COPY/multipart       create  (no object at the key) or update
//   DELETE object            delete
//   ListObjects with prefix  list    of the model whose collection the prefix
//                                    is in (the bucket layer for other prefixes)
//   ACL/policy/settings      admin   of the bucket
//   keys no model covers     the same actions on Resource{model: "", key}
//                            (bucket and path rules decide); system entries
//                            (a segment starting with '.') need admin.
// S3 hands out raw bytes, so what only the engine can do is refused rather
// than leaked: a caller with hidden fields on a model cannot GET its objects
// (the engine or the gateway redact them), a caller with read-only fields or
// a row-level write rule cannot PUT them (the new document is not known when
// the request is authorized), and a listing that row-level rules would filter
// entity by entity is refused (ids would leak). Each refusal says so.
//
// Thread-safety: immutable after construction; Check may run on every thread.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "schema/resolver.h"
#include "server/s3_actions.h"
#include "worm/access.h"
#include "worm/result.h"
#include "worm/transport.h"

namespace worm::security {
class TokenAuthority;
}

namespace worm::server {

struct SchemaAccessOptions {
  std::string bucket;  // the project bucket the schema describes
  std::shared_ptr<const schema::Schema> schema;
  std::shared_ptr<const AccessPolicy> policy;
  // Identity id -> roles (security::Identities); ids not listed hold none.
  std::map<std::string, std::vector<std::string>> roles;
};

class SchemaAccess {
 public:
  explicit SchemaAccess(SchemaAccessOptions options);

  bool applies_to(const std::string& bucket) const {
    return options_.policy && options_.policy->enabled() && bucket == options_.bucket;
  }

  // The principal of an identity signing with its access key ("" anonymous).
  Principal PrincipalOf(const std::string& identity) const;

  // OK, or AccessDenied naming the principal, action and resource and the
  // reason (never a document's content). `objects` reads the stored
  // document when a row-level rule or an entity grant must look at it.
  Status Check(const Principal& principal, S3Action action, const std::string& key,
               const std::string& list_prefix, Transport* objects) const;

 private:
  struct Target {
    const schema::Model* model = nullptr;  // null: no model covers the key
    schema::EntityIds ids;
  };
  Target Locate(const std::string& key) const;
  const schema::Model* ModelOfPrefix(const std::string& prefix) const;

  SchemaAccessOptions options_;
  std::vector<std::pair<const schema::Model*, schema::EntityKeyParser>> parsers_;
};

// The bearer token of "Authorization: Bearer <token>", or "" when the
// header is absent or of another scheme (case-insensitive scheme name).
std::string_view BearerToken(std::string_view authorization);

}  // namespace worm::server

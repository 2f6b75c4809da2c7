// Per-entity grants: a system file stored with the entity, read by the
// engine when the model's access says "entityGrants": true, and evaluated by
// the AccessPolicy (AccessRequest::entity_grants). Its key follows
// storage.layout like the oplog (docs/access-control.md, "Entity grants"):
//   root:       .worm.acl/<entity path>.json     (.worm.acl/org/customers/c1.json)
//   collection: <folder>/.worm.acl/<rest>.json   (org/customers/.worm.acl/c1.json)
//   inline:     <entity path>/.worm.acl.json     (org/customers/c1/.worm.acl.json)
// Shape (grants only allow; deny rules live in the schema):
//   {"grants": [{"principals": ["bob"], "actions": ["read", "update"]},
//               {"roles": ["auditor"], "actions": ["read"]}]}
#pragma once

#include <string>

#include "schema/resolver.h"
#include "worm/result.h"

namespace worm::security {

// The grants file of one entity. InvalidArgument as StorageResolver's.
Result<std::string> EntityGrantsKey(const schema::Schema& schema, const schema::Model& model,
                                    const schema::EntityIds& ids);

// Checks a grants document before it is written: InvalidArgument
// "grants[1].actions[0]: ..." naming what is wrong.
Status ValidateEntityGrants(const Json& grants);

}  // namespace worm::security

// Local identities: who may act on a project, with which roles and which
// access keys. Kept in .worm/identities.json (ids, roles, access key ids;
// never secrets, which live in the keychain under
// "identity/<id>/<access key id>"):
//   {"identities": {"alice": {"roles": ["editor"], "accessKeys": ["AKALICE..."]}}}
// Used by `--as <id>` (CLI), `worm access explain --as`, and `worm serve`
// (each identity's access keys sign requests as that identity).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "worm/access.h"
#include "worm/result.h"

namespace worm::security {

struct Identity {
  std::string id;
  std::vector<std::string> roles;
  std::vector<std::string> access_keys;  // access key ids; secrets in the keychain
};

struct Identities {
  std::map<std::string, Identity> by_id;
  // NotFound naming the id and listing the known ones.
  Result<Principal> PrincipalFor(const std::string& id) const;
  // The identity an access key id belongs to, or null.
  const Identity* ByAccessKey(const std::string& access_key) const;
};

// Reads `<project_root>/.worm/identities.json`; no file: no identities.
// InvalidArgument naming the file (relative) and the JSON path otherwise.
Result<Identities> LoadIdentities(const std::string& project_root);
// Writes it atomically (temp file + rename).
Status SaveIdentities(const std::string& project_root, const Identities& identities);

// The keychain name of an identity's secret key.
std::string IdentitySecretName(const std::string& id, const std::string& access_key);

}  // namespace worm::security

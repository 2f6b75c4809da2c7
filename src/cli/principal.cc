#include "cli/principal.h"

#include <cstdlib>

#include "security/identity.h"

namespace worm::cli {

Result<std::optional<Principal>> ResolvePrincipal(const Cli& cli, const ProjectDir& dir) {
  if (cli.as_flag.empty()) return std::optional<Principal>();
  ASSIGN_OR_RETURN(security::Identities identities, security::LoadIdentities(dir.root.string()));
  Result<Principal> p = identities.PrincipalFor(cli.as_flag);
  if (!p.ok()) return p.status().WithContext("--as " + cli.as_flag);
  return std::optional<Principal>(std::move(p).value());
}

Result<ProjectOptions> DataProjectOptions(const Cli& cli, const ProjectDir& dir) {
  ProjectOptions po;
  for (const char* var : {"WORM_ACTOR", "USER"}) {
    if (const char* v = std::getenv(var); v != nullptr && *v != '\0') {
      po.default_actor = v;
      break;
    }
  }
  ASSIGN_OR_RETURN(po.principal, ResolvePrincipal(cli, dir));
  return po;
}

}  // namespace worm::cli

#include "cli/principal.h"

#include <cstdlib>

#include "cli/token_principal.h"
#include "security/identity.h"

namespace worm::cli {

Result<std::optional<Principal>> ResolvePrincipal(const Cli& cli, const ProjectDir& dir) {
  ASSIGN_OR_RETURN(std::optional<std::string> token, TokenFromFlagOrEnv(cli.token_flag));
  if (token) {
    if (!cli.as_flag.empty()) {
      return Status::InvalidArgument("--as and --token (or WORM_TOKEN): give one of them");
    }
    ASSIGN_OR_RETURN(Principal p, TokenPrincipal(cli, dir, *token));
    return std::optional<Principal>(std::move(p));
  }
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
  // The oplog records who acted: the principal, unless WORM_ACTOR says.
  if (po.principal && !po.principal->anonymous() && std::getenv("WORM_ACTOR") == nullptr) {
    po.default_actor = po.principal->id;
  }
  return po;
}

}  // namespace worm::cli

// Who a CLI command acts as: the one place the CLI turns its credentials
// flags into a Principal, so every data command opens its project the same
// way. Today: `--as <identity>` (a local identity from
// .worm/identities.json, security/identity.h). `--token`/WORM_TOKEN
// (security/token_authority.h) resolve here too.
//
// Thread-safety: plain functions.
#pragma once

#include <optional>

#include "cli/cli.h"
#include "worm/access.h"
#include "worm/options.h"

namespace worm::cli {

// nullopt: no credentials given; the command runs as the project's trusted
// owner (unrestricted, as before access control). NotFound for an unknown
// identity (listing the known ones); InvalidArgument for a bad
// identities.json.
Result<std::optional<Principal>> ResolvePrincipal(const Cli& cli, const ProjectDir& dir);

// ProjectOptions for a data command: the default actor (WORM_ACTOR, USER)
// and the principal ResolvePrincipal gives.
Result<ProjectOptions> DataProjectOptions(const Cli& cli, const ProjectDir& dir);

}  // namespace worm::cli

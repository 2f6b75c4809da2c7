// Who a CLI command acts as: the one place the CLI turns its credentials
// flags into a Principal, so every data command opens its project the same
// way: `--token T` or $WORM_TOKEN (a scoped token verified against the
// project's keys, cli/token_principal.h), or `--as <identity>` (a local
// identity from .worm/identities.json, security/identity.h); not both.
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

// ProjectOptions for a data command: the principal ResolvePrincipal gives
// and the default actor: WORM_ACTOR, else the principal's id, else USER.
Result<ProjectOptions> DataProjectOptions(const Cli& cli, const ProjectDir& dir);

}  // namespace worm::cli

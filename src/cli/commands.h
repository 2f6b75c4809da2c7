// The list of subcommands. Add a Register*Command here when adding a cmd_*.cc.
#pragma once

#include <vector>

#include "cli/cli.h"

namespace worm::cli {

using RegisterFn = void (*)(CLI::App&, Cli&);

inline std::vector<RegisterFn> AllCommands() {
  return {
      &RegisterInitCommand,
      &RegisterSchemaCommands,
      &RegisterVersionCommand,
  };
}

}  // namespace worm::cli

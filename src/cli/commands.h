// The list of subcommands. Add a Register*Command here when adding a cmd_*.cc.
#pragma once

#include <vector>

#include "cli/cli.h"

namespace worm::cli {

void RegisterServeCommand(CLI::App& app, Cli& cli);  // cmd_serve.cc (src/server)

void RegisterDataCommands(CLI::App& app, Cli& cli);  // cmd_data.cc (src/engine)

void RegisterQueryCommand(CLI::App& app, Cli& cli);  // cmd_query.cc (src/query)

void RegisterDevCommand(CLI::App& app, Cli& cli);  // cmd_dev.cc (inotify + src/server)

using RegisterFn = void (*)(CLI::App&, Cli&);

inline std::vector<RegisterFn> AllCommands() {
  return {
      &RegisterInitCommand,    &RegisterSchemaCommands, &RegisterVersionCommand,
      &RegisterDataCommands,   &RegisterQueryCommand,   &RegisterSyncCommands,
      &RegisterRemoteCommands, &RegisterImportCommand,  &RegisterServeCommand,
      &RegisterDevCommand,
  };
}

}  // namespace worm::cli

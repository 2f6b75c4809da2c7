// The `worm` subcommands: the one place they are declared and listed. Each
// cmd_*.cc defines one Register* function adding its CLI11 subcommand(s);
// adding a command is one line here, in help order, plus its file in
// src/cli/CMakeLists.txt.
#pragma once

#include <vector>

#include "cli/cli.h"

namespace worm::cli {

void RegisterInitCommand(CLI::App& app, Cli& cli);     // cmd_init.cc: init
void RegisterSchemaCommands(CLI::App& app, Cli& cli);  // cmd_schema.cc: lint, paths, resolve
void RegisterVersionCommand(CLI::App& app, Cli& cli);  // cmd_version.cc: version
// cmd_data.cc: create get update patch delete restore ls log snapshot repair
void RegisterDataCommands(CLI::App& app, Cli& cli);
void RegisterQueryCommand(CLI::App& app, Cli& cli);  // cmd_query.cc: query
void RegisterSyncCommands(CLI::App& app, Cli& cli);  // cmd_sync.cc: status, diff, push, pull
// cmd_remote.cc: remote add|list|remove, url, doctor
void RegisterRemoteCommands(CLI::App& app, Cli& cli);
void RegisterImportCommand(CLI::App& app, Cli& cli);  // cmd_import.cc: import --from-s3
void RegisterServeCommand(CLI::App& app, Cli& cli);   // cmd_serve.cc: serve
void RegisterDevCommand(CLI::App& app, Cli& cli);     // cmd_dev.cc: dev
// cmd_access.cc: identity add|list|remove|set-roles, access explain|export
void RegisterAccessCommands(CLI::App& app, Cli& cli);
// cmd_keychain.cc: keychain add|list|remove|get
void RegisterKeychainCommands(CLI::App& app, Cli& cli);
// cmd_token.cc: token create|attenuate|verify|inspect|revoke|list, keys create|list|rotate|retire
void RegisterTokenCommands(CLI::App& app, Cli& cli);
void RegisterCodegenCommand(CLI::App& app, Cli& cli);  // cmd_codegen.cc: codegen

using RegisterFn = void (*)(CLI::App&, Cli&);

inline std::vector<RegisterFn> AllCommands() {
  return {
      &RegisterInitCommand,    &RegisterSchemaCommands, &RegisterVersionCommand,
      &RegisterDataCommands,   &RegisterQueryCommand,   &RegisterSyncCommands,
      &RegisterRemoteCommands, &RegisterImportCommand,  &RegisterServeCommand,
      &RegisterDevCommand,     &RegisterAccessCommands, &RegisterKeychainCommands,
      &RegisterTokenCommands,  &RegisterCodegenCommand,
  };
}

}  // namespace worm::cli

// worm version
#include <CLI/CLI.hpp>

#include "cli/cli.h"

// WORM_VERSION: the project version, defined by src/cli/CMakeLists.txt.

namespace worm::cli {

void RegisterVersionCommand(CLI::App& app, Cli& cli) {
  auto* cmd = app.add_subcommand("version", "Print the version of worm");
  cmd->callback([&cli] {
    if (cli.json) {
      cli.PrintJson({{"name", "worm"},
                     {"version", WORM_VERSION},
                     {"schemaVersion", "1.0"},
                     {"storageFormat", 1}});
    } else {
      cli.Print(std::string("worm ") + WORM_VERSION);
    }
    cli.Finish(Status::OK());
  });
}

}  // namespace worm::cli

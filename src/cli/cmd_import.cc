// worm import --from-s3: infer a schema from an existing bucket.
#include <CLI/CLI.hpp>

#include "cli/cli.h"

namespace worm::cli {

void RegisterImportCommand(CLI::App& app, Cli& cli) {
  auto* cmd = app.add_subcommand("import", "Infer .worm/schema.json from an existing bucket");
  cmd->callback([&cli] { cli.Finish(Status::Unimplemented("worm import: not yet")); });
}

}  // namespace worm::cli

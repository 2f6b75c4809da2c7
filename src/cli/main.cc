// worm: the S3WORM command line. Thin: parse, call the library, format.
#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

#include "cli/cli.h"
#include "cli/commands.h"

namespace {

int Run(int argc, char** argv) {
  worm::cli::Cli cli;
  CLI::App app{"S3WORM: a typed, schema-driven data store over any S3-compatible bucket.", "worm"};
  app.fallthrough(true);  // global flags are accepted after the subcommand too
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Help for every command");
  app.add_option("--project", cli.project_flag,
                 "Project folder (default: $WORM_PROJECT, else the nearest .worm/ upwards)");
  app.add_flag("--json", cli.json, "Print exactly one JSON document on stdout");
  app.add_option("--keychain", cli.keychain_flag,
                 "Keychain: file:<path>, env, secret-service or memory (default: "
                 "$WORM_KEYCHAIN, else file:<project>/.worm/keychain)");
  app.add_option("--token", cli.token_flag,
                 "Act with this access token (default: $WORM_TOKEN; '-' reads stdin)");
  app.add_option("--as", cli.as_flag,
                 "Act as this identity of .worm/identities.json: the schema's access rules "
                 "decide every data command (default: the project's owner, unrestricted)")
      ->type_name("ID");
  app.footer(
      "Exit codes: 0 ok, 1 internal/unavailable, 2 usage, 3 not found,\n"
      "4 conflict or failed precondition, 5 invalid input, 6 permission denied or locked.\n"
      "Run `worm <command> --help` for a command's options.");

  for (auto& reg : worm::cli::AllCommands()) reg(app, cli);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return worm::cli::kExitUsage;
  }
  if (!cli.finished) return worm::cli::kExitOk;
  if (!cli.status.ok()) {
    int code = worm::cli::ExitCodeFor(cli.status);
    if (cli.json) {
      cli.PrintJson({{"error",
                      {{"code", std::string(worm::StatusCodeName(cli.status.code()))},
                       {"message", cli.status.message()},
                       {"exitCode", code}}}});
    }
    cli.Diag("worm: " + cli.status.message());
    return code;
  }
  return cli.exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  // Only main and the server session catch exceptions (docs/style.md).
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "worm: internal error: " << e.what() << "\n";
    return worm::cli::kExitInternal;
  }
}

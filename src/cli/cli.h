// The `worm` command line: shared context for subcommands.
//
// Each subcommand lives in its own cmd_*.cc and exposes one Register*Command
// function (declared and listed in commands.h) that adds a CLI11 subcommand
// whose callback computes a Status and hands it to Cli::Finish. main() maps
// that Status to an exit code in one place (ExitCodeFor). Commands that
// print data honour --json: exactly one JSON document on stdout. Human
// output goes to stdout, diagnostics to stderr.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/json_util.h"
#include "core/layout.h"
#include "worm/result.h"

namespace CLI {
class App;
}

namespace worm::cli {

// Exit codes: docs/exit-codes.md.
enum ExitCode : int {
  kExitOk = 0,
  kExitInternal = 1,  // internal error or service unavailable
  kExitUsage = 2,     // bad command line
  kExitNotFound = 3,
  kExitConflict = 4,  // conflict or failed precondition
  kExitInvalid = 5,   // invalid input
  kExitDenied = 6,    // permission denied or locked
};

int ExitCodeFor(const Status& status);

// Where a project's files live (core/layout.h).
using ProjectDir = layout::ProjectDir;

// Finds the project like git finds a repo: `explicit_dir` (from --project)
// if given, else $WORM_PROJECT, else the nearest folder upwards from the
// current directory that holds .worm/schema.json. NotFound says how to fix it.
Result<ProjectDir> FindProject(const std::string& explicit_dir);

class Cli {
 public:
  // Global flags.
  std::string project_flag;
  bool json = false;
  std::string keychain_flag;  // --keychain SPEC (security/keychain.h)
  // --token (else $WORM_TOKEN): a scoped access token (cli/token_principal.h).
  std::string token_flag;
  // --as <identity>: act as that local identity (cli/principal.h).
  std::string as_flag;

  // Set by the command that ran.
  Status status;
  bool finished = false;
  // A command may ask for a specific exit code on success-shaped failures
  // (e.g. lint found problems: data was printed, but the input is invalid).
  int exit_code = kExitOk;

  void Finish(Status s) {
    status = std::move(s);
    finished = true;
  }

  Result<ProjectDir> Project() const { return FindProject(project_flag); }
  // The keychain commands use: --keychain, else $WORM_KEYCHAIN, else the
  // project's .worm/keychain file (NotFound when there is no project).
  Result<std::string> KeychainSpec() const;

  // Exactly one JSON document, pretty-printed, then a newline.
  void PrintJson(const Json& doc) const;
  // Human output to stdout.
  void Print(std::string_view text) const;
  // Diagnostics to stderr.
  void Diag(std::string_view text) const;
  // True when stdout is a terminal (colors, tables, progress).
  bool stdout_tty() const;
};

// Renders rows as an aligned text table with a header line.
std::string RenderTable(const std::vector<std::string>& headers,
                        const std::vector<std::vector<std::string>>& rows);

// Reads a whole file or stdin ("-"); errors name the path.
Result<std::string> ReadInput(const std::string& path);
// A duration flag's value: "90" or "90s", "15m", "12h", "7d" -> seconds.
// InvalidArgument naming `flag` otherwise.
Result<int64_t> ParseDuration(const std::string& text, std::string_view flag);
// Seconds as the shortest of those forms that is exact: 604800 -> "7d".
std::string FormatDuration(int64_t seconds);

// Writes a file atomically (temp + rename); errors name the path.
Status WriteFileAtomic(const std::filesystem::path& path, std::string_view data);

}  // namespace worm::cli

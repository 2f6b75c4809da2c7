// The `worm` command line: shared context for subcommands.
//
// Each subcommand lives in its own cmd_*.cc and exposes one Register*Command
// function that adds a CLI11 subcommand whose callback computes a Status and
// hands it to Cli::Finish. main() maps that Status to an exit code in one
// place (ExitCodeFor). Commands that print data honour --json: exactly one
// JSON document on stdout. Human output goes to stdout, diagnostics to stderr.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/json_util.h"
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

// Where a project's files live.
struct ProjectDir {
  std::filesystem::path root;      // the folder holding .worm/
  std::filesystem::path worm_dir;  // root/.worm
  std::filesystem::path schema_path() const { return worm_dir / "schema.json"; }
  std::filesystem::path config_path() const { return worm_dir / "config.json"; }
  std::filesystem::path data_dir() const { return worm_dir / "data"; }
  std::filesystem::path state_db() const { return worm_dir / "state.db"; }
  std::filesystem::path cache_dir() const { return worm_dir / "cache"; }
};

// Finds the project like git finds a repo: `explicit_dir` (from --project)
// if given, else $WORM_PROJECT, else the nearest folder upwards from the
// current directory that holds .worm/schema.json. NotFound says how to fix it.
Result<ProjectDir> FindProject(const std::string& explicit_dir);

class Cli {
 public:
  // Global flags.
  std::string project_flag;
  bool json = false;

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

// Subcommand registration, one per cmd_*.cc.
void RegisterInitCommand(CLI::App& app, Cli& cli);
void RegisterSchemaCommands(CLI::App& app, Cli& cli);  // lint, paths, resolve
void RegisterVersionCommand(CLI::App& app, Cli& cli);
void RegisterSyncCommands(CLI::App& app, Cli& cli);    // status, diff, push, pull
void RegisterRemoteCommands(CLI::App& app, Cli& cli);  // remote add|list|remove, url, doctor
void RegisterImportCommand(CLI::App& app, Cli& cli);   // import --from-s3

}  // namespace worm::cli

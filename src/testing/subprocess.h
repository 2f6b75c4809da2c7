// Runs a child process for integration tests (the worm CLI, peers such as
// awscli): captures stdout and stderr, feeds stdin, returns the exit code.
// Thread-safe: each call owns its pipes.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace worm::testing {

struct ProcessResult {
  int exit_code = -1;  // 128 + signal when killed by a signal
  std::string out;
  std::string err;
};

struct ProcessOptions {
  std::filesystem::path cwd;                // empty: inherit
  std::map<std::string, std::string> env;   // added to (or overriding) the environment
  std::string stdin_data;
  int timeout_seconds = 120;                // the child is killed (SIGKILL) after this
};

ProcessResult RunProcess(const std::vector<std::string>& argv, const ProcessOptions& options = {});

// Path of the built `worm` binary (BinaryDir()/src/cli/worm).
std::filesystem::path WormBinary();

// Runs `worm <args...>` in `cwd`.
ProcessResult RunWorm(const std::vector<std::string>& args, const std::filesystem::path& cwd,
                      const std::string& stdin_data = "");

}  // namespace worm::testing

// Runs a child process for integration tests (the worm CLI, peers such as
// awscli): captures stdout and stderr, feeds stdin, returns the exit code.
// Thread-safe: each call owns its pipes.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace worm::testing {

struct ProcessResult {
  int exit_code = -1;  // 128 + signal when killed by a signal
  std::string out;
  std::string err;
};

struct ProcessOptions {
  std::filesystem::path cwd;               // empty: inherit
  std::map<std::string, std::string> env;  // added to (or overriding) the environment
  std::string stdin_data;
  int timeout_seconds = 120;  // the child is killed (SIGKILL) after this
};

ProcessResult RunProcess(const std::vector<std::string>& argv, const ProcessOptions& options = {});

// Path of the built `worm` binary (BinaryDir()/src/cli/worm).
std::filesystem::path WormBinary();

// Runs `worm <args...>` in `cwd`.
ProcessResult RunWorm(const std::vector<std::string>& args, const std::filesystem::path& cwd,
                      const std::string& stdin_data = "");

// A long-running child (worm serve, worm dev) whose stdout is read line by
// line while it runs; stderr goes to the test's stderr. The destructor kills
// it (SIGKILL) if it is still running.
class BackgroundProcess {
 public:
  BackgroundProcess(const std::vector<std::string>& argv, const ProcessOptions& options = {});
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  bool started() const { return pid_ > 0; }
  // The next stdout line (without "\n"); nullopt on EOF or after `timeout_ms`.
  std::optional<std::string> ReadLine(int timeout_ms);
  // Reads lines until one contains `needle`; returns it, or nullopt on
  // timeout/EOF. Lines read on the way are appended to `skipped` if given.
  std::optional<std::string> WaitForLine(std::string_view needle, int timeout_ms,
                                         std::vector<std::string>* skipped = nullptr);
  void Signal(int sig);
  // Waits for exit; the exit code, 128 + signal, or -1 after `timeout_ms`.
  int Wait(int timeout_ms);

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string buffer_;
};

}  // namespace worm::testing

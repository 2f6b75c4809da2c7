#include "transport/s3/testing/s3rver.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/random.h"
#include "testing/test_util.h"

namespace worm::s3::testing {
namespace {

namespace fs = std::filesystem;
constexpr std::string_view kMissing = "s3rver unavailable";
constexpr std::string_view kReady = "S3rver listening on ";

std::string FindOnPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string_view rest = path ? path : "/usr/bin:/bin";
  while (!rest.empty()) {
    size_t colon = rest.find(':');
    fs::path candidate = fs::path(std::string(rest.substr(0, colon))) / name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate.string();
    if (colon == std::string_view::npos) break;
    rest.remove_prefix(colon + 1);
  }
  return "";
}

fs::path ScriptPath() {
  return worm::testing::SourceDir() / "tests/compat/node_modules/s3rver/bin/s3rver.js";
}

}  // namespace

bool IsS3rverMissing(const Status& status) {
  return status.code() == StatusCode::kUnavailable &&
         status.message().rfind(std::string(kMissing), 0) == 0;
}

Result<std::unique_ptr<S3rver>> S3rver::Start(const std::string& bucket) {
  if (FindOnPath("node").empty()) {
    return Status::Unavailable(std::string(kMissing) + ": `node` is not on PATH");
  }
  if (!fs::exists(ScriptPath())) {
    return Status::Unavailable(std::string(kMissing) + ": " + ScriptPath().string() +
                               " missing; run `npm ci` in tests/compat");
  }
  std::unique_ptr<S3rver> s(new S3rver());
  const char* tmp = std::getenv("TMPDIR");
  s->dir_ = fs::path(tmp && *tmp ? tmp : "/tmp") / ("worm-s3rver-" + NewUuidV4().substr(0, 13));
  fs::create_directories(s->dir_);
  s->bucket_ = bucket;
  RETURN_NOT_OK(s->Launch(0));
  return s;
}

Status S3rver::Launch(int port) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return Status::Internal("s3rver: pipe failed");
  std::string node = FindOnPath("node");
  std::vector<std::string> args = {
      node,        ScriptPath().string(), "--directory", dir_.string(),
      "--address", "127.0.0.1",           "--port",      std::to_string(port),
      "--silent",  "--configure-bucket",  bucket_};
  pid_t pid = fork();
  if (pid == 0) {
    dup2(pipe_fds[1], STDOUT_FILENO);
    setenv("NODE_OPTIONS", "--openssl-legacy-provider", 1);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(node.c_str(), argv.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  if (pid < 0) {
    close(pipe_fds[0]);
    return Status::Internal("s3rver: fork failed");
  }
  pid_ = pid;
  out_fd_ = pipe_fds[0];
  // Wait for "S3rver listening on 127.0.0.1:<port>".
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{out_fd_, POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) continue;
    char buf[512];
    ssize_t n = read(out_fd_, buf, sizeof(buf));
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
    size_t at = out.find(kReady);
    size_t eol = at == std::string::npos ? at : out.find('\n', at);
    if (eol != std::string::npos) {
      std::string line = out.substr(at, eol - at);
      port_ = std::atoi(line.c_str() + line.rfind(':') + 1);
      return Status::OK();
    }
  }
  Kill();
  return Status::Internal("s3rver did not start within 30 s; output: " + out);
}

S3Options S3rver::Options(const std::string& prefix) const {
  S3Options o;
  o.bucket = bucket_;
  o.prefix = prefix;
  o.endpoint = endpoint();
  o.path_style = true;
  o.credentials = SigningCredentials{"S3RVER", "S3RVER", ""};
  o.connect_timeout_ms = 2'000;
  o.low_speed_time_s = 10;
  return o;
}

void S3rver::Kill() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  if (out_fd_ >= 0) {
    close(out_fd_);
    out_fd_ = -1;
  }
}

Status S3rver::Restart() {
  Kill();
  int port = port_;
  for (int attempt = 0; attempt < 50; ++attempt) {  // the port may linger briefly
    Status st = Launch(port);
    if (st.ok()) return st;
    usleep(100'000);
  }
  return Status::Internal("s3rver: could not restart on port " + std::to_string(port));
}

S3rver::~S3rver() {
  Kill();
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

}  // namespace worm::s3::testing

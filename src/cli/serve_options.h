// Options shared by `worm serve` and `worm dev --port` (cmd_serve.cc), so both
// start the same server the same way.
#pragma once

#include <signal.h>

#include <CLI/CLI.hpp>
#include <string>

#include "cli/cli.h"
#include "server/server.h"

namespace worm::cli {

struct ServeFlags {
  std::string root;  // empty: project mode (.worm/data as one bucket)
  std::string bind = "127.0.0.1";
  int port = -1;  // -1: from config.json, else 9000
  bool anonymous = false;
  std::string access_key;
  std::string secret_key;
  // Identities file (the .worm/identities.json format, security/identity.h);
  // empty: the project's .worm/identities.json when there is one.
  std::string identities;
  int threads = 0;
  bool fsync = true;
  std::string region = "us-east-1";
  int max_connections = server::ServerOptions().max_connections;
  uint32_t body_min_rate = server::ServerOptions().body_min_rate;
  // Durations ("7d", "24h", "0": never / no repeats), see ServiceOptions.
  std::string abandoned_upload_age = FormatDuration(server::kDefaultAbandonedUploadAgeMs / 1000);
  std::string completed_upload_retention =
      FormatDuration(server::kDefaultCompletedUploadRetentionMs / 1000);
};

// --bind, --anonymous, --access-key, --secret-key, --identities, --threads, --fsync, --region,
// --max-connections, --body-min-rate, --abandoned-upload-age,
// --completed-upload-retention (each command adds its own --port and,
// for serve, --root).
void AddServeFlags(CLI::App* cmd, ServeFlags* flags);

// Server options from the flags, the environment and .worm/config.json. Also
// sends the detail of server faults (5xx) to stderr.
// InvalidArgument when credentials are missing and --anonymous is not given.
Result<server::ServerOptions> BuildServeOptions(const Cli& cli, const ServeFlags& f);

// `worm doctor` on a served folder: the multipart staging of every bucket of
// `root` (a `worm serve --root` folder), or of the project's data folder
// when `root` is empty. Adds "staging" to `doc` (each upload folder with its
// bucket, key, upload id, state, age, bytes staged and whether the sweep of
// a `worm serve --abandoned-upload-age` of `abandoned_upload_age` would
// remove it) and a table of the uploads in progress to `human`. Reads only.
struct StagingReportArgs {
  std::string root;
  std::string abandoned_upload_age = ServeFlags().abandoned_upload_age;
  std::string completed_upload_retention = ServeFlags().completed_upload_retention;
};
Status ReportStaging(const Cli& cli, const StagingReportArgs& args, Json* doc, std::string* human);

// LocalTransportOptions::max_watches from WORM_WATCH_LIMIT: -1 (the
// default) when unset or empty, N for a count N >= 0, 0 (no watches) for
// anything else. For `worm serve` and `worm dev`, the long-lived commands.
int64_t WatchLimitFromEnv();

// Blocks SIGINT/SIGTERM in the calling thread (and so in threads it starts
// later) and ignores SIGPIPE; returns the blocked set for sigwait/signalfd.
sigset_t BlockStopSignals();

}  // namespace worm::cli

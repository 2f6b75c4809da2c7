// worm doctor's view of a served folder: the multipart uploads staged under
// each bucket's .wormfs/uploads (src/server/upload_staging.h), how old they
// are and which ones `worm serve`'s sweep removes.
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "cli/serve_options.h"
#include "server/upload_staging.h"
#include "worm/clock.h"
#include "worm/transport.h"

namespace worm::cli {

namespace {

namespace fs = std::filesystem;

struct BucketDir {
  std::string name;
  std::string root;
};

// The buckets `worm serve` would serve from this folder (BucketStore's rules).
Result<std::vector<BucketDir>> BucketDirs(const Cli& cli, const StagingReportArgs& a) {
  std::vector<BucketDir> out;
  if (a.root.empty()) {
    ASSIGN_OR_RETURN(ProjectDir project, cli.Project());
    std::string bucket = "local";
    if (fs::exists(project.config_path())) {
      ASSIGN_OR_RETURN(std::string text, ReadInput(project.config_path().string()));
      ASSIGN_OR_RETURN(Json config, ParseJson(text, project.config_path().string()));
      const Json serve = config.value("serve", Json::object());
      if (serve.is_object()) bucket = serve.value("bucket", bucket);
    }
    out.push_back({bucket, project.data_dir().string()});
    return out;
  }
  std::error_code ec;
  if (!fs::is_directory(a.root, ec)) {
    return Status::NotFound("doctor: --root " + a.root + " is not a folder");
  }
  for (const auto& entry : fs::directory_iterator(a.root, ec)) {
    std::string name = entry.path().filename().string();
    struct stat st;
    if (!server::ValidateBucketName(name).ok() || ::lstat(entry.path().c_str(), &st) != 0 ||
        !S_ISDIR(st.st_mode)) {
      continue;
    }
    out.push_back({name, entry.path().string()});
  }
  if (ec) return Status::Internal("doctor: list " + a.root + ": " + ec.message());
  std::sort(out.begin(), out.end(), [](auto& x, auto& y) { return x.name < y.name; });
  return out;
}

std::string Bytes(uint64_t n) {
  char buf[32];
  if (n < 1024) return std::to_string(n) + " B";
  const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int u = -1;
  while (v >= 1024 && u < 3) {
    v /= 1024;
    ++u;
  }
  std::snprintf(buf, sizeof(buf), "%.1f %s", v, units[u]);
  return buf;
}

}  // namespace

Status ReportStaging(const Cli& cli, const StagingReportArgs& a, Json* doc, std::string* human) {
  ASSIGN_OR_RETURN(int64_t age_s, ParseDuration(a.abandoned_upload_age, "--abandoned-upload-age"));
  ASSIGN_OR_RETURN(int64_t keep_s,
                   ParseDuration(a.completed_upload_retention, "--completed-upload-retention"));
  ASSIGN_OR_RETURN(std::vector<BucketDir> buckets, BucketDirs(cli, a));
  server::SweepPolicy policy;
  policy.abandoned_after_ms = [age_s](const std::string&) { return age_s * 1000; };
  policy.completed_retention_ms = keep_s * 1000;
  const int64_t now = Clock::Default()->NowMillis();
  Json uploads = Json::array();
  std::vector<std::vector<std::string>> rows;
  int in_progress = 0, due = 0, completed = 0, orphaned = 0;
  uint64_t staged = 0;
  bool served = false;  // some bucket has a staging folder
  for (const BucketDir& b : buckets) {
    const std::string dir = server::UploadsDir(b.root);
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;  // never served, or no upload ever
    served = true;
    LocalTransportOptions lo;
    lo.sync = false;  // doctor only reads
    ASSIGN_OR_RETURN(std::shared_ptr<Transport> t, NewLocalTransport(dir, lo));
    ASSIGN_OR_RETURN(std::vector<server::StagedUpload> list, server::ListStagedUploads(*t));
    for (const server::StagedUpload& u : list) {
      const bool past = server::DueForSweep(u, b.name, now, policy);
      const int64_t age_ms = std::max<int64_t>(0, now - u.since_ms);
      uploads.push_back({{"bucket", b.name},
                         {"key", u.key},
                         {"uploadId", u.id},
                         {"state", std::string(server::StateName(u.state))},
                         {"since", FormatTimestamp(u.since_ms)},
                         {"ageSeconds", age_ms / 1000},
                         {"bytes", u.bytes},
                         {"parts", u.parts},
                         {"pastSweepAge", past}});
      staged += u.bytes;
      if (past) ++due;
      switch (u.state) {
        case server::StagedUpload::State::kInProgress:
          ++in_progress;
          rows.push_back({b.name, u.key, u.id, FormatDuration(age_ms / 1000), Bytes(u.bytes),
                          past ? "yes" : "no"});
          break;
        case server::StagedUpload::State::kCompleted:
          ++completed;
          break;
        case server::StagedUpload::State::kOrphaned:
          ++orphaned;
          break;
      }
    }
  }
  (*doc)["staging"] = {{"root", a.root.empty() ? buckets.front().root : a.root},
                       {"abandonedUploadAge", FormatDuration(age_s)},
                       {"completedUploadRetention", FormatDuration(keep_s)},
                       {"uploads", uploads},
                       {"inProgress", in_progress},
                       {"pastSweepAge", due},
                       {"bytesStaged", staged}};
  // A project whose data was never served: nothing to say next to its remote.
  if (a.root.empty() && !served) return Status::OK();
  *human += "served folder " + (a.root.empty() ? buckets.front().root : a.root) + "\n";
  *human += "  multipart uploads in progress  " + std::to_string(in_progress) + " (" +
            Bytes(staged) + " staged), " + std::to_string(due) +
            " past the sweep age (--abandoned-upload-age " + FormatDuration(age_s) + ")\n";
  if (!rows.empty()) {
    std::string table =
        RenderTable({"BUCKET", "KEY", "UPLOAD ID", "AGE", "STAGED", "PAST SWEEP AGE"}, rows);
    size_t start = 0;
    while (start < table.size()) {  // indented under the heading
      size_t end = table.find('\n', start);
      if (end == std::string::npos) end = table.size();
      *human += "  " + table.substr(start, end - start) + "\n";
      start = end + 1;
    }
  }
  if (completed + orphaned > 0) {
    *human += "  also " + std::to_string(completed) +
              " completion record(s) kept for repeated Completes and " + std::to_string(orphaned) +
              " orphaned staging folder(s)\n";
  }
  if (due > 0) {
    *human += "  note: worm serve removes uploads past the sweep age at start and hourly\n";
  }
  return Status::OK();
}

}  // namespace worm::cli

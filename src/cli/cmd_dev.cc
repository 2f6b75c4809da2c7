// worm dev: the local development loop over .worm/data.
//
//   worm dev [--port N [serve flags]] [--json]
//
// Lints .worm/schema.json and checks every entity file in .worm/data, then
// watches both (the local backend's FolderWatch, inotify) and reports
// problems as they appear and as they are fixed, until SIGINT/SIGTERM. With
// --port it also serves .worm/data over S3 (the same server and flags as
// `worm serve`), so an app under development can write through S3 while dev
// checks what lands.
//
// Text output is one line per event; --json prints one JSON object per line
// (NDJSON): {"event": "lint" | "ready" | "invalid" | "fixed" | "stray" |
// "stopped", ...}.
//
// What is checked per file: the key belongs to a model (else "stray"), the
// bytes are a JSON object, the id fields agree with the key, and
// ValidateDocument passes (types, required, enum, unknown fields); for a
// model with an oplog, the live state agrees with it (Repository::
// VerifyOplog: a document matching no entry, a gap, ... is "invalid"; an
// entity without entries is fine). Oplog folders are watched too, so a
// removed entry re-checks its entity. Refs are not followed: that needs the
// other entities and is the engine's job on write.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "cli/cli.h"
#include "cli/serve_options.h"
#include "schema/ids.h"
#include "schema/lint.h"
#include "schema/resolver.h"
#include "schema/schema.h"
#include "security/access_lint.h"
#include "transport/local/folder_watch.h"
#include "worm/repository.h"

namespace worm::cli {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kOplogDir = layout::kOplogFolder;  // a segment of every oplog folder

// True when a segment of `rel` is the oplog folder.
bool InOplog(std::string_view rel) {
  for (size_t start = 0; start <= rel.size();) {
    size_t end = rel.find('/', start);
    if (end == std::string_view::npos) end = rel.size();
    if (rel.substr(start, end - start) == kOplogDir) return true;
    start = end + 1;
  }
  return false;
}

// The ids when `folder` ("a/b/") fills `tmpl` ("a/{id}/"), segment by segment.
std::optional<schema::EntityIds> MatchTemplate(std::string_view tmpl, std::string_view folder) {
  schema::EntityIds ids;
  while (!tmpl.empty() || !folder.empty()) {
    size_t t = tmpl.find('/'), f = folder.find('/');
    if (t == std::string_view::npos || f == std::string_view::npos) return std::nullopt;
    std::string_view ts = tmpl.substr(0, t), fs_seg = folder.substr(0, f);
    if (ts.size() > 2 && ts.front() == '{' && ts.back() == '}') {
      if (fs_seg.empty()) return std::nullopt;
      ids.emplace_back(fs_seg);
    } else if (ts != fs_seg) {
      return std::nullopt;
    }
    tmpl.remove_prefix(t + 1);
    folder.remove_prefix(f + 1);
  }
  return ids;
}

class DevLoop {
 public:
  DevLoop(Cli& cli, ProjectDir project) : cli_(cli), project_(std::move(project)) {}

  Status Start() {
    std::error_code ec;
    fs::create_directories(project_.data_dir(), ec);
    if (ec)
      return Status::Internal("cannot create " + project_.data_dir().string() + ": " +
                              ec.message());
    // Editors save by rename, so watch the folder, not the file.
    schema_wd_ = AddWatch(project_.worm_dir);
    if (schema_wd_ < 0) {
      return Status::Internal("inotify: cannot watch " + project_.worm_dir.string() + ": " +
                              std::strerror(errno));
    }
    LocalTransportOptions lo;
    lo.sync = false;  // dev only reads through it
    lo.max_watches = WatchLimitFromEnv();
    ASSIGN_OR_RETURN(data_, NewLocalTransport(project_.data_dir().string(), lo));
    ReloadSchema();
    WatchTree("");
    CheckAll();
    return Status::OK();
  }

  int watch_fd() const { return watch_.fd(); }
  bool has_pending() const { return !pending_.empty() || schema_dirty_ || rescan_; }
  size_t entities() const { return valid_count_ + invalid_.size(); }
  size_t invalid() const { return invalid_.size(); }

  // Drains the watch; the work is done by Flush once events stop coming.
  void ReadEvents() {
    watch_.DrainEvents([this](const Event& ev) { OnEvent(ev); });
  }

  void Flush() {
    if (schema_dirty_) {
      schema_dirty_ = false;
      if (ReloadSchema()) rescan_ = true;
    }
    if (rescan_) {
      rescan_ = false;
      pending_.clear();
      CheckAll();
      return;
    }
    auto keys = std::move(pending_);
    pending_.clear();
    for (const std::string& key : keys) CheckKey(key);
  }

  void Emit(const Json& event, const std::string& text) {
    if (cli_.json) {
      std::cout << event.dump(-1, ' ', false, Json::error_handler_t::replace) << "\n";
    } else {
      std::cout << text << "\n";
    }
    std::cout.flush();
  }

 private:
  // Returns true when a usable schema was (re)loaded.
  bool ReloadSchema() {
    std::string path = project_.schema_path().string();
    Result<std::string> text = ReadInput(path);
    if (!text.ok()) {
      Emit({{"event", "lint"}, {"file", path}, {"ok", false}, {"message", text.status().message()}},
           "schema: " + text.status().message());
      return false;
    }
    // With the access section, as `worm lint` (cmd_schema.cc) does.
    auto diags = security::LintSchemaWithAccess(*text);
    Json list = Json::array();
    int errors = 0;
    for (const auto& d : diags) {
      list.push_back(schema::DiagnosticToJson(d));
      if (d.severity == schema::Severity::kError) ++errors;
    }
    std::optional<schema::Schema> loaded;
    if (errors == 0) {
      Result<Json> doc = ParseJson(*text, path);
      Result<schema::Schema> s = doc.ok() ? schema::LoadSchema(*doc) : doc.status();
      if (s.ok()) {
        loaded = std::move(*s);
      } else {
        ++errors;
        list.push_back({{"severity", "error"}, {"message", s.status().message()}});
      }
    }
    std::string summary = errors == 0
                              ? "schema: ok (" + std::to_string(loaded->models.size()) + " models)"
                              : "schema: " + std::to_string(errors) + " error(s)" +
                                    (schema_ ? "; data is checked against the last good schema"
                                             : "; data is not checked until it lints");
    std::string text_out;
    for (const auto& d : diags) text_out += schema::FormatDiagnostic(d, path) + "\n";
    Emit({{"event", "lint"}, {"file", path}, {"ok", errors == 0}, {"diagnostics", list}},
         text_out + summary);
    if (!loaded) return false;
    schema_ = std::make_unique<schema::Schema>(std::move(*loaded));
    resolver_ = std::make_unique<schema::StorageResolver>(*schema_);
    engine_ = Project::Create(*schema_, data_);
    return true;
  }

  using Event = local::FolderWatch::Event;

  // A watch on the folder `dir`, or -1 with errno set.
  int AddWatch(const fs::path& dir) {
    local::UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    return fd.valid() ? watch_.Add(fd.get()) : -1;
  }

  void WatchTree(const std::string& rel) {
    fs::path dir = rel.empty() ? project_.data_dir() : project_.data_dir() / rel;
    int wd = AddWatch(dir);
    if (wd < 0) {
      cli_.Diag("worm dev: cannot watch " + dir.string() + ": " + std::strerror(errno));
      return;
    }
    auto [slot, added] = watches_.emplace(wd, rel);
    if (!added) {
      watch_.Forget(wd);  // watched already: one watch, counted once
      slot->second = rel;
    }
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      std::string name = it->path().filename().string();
      std::string sub = rel.empty() ? name : rel + "/" + name;
      if (name.empty() || (name[0] == '.' && !InOplog(sub))) continue;
      if (it->is_directory(ec)) WatchTree(sub);
    }
  }

  void OnEvent(const Event& ev) {
    if (ev.lost) {
      rescan_ = true;
      return;
    }
    if (ev.gone) {
      watches_.erase(ev.wd);
      watch_.Forget(ev.wd);
      return;
    }
    // What dev acts on: entries made, removed or renamed, files written
    // (not each write(2) or attribute change on the way).
    constexpr uint32_t kActs =
        Event::kCreated | Event::kDeleted | Event::kMovedOut | Event::kMovedIn | Event::kWritten;
    if ((ev.what & kActs) == 0) return;
    std::string name(ev.name);
    if (ev.wd == schema_wd_) {
      if (name == layout::kSchemaFile && (ev.what & Event::kCreated) == 0) schema_dirty_ = true;
      return;
    }
    auto it = watches_.find(ev.wd);
    if (it == watches_.end()) return;
    if (name.empty()) return;
    std::string key = it->second.empty() ? name : it->second + "/" + name;
    if (name[0] == '.' && !InOplog(key)) return;
    if (InOplog(key)) {
      if (ev.is_folder && (ev.what & (Event::kCreated | Event::kMovedIn))) WatchTree(key);
      // An entry written or removed: its entity is checked again.
      if (!ev.is_folder && !(ev.what & Event::kCreated)) {
        if (std::optional<std::string> live = EntityOfOplogEntry(key)) pending_.insert(*live);
      }
      return;
    }
    if (ev.is_folder) {
      if (ev.what & (Event::kCreated | Event::kMovedIn)) {
        WatchTree(key);
        // Files may have landed before the watch existed.
        ForEachFile(key, [this](const std::string& k) { pending_.insert(k); });
      } else if (ev.what & (Event::kDeleted | Event::kMovedOut)) {
        // Whatever was invalid below it is gone.
        for (auto inv = invalid_.lower_bound(key + "/");
             inv != invalid_.end() && inv->rfind(key + "/", 0) == 0; ++inv) {
          pending_.insert(*inv);
        }
      }
      return;
    }
    if (ev.what & Event::kCreated) return;  // wait for the write to finish (kWritten)
    pending_.insert(key);
  }

  template <typename Fn>
  void ForEachFile(const std::string& rel, Fn fn) {
    fs::path dir = rel.empty() ? project_.data_dir() : project_.data_dir() / rel;
    std::error_code ec;
    fs::recursive_directory_iterator it(dir, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
      std::string name = it->path().filename().string();
      if (!name.empty() && name[0] == '.') {
        if (it->is_directory(ec)) it.disable_recursion_pending();
        continue;
      }
      if (it->is_regular_file(ec)) {
        fn(fs::relative(it->path(), project_.data_dir()).generic_string());
      }
    }
  }

  // The entity key whose oplog folder holds the entry `key`.
  std::optional<std::string> EntityOfOplogEntry(const std::string& key) const {
    if (!schema_) return std::nullopt;
    std::string folder = key.substr(0, key.rfind('/') + 1);
    for (const schema::Model& m : schema_->models) {
      if (!m.oplog) continue;
      std::string tmpl = resolver_->SystemFolderTemplates(m).oplog;
      if (!tmpl.empty() && tmpl.back() != '/') tmpl += '/';
      std::optional<schema::EntityIds> ids = MatchTemplate(tmpl, folder);
      if (!ids) continue;
      if (Result<std::string> live = resolver_->EntityKey(m, *ids); live.ok()) return *live;
    }
    return std::nullopt;
  }

  void CheckAll() {
    valid_count_ = 0;
    std::set<std::string> seen;
    ForEachFile("", [&](const std::string& key) {
      seen.insert(key);
      CheckKey(key);
    });
    for (auto it = invalid_.begin(); it != invalid_.end();) {
      if (seen.count(*it)) {
        ++it;
        continue;
      }
      Emit({{"event", "fixed"}, {"key", *it}, {"removed", true}}, "fixed    " + *it + " (removed)");
      it = invalid_.erase(it);
    }
  }

  void CheckKey(const std::string& key) {
    if (!schema_ || schema::IsSystemKey(key)) return;
    fs::path file = project_.data_dir() / key;
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) {
      if (invalid_.erase(key)) {
        Emit({{"event", "fixed"}, {"key", key}, {"removed", true}},
             "fixed    " + key + " (removed)");
      }
      return;
    }
    auto owner = resolver_->Classify(key);
    if (!owner.ok()) {
      Emit({{"event", "stray"}, {"key", key}},
           "stray    " + key + ": no model's path matches this key");
      return;
    }
    const auto& [model, ids] = *owner;
    Status st = CheckDocument(*model, ids, file);
    if (st.ok()) {
      ++valid_count_;
      if (invalid_.erase(key)) {
        Emit({{"event", "fixed"}, {"key", key}, {"model", model->name}}, "fixed    " + key);
      }
      return;
    }
    invalid_.insert(key);
    Emit({{"event", "invalid"},
          {"key", key},
          {"model", model->name},
          {"ids", Json(ids)},
          {"message", st.message()}},
         "invalid  " + key + ": " + st.message());
  }

  Status CheckDocument(const schema::Model& model, const schema::EntityIds& ids,
                       const fs::path& file) {
    ASSIGN_OR_RETURN(std::string bytes, ReadInput(file.string()));
    ASSIGN_OR_RETURN(Json doc, ParseJson(bytes, model.name));
    if (!doc.is_object()) {
      return Status::InvalidArgument(model.name + ": the document is not a JSON object");
    }
    std::vector<std::string> names = schema::StorageResolver::IdNames(model);
    for (size_t i = 0; i < names.size() && i < ids.size(); ++i) {
      auto f = doc.find(names[i]);
      if (f != doc.end() && *f != Json(ids[i])) {
        return Status::InvalidArgument(model.name + "." + names[i] + ": " + f->dump() +
                                       " disagrees with the id in the key (\"" + ids[i] + "\")");
      }
    }
    RETURN_NOT_OK(schema::ValidateDocument(model, doc));
    if (!model.oplog || !engine_) return Status::OK();
    // Only a contradiction is a problem: an interrupted write (pending) is
    // what a write in progress looks like, and `worm repair` finishes it.
    ASSIGN_OR_RETURN(Repository * repo, engine_->Get(model.name));
    Result<OplogState> state = repo->VerifyOplog(ids);
    if (state.status().code() == StatusCode::kDataLoss) return state.status();
    return Status::OK();
  }

  Cli& cli_;
  ProjectDir project_;
  // Its watches are what dev works from, not a cache: no budget of its own
  // (the kernel's limit still applies), any filesystem.
  local::FolderWatch watch_{local::FolderWatchOptions{std::numeric_limits<int64_t>::max(), false}};
  int schema_wd_ = -1;                  // the .worm folder (schema.json)
  std::map<int, std::string> watches_;  // wd -> folder relative to data ("" = data)
  std::unique_ptr<schema::Schema> schema_;
  std::unique_ptr<schema::StorageResolver> resolver_;
  std::shared_ptr<Transport> data_;  // .worm/data, for the engine's oplog checks
  std::unique_ptr<Project> engine_;  // over data_ with the last good schema
  std::set<std::string> pending_;
  bool schema_dirty_ = false;
  bool rescan_ = false;
  std::set<std::string> invalid_;  // keys reported invalid and not fixed since
  size_t valid_count_ = 0;
};

struct DevFlags {
  ServeFlags serve;
  bool serve_enabled = false;
};

Status RunDev(Cli& cli, DevFlags& f) {
  ASSIGN_OR_RETURN(ProjectDir project, cli.Project());
  // Before any server thread starts: the signals arrive only through the
  // signalfd below.
  sigset_t signals = BlockStopSignals();
  int sig_fd = signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sig_fd < 0) return Status::Internal(std::string("signalfd: ") + std::strerror(errno));

  std::unique_ptr<server::Server> server;
  if (f.serve_enabled) {
    f.serve.root.clear();
    ASSIGN_OR_RETURN(server::ServerOptions options, BuildServeOptions(cli, f.serve));
    ASSIGN_OR_RETURN(server, server::Server::Start(std::move(options)));
  }

  DevLoop loop(cli, project);
  Status started = loop.Start();
  if (!started.ok()) {
    close(sig_fd);
    return started;
  }
  Json ready{{"event", "ready"},
             {"entities", loop.entities()},
             {"invalid", loop.invalid()},
             {"data", project.data_dir().string()}};
  std::string text = "checked " + std::to_string(loop.entities()) + " entities, " +
                     std::to_string(loop.invalid()) + " invalid; watching " +
                     project.schema_path().string() + " and " + project.data_dir().string();
  if (server) {
    ready["url"] = server->url();
    text += "; serving S3 on " + server->url();
  }
  loop.Emit(ready, text + " (Ctrl-C to stop)");

  while (true) {
    pollfd fds[2] = {{loop.watch_fd(), POLLIN, 0}, {sig_fd, POLLIN, 0}};
    // Coalesce bursts (an editor's save, a push of many files): work once
    // events have been quiet for 50 ms.
    int rc = poll(fds, 2, loop.has_pending() ? 50 : -1);
    if (rc < 0 && errno != EINTR) break;
    if (fds[1].revents & POLLIN) break;
    if (rc == 0) {
      loop.Flush();
      continue;
    }
    if (fds[0].revents & POLLIN) loop.ReadEvents();
  }
  close(sig_fd);
  if (server) {
    server->Shutdown();
    server->Wait(30);
  }
  loop.Emit({{"event", "stopped"}}, "worm dev: stopped");
  return Status::OK();
}

}  // namespace

void RegisterDevCommand(CLI::App& app, Cli& cli) {
  auto flags = std::make_shared<DevFlags>();
  auto* cmd = app.add_subcommand(
      "dev", "Watch schema and .worm/data, report problems as they appear; --port also serves S3");
  auto* port = cmd->add_option("--port", flags->serve.port,
                               "Also serve .worm/data over S3 on this port (0 picks one)");
  AddServeFlags(cmd, &flags->serve);
  cmd->callback([&cli, flags, port] {
    flags->serve_enabled = port->count() > 0;
    cli.Finish(RunDev(cli, *flags));
  });
}

}  // namespace worm::cli

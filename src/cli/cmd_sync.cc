// Sync commands: worm status, worm diff, worm push, worm pull. Thin: open
// the project's local bucket, the remote and the base, run the SyncEngine,
// format. Exit code 4 when conflicts are refused or a key changed while
// syncing.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>

#include "cli/cli.h"
#include "cli/open_remote.h"
#include "schema/resolver.h"
#include "schema/schema.h"
#include "sync/engine.h"
#include "sync/json_diff.h"
#include "sync/remote.h"

namespace worm::cli {

namespace {

using sync::Classification;
using sync::Entry;
using sync::SyncState;

struct SyncArgs {
  std::string remote;
  bool dry_run = false;
  bool force = false;
  bool prune = false;
  bool content = false;
  int jobs = sync::kDefaultJobs;
};

// Everything a sync command works with, opened in dependency order.
struct SyncContext {
  ProjectDir project;
  Json config;
  sync::OpenedRemote remote;
  std::shared_ptr<Transport> local;
  std::unique_ptr<sync::StateDb> state;
  std::unique_ptr<sync::SyncEngine> engine;
};

Result<std::unique_ptr<SyncContext>> OpenSync(const Cli& cli, const std::string& remote_name) {
  auto ctx = std::make_unique<SyncContext>();
  ASSIGN_OR_RETURN(ctx->project, cli.Project());
  ASSIGN_OR_RETURN(ctx->config, sync::LoadConfig(ctx->project.config_path().string()));
  ASSIGN_OR_RETURN(sync::RemoteConfig rc, sync::SelectRemote(ctx->config, remote_name));
  ASSIGN_OR_RETURN(ctx->remote,
                   sync::OpenRemote(ctx->config, rc, ctx->project.cache_dir().string()));
  std::error_code ec;
  std::filesystem::create_directories(ctx->project.data_dir(), ec);
  auto local = NewLocalTransport(ctx->project.data_dir().string());
  if (!local.ok()) return local.status().WithContext("local data");
  ctx->local = *local;
  ASSIGN_OR_RETURN(ctx->state, sync::StateDb::Open(ctx->project.state_db().string()));
  RETURN_NOT_OK(ctx->state->BindRemote(rc.name, rc.identity()));
  ctx->engine = std::make_unique<sync::SyncEngine>(ctx->local, ctx->remote.transport,
                                                   ctx->state.get(), rc.name);
  return ctx;
}

Json RequestsJson(const SyncContext& ctx) {
  return cli::RequestsJson(ctx.remote.counts->Snapshot());
}

std::string HumanBytes(uint64_t n) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

// A one-line progress bar on stderr, only when stderr is a terminal;
// redrawn at most every 100 ms.
sync::ProgressFn MakeProgress(const char* verb) {
  if (isatty(STDERR_FILENO) != 1) return nullptr;
  auto last = std::make_shared<std::chrono::steady_clock::time_point>();
  return [verb, last](const sync::Progress& p) {
    auto now = std::chrono::steady_clock::now();
    if (p.done != p.total && now - *last < std::chrono::milliseconds(100)) return;
    *last = now;
    int width = 30;
    int filled = p.total ? static_cast<int>(width * p.done / p.total) : width;
    std::fprintf(stderr, "\r%s [%s%s] %zu/%zu  %s", verb, std::string(filled, '#').c_str(),
                 std::string(width - filled, ' ').c_str(), p.done, p.total,
                 HumanBytes(p.bytes).c_str());
    if (p.done == p.total) std::fprintf(stderr, "\n");
    std::fflush(stderr);
  };
}

std::string RemoteLabel(const SyncContext& ctx) {
  return ctx.remote.config.name + " (" + ctx.remote.config.url + ")";
}

// ---- status -----------------------------------------------------------------

std::string EntryLine(const Entry& e) {
  std::string state(sync::SyncStateName(e.state));
  if (!e.conflict.empty()) state += " (" + e.conflict + ")";
  state.resize(std::max<size_t>(state.size(), 28), ' ');
  return "  " + state + e.key + "\n";
}

std::string RenderStatus(const SyncContext& ctx, const Classification& c) {
  std::string out = "Remote " + RemoteLabel(ctx) + "\n";
  auto group = [&](const char* title, auto pred) {
    std::string lines;
    size_t n = 0;
    for (const Entry& e : c.entries) {
      if (pred(e.state)) {
        lines += EntryLine(e);
        ++n;
      }
    }
    if (n > 0) out += "\n" + std::string(title) + " (" + std::to_string(n) + "):\n" + lines;
  };
  group("Ahead: local changes to push", [](SyncState s) { return sync::IsAhead(s); });
  group("Behind: remote changes to pull", [](SyncState s) { return sync::IsBehind(s); });
  group("Conflicts: changed on both sides (see `worm diff --content`)",
        [](SyncState s) { return s == SyncState::kConflict; });
  if (c.ahead + c.behind + c.conflicts == 0) {
    out += "Up to date: " + std::to_string(c.unchanged + c.in_sync) + " object(s) in sync.\n";
  } else {
    out += "\n" + std::to_string(c.ahead) + " ahead, " + std::to_string(c.behind) + " behind, " +
           std::to_string(c.conflicts) + " conflict(s), " +
           std::to_string(c.unchanged + c.in_sync) + " in sync.\n";
  }
  return out;
}

Json EntryJson(const Entry& e) {
  Json j = {{"key", e.key}, {"state", std::string(sync::SyncStateName(e.state))}};
  if (!e.conflict.empty()) j["conflict"] = e.conflict;
  return j;
}

Status RunStatus(Cli& cli, const SyncArgs& args) {
  ASSIGN_OR_RETURN(auto ctx, OpenSync(cli, args.remote));
  ASSIGN_OR_RETURN(Classification c, ctx->engine->Scan());
  if (!cli.json) {
    cli.Print(RenderStatus(*ctx, c));
    return Status::OK();
  }
  Json entries = Json::array();
  for (const Entry& e : c.entries) {
    if (e.state != SyncState::kUnchanged && e.state != SyncState::kInSync) {
      entries.push_back(EntryJson(e));
    }
  }
  cli.PrintJson({{"remote", ctx->remote.config.name},
                 {"ahead", c.ahead},
                 {"behind", c.behind},
                 {"conflicts", c.conflicts},
                 {"unchanged", c.unchanged + c.in_sync},
                 {"entries", entries},
                 {"requests", RequestsJson(*ctx)}});
  return Status::OK();
}

// ---- diff -------------------------------------------------------------------

bool IsJsonKey(const std::string& key) {
  return key.size() > 5 && key.compare(key.size() - 5, 5, ".json") == 0;
}

// The structural change of one key, old side -> new side (ahead and
// conflicts: remote -> local, what a push would do; behind: local -> remote).
Result<Json> ContentDiff(SyncContext& ctx, const Entry& e) {
  bool behind = sync::IsBehind(e.state);
  ASSIGN_OR_RETURN(auto local, ctx.engine->ReadLocal(e.key));
  ASSIGN_OR_RETURN(auto remote, ctx.engine->ReadRemote(e.key));
  const auto& from = behind ? local : remote;
  const auto& to = behind ? remote : local;
  Json out = {{"from", behind ? "local" : "remote"}, {"to", behind ? "remote" : "local"}};
  auto parse = [&](const std::optional<std::string>& text) -> Result<Json> {
    if (!text) return Json(nullptr);
    return ParseJson(*text, e.key);
  };
  auto a = parse(from), b = parse(to);
  if (!a.ok() || !b.ok()) {
    out["error"] = "not valid JSON on one side; no structural diff";
    return out;
  }
  out["changes"] = sync::ChangesToJson(sync::DiffJson(*a, *b));
  return out;
}

Status RunDiff(Cli& cli, const SyncArgs& args) {
  ASSIGN_OR_RETURN(auto ctx, OpenSync(cli, args.remote));
  ASSIGN_OR_RETURN(Classification c, ctx->engine->Scan());
  Json local = {{"added", Json::array()}, {"modified", Json::array()}, {"deleted", Json::array()}};
  Json remote = local;
  Json conflicts = Json::array();
  Json contents = Json::array();
  std::string human = "Remote " + RemoteLabel(*ctx) + "\n";
  for (const Entry& e : c.entries) {
    std::string_view name = sync::SyncStateName(e.state);
    if (sync::IsAhead(e.state)) local[std::string(name.substr(6))].push_back(e.key);
    if (sync::IsBehind(e.state)) remote[std::string(name.substr(7))].push_back(e.key);
    if (e.state == SyncState::kConflict) conflicts.push_back(EntryJson(e));
    if (e.state == SyncState::kUnchanged || e.state == SyncState::kInSync) continue;
    human += EntryLine(e);
    bool changed_both = e.local && e.remote;
    if (args.content && changed_both && IsJsonKey(e.key)) {
      ASSIGN_OR_RETURN(Json d, ContentDiff(*ctx, e));
      d["key"] = e.key;
      if (d.contains("changes")) {
        human +=
            "    (" + d["from"].get<std::string>() + " -> " + d["to"].get<std::string>() + ")\n";
        for (const auto& ch : d["changes"]) {
          std::string path = ch["path"].get<std::string>();
          std::string op = ch["op"].get<std::string>();
          human += "    " + (path.empty() ? "/" : path) + ": " +
                   (op == "add" ? "(absent)" : ch["from"].dump()) + " -> " +
                   (op == "remove" ? "(absent)" : ch["value"].dump()) + "\n";
        }
      }
      contents.push_back(std::move(d));
    }
  }
  if (c.ahead + c.behind + c.conflicts == 0) human += "No differences.\n";
  if (cli.json) {
    Json doc = {{"remoteName", ctx->remote.config.name},
                {"local", local},
                {"remote", remote},
                {"conflicts", conflicts}};
    if (args.content) doc["content"] = contents;
    doc["requests"] = RequestsJson(*ctx);
    cli.PrintJson(doc);
  } else {
    cli.Print(human);
  }
  return Status::OK();
}

// ---- push / pull ------------------------------------------------------------

// Bucket and collection sentinels, at the keys and with the bodies the
// engine writes (core/layout.h): the bucket's at the root, and one in each
// model's collection folder.
std::vector<std::pair<std::string, std::string>> Sentinels(const Cli& cli, const ProjectDir& p) {
  std::vector<std::pair<std::string, std::string>> out = {
      {layout::kSentinelName, layout::BucketSentinelBody()}};
  auto s = schema::LoadSchemaFile(p.schema_path().string());
  if (!s.ok()) {
    cli.Diag("worm: warning: collection sentinels skipped: " + s.status().message());
    return out;
  }
  schema::StorageResolver resolver(*s);
  for (const auto& m : s->models) {
    std::string prefix = resolver.CollectionPrefix(m);
    if (prefix.empty() || prefix == "/") continue;
    out.emplace_back(resolver.SentinelKey(m), layout::CollectionSentinelBody(m.name));
  }
  return out;
}

Json OutcomesJson(const sync::SyncReport& r, bool all) {
  Json list = Json::array();
  for (const auto& o : r.outcomes) {
    if (!all && o.status.ok()) continue;
    Json j = {{"key", o.key}, {"action", std::string(sync::ActionName(o.kind))}};
    if (!o.status.ok()) j["error"] = o.status.ToString();
    list.push_back(std::move(j));
  }
  return list;
}

std::string RenderReport(const char* op, const SyncContext& ctx, const sync::SyncReport& r) {
  std::string out;
  if (r.dry_run) {
    for (const auto& o : r.outcomes) {
      out += "  would " + std::string(sync::ActionName(o.kind)) + "  " + o.key + "\n";
    }
    if (r.outcomes.empty()) out += "Nothing to " + std::string(op) + ".\n";
    return out + "(dry run: nothing was changed)\n";
  }
  for (const auto& o : r.outcomes) {
    if (!o.status.ok()) out += "  failed " + o.key + ": " + o.status.message() + "\n";
  }
  out += std::string(op) + " " + RemoteLabel(ctx) + ": ";
  out += std::to_string(r.uploaded + r.downloaded) + " transferred (" + HumanBytes(r.bytes) +
         "), " + std::to_string(r.deleted_remote + r.deleted_local) + " deleted";
  if (r.sentinels) out += ", " + std::to_string(r.sentinels) + " sentinel(s) written";
  if (r.skipped) out += ", " + std::to_string(r.skipped) + " skipped";
  if (r.failed) out += ", " + std::to_string(r.failed) + " FAILED";
  out += "\nrequests: " + ctx.remote.counts->Snapshot().ToString() + "\n";
  // Say what a delete could promise where it was less than atomic.
  if (r.delete_guarantee == sync::DeleteGuarantee::kFenced ||
      r.delete_guarantee == sync::DeleteGuarantee::kCheckedOnly) {
    out += "note: " + std::string(sync::DeleteGuaranteeText(r.delete_guarantee)) + "\n";
  }
  return out;
}

Status RunTransfer(Cli& cli, const SyncArgs& args, bool push) {
  const char* op = push ? "push" : "pull";
  if (args.jobs < 1 || args.jobs > 256) {
    return Status::InvalidArgument("--jobs " + std::to_string(args.jobs) + ": use 1..256");
  }
  ASSIGN_OR_RETURN(auto ctx, OpenSync(cli, args.remote));
  sync::SyncOptions o;
  o.jobs = args.jobs;
  o.dry_run = args.dry_run;
  o.force = args.force;
  o.prune = args.prune;
  o.progress = args.dry_run ? nullptr : MakeProgress(op);
  if (push) o.sentinels = Sentinels(cli, ctx->project);
  ASSIGN_OR_RETURN(sync::SyncReport r, push ? ctx->engine->Push(o) : ctx->engine->Pull(o));
  Status failure = r.FirstError(op);
  if (cli.json) {
    Json doc = {{"remote", ctx->remote.config.name},
                {"dryRun", r.dry_run},
                {"transferred", push ? r.uploaded : r.downloaded},
                {"deleted", push ? r.deleted_remote : r.deleted_local},
                {"recorded", r.recorded},
                {"skipped", r.skipped},
                {"failed", r.failed},
                {"bytes", r.bytes},
                {"requests", RequestsJson(*ctx)},
                {"failures", OutcomesJson(r, false)}};
    if (push) {
      doc["sentinels"] = r.sentinels;
      doc["deleteGuarantee"] = sync::DeleteGuaranteeName(r.delete_guarantee);
    }
    if (r.dry_run) doc["actions"] = OutcomesJson(r, true);
    cli.PrintJson(doc);
  } else {
    cli.Print(RenderReport(op, *ctx, r));
  }
  // The summary was printed; the exit code carries the failure.
  if (!failure.ok()) {
    cli.Diag("worm: " + failure.message());
    cli.exit_code = ExitCodeFor(failure);
  }
  return Status::OK();
}

void AddCommon(CLI::App* cmd, SyncArgs* a) {
  cmd->add_option("--remote", a->remote, "Remote name (default: origin, or the only one)");
}

void AddTransferFlags(CLI::App* cmd, SyncArgs* a, const char* force_help) {
  AddCommon(cmd, a);
  cmd->add_flag("--dry-run", a->dry_run, "Show what would change; change nothing");
  cmd->add_flag("--force", a->force, force_help);
  cmd->add_option("--jobs", a->jobs, "Parallel transfers (default 16)");
}

}  // namespace

void RegisterSyncCommands(CLI::App& app, Cli& cli) {
  auto status = std::make_shared<SyncArgs>();
  auto* st = app.add_subcommand("status", "Sync status against a remote: ahead, behind, conflicts");
  AddCommon(st, status.get());
  st->callback([&cli, status] { cli.Finish(RunStatus(cli, *status)); });

  auto diff = std::make_shared<SyncArgs>();
  auto* df = app.add_subcommand("diff", "Added, modified and deleted keys on each side");
  AddCommon(df, diff.get());
  df->add_flag("--content", diff->content,
               "Also fetch both versions of changed JSON documents and diff them");
  df->callback([&cli, diff] { cli.Finish(RunDiff(cli, *diff)); });

  auto push = std::make_shared<SyncArgs>();
  auto* ps = app.add_subcommand("push", "Upload local changes (creates, updates, deletes)");
  AddTransferFlags(ps, push.get(), "Resolve conflicts with the local version (local wins)");
  ps->footer(
      "Updates and creates are conditional PUTs (If-Match / If-None-Match) when the server\n"
      "honours them, so a concurrent remote change is detected, never overwritten. Without\n"
      "them (e.g. s3rver), updates and deletes HEAD-compare the ETag first and creates rely\n"
      "on the listing taken at the start of the push. Deletes are conditional DELETEs; on a\n"
      "server that ignores If-Match on DELETE (Ceph RGW 16.2) they are fenced: a conditional\n"
      "PUT of a marker first, then the DELETE (the report says which guarantee a push had;\n"
      "`worm doctor` says what the server honours). Exit 4 on conflicts.");
  ps->callback([&cli, push] { cli.Finish(RunTransfer(cli, *push, true)); });

  auto pull = std::make_shared<SyncArgs>();
  auto* pl = app.add_subcommand("pull", "Download remote changes into .worm/data");
  AddTransferFlags(pl, pull.get(), "Resolve conflicts with the remote version (remote wins)");
  pl->add_flag("--prune", pull->prune, "Delete local files that were deleted on the remote");
  pl->callback([&cli, pull] { cli.Finish(RunTransfer(cli, *pull, false)); });
}

}  // namespace worm::cli

// Remote commands: worm remote add|list|remove (editing .worm/config.json,
// keeping its other keys), worm url (presigned URL), worm doctor (what the
// remote supports; for a served folder, its staged multipart uploads).
#include <CLI/CLI.hpp>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <filesystem>

#include "cli/cli.h"
#include "cli/open_remote.h"
#include "cli/serve_options.h"
#include "sync/engine.h"
#include "sync/remote.h"
#include "sync/state_db.h"
#include "transport/s3/s3_transport.h"
#include "worm/clock.h"

namespace worm::cli {

namespace {

struct RemoteArgs {
  std::string name, url, endpoint, region, profile;
  bool path_style = false;
};

Status RunRemoteAdd(Cli& cli, const RemoteArgs& a) {
  ASSIGN_OR_RETURN(ProjectDir p, cli.Project());
  std::string path = p.config_path().string();
  ASSIGN_OR_RETURN(Json config, sync::LoadConfig(path));
  sync::RemoteConfig r;
  r.name = a.name;
  r.url = a.url;
  r.endpoint = a.endpoint;
  r.region = a.region;
  r.profile = a.profile;
  if (a.path_style) r.path_style = true;
  RETURN_NOT_OK(sync::AddRemote(&config, r));
  RETURN_NOT_OK(sync::SaveConfig(path, config));
  if (cli.json) {
    Json j = r.ToJson();
    j["name"] = r.name;
    cli.PrintJson(j);
  } else {
    cli.Print("added remote " + r.name + " -> " + r.url +
              (r.endpoint.empty() ? "" : " (" + r.endpoint + ")"));
  }
  return Status::OK();
}

Status RunRemoteList(Cli& cli) {
  ASSIGN_OR_RETURN(ProjectDir p, cli.Project());
  ASSIGN_OR_RETURN(Json config, sync::LoadConfig(p.config_path().string()));
  ASSIGN_OR_RETURN(std::vector<sync::RemoteConfig> all, sync::ListRemotes(config));
  if (cli.json) {
    Json list = Json::array();
    for (const auto& r : all) {
      Json j = r.ToJson();
      j["name"] = r.name;
      list.push_back(std::move(j));
    }
    cli.PrintJson(list);
    return Status::OK();
  }
  if (all.empty()) {
    cli.Print("no remotes (add one with `worm remote add origin s3://bucket/prefix`)");
    return Status::OK();
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : all) {
    rows.push_back({r.name, r.url, r.endpoint.empty() ? "(aws)" : r.endpoint,
                    r.region.empty() ? "-" : r.region});
  }
  cli.Print(RenderTable({"NAME", "URL", "ENDPOINT", "REGION"}, rows));
  return Status::OK();
}

Status RunRemoteRemove(Cli& cli, const std::string& name) {
  ASSIGN_OR_RETURN(ProjectDir p, cli.Project());
  std::string path = p.config_path().string();
  ASSIGN_OR_RETURN(Json config, sync::LoadConfig(path));
  RETURN_NOT_OK(sync::RemoveRemote(&config, name));
  RETURN_NOT_OK(sync::SaveConfig(path, config));
  if (std::filesystem::exists(p.state_db())) {
    ASSIGN_OR_RETURN(auto state, sync::StateDb::Open(p.state_db().string()));
    RETURN_NOT_OK(state->DropRemote(name));
  }
  // What was cached about it (server behaviour, query documents): a remote
  // added later under this name may be another server.
  if (sync::ValidateRemoteName(name).ok()) {
    std::error_code ec;
    std::filesystem::remove_all(p.remote_cache_dir(name), ec);
  }
  if (cli.json) {
    cli.PrintJson({{"removed", name}});
  } else {
    cli.Print("removed remote " + name);
  }
  return Status::OK();
}

struct UrlArgs {
  std::string key, remote, expires = "1h";
  bool put = false;
};

Status RunUrl(Cli& cli, const UrlArgs& a) {
  ASSIGN_OR_RETURN(int64_t seconds, ParseDuration(a.expires, "--expires"));
  ASSIGN_OR_RETURN(sync::OpenedRemote r, OpenNamedRemote(cli, a.remote));
  if (!r.s3) {
    return Status::InvalidArgument("remote " + r.config.name +
                                   ": presigned URLs need an s3:// remote");
  }
  std::string method = a.put ? "PUT" : "GET";
  ASSIGN_OR_RETURN(std::string url, r.s3->PresignUrl(method, a.key, seconds));
  if (cli.json) {
    cli.PrintJson({{"url", url},
                   {"method", method},
                   {"key", a.key},
                   {"expiresAt", FormatTimestamp(Clock::Default()->NowMillis() + seconds * 1000)}});
  } else {
    cli.Print(url);
  }
  return Status::OK();
}

std::string YesNo(bool b) { return b ? "yes" : "no"; }

// The remote's part of the report: reachability, auth, what the server
// honours (measured now, both sides of each condition; the result also
// refreshes the project's cache of it), its quirks, and what push can
// promise there.
Status ProbeRemote(Cli& cli, const std::string& remote, Json* doc_out, std::string* human_out) {
  ASSIGN_OR_RETURN(sync::OpenedRemote r, OpenNamedRemote(cli, remote));
  Json& doc = *doc_out;
  doc["remote"] = r.config.name;
  doc["url"] = r.config.url;
  ListRequest probe_list;
  probe_list.max_keys = 1;
  auto listed = r.transport->List(probe_list);
  StatusCode code = listed.status().code();
  bool auth_failed = code == StatusCode::kUnauthenticated || code == StatusCode::kPermissionDenied;
  doc["reachable"] = listed.ok() || auth_failed;
  doc["auth"] = listed.ok();
  std::string& human = *human_out;
  human += "remote " + r.config.name + " (" + r.config.url + ")\n";
  human += "  reachable              " + YesNo(doc["reachable"]) + "\n";
  human += "  authenticated          " + YesNo(listed.ok()) +
           (listed.ok() ? "" : "  (" + listed.status().ToString() + ")") + "\n";
  if (!listed.ok()) {
    doc["error"] = listed.status().ToString();
    cli.exit_code = ExitCodeFor(listed.status());
    return Status::OK();
  }
  Capabilities caps = r.transport->capabilities();
  auto row = [&](const char* name, bool yes, const std::string& why = "") {
    std::string label = std::string(name) + std::string(23 - std::strlen(name), ' ');
    human += "  " + label + YesNo(yes) + (why.empty() ? "" : "  (" + why + ")") + "\n";
  };
  if (r.s3) {
    auto probe = r.s3->Probe();
    if (!probe.ok()) {
      doc["error"] = "probe failed: " + probe.status().ToString();
      human += "  probe failed: " + probe.status().ToString() + "\n";
      cli.exit_code = ExitCodeFor(probe.status());
      return Status::OK();
    }
    const S3ProbeResult& p = *probe;
    caps = r.transport->capabilities();  // now from this probe
    bool unquoted = p.if_match_form == S3EtagForm::kUnquoted;
    doc.update({{"conditionalCreate", p.conditional_create},
                {"conditionalUpdate", p.conditional_update},
                {"ifMatchForm", unquoted ? "unquoted" : "quoted"},
                {"conditionalDelete", p.conditional_delete},
                {"conditionalMultipart", p.conditional_multipart},
                {"listAfterWrite", p.list_after_write},
                {"checksums", p.checksums},
                {"objectLock", p.object_lock},
                {"quirks", S3Quirks(p)},
                {"details", p.summary}});
    row("conditional create", p.conditional_create);
    row("conditional update", p.conditional_update,
        p.conditional_update && unquoted ? "If-Match compared unquoted; sent that way" : "");
    row("conditional delete", p.conditional_delete,
        p.conditional_delete ? "" : "If-Match on DELETE ignored");
    row("conditional multipart", p.conditional_multipart,
        p.conditional_multipart ? "" : "large uploads are checked with a HEAD just before");
    row("list after write", p.list_after_write);
    row("checksums", p.checksums);
    row("object lock", p.object_lock);
    std::vector<std::string> quirks = S3Quirks(p);
    human += "  quirks                 " +
             (quirks.empty() ? std::string("none (behaves like AWS S3)")
                             : std::to_string(quirks.size()) + ":") +
             "\n";
    for (const std::string& q : quirks) human += "    - " + q + "\n";
  } else {
    doc.update({{"conditionalCreate", caps.conditional_create},
                {"conditionalUpdate", caps.conditional_update},
                {"conditionalDelete", caps.conditional_delete},
                {"listAfterWrite", caps.list_after_write},
                {"objectLock", caps.object_lock},
                {"quirks", Json::array()}});
    row("conditional create", caps.conditional_create);
    row("conditional update", caps.conditional_update);
    row("conditional delete", caps.conditional_delete);
    row("list after write", caps.list_after_write);
  }
  sync::DeleteGuarantee g = sync::DeleteGuaranteeFor(caps);
  doc["pushDeletes"] = sync::DeleteGuaranteeName(g);
  human += "  push deletes           " + std::string(sync::DeleteGuaranteeName(g)) + ": " +
           std::string(sync::DeleteGuaranteeText(g)) + "\n";
  if (!caps.conditional_create || !caps.conditional_update) {
    human += "  note: without conditional writes, push HEAD-compares before updates\n";
  }
  if (r.s3) human += "probe:\n" + doc["details"].get<std::string>();
  return Status::OK();
}

struct DoctorArgs {
  std::string remote;
  StagingReportArgs staging;
};

// Whether the project names any remote (doctor then probes it).
bool ProjectHasRemote(const Cli& cli) {
  Result<ProjectDir> p = cli.Project();
  if (!p.ok()) return false;
  Result<Json> config = sync::LoadConfig(p->config_path().string());
  if (!config.ok()) return true;  // let the probe say what is wrong
  Result<std::vector<sync::RemoteConfig>> all = sync::ListRemotes(*config);
  return !all.ok() || !all->empty();
}

// worm doctor: the remote (when one is named or configured) and, for a
// served folder (--root DIR, or the project's data folder), its multipart
// staging.
Status RunDoctor(Cli& cli, const DoctorArgs& a) {
  Json doc = Json::object();
  std::string human;
  const bool probe = !a.remote.empty() || (a.staging.root.empty() && ProjectHasRemote(cli));
  if (probe) RETURN_NOT_OK(ProbeRemote(cli, a.remote, &doc, &human));
  if (!a.staging.root.empty() || cli.Project().ok()) {
    RETURN_NOT_OK(ReportStaging(cli, a.staging, &doc, &human));
  } else if (!probe) {
    RETURN_NOT_OK(cli.Project().status());  // says how to name a project
  }
  // A project without a remote whose data was never served: nothing to
  // report, so say what is missing (no remote configured).
  if (!probe && a.staging.root.empty() && human.empty()) {
    RETURN_NOT_OK(ProbeRemote(cli, a.remote, &doc, &human));
  }
  if (cli.json) {
    cli.PrintJson(doc);
  } else {
    cli.Print(human);
  }
  return Status::OK();
}

}  // namespace

void RegisterRemoteCommands(CLI::App& app, Cli& cli) {
  auto* remote = app.add_subcommand("remote", "Manage remotes in .worm/config.json");
  remote->require_subcommand(1);

  auto add = std::make_shared<RemoteArgs>();
  auto* add_cmd =
      remote->add_subcommand("add", "Add a remote: worm remote add NAME s3://bucket/prefix");
  add_cmd->add_option("name", add->name, "Remote name, e.g. origin")->required();
  add_cmd->add_option("url", add->url, "s3://bucket[/prefix] (or file:///abs/path)")->required();
  add_cmd->add_option("--endpoint", add->endpoint, "S3 endpoint, e.g. http://127.0.0.1:9000");
  add_cmd->add_option("--region", add->region, "Region (default us-east-1)");
  add_cmd->add_flag("--path-style", add->path_style, "Path-style addressing (host/bucket/key)");
  add_cmd->add_option("--profile", add->profile, "AWS credentials profile");
  add_cmd->callback([&cli, add] { cli.Finish(RunRemoteAdd(cli, *add)); });

  auto* list_cmd = remote->add_subcommand("list", "List remotes");
  list_cmd->callback([&cli] { cli.Finish(RunRemoteList(cli)); });

  auto name = std::make_shared<std::string>();
  auto* rm_cmd = remote->add_subcommand("remove", "Remove a remote (and its sync base)");
  rm_cmd->add_option("name", *name, "Remote name")->required();
  rm_cmd->callback([&cli, name] { cli.Finish(RunRemoteRemove(cli, *name)); });

  auto url = std::make_shared<UrlArgs>();
  auto* url_cmd = app.add_subcommand("url", "Presigned URL to GET (or --put) a key of a remote");
  url_cmd->add_option("key", url->key, "Object key")->required();
  url_cmd->add_flag("--put", url->put, "A URL for uploading instead of downloading");
  url_cmd->add_option("--expires", url->expires, "Validity: 3600, 15m, 12h, 7d (default 1h)");
  url_cmd->add_option("--remote", url->remote, "Remote name (default: origin, or the only one)");
  url_cmd->callback([&cli, url] { cli.Finish(RunUrl(cli, *url)); });

  auto doctor_args = std::make_shared<DoctorArgs>();
  auto* doctor = app.add_subcommand(
      "doctor",
      "Probe a remote (reachability, auth, conditional writes, list-after-write, lock) and list "
      "a served folder's multipart uploads");
  doctor->add_option("--remote", doctor_args->remote,
                     "Remote name (default: origin, or the only one; none: no probe)");
  doctor->add_option("--root", doctor_args->staging.root,
                     "A `worm serve --root` folder: report its buckets' multipart staging");
  doctor->add_option("--abandoned-upload-age", doctor_args->staging.abandoned_upload_age,
                     "The serve option to judge uploads by (default " +
                         doctor_args->staging.abandoned_upload_age + ")");
  doctor->add_option("--completed-upload-retention",
                     doctor_args->staging.completed_upload_retention,
                     "The serve option to judge completion records by (default " +
                         doctor_args->staging.completed_upload_retention + ")");
  doctor->callback([&cli, doctor_args] { cli.Finish(RunDoctor(cli, *doctor_args)); });
}

}  // namespace worm::cli

// Data commands: worm create | get | update | patch | delete | restore | ls |
// log | snapshot | repair. Thin: parse, call the engine (worm/repository.h),
// format. With --json each prints exactly one JSON document on stdout.
// get and ls --remote NAME read a remote instead of .worm/data, read-only
// (cli/open_remote.h); --stats then prints the requests sent to stderr.
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <memory>

#include "cli/cli.h"
#include "cli/open_remote.h"
#include "cli/principal.h"
#include "core/strings.h"
#include "schema/resolver.h"
#include "schema/schema.h"
#include "worm/repository.h"

namespace worm::cli {
namespace {

struct DataArgs {
  std::string model;
  std::string id;                      // "a" or composite "a/b"
  std::vector<std::string> named_ids;  // --id name=value (or a plain id)
  std::string data, file, source;      // --data JSON | --file F | "-"
  std::string if_match, reason, populate, parent, restore_snapshot;
  std::string adopt;   // repair --adopt ID
  std::string remote;  // get, ls --remote NAME
  bool with_meta = false, with_deleted = false, hard = false, list = false, stats = false;
};

// As the principal --as (or --token) names (cli/principal.h).
Result<std::unique_ptr<Project>> OpenProject(const Cli& cli) {
  ASSIGN_OR_RETURN(ProjectDir dir, cli.Project());
  ASSIGN_OR_RETURN(ProjectOptions po, DataProjectOptions(cli, dir));
  return Project::OpenAt(dir.root.string(), po);
}

// Ids from the positional "a/b" and/or --id flags (name=value or plain).
Result<EntityIds> IdsOf(const Repository& repo, const DataArgs& a) {
  if (!a.id.empty()) return SplitNonEmpty(a.id, '/');
  std::map<std::string, std::string> named;
  EntityIds plain;
  for (const std::string& f : a.named_ids) {
    size_t eq = f.find('=');
    if (eq == std::string::npos) {
      plain.push_back(f);
    } else {
      named[f.substr(0, eq)] = f.substr(eq + 1);
    }
  }
  if (named.empty()) return plain;
  if (!plain.empty()) return Status::InvalidArgument("--id: mix of name=value and plain ids");
  return schema::StorageResolver::IdsFromNamed(repo.model(), named);
}

Result<Json> InputDocument(const DataArgs& a) {
  int sources = !a.data.empty() + !a.file.empty() + !a.source.empty();
  if (sources > 1) return Status::InvalidArgument("give one of --data, --file or -");
  std::string text = a.data;
  if (!a.file.empty() || !a.source.empty()) {
    ASSIGN_OR_RETURN(text, ReadInput(a.file.empty() ? a.source : a.file));
  }
  if (sources == 0) return Status::InvalidArgument("no document: give --data JSON, --file F or -");
  // The document limit, not the looser one for any JSON: the error names it.
  return ParseJson(text, a.file.empty() ? (a.source.empty() ? "--data" : "stdin") : a.file,
                   kMaxDocumentDepth);
}

// Stored documents a listing left out (they do not decode): named on stderr;
// the rest was printed, and the exit code says the data is not all valid.
void ReportProblems(Cli& cli, const std::vector<std::string>& problems) {
  for (const std::string& p : problems) cli.Diag("problem: " + p + " (left out)");
  if (!problems.empty()) cli.exit_code = kExitInvalid;
}

Json EntityJson(const Entity& e, bool with_meta) {
  if (!with_meta) return e.document;
  Json j = {{"key", e.key}, {"etag", e.etag}, {"document", e.document}};
  if (e.deleted) j["deleted"] = true;
  return j;
}

void PrintEntity(Cli& cli, const Entity& e, bool with_meta) {
  if (cli.json) {
    cli.PrintJson(EntityJson(e, with_meta));
  } else {
    cli.Print((with_meta ? EntityJson(e, true) : e.document).dump(2));
  }
}

// With --remote (get, ls): the repository over the remote, read-only; its
// errors name the remote.
template <typename F>
Status WithRepo(Cli& cli, const DataArgs& a, F&& f) {
  if (!a.remote.empty()) {
    ASSIGN_OR_RETURN(ProjectDir dir, cli.Project());
    ASSIGN_OR_RETURN(ProjectOptions po, DataProjectOptions(cli, dir));
    ASSIGN_OR_RETURN(RemoteProject remote, OpenRemoteProject(cli, a.remote, po));
    ASSIGN_OR_RETURN(Repository * repo, remote.project->Get(a.model));
    RETURN_NOT_OK(f(*repo).WithContext("remote " + a.remote));
    if (a.stats) cli.Diag(RequestsLine(remote));
    return Status::OK();
  }
  ASSIGN_OR_RETURN(auto project, OpenProject(cli));
  ASSIGN_OR_RETURN(Repository * repo, project->Get(a.model));
  return f(*repo);
}

Status RunCreate(Cli& cli, const DataArgs& a) {
  return WithRepo(cli, a, [&](Repository& repo) -> Status {
    ASSIGN_OR_RETURN(Json doc, InputDocument(a));
    CreateOptions co;
    ASSIGN_OR_RETURN(co.ids, IdsOf(repo, a));
    ASSIGN_OR_RETURN(Entity e, repo.Create(doc, co));
    PrintEntity(cli, e, a.with_meta);
    return Status::OK();
  });
}

Status RunGet(Cli& cli, const DataArgs& a) {
  return WithRepo(cli, a, [&](Repository& repo) -> Status {
    GetOptions go;
    go.populate = SplitNonEmpty(a.populate, ',');
    go.with_deleted = a.with_deleted;
    ASSIGN_OR_RETURN(EntityIds ids, IdsOf(repo, a));
    ASSIGN_OR_RETURN(Entity e, repo.Get(ids, go));
    PrintEntity(cli, e, a.with_meta);
    return Status::OK();
  });
}

Status RunUpdate(Cli& cli, const DataArgs& a, bool patch) {
  return WithRepo(cli, a, [&](Repository& repo) -> Status {
    ASSIGN_OR_RETURN(Json doc, InputDocument(a));
    ASSIGN_OR_RETURN(EntityIds ids, IdsOf(repo, a));
    UpdateOptions uo;
    uo.if_match = a.if_match;
    ASSIGN_OR_RETURN(Entity e, patch ? repo.Patch(ids, doc, uo) : repo.Replace(ids, doc, uo));
    PrintEntity(cli, e, a.with_meta);
    return Status::OK();
  });
}

Status RunDelete(Cli& cli, const DataArgs& a) {
  return WithRepo(cli, a, [&](Repository& repo) -> Status {
    ASSIGN_OR_RETURN(EntityIds ids, IdsOf(repo, a));
    RemoveOptions ro;
    ro.hard = a.hard;
    ro.reason = a.reason;
    ro.if_match = a.if_match;
    RETURN_NOT_OK(repo.Delete(ids, ro));
    bool soft = repo.model().soft_delete && !a.hard;
    if (cli.json) {
      cli.PrintJson({{"model", a.model}, {"ids", ids}, {"deleted", true}, {"soft", soft}});
    } else {
      cli.Print("deleted " + a.model + " " + (ids.empty() ? "" : ids.back()) +
                (soft ? " (to trash; `worm restore` brings it back)" : ""));
    }
    return Status::OK();
  });
}

Status RunRestore(Cli& cli, const DataArgs& a) {
  return WithRepo(cli, a, [&](Repository& repo) -> Status {
    ASSIGN_OR_RETURN(EntityIds ids, IdsOf(repo, a));
    ASSIGN_OR_RETURN(Entity e, repo.Restore(ids));
    PrintEntity(cli, e, a.with_meta);
    return Status::OK();
  });
}

Status RunList(Cli& cli, const DataArgs& a) {
  return WithRepo(cli, a, [&](Repository& repo) -> Status {
    ListOptions lo;
    lo.with_deleted = a.with_deleted;
    lo.parent_ids = SplitNonEmpty(a.parent, '/');
    lo.skip_undecodable = true;
    lo.one_list_per_page = true;  // one LIST per 1,000 keys (what a remote bills)
    Json items = Json::array();
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> problems;
    for (bool more = true; more;) {  // Repository::Scan, keeping each page's problems
      ASSIGN_OR_RETURN(EntityPage page, repo.ListPage(lo));
      for (std::string& p : page.problems) problems.push_back(std::move(p));
      for (const Entity& e : page.items) {
        if (cli.json) {
          items.push_back(a.with_meta ? EntityJson(e, true) : e.document);
        } else {
          std::string id;
          for (const auto& part : e.ids) id += (id.empty() ? "" : "/") + part;
          rows.push_back({id.empty() ? "(singleton)" : id, e.document.value("updatedAt", ""),
                          e.deleted ? "deleted" : "", e.key});
        }
      }
      more = !page.next_cursor.empty();
      lo.cursor = std::move(page.next_cursor);
    }
    if (cli.json) {
      cli.PrintJson(items);
    } else {
      cli.Print(RenderTable({"ID", "UPDATED", "STATE", "KEY"}, rows));
    }
    ReportProblems(cli, problems);
    return Status::OK();
  });
}

Status RunLog(Cli& cli, const DataArgs& a) {
  return WithRepo(cli, a, [&](Repository& repo) -> Status {
    ASSIGN_OR_RETURN(EntityIds ids, IdsOf(repo, a));
    ASSIGN_OR_RETURN(std::vector<OplogEntry> entries, repo.History(ids));
    // An intact chain can still have lost its newest entries: only the live
    // state shows that (DataLoss, exit 5).
    Result<OplogState> state = repo.VerifyOplog(ids);
    if (cli.json) {
      RETURN_NOT_OK(state.status());
      Json out = Json::array();
      for (const auto& e : entries) out.push_back(e.raw);
      cli.PrintJson(out);
      return Status::OK();
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& e : entries)
      rows.push_back({std::to_string(e.seq), e.op, e.at, e.actor, e.after_hash.substr(0, 16)});
    if (!rows.empty()) cli.Print(RenderTable({"SEQ", "OP", "AT", "ACTOR", "AFTER HASH"}, rows));
    RETURN_NOT_OK(state.status());
    if (*state == OplogState::kNoOplog) {
      cli.Print(repo.name() + " keeps no oplog");
    } else if (*state == OplogState::kNoHistory) {
      cli.Print(
          "no oplog entries: written outside worm, or its history was removed (the next "
          "write through worm starts one)");
    } else if (*state == OplogState::kPending) {
      cli.Print("entry " + std::to_string(entries.back().seq) +
                " is not applied yet (an interrupted write): `worm repair` completes it");
    }
    return Status::OK();
  });
}

Status RunSnapshot(Cli& cli, const DataArgs& a) {
  return WithRepo(cli, a, [&](Repository& repo) -> Status {
    ASSIGN_OR_RETURN(EntityIds ids, IdsOf(repo, a));
    if (!a.restore_snapshot.empty()) {
      UpdateOptions uo;
      uo.if_match = a.if_match;
      ASSIGN_OR_RETURN(Entity e, repo.RestoreSnapshot(ids, a.restore_snapshot, uo));
      PrintEntity(cli, e, a.with_meta);
      return Status::OK();
    }
    auto to_json = [](const SnapshotInfo& s) {
      return Json{{"name", s.name}, {"key", s.key}, {"size", s.size}};
    };
    if (a.list) {
      ASSIGN_OR_RETURN(std::vector<SnapshotInfo> all, repo.ListSnapshots(ids));
      Json out = Json::array();
      std::vector<std::vector<std::string>> rows;
      for (const auto& s : all) {
        out.push_back(to_json(s));
        rows.push_back({s.name, std::to_string(s.size), s.key});
      }
      cli.json ? cli.PrintJson(out) : cli.Print(RenderTable({"NAME", "SIZE", "KEY"}, rows));
      return Status::OK();
    }
    ASSIGN_OR_RETURN(SnapshotInfo s, repo.Snapshot(ids));
    cli.json ? cli.PrintJson(to_json(s)) : cli.Print("snapshot " + s.name + " at " + s.key);
    return Status::OK();
  });
}

// repair <Model> --adopt ID: records the live state of one entity its oplog
// contradicts as a new entry, after a person decided it is right.
Status RunAdopt(Cli& cli, const DataArgs& a) {
  if (a.model.empty())
    return Status::InvalidArgument("--adopt: name the model: worm repair <Model> --adopt ID");
  return WithRepo(cli, a, [&](Repository& repo) -> Status {
    DataArgs target = a;
    target.id = a.adopt;
    ASSIGN_OR_RETURN(EntityIds ids, IdsOf(repo, target));
    ASSIGN_OR_RETURN(OplogEntry e, repo.AdoptLive(ids));
    if (cli.json) {
      cli.PrintJson(e.raw);
    } else {
      cli.Print("adopted the live state of " + repo.name() + " " + a.adopt + " as oplog entry " +
                std::to_string(e.seq) + " (" + e.op + ")");
    }
    return Status::OK();
  });
}

Status RunRepair(Cli& cli, const std::string& model) {
  ASSIGN_OR_RETURN(auto project, OpenProject(cli));
  RepairReport report;
  if (model.empty()) {
    ASSIGN_OR_RETURN(report, project->Repair());
  } else {
    ASSIGN_OR_RETURN(Repository * repo, project->Get(model));
    ASSIGN_OR_RETURN(report, repo->Repair());
  }
  if (cli.json) {
    cli.PrintJson(report.ToJson());
  } else {
    std::string out;
    for (const auto& a : report.actions) out += "fixed: " + a + "\n";
    for (const auto& p : report.problems) out += "problem: " + p + "\n";
    out += std::to_string(report.entities_checked) + " entities checked, " +
           std::to_string(report.actions.size()) + " fixed, " +
           std::to_string(report.problems.size()) + " problem(s)";
    cli.Print(out);
  }
  if (!report.ok()) cli.exit_code = kExitInternal;
  return Status::OK();
}

// Adds <Model> [id] and --id to `cmd`.
void AddTarget(CLI::App* cmd, DataArgs* a, bool id_positional) {
  cmd->add_option("model", a->model, "Model name")->required();
  if (id_positional) cmd->add_option("id", a->id, "Entity id (composite ids as a/b)");
  cmd->add_option("--id", a->named_ids, "Id as name=value (repeatable) or a plain id");
  cmd->add_flag("--with-meta", a->with_meta, "Print {key, etag, document}");
}

// --remote NAME, and --stats (needs --remote).
void AddRemote(CLI::App* cmd, DataArgs* a, const std::string& help) {
  auto* remote =
      cmd->add_option("--remote", a->remote, help)
          ->type_name("NAME")
          ->check(CLI::Validator(
              [](std::string& name) {  // "" would quietly mean the local data
                return name.empty() ? std::string("name a remote (see `worm remote list`)") : "";
              },
              ""));
  cmd->add_flag("--stats", a->stats, "With --remote: print the requests sent to stderr")
      ->needs(remote);
}

void AddInput(CLI::App* cmd, DataArgs* a) {
  cmd->add_option("--data", a->data, "The document as JSON");
  cmd->add_option("--file", a->file, "Read the document from a file ('-': stdin)");
  cmd->add_option("input", a->source, "'-': read the document from stdin");
}

}  // namespace

void RegisterDataCommands(CLI::App& app, Cli& cli) {
  auto a = std::make_shared<DataArgs>();
  DataArgs* args = a.get();
  auto* create = app.add_subcommand("create", "Create an entity; prints it");
  AddTarget(create, args, false);
  AddInput(create, args);
  create->callback([&cli, a] { cli.Finish(RunCreate(cli, *a)); });

  auto* get = app.add_subcommand("get", "Print one entity (no id for a singleton)");
  AddTarget(get, args, true);
  get->add_option("--populate", args->populate, "Ref fields to expand: f,g.h");
  get->add_flag("--with-deleted", args->with_deleted, "Also look in the trash");
  AddRemote(get, args,
            "Read the entity from remote NAME (from `worm remote add`) instead of "
            ".worm/data, without pulling: read-only, the local schema, one GET");
  get->callback([&cli, a] { cli.Finish(RunGet(cli, *a)); });

  for (bool patch : {false, true}) {
    auto* cmd =
        app.add_subcommand(patch ? "patch" : "update", patch ? "Apply a JSON merge patch (RFC 7386)"
                                                             : "Replace an entity's document");
    AddTarget(cmd, args, true);
    AddInput(cmd, args);
    cmd->add_option("--if-match", args->if_match, "Fail (exit 4) unless the ETag matches");
    cmd->callback([&cli, a, patch] { cli.Finish(RunUpdate(cli, *a, patch)); });
  }

  auto* del = app.add_subcommand("delete", "Delete an entity (to trash with softDelete)");
  AddTarget(del, args, true);
  del->add_flag("--hard", args->hard, "Delete for good (also purges a trashed copy)");
  del->add_option("--reason", args->reason, "Recorded in the tombstone and oplog");
  del->add_option("--if-match", args->if_match, "Fail (exit 4) unless the ETag matches");
  del->callback([&cli, a] { cli.Finish(RunDelete(cli, *a)); });

  auto* restore = app.add_subcommand("restore", "Bring a soft-deleted entity back");
  AddTarget(restore, args, true);
  restore->callback([&cli, a] { cli.Finish(RunRestore(cli, *a)); });

  auto* ls = app.add_subcommand("ls", "List entities of a model");
  ls->add_option("model", args->model, "Model name")->required();
  ls->add_flag("--with-deleted", args->with_deleted, "Also list the trash");
  ls->add_flag("--with-meta", args->with_meta, "Items as {key, etag, document}");
  ls->add_option("--parent", args->parent, "Parent ids of a nested collection (a/b)");
  AddRemote(ls, args,
            "List remote NAME (from `worm remote add`) instead of .worm/data, "
            "without pulling: read-only, the local schema, one LIST per 1,000 keys "
            "and one GET per entity");
  ls->callback([&cli, a] { cli.Finish(RunList(cli, *a)); });

  auto* log =
      app.add_subcommand("log", "Oplog history of an entity (hash chain and live state verified)");
  AddTarget(log, args, true);
  log->callback([&cli, a] { cli.Finish(RunLog(cli, *a)); });

  auto* snap = app.add_subcommand("snapshot", "Take, list (--list) or restore (--restore S)");
  AddTarget(snap, args, true);
  snap->add_flag("--list", args->list, "List snapshots");
  snap->add_option("--restore", args->restore_snapshot, "Restore snapshot S (through update)");
  snap->add_option("--if-match", args->if_match, "With --restore: ETag precondition");
  snap->callback([&cli, a] { cli.Finish(RunSnapshot(cli, *a)); });

  auto* repair = app.add_subcommand(
      "repair", "Roll forward the oplog and finish interrupted deletes/restores");
  repair->add_option("model", args->model, "Only this model");
  repair->add_option("--adopt", args->adopt,
                     "Record entity ID's live state as a new oplog entry, when the oplog "
                     "contradicts it and the live state is right (needs the model)");
  repair->callback(
      [&cli, a] { cli.Finish(a->adopt.empty() ? RunRepair(cli, a->model) : RunAdopt(cli, *a)); });
}

}  // namespace worm::cli

// worm migrate plan|apply (docs/migrate.md; the mechanism is src/migrate/).
#include <CLI/CLI.hpp>
#include <fstream>
#include <sstream>

#include "cli/cli.h"
#include "cli/open_remote.h"
#include "core/json_util.h"
#include "migrate/migrate.h"

namespace worm::cli {
namespace {

Result<Json> ReadJsonFile(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(what + " '" + path + "' cannot be read");
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseJson(ss.str(), what);
}

Result<std::shared_ptr<Transport>> Bucket(Cli& cli, const ProjectDir& project,
                                          const std::string& remote) {
  if (remote.empty()) return NewLocalTransport(project.data_dir().string());
  ASSIGN_OR_RETURN(sync::OpenedRemote r, OpenNamedRemote(cli, remote));
  return r.transport;
}

struct Args {
  std::string from, out, plan = "migrate-plan.json", remote;
  std::vector<std::string> renames;
};

}  // namespace

void RegisterMigrateCommands(CLI::App& app, Cli& cli) {
  auto* cmd = app.add_subcommand("migrate", "Plan and apply a schema migration of the data");
  cmd->require_subcommand(1);
  auto args = std::make_shared<Args>();
  auto* plan = cmd->add_subcommand("plan", "Compare the schema with the data; write a JSON plan");
  plan->add_option("--from", args->from, "The old schema.json (required)")->required();
  plan->add_option("--out", args->out, "Write the plan here (default: stdout)");
  plan->add_option("--rename", args->renames, "A renamed field: Model.old=new");
  plan->add_option("--remote", args->remote, "Plan against this remote instead of .worm/data");
  plan->callback([&cli, args] {
    cli.Finish([&]() -> Status {
      ASSIGN_OR_RETURN(ProjectDir project, cli.Project());
      migrate::PlanOptions o;
      for (const auto& r : args->renames) RETURN_NOT_OK(migrate::ParseRename(r, &o.renames));
      ASSIGN_OR_RETURN(Json old_schema, ReadJsonFile(args->from, "--from"));
      ASSIGN_OR_RETURN(Json new_schema, ReadJsonFile(project.schema_path().string(), "schema.json"));
      ASSIGN_OR_RETURN(auto bucket, Bucket(cli, project, args->remote));
      ASSIGN_OR_RETURN(Json p, migrate::Plan(old_schema, new_schema, *bucket, o));
      if (args->out.empty()) {
        cli.PrintJson(p);
        return Status::OK();
      }
      RETURN_NOT_OK(WriteFileAtomic(args->out, p.dump(2) + "\n"));
      cli.Print("plan written to " + args->out + ": " + p["counts"].dump() + ", requests " +
                p["requests"].dump());
      return Status::OK();
    }());
  });
  auto* apply = cmd->add_subcommand("apply", "Execute a plan (resumable: rerun after a crash)");
  apply->add_option("plan", args->plan, "The plan file (default: migrate-plan.json)");
  apply->add_option("--remote", args->remote, "Apply on this remote instead of .worm/data");
  apply->callback([&cli, args] {
    cli.Finish([&]() -> Status {
      ASSIGN_OR_RETURN(ProjectDir project, cli.Project());
      ASSIGN_OR_RETURN(Json p, ReadJsonFile(args->plan, "plan"));
      ASSIGN_OR_RETURN(auto bucket, Bucket(cli, project, args->remote));
      ASSIGN_OR_RETURN(migrate::ApplyReport r, migrate::Apply(p, bucket));
      Json doc = {{"moved", r.moved},
                  {"changed", r.changed},
                  {"systemMoved", r.system_moved},
                  {"skipped", r.skipped}};
      if (cli.json) cli.PrintJson(doc);
      else cli.Print("migrated: " + doc.dump());
      return Status::OK();
    }());
  });
}

}  // namespace worm::cli

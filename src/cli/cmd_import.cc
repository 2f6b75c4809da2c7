// worm import --from-s3: infer .worm/schema.json from an existing bucket
// (see sync/schema_infer.h), then lint it. Writes the file only with
// --write, or when the project has none; never overwrites silently.
#include <CLI/CLI.hpp>
#include <filesystem>

#include "cli/cli.h"
#include "schema/lint.h"
#include "sync/remote.h"
#include "sync/schema_infer.h"

namespace worm::cli {

namespace {

namespace fs = std::filesystem;

struct ImportArgs {
  bool from_s3 = false;
  bool write = false;
  std::string remote;
};

// The project folder even before schema.json exists: --project, else
// $WORM_PROJECT, else the nearest folder upwards holding .worm/.
Result<ProjectDir> ImportProject(const Cli& cli) {
  auto found = cli.Project();
  if (found.ok()) return found;
  fs::path start = cli.project_flag.empty() ? fs::current_path() : fs::path(cli.project_flag);
  if (auto root = layout::FindProjectRoot(start, layout::ProjectMarker::kWormDir)) {
    return ProjectDir::At(*root);
  }
  return found.status();
}

Status RunImport(Cli& cli, const ImportArgs& a) {
  if (!a.from_s3) return Status::InvalidArgument("worm import: say where from: --from-s3");
  ASSIGN_OR_RETURN(ProjectDir p, ImportProject(cli));
  ASSIGN_OR_RETURN(Json config, sync::LoadConfig(p.config_path().string()));
  ASSIGN_OR_RETURN(sync::RemoteConfig rc, sync::SelectRemote(config, a.remote));
  ASSIGN_OR_RETURN(sync::OpenedRemote remote, sync::OpenRemote(config, rc, p.cache_dir().string()));
  ASSIGN_OR_RETURN(std::vector<ObjectMeta> objects, remote.transport->ListAll(""));
  std::vector<std::string> keys;
  for (const auto& o : objects) keys.push_back(o.key);
  std::vector<sync::InferredModel> models = sync::InferModels(keys);
  if (models.empty()) {
    return Status::NotFound("remote " + rc.name + " (" + rc.url + "): no entity documents among " +
                            std::to_string(keys.size()) + " key(s); nothing to infer");
  }
  auto samples = sync::SampleDocuments(*remote.transport, models);
  Json schema =
      sync::BuildSchema(models, [&](const sync::InferredModel& m) { return samples[m.name]; });
  std::string text = schema.dump(2) + "\n";
  auto diags = schema::LintSchemaText(text);
  int errors = 0;
  for (const auto& d : diags) errors += d.severity == schema::Severity::kError;

  bool exists = fs::exists(p.schema_path());
  bool wrote = false;
  if (a.write || !exists) {
    RETURN_NOT_OK(WriteFileAtomic(p.schema_path(), text));
    wrote = true;
  }
  if (cli.json) {
    Json list = Json::array();
    for (const auto& d : diags) list.push_back(schema::DiagnosticToJson(d));
    cli.PrintJson({{"remote", rc.name},
                   {"keys", keys.size()},
                   {"models", models.size()},
                   {"written", wrote},
                   {"path", p.schema_path().string()},
                   {"schema", schema},
                   {"lint", {{"ok", errors == 0}, {"diagnostics", list}}}});
  } else {
    std::string out = text;
    for (const auto& d : diags) {
      out += "lint: " + std::string(d.severity == schema::Severity::kError ? "error" : "warning") +
             " [" + d.code + "] " + d.json_path + ": " + d.message + "\n";
    }
    out += "inferred " + std::to_string(models.size()) + " model(s) from " +
           std::to_string(keys.size()) + " key(s) of " + rc.name +
           "; lint: " + (errors == 0 ? "ok" : std::to_string(errors) + " error(s)") + "\n";
    out += wrote ? "wrote " + p.schema_path().string()
                 : p.schema_path().string() + " exists: not overwritten (use --write)";
    cli.Print(out);
  }
  if (errors > 0) cli.exit_code = kExitInvalid;
  return Status::OK();
}

}  // namespace

void RegisterImportCommand(CLI::App& app, Cli& cli) {
  auto a = std::make_shared<ImportArgs>();
  auto* cmd = app.add_subcommand("import", "Infer .worm/schema.json from an existing bucket");
  cmd->add_flag("--from-s3", a->from_s3, "Infer from the remote's keys and sampled documents");
  cmd->add_option("--remote", a->remote, "Remote name (default: origin, or the only one)");
  cmd->add_flag("--write", a->write, "Overwrite an existing .worm/schema.json");
  cmd->callback([&cli, a] { cli.Finish(RunImport(cli, *a)); });
}

}  // namespace worm::cli

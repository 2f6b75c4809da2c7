// worm init [DIR] [--force]: scaffold .worm/ with a working example schema.
#include <CLI/CLI.hpp>

#include "cli/cli.h"
#include "cli/example_schema.h"
#include "schema/lint.h"
#include "security/access_lint.h"

namespace worm::cli {

namespace fs = std::filesystem;

namespace {

struct InitArgs {
  std::string dir;
  bool force = false;
};

Status RunInit(const Cli& cli, const InitArgs& args) {
  std::string dir = !args.dir.empty() ? args.dir : cli.project_flag;
  fs::path root = fs::absolute(dir.empty() ? fs::current_path() : fs::path(dir)).lexically_normal();
  ProjectDir p = ProjectDir::At(root);
  if (fs::exists(p.schema_path()) && !args.force) {
    return Status::AlreadyExists(p.schema_path().string() +
                                 ": already exists; pass --force to overwrite schema and config");
  }
  std::error_code ec;
  fs::create_directories(p.data_dir(), ec);
  if (ec)
    return Status::PermissionDenied(p.data_dir().string() + ": cannot create: " + ec.message());

  // The embedded example must lint clean; check before writing anything.
  for (const auto& d : security::LintSchemaWithAccess(kExampleSchema)) {
    if (d.severity == schema::Severity::kError) {
      return Status::Internal("built-in example schema: " + d.message);
    }
  }
  std::vector<std::string> created;
  auto write = [&](const fs::path& path, std::string_view text, bool overwrite) -> Status {
    if (fs::exists(path) && !overwrite) return Status::OK();
    RETURN_NOT_OK(WriteFileAtomic(path, text));
    created.push_back(fs::relative(path, root).string());
    return Status::OK();
  };
  RETURN_NOT_OK(write(p.schema_path(), kExampleSchema, true));
  RETURN_NOT_OK(write(p.config_path(), kDefaultConfig, args.force));
  RETURN_NOT_OK(write(p.worm_dir / ".gitignore", kWormGitignore, args.force));
  RETURN_NOT_OK(write(p.worm_dir / "identities.json", kExampleIdentities, args.force));

  if (cli.json) {
    cli.PrintJson({{"project", root.string()},
                   {"schema", p.schema_path().string()},
                   {"data", p.data_dir().string()},
                   {"created", created}});
  } else {
    std::string out = "Initialized S3WORM project in " + root.string() + "\n";
    for (const auto& c : created) out += "  created " + c + "\n";
    out += "  data folder " + fs::relative(p.data_dir(), root).string() +
           "/ (git-ignored)\nNext: edit .worm/schema.json, then `worm lint` and `worm paths`.";
    cli.Print(out);
  }
  return Status::OK();
}

}  // namespace

void RegisterInitCommand(CLI::App& app, Cli& cli) {
  auto args = std::make_shared<InitArgs>();
  auto* cmd = app.add_subcommand("init", "Scaffold .worm/ with a working example schema");
  cmd->add_option("dir", args->dir, "Folder to initialize (default: --project or the current one)");
  cmd->add_flag("--force", args->force, "Overwrite an existing schema.json and config.json");
  cmd->callback([&cli, args] { cli.Finish(RunInit(cli, *args)); });
}

}  // namespace worm::cli

// Schema commands: worm lint, worm paths, worm resolve.
#include <CLI/CLI.hpp>

#include "cli/cli.h"
#include "schema/lint.h"
#include "schema/lint_fix.h"
#include "schema/resolver.h"
#include "schema/schema.h"
#include "security/access_lint.h"

namespace worm::cli {

namespace {

// Loads the project's schema; a schema with errors points the user at lint.
Result<schema::Schema> LoadProjectSchema(const Cli& cli) {
  ASSIGN_OR_RETURN(ProjectDir p, cli.Project());
  auto s = schema::LoadSchemaFile(p.schema_path().string());
  if (!s.ok()) {
    return Status::InvalidArgument(s.status().message() +
                                   " (run `worm lint` to see every problem)");
  }
  return s;
}

// ---- lint -------------------------------------------------------------------

struct LintArgs {
  std::string file;
  bool fix = false;      // rewrite the file with the fixable findings fixed
  bool dry_run = false;  // with --fix: print the diff, write nothing
};

// What `worm lint --help` says --fix does (schema/lint_fix.h has the why).
constexpr const char* kLintFixHelp = R"(
--fix fixes, editing only the spans it changes (key order, indentation and
every other byte are kept), and writes the file atomically:
  undeclared-path       appends the model's path (with its file) to "paths"
  unused-path           removes the "paths" entry no model uses
  duplicate-path        removes the later copy of a "paths" entry
  id-type-mismatch      sets "idType" to the path's id segment type (the path
                        decides the keys)
  ignored-key           removes a key with no effect (idType/idOperator on a
                        singleton, startAt/step on a non-increment operator)
  duplicate-enum-value  removes the repeated enum value
  misnamed-key          renames "operator"/"idStrategy" to "idOperator"
Not fixable, because the right answer is the author's choice: duplicate-key
(which copy was meant), default-not-in-enum and default-type-mismatch and
default-violates-constraint (which value is right), unknown-field-type,
unknown-ref, unknown-operator, unknown-dynamic-type, unknown-layout,
unknown-mode, unknown-strategy, unknown-on-delete, unknown-key (a misspelling
or a typo'd intent), enum-type-mismatch, invalid-* and wrong-type, missing-*
(what to add), conflicting-paths, shared-entity-folder, singleton-with-id,
file-given-twice, missing-prefix, operator-type-mismatch, set-null-required,
on-delete-without-ref, ref-to-singleton, constraint-not-applicable,
reserved-field-name, example-mismatch, unsupported-schema-version, no-models,
invalid-json, too-deep, and every access-section finding. They are reported
as without --fix, with the same exit code.
--dry-run prints the unified diff --fix would apply and writes nothing.)";

Status RunLint(Cli& cli, const LintArgs& args) {
  std::string path = args.file;
  if (path.empty()) {
    ASSIGN_OR_RETURN(ProjectDir p, cli.Project());
    path = p.schema_path().string();
  }
  ASSIGN_OR_RETURN(std::string text, ReadInput(path));
  if (args.dry_run && !args.fix) return Status::InvalidArgument("--dry-run goes with --fix");
  Json fixes = Json::array();
  std::string diff;
  if (args.fix) {
    if (path == "-") return Status::InvalidArgument("--fix needs a file, not stdin");
    schema::FixResult fixed = schema::FixSchemaText(text);
    for (const auto& f : fixed.fixes) {
      fixes.push_back({{"code", f.code}, {"path", f.json_path}, {"action", f.action}});
    }
    diff = schema::UnifiedDiff(text, fixed.text, std::filesystem::path(path).filename().string());
    if (fixed.changed() && !args.dry_run) RETURN_NOT_OK(WriteFileAtomic(path, fixed.text));
    // What is left is what gets reported (for --dry-run: what would be left).
    text = std::move(fixed.text);
  }
  // The access section is linted by the security layer (it compiles
  // row-level conditions with the filter language, above the schema layer).
  auto diags = security::LintSchemaWithAccess(text);
  int errors = 0, warnings = 0;
  for (const auto& d : diags) (d.severity == schema::Severity::kError ? errors : warnings)++;

  if (cli.json) {
    Json list = Json::array();
    for (const auto& d : diags) list.push_back(schema::DiagnosticToJson(d));
    Json doc = {{"file", path},
                {"ok", errors == 0},
                {"errors", errors},
                {"warnings", warnings},
                {"diagnostics", list}};
    if (args.fix) {
      doc["fixes"] = fixes;
      doc["written"] = !args.dry_run && !fixes.empty();
      if (args.dry_run) doc["diff"] = diff;
    }
    cli.PrintJson(doc);
  } else {
    std::string out;
    if (args.dry_run) out += diff;
    for (const auto& f : fixes) {
      out += path + ": " + (args.dry_run ? "would fix " : "fixed ") + f["code"].get<std::string>() +
             ": " + f["action"].get<std::string>() + "\n";
    }
    for (const auto& d : diags) out += schema::FormatDiagnostic(d, path) + "\n";
    out += errors == 0 ? (path + ": ok") : path + ": " + std::to_string(errors) + " error(s)";
    if (warnings) out += ", " + std::to_string(warnings) + " warning(s)";
    cli.Print(out);
  }
  // Problems were reported as data; the exit code says the input is invalid.
  if (errors > 0) cli.exit_code = kExitInvalid;
  return Status::OK();
}

// ---- paths ------------------------------------------------------------------

Json FoldersJson(const schema::SystemFolders& f) {
  return {{"oplog", f.oplog}, {"snapshots", f.snapshots}, {"trash", f.trash}};
}

Status RunPaths(Cli& cli) {
  ASSIGN_OR_RETURN(schema::Schema s, LoadProjectSchema(cli));
  schema::StorageResolver resolver(s);
  Json models = Json::array();
  std::vector<std::vector<std::string>> rows;
  std::string blocks;
  for (const auto& m : s.models) {
    auto folders = resolver.SystemFolderTemplates(m);
    std::string layout(schema::LayoutName(s.LayoutOf(m)));
    Json ids = Json::array();
    for (const auto* seg : m.full.dynamic_segments())
      ids.push_back({{"name", seg->name}, {"type", seg->type}});
    models.push_back({{"model", m.name},
                      {"path", m.path.source},
                      {"singleton", m.singleton},
                      {"basePath", resolver.BasePath(m)},
                      {"collectionPrefix", resolver.CollectionPrefix(m)},
                      {"keyTemplate", resolver.KeyTemplate(m)},
                      {"ids", ids},
                      {"layout", layout},
                      {"systemFolders", FoldersJson(folders)}});
    blocks += m.name + (m.singleton ? " (singleton)" : "") + "\n" + "  path        " +
              m.path.source + "\n" + "  base        " + resolver.BasePath(m) + "\n" +
              "  prefix      " + resolver.CollectionPrefix(m) + "\n" + "  key         " +
              resolver.KeyTemplate(m) + "\n" + "  oplog       " + folders.oplog + "\n" +
              "  snapshots   " + folders.snapshots + "\n" + "  trash       " + folders.trash +
              "   (layout " + layout + ")\n";
  }
  if (cli.json) {
    cli.PrintJson({{"layout", std::string(schema::LayoutName(s.layout))}, {"models", models}});
  } else {
    cli.Print(blocks);
  }
  return Status::OK();
}

// ---- resolve ----------------------------------------------------------------

struct ResolveArgs {
  std::string model;
  std::vector<std::string> ids;
  std::vector<std::string> named;  // --id name=value
};

Result<schema::EntityIds> CollectIds(const schema::Model& m, const ResolveArgs& args) {
  auto segs = m.full.dynamic_segments();
  std::vector<std::string> positional = args.ids;
  // A composite id may be given as one "a/b" argument.
  if (positional.size() == 1 && segs.size() > 1) {
    std::vector<std::string> parts;
    std::string cur;
    for (char c : positional[0]) {
      if (c == '/') {
        parts.push_back(cur);
        cur.clear();
      } else {
        cur += c;
      }
    }
    parts.push_back(cur);
    positional = parts;
  }
  schema::EntityIds ids(segs.size());
  std::vector<bool> set(segs.size(), false);
  for (size_t i = 0; i < positional.size(); ++i) {
    if (i >= segs.size()) {
      return Status::InvalidArgument(m.name + ": takes " + std::to_string(segs.size()) +
                                     " id(s), got " + std::to_string(positional.size()));
    }
    ids[i] = positional[i];
    set[i] = true;
  }
  for (const auto& nv : args.named) {
    auto eq = nv.find('=');
    if (eq == std::string::npos)
      return Status::InvalidArgument("--id " + nv + ": expected name=value");
    std::string name = nv.substr(0, eq);
    size_t i = 0;
    while (i < segs.size() && segs[i]->name != name) ++i;
    if (i == segs.size()) {
      std::string known;
      for (const auto* s : segs) known += (known.empty() ? "" : ", ") + s->name;
      return Status::InvalidArgument("--id " + name + ": " + m.name + " has no id segment named '" +
                                     name + "' (ids: " + (known.empty() ? "none" : known) + ")");
    }
    ids[i] = nv.substr(eq + 1);
    set[i] = true;
  }
  for (size_t i = 0; i < segs.size(); ++i) {
    if (!set[i]) {
      return Status::InvalidArgument(m.name + ": missing id '" + segs[i]->name + "' (" +
                                     segs[i]->type + ")");
    }
  }
  return ids;
}

Status RunResolve(Cli& cli, const ResolveArgs& args) {
  ASSIGN_OR_RETURN(schema::Schema s, LoadProjectSchema(cli));
  const schema::Model* m = s.FindModel(args.model);
  if (m == nullptr) {
    std::string known;
    for (const auto& mm : s.models) known += (known.empty() ? "" : ", ") + mm.name;
    return Status::NotFound("model '" + args.model + "' is not in the schema (models: " + known +
                            ")");
  }
  ASSIGN_OR_RETURN(schema::EntityIds ids, CollectIds(*m, args));
  schema::StorageResolver resolver(s);
  ASSIGN_OR_RETURN(std::string key, resolver.EntityKey(*m, ids));
  ASSIGN_OR_RETURN(schema::SystemFolders folders, resolver.SystemFoldersFor(*m, ids));
  if (cli.json) {
    Json named = Json::object();
    auto segs = m->full.dynamic_segments();
    for (size_t i = 0; i < segs.size(); ++i) named[segs[i]->name] = ids[i];
    cli.PrintJson({{"model", m->name},
                   {"ids", named},
                   {"key", key},
                   {"systemFolders", FoldersJson(folders)}});
  } else {
    cli.Print(key);
  }
  return Status::OK();
}

}  // namespace

void RegisterSchemaCommands(CLI::App& app, Cli& cli) {
  auto lint = std::make_shared<LintArgs>();
  auto* lint_cmd =
      app.add_subcommand("lint", "Check schema.json; report every problem with line:column");
  lint_cmd->add_option("file", lint->file,
                       "Schema file (default: the project's .worm/schema.json)");
  lint_cmd->add_flag("--fix", lint->fix, "Fix what has one right answer (listed below)");
  lint_cmd->add_flag("--dry-run", lint->dry_run, "With --fix: print the diff, write nothing");
  lint_cmd->footer(kLintFixHelp);
  lint_cmd->callback([&cli, lint] { cli.Finish(RunLint(cli, *lint)); });

  auto* paths_cmd = app.add_subcommand(
      "paths", "Per model: base path, collection prefix, key template, system folders");
  paths_cmd->callback([&cli] { cli.Finish(RunPaths(cli)); });

  auto resolve = std::make_shared<ResolveArgs>();
  auto* resolve_cmd = app.add_subcommand("resolve", "Print the bucket key of an entity");
  resolve_cmd->add_option("model", resolve->model, "Model name")->required();
  resolve_cmd->add_option("ids", resolve->ids,
                          "Id(s) in path order; a composite id may be given as a/b");
  resolve_cmd->add_option("--id", resolve->named, "An id by segment name: --id deptId=...");
  resolve_cmd->callback([&cli, resolve] { cli.Finish(RunResolve(cli, *resolve)); });
}

}  // namespace worm::cli

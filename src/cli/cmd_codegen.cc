// worm codegen --lang ts|cpp|json-schema|openapi [--out DIR] [--check]
// (docs/codegen.md). Without --lang, the targets .worm/config.json lists.
#include <CLI/CLI.hpp>

#include "cli/codegen_run.h"
#include "schema/schema.h"

namespace worm::cli {

namespace {

struct CodegenArgs {
  std::string lang;
  std::string out;
  bool check = false;
};

Json ReportJson(const CodegenTarget& t, const CodegenReport& r) {
  return {{"lang", codegen::TargetName(t.target)},
          {"out", t.out.generic_string()},
          {"written", r.written},
          {"unchanged", r.unchanged},
          {"differ", r.differ},
          {"missing", r.missing},
          {"extra", r.extra}};
}

Status RunCodegen(Cli& cli, const CodegenArgs& args) {
  ASSIGN_OR_RETURN(ProjectDir p, cli.Project());
  auto s = schema::LoadSchemaFile(p.schema_path().string());
  if (!s.ok()) {
    return Status::InvalidArgument(s.status().message() +
                                   " (run `worm lint` to see every problem)");
  }
  std::vector<CodegenTarget> targets;
  if (!args.lang.empty()) {
    ASSIGN_OR_RETURN(codegen::Target t, codegen::ParseTarget(args.lang));
    std::filesystem::path out = args.out.empty()
                                    ? p.root / "generated" / std::string(codegen::TargetName(t))
                                    : std::filesystem::path(args.out);
    targets.push_back({t, out});
  } else {
    if (!args.out.empty()) {
      return Status::InvalidArgument(
          "codegen: --out needs --lang (the configured targets name "
          "their own folders)");
    }
    ASSIGN_OR_RETURN(targets, ConfiguredCodegenTargets(p));
    if (targets.empty()) {
      return Status::InvalidArgument(
          "codegen: no --lang and no targets in .worm/config.json; add "
          "\"codegen\": {\"targets\": [{\"lang\": \"ts\", \"out\": \"generated/ts\"}]} or pass "
          "--lang ts|cpp|json-schema|openapi");
    }
  }
  Json reports = Json::array();
  std::string text;
  bool clean = true;
  for (const CodegenTarget& t : targets) {
    ASSIGN_OR_RETURN(CodegenReport r, RunCodegenTarget(*s, t, args.check));
    clean = clean && r.clean();
    reports.push_back(ReportJson(t, r));
    std::string lang(codegen::TargetName(t.target));
    for (const auto& f : r.written) text += "wrote    " + (t.out / f).generic_string() + "\n";
    for (const auto& f : r.differ) text += "differs  " + (t.out / f).generic_string() + "\n";
    for (const auto& f : r.missing) text += "missing  " + (t.out / f).generic_string() + "\n";
    for (const auto& f : r.extra) text += "extra    " + (t.out / f).generic_string() + "\n";
    text +=
        lang + ": " +
        std::to_string(r.written.size() + r.unchanged.size() + r.differ.size() + r.missing.size()) +
        " file(s) in " + t.out.generic_string() +
        (args.check ? (r.clean() ? ", up to date" : ", out of date")
                    : ", " + std::to_string(r.written.size()) + " written") +
        "\n";
  }
  if (cli.json) {
    cli.PrintJson({{"check", args.check}, {"upToDate", clean}, {"targets", reports}});
  } else {
    if (!text.empty()) text.pop_back();
    cli.Print(text);
  }
  // --check: the files were listed; out of date is a failed precondition for CI.
  if (args.check && !clean) cli.exit_code = kExitConflict;
  return Status::OK();
}

}  // namespace

void RegisterCodegenCommand(CLI::App& app, Cli& cli) {
  auto args = std::make_shared<CodegenArgs>();
  auto* cmd = app.add_subcommand(
      "codegen", "Generate TypeScript+Zod, C++, JSON Schema or OpenAPI from the schema");
  cmd->add_option("--lang", args->lang,
                  "ts, cpp, json-schema or openapi (default: the targets "
                  "in .worm/config.json)");
  cmd->add_option("--out", args->out, "Output folder (default generated/<lang>)");
  cmd->add_flag("--check", args->check,
                "Write nothing; exit 4 listing files that differ, are missing or extra");
  cmd->callback([&cli, args] { cli.Finish(RunCodegen(cli, *args)); });
}

}  // namespace worm::cli

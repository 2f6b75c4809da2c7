// worm keychain add|list|remove|get: the secrets in a keychain
// (security/keychain.h, docs/keychain.md). A secret never comes from the
// command line: from a prompt, stdin (--value-stdin) or a variable
// (--from-env); `get` prints one only with --reveal.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <fstream>

#include "cli/cli.h"
#include "core/hash.h"
#include "core/utf8.h"
#include "security/keychain.h"
#include "security/keychain_internal.h"

namespace worm::cli {

namespace fs = std::filesystem;

namespace {

struct KeychainArgs {
  std::string name;
  std::string prefix;
  bool value_stdin = false;
  std::string from_env;
  bool reveal = false;
};

Result<std::unique_ptr<security::Keychain>> Open(const Cli& cli) {
  ASSIGN_OR_RETURN(std::string spec, cli.KeychainSpec());
  return security::OpenKeychain(spec);
}

// A project whose .worm/.gitignore predates the keychain gets its lines, so
// the default keychain file is never committed.
void IgnoreKeychainFile(const Cli& cli, const std::string& describe) {
  auto p = cli.Project();
  if (!p.ok() || describe != "file:" + p->keychain_path().string()) return;
  fs::path ignore = p->worm_dir / ".gitignore";
  std::ifstream in(ignore);
  if (!in) return;
  std::string line;
  while (std::getline(in, line)) {
    if (line == layout::kKeychainFile) return;
  }
  in.close();
  std::ofstream out(ignore, std::ios::app);
  out << "# The encrypted keychain (docs/keychain.md), its lock and temp files.\n"
      << "keychain\nkeychain.lock\nkeychain.tmp.*\n";
}

Result<std::string> ReadSecret(const KeychainArgs& args) {
  if (args.value_stdin && !args.from_env.empty()) {
    return Status::InvalidArgument("keychain add: --value-stdin and --from-env exclude each other");
  }
  if (!args.from_env.empty()) {
    const char* v = std::getenv(args.from_env.c_str());
    if (v == nullptr) return Status::NotFound("keychain add: " + args.from_env + " is not set");
    return std::string(v);
  }
  if (args.value_stdin) {
    ASSIGN_OR_RETURN(std::string v, ReadInput("-"));
    // One trailing line end (what `echo` and a heredoc add) is not part of it.
    if (v.ends_with("\r\n")) {
      v.resize(v.size() - 2);
    } else if (v.ends_with('\n')) {
      v.pop_back();
    }
    return v;
  }
  if (!::isatty(STDIN_FILENO)) {
    return Status::InvalidArgument(
        "keychain add: stdin is not a terminal; pass --value-stdin or --from-env VAR");
  }
  return security::internal::PromptHidden("Secret for " + args.name + ": ");
}

Status RunAdd(Cli& cli, const KeychainArgs& args) {
  ASSIGN_OR_RETURN(std::string secret, ReadSecret(args));
  if (secret.empty()) {
    return Status::InvalidArgument("keychain add: the secret for " + args.name + " is empty");
  }
  auto kc = Open(cli);
  Status st = kc.ok() ? (*kc)->Put(args.name, secret) : kc.status();
  security::internal::WipeString(secret);
  RETURN_NOT_OK(st);
  IgnoreKeychainFile(cli, (*kc)->Describe());
  if (cli.json) {
    cli.PrintJson({{"added", args.name}, {"keychain", (*kc)->Describe()}});
  } else {
    cli.Print("added " + args.name + " to " + (*kc)->Describe());
  }
  return Status::OK();
}

Status RunList(Cli& cli, const KeychainArgs& args) {
  ASSIGN_OR_RETURN(auto kc, Open(cli));
  ASSIGN_OR_RETURN(std::vector<std::string> names, kc->List(args.prefix));
  if (cli.json) {
    cli.PrintJson({{"keychain", kc->Describe()}, {"names", names}});
  } else {
    std::string out;
    for (const auto& n : names) out += n + "\n";
    if (!out.empty()) out.pop_back();
    if (!out.empty()) cli.Print(out);
  }
  return Status::OK();
}

Status RunRemove(Cli& cli, const KeychainArgs& args) {
  ASSIGN_OR_RETURN(auto kc, Open(cli));
  RETURN_NOT_OK(kc->Remove(args.name));
  if (cli.json) {
    cli.PrintJson({{"removed", args.name}, {"keychain", kc->Describe()}});
  } else {
    cli.Print("removed " + args.name + " from " + kc->Describe());
  }
  return Status::OK();
}

Status RunGet(Cli& cli, const KeychainArgs& args) {
  if (!args.reveal) {
    return Status::InvalidArgument("keychain get: prints a secret only with --reveal");
  }
  ASSIGN_OR_RETURN(auto kc, Open(cli));
  ASSIGN_OR_RETURN(std::string secret, kc->Get(args.name));
  if (cli.json) {
    // JSON strings are UTF-8: other bytes come base64-encoded.
    if (IsValidUtf8(secret)) {
      cli.PrintJson({{"name", args.name}, {"secret", secret}});
    } else {
      cli.PrintJson({{"name", args.name}, {"secretBase64", Base64Encode(secret)}});
    }
  } else {
    cli.Print(secret);
  }
  security::internal::WipeString(secret);
  return Status::OK();
}

}  // namespace

void RegisterKeychainCommands(CLI::App& app, Cli& cli) {
  auto* kc = app.add_subcommand(
      "keychain", "Secrets in a keychain (--keychain SPEC, $WORM_KEYCHAIN, or .worm/keychain)");
  kc->require_subcommand(1);
  auto args = std::make_shared<KeychainArgs>();

  auto* add = kc->add_subcommand("add", "Add or replace a secret (asked for on the terminal)");
  add->add_option("name", args->name, "Secret name, e.g. signing/k1")->required();
  add->add_flag("--value-stdin", args->value_stdin,
                "Read the secret from stdin (one trailing newline is dropped)");
  add->add_option("--from-env", args->from_env, "Read the secret from this environment variable");
  add->callback([&cli, args] { cli.Finish(RunAdd(cli, *args)); });

  auto* list = kc->add_subcommand("list", "Names of the secrets (never their values)");
  list->add_option("prefix", args->prefix, "Only names starting with this");
  list->callback([&cli, args] { cli.Finish(RunList(cli, *args)); });

  auto* remove = kc->add_subcommand("remove", "Remove a secret");
  remove->add_option("name", args->name, "Secret name")->required();
  remove->callback([&cli, args] { cli.Finish(RunRemove(cli, *args)); });

  auto* get = kc->add_subcommand("get", "Print a secret (only with --reveal)");
  get->add_option("name", args->name, "Secret name")->required();
  get->add_flag("--reveal", args->reveal, "Really print the secret on stdout");
  get->callback([&cli, args] { cli.Finish(RunGet(cli, *args)); });
}

}  // namespace worm::cli

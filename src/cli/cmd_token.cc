// worm token create|attenuate|verify|inspect|revoke|list and
// worm keys create|list|rotate|retire (docs/tokens.md).
#include <CLI/CLI.hpp>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <iterator>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/token_principal.h"
#include "core/json_util.h"
#include "core/strings.h"
#include "security/key_store.h"
#include "security/keychain.h"
#include "security/token.h"
#include "security/token_authority.h"

namespace worm::cli {

namespace {

namespace fs = std::filesystem;
using security::TokenRestriction;

int64_t NowSeconds() { return static_cast<int64_t>(std::time(nullptr)); }

std::string FormatTime(int64_t t) {
  if (t <= 0) return "-";
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Unix seconds, or UTC "YYYY-MM-DDTHH:MM:SSZ".
Result<int64_t> ParseTimeFlag(const std::string& text, std::string_view flag) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos &&
      text.size() <= 12) {
    return std::stoll(text);
  }
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (end == nullptr || *end != '\0') {
    return Status::InvalidArgument(std::string(flag) + " '" + text +
                                   "': expected Unix seconds or 2026-12-31T23:59:59Z");
  }
  return static_cast<int64_t>(timegm(&tm));
}

// The narrowing flags shared by create and attenuate.
struct RestrictionFlags {
  std::vector<std::string> actions, models, ids, paths;
  std::string ttl, expires, not_before;

  void Add(CLI::App* cmd) {
    cmd->add_option("--actions", actions, "Only these actions (read,list,create,...)")
        ->delimiter(',');
    cmd->add_option("--models", models, "Only these models")->delimiter(',');
    cmd->add_option("--ids", ids, "Only these entity ids (composite ids joined by /)")
        ->delimiter(',');
    cmd->add_option("--paths", paths, "Only keys matching these path patterns or prefixes")
        ->delimiter(',');
    cmd->add_option("--ttl", ttl, "Valid for this long from now (90s, 15m, 12h, 7d)");
    cmd->add_option("--expires", expires, "Valid until (Unix seconds or ...T...Z)");
    cmd->add_option("--not-before", not_before, "Valid from (Unix seconds or ...T...Z)");
  }

  Result<TokenRestriction> Build(int64_t now, bool default_ttl) const {
    TokenRestriction r;
    for (const auto& a : actions) {
      bool found = false;
      for (Action act : kAllActions) {
        static constexpr std::string_view kNames[] = {"read",   "list",    "create", "update",
                                                      "delete", "restore", "admin"};
        if (kNames[static_cast<size_t>(act)] == a) r.actions.push_back(act), found = true;
      }
      if (!found) {
        return Status::InvalidArgument("--actions: unknown action '" + a +
                                       "' (read, list, create, update, delete, restore, admin)");
      }
    }
    r.models = models, r.ids = ids, r.paths = paths;
    if (!ttl.empty() && !expires.empty()) {
      return Status::InvalidArgument("--ttl and --expires: give one");
    }
    if (!ttl.empty()) {
      ASSIGN_OR_RETURN(int64_t secs, ParseDuration(ttl, "--ttl"));
      if (secs <= 0) return Status::InvalidArgument("--ttl: must be positive");
      r.expires = now + secs;
    } else if (!expires.empty()) {
      ASSIGN_OR_RETURN(r.expires, ParseTimeFlag(expires, "--expires"));
    } else if (default_ttl) {
      r.expires = now + 86400;
    }
    if (!not_before.empty()) {
      ASSIGN_OR_RETURN(r.not_before, ParseTimeFlag(not_before, "--not-before"));
    }
    return r;
  }
};

Json ScopeJson(const Scope& s) {
  Json j = Json::object();
  if (!s.actions.empty()) {
    Json a = Json::array();
    static constexpr std::string_view kNames[] = {"read",   "list",    "create", "update",
                                                  "delete", "restore", "admin"};
    for (Action act : s.actions) a.push_back(std::string(kNames[static_cast<size_t>(act)]));
    j["actions"] = a;
  }
  if (!s.models.empty()) j["models"] = s.models;
  if (!s.ids.empty()) j["ids"] = s.ids;
  if (!s.paths.empty()) j["paths"] = s.paths;
  return j;
}

std::string ScopeText(const Scope& s) {
  std::string out;
  for (const auto& [k, v] : ScopeJson(s).items()) {
    std::vector<std::string> items;
    for (const auto& i : v) items.push_back(i.get<std::string>());
    out += (out.empty() ? "" : " ") + k + "=" + Join(items, ",");
  }
  return out;
}

void PrintPrincipal(Cli& cli, const Principal& p, const Json& extra) {
  if (cli.json) {
    Json scopes = Json::array();
    for (const auto& s : p.scopes) scopes.push_back(ScopeJson(s));
    Json j = {{"principal", p.id}, {"roles", p.roles}, {"scopes", scopes}};
    j.update(extra);
    cli.PrintJson(j);
    return;
  }
  std::string out = "principal: " + p.id + "\nroles: " + Join(p.roles, ",");
  for (const auto& s : p.scopes) out += "\nscope: " + ScopeText(s);
  for (const auto& [k, v] : extra.items()) {
    out += "\n" + k + ": " + (v.is_string() ? v.get<std::string>() : v.dump());
  }
  cli.Print(out);
}

// A token argument: the text, "-" for stdin, or empty for $WORM_TOKEN.
Result<std::string> TokenArg(const std::string& arg) {
  ASSIGN_OR_RETURN(std::optional<std::string> t, TokenFromFlagOrEnv(arg));
  if (!t)
    return Status::InvalidArgument("token: give one (an argument, '-' for stdin, or WORM_TOKEN)");
  return *t;
}

// Roles of a local identity, from .worm/identities.json (security/identity.h
// documents the format; LoadIdentities replaces this reader once merged).
Result<std::vector<std::string>> IdentityRoles(const ProjectDir& project, const std::string& id) {
  fs::path file = project.worm_dir / "identities.json";
  std::error_code ec;
  if (!fs::exists(file, ec)) {
    return Status::NotFound("--as " + id + ": no .worm/identities.json in this project");
  }
  ASSIGN_OR_RETURN(std::string text, ReadInput(file.string()));
  ASSIGN_OR_RETURN(Json j, ParseJson(text, ".worm/identities.json"));
  if (!j.is_object() || !j.contains("identities") || !j["identities"].is_object() ||
      !j["identities"].contains(id)) {
    return Status::NotFound("--as " + id + ": no such identity in .worm/identities.json");
  }
  const Json& ident = j["identities"][id];
  std::vector<std::string> roles;
  if (ident.is_object() && ident.contains("roles") && ident["roles"].is_array()) {
    for (const auto& r : ident["roles"]) {
      if (r.is_string()) roles.push_back(r.get<std::string>());
    }
  }
  return roles;
}

// ---- token ----------------------------------------------------------------

struct CreateArgs {
  std::string as, principal, kid;
  std::vector<std::string> roles;
  RestrictionFlags r;
  bool no_expiry = false;
};

Status RunCreate(Cli& cli, const CreateArgs& a) {
  ASSIGN_OR_RETURN(ProjectDir project, cli.Project());
  security::TokenClaims claims;
  if (!a.as.empty() == !a.principal.empty()) {
    return Status::InvalidArgument("token create: give --as ID or --principal ID");
  }
  if (!a.as.empty()) {
    if (!a.roles.empty()) return Status::InvalidArgument("--role: --as takes the identity's roles");
    claims.principal = a.as;
    ASSIGN_OR_RETURN(claims.roles, IdentityRoles(project, a.as));
  } else {
    claims.principal = a.principal;
    claims.roles = a.roles;
  }
  int64_t now = NowSeconds();
  ASSIGN_OR_RETURN(claims.restriction, a.r.Build(now, !a.no_expiry));
  ASSIGN_OR_RETURN(TokenStores stores, OpenTokenStores(cli, project));
  std::string kid = a.kid;
  if (kid.empty()) {
    ASSIGN_OR_RETURN(security::KeyList keys, security::LoadKeyList(stores.bucket.get()));
    if (keys.current.empty()) {
      return Status::FailedPrecondition(
          "token create: no current signing key (run `worm keys create`)");
    }
    kid = keys.current;
  } else {
    ASSIGN_OR_RETURN(security::KeyList keys, security::LoadKeyList(stores.bucket.get()));
    const auto* k = keys.Find(kid);
    if (k == nullptr) return Status::NotFound("--kid: no key " + kid);
    if (k->retired) return Status::FailedPrecondition("--kid: key " + kid + " is retired");
  }
  auto secret = stores.keychain->Get(security::SigningKeyName(kid));
  if (!secret.ok()) {
    return Status::NotFound("token create: the keychain " + stores.keychain->Describe() +
                            " has no secret for key " + kid);
  }
  ASSIGN_OR_RETURN(std::string token, security::MintToken(*secret, kid, claims));
  ASSIGN_OR_RETURN(security::TokenInfo info, security::InspectToken(token));
  if (cli.json) {
    cli.PrintJson({{"token", token},
                   {"id", info.token_id},
                   {"kid", kid},
                   {"principal", claims.principal},
                   {"expires", claims.restriction.expires}});
  } else {
    cli.Print(token);
  }
  return Status::OK();
}

struct AttenuateArgs {
  std::string token;
  std::vector<std::string> roles;
  bool roles_given = false;
  RestrictionFlags r;
};

Status RunAttenuate(Cli& cli, const AttenuateArgs& a) {
  ASSIGN_OR_RETURN(std::string token, TokenArg(a.token));
  ASSIGN_OR_RETURN(TokenRestriction r, a.r.Build(NowSeconds(), false));
  if (a.roles_given) r.roles = a.roles;
  ASSIGN_OR_RETURN(std::string narrowed, security::AttenuateToken(token, r));
  if (cli.json) {
    cli.PrintJson({{"token", narrowed}});
  } else {
    cli.Print(narrowed);
  }
  return Status::OK();
}

Status RunVerify(Cli& cli, const std::string& arg) {
  ASSIGN_OR_RETURN(ProjectDir project, cli.Project());
  ASSIGN_OR_RETURN(std::string token, TokenArg(arg.empty() ? cli.token_flag : arg));
  ASSIGN_OR_RETURN(Principal p, TokenPrincipal(cli, project, token));
  ASSIGN_OR_RETURN(security::TokenInfo info, security::InspectToken(token));
  PrintPrincipal(cli, p,
                 {{"id", info.token_id}, {"kid", info.kid}, {"expires", FormatTime(info.expires)}});
  return Status::OK();
}

Status RunInspect(Cli& cli, const std::string& arg) {
  ASSIGN_OR_RETURN(std::string token, TokenArg(arg));
  ASSIGN_OR_RETURN(security::TokenInfo info, security::InspectToken(token));
  PrintPrincipal(cli, info.principal,
                 {{"id", info.token_id},
                  {"kid", info.kid},
                  {"notBefore", FormatTime(info.not_before)},
                  {"expires", FormatTime(info.expires)},
                  {"verified", false},
                  {"caveats", info.caveats}});
  return Status::OK();
}

bool IsTokenId(const std::string& s) {
  return s.size() == 32 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

Status RunRevoke(Cli& cli, const std::string& arg, const std::string& reason) {
  ASSIGN_OR_RETURN(ProjectDir project, cli.Project());
  security::RevokedToken entry;
  if (IsTokenId(arg)) {
    entry.id = arg;
  } else {
    ASSIGN_OR_RETURN(std::string token, TokenArg(arg));
    ASSIGN_OR_RETURN(security::TokenInfo info, security::InspectToken(token));
    entry.id = info.token_id;
    entry.expires = info.expires > 0 ? info.expires : 0;
  }
  entry.revoked_at = NowSeconds();
  entry.reason = reason;
  ASSIGN_OR_RETURN(TokenStores stores, OpenTokenStores(cli, project));
  RETURN_NOT_OK(security::RevokeTokenId(stores.bucket.get(), entry, entry.revoked_at));
  if (cli.json) {
    cli.PrintJson({{"revoked", entry.id}});
  } else {
    cli.Print("revoked " + entry.id);
  }
  return Status::OK();
}

Status RunList(Cli& cli) {
  ASSIGN_OR_RETURN(ProjectDir project, cli.Project());
  ASSIGN_OR_RETURN(TokenStores stores, OpenTokenStores(cli, project));
  ASSIGN_OR_RETURN(security::RevocationList list,
                   security::LoadRevocationList(stores.bucket.get()));
  if (cli.json) {
    Json arr = Json::array();
    for (const auto& t : list.revoked) {
      arr.push_back({{"id", t.id},
                     {"revokedAt", t.revoked_at},
                     {"reason", t.reason},
                     {"expires", t.expires}});
    }
    cli.PrintJson({{"revoked", arr}});
    return Status::OK();
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& t : list.revoked) {
    rows.push_back({t.id, FormatTime(t.revoked_at), FormatTime(t.expires), t.reason});
  }
  cli.Print(RenderTable({"TOKEN ID", "REVOKED", "EXPIRES", "REASON"}, rows));
  return Status::OK();
}

// ---- keys -----------------------------------------------------------------

Status RunKeysCreate(Cli& cli, const std::string& kid, bool make_current) {
  ASSIGN_OR_RETURN(ProjectDir project, cli.Project());
  ASSIGN_OR_RETURN(TokenStores stores, OpenTokenStores(cli, project));
  ASSIGN_OR_RETURN(std::string made,
                   security::CreateSigningKey(stores.bucket.get(), stores.keychain.get(), kid,
                                              NowSeconds(), make_current));
  ASSIGN_OR_RETURN(security::KeyList keys, security::LoadKeyList(stores.bucket.get()));
  bool current = keys.current == made;
  if (cli.json) {
    cli.PrintJson({{"kid", made}, {"current", current}, {"keychain", stores.keychain->Describe()}});
  } else {
    cli.Print("created key " + made + (current ? " (current)" : "") + " in " +
              stores.keychain->Describe());
  }
  return Status::OK();
}

Status RunKeysList(Cli& cli) {
  ASSIGN_OR_RETURN(ProjectDir project, cli.Project());
  ASSIGN_OR_RETURN(TokenStores stores, OpenTokenStores(cli, project));
  ASSIGN_OR_RETURN(security::KeyList keys, security::LoadKeyList(stores.bucket.get()));
  if (cli.json) {
    Json arr = Json::array();
    for (const auto& k : keys.keys) {
      arr.push_back({{"kid", k.kid},
                     {"created", k.created},
                     {"retired", k.retired},
                     {"current", k.kid == keys.current}});
    }
    cli.PrintJson({{"current", keys.current}, {"keys", arr}});
    return Status::OK();
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& k : keys.keys) {
    rows.push_back(
        {k.kid, FormatTime(k.created), FormatTime(k.retired), k.kid == keys.current ? "yes" : ""});
  }
  cli.Print(RenderTable({"KID", "CREATED", "RETIRED", "CURRENT"}, rows));
  return Status::OK();
}

Status RunKeysRetire(Cli& cli, const std::string& kid) {
  ASSIGN_OR_RETURN(ProjectDir project, cli.Project());
  ASSIGN_OR_RETURN(TokenStores stores, OpenTokenStores(cli, project));
  RETURN_NOT_OK(security::RetireSigningKey(stores.bucket.get(), kid, NowSeconds()));
  if (cli.json) {
    cli.PrintJson({{"retired", kid}});
  } else {
    cli.Print("retired key " + kid + ": its tokens are refused from now on");
  }
  return Status::OK();
}

}  // namespace

Result<std::optional<std::string>> TokenFromFlagOrEnv(const std::string& flag) {
  std::string text = flag;
  if (text.empty()) {
    const char* env = std::getenv("WORM_TOKEN");
    if (env == nullptr || *env == '\0') return std::optional<std::string>();
    text = env;
  }
  if (text == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  std::string_view trimmed = Trim(text);
  if (trimmed.empty()) return Status::InvalidArgument("token: empty");
  return std::optional<std::string>(std::string(trimmed));
}

Result<TokenStores> OpenTokenStores(const Cli& cli, const ProjectDir& project) {
  TokenStores s;
  std::error_code ec;
  fs::create_directories(project.data_dir(), ec);
  if (ec) return Status::Internal(".worm/data: cannot create: " + ec.message());
  ASSIGN_OR_RETURN(s.bucket, NewLocalTransport(project.data_dir().string()));
  ASSIGN_OR_RETURN(std::string spec, cli.KeychainSpec());
  ASSIGN_OR_RETURN(s.keychain, security::OpenKeychain(spec));
  return s;
}

Result<Principal> TokenPrincipal(const Cli& cli, const ProjectDir& project,
                                 const std::string& token) {
  ASSIGN_OR_RETURN(TokenStores stores, OpenTokenStores(cli, project));
  ASSIGN_OR_RETURN(auto authority,
                   security::OpenTokenAuthority(stores.bucket.get(), stores.keychain.get()));
  return authority->Verify(token, NowSeconds());
}

void RegisterTokenCommands(CLI::App& app, Cli& cli) {
  auto* token = app.add_subcommand("token", "Scoped access tokens (docs/tokens.md)");
  token->require_subcommand(1);

  auto create_args = std::make_shared<CreateArgs>();
  auto* create = token->add_subcommand("create", "Mint a token with the current signing key");
  create->add_option("--as", create_args->as, "For this local identity (its roles)");
  create->add_option("--principal", create_args->principal, "For this principal id");
  create->add_option("--role", create_args->roles, "A role (repeat, or a,b)")->delimiter(',');
  create->add_option("--kid", create_args->kid, "Sign with this key instead of the current one");
  create->add_flag("--no-expiry", create_args->no_expiry, "No expiry (default: --ttl 24h)");
  create_args->r.Add(create);
  create->callback([&cli, create_args] { cli.Finish(RunCreate(cli, *create_args)); });

  auto att_args = std::make_shared<AttenuateArgs>();
  auto* att = token->add_subcommand("attenuate", "Narrow a token offline (no key needed)");
  att->add_option("token", att_args->token, "The token, '-' for stdin (default: $WORM_TOKEN)");
  auto* roles_opt = att->add_option("--roles", att_args->roles, "Keep only these roles")
                        ->delimiter(',')
                        ->expected(0, -1);
  att_args->r.Add(att);
  att->callback([&cli, att_args, roles_opt] {
    att_args->roles_given = roles_opt->count() > 0;
    cli.Finish(RunAttenuate(cli, *att_args));
  });

  auto verify_arg = std::make_shared<std::string>();
  auto* verify = token->add_subcommand("verify", "Check a token; print its principal and scopes");
  verify->add_option("token", *verify_arg, "The token, '-' for stdin (default: $WORM_TOKEN)");
  verify->callback([&cli, verify_arg] { cli.Finish(RunVerify(cli, *verify_arg)); });

  auto inspect_arg = std::make_shared<std::string>();
  auto* inspect = token->add_subcommand("inspect", "Decode a token without verifying it");
  inspect->add_option("token", *inspect_arg, "The token, '-' for stdin (default: $WORM_TOKEN)");
  inspect->callback([&cli, inspect_arg] { cli.Finish(RunInspect(cli, *inspect_arg)); });

  auto revoke_arg = std::make_shared<std::string>();
  auto revoke_reason = std::make_shared<std::string>();
  auto* revoke = token->add_subcommand("revoke", "Revoke a token (by token or token id)");
  revoke->add_option("token", *revoke_arg, "The token or its id, '-' for stdin")->required();
  revoke->add_option("--reason", *revoke_reason, "Why (kept in .worm.keys/revoked.json)");
  revoke->callback([&cli, revoke_arg, revoke_reason] {
    cli.Finish(RunRevoke(cli, *revoke_arg, *revoke_reason));
  });

  auto* list = token->add_subcommand("list", "List revoked tokens");
  list->callback([&cli] { cli.Finish(RunList(cli)); });

  auto* keys = app.add_subcommand("keys", "Token signing keys (secrets in the keychain)");
  keys->require_subcommand(1);
  auto kc_kid = std::make_shared<std::string>();
  auto kc_current = std::make_shared<bool>(false);
  auto* kc = keys->add_subcommand("create", "Create a signing key (current when none is)");
  kc->add_option("kid", *kc_kid, "Key id (default: a fresh one)");
  kc->add_flag("--current", *kc_current, "Make it the current key");
  kc->callback(
      [&cli, kc_kid, kc_current] { cli.Finish(RunKeysCreate(cli, *kc_kid, *kc_current)); });
  auto* kl = keys->add_subcommand("list", "List signing keys (never their secrets)");
  kl->callback([&cli] { cli.Finish(RunKeysList(cli)); });
  auto kr_kid = std::make_shared<std::string>();
  auto* kr = keys->add_subcommand("rotate", "Create a new key and make it current");
  kr->add_option("kid", *kr_kid, "Key id (default: a fresh one)");
  kr->callback([&cli, kr_kid] { cli.Finish(RunKeysCreate(cli, *kr_kid, true)); });
  auto kt_kid = std::make_shared<std::string>();
  auto* kt = keys->add_subcommand("retire", "Retire a key: its tokens are refused");
  kt->add_option("kid", *kt_kid, "Key id")->required();
  kt->callback([&cli, kt_kid] { cli.Finish(RunKeysRetire(cli, *kt_kid)); });
}

}  // namespace worm::cli

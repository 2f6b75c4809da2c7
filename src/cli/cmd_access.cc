// Access commands: worm identity add|list|remove|set-roles (.worm/identities.json),
// worm access explain (which rule decides, with its line:column in
// schema.json), worm access export --format aws-policy.
// docs/access-control.md is the reference.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/cli.h"
#include "cli/token_principal.h"
#include "core/strings.h"
#include "schema/resolver.h"
#include "schema/schema.h"
#include "security/aws_export.h"
#include "security/entity_grants.h"
#include "security/identity.h"
#include "sync/remote_config.h"
#include "worm/access.h"
#include "worm/repository.h"

namespace worm::cli {

namespace {

struct ProjectPolicy {
  ProjectDir dir;
  std::string text;
  schema::Schema schema;
  std::shared_ptr<const AccessPolicy> policy;
};

Result<ProjectPolicy> LoadPolicy(const Cli& cli) {
  ProjectPolicy out;
  ASSIGN_OR_RETURN(out.dir, cli.Project());
  std::string path = out.dir.schema_path().string();
  auto s = schema::LoadSchemaFile(path);
  if (!s.ok()) {
    return Status::InvalidArgument(s.status().message() +
                                   " (run `worm lint` to see every problem)");
  }
  out.schema = std::move(*s);
  ASSIGN_OR_RETURN(out.text, ReadInput(path));
  auto policy = CompileAccessPolicy(out.schema, out.text);
  if (!policy.ok()) {
    return Status::InvalidArgument(".worm/schema.json: " + policy.status().message() +
                                   " (run `worm lint` to see every problem)");
  }
  out.policy = std::move(*policy);
  return out;
}

// Roles must be declared in the schema's access section (when it has one).
Status CheckRoles(const AccessPolicy& policy, const std::vector<std::string>& roles) {
  if (!policy.enabled()) return Status::OK();
  std::vector<std::string> known = policy.Roles();
  for (const std::string& r : roles) {
    if (std::find(known.begin(), known.end(), r) == known.end()) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      return Status::InvalidArgument("role '" + r +
                                     "' is not declared in schema.json's access.roles" +
                                     (list.empty() ? std::string() : " (known: " + list + ")"));
    }
  }
  return Status::OK();
}

Json IdentityJson(const security::Identity& i) {
  return {{"id", i.id}, {"roles", i.roles}, {"accessKeys", i.access_keys}};
}

// ---- identity ------------------------------------------------------------------

struct IdentityArgs {
  std::string id;
  std::vector<std::string> roles;
  std::vector<std::string> access_keys;
};

Status RunIdentityAdd(Cli& cli, const IdentityArgs& a, bool replace_roles) {
  ASSIGN_OR_RETURN(ProjectPolicy pp, LoadPolicy(cli));
  std::string root = pp.dir.root.string();
  ASSIGN_OR_RETURN(security::Identities ids, security::LoadIdentities(root));
  RETURN_NOT_OK(CheckRoles(*pp.policy, a.roles));
  auto it = ids.by_id.find(a.id);
  if (replace_roles) {
    if (it == ids.by_id.end()) RETURN_NOT_OK(ids.PrincipalFor(a.id).status());
    it->second.roles = a.roles;
  } else {
    if (it != ids.by_id.end()) {
      return Status::AlreadyExists("identity '" + a.id +
                                   "' exists; change its roles with `worm identity set-roles`");
    }
    for (const std::string& k : a.access_keys) {
      if (const security::Identity* owner = ids.ByAccessKey(k)) {
        return Status::AlreadyExists("access key " + k + " already belongs to '" + owner->id + "'");
      }
    }
    ids.by_id[a.id] = {a.id, a.roles, a.access_keys};
  }
  RETURN_NOT_OK(security::SaveIdentities(root, ids));
  const security::Identity& saved = ids.by_id[a.id];
  if (cli.json) {
    cli.PrintJson(IdentityJson(saved));
  } else {
    cli.Print(std::string(replace_roles ? "updated" : "added") + " identity " + a.id +
              " (roles: " + (a.roles.empty() ? "none" : Join(a.roles, ", ")) + ")");
  }
  return Status::OK();
}

Status RunIdentityList(Cli& cli) {
  ASSIGN_OR_RETURN(ProjectDir dir, cli.Project());
  ASSIGN_OR_RETURN(security::Identities ids, security::LoadIdentities(dir.root.string()));
  if (cli.json) {
    Json list = Json::array();
    for (const auto& [id, i] : ids.by_id) list.push_back(IdentityJson(i));
    cli.PrintJson(list);
    return Status::OK();
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& [id, i] : ids.by_id) {
    rows.push_back({id, Join(i.roles, ","), Join(i.access_keys, ",")});
  }
  cli.Print(rows.empty() ? "no identities (add one with `worm identity add ID --role R`)"
                         : RenderTable({"ID", "ROLES", "ACCESS KEYS"}, rows));
  return Status::OK();
}

Status RunIdentityRemove(Cli& cli, const std::string& id) {
  ASSIGN_OR_RETURN(ProjectDir dir, cli.Project());
  std::string root = dir.root.string();
  ASSIGN_OR_RETURN(security::Identities ids, security::LoadIdentities(root));
  RETURN_NOT_OK(ids.PrincipalFor(id).status());
  ids.by_id.erase(id);
  RETURN_NOT_OK(security::SaveIdentities(root, ids));
  if (cli.json) {
    cli.PrintJson({{"removed", id}});
  } else {
    cli.Print("removed identity " + id);
  }
  return Status::OK();
}

// ---- access explain ---------------------------------------------------------------

struct ExplainArgs {
  std::string as;
  bool anonymous = false;
  std::string action, target, id, data;
};

const char* EffectName(Decision::Effect e) {
  switch (e) {
    case Decision::Effect::kAllow:
      return "allow";
    case Decision::Effect::kDeny:
      return "deny";
    case Decision::Effect::kNeedsDocument:
      return "needs-document";
  }
  return "?";
}

Status RunExplain(Cli& cli, const ExplainArgs& a) {
  ASSIGN_OR_RETURN(ProjectPolicy pp, LoadPolicy(cli));
  std::optional<Action> action = ParseAction(a.action);
  if (!action) {
    return Status::InvalidArgument("unknown action '" + a.action +
                                   "': use read, list, create, update, delete, restore or admin");
  }
  Principal principal;
  // --token T (or $WORM_TOKEN): the token's principal, scopes included.
  ASSIGN_OR_RETURN(std::optional<std::string> token, TokenFromFlagOrEnv(cli.token_flag));
  if (token && (!a.as.empty() || a.anonymous)) {
    return Status::InvalidArgument(
        "--token (or WORM_TOKEN) and --as/--anonymous: give one of them");
  }
  if (token) {
    ASSIGN_OR_RETURN(principal, TokenPrincipal(cli, pp.dir, *token));
  } else if (!a.as.empty()) {
    ASSIGN_OR_RETURN(security::Identities ids, security::LoadIdentities(pp.dir.root.string()));
    ASSIGN_OR_RETURN(principal, ids.PrincipalFor(a.as));
  } else if (!a.anonymous) {
    return Status::InvalidArgument(
        "say who asks: --token T, --as ID (an identity of .worm/identities.json) or "
        "--anonymous");
  }
  AccessRequest req;
  req.principal = &principal;
  req.action = *action;
  const schema::Model* model = pp.schema.FindModel(a.target);
  schema::StorageResolver resolver(pp.schema);
  if (model != nullptr) {
    req.resource.model = model->name;
    if (!a.id.empty()) req.resource.ids = SplitNonEmpty(a.id, '/');
    if (model->singleton || !req.resource.ids.empty()) {
      ASSIGN_OR_RETURN(req.resource.key, resolver.EntityKey(*model, req.resource.ids));
    }
  } else {
    if (!a.id.empty()) {
      return Status::NotFound("no model '" + a.target + "' (with an id, the target is a model)");
    }
    req.resource.key = a.target;
    auto owner = resolver.Classify(a.target);
    if (owner.ok()) {
      model = owner->first;
      req.resource.model = model->name;
      req.resource.ids = owner->second;
    }
  }
  Json document, grants;
  bool read_document = false, grants_read = false;
  std::string note;
  if (!a.data.empty()) {
    ASSIGN_OR_RETURN(document, ParseJson(a.data, "--data"));
    req.document = &document;
  }
  Decision d = pp.policy->Decide(req);
  bool entity_known = model != nullptr && (model->singleton || !req.resource.ids.empty());
  if (d.effect == Decision::Effect::kNeedsDocument && req.document == nullptr && entity_known) {
    // Read the entity through the engine, without a principal: explain
    // answers for the rules, it does not itself read as the caller.
    ProjectOptions po;
    ASSIGN_OR_RETURN(auto project, Project::OpenAt(pp.dir.root.string(), po));
    ASSIGN_OR_RETURN(Repository * repo, project->Get(model->name));
    GetOptions go;
    go.with_deleted = *action == Action::kRestore;
    auto e = repo->Get(req.resource.ids, go);
    if (e.ok()) {
      document = std::move(e->document);
      req.document = &document;
      read_document = true;
    } else if (e.status().code() == StatusCode::kNotFound) {
      note = "the entity does not exist: pass --data with the proposed document";
    } else {
      return e.status();
    }
    if (pp.policy->UsesEntityGrants(model->name)) {
      ASSIGN_OR_RETURN(std::string gkey,
                       security::EntityGrantsKey(pp.schema, *model, req.resource.ids));
      auto obj = project->transport()->Get(gkey, {});
      if (obj.ok()) {
        ASSIGN_OR_RETURN(grants, ParseJson(obj->data, gkey));
        req.entity_grants = &grants;
        grants_read = true;
      } else if (obj.status().code() != StatusCode::kNotFound) {
        return obj.status();
      }
    }
    if (req.document != nullptr) d = pp.policy->Decide(req);
  }
  std::string who = principal.anonymous() ? "anonymous" : principal.id;
  std::string what =
      std::string(ActionName(*action)) + " " +
      (req.resource.model.empty() ? req.resource.key : req.resource.model) +
      (req.resource.model.empty() || req.resource.ids.empty() ? ""
                                                              : " " + Join(req.resource.ids, "/"));
  if (cli.json) {
    Json j = {
        {"allowed", d.allowed()},
        {"effect", EffectName(d.effect)},
        {"rule", d.rule},
        {"line", d.line},
        {"column", d.column},
        {"reason", d.reason},
        {"principal", {{"id", principal.id}, {"roles", principal.roles}}},
        {"action", ActionName(*action)},
        {"resource",
         {{"model", req.resource.model}, {"ids", req.resource.ids}, {"key", req.resource.key}}},
        {"documentRead", read_document},
        {"grantsRead", grants_read},
        {"accessControl", pp.policy->enabled()}};
    if (!note.empty()) j["note"] = note;
    if (model != nullptr && pp.policy->enabled()) {
      FieldAccess f = pp.policy->Fields(principal, model->name);
      j["fields"] = {{"hidden", f.hidden}, {"readOnly", f.read_only}};
    }
    cli.PrintJson(j);
  } else {
    std::string out = std::string(d.allowed()                           ? "allowed"
                                  : d.effect == Decision::Effect::kDeny ? "denied"
                                                                        : "undecided") +
                      ": " + what + " for " + who + "\n";
    if (!d.rule.empty()) {
      out += "  rule:   " + d.rule + " (.worm/schema.json:" + std::to_string(d.line) + ":" +
             std::to_string(d.column) + ")\n";
    }
    out += "  reason: " + d.reason;
    if (read_document) out += "\n  (the entity was read to evaluate its row-level rules)";
    if (!note.empty()) out += "\n  note:   " + note;
    if (model != nullptr && pp.policy->enabled()) {
      FieldAccess f = pp.policy->Fields(principal, model->name);
      if (!f.hidden.empty()) out += "\n  hidden fields:    " + Join(f.hidden, ", ");
      if (!f.read_only.empty()) out += "\n  read-only fields: " + Join(f.read_only, ", ");
    }
    cli.Print(out);
  }
  // The answer is data; the exit code says it too, for scripts.
  if (!d.allowed()) cli.exit_code = kExitDenied;
  return Status::OK();
}

// ---- access export -------------------------------------------------------------

struct ExportArgs {
  std::string format = "aws-policy";
  std::string bucket, prefix, remote, output;
  std::vector<std::string> maps;  // NAME=ARN
};

Status RunExport(Cli& cli, const ExportArgs& a) {
  if (a.format != "aws-policy") {
    return Status::InvalidArgument("--format " + a.format + ": the only format is aws-policy");
  }
  ASSIGN_OR_RETURN(ProjectPolicy pp, LoadPolicy(cli));
  security::AwsExportOptions opt;
  opt.bucket = a.bucket;
  opt.prefix = a.prefix;
  if (opt.bucket.empty()) {
    // The bucket (and prefix) of a remote: --remote, else origin or the only one.
    ASSIGN_OR_RETURN(Json config, sync::LoadConfig(pp.dir.config_path().string()));
    auto remote = sync::SelectRemote(config, a.remote);
    if (!remote.ok() || remote->url.rfind("s3://", 0) != 0) {
      return Status::InvalidArgument(
          "name the bucket: --bucket NAME (or add an s3:// remote with `worm remote add`)");
    }
    std::string rest = remote->url.substr(5);
    size_t slash = rest.find('/');
    opt.bucket = rest.substr(0, slash);
    if (slash != std::string::npos && opt.prefix.empty()) opt.prefix = rest.substr(slash + 1);
  }
  // Principals: awsPrincipals in identities.json, then --map (which wins).
  std::string root = pp.dir.root.string();
  ASSIGN_OR_RETURN(security::Identities ids, security::LoadIdentities(root));
  for (const auto& [id, ident] : ids.by_id) opt.identity_roles[id] = ident.roles;
  std::filesystem::path ipath = pp.dir.worm_dir / "identities.json";
  if (std::filesystem::exists(ipath)) {
    ASSIGN_OR_RETURN(std::string text, ReadInput(ipath.string()));
    ASSIGN_OR_RETURN(Json doc, ParseJson(text, ".worm/identities.json"));
    auto mapped = security::AwsPrincipalsFrom(doc);
    if (!mapped.ok()) return mapped.status().WithContext(".worm/identities.json");
    opt.principals = std::move(*mapped);
  }
  for (const std::string& m : a.maps) {
    size_t eq = m.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == m.size()) {
      return Status::InvalidArgument("--map " + m + ": write NAME=ARN (a role or identity id)");
    }
    opt.principals[m.substr(0, eq)] = {m.substr(eq + 1)};
  }
  ASSIGN_OR_RETURN(security::AwsExport e, security::ExportAwsPolicy(pp.schema, *pp.policy, opt));
  std::string text = e.policy.dump(2) + "\n";
  if (!a.output.empty()) {
    RETURN_NOT_OK(WriteFileAtomic(a.output, text));
  } else {
    std::fwrite(text.data(), 1, text.size(), stdout);
  }
  if (!e.notes.empty()) {
    std::string diag = "S3 will not enforce everything the schema says:";
    for (const std::string& n : e.notes) diag += "\n  - " + n;
    cli.Diag(diag);
  }
  return Status::OK();
}

}  // namespace

void RegisterAccessCommands(CLI::App& app, Cli& cli) {
  auto* identity =
      app.add_subcommand("identity", "Manage local identities (.worm/identities.json)");
  identity->require_subcommand(1);
  auto add = std::make_shared<IdentityArgs>();
  auto* add_cmd = identity->add_subcommand("add", "Add an identity: worm identity add ID --role R");
  add_cmd->add_option("id", add->id, "Identity id, e.g. alice")->required();
  add_cmd->add_option("--role", add->roles, "A role from schema.json's access.roles (repeatable)");
  add_cmd->add_option("--access-key", add->access_keys,
                      "An access key id for `worm serve` (repeatable; the secret goes in the "
                      "keychain)");
  add_cmd->callback([&cli, add] { cli.Finish(RunIdentityAdd(cli, *add, false)); });
  auto set = std::make_shared<IdentityArgs>();
  auto* set_cmd = identity->add_subcommand("set-roles", "Replace an identity's roles");
  set_cmd->add_option("id", set->id, "Identity id")->required();
  set_cmd->add_option("--role", set->roles, "A role (repeatable; none: no roles)");
  set_cmd->callback([&cli, set] { cli.Finish(RunIdentityAdd(cli, *set, true)); });
  identity->add_subcommand("list", "List identities")->callback([&cli] {
    cli.Finish(RunIdentityList(cli));
  });
  auto rm = std::make_shared<std::string>();
  auto* rm_cmd = identity->add_subcommand("remove", "Remove an identity");
  rm_cmd->add_option("id", *rm, "Identity id")->required();
  rm_cmd->callback([&cli, rm] { cli.Finish(RunIdentityRemove(cli, *rm)); });

  auto* access = app.add_subcommand("access", "Explain and export the schema's access rules");
  access->require_subcommand(1);
  auto ex = std::make_shared<ExplainArgs>();
  auto* explain = access->add_subcommand(
      "explain", "Whether ID may do ACTION on a model, entity or key, and the rule that decides");
  explain->add_option("--as", ex->as, "Identity id (.worm/identities.json)");
  explain->add_flag("--anonymous", ex->anonymous, "Ask for an anonymous caller");
  explain->add_option("action", ex->action, "read, list, create, update, delete, restore, admin")
      ->required();
  explain->add_option("target", ex->target, "A model name or an object key")->required();
  explain->add_option("id", ex->id, "The entity id (composite ids as a/b)");
  explain->add_option("--data", ex->data, "The proposed document (create, update)");
  explain->callback([&cli, ex] { cli.Finish(RunExplain(cli, *ex)); });
  auto exp = std::make_shared<ExportArgs>();
  auto* export_cmd = access->add_subcommand(
      "export", "Write the path-level rules as an AWS bucket policy (stdout, or --output)");
  export_cmd->add_option("--format", exp->format, "aws-policy (the default and only format)");
  export_cmd->add_option("--bucket", exp->bucket, "Bucket name (default: the remote's)");
  export_cmd->add_option("--prefix", exp->prefix, "Key prefix of the project in the bucket");
  export_cmd->add_option("--remote", exp->remote, "Remote whose bucket to use");
  export_cmd->add_option("--map", exp->maps, "NAME=ARN: a role's or identity's AWS principal");
  export_cmd->add_option("--output", exp->output, "Write the policy to this file");
  export_cmd->callback([&cli, exp] { cli.Finish(RunExport(cli, *exp)); });
}

}  // namespace worm::cli

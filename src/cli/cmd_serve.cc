// worm serve: an S3-compatible server over a folder (src/server).
//
//   worm serve [--root DIR] [--bind A] [--port N] [--anonymous]
//              [--access-key K --secret-key S] [--identities FILE]
//              [--threads N] [--fsync|--no-fsync]
//              [--max-connections N] [--body-min-rate BYTES_PER_S]
//              [--abandoned-upload-age 7d] [--completed-upload-retention 24h]
//
// Project mode (no --root) serves the project's .worm/data as the one bucket
// named by "serve": {"bucket": ..., "port": ...} in .worm/config.json. The
// first line on stdout is "listening on http://HOST:PORT" (with --port 0 the
// kernel picks a free port). SIGINT / SIGTERM shut down gracefully.
//
// Multipart uploads not completed within --abandoned-upload-age of their
// initiation are removed (at start, then hourly); a repeated Complete of a
// completed upload is answered for --completed-upload-retention
// (src/server/upload_staging.h, handlers_multipart.cc).
//
// Access (docs/serve-access.md): --access-key/--secret-key is the root
// identity (the operator, owner of every bucket); --identities FILE (or the
// project's .worm/identities.json) adds identities, each signing with its
// own access keys, whose secrets come from the keychain ("identity/<id>/<key>").
// Bucket policies, ACLs, Block Public Access and ownership controls decide
// what each may do; --anonymous lets unsigned requests do everything no
// policy explicitly denies them.
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "cli/cli.h"
#include "cli/serve_options.h"
#include "cli/token_principal.h"
#include "security/identity.h"
#include "security/keychain.h"
#include "security/token_authority.h"
#include "server/s3_errors.h"
#include "server/schema_access.h"
#include "worm/access.h"

namespace worm::cli {

namespace {

// Project mode: the data folder, bucket name and port from .worm/config.json.
Status ConfigureProject(const Cli& cli, const ServeFlags& f, server::ServerOptions* o) {
  ASSIGN_OR_RETURN(ProjectDir project, cli.Project());
  o->service.store.root = project.data_dir().string();
  std::error_code ec;
  std::filesystem::create_directories(project.data_dir(), ec);
  if (std::filesystem::exists(project.config_path())) {
    ASSIGN_OR_RETURN(std::string text, ReadInput(project.config_path().string()));
    ASSIGN_OR_RETURN(Json config, ParseJson(text, project.config_path().string()));
    const Json serve = config.value("serve", Json::object());
    if (serve.is_object()) {
      o->service.store.project_bucket = serve.value("bucket", std::string("local"));
      if (f.port < 0) o->port = static_cast<uint16_t>(serve.value("port", 9000));
    }
  }
  RETURN_NOT_OK(server::ValidateBucketName(o->service.store.project_bucket)
                    .WithContext(project.config_path().string() + ": serve.bucket"));
  return Status::OK();
}

// The keychain holding identities' secrets: $WORM_KEYCHAIN, else the
// project's file keychain when it exists, else the environment keychain
// (WORM_SECRET_<NAME>), which needs no file and no passphrase.
Result<std::unique_ptr<security::Keychain>> ServeKeychain(const Cli& cli) {
  const char* env = std::getenv("WORM_KEYCHAIN");
  if (env != nullptr && *env != '\0') return security::OpenKeychain(env);
  Result<ProjectDir> project = cli.Project();
  if (project.ok() && std::filesystem::exists(project->keychain_path())) {
    return security::OpenKeychain(security::DefaultKeychainSpec(project->root.string()));
  }
  return security::OpenKeychain("env");
}

// --identities FILE: the .worm/identities.json format (security/identity.h)
// at any path. Only ids and access keys matter to the server.
Result<security::Identities> IdentitiesFile(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadInput(path));
  ASSIGN_OR_RETURN(Json doc, ParseJson(text, path));
  const std::string where = std::filesystem::path(path).filename().string();
  if (!doc.is_object() || !doc.contains("identities") || !doc["identities"].is_object()) {
    return Status::InvalidArgument(where + ": expected {\"identities\": {\"<id>\": {...}}}");
  }
  security::Identities out;
  for (auto it = doc["identities"].begin(); it != doc["identities"].end(); ++it) {
    const std::string at = where + ": /identities/" + it.key();
    if (!it.value().is_object()) return Status::InvalidArgument(at + ": expected an object");
    security::Identity identity;
    identity.id = it.key();
    const Json keys = it.value().value("accessKeys", Json::array());
    if (!keys.is_array()) return Status::InvalidArgument(at + "/accessKeys: expected a list");
    for (const Json& k : keys) {
      if (!k.is_string() || k.get<std::string>().empty()) {
        return Status::InvalidArgument(at + "/accessKeys: expected access key ids");
      }
      identity.access_keys.push_back(k.get<std::string>());
    }
    out.by_id[identity.id] = std::move(identity);
  }
  return out;
}

// --identities FILE, else <project>/.worm/identities.json (LoadIdentities):
// each identity's access keys, with their secrets from the keychain
// ("identity/<id>/<access key id>"), into the authenticator's tables.
Status ConfigureIdentities(const Cli& cli, const ServeFlags& f, server::ServerOptions* o) {
  security::Identities identities;
  if (!f.identities.empty()) {
    ASSIGN_OR_RETURN(identities, IdentitiesFile(f.identities));
  } else {
    Result<ProjectDir> project = cli.Project();
    if (!project.ok()) return Status::OK();
    ASSIGN_OR_RETURN(identities, security::LoadIdentities(project->root.string()));
  }
  if (identities.by_id.empty()) return Status::OK();
  ASSIGN_OR_RETURN(std::unique_ptr<security::Keychain> keychain, ServeKeychain(cli));
  for (const auto& [id, identity] : identities.by_id) {
    if (id.empty() || id == o->service.access.root_identity ||
        id.find_first_of("/:*? ") != std::string::npos) {
      return Status::InvalidArgument("serve: identity id '" + id +
                                     "' is reserved or holds '/', ':', '*', '?' or a space");
    }
    for (const std::string& key : identity.access_keys) {
      if (o->service.auth.secrets.count(key)) {
        return Status::InvalidArgument("serve: access key " + key + " of identity " + id +
                                       " is already in use by another identity");
      }
      const std::string name = security::IdentitySecretName(id, key);
      Result<std::string> secret = keychain->Get(name);
      if (!secret.ok()) {
        return Status::InvalidArgument("serve: no secret for access key " + key + " of identity " +
                                       id + " in the keychain " + keychain->Describe() +
                                       " (entry \"" + name + "\"): " + secret.status().message());
      }
      o->service.auth.secrets[key] = *secret;
      o->service.auth.identities[key] = id;
    }
  }
  return Status::OK();
}

// A TokenAuthority that owns what it reads (the data folder's transport for
// .worm.keys/, the keychain with the signing keys) for the server's life.
class OwningTokenAuthority : public security::TokenAuthority {
 public:
  OwningTokenAuthority(TokenStores stores, std::unique_ptr<security::TokenAuthority> inner)
      : stores_(std::move(stores)), inner_(std::move(inner)) {}
  Result<Principal> Verify(std::string_view token, int64_t now_seconds) const override {
    return inner_->Verify(token, now_seconds);
  }

 private:
  TokenStores stores_;
  std::unique_ptr<security::TokenAuthority> inner_;
};

// Project mode with an "access" section in the schema: its rules on the
// project bucket for every identity but the root one (schema_access.h), the
// identities' roles, and bearer tokens once signing keys exist (`worm keys
// create` wrote .worm.keys/keys.json).
Status ConfigureSchemaAccess(const Cli& cli, server::ServerOptions* o) {
  ASSIGN_OR_RETURN(ProjectDir project, cli.Project());
  const std::string where = ".worm/" + project.schema_path().filename().string();
  ASSIGN_OR_RETURN(std::string text, ReadInput(project.schema_path().string()));
  ASSIGN_OR_RETURN(Json doc, ParseJson(text, where));
  Result<schema::Schema> loaded = schema::LoadSchema(doc);
  if (!loaded.ok()) return loaded.status().WithContext(where);
  auto schema = std::make_shared<const schema::Schema>(std::move(loaded).value());
  ASSIGN_OR_RETURN(std::shared_ptr<const AccessPolicy> policy, CompileAccessPolicy(*schema, text));
  if (!policy->enabled()) return Status::OK();
  server::SchemaAccessOptions options;
  options.bucket = o->service.store.project_bucket;
  options.schema = schema;
  options.policy = policy;
  ASSIGN_OR_RETURN(security::Identities identities,
                   security::LoadIdentities(project.root.string()));
  for (const auto& [id, identity] : identities.by_id) options.roles[id] = identity.roles;
  o->service.access.schema = std::make_shared<const server::SchemaAccess>(std::move(options));

  std::error_code ec;
  if (!std::filesystem::exists(project.data_dir() / layout::kKeysPrefix / "keys.json", ec)) {
    return Status::OK();  // no signing keys: no bearer tokens
  }
  ASSIGN_OR_RETURN(TokenStores stores, OpenTokenStores(cli, project));
  ASSIGN_OR_RETURN(std::unique_ptr<security::TokenAuthority> inner,
                   security::OpenTokenAuthority(stores.bucket.get(), stores.keychain.get()));
  o->service.auth.tokens =
      std::make_shared<const OwningTokenAuthority>(std::move(stores), std::move(inner));
  return Status::OK();
}

}  // namespace

namespace {

// Clients get S3's generic message for a server fault; the operator gets the
// detail, with the request id the client saw.
void LogServerFault(std::string_view request_id, const Status& status) {
  std::fprintf(stderr, "worm serve: request %.*s failed: %s\n", static_cast<int>(request_id.size()),
               request_id.data(), status.ToString().c_str());
}

// What a sweep of multipart staging removed (nothing: silent), or its error.
void ReportSweep(const Result<server::SweepStats>& r) {
  if (!r.ok()) {
    std::fprintf(stderr, "worm serve: multipart staging sweep: %s\n",
                 r.status().ToString().c_str());
    return;
  }
  if (r->abandoned + r->completed + r->orphaned == 0) return;
  std::fprintf(stderr,
               "worm serve: removed %d abandoned multipart upload(s), %d expired completion "
               "record(s), %d orphaned staging folder(s): %llu bytes freed\n",
               r->abandoned, r->completed, r->orphaned, static_cast<unsigned long long>(r->bytes));
}

}  // namespace

Result<server::ServerOptions> BuildServeOptions(const Cli& cli, const ServeFlags& f) {
  server::SetInternalErrorLog(&LogServerFault);
  server::ServerOptions o;
  o.bind = f.bind;
  o.port = f.port >= 0 ? static_cast<uint16_t>(f.port) : 9000;
  o.threads = f.threads;
  o.max_connections = f.max_connections;
  o.body_min_rate = f.body_min_rate;
  o.service.store.sync = f.fsync;
  o.service.store.max_watches = WatchLimitFromEnv();
  o.service.region = f.region;
  ASSIGN_OR_RETURN(int64_t abandoned,
                   ParseDuration(f.abandoned_upload_age, "--abandoned-upload-age"));
  ASSIGN_OR_RETURN(int64_t retention,
                   ParseDuration(f.completed_upload_retention, "--completed-upload-retention"));
  o.service.abandoned_upload_age_ms = abandoned * 1000;
  o.service.completed_upload_retention_ms = retention * 1000;
  o.on_upload_sweep = &ReportSweep;
  if (!f.root.empty()) {
    o.service.store.root_mode = true;
    o.service.store.root = std::filesystem::absolute(f.root).string();
    std::error_code ec;
    std::filesystem::create_directories(o.service.store.root, ec);
    if (ec)
      return Status::InvalidArgument("serve: cannot create --root " + f.root + ": " + ec.message());
  } else {
    RETURN_NOT_OK(ConfigureProject(cli, f, &o));
  }
  std::string key = f.access_key, secret = f.secret_key;
  if (key.empty() && std::getenv("WORM_ACCESS_KEY_ID")) key = std::getenv("WORM_ACCESS_KEY_ID");
  if (secret.empty() && std::getenv("WORM_SECRET_ACCESS_KEY")) {
    secret = std::getenv("WORM_SECRET_ACCESS_KEY");
  }
  if (key.empty() != secret.empty()) {
    return Status::InvalidArgument("serve: give both an access key and a secret key");
  }
  if (!key.empty()) o.service.auth.secrets[key] = secret;
  o.service.auth.allow_anonymous = f.anonymous;
  o.service.access.enabled = true;
  o.service.access.anonymous_all = f.anonymous;
  RETURN_NOT_OK(ConfigureIdentities(cli, f, &o));
  if (f.root.empty()) RETURN_NOT_OK(ConfigureSchemaAccess(cli, &o));
  if (o.service.auth.secrets.empty() && !f.anonymous) {
    return Status::InvalidArgument(
        "serve: no credentials: pass --access-key K --secret-key S (or set "
        "WORM_ACCESS_KEY_ID / WORM_SECRET_ACCESS_KEY), or --anonymous to accept unsigned "
        "requests");
  }
  return o;
}

int64_t WatchLimitFromEnv() {
  const char* env = std::getenv("WORM_WATCH_LIMIT");
  if (env == nullptr || *env == '\0') return -1;
  char* end = nullptr;
  const long long v = std::strtoll(env, &end, 10);
  return end != nullptr && *end == '\0' && v >= 0 ? static_cast<int64_t>(v) : 0;
}

sigset_t BlockStopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  return signals;
}

void AddServeFlags(CLI::App* cmd, ServeFlags* flags) {
  cmd->add_option("--bind", flags->bind, "Address to listen on (default 127.0.0.1)");
  cmd->add_flag("--anonymous", flags->anonymous, "Accept unsigned requests");
  cmd->add_option("--access-key", flags->access_key, "Access key id (or WORM_ACCESS_KEY_ID)");
  cmd->add_option("--secret-key", flags->secret_key, "Secret key (or WORM_SECRET_ACCESS_KEY)");
  cmd->add_option("--identities", flags->identities,
                  "Identities file (default: the project's .worm/identities.json); their "
                  "secrets come from the keychain");
  cmd->add_option("--threads", flags->threads, "Server threads (default: one per core)");
  cmd->add_flag("--fsync,!--no-fsync", flags->fsync,
                "fsync before acknowledging writes (default); --no-fsync trades durability for "
                "speed");
  cmd->add_option("--region", flags->region, "Region reported to clients (default us-east-1)");
  cmd->add_option("--max-connections", flags->max_connections,
                  "Most connections served at once; more wait to be accepted (default " +
                      std::to_string(flags->max_connections) + ")")
      ->check(CLI::Range(1, 1 << 30));
  cmd->add_option("--body-min-rate", flags->body_min_rate,
                  "Close uploads slower than this many bytes/s over 30 s, 0: no minimum "
                  "(default " +
                      std::to_string(flags->body_min_rate) + ")");
  cmd->add_option("--abandoned-upload-age", flags->abandoned_upload_age,
                  "Remove multipart uploads not completed this long after they began, e.g. 7d, "
                  "12h; 0: never (default " +
                      flags->abandoned_upload_age + ")");
  cmd->add_option("--completed-upload-retention", flags->completed_upload_retention,
                  "Answer a repeated CompleteMultipartUpload with the first result this long "
                  "(default " +
                      flags->completed_upload_retention + ")");
}

namespace {

// Each connection holds a descriptor and requests open files: with the usual
// soft limit of 1024, --max-connections 1024 would run out of descriptors
// first (the server then backs off accepting, and requests needing a file get
// 503 SlowDown). Raise the soft limit towards the hard one, as Go programs do
// at start-up, and say so when even the hard limit is too low.
void RaiseDescriptorLimit(const Cli& cli, int max_connections) {
  constexpr rlim_t kForFiles = 256;  // descriptors kept for files, listings, the watcher
  rlim_t want = static_cast<rlim_t>(max_connections) + kForFiles;
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want) return;
  rlimit raised = rl;
  raised.rlim_cur = rl.rlim_max == RLIM_INFINITY ? want : std::min(want, rl.rlim_max);
  if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) rl = raised;
  if (rl.rlim_cur < want) {
    cli.Diag("worm serve: warning: the open-file limit (" + std::to_string(rl.rlim_cur) +
             ") is below --max-connections " + std::to_string(max_connections) + " + " +
             std::to_string(kForFiles) + "; raise `ulimit -n` or lower --max-connections");
  }
}

Status RunServe(Cli& cli, const ServeFlags& f) {
  ASSIGN_OR_RETURN(server::ServerOptions options, BuildServeOptions(cli, f));
  RaiseDescriptorLimit(cli, options.max_connections);
  // Before the server threads start, so only this thread receives them (sigwait).
  sigset_t signals = BlockStopSignals();
  std::string root = options.service.store.root;
  bool root_mode = options.service.store.root_mode;
  std::string bucket = options.service.store.project_bucket;
  ASSIGN_OR_RETURN(std::unique_ptr<server::Server> server,
                   server::Server::Start(std::move(options)));
  if (cli.json) {
    cli.PrintJson({{"url", server->url()},
                   {"port", server->port()},
                   {"root", root},
                   {"bucket", root_mode ? Json(nullptr) : Json(bucket)}});
  } else {
    cli.Print("listening on " + server->url());
    cli.Diag(root_mode ? "worm serve: buckets are the folders of " + root
                       : "worm serve: bucket '" + bucket + "' is " + root);
  }
  int sig = 0;
  sigwait(&signals, &sig);
  cli.Diag("worm serve: shutting down (finishing requests in flight)");
  server->Shutdown();
  server->Wait(30);
  return Status::OK();
}

}  // namespace

void RegisterServeCommand(CLI::App& app, Cli& cli) {
  auto flags = std::make_shared<ServeFlags>();
  auto* cmd = app.add_subcommand("serve", "Serve a folder as an S3-compatible endpoint");
  cmd->add_option("--root", flags->root, "Serve every sub-folder of DIR as a bucket");
  cmd->add_option("--port", flags->port,
                  "Port (default: serve.port in config.json, else 9000; 0 picks one)");
  AddServeFlags(cmd, flags.get());
  cmd->callback([&cli, flags] { cli.Finish(RunServe(cli, *flags)); });
}

}  // namespace worm::cli

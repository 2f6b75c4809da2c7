// Opening a project's configured remote for the CLI: as it is (worm url,
// worm doctor), or read-only under the local schema for the read commands
// (worm query | get | ls --remote NAME), which see the remote's objects
// instead of .worm/data and must never change the remote.
//
// Thread-safety: the functions are thread-safe; what they return is safe for
// concurrent use (as sync::OpenedRemote and Project).
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "cli/cli.h"
#include "sync/remote.h"
#include "worm/repository.h"

namespace worm::cli {

// The project's remote `name` (empty: "origin", or the only one), from
// .worm/config.json; credentials from the environment or the remote's
// profile, never from the config. Errors name the remote.
Result<sync::OpenedRemote> OpenNamedRemote(const Cli& cli, const std::string& name);

// The local schema (.worm/schema.json) over the objects of remote `name`.
struct RemoteProject {
  // remote.transport refuses every write (PermissionDenied naming the
  // remote): retries over request counting over the backend, read-only on
  // top. remote.counts counts what was sent.
  sync::OpenedRemote remote;
  // Opening it sends no request and writes nothing; reads go to the remote.
  std::unique_ptr<Project> project;
  // The remote's own query cache: .worm/cache/remotes/<name> (one
  // docs.sqlite per model below it), apart from the local data's.
  std::filesystem::path cache_dir;
};

// Opens remote `name` read-only for worm query/get/ls --remote. `name` must
// be given (a read says which remote it reads). NotFound for an unknown
// remote; InvalidArgument for a remote name that cannot name a folder.
Result<RemoteProject> OpenRemoteProject(const Cli& cli, const std::string& name,
                                        const ProjectOptions& options = {});

// What --stats prints: "requests to remote origin: HEAD=0 GET=7/840B PUT=0
// LIST=3 DELETE=0 COPY=0" (TransportCounts::ToString).
std::string RequestsLine(const RemoteProject& remote);
// {"HEAD": n, "GET": n, "PUT": n, "LIST": n, "DELETE": n, "COPY": n, "total": n},
// as worm status/push/pull print it.
Json RequestsJson(const TransportCounts& counts);

}  // namespace worm::cli

// Opening a configured remote as a Transport: s3:// remotes through the S3
// transport (wrapped for retries and request counting), file:// remotes
// through the local filesystem transport.
//
// Thread-safety: OpenRemote is thread-safe; the returned transports are
// safe for concurrent use.
#pragma once

#include <memory>

#include "core/json_util.h"
#include "sync/remote_config.h"
#include "transport/counting_transport.h"
#include "worm/transport.h"

namespace worm {
class S3Transport;
}

namespace worm::sync {

struct OpenedRemote {
  RemoteConfig config;
  // What to sync against: retries over request counting over the backend.
  std::shared_ptr<Transport> transport;
  // Counts the requests actually sent (retries included).
  std::shared_ptr<CountingTransport> counts;
  // The S3 backend itself (presign, probe); null for file:// remotes.
  std::shared_ptr<S3Transport> s3;
};

// Opens `remote` (from `config`, the parsed config.json). Unimplemented when
// the build has no S3 transport; errors from the transport's factory (bad
// options, no credentials) pass through with the remote's name.
//
// With `cache_dir` (a project's ".worm/cache"), what the S3 transport's
// probe learned about the server (its quirks: the If-Match form, whether
// DELETE honours If-Match, ...) is kept in
// <cache_dir>/remotes/<name>/server.json for kBehaviourMaxAgeMs, so commands
// do not re-probe; `worm doctor` re-probes and rewrites it. An entry for a
// different endpoint, bucket or region, or an unreadable one, is ignored.
Result<OpenedRemote> OpenRemote(const Json& config, const RemoteConfig& remote,
                                const std::string& cache_dir = "");

// A cached server behaviour is trusted this long (a server upgrade can
// change it; the probe costs about 15 requests).
inline constexpr int64_t kBehaviourMaxAgeMs = int64_t{24} * 3600 * 1000;

}  // namespace worm::sync

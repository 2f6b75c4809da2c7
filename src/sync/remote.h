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
Result<OpenedRemote> OpenRemote(const Json& config, const RemoteConfig& remote);

}  // namespace worm::sync

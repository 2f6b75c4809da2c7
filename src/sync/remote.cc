#include "sync/remote.h"

#ifdef WORM_HAVE_S3
#include "transport/retrying_transport.h"
#include "transport/s3/s3_config.h"
#include "transport/s3/s3_transport.h"
#endif

namespace worm::sync {

Result<OpenedRemote> OpenRemote(const Json& config, const RemoteConfig& remote) {
  OpenedRemote out;
  out.config = remote;
  std::shared_ptr<Transport> backend;
  if (remote.is_file()) {
    LocalTransportOptions lo;
    auto t = NewLocalTransport(remote.file_path(), lo);
    if (!t.ok()) return t.status().WithContext("remote " + remote.name);
    backend = *t;
  } else {
#ifdef WORM_HAVE_S3
    auto options = S3OptionsFromConfig(config, remote.name);
    if (!options.ok()) return options.status();
    auto s3 = S3Transport::Make(*options);
    if (!s3.ok()) return s3.status().WithContext("remote " + remote.name);
    out.s3 = *s3;
    backend = out.s3;
#else
    return Status::Unimplemented("remote " + remote.name +
                                 ": this build has no S3 transport (only file:// remotes)");
#endif
  }
  out.counts = NewCountingTransport(backend);
#ifdef WORM_HAVE_S3
  out.transport =
      remote.is_file() ? std::shared_ptr<Transport>(out.counts) : NewRetryingTransport(out.counts);
#else
  out.transport = out.counts;
#endif
  return out;
}

}  // namespace worm::sync

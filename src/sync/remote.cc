#include "sync/remote.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>

#include "core/layout.h"
#include "transport/retrying_transport.h"
#include "transport/s3/s3_config.h"
#include "transport/s3/s3_transport.h"

namespace worm::sync {

namespace {

// What identifies the server a cached behaviour was measured on.
Json ServerIdentity(const S3Options& o) {
  return {{"endpoint", o.endpoint}, {"bucket", o.bucket}, {"region", o.region}};
}

std::optional<S3ProbeResult> LoadBehaviour(const std::filesystem::path& path, const S3Options& o) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto j = ParseJson(text, "server behaviour");
  if (!j.ok() || !j->is_object() || j->value("server", Json()) != ServerIdentity(o)) {
    return std::nullopt;
  }
  int64_t at = j->value("probedAtMs", int64_t{0});
  int64_t now = Clock::Default()->NowMillis();
  if (at <= 0 || now - at > kBehaviourMaxAgeMs || at > now + 60'000) return std::nullopt;
  auto b = S3ProbeFromJson(j->value("behaviour", Json()).dump());
  if (!b.ok()) return std::nullopt;
  return *b;
}

// Best effort: a cache that cannot be written only costs a probe next time.
void SaveBehaviour(const std::filesystem::path& path, const S3Options& o, const S3ProbeResult& r) {
  auto behaviour = ParseJson(S3ProbeToJson(r), "server behaviour");
  if (!behaviour.ok()) return;
  Json doc = {{"server", ServerIdentity(o)},
              {"probedAtMs", Clock::Default()->NowMillis()},
              {"behaviour", *behaviour}};
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  std::filesystem::path tmp = path;
  tmp += ".tmp" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << doc.dump(2) << "\n";
    if (!out) return;
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) std::filesystem::remove(tmp, ec);
}

}  // namespace

Result<OpenedRemote> OpenRemote(const Json& config, const RemoteConfig& remote,
                                const std::string& cache_dir) {
  OpenedRemote out;
  out.config = remote;
  std::shared_ptr<Transport> backend;
  if (remote.is_file()) {
    LocalTransportOptions lo;
    auto t = NewLocalTransport(remote.file_path(), lo);
    if (!t.ok()) return t.status().WithContext("remote " + remote.name);
    backend = *t;
  } else {
    auto options = S3OptionsFromConfig(config, remote.name);
    if (!options.ok()) return options.status();
    // The name becomes a folder: only names `worm remote add` accepts.
    if (!cache_dir.empty() && ValidateRemoteName(remote.name).ok()) {
      std::filesystem::path path =
          layout::RemoteCacheDir(cache_dir, remote.name) / layout::kServerBehaviourFile;
      options->known_behaviour = LoadBehaviour(path, *options);
      options->on_probed = [path, o = *options](const S3ProbeResult& r) {
        SaveBehaviour(path, o, r);
      };
    }
    auto s3 = S3Transport::Make(*options);
    if (!s3.ok()) return s3.status().WithContext("remote " + remote.name);
    out.s3 = *s3;
    backend = out.s3;
  }
  out.counts = NewCountingTransport(backend);
  out.transport =
      remote.is_file() ? std::shared_ptr<Transport>(out.counts) : NewRetryingTransport(out.counts);
  return out;
}

}  // namespace worm::sync

#include "cli/open_remote.h"

#include <utility>

#include "schema/schema.h"
#include "sync/remote_config.h"

namespace worm::cli {

namespace {

// Refuses every write, so a read command can change nothing on the remote
// even by mistake (a sentinel, an oplog entry, a repair).
class ReadOnlyTransport final : public TransportWrapper {
 public:
  ReadOnlyTransport(std::shared_ptr<Transport> target, std::string remote)
      : TransportWrapper(std::move(target)), remote_(std::move(remote)) {}

  Result<PutResult> Put(const Key& key, ByteView, const WriteOptions&) override {
    return Refuse("PUT", key);
  }
  Result<std::unique_ptr<WriteStream>> OpenWrite(const Key& key, const WriteOptions&) override {
    return Refuse("PUT", key);
  }
  Status Delete(const Key& key, const DeleteOptions&) override { return Refuse("DELETE", key); }
  // Nothing is writable here; answering so also never triggers the S3
  // transport's capability probe (which writes under .worm.probe/).
  Capabilities capabilities() const override {
    Capabilities c;
    c.name = "read-only";
    c.conditional_create = c.conditional_update = c.conditional_delete = false;
    return c;
  }
  Result<PutResult> Copy(const Key&, const Key& to, const WriteOptions&) override {
    return Refuse("COPY", to);
  }

 private:
  Status Refuse(const char* op, const Key& key) const {
    return Status::PermissionDenied("remote " + remote_ + " is opened read-only here: refusing " +
                                    op + " " + key);
  }
  std::string remote_;
};

}  // namespace

Result<sync::OpenedRemote> OpenNamedRemote(const Cli& cli, const std::string& name) {
  ASSIGN_OR_RETURN(ProjectDir p, cli.Project());
  ASSIGN_OR_RETURN(Json config, sync::LoadConfig(p.config_path().string()));
  ASSIGN_OR_RETURN(sync::RemoteConfig r, sync::SelectRemote(config, name));
  return sync::OpenRemote(config, r, p.cache_dir().string());
}

Result<RemoteProject> OpenRemoteProject(const Cli& cli, const std::string& name,
                                        const ProjectOptions& options) {
  if (name.empty())
    return Status::InvalidArgument("--remote: name the remote (see `worm remote list`)");
  ASSIGN_OR_RETURN(ProjectDir dir, cli.Project());
  ASSIGN_OR_RETURN(schema::Schema schema, schema::LoadSchemaFile(dir.schema_path().string()));
  RemoteProject out;
  ASSIGN_OR_RETURN(out.remote, OpenNamedRemote(cli, name));
  // The name becomes a folder of the cache: only names `worm remote add`
  // accepts (a hand-edited config could hold "../x").
  RETURN_NOT_OK(sync::ValidateRemoteName(name));
  out.remote.transport = std::make_shared<ReadOnlyTransport>(out.remote.transport, name);
  out.project = Project::Create(std::move(schema), out.remote.transport, nullptr, options);
  out.cache_dir = dir.remote_cache_dir(name);
  return out;
}

std::string RequestsLine(const RemoteProject& remote) {
  return "requests to remote " + remote.remote.config.name + ": " +
         remote.remote.counts->Snapshot().ToString();
}

Json RequestsJson(const TransportCounts& counts) {
  Json j = Json::object();
  for (int i = 0; i < kNumOpClasses; ++i) {
    auto op = static_cast<OpClass>(i);
    j[std::string(OpClassName(op))] = counts[op].requests;
  }
  j["total"] = counts.total_requests();
  return j;
}

}  // namespace worm::cli

// Layout knowledge in one place: the names S3WORM reserves in a bucket, the
// bucket and collection sentinels (their keys' names and bodies), and where a
// project's files live under ".worm/". Every layer (schema, transport,
// engine, sync, server, cli) spells these names only through this file.
// Pure data and functions of their arguments; thread-safe.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "worm/result.h"

namespace worm::layout {

// ---- names reserved in a bucket ---------------------------------------------
// Every system entry's name starts with '.', which no entity id may
// (schema::ValidateIdSegment), so system keys never collide with entities
// (schema::IsSystemKey). Two more reserved names are public, in
// include/worm/transport.h: kLocalReservedDir (".wormfs", the local backend's
// temp and lock folder) and kOverlayWhiteoutPrefix (".worm.whiteout/").

// The sentinel object: at the bucket root it marks the bucket as S3WORM's,
// and in each model's collection folder ("org/customers/.worm") it names the
// model stored there. Written when missing by the engine's first write and by
// `worm push`; never synced as data. Bodies: BucketSentinelBody() and
// CollectionSentinelBody().
inline constexpr char kSentinelName[] = ".worm";
// The per-entity oplog folders (".oplog/<entity path>/0001.json", ...; where
// they sit depends on the schema's layout, see schema::StorageResolver).
inline constexpr char kOplogFolder[] = ".oplog";
// The per-entity snapshot folders, laid out like the oplog's.
inline constexpr char kSnapshotsFolder[] = ".snapshots";
// Soft-deleted entities, laid out like the oplog's: the document moves there
// with a kTombstoneName object beside it.
inline constexpr char kTrashFolder[] = ".worm.trash";
// Marks a soft-deleted entity in its trash folder (who and when).
inline constexpr char kTombstoneName[] = ".worm.tombstone";
// Capability probes (transport/s3/s3_probe.cc) write and delete their test
// objects under this prefix; never synced as data.
inline constexpr char kProbePrefix[] = ".worm.probe/";
// Reserved for integrity manifests (the next layers); nothing writes it yet.
inline constexpr char kManifestsPrefix[] = ".worm.manifests/";
// Token signing key ids and revoked token ids (security/key_store.h); never
// secrets, never synced as data.
inline constexpr char kKeysPrefix[] = ".worm.keys/";

// ---- sentinels ----------------------------------------------------------------

// The sentinel format this build writes (the "format" member).
inline constexpr int kSentinelFormat = 1;

// True for the bucket sentinel (".worm") and a collection sentinel (a key
// whose last segment is ".worm").
bool IsSentinelKey(std::string_view key);

// The bodies written for the sentinels: "{\"format\":1}\n" at the bucket root
// and "{\"format\":1,\"model\":\"<model>\"}\n" in a collection folder.
std::string BucketSentinelBody();
std::string CollectionSentinelBody(std::string_view model);

// What a sentinel says.
struct Sentinel {
  int format = 0;
  std::string model;  // empty for the bucket sentinel
};

// Reads a sentinel body in any shape that exists in buckets: the ones above,
// with or without the trailing newline, and the bucket sentinel older
// `worm push` builds wrote ({"format":1,"tool":"s3worm"}; unknown members are
// ignored). InvalidArgument "sentinel: ..." when it is not a JSON object with
// an integer "format" (and, when present, a string "model").
Result<Sentinel> ParseSentinel(std::string_view body);

// ---- a project's folder ---------------------------------------------------------

// The folder holding a project's schema, config, local data and caches.
inline constexpr char kProjectDirName[] = ".worm";
// Files and folders inside it.
inline constexpr char kSchemaFile[] = "schema.json";  // the schema (schema::LoadSchemaFile)
inline constexpr char kConfigFile[] = "config.json";  // remotes (sync/remote_config.h)
inline constexpr char kDataDir[] = "data";            // local data: a local-transport root
inline constexpr char kStateDb[] = "state.db";        // sync base (sync/state_db.h)
inline constexpr char kCacheDir[] = "cache";          // caches, all safe to delete
// The default keychain (security/keychain.h): an encrypted file, local only.
inline constexpr char kKeychainFile[] = "keychain";
// Inside the cache folder: one folder per remote (its query caches and the
// server behaviour), and one document cache per model.
inline constexpr char kRemotesCacheDir[] = "remotes";
inline constexpr char kServerBehaviourFile[] = "server.json";  // in a remote's cache folder
inline constexpr char kDocCacheFile[] = "docs.sqlite";         // <cache>/<model>/docs.sqlite

// <cache_dir>/remotes/<remote>: one remote's cache folder.
std::filesystem::path RemoteCacheDir(const std::filesystem::path& cache_dir,
                                     std::string_view remote);
// <cache_dir>/<model>/docs.sqlite: a model's document cache (query::DocCache).
std::filesystem::path DocCachePath(const std::filesystem::path& cache_dir, std::string_view model);

// Where a project's files live.
struct ProjectDir {
  std::filesystem::path root;      // the folder holding .worm/
  std::filesystem::path worm_dir;  // root/.worm

  // The project whose .worm/ is in `root` (the path is kept as given).
  static ProjectDir At(const std::filesystem::path& root) { return {root, root / kProjectDirName}; }

  std::filesystem::path schema_path() const { return worm_dir / kSchemaFile; }
  std::filesystem::path config_path() const { return worm_dir / kConfigFile; }
  std::filesystem::path data_dir() const { return worm_dir / kDataDir; }
  std::filesystem::path state_db() const { return worm_dir / kStateDb; }
  std::filesystem::path cache_dir() const { return worm_dir / kCacheDir; }
  std::filesystem::path keychain_path() const { return worm_dir / kKeychainFile; }
  std::filesystem::path remote_cache_dir(std::string_view remote) const {
    return RemoteCacheDir(cache_dir(), remote);
  }
};

// What marks a project folder in FindProjectRoot.
enum class ProjectMarker {
  kSchema,   // .worm/schema.json exists: a project
  kWormDir,  // a .worm/ folder exists: a project being set up (worm import)
};

// The project search, like git's: the nearest folder at or above `start`
// (made absolute against the current directory, otherwise as given) that
// holds `marker`; nullopt when no folder up to the filesystem root does (or
// `start` cannot be made absolute). Folders that cannot be inspected count as
// not holding it.
std::optional<std::filesystem::path> FindProjectRoot(const std::filesystem::path& start,
                                                     ProjectMarker marker = ProjectMarker::kSchema);

}  // namespace worm::layout

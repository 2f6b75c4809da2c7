// Internals of the entity engine shared by src/engine/*.cc. Not public API.
//
// ProjectState owns the schema, resolver, transport and clock of a Project;
// ModelStore implements one model's operations (Repository forwards to it).
// Both are safe for concurrent use: the only mutable state is the hook lists,
// the sentinel cache and the oplog head cache, each behind its own mutex.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/json_util.h"
#include "core/layout.h"
#include "schema/resolver.h"
#include "schema/schema.h"
#include "worm/access.h"
#include "worm/repository.h"

namespace worm::engine {

class ModelStore;
class Enforcer;

// A stored object read back: bytes, ETag and the parsed document.
struct Stored {
  std::string key;
  std::string etag;
  std::string bytes;
  Json doc;
};

class ProjectState {
 public:
  ProjectState(schema::Schema schema, std::shared_ptr<Transport> transport, Clock* clock,
               ProjectOptions options, std::string root);
  ~ProjectState();

  const schema::Schema& schema() const { return schema_; }
  const schema::StorageResolver& resolver() const { return resolver_; }
  Transport* transport() const { return transport_.get(); }
  Clock* clock() const { return clock_; }
  const ProjectOptions& options() const { return options_; }
  const std::string& root() const { return root_; }
  std::string Now() const { return FormatTimestamp(clock_->NowMillis()); }
  // The compiled access rules (null when they did not compile: policy_status()).
  const std::shared_ptr<const AccessPolicy>& policy() const { return policy_; }
  const Status& policy_status() const { return policy_status_; }
  // Compiles schema().access (CompileAccessPolicy; `schema_text` only for
  // line:column). Called once, right after construction.
  void CompilePolicy(std::string_view schema_text);

  // NotFound naming the model and the known ones.
  Result<ModelStore*> Store(std::string_view model) const;
  const std::map<std::string, std::unique_ptr<ModelStore>, std::less<>>& stores() const {
    return stores_;
  }

  // Writes `key` with `content` unless already done by this process (create
  // only; AlreadyExists is fine).
  Status EnsureSentinel(const std::string& key, const std::string& body);

 private:
  schema::Schema schema_;
  schema::StorageResolver resolver_;
  std::shared_ptr<Transport> transport_;
  Clock* clock_;
  ProjectOptions options_;
  std::string root_;
  std::shared_ptr<const AccessPolicy> policy_;
  Status policy_status_;
  std::map<std::string, std::unique_ptr<ModelStore>, std::less<>> stores_;
  std::mutex sentinel_mu_;
  std::set<std::string> sentinels_done_;
};

// The head (last entry) of one entity's oplog.
struct OplogHead {
  std::string folder;
  int64_t seq = 0;         // 0: no entries
  Json entry;              // null when seq == 0
  std::string entry_hash;  // Blake3 of the canonical entry; "" when seq == 0
  std::string op() const;  // "" when seq == 0
};

// How the live object stands against an oplog head (ModelStore::CheckHead).
enum class HeadState {
  kAgrees,       // the live state is the head's (or there is no entry)
  kPending,      // the live state is the one the head was written against:
                 // an interrupted write, which RollForward applies
  kContradicts,  // neither: tampering or loss; never rolled forward
};
struct HeadCheck {
  HeadState state = HeadState::kAgrees;
  std::string why;  // kContradicts: what disagrees, without the entity's name
};

// A reference found while validating: `path` holds an id of `model`.
struct RefUse {
  std::string path;
  std::string model;
  std::string value;
};

// Lost a compare-and-swap inside a write: the caller redoes its loop.
inline Status LostRace(std::string msg) { return Status::Aborted(std::move(msg)); }

// PermissionDenied when the model's mode forbids the write.
Status CheckWritable(const schema::Model& m, bool create);

class ModelStore {
 public:
  ModelStore(ProjectState* project, const schema::Model* model);

  const schema::Model& model() const { return *model_; }
  ProjectState& project() const { return *project_; }
  Transport* transport() const { return project_->transport(); }

  // ---- naming (store.cc)
  std::string Describe(const EntityIds& ids) const;  // "Customer 3f2b…" / "OrgSettings"
  std::vector<std::string> IdFieldNames() const;
  Result<std::string> KeyOf(const EntityIds& ids) const;
  Result<schema::SystemFolders> FoldersOf(const EntityIds& ids) const;
  std::string FileName() const;  // "profile.json"
  std::string Actor(const WriteContext& ctx) const;
  // The entity's grants system file (security/entity_grants.h), read when
  // the model's rules use grants.
  Result<std::string> GrantsKeyOf(const EntityIds& ids) const;
  // Its JSON; nullopt when there is none; DataLoss when it is not JSON.
  Result<std::optional<Json>> ReadGrants(const EntityIds& ids) const;

  // ---- objects (store.cc)
  // nullopt when missing; DataLoss when the bytes are not JSON.
  Result<std::optional<Stored>> Read(const std::string& key) const;
  // The one decoder of stored documents (Repository::Decode).
  static Result<Json> Decode(std::string_view key, std::string_view bytes);
  // Repository::ReadStored.
  Result<StoredDocument> ReadStored(const Entity& listed) const;
  static std::string Serialize(const Json& doc);
  Status EnsureSentinels(const EntityIds& ids);

  // ---- CRUD (store.cc)
  // `enforcer` (null: the trusted owner) decides create on the final
  // document and refuses read-only fields the input sets.
  Result<Entity> Create(const Json& document, const CreateOptions& options,
                        const Enforcer* enforcer = nullptr);
  Result<Entity> Get(const EntityIds& ids, const GetOptions& options);
  Result<Entity> Update(const EntityIds& ids, const std::function<Status(Json&)>& mutate,
                        const UpdateOptions& options, bool replace);
  // `enforcer`: delete decided on the stored document, and onDelete effects
  // on the principal's rights (ApplyOnDelete).
  Status Delete(const EntityIds& ids, const RemoveOptions& options,
                const Enforcer* enforcer = nullptr);
  Result<Entity> Restore(const EntityIds& ids, const WriteContext& options);

  // ---- validation (validation.cc)
  // Checks `doc` against the model; collects ref uses. InvalidArgument
  // "<Model id>: field "<path>": <why>".
  Status Validate(const EntityIds& ids, const Json& doc, std::vector<RefUse>* refs) const;
  void ApplyDefaults(Json& doc) const;
  // Every referenced entity must exist.
  Status CheckRefs(const EntityIds& ids, const std::vector<RefUse>& refs) const;

  // ---- oplog (oplog.cc)
  Result<OplogHead> ReadOplogHead(const EntityIds& ids);
  // kCreate of entry head.seq + 1; LostRace when taken.
  // `extra` members (reason, hard) are merged into the entry.
  Result<Json> AppendOplog(const OplogHead& head, const std::string& op, const Json* after,
                           const std::string& actor, const Json& extra = Json::object());
  // True when the live object agrees with the last entry (cheap: no I/O).
  static bool HeadAgrees(const OplogHead& head, const std::optional<Stored>& live);
  // Whether `live` is the head's state, the state the head was written
  // against (create/restore: no live object; update/delete: the document
  // whose hash is the entry's "beforeHash", or else entry seq-1's
  // "afterHash"), or neither. Reads entry seq-1 (from `history` when given)
  // and, for a missing live object, the trash. REQUIRES: `live` was read
  // before `head` (entries precede the entity, so every live state worm
  // wrote has its entry in `head`'s view). A mismatch re-reads the live
  // object: when it changed meanwhile, LostRace rather than a contradiction.
  Result<HeadCheck> CheckHead(const EntityIds& ids, const OplogHead& head,
                              const std::optional<Stored>& live,
                              const std::vector<OplogEntry>* history = nullptr);
  // DataLoss "<Model id>: the live state contradicts its oplog: <why>; ...".
  Status Contradiction(const EntityIds& ids, const std::string& why) const;
  // Makes the live object (and trash) agree with the head entry, after
  // CheckHead: OK doing nothing when they agree; the Contradiction when the
  // live state is not one the head was written against (nothing is written).
  Status RollForward(const EntityIds& ids, const OplogHead& head, const std::optional<Stored>& live,
                     std::vector<std::string>* actions);
  Result<std::vector<OplogEntry>> History(const EntityIds& ids);
  Result<OplogState> VerifyOplog(const EntityIds& ids);
  Result<OplogEntry> AdoptLive(const EntityIds& ids, const WriteContext& ctx);

  // ---- trash (trash.cc)
  // Copies `live` to the trash with a tombstone, then deletes it (if_match).
  // With `undo_on_race` (no oplog), a live object changed meanwhile makes it
  // remove the trash copy again and give LostRace.
  Status MaterializeSoftDelete(const EntityIds& ids, const Stored& live, const std::string& actor,
                               const std::string& reason, bool undo_on_race = false);
  // Completes or undoes interrupted soft deletes/restores of one entity.
  Status RepairTrash(const EntityIds& ids, std::vector<std::string>* actions);
  Result<std::optional<Entity>> GetFromTrash(const EntityIds& ids);

  // ---- links (links.cc)
  // onDelete rules of every ref field pointing at this model's entity `ids`.
  // The check pass (`check_only`) refuses for restrict; with an active
  // `enforcer` it also checks, recursively, that the principal may delete
  // every cascaded entity and update every setNull one, so a denial writes
  // nothing.
  Status ApplyOnDelete(const EntityIds& ids, const RemoveOptions& options, bool check_only,
                       const Enforcer* enforcer = nullptr);
  Result<Entity> Link(const EntityIds& ids, const std::string& link, const EntityIds& target,
                      const WriteContext& ctx, const Enforcer* enforcer = nullptr);
  Status Unlink(const EntityIds& ids, const std::string& link, const EntityIds& target,
                const WriteContext& ctx, const Enforcer* enforcer = nullptr);
  Result<std::vector<Entity>> Linked(const EntityIds& ids, const std::string& link,
                                     const Enforcer* enforcer = nullptr);
  // Link/Unlink/Linked: the source visible (and updatable when `update`),
  // the target (when given) visible. OK without an active enforcer.
  Status CheckLinkRights(const EntityIds& ids, ModelStore* target, const EntityIds& target_ids,
                         const Enforcer* enforcer, bool update);

  // ---- populate (populate.cc): Repository::Populate and CheckPopulate.
  // With `enforcer`: referenced entities the principal may not read stay
  // ids, populated documents lose their hidden fields, and a path through a
  // hidden field is refused (CheckPopulate).
  Status Populate(const std::vector<Json*>& docs, const std::vector<std::string>& paths,
                  PopulateReport* report, const Enforcer* enforcer = nullptr);
  Status CheckPopulate(const std::vector<std::string>& paths,
                       const Enforcer* enforcer = nullptr) const;

  // ---- listing (list.cc)
  Result<EntityPage> ListPage(const ListOptions& options);
  Status Scan(const ListOptions& options, const std::function<Status(const Entity&)>& fn);
  // Ids of every entity having objects under a system folder template
  // (oplog or trash), streamed page by page.
  Status ScanSystemFolders(const std::string& folder_template,
                           const std::function<Status(const EntityIds&)>& fn);

  // ---- snapshots (snapshots.cc)
  Result<SnapshotInfo> Snapshot(const EntityIds& ids);
  Result<std::vector<SnapshotInfo>> ListSnapshots(const EntityIds& ids);
  Result<Json> ReadSnapshot(const EntityIds& ids, const std::string& name);

  // ---- repair (repair.cc)
  Result<RepairReport> Repair();

  // ---- hooks (store.cc)
  void AddBefore(HookOp op, BeforeHook hook);
  void AddAfter(HookOp op, AfterHook hook);
  Status RunBefore(HookEvent& event) const;
  void RunAfter(const HookEvent& event) const;

  // Sleeps a random backoff before CAS retry `attempt` (0-based).
  void Backoff(int attempt) const;

 private:
  Result<EntityIds> ResolveCreateIds(const Json& document, const CreateOptions& options,
                                     bool* generated);
  // The next candidate for a "seq" id; `floor` carries state between
  // attempts (start with kNoFloor).
  Result<std::string> NextSeqId(const EntityIds& parents, int64_t* floor, int attempt);
  Result<int64_t> MaxSeqId(const EntityIds& parents);
  // Collection prefix under the given parent ids ("org/departments/d1/teams/").
  Result<std::string> PrefixFor(const EntityIds& parents) const;
  struct TrashKeys {
    std::string live, doc, tomb;
  };
  Result<TrashKeys> TrashKeysOf(const EntityIds& ids) const;
  Status PurgeTrash(const EntityIds& ids);
  // True when the entity is in the trash (a tombstone not "restoring", with
  // a copy) as the document `head` wrote: a delete after head happened.
  Result<bool> TrashHoldsHead(const EntityIds& ids, const OplogHead& head);
  // Repair of one entity's oplog; false in *consistent when it was reported.
  Status RepairOplog(const EntityIds& ids, RepairReport* report, bool* consistent);
  Status FinishSoftDelete(const EntityIds& ids, const TrashKeys& k, const Stored& tomb,
                          const std::optional<Stored>& copy, const std::optional<Stored>& live,
                          std::vector<std::string>* actions);
  Result<Entity> CreateOnce(const Json& input, const EntityIds& ids, const std::string& actor,
                            const Enforcer* enforcer);
  Result<Entity> CommitLive(const EntityIds& ids, const std::string& key, const std::string& op,
                            const Json& after, const std::optional<Stored>& current,
                            const OplogHead* head, const std::string& actor);
  Status DeleteOnce(const EntityIds& ids, const RemoveOptions& options, const Enforcer* enforcer);
  Result<Entity> RestoreOnce(const EntityIds& ids, const std::string& actor);
  Status CheckIdFields(const EntityIds& ids, const Json& doc) const;
  void StampIds(const EntityIds& ids, Json& doc) const;

  ProjectState* project_;
  const schema::Model* model_;
  schema::EntityKeyParser key_parser_;  // listed keys -> ids

  mutable std::mutex hooks_mu_;
  std::map<HookOp, std::vector<std::shared_ptr<BeforeHook>>> before_;
  std::map<HookOp, std::vector<std::shared_ptr<AfterHook>>> after_;

  std::mutex seq_mu_;
  std::map<std::string, int64_t> seq_hint_;  // parent ids -> last seq id handed out

  std::mutex head_mu_;
  std::unordered_map<std::string, int64_t> head_cache_;  // oplog folder -> last seq seen
};

// ---- helpers shared across files (store.cc)
std::string JoinIds(const EntityIds& ids);  // "a/b"
EntityIds SplitIds(std::string_view joined);
std::string TypeNameOf(const Json& v);  // "string", "number", "object", ...
std::string HashDoc(const Json& doc);   // Blake3Hex(CanonicalJson(doc))
// RFC 7386 merge patch of `patch` into `target`.
void MergePatch(Json& target, const Json& patch);
// Matches `key` against a folder template ("a/{id}/b/") followed by one file
// name; fills ids and the file name. False when it does not match.
bool MatchFolderTemplate(std::string_view folder_template, std::string_view key, EntityIds* ids,
                         std::string* file);

inline constexpr int64_t kNoFloor = INT64_MIN;

}  // namespace worm::engine

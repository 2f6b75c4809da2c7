// Project and Repository: the entity engine. A Project is a schema plus a
// Transport (the bucket) plus a Clock; it hands out one Repository per model.
// A Repository reads and writes that model's entities as JSON documents
// (nlohmann::json), enforcing the schema, keeping createdAt/updatedAt and the
// id fields, an optional hash-chained oplog, soft delete to trash, snapshots,
// entity links and hooks. TypedRepository<T> adds C++ structs on top.
//
// Thread-safety: Project and Repository are safe for concurrent use from any
// number of threads, and any number of processes may share one bucket:
// every update is a compare-and-swap (ETag precondition) and every new object
// a conditional create, so concurrent writers never lose an update silently.
// Hooks may be registered at any time; they run on the calling thread.
//
// Documents. A stored document is the caller's fields plus the id fields (one
// per dynamic segment of the model path, named after it: "id", or "deptId"
// and "teamId") and createdAt/updatedAt (RFC 3339 UTC with milliseconds).
// Those are owned by the engine: createdAt/updatedAt given by a caller are
// ignored (overwritten), and an id field that disagrees with the entity's id
// is refused with InvalidArgument (an entity cannot be moved by editing it).
// On Create, id fields present in the document are taken as caller-given ids.
//
// Errors (Status codes): NotFound (no such model/entity), AlreadyExists
// (create of an existing id; restore over a live entity), FailedPrecondition
// (stale if_match ETag; onDelete "restrict" refusal), Aborted (an internal
// compare-and-swap kept losing: retry later), InvalidArgument (document
// breaks the schema, bad id, document or patch nested deeper than
// kMaxDocumentDepth = 100 levels, see core/json_util.h), DataLoss (broken
// oplog hash chain, a live state the oplog contradicts: writes to such an
// entity are refused rather than rolled back, see VerifyOplog; corrupt
// stored JSON, a stored object nested deeper than kMaxJsonDepth = 128), plus
// whatever the Transport reports (Unavailable, ...).
//
// Layout on the bucket: see docs/bucket-layout.md (the format of
// src/engine/ is described there). Oplog entries are written before the entity
// (write-ahead); soft delete and restore are ordered so that a crash at any
// step leaves a state Repair() completes or undoes.
//
// Entity links. A field with "ref": "Model" must name an existing entity of
// that model (its id; composite ids joined by '/'). GetOptions::populate
// replaces it by the referenced document. "onDelete" on the ref field decides
// what deleting the referenced entity does: "restrict" refuses while
// references exist, "cascade" deletes the referencing entities (same soft/hard
// mode), "setNull" sets the field to null. Many-to-many links go through a
// join model, declared in the source model's "links":
//   "Post": {..., "links": {"tags": {"through": "PostTag", "from": "postId",
//                                    "to": "tagId"}}}
// where PostTag has ref fields postId (-> Post) and tagId (-> Tag); "model"
// may name the target explicitly, else it is the "to" field's ref. Link(),
// Unlink() and Linked() manage and read such links.
//
// Access control. A Project opened with ProjectOptions::principal, or a view
// from Project::As(principal), decides every call by the schema's "access"
// rules (worm/access.h, docs/access-control.md) through the one evaluator,
// AccessPolicy; without a principal the caller is the trusted owner and
// nothing is checked. Which action each call needs:
//   Get, Exists, ListPage/Scan/List (rows), History, VerifyOplog,
//   ListSnapshots, ReadSnapshot, Linked        read
//   ListPage/Scan/List (the model)             list, then read per row
//   Create                                     create (the final document)
//   Replace, Patch, Mutate, Link, Unlink       update (stored and new document)
//   Delete                                     delete; an onDelete cascade
//                                              needs delete on every cascaded
//                                              entity, setNull update on every
//                                              re-pointed one, all checked
//                                              before anything is written
//   Restore                                    restore (the trash copy)
//   Snapshot                                   read and update
//   RestoreSnapshot                            read, then update (or create)
//   AdoptLive, Repair, Project::Repair         admin
// Denials are PermissionDenied "<principal> may not <action> <Model> <id>:
// <reason>" (never a field's value). A row the principal may not read is
// invisible, as in Postgres row-level security: Get, Exists, writes and
// restores of it answer as for a missing entity (NotFound), and lists,
// counts, pages and aggregates leave it out. A model the principal may not
// read or list at all is a PermissionDenied (that says nothing about rows).
// (A create of an id that exists but is invisible still says AlreadyExists.)
// Field-level: fields the principal may not read (FieldAccess::hidden) are
// absent from every document returned (get, list, query items, populate,
// history, snapshots, write results, the copy Mutate's callback edits), and
// are kept as stored by Replace/Patch/Mutate, which cannot drop what the
// caller cannot see; a write that sets or changes a read-only field is
// PermissionDenied naming the field (a Replace repeating its stored value
// is fine). Populate leaves a referenced entity the principal may not read
// as its id, and strips the referenced model's hidden fields; a populate
// path through a hidden field is refused. Oplog entries and tombstones
// record the principal's id as actor when a call names none.
//
// Example (typed layer):
//   struct Customer { std::string id, name, email; };
//   NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Customer, id, name, email)
//   ASSIGN_OR_RETURN(auto project, worm::Project::Open("."));
//   ASSIGN_OR_RETURN(auto customers, project->Typed<Customer>("Customer"));
//   ASSIGN_OR_RETURN(Customer c, customers.Create({.name = "Ada", .email = "a@x"}));
//   c.name = "Ada L.";
//   RETURN_NOT_OK(customers.Update(c).status());
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "worm/clock.h"
#include "worm/options.h"
#include "worm/result.h"
#include "worm/schema.h"
#include "worm/transport.h"

namespace worm {

using Json = nlohmann::json;

namespace engine {
class ProjectState;
class ModelStore;
class Enforcer;
}  // namespace engine

// One stored entity.
struct Entity {
  EntityIds ids;
  std::string key;   // the object key of the document
  std::string etag;  // pass back as if_match for optimistic concurrency
  Json document;
  bool deleted = false;  // found in the trash (with_deleted reads only)
};

struct EntityPage {
  std::vector<Entity> items;
  std::string next_cursor;  // empty on the last page
  // With ListOptions::skip_undecodable: "<key>: <why>" of each entity left out.
  std::vector<std::string> problems;
};

// A stored document's bytes as read, not yet decoded (Repository::ReadStored).
struct StoredDocument {
  std::string etag;   // of `bytes`: newer than the listed one when changed since the listing
  std::string bytes;  // as stored
};

// What one Repository::Populate call did.
struct PopulateReport {
  uint64_t fetched = 0;  // referenced entities read, each at most once per call
  // Referenced documents that cannot be decoded, left as ids:
  // "<key>: <why> (stored object is corrupt)".
  std::vector<std::string> problems;
};

// One oplog entry, in the stored shape plus where it lives.
struct OplogEntry {
  int64_t seq = 0;
  std::string op;  // create | update | delete | restore
  std::string at;
  std::string actor;
  Json after;  // null for delete
  std::string after_hash;
  std::string prev_hash;  // "" for the first entry
  std::string key;
  Json raw;  // the entry as stored
};

// How an entity's live state stands against its oplog (VerifyOplog). The
// oplog is write-ahead: an entry is written before the entity, so the live
// state is the newest entry's, or the one that entry was written against
// (an interrupted write). Anything else is tampering or loss, never guessed
// at: VerifyOplog gives DataLoss, Repair() reports it and writes refuse.
enum class OplogState {
  kNoOplog,    // the model keeps no oplog
  kNoHistory,  // no entries: written outside worm (a plain S3 tool) or the
               // history was removed; the next write through worm starts one
  kAgrees,     // the live state (the document, or none after a delete) is the newest entry's
  kPending,    // the newest entry's write was interrupted; Repair() (or the next write) applies it
};
std::string_view OplogStateName(OplogState state);  // "agrees", "noHistory", ...

struct SnapshotInfo {
  std::string name;  // "0003" (oplog seq) or "20260224T101112.345Z"
  std::string key;
  uint64_t size = 0;
};

struct RepairReport {
  int entities_checked = 0;
  std::vector<std::string> actions;   // what was rolled forward / undone
  std::vector<std::string> problems;  // what could not be fixed (and why)
  bool ok() const { return problems.empty(); }
  Json ToJson() const;
};

enum class HookOp { kCreate, kUpdate, kDelete };
std::string_view HookOpName(HookOp op);

// What a hook sees. `before` is null for create; `after` is null for delete.
// Before-hooks may edit *after (the result is validated after all of them).
struct HookEvent {
  HookOp op = HookOp::kCreate;
  std::string model;
  EntityIds ids;
  std::string actor;
  const Json* before = nullptr;
  Json* after = nullptr;
};
// A non-OK Status vetoes the write (nothing is written); it is returned to
// the caller with the model and id as context.
using BeforeHook = std::function<Status(HookEvent&)>;
// Runs after a successful write; cannot undo it.
using AfterHook = std::function<void(const HookEvent&)>;

class Repository {
 public:
  Repository(const Repository&) = delete;
  Repository& operator=(const Repository&) = delete;

  const schema::Model& model() const;
  const std::string& name() const;

  // Creates an entity. Ids per CreateOptions::ids; defaults applied; the
  // document validated. AlreadyExists when the id is taken.
  Result<Entity> Create(const Json& document, const CreateOptions& options = {});
  // NotFound when absent (or only in the trash, unless with_deleted).
  Result<Entity> Get(const EntityIds& ids, const GetOptions& options = {});
  Result<bool> Exists(const EntityIds& ids);
  // Replaces the whole document (createdAt kept, updatedAt set).
  Result<Entity> Replace(const EntityIds& ids, const Json& document,
                         const UpdateOptions& options = {});
  // RFC 7386 JSON merge patch ("null" removes a field).
  Result<Entity> Patch(const EntityIds& ids, const Json& patch, const UpdateOptions& options = {});
  // Atomic read-modify-write: `mutate` edits a copy of the current document;
  // redone on a lost compare-and-swap. A non-OK Status from `mutate` aborts.
  Result<Entity> Mutate(const EntityIds& ids, const std::function<Status(Json&)>& mutate,
                        const UpdateOptions& options = {});
  // Soft delete (to trash, with a tombstone) when the model has softDelete
  // and !options.hard; hard delete otherwise. Applies onDelete link rules.
  Status Delete(const EntityIds& ids, const RemoveOptions& options = {});
  // Moves a soft-deleted entity back. NotFound when not in the trash;
  // AlreadyExists when a live entity now has its id.
  Result<Entity> Restore(const EntityIds& ids, const WriteContext& options = {});

  // Entities of the collection in key order, one page at a time.
  Result<EntityPage> ListPage(const ListOptions& options = {});
  // Streams every entity to `fn` page by page (memory bounded by the page
  // size); a non-OK Status from `fn` stops the scan and is returned.
  Status Scan(const ListOptions& options, const std::function<Status(const Entity&)>& fn);
  // Convenience: all of them (memory grows with the collection).
  Result<std::vector<Entity>> List(const ListOptions& options = {});

  // Raw reads, for a caller that keeps its own copies of documents by ETag
  // (the query layer's cache) and decodes them here. The engine is the only
  // reader and decoder of stored documents.
  //
  // The stored bytes of `listed`, an entity ListPage returned (live, or from
  // the trash with with_deleted), not decoded. NotFound when it is gone
  // since the listing; InvalidArgument when `listed` is not an entity of this
  // model; the transport's errors, naming the key. Safe to call from many
  // threads at once.
  Result<StoredDocument> ReadStored(const Entity& listed);
  // The document stored as `bytes` under the object key `key`, decoded as
  // Get and ListPage decode every stored document. DataLoss "<key>: <why>
  // (stored object is corrupt)" when the bytes are not JSON or nest deeper
  // than kMaxJsonDepth.
  Result<Json> Decode(std::string_view key, std::string_view bytes) const;

  // For a caller decoding documents itself (ReadStored, Decode, a cache):
  // what a principal-bound repository applies to each document it returns.
  // Without a principal (or rules) Visible is always true and Redact and
  // CheckReadable do nothing.
  //
  // Whether the principal may read `doc` (read, and list when `listing`),
  // the document of `listed` (an entity ListPage returned): row-level rules
  // and entity grants. `doc` may be partial when it holds every member
  // VisibilityFields() names. PermissionDenied when the model is not
  // readable at all.
  Result<bool> Visible(const Entity& listed, const Json& doc, bool listing = true) const;
  // The top-level members Visible() reads; nullopt: the whole document.
  // Empty: Visible() needs no document (a model-level decision).
  std::optional<std::vector<std::string>> VisibilityFields() const;
  // Removes the fields the principal may not read from `doc`.
  void Redact(Json& doc) const;
  // PermissionDenied "<principal> may not read <Model>.<path>: ..." for the
  // first of `paths` (field paths a query filters, sorts, selects,
  // groups or aggregates on) that names a hidden field.
  Status CheckReadable(const std::vector<std::string>& paths) const;
  // Whether calls are checked (a principal and an enabled policy).
  bool restricted() const;

  // Populate (the rules of GetOptions::populate) of `paths` in each of
  // `documents` (documents of this model), reading each referenced entity
  // at most once in the whole call. Paths are checked first, before any
  // read (CheckPopulate). A referenced entity that does not exist, or a
  // value that is not an id, is left as it is; one whose document cannot be
  // decoded is left as its id and named in report->problems when `report`
  // is given, else its DataLoss is returned.
  Status Populate(const std::vector<Json*>& documents, const std::vector<std::string>& paths,
                  PopulateReport* report = nullptr);
  // InvalidArgument unless each path leads through declared fields (objects,
  // arrays of objects) to a ref field or an array of refs, and on from there
  // in the referenced model, at most 9 refs deep. Reads nothing.
  Status CheckPopulate(const std::vector<std::string>& paths) const;

  // Oplog entries of an entity in order, chain verified (DataLoss naming the
  // entry when broken). Empty when the model keeps no oplog.
  Result<std::vector<OplogEntry>> History(const EntityIds& ids);
  // History() plus the live state checked against the newest entry; changes
  // nothing. DataLoss "<Model id>: ..." when the chain is broken (a gap, an
  // altered entry) or the live state contradicts it: a live document that
  // matches no entry (the newest entries were removed, or it was changed
  // outside worm), one older than the entry before the newest, a missing
  // document the log says exists, an entity in the trash with no delete
  // entry. Safe during concurrent writes (a changing entity is re-read).
  Result<OplogState> VerifyOplog(const EntityIds& ids);
  // The way out of a contradiction VerifyOplog reported, once someone has
  // decided the live state is right: appends an entry recording it as it is
  // ("update" of the live document, or a hard "delete" when there is none;
  // reason "adopted"), so the chain stays intact and says where it was
  // re-anchored. Nothing else is written. FailedPrecondition when the live
  // state does not contradict the oplog (nothing to adopt); DataLoss when
  // the chain itself is broken (a gap or an altered entry cannot be adopted).
  Result<OplogEntry> AdoptLive(const EntityIds& ids, const WriteContext& options = {});

  // Snapshots: full copies of the current document.
  Result<SnapshotInfo> Snapshot(const EntityIds& ids);
  Result<std::vector<SnapshotInfo>> ListSnapshots(const EntityIds& ids);
  Result<Json> ReadSnapshot(const EntityIds& ids, const std::string& name);
  // Writes the snapshot back through Replace (or Create when absent), so
  // validation, hooks and the oplog apply.
  Result<Entity> RestoreSnapshot(const EntityIds& ids, const std::string& name,
                                 const UpdateOptions& options = {});

  // Many-to-many links through a join model (see the header comment).
  Result<Entity> Link(const EntityIds& ids, const std::string& link, const EntityIds& target,
                      const WriteContext& options = {});
  Status Unlink(const EntityIds& ids, const std::string& link, const EntityIds& target,
                const WriteContext& options = {});
  Result<std::vector<Entity>> Linked(const EntityIds& ids, const std::string& link);

  // Rolls forward oplog entries whose effect is missing and completes or
  // undoes interrupted soft deletes and restores, for this model. An entity
  // that VerifyOplog finds contradicting its oplog is reported in `problems`
  // and left untouched (its trash too).
  Result<RepairReport> Repair();

  // Hooks, run in registration order.
  void OnBefore(HookOp op, BeforeHook hook);
  void OnAfter(HookOp op, AfterHook hook);

 private:
  friend class Project;
  // Replace/Patch/Mutate, through the enforcer when there is one.
  Result<Entity> Update(const EntityIds& ids, std::function<Status(Json&)> mutate,
                        const UpdateOptions& options, bool replace);
  Repository(engine::ModelStore* store, const engine::Enforcer* enforcer)
      : store_(store), enforcer_(enforcer) {}
  engine::ModelStore* store_;
  const engine::Enforcer* enforcer_;  // null: the trusted owner
};

template <typename T>
class TypedRepository;

class Project {
 public:
  ~Project();
  Project(const Project&) = delete;
  Project& operator=(const Project&) = delete;

  // Finds the nearest ".worm/schema.json" at or above `dir` (like git) and
  // opens it with its data in ".worm/data" (local fs transport). NotFound
  // naming `dir` when there is none; InvalidArgument for a bad schema.
  static Result<std::unique_ptr<Project>> Open(const std::string& dir,
                                               const ProjectOptions& options = {});
  // `project_dir` holds ".worm/" itself (no upward search).
  static Result<std::unique_ptr<Project>> OpenAt(const std::string& project_dir,
                                                 const ProjectOptions& options = {});
  // For tests and embedding. `clock` must outlive the project (null: the
  // real clock). The access rules are compiled from schema.access; when they
  // do not compile and options.principal is set, every call fails with that
  // InvalidArgument (Open refuses such a schema outright).
  static std::unique_ptr<Project> Create(schema::Schema schema,
                                         std::shared_ptr<Transport> transport,
                                         Clock* clock = nullptr,
                                         const ProjectOptions& options = {});

  // A view of this project acting as `principal`: it shares the schema,
  // transport, caches and hooks (no I/O, no copy of the schema; about one
  // small allocation per model), so a server can make one per request. It
  // may outlive this object. On a view of a principal-bound project the
  // new principal replaces the old one. InvalidArgument when the schema's
  // access section does not compile.
  Result<std::unique_ptr<Project>> As(const Principal& principal) const;
  // The principal calls are checked for; null for the trusted owner.
  const Principal* principal() const;

  // The repository of `model` (owned by the project; valid while it lives).
  // NotFound naming the model and listing the known ones.
  Result<Repository*> Get(std::string_view model);
  template <typename T>
  Result<TypedRepository<T>> Typed(std::string_view model) {
    ASSIGN_OR_RETURN(Repository * repo, Get(model));
    return TypedRepository<T>(repo);
  }

  // Repair() of every model.
  Result<RepairReport> Repair();

  const schema::Schema& schema() const;
  Transport* transport() const;
  // The project folder (holding .worm/) when opened from disk, else "".
  const std::string& root() const;

 private:
  Project(std::shared_ptr<engine::ProjectState> state,
          std::shared_ptr<const engine::Enforcer> enforcer);
  static Result<std::unique_ptr<Project>> Make(std::shared_ptr<engine::ProjectState> state,
                                               const std::optional<Principal>& principal);
  std::shared_ptr<engine::ProjectState> state_;
  std::shared_ptr<const engine::Enforcer> enforcer_;  // null: the trusted owner
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<Repository>, std::less<>> repos_;
};

// A typed view over a Repository for structs with nlohmann to_json/from_json
// (e.g. NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE). The struct's id member(s) are
// filled from the stored document; single-id models use the "id" field.
// Thread-safety: as Repository.
template <typename T>
class TypedRepository {
 public:
  explicit TypedRepository(Repository* repo) : repo_(repo) {}
  Repository* repository() const { return repo_; }

  Result<T> Create(const T& value, const CreateOptions& options = {}) {
    ASSIGN_OR_RETURN(Json doc, ToJson(value));
    ASSIGN_OR_RETURN(Entity e, repo_->Create(StripEmptyIds(std::move(doc)), options));
    return FromJson(e.document);
  }
  Result<T> Get(const EntityIds& ids) {
    ASSIGN_OR_RETURN(Entity e, repo_->Get(ids));
    return FromJson(e.document);
  }
  Result<T> Get(const std::string& id) { return Get(EntityIds{id}); }
  // Replaces the entity whose ids are in `value`.
  Result<T> Update(const T& value, const UpdateOptions& options = {}) {
    ASSIGN_OR_RETURN(Json doc, ToJson(value));
    EntityIds ids = IdsOf(doc);
    ASSIGN_OR_RETURN(Entity e, repo_->Replace(ids, doc, options));
    return FromJson(e.document);
  }
  Status Delete(const EntityIds& ids, const RemoveOptions& options = {}) {
    return repo_->Delete(ids, options);
  }
  Result<std::vector<T>> List(const ListOptions& options = {}) {
    std::vector<T> out;
    Status st = repo_->Scan(options, [&](const Entity& e) -> Status {
      ASSIGN_OR_RETURN(T v, FromJson(e.document));
      out.push_back(std::move(v));
      return Status::OK();
    });
    if (!st.ok()) return st;
    return out;
  }

 private:
  Result<Json> ToJson(const T& value) const {
    try {
      return Json(value);
    } catch (const std::exception& e) {
      return Status::InvalidArgument(repo_->name() + ": cannot convert to JSON: " + e.what());
    }
  }
  Result<T> FromJson(const Json& doc) const {
    try {
      return doc.get<T>();
    } catch (const std::exception& e) {
      return Status::InvalidArgument(repo_->name() +
                                     ": stored document does not fit the C++ type: " + e.what());
    }
  }
  // Id fields a default-constructed struct leaves "" mean "generate one".
  Json StripEmptyIds(Json doc) const {
    for (const std::string& f : IdFieldNames())
      if (doc.is_object() && doc.contains(f) && doc[f] == "") doc.erase(f);
    return doc;
  }
  EntityIds IdsOf(const Json& doc) const {
    EntityIds ids;
    for (const std::string& f : IdFieldNames())
      ids.push_back(doc.is_object() && doc.contains(f) && doc[f].is_string()
                        ? doc[f].template get<std::string>()
                        : std::string());
    return ids;
  }
  std::vector<std::string> IdFieldNames() const;

  Repository* repo_;
};

// The id field names of a model, in path order (out of line: needs schema).
std::vector<std::string> IdFieldNamesOf(const Repository& repo);

template <typename T>
std::vector<std::string> TypedRepository<T>::IdFieldNames() const {
  return IdFieldNamesOf(*repo_);
}

}  // namespace worm

// ModelStore: naming, object reads, sentinels, hooks, create/get/update.
#include <chrono>
#include <thread>

#include "core/hash.h"
#include "core/random.h"
#include "core/strings.h"
#include "engine/enforcer.h"
#include "engine/engine_internal.h"
#include "schema/ids.h"
#include "security/entity_grants.h"

namespace worm {

std::string_view HookOpName(HookOp op) {
  switch (op) {
    case HookOp::kCreate:
      return "create";
    case HookOp::kUpdate:
      return "update";
    case HookOp::kDelete:
      return "delete";
  }
  return "?";
}

}  // namespace worm

namespace worm::engine {

// ---- helpers ----------------------------------------------------------------

std::string JoinIds(const EntityIds& ids) { return Join(ids, "/"); }

EntityIds SplitIds(std::string_view joined) {
  if (joined.empty()) return {};
  return Split(joined, '/');
}

std::string TypeNameOf(const Json& v) {
  if (v.is_number_integer()) return "integer";
  if (v.is_number()) return "number";
  return v.type_name();
}

std::string HashDoc(const Json& doc) { return Blake3Hex(CanonicalJson(doc)); }

void MergePatch(Json& target, const Json& patch) {
  if (!patch.is_object()) {
    target = patch;
    return;
  }
  if (!target.is_object()) target = Json::object();
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    if (it.value().is_null()) {
      target.erase(it.key());
    } else {
      MergePatch(target[it.key()], it.value());
    }
  }
}

bool MatchFolderTemplate(std::string_view tmpl, std::string_view key, EntityIds* ids,
                         std::string* file) {
  ids->clear();
  while (!tmpl.empty()) {
    size_t ts = tmpl.find('/');
    std::string_view tseg = tmpl.substr(0, ts);
    size_t ks = key.find('/');
    if (ks == std::string_view::npos) return false;  // key ran out of folders
    std::string_view kseg = key.substr(0, ks);
    if (tseg.find('{') != std::string_view::npos) {
      if (kseg.empty() || kseg[0] == '.') return false;
      ids->emplace_back(kseg);
    } else if (tseg != kseg) {
      return false;
    }
    tmpl = ts == std::string_view::npos ? std::string_view() : tmpl.substr(ts + 1);
    key = key.substr(ks + 1);
  }
  if (key.empty() || key.find('/') != std::string_view::npos) return false;
  *file = std::string(key);
  return true;
}

// ---- ProjectState -------------------------------------------------------------

ProjectState::ProjectState(schema::Schema schema, std::shared_ptr<Transport> transport,
                           Clock* clock, ProjectOptions options, std::string root)
    : schema_(std::move(schema)),
      resolver_(schema_),
      transport_(std::move(transport)),
      clock_(clock ? clock : Clock::Default()),
      options_(std::move(options)),
      root_(std::move(root)),
      policy_(OpenAccessPolicy()) {
  for (const schema::Model& m : schema_.models)
    stores_.emplace(m.name, std::make_unique<ModelStore>(this, &m));
}

ProjectState::~ProjectState() = default;

void ProjectState::CompilePolicy(std::string_view schema_text) {
  Result<std::shared_ptr<const AccessPolicy>> policy = CompileAccessPolicy(schema_, schema_text);
  policy_status_ = policy.status();
  policy_ = policy.ok() ? std::move(policy).value() : nullptr;
}

Result<ModelStore*> ProjectState::Store(std::string_view model) const {
  auto it = stores_.find(model);
  if (it != stores_.end()) return it->second.get();
  std::string known;
  for (const auto& [name, _] : stores_) known += (known.empty() ? "" : ", ") + name;
  return Status::NotFound("model '" + std::string(model) +
                          "': not in the schema (known: " + (known.empty() ? "none" : known) + ")");
}

Status ProjectState::EnsureSentinel(const std::string& key, const std::string& body) {
  {
    std::lock_guard<std::mutex> lock(sentinel_mu_);
    if (sentinels_done_.count(key)) return Status::OK();
  }
  auto put = transport_->Put(key, body, WriteOptions::Create());
  if (!put.ok() && !put.status().IsAlreadyExists()) {
    return put.status().WithContext("writing sentinel " + key);
  }
  std::lock_guard<std::mutex> lock(sentinel_mu_);
  sentinels_done_.insert(key);
  return Status::OK();
}

// ---- ModelStore: naming and objects -------------------------------------------

ModelStore::ModelStore(ProjectState* project, const schema::Model* model)
    : project_(project), model_(model), key_parser_(project->resolver().schema(), *model) {}

std::string ModelStore::Describe(const EntityIds& ids) const {
  return ids.empty() ? model_->name : model_->name + " " + JoinIds(ids);
}

std::vector<std::string> ModelStore::IdFieldNames() const {
  std::vector<std::string> names;
  for (const schema::Segment* s : model_->path.dynamic_segments()) names.push_back(s->name);
  return names;
}

Result<std::string> ModelStore::KeyOf(const EntityIds& ids) const {
  return project_->resolver().EntityKey(*model_, ids);
}

Result<schema::SystemFolders> ModelStore::FoldersOf(const EntityIds& ids) const {
  return project_->resolver().SystemFoldersFor(*model_, ids);
}

std::string ModelStore::FileName() const {
  const schema::Segment* f = model_->full.file();
  if (f == nullptr) f = model_->file.file();
  return f ? f->name + f->extension : std::string("data.json");
}

std::string ModelStore::Actor(const WriteContext& ctx) const {
  return ctx.actor.empty() ? project_->options().default_actor : ctx.actor;
}

Result<std::string> ModelStore::GrantsKeyOf(const EntityIds& ids) const {
  return security::EntityGrantsKey(project_->schema(), *model_, ids);
}

Result<std::optional<Json>> ModelStore::ReadGrants(const EntityIds& ids) const {
  ASSIGN_OR_RETURN(std::string key, GrantsKeyOf(ids));
  ASSIGN_OR_RETURN(std::optional<Stored> got, Read(key));
  if (!got) return std::optional<Json>();
  return std::optional<Json>(std::move(got->doc));
}

Result<std::optional<Stored>> ModelStore::Read(const std::string& key) const {
  auto got = transport()->Get(key, {});
  if (!got.ok()) {
    if (got.status().IsNotFound()) return std::optional<Stored>();
    return got.status().WithContext("reading " + key);
  }
  ASSIGN_OR_RETURN(Json doc, Decode(key, got->data));
  return std::optional<Stored>(Stored{key, got->meta.etag, std::move(got->data), std::move(doc)});
}

Result<Json> ModelStore::Decode(std::string_view key, std::string_view bytes) {
  auto doc = ParseJson(bytes, key);
  if (!doc.ok()) return Status::DataLoss(doc.status().message() + " (stored object is corrupt)");
  return doc;
}

Result<StoredDocument> ModelStore::ReadStored(const Entity& listed) const {
  // Only this model's documents: the key must be the one its ids name.
  std::string expected;
  if (listed.deleted) {
    if (auto k = TrashKeysOf(listed.ids); k.ok()) expected = std::move(k->doc);
  } else if (auto k = KeyOf(listed.ids); k.ok()) {
    expected = std::move(*k);
  }
  if (expected.empty() || expected != listed.key) {
    return Status::InvalidArgument(model_->name + ": " + listed.key +
                                   " is not the key of a listed entity of this model");
  }
  auto got = transport()->Get(listed.key, {});
  if (!got.ok()) {
    if (got.status().IsNotFound()) return Status::NotFound(listed.key + ": not found");
    return got.status().WithContext("reading " + listed.key);
  }
  return StoredDocument{std::move(got->meta.etag), std::move(got->data)};
}

std::string ModelStore::Serialize(const Json& doc) {
  return doc.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

Status ModelStore::EnsureSentinels(const EntityIds& ids) {
  // The bucket sentinel and the collection sentinel, as push writes them
  // (core/layout.h).
  RETURN_NOT_OK(project_->EnsureSentinel(layout::kSentinelName, layout::BucketSentinelBody()));
  return project_->EnsureSentinel(project_->resolver().SentinelKey(*model_),
                                  layout::CollectionSentinelBody(model_->name));
}

// ---- hooks --------------------------------------------------------------------

void ModelStore::AddBefore(HookOp op, BeforeHook hook) {
  std::lock_guard<std::mutex> lock(hooks_mu_);
  before_[op].push_back(std::make_shared<BeforeHook>(std::move(hook)));
}

void ModelStore::AddAfter(HookOp op, AfterHook hook) {
  std::lock_guard<std::mutex> lock(hooks_mu_);
  after_[op].push_back(std::make_shared<AfterHook>(std::move(hook)));
}

Status ModelStore::RunBefore(HookEvent& event) const {
  std::vector<std::shared_ptr<BeforeHook>> hooks;
  {
    std::lock_guard<std::mutex> lock(hooks_mu_);
    auto it = before_.find(event.op);
    if (it != before_.end()) hooks = it->second;
  }
  for (const auto& h : hooks) {
    Status st = (*h)(event);
    if (!st.ok()) {
      return Status(st.code(), Describe(event.ids) + ": before-" +
                                   std::string(HookOpName(event.op)) +
                                   " hook refused: " + st.message());
    }
  }
  return Status::OK();
}

void ModelStore::RunAfter(const HookEvent& event) const {
  std::vector<std::shared_ptr<AfterHook>> hooks;
  {
    std::lock_guard<std::mutex> lock(hooks_mu_);
    auto it = after_.find(event.op);
    if (it != after_.end()) hooks = it->second;
  }
  for (const auto& h : hooks) (*h)(event);
}

void ModelStore::Backoff(int attempt) const { RandomBackoff(attempt); }

// ---- id fields ------------------------------------------------------------------

Status ModelStore::CheckIdFields(const EntityIds& ids, const Json& doc) const {
  std::vector<std::string> names = IdFieldNames();
  for (size_t i = 0; i < names.size() && i < ids.size(); ++i) {
    auto it = doc.find(names[i]);
    if (it == doc.end() || it->is_null()) continue;
    std::string given = it->is_string() ? it->get<std::string>() : it->dump();
    if (given != ids[i]) {
      return Status::InvalidArgument(Describe(ids) + ": field \"" + names[i] + "\": is " + given +
                                     " but the entity's id is " + ids[i] +
                                     "; ids are maintained by the engine and cannot be changed");
    }
  }
  return Status::OK();
}

void ModelStore::StampIds(const EntityIds& ids, Json& doc) const {
  std::vector<std::string> names = IdFieldNames();
  for (size_t i = 0; i < names.size() && i < ids.size(); ++i) doc[names[i]] = ids[i];
}

Status CheckWritable(const schema::Model& m, bool create) {
  if (m.mode == schema::Mode::kReadOnly) {
    return Status::PermissionDenied("model " + m.name + ": mode is readonly; writes are refused");
  }
  if (m.mode == schema::Mode::kAppendOnly && !create) {
    return Status::PermissionDenied("model " + m.name +
                                    ": mode is appendonly; only creates are allowed");
  }
  return Status::OK();
}

// ---- create -------------------------------------------------------------------

Result<EntityIds> ModelStore::ResolveCreateIds(const Json& document, const CreateOptions& options,
                                               bool* generated) {
  *generated = false;
  std::vector<std::string> names = IdFieldNames();
  EntityIds ids = options.ids;
  if (ids.empty()) {
    for (const std::string& n : names) {
      auto it = document.find(n);
      if (it == document.end() || it->is_null()) break;
      ids.push_back(it->is_string() ? it->get<std::string>() : it->dump());
    }
  }
  if (ids.size() == names.size()) return ids;
  if (ids.size() + 1 != names.size()) {
    return Status::InvalidArgument(
        model_->name + ": create needs the parent ids (" + std::to_string(names.size() - 1) +
        " of " + std::to_string(names.size()) + "), got " + std::to_string(ids.size()));
  }
  for (size_t i = 0; i < ids.size(); ++i)
    RETURN_NOT_OK(schema::ValidateIdSegment(ids[i], model_->name + " " + names[i]));
  const schema::Schema& s = project_->schema();
  schema::IdStrategy strategy = schema::IdStrategy::kNone;
  if (auto op = s.operators.find(model_->id_operator); op != s.operators.end()) {
    strategy = op->second.strategy;
  } else if (model_->id_operator.empty() || model_->id_operator == "auto") {
    if (model_->id_type == "uuid") strategy = schema::IdStrategy::kUuid;
    if (model_->id_type == "uuid7") strategy = schema::IdStrategy::kUuid7;
  } else if (model_->id_operator == "seq") {
    strategy = schema::IdStrategy::kIncrement;
  }
  *generated = true;
  switch (strategy) {
    case schema::IdStrategy::kUuid:
      ids.push_back(model_->id_type == "uuid7" ? NewUuidV7(project_->clock()) : NewUuidV4());
      return ids;
    case schema::IdStrategy::kUuid7:
      ids.push_back(NewUuidV7(project_->clock()));
      return ids;
    case schema::IdStrategy::kIncrement:
      ids.push_back("");  // filled by the seq loop
      return ids;
    case schema::IdStrategy::kNone:
      break;
  }
  return Status::InvalidArgument(model_->name +
                                 ": no id given and the model has no id operator ('" +
                                 model_->id_operator + "'); pass an id");
}

Result<Entity> ModelStore::Create(const Json& document, const CreateOptions& options,
                                  const Enforcer* enforcer) {
  if (!document.is_object()) {
    return Status::InvalidArgument(model_->name + ": document must be a JSON object, got " +
                                   TypeNameOf(document));
  }
  RETURN_NOT_OK(CheckWritable(*model_, true));
  bool generated = false;
  ASSIGN_OR_RETURN(EntityIds ids, ResolveCreateIds(document, options, &generated));
  std::string actor = Actor(options);
  if (!generated || !ids.back().empty()) return CreateOnce(document, ids, actor, enforcer);

  // "seq": conditional creates of max+step, max+2*step, ... until one wins.
  EntityIds parents(ids.begin(), ids.end() - 1);
  int64_t floor = kNoFloor;
  for (int attempt = 0; attempt < project_->options().max_seq_attempts; ++attempt) {
    ASSIGN_OR_RETURN(ids.back(), NextSeqId(parents, &floor, attempt));
    Result<Entity> r = CreateOnce(document, ids, actor, enforcer);
    if (!r.status().IsAlreadyExists()) return r;
  }
  return Status::Aborted(model_->name + ": could not allocate a sequential id after " +
                         std::to_string(project_->options().max_seq_attempts) +
                         " attempts (heavy contention); retry");
}

Result<Entity> ModelStore::CreateOnce(const Json& input, const EntityIds& ids,
                                      const std::string& actor, const Enforcer* enforcer) {
  ASSIGN_OR_RETURN(std::string key, KeyOf(ids));
  RETURN_NOT_OK(CheckIdFields(ids, input));
  Json doc = input;
  ApplyDefaults(doc);
  std::string now = project_->Now();
  HookEvent event{HookOp::kCreate, model_->name, ids, actor, nullptr, &doc};
  RETURN_NOT_OK(RunBefore(event));
  StampIds(ids, doc);
  doc["createdAt"] = now;
  doc["updatedAt"] = now;
  std::vector<RefUse> refs;
  RETURN_NOT_OK(Validate(ids, doc, &refs));
  if (enforcer != nullptr && enforcer->active()) {
    // The caller's own fields (defaults and hooks may fill read-only ones).
    RETURN_NOT_OK(enforcer->CheckWrite(*this, ids, Action::kCreate, nullptr, input));
    RETURN_NOT_OK(enforcer->Require(*this, Action::kCreate, ids, &doc));
  }
  RETURN_NOT_OK(CheckRefs(ids, refs));
  RETURN_NOT_OK(EnsureSentinels(ids));

  OplogHead head;
  if (model_->oplog) {
    ASSIGN_OR_RETURN(head, ReadOplogHead(ids));
    auto live = transport()->Head(key, {});
    bool live_exists = live.ok();
    if (!live.ok() && !live.status().IsNotFound()) return live.status().WithContext(key);
    if (live_exists || (head.seq > 0 && head.op() != "delete")) {
      return Status::AlreadyExists(Describe(ids) + ": already exists");
    }
  }
  Result<Entity> r =
      CommitLive(ids, key, "create", doc, std::nullopt, model_->oplog ? &head : nullptr, actor);
  if (r.status().IsAborted()) return Status::AlreadyExists(Describe(ids) + ": already exists");
  if (!r.ok()) return r;
  HookEvent done{HookOp::kCreate, model_->name, ids, actor, nullptr, &r->document};
  RunAfter(done);
  return r;
}

Result<Entity> ModelStore::CommitLive(const EntityIds& ids, const std::string& key,
                                      const std::string& op, const Json& after,
                                      const std::optional<Stored>& current, const OplogHead* head,
                                      const std::string& actor) {
  std::string bytes = Serialize(after);
  if (head != nullptr) {
    // beforeHash: which document this entry replaces, so an interrupted
    // write is told from a live document changed outside worm (CheckHead).
    Json extra = Json::object();
    if (current) extra["beforeHash"] = HashDoc(current->doc);
    RETURN_NOT_OK(AppendOplog(*head, op, &after, actor, extra).status());
  }
  WriteOptions wo = current ? WriteOptions::Update(current->etag) : WriteOptions::Create();
  auto put = transport()->Put(key, bytes, wo);
  if (put.ok()) return Entity{ids, key, put->etag, after};
  const Status& st = put.status();
  bool lost = st.IsFailedPrecondition() || st.IsAlreadyExists();
  if (head != nullptr) {
    // The oplog entry is the commit point: someone else (a helper or Repair)
    // applied it, or later entries superseded it. Either way it happened.
    if (lost) return Entity{ids, key, Md5Hex(bytes), after};
    return st.WithContext(Describe(ids) +
                          ": committed to the oplog but not applied (`worm repair` "
                          "completes it)");
  }
  if (st.IsAlreadyExists()) return Status::AlreadyExists(Describe(ids) + ": already exists");
  if (st.IsFailedPrecondition()) return LostRace(Describe(ids) + ": changed concurrently");
  return st.WithContext(Describe(ids));
}

// ---- get / update ---------------------------------------------------------------

Result<Entity> ModelStore::Get(const EntityIds& ids, const GetOptions& options) {
  ASSIGN_OR_RETURN(std::string key, KeyOf(ids));
  ASSIGN_OR_RETURN(std::optional<Stored> cur, Read(key));
  Entity e;
  if (cur) {
    e = Entity{ids, key, cur->etag, std::move(cur->doc)};
  } else if (options.with_deleted) {
    ASSIGN_OR_RETURN(std::optional<Entity> trashed, GetFromTrash(ids));
    if (!trashed) return Status::NotFound(Describe(ids) + ": not found (live or in the trash)");
    e = std::move(*trashed);
  } else {
    return Status::NotFound(Describe(ids) + ": not found");
  }
  if (!options.populate.empty()) RETURN_NOT_OK(Populate({&e.document}, options.populate, nullptr));
  return e;
}

Result<Entity> ModelStore::Update(const EntityIds& ids, const std::function<Status(Json&)>& mutate,
                                  const UpdateOptions& options, bool replace) {
  RETURN_NOT_OK(CheckWritable(*model_, false));
  ASSIGN_OR_RETURN(std::string key, KeyOf(ids));
  std::string actor = Actor(options);
  int retries = project_->options().max_cas_retries;
  for (int attempt = 0; attempt <= retries; ++attempt) {
    ASSIGN_OR_RETURN(std::optional<Stored> cur, Read(key));
    OplogHead head;
    if (model_->oplog) {
      ASSIGN_OR_RETURN(head, ReadOplogHead(ids));
      if (!HeadAgrees(head, cur)) {
        // Aborted: the entity moved on while being checked; read it again.
        Status rolled = RollForward(ids, head, cur, nullptr);
        if (!rolled.ok() && !rolled.IsAborted()) return rolled;
        continue;
      }
    }
    if (!cur) return Status::NotFound(Describe(ids) + ": not found");
    if (!cur->doc.is_object()) {
      return Status::DataLoss(key + ": stored document is not a JSON object; fix or delete it");
    }
    if (!options.if_match.empty() && cur->etag != options.if_match) {
      return Status::FailedPrecondition(Describe(ids) + ": etag " + options.if_match +
                                        " is stale (stored: " + cur->etag +
                                        "); re-read the entity and retry");
    }
    Json next = cur->doc;
    RETURN_NOT_OK(mutate(next));
    if (!next.is_object()) {
      return Status::InvalidArgument(Describe(ids) + ": document must be a JSON object, got " +
                                     TypeNameOf(next));
    }
    RETURN_NOT_OK(CheckIdFields(ids, next));
    if (replace) ApplyDefaults(next);
    HookEvent event{HookOp::kUpdate, model_->name, ids, actor, &cur->doc, &next};
    RETURN_NOT_OK(RunBefore(event));
    StampIds(ids, next);
    next["createdAt"] = cur->doc.value("createdAt", Json(project_->Now()));
    next["updatedAt"] = project_->Now();
    std::vector<RefUse> refs;
    RETURN_NOT_OK(Validate(ids, next, &refs));
    RETURN_NOT_OK(CheckRefs(ids, refs));
    Result<Entity> r =
        CommitLive(ids, key, "update", next, cur, model_->oplog ? &head : nullptr, actor);
    if (r.status().IsAborted()) {
      if (!options.if_match.empty()) {
        return Status::FailedPrecondition(Describe(ids) + ": changed concurrently since etag " +
                                          options.if_match + "; re-read and retry");
      }
      Backoff(attempt);
      continue;
    }
    if (!r.ok()) return r;
    HookEvent done{HookOp::kUpdate, model_->name, ids, actor, &cur->doc, &r->document};
    RunAfter(done);
    return r;
  }
  return Status::Aborted(Describe(ids) + ": lost the compare-and-swap " +
                         std::to_string(retries + 1) + " times to concurrent writers; retry");
}

}  // namespace worm::engine

// Repository and Project: the public facade. Every call is guarded so no
// exception (nlohmann type errors on odd stored data, bad_alloc) escapes.
#include "worm/repository.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/enforcer.h"
#include "engine/engine_internal.h"

namespace worm {
namespace {

template <typename F>
auto Guard(const std::string& what, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const nlohmann::json::exception& e) {
    return Status::DataLoss(what + ": unexpected JSON shape: " + e.what());
  } catch (const std::exception& e) {
    return Status::Internal(what + ": " + e.what());
  }
}

// The enforcer when calls are checked, else null.
const engine::Enforcer* Active(const engine::Enforcer* e) {
  return e != nullptr && e->active() ? e : nullptr;
}

// The principal's id as actor when a write names none.
template <typename Options>
Options WithActor(const engine::Enforcer* e, const Options& options) {
  Options o = options;
  if (e != nullptr && o.actor.empty() && !e->principal().anonymous()) o.actor = e->principal().id;
  return o;
}

// `action` on one entity, decided on its document: the live one, else its
// trash copy, else (gone for good) none, which only a model-level rule can
// allow. A row the principal may not read is NotFound. Fills *doc.
Status CheckEntity(const engine::Enforcer* e, engine::ModelStore* store, const EntityIds& ids,
                   Action action, Json* doc = nullptr) {
  RETURN_NOT_OK(e->Require(*store, action, ids, nullptr));
  Result<Entity> got = store->Get(ids, GetOptions{{}, /*with_deleted=*/true});
  if (!got.ok() && !got.status().IsNotFound()) return got.status();
  Json current = got.ok() ? std::move(got->document) : Json::object();
  RETURN_NOT_OK(e->RequireVisible(*store, ids, current));
  if (action != Action::kRead) RETURN_NOT_OK(e->Require(*store, action, ids, &current));
  if (doc != nullptr) *doc = std::move(current);
  return Status::OK();
}

}  // namespace

Json RepairReport::ToJson() const {
  return Json{{"entitiesChecked", entities_checked},
              {"actions", actions},
              {"problems", problems},
              {"ok", ok()}};
}

// ---- Repository ---------------------------------------------------------------

const schema::Model& Repository::model() const { return store_->model(); }
const std::string& Repository::name() const { return store_->model().name; }

std::vector<std::string> IdFieldNamesOf(const Repository& repo) {
  std::vector<std::string> names;
  for (const schema::Segment* s : repo.model().path.dynamic_segments()) names.push_back(s->name);
  return names;
}

Result<Entity> Repository::Create(const Json& document, const CreateOptions& options) {
  // Here, before the engine copies the input (a copy recurses per level).
  RETURN_NOT_OK(CheckJsonDepth(document, kMaxDocumentDepth, name() + ": document"));
  const engine::Enforcer* e = Active(enforcer_);
  return Guard(name(), [&]() -> Result<Entity> {
    if (e == nullptr) return store_->Create(document, options);
    RETURN_NOT_OK(e->Require(*store_, Action::kCreate, options.ids, nullptr));
    ASSIGN_OR_RETURN(Entity out, store_->Create(document, WithActor(e, options), e));
    e->Redact(*store_, out.document);
    return out;
  });
}

Result<Entity> Repository::Get(const EntityIds& ids, const GetOptions& options) {
  const engine::Enforcer* e = Active(enforcer_);
  return Guard(name(), [&]() -> Result<Entity> {
    if (e == nullptr) return store_->Get(ids, options);
    RETURN_NOT_OK(e->Require(*store_, Action::kRead, ids, nullptr));
    RETURN_NOT_OK(store_->CheckPopulate(options.populate, e));
    GetOptions plain = options;
    plain.populate.clear();
    ASSIGN_OR_RETURN(Entity out, store_->Get(ids, plain));
    RETURN_NOT_OK(e->RequireVisible(*store_, ids, out.document));
    e->Redact(*store_, out.document);
    if (!options.populate.empty()) {
      RETURN_NOT_OK(store_->Populate({&out.document}, options.populate, nullptr, e));
    }
    return out;
  });
}

Result<bool> Repository::Exists(const EntityIds& ids) {
  const engine::Enforcer* e = Active(enforcer_);
  return Guard(name(), [&]() -> Result<bool> {
    if (e != nullptr) {  // an invisible row does not exist for the principal
      Result<Entity> got = Get(ids, {});
      if (got.status().IsNotFound()) return false;
      RETURN_NOT_OK(got.status());
      return true;
    }
    ASSIGN_OR_RETURN(std::string key, store_->KeyOf(ids));
    auto head = store_->transport()->Head(key, {});
    if (head.ok()) return true;
    if (head.status().IsNotFound()) return false;
    return head.status().WithContext(key);
  });
}

Result<Entity> Repository::Replace(const EntityIds& ids, const Json& document,
                                   const UpdateOptions& options) {
  RETURN_NOT_OK(CheckJsonDepth(document, kMaxDocumentDepth, name() + ": document"));
  return Guard(name(), [&] {
    std::function<Status(Json&)> set = [&](Json& doc) -> Status {
      doc = document;
      return Status::OK();
    };
    return Update(ids, std::move(set), options, /*replace=*/true);
  });
}

Result<Entity> Repository::Patch(const EntityIds& ids, const Json& patch,
                                 const UpdateOptions& options) {
  if (!patch.is_object()) {
    return Status::InvalidArgument(name() + ": a merge patch must be a JSON object");
  }
  RETURN_NOT_OK(CheckJsonDepth(patch, kMaxDocumentDepth, name() + ": merge patch"));
  return Guard(name(), [&] {
    std::function<Status(Json&)> apply = [&](Json& doc) -> Status {
      engine::MergePatch(doc, patch);
      return Status::OK();
    };
    return Update(ids, std::move(apply), options, /*replace=*/false);
  });
}

Result<Entity> Repository::Mutate(const EntityIds& ids, const std::function<Status(Json&)>& mutate,
                                  const UpdateOptions& options) {
  return Guard(name(), [&] { return Update(ids, mutate, options, false); });
}

Result<Entity> Repository::Update(const EntityIds& ids, std::function<Status(Json&)> mutate,
                                  const UpdateOptions& options, bool replace) {
  const engine::Enforcer* e = Active(enforcer_);
  if (e == nullptr) return store_->Update(ids, mutate, options, replace);
  RETURN_NOT_OK(e->Require(*store_, Action::kUpdate, ids, nullptr));
  ASSIGN_OR_RETURN(Entity out, store_->Update(ids, e->GuardUpdate(*store_, ids, std::move(mutate)),
                                              WithActor(e, options), replace));
  e->Redact(*store_, out.document);
  return out;
}

Status Repository::Delete(const EntityIds& ids, const RemoveOptions& options) {
  const engine::Enforcer* e = Active(enforcer_);
  return Guard(name(), [&]() -> Status {
    if (e == nullptr) return store_->Delete(ids, options);
    RETURN_NOT_OK(e->Require(*store_, Action::kDelete, ids, nullptr));
    return store_->Delete(ids, WithActor(e, options), e);
  });
}

Result<Entity> Repository::Restore(const EntityIds& ids, const WriteContext& options) {
  const engine::Enforcer* e = Active(enforcer_);
  return Guard(name(), [&]() -> Result<Entity> {
    if (e == nullptr) return store_->Restore(ids, options);
    RETURN_NOT_OK(e->Require(*store_, Action::kRestore, ids, nullptr));
    ASSIGN_OR_RETURN(std::optional<Entity> trashed, store_->GetFromTrash(ids));
    if (!trashed) return Status::NotFound(store_->Describe(ids) + ": not in the trash");
    Status visible = e->RequireVisible(*store_, ids, trashed->document);
    if (visible.IsNotFound()) return Status::NotFound(store_->Describe(ids) + ": not in the trash");
    RETURN_NOT_OK(visible);
    RETURN_NOT_OK(e->Require(*store_, Action::kRestore, ids, &trashed->document));
    ASSIGN_OR_RETURN(Entity out, store_->Restore(ids, WithActor(e, options)));
    e->Redact(*store_, out.document);
    return out;
  });
}

Result<EntityPage> Repository::ListPage(const ListOptions& options) {
  const engine::Enforcer* e = Active(enforcer_);
  return Guard(name(), [&]() -> Result<EntityPage> {
    if (e == nullptr) return store_->ListPage(options);
    RETURN_NOT_OK(e->Require(*store_, Action::kList, {}, nullptr));
    std::optional<std::vector<std::string>> needs = e->VisibilityFields(*store_);
    bool row_level = !needs || !needs->empty();
    ListOptions o = options;
    if (row_level && !options.unfiltered_ids) o.documents = true;  // rows are decided on them
    ASSIGN_OR_RETURN(EntityPage page, store_->ListPage(o));
    if (options.unfiltered_ids && !options.documents) return page;
    size_t kept = 0;
    for (Entity& item : page.items) {
      ASSIGN_OR_RETURN(bool seen, e->CanRead(*store_, item.ids, &item.key, item.document, true));
      if (!seen) continue;
      if (options.documents) {
        e->Redact(*store_, item.document);
      } else {
        item.document = Json();
      }
      if (&page.items[kept] != &item) page.items[kept] = std::move(item);
      ++kept;
    }
    page.items.resize(kept);
    return page;
  });
}

Status Repository::Scan(const ListOptions& options,
                        const std::function<Status(const Entity&)>& fn) {
  if (Active(enforcer_) == nullptr) {
    return Guard(name(), [&] { return store_->Scan(options, fn); });
  }
  ListOptions o = options;
  while (true) {  // filtered pages may be short, even empty, before the last
    ASSIGN_OR_RETURN(EntityPage page, ListPage(o));
    for (const Entity& e : page.items) RETURN_NOT_OK(fn(e));
    if (page.next_cursor.empty()) return Status::OK();
    o.cursor = page.next_cursor;
  }
}

Result<std::vector<Entity>> Repository::List(const ListOptions& options) {
  std::vector<Entity> out;
  RETURN_NOT_OK(Scan(options, [&](const Entity& e) -> Status {
    out.push_back(e);
    return Status::OK();
  }));
  return out;
}

Result<StoredDocument> Repository::ReadStored(const Entity& listed) {
  const engine::Enforcer* e = Active(enforcer_);
  return Guard(name(), [&]() -> Result<StoredDocument> {
    if (e != nullptr) RETURN_NOT_OK(e->Require(*store_, Action::kRead, {}, nullptr));
    return store_->ReadStored(listed);
  });
}

Result<Json> Repository::Decode(std::string_view key, std::string_view bytes) const {
  return Guard(name(), [&] { return engine::ModelStore::Decode(key, bytes); });
}

Result<bool> Repository::Visible(const Entity& listed, const Json& doc, bool listing) const {
  const engine::Enforcer* e = Active(enforcer_);
  if (e == nullptr) return true;
  return Guard(name(), [&]() -> Result<bool> {
    return e->CanRead(*store_, listed.ids, &listed.key, doc, listing);
  });
}

std::optional<std::vector<std::string>> Repository::VisibilityFields() const {
  const engine::Enforcer* e = Active(enforcer_);
  if (e == nullptr) return std::vector<std::string>();
  return e->VisibilityFields(*store_);
}

void Repository::Redact(Json& doc) const {
  if (const engine::Enforcer* e = Active(enforcer_)) e->Redact(*store_, doc);
}

Status Repository::CheckReadable(const std::vector<std::string>& paths) const {
  const engine::Enforcer* e = Active(enforcer_);
  return e == nullptr ? Status::OK() : e->CheckReadable(*store_, paths);
}

bool Repository::restricted() const { return Active(enforcer_) != nullptr; }

Status Repository::Populate(const std::vector<Json*>& documents,
                            const std::vector<std::string>& paths, PopulateReport* report) {
  return Guard(name(),
               [&] { return store_->Populate(documents, paths, report, Active(enforcer_)); });
}

Status Repository::CheckPopulate(const std::vector<std::string>& paths) const {
  return Guard(name(), [&] { return store_->CheckPopulate(paths, Active(enforcer_)); });
}

Result<std::vector<OplogEntry>> Repository::History(const EntityIds& ids) {
  const engine::Enforcer* e = Active(enforcer_);
  return Guard(name(), [&]() -> Result<std::vector<OplogEntry>> {
    if (e != nullptr) RETURN_NOT_OK(CheckEntity(e, store_, ids, Action::kRead));
    ASSIGN_OR_RETURN(std::vector<OplogEntry> entries, store_->History(ids));
    if (e != nullptr) {  // past documents lose the hidden fields too
      for (OplogEntry& entry : entries) {
        if (entry.after.is_object()) e->Redact(*store_, entry.after);
        if (entry.raw.is_object() && entry.raw.contains("after") && entry.raw["after"].is_object())
          e->Redact(*store_, entry.raw["after"]);
      }
    }
    return entries;
  });
}

Result<OplogState> Repository::VerifyOplog(const EntityIds& ids) {
  const engine::Enforcer* e = Active(enforcer_);
  return Guard(name(), [&]() -> Result<OplogState> {
    if (e != nullptr) RETURN_NOT_OK(CheckEntity(e, store_, ids, Action::kRead));
    return store_->VerifyOplog(ids);
  });
}

Result<OplogEntry> Repository::AdoptLive(const EntityIds& ids, const WriteContext& options) {
  const engine::Enforcer* e = Active(enforcer_);
  return Guard(name(), [&]() -> Result<OplogEntry> {
    if (e == nullptr) return store_->AdoptLive(ids, options);
    RETURN_NOT_OK(CheckEntity(e, store_, ids, Action::kAdmin));
    return store_->AdoptLive(ids, WithActor(e, options));
  });
}

std::string_view OplogStateName(OplogState state) {
  switch (state) {
    case OplogState::kNoOplog:
      return "noOplog";
    case OplogState::kNoHistory:
      return "noHistory";
    case OplogState::kAgrees:
      return "agrees";
    case OplogState::kPending:
      return "pending";
  }
  return "unknown";
}

Result<SnapshotInfo> Repository::Snapshot(const EntityIds& ids) {
  const engine::Enforcer* e = Active(enforcer_);
  return Guard(name(), [&]() -> Result<SnapshotInfo> {
    if (e != nullptr) {
      Json doc;
      RETURN_NOT_OK(CheckEntity(e, store_, ids, Action::kRead, &doc));
      RETURN_NOT_OK(e->Require(*store_, Action::kUpdate, ids, &doc));
    }
    return store_->Snapshot(ids);
  });
}

Result<std::vector<SnapshotInfo>> Repository::ListSnapshots(const EntityIds& ids) {
  const engine::Enforcer* e = Active(enforcer_);
  return Guard(name(), [&]() -> Result<std::vector<SnapshotInfo>> {
    if (e != nullptr) RETURN_NOT_OK(CheckEntity(e, store_, ids, Action::kRead));
    return store_->ListSnapshots(ids);
  });
}

Result<Json> Repository::ReadSnapshot(const EntityIds& ids, const std::string& snapshot) {
  const engine::Enforcer* e = Active(enforcer_);
  return Guard(name(), [&]() -> Result<Json> {
    if (e == nullptr) return store_->ReadSnapshot(ids, snapshot);
    RETURN_NOT_OK(CheckEntity(e, store_, ids, Action::kRead));
    ASSIGN_OR_RETURN(Json doc, store_->ReadSnapshot(ids, snapshot));
    // The copy is decided as a document of its own (it may have had another owner).
    Status seen = e->RequireVisible(*store_, ids, doc);
    if (seen.IsNotFound()) {
      return Status::NotFound(store_->Describe(ids) + ": no snapshot '" + snapshot + "'");
    }
    RETURN_NOT_OK(seen);
    e->Redact(*store_, doc);
    return doc;
  });
}

Result<Entity> Repository::RestoreSnapshot(const EntityIds& ids, const std::string& snapshot,
                                           const UpdateOptions& options) {
  ASSIGN_OR_RETURN(Json doc, ReadSnapshot(ids, snapshot));
  ASSIGN_OR_RETURN(bool exists, Exists(ids));
  if (exists) return Replace(ids, doc, options);
  CreateOptions co;
  co.actor = options.actor;
  co.ids = ids;
  return Create(doc, co);
}

Result<Entity> Repository::Link(const EntityIds& ids, const std::string& link,
                                const EntityIds& target, const WriteContext& options) {
  const engine::Enforcer* e = Active(enforcer_);
  return Guard(name(), [&]() -> Result<Entity> {
    ASSIGN_OR_RETURN(Entity out, store_->Link(ids, link, target, WithActor(e, options), e));
    const Json& spec = model().links.is_object() ? model().links.value(link, Json()) : Json();
    if (e != nullptr && spec.is_object() && spec.value("through", Json()).is_string()) {
      auto join = store_->project().Store(spec["through"].get<std::string>());
      if (join.ok()) e->Redact(**join, out.document);
    }
    return out;
  });
}

Status Repository::Unlink(const EntityIds& ids, const std::string& link, const EntityIds& target,
                          const WriteContext& options) {
  const engine::Enforcer* e = Active(enforcer_);
  return Guard(name(), [&] { return store_->Unlink(ids, link, target, WithActor(e, options), e); });
}

Result<std::vector<Entity>> Repository::Linked(const EntityIds& ids, const std::string& link) {
  return Guard(name(), [&] { return store_->Linked(ids, link, Active(enforcer_)); });
}

Result<RepairReport> Repository::Repair() {
  const engine::Enforcer* e = Active(enforcer_);
  return Guard(name(), [&]() -> Result<RepairReport> {
    if (e != nullptr) RETURN_NOT_OK(e->RequireWhole(*store_, Action::kAdmin));
    return store_->Repair();
  });
}

void Repository::OnBefore(HookOp op, BeforeHook hook) { store_->AddBefore(op, std::move(hook)); }
void Repository::OnAfter(HookOp op, AfterHook hook) { store_->AddAfter(op, std::move(hook)); }

// ---- Project --------------------------------------------------------------------

Project::Project(std::shared_ptr<engine::ProjectState> state,
                 std::shared_ptr<const engine::Enforcer> enforcer)
    : state_(std::move(state)), enforcer_(std::move(enforcer)) {
  for (const auto& [model, store] : state_->stores())
    repos_.emplace(model,
                   std::unique_ptr<Repository>(new Repository(store.get(), enforcer_.get())));
}

Project::~Project() = default;

Result<std::unique_ptr<Project>> Project::Make(std::shared_ptr<engine::ProjectState> state,
                                               const std::optional<Principal>& principal) {
  std::shared_ptr<const engine::Enforcer> enforcer;
  if (principal) {
    enforcer = std::make_shared<const engine::Enforcer>(state.get(), state->policy(), *principal,
                                                        state->policy_status());
  }
  return std::unique_ptr<Project>(new Project(std::move(state), std::move(enforcer)));
}

Result<std::unique_ptr<Project>> Project::As(const Principal& principal) const {
  RETURN_NOT_OK(state_->policy_status());
  return Make(state_, principal);
}

const Principal* Project::principal() const {
  return enforcer_ ? &enforcer_->principal() : nullptr;
}

std::unique_ptr<Project> Project::Create(schema::Schema schema,
                                         std::shared_ptr<Transport> transport, Clock* clock,
                                         const ProjectOptions& options) {
  auto state = std::make_shared<engine::ProjectState>(std::move(schema), std::move(transport),
                                                      clock, options, "");
  state->CompilePolicy("");
  return std::move(Make(std::move(state), options.principal)).value();
}

Result<std::unique_ptr<Project>> Project::Open(const std::string& dir,
                                               const ProjectOptions& options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path start = fs::absolute(dir.empty() ? fs::path(".") : fs::path(dir), ec);
  if (ec) return Status::InvalidArgument(dir + ": " + ec.message());
  if (auto root = layout::FindProjectRoot(start)) return OpenAt(root->string(), options);
  return Status::NotFound(start.string() +
                          ": no .worm/schema.json here or in any parent folder; run `worm init`");
}

Result<std::unique_ptr<Project>> Project::OpenAt(const std::string& project_dir,
                                                 const ProjectOptions& options) {
  const layout::ProjectDir dir = layout::ProjectDir::At(project_dir);
  ASSIGN_OR_RETURN(schema::Schema schema, schema::LoadSchemaFile(dir.schema_path().string()));
  LocalTransportOptions lo;
  lo.sync = options.sync;
  ASSIGN_OR_RETURN(std::shared_ptr<Transport> transport,
                   NewLocalTransport(dir.data_dir().string(), lo));
  auto state = std::make_shared<engine::ProjectState>(std::move(schema), std::move(transport),
                                                      nullptr, options, project_dir);
  // The text only gives decisions their line:column.
  std::string text;
  {
    std::ifstream in(dir.schema_path(), std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  state->CompilePolicy(text);
  RETURN_NOT_OK(state->policy_status().WithContext(dir.schema_path().filename().string()));
  return Make(std::move(state), options.principal);
}

Result<Repository*> Project::Get(std::string_view model) {
  ASSIGN_OR_RETURN(engine::ModelStore * store, state_->Store(model));
  (void)store;
  std::lock_guard<std::mutex> lock(mu_);
  return repos_.find(model)->second.get();
}

Result<RepairReport> Project::Repair() {
  RepairReport all;
  if (enforcer_ && enforcer_->active()) {  // every model first: all or nothing
    for (const auto& [model, store] : state_->stores())
      RETURN_NOT_OK(enforcer_->RequireWhole(*store, Action::kAdmin));
  }
  for (const auto& [model, repo] : repos_) {
    ASSIGN_OR_RETURN(RepairReport r, repo->Repair());
    all.entities_checked += r.entities_checked;
    all.actions.insert(all.actions.end(), r.actions.begin(), r.actions.end());
    all.problems.insert(all.problems.end(), r.problems.begin(), r.problems.end());
  }
  return all;
}

const schema::Schema& Project::schema() const { return state_->schema(); }
Transport* Project::transport() const { return state_->transport(); }
const std::string& Project::root() const { return state_->root(); }

}  // namespace worm

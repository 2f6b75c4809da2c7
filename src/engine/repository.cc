// Repository and Project: the public facade. Every call is guarded so no
// exception (nlohmann type errors on odd stored data, bad_alloc) escapes.
#include "worm/repository.h"

#include <filesystem>

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
  return Guard(name(), [&] { return store_->Create(document, options); });
}

Result<Entity> Repository::Get(const EntityIds& ids, const GetOptions& options) {
  return Guard(name(), [&] { return store_->Get(ids, options); });
}

Result<bool> Repository::Exists(const EntityIds& ids) {
  return Guard(name(), [&]() -> Result<bool> {
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
    auto set = [&](Json& doc) -> Status {
      doc = document;
      return Status::OK();
    };
    return store_->Update(ids, set, options, /*replace=*/true);
  });
}

Result<Entity> Repository::Patch(const EntityIds& ids, const Json& patch,
                                 const UpdateOptions& options) {
  if (!patch.is_object()) {
    return Status::InvalidArgument(name() + ": a merge patch must be a JSON object");
  }
  RETURN_NOT_OK(CheckJsonDepth(patch, kMaxDocumentDepth, name() + ": merge patch"));
  return Guard(name(), [&] {
    auto apply = [&](Json& doc) -> Status {
      engine::MergePatch(doc, patch);
      return Status::OK();
    };
    return store_->Update(ids, apply, options, /*replace=*/false);
  });
}

Result<Entity> Repository::Mutate(const EntityIds& ids, const std::function<Status(Json&)>& mutate,
                                  const UpdateOptions& options) {
  return Guard(name(), [&] { return store_->Update(ids, mutate, options, false); });
}

Status Repository::Delete(const EntityIds& ids, const RemoveOptions& options) {
  return Guard(name(), [&] { return store_->Delete(ids, options); });
}

Result<Entity> Repository::Restore(const EntityIds& ids, const WriteContext& options) {
  return Guard(name(), [&] { return store_->Restore(ids, options); });
}

Result<EntityPage> Repository::ListPage(const ListOptions& options) {
  return Guard(name(), [&] { return store_->ListPage(options); });
}

Status Repository::Scan(const ListOptions& options,
                        const std::function<Status(const Entity&)>& fn) {
  return Guard(name(), [&] { return store_->Scan(options, fn); });
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
  return Guard(name(), [&] { return store_->ReadStored(listed); });
}

Result<Json> Repository::Decode(std::string_view key, std::string_view bytes) const {
  return Guard(name(), [&] { return engine::ModelStore::Decode(key, bytes); });
}

Status Repository::Populate(const std::vector<Json*>& documents,
                            const std::vector<std::string>& paths, PopulateReport* report) {
  return Guard(name(), [&] { return store_->Populate(documents, paths, report); });
}

Status Repository::CheckPopulate(const std::vector<std::string>& paths) const {
  return Guard(name(), [&] { return store_->CheckPopulate(paths); });
}

Result<std::vector<OplogEntry>> Repository::History(const EntityIds& ids) {
  return Guard(name(), [&] { return store_->History(ids); });
}

Result<OplogState> Repository::VerifyOplog(const EntityIds& ids) {
  return Guard(name(), [&] { return store_->VerifyOplog(ids); });
}

Result<OplogEntry> Repository::AdoptLive(const EntityIds& ids, const WriteContext& options) {
  return Guard(name(), [&] { return store_->AdoptLive(ids, options); });
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
  return Guard(name(), [&] { return store_->Snapshot(ids); });
}

Result<std::vector<SnapshotInfo>> Repository::ListSnapshots(const EntityIds& ids) {
  return Guard(name(), [&] { return store_->ListSnapshots(ids); });
}

Result<Json> Repository::ReadSnapshot(const EntityIds& ids, const std::string& snapshot) {
  return Guard(name(), [&] { return store_->ReadSnapshot(ids, snapshot); });
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
  return Guard(name(), [&] { return store_->Link(ids, link, target, options); });
}

Status Repository::Unlink(const EntityIds& ids, const std::string& link, const EntityIds& target,
                          const WriteContext& options) {
  return Guard(name(), [&] { return store_->Unlink(ids, link, target, options); });
}

Result<std::vector<Entity>> Repository::Linked(const EntityIds& ids, const std::string& link) {
  return Guard(name(), [&] { return store_->Linked(ids, link); });
}

Result<RepairReport> Repository::Repair() {
  return Guard(name(), [&] { return store_->Repair(); });
}

void Repository::OnBefore(HookOp op, BeforeHook hook) { store_->AddBefore(op, std::move(hook)); }
void Repository::OnAfter(HookOp op, AfterHook hook) { store_->AddAfter(op, std::move(hook)); }

// ---- Project --------------------------------------------------------------------

Project::Project(std::unique_ptr<engine::ProjectState> state) : state_(std::move(state)) {
  for (const auto& [model, store] : state_->stores())
    repos_.emplace(model, std::unique_ptr<Repository>(new Repository(store.get())));
}

Project::~Project() = default;

std::unique_ptr<Project> Project::Create(schema::Schema schema,
                                         std::shared_ptr<Transport> transport, Clock* clock,
                                         const ProjectOptions& options) {
  auto state = std::make_unique<engine::ProjectState>(std::move(schema), std::move(transport),
                                                      clock, options, "");
  return std::unique_ptr<Project>(new Project(std::move(state)));
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
  auto state = std::make_unique<engine::ProjectState>(std::move(schema), std::move(transport),
                                                      nullptr, options, project_dir);
  return std::unique_ptr<Project>(new Project(std::move(state)));
}

Result<Repository*> Project::Get(std::string_view model) {
  ASSIGN_OR_RETURN(engine::ModelStore * store, state_->Store(model));
  (void)store;
  std::lock_guard<std::mutex> lock(mu_);
  return repos_.find(model)->second.get();
}

Result<RepairReport> Project::Repair() {
  RepairReport all;
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

// Populate: ref fields replaced by the documents they name. One set of rules
// for Get (GetOptions::populate) and queries (Repository::Populate), and one
// memo per call, so each referenced entity is read once however many
// documents name it.
#include "core/strings.h"
#include "engine/enforcer.h"
#include "engine/engine_internal.h"

namespace worm::engine {
namespace {

using schema::Field;
using schema::FieldType;

// Refs followed one after another by one path ("a.b.c" through three refs);
// longer chains are cycles or mistakes.
constexpr int kMaxPopulateDepth = 8;

const Field* FindIn(const std::vector<Field>& fields, const std::string& name) {
  for (const Field& f : fields)
    if (f.name == name) return &f;
  return nullptr;
}

// The model `f` refers to, itself or as an array of refs; "" when neither.
const std::string& RefOf(const Field& f) {
  static const std::string kNone;
  if (!f.ref.empty()) return f.ref;
  if (f.items != nullptr && !f.items->ref.empty()) return f.items->ref;
  return kNone;
}

// The fields a path goes on into after `f`: an object's, or the elements'
// of an array of objects. Null for any other field.
const std::vector<Field>* InnerFields(const Field& f) {
  if (f.type == FieldType::kObject) return &f.properties;
  if (f.type == FieldType::kArray && f.items != nullptr && f.items->type == FieldType::kObject)
    return &f.items->properties;
  return nullptr;
}

// segs[from..] within `model`, reached through `depth` refs from `root`.
// With `enforcer`, every segment must be a field the principal may read in
// its model.
Status CheckPath(const ProjectState& project, const schema::Model& root, const std::string& path,
                 const ModelStore& store, const std::vector<std::string>& segs, size_t from,
                 int depth, const Enforcer* enforcer) {
  const schema::Model& model = store.model();
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument(root.name + ": populate '" + path + "': " + why);
  };
  if (depth > kMaxPopulateDepth) return bad("nests too deep");
  const std::vector<Field>* fields = &model.fields;
  for (size_t i = from; i < segs.size(); ++i) {
    const Field* f = FindIn(*fields, segs[i]);
    if (f == nullptr) {
      return bad("no field '" + segs[i] + "'" + (depth > 0 ? " in " + model.name : ""));
    }
    if (enforcer != nullptr) {
      std::string within =
          Join(std::vector<std::string>(segs.begin() + from, segs.begin() + i + 1), ".");
      RETURN_NOT_OK(enforcer->CheckReadable(store, {within}));
    }
    const std::string& ref = RefOf(*f);
    if (!ref.empty()) {
      if (i + 1 == segs.size()) return Status::OK();
      ASSIGN_OR_RETURN(ModelStore * target, project.Store(ref));
      return CheckPath(project, root, path, *target, segs, i + 1, depth + 1, enforcer);
    }
    fields = InnerFields(*f);
    if (fields == nullptr || i + 1 == segs.size()) {
      return bad("field '" + segs[i] + "' is not a ref");
    }
  }
  return Status::OK();
}

// One Populate call: the paths are checked, so every segment names a field.
class Populator {
 public:
  Populator(ProjectState* project, PopulateReport* report, const Enforcer* enforcer)
      : project_(project), report_(report), enforcer_(enforcer) {}

  // Populates segs[from..] in `value`, whose members are `fields`. What the
  // data does not hold (a missing or null member, another shape) is left.
  Status Walk(const std::vector<Field>& fields, Json& value, const std::vector<std::string>& segs,
              size_t from) {
    if (!value.is_object()) return Status::OK();
    const Field* f = FindIn(fields, segs[from]);
    auto it = value.find(segs[from]);
    if (f == nullptr || it == value.end() || it->is_null()) return Status::OK();
    if (const std::string& ref = RefOf(*f); !ref.empty()) {
      ASSIGN_OR_RETURN(ModelStore * target, project_->Store(ref));
      if (!it->is_array()) return Fill(target, segs, from + 1, *it);
      for (Json& e : *it) RETURN_NOT_OK(Fill(target, segs, from + 1, e));
      return Status::OK();
    }
    const std::vector<Field>* inner = InnerFields(*f);
    if (inner == nullptr || from + 1 == segs.size()) return Status::OK();
    if (f->type != FieldType::kArray) return Walk(*inner, *it, segs, from + 1);
    if (!it->is_array()) return Status::OK();
    for (Json& e : *it) RETURN_NOT_OK(Walk(*inner, e, segs, from + 1));
    return Status::OK();
  }

 private:
  // Replaces the id in `slot` by the document of `target` it names, itself
  // populated with segs[rest..].
  Status Fill(ModelStore* target, const std::vector<std::string>& segs, size_t rest, Json& slot) {
    if (!slot.is_string()) return Status::OK();  // already populated, or not an id
    auto key = std::make_pair(target, slot.get<std::string>());
    auto it = memo_.find(key);
    if (it == memo_.end()) {
      Result<Entity> got = target->Get(SplitIds(key.second), {});
      if (report_ != nullptr) ++report_->fetched;
      std::optional<Json> doc;
      if (got.ok() && enforcer_ != nullptr) {
        // Not readable: the id stays, as for a missing entity.
        Result<bool> seen = enforcer_->CanRead(*target, got->ids, &got->key, got->document, false);
        if (seen.status().code() == StatusCode::kPermissionDenied || (seen.ok() && !*seen)) {
          got = Status::NotFound(target->Describe(got->ids) + ": not found");
        } else if (!seen.ok()) {
          return seen.status();
        } else {
          enforcer_->Redact(*target, got->document);
        }
      }
      if (got.ok()) {
        doc = std::move(got->document);
      } else if (got.status().code() == StatusCode::kDataLoss && report_ != nullptr) {
        report_->problems.push_back(got.status().message());  // names the key
      } else if (!got.status().IsNotFound() && !got.status().IsInvalidArgument()) {
        return got.status();  // DataLoss without a report, the transport's errors
      }
      it = memo_.emplace(std::move(key), std::move(doc)).first;
    }
    if (!it->second) return Status::OK();  // dangling ref: the id stays
    Json doc = *it->second;
    if (rest < segs.size()) RETURN_NOT_OK(Walk(target->model().fields, doc, segs, rest));
    slot = std::move(doc);
    return Status::OK();
  }

  ProjectState* project_;
  PopulateReport* report_;    // may be null
  const Enforcer* enforcer_;  // null: the trusted owner
  // (model, id) -> its document as stored, or nullopt when there is none.
  std::map<std::pair<const ModelStore*, std::string>, std::optional<Json>> memo_;
};

}  // namespace

Status ModelStore::CheckPopulate(const std::vector<std::string>& paths,
                                 const Enforcer* enforcer) const {
  if (enforcer != nullptr && !enforcer->active()) enforcer = nullptr;
  for (const std::string& path : paths)
    RETURN_NOT_OK(CheckPath(*project_, *model_, path, *this, Split(path, '.'), 0, 0, enforcer));
  return Status::OK();
}

Status ModelStore::Populate(const std::vector<Json*>& docs, const std::vector<std::string>& paths,
                            PopulateReport* report, const Enforcer* enforcer) {
  if (enforcer != nullptr && !enforcer->active()) enforcer = nullptr;
  RETURN_NOT_OK(CheckPopulate(paths, enforcer));
  std::vector<std::vector<std::string>> split;
  for (const std::string& path : paths) split.push_back(Split(path, '.'));
  Populator populator(project_, report, enforcer);
  for (Json* doc : docs) {
    for (const std::vector<std::string>& segs : split)
      RETURN_NOT_OK(populator.Walk(model_->fields, *doc, segs, 0));
  }
  return Status::OK();
}

}  // namespace worm::engine

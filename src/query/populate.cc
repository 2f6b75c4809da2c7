#include "query/populate.h"

#include "query/projection.h"
#include "schema/schema.h"
#include "worm/repository.h"

namespace worm::query {

namespace {

// Ref chains longer than this are cycles or mistakes (as the engine).
constexpr int kMaxPopulateDepth = 8;

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t p = s.find(sep, start);
    out.push_back(s.substr(start, p == std::string::npos ? p : p - start));
    if (p == std::string::npos) return out;
    start = p + 1;
  }
}

const schema::Field* FindIn(const std::vector<schema::Field>& fields, const std::string& name) {
  for (const schema::Field& f : fields) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::string Join(const std::vector<std::string>& segs, size_t from) {
  std::string out;
  for (size_t i = from; i < segs.size(); ++i) out += (out.empty() ? "" : ".") + segs[i];
  return out;
}

}  // namespace

Status Populator::Populate(const schema::Model& model, Json& doc,
                           const std::vector<std::string>& paths) {
  for (const std::string& path : paths) RETURN_NOT_OK(PopulatePath(model, doc, path, 0));
  return Status::OK();
}

Status Populator::FetchInto(const std::string& ref_model, const std::string& rest, Json& slot,
                            int depth) {
  if (!slot.is_string()) return Status::OK();  // already populated, or not an id
  auto memo_key = std::make_pair(ref_model, slot.get<std::string>());
  auto it = memo_.find(memo_key);
  if (it == memo_.end()) {
    ASSIGN_OR_RETURN(Repository * repo, project_->Get(ref_model));
    auto got = repo->Get(Split(memo_key.second, '/'));
    ++fetched_;
    std::optional<Json> doc;
    if (got.ok()) {
      doc = std::move(got->document);
    } else if (got.status().code() == StatusCode::kDataLoss) {
      problems_.push_back(got.status().message());  // names the key
    } else if (!got.status().IsNotFound() && !got.status().IsInvalidArgument()) {
      return got.status();
    }
    it = memo_.emplace(std::move(memo_key), std::move(doc)).first;
  }
  if (!it->second) return Status::OK();  // dangling ref: the id stays
  Json target = *it->second;
  if (!rest.empty()) {
    ASSIGN_OR_RETURN(Repository * repo, project_->Get(ref_model));
    RETURN_NOT_OK(PopulatePath(repo->model(), target, rest, depth + 1));
  }
  slot = std::move(target);
  return Status::OK();
}

Status Populator::PopulatePath(const schema::Model& model, Json& doc, const std::string& path,
                               int depth) {
  if (depth > kMaxPopulateDepth) {
    return Status::InvalidArgument(model.name + ": populate '" + path + "' nests too deep");
  }
  std::vector<std::string> segs = Split(path, '.');
  const std::vector<schema::Field>* fields = &model.fields;
  Json* cur = &doc;
  for (size_t i = 0; i < segs.size() && cur->is_object(); ++i) {
    const schema::Field* f = FindIn(*fields, segs[i]);
    auto it = cur->find(segs[i]);
    if (f == nullptr || it == cur->end() || it->is_null()) return Status::OK();
    std::string ref = !f->ref.empty() ? f->ref : (f->items ? f->items->ref : "");
    if (!ref.empty()) {
      std::string rest = Join(segs, i + 1);
      if (!it->is_array()) return FetchInto(ref, rest, *it, depth);
      for (Json& e : *it) RETURN_NOT_OK(FetchInto(ref, rest, e, depth));
      return Status::OK();
    }
    fields = &f->properties;
    cur = &*it;
  }
  return Status::OK();
}

}  // namespace worm::query

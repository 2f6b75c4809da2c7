// StorageResolver: models and ids to bucket keys, and back.
#include "schema/resolver.h"

#include <algorithm>

#include "core/strings.h"
#include "schema/ids.h"
#include "schema/utf8.h"

namespace worm::schema {

namespace {

constexpr std::string_view kSystemFolders[] = {layout::kOplogFolder, layout::kSnapshotsFolder,
                                               layout::kTrashFolder};

// The key-level segments of a model: its path, then its file.
std::vector<const Segment*> KeySegments(const Model& m) {
  std::vector<const Segment*> out;
  if (!m.full.segments.empty()) {
    for (const Segment& s : m.full.segments) out.push_back(&s);
    return out;
  }
  for (const Segment& s : m.path.segments) {
    if (s.kind != SegmentKind::kFile) out.push_back(&s);
  }
  if (const Segment* f = m.file.file()) out.push_back(f);
  return out;
}

std::string Literal(const Segment& s) {
  return s.kind == SegmentKind::kFile ? s.name + s.extension : s.name;
}

// One entity's path, segment by segment, without the file.
struct Rendered {
  std::vector<std::string> parts;
  int last_dynamic = -1;  // index in `parts` of the last dynamic segment
  std::string file;       // "profile.json"; empty when the model has none
  std::string path() const { return Join(parts, "/"); }
};

SystemFolders FoldersFor(const Rendered& r, Layout layout) {
  std::string entity = r.path();
  std::string folder[3];
  for (int i = 0; i < 3; ++i) {
    std::string sys(kSystemFolders[i]);
    if (layout == Layout::kRoot) {
      folder[i] = sys + "/" + entity + "/";
    } else if (layout == Layout::kInline || r.last_dynamic < 0) {
      folder[i] = entity + "/" + sys + "/";
    } else {
      auto at = static_cast<size_t>(r.last_dynamic);
      std::string head = Join(r.parts, "/", 0, at);
      folder[i] = (head.empty() ? "" : head + "/") + sys + "/" + Join(r.parts, "/", at) + "/";
    }
  }
  return SystemFolders{folder[0], folder[1], folder[2]};
}

}  // namespace

class ResolverImpl {
 public:
  // `ids` null: placeholders "{name}" instead of ids, nothing validated.
  static Result<Rendered> Render(const Schema& schema, const Model& m, const EntityIds* ids) {
    std::vector<const Segment*> segs = KeySegments(m);
    RETURN_NOT_OK(CheckIdCount(m, segs, ids));
    Rendered r;
    size_t next_id = 0;
    for (const Segment* s : segs) {
      if (s->kind == SegmentKind::kFile) {
        r.file = Literal(*s);
        continue;
      }
      if (s->kind != SegmentKind::kDynamic) {
        r.parts.push_back(s->name);
        continue;
      }
      r.last_dynamic = static_cast<int>(r.parts.size());
      if (ids == nullptr) {
        r.parts.push_back("{" + s->name + "}");
        continue;
      }
      const std::string& id = (*ids)[next_id++];
      RETURN_NOT_OK(CheckId(schema, m, *s, id));
      r.parts.push_back(id);
    }
    return r;
  }

 private:
  static Status CheckIdCount(const Model& m, const std::vector<const Segment*>& segs,
                             const EntityIds* ids) {
    if (ids == nullptr) return Status::OK();
    std::vector<std::string> names;
    for (const Segment* s : segs) {
      if (s->kind == SegmentKind::kDynamic) names.push_back(s->name);
    }
    if (ids->size() == names.size()) return Status::OK();
    if (names.empty()) {
      return Status::InvalidArgument(m.name + ": a singleton takes no id, got " +
                                     std::to_string(ids->size()));
    }
    return Status::InvalidArgument(m.name + ": expected " + std::to_string(names.size()) +
                                   (names.size() == 1 ? " id (" : " ids (") + Join(names, ", ") +
                                   "), got " + std::to_string(ids->size()));
  }

  static Status CheckId(const Schema& schema, const Model& m, const Segment& s,
                        const std::string& id) {
    RETURN_NOT_OK(ValidateIdSegment(id, s.name).WithContext(m.name));
    auto t = schema.dynamic_types.find(s.type);
    if (t == schema.dynamic_types.end()) {
      return Status::InvalidArgument(m.name + ": dynamic type '" + s.type + "' of " + s.name +
                                     " is not defined in the schema");
    }
    if (!t->second.Matches(id)) {
      return Status::InvalidArgument(m.name + ": " + s.name + " '" + internal::Printable(id) +
                                     "' is not a valid " + s.type + ": it must match " +
                                     t->second.regex);
    }
    return Status::OK();
  }
};

std::string StorageResolver::BasePath(const Model& model) const {
  std::string out;
  for (const Segment* s : KeySegments(model)) {
    if (s->kind == SegmentKind::kDynamic || s->kind == SegmentKind::kFile) break;
    if (!out.empty()) out += '/';
    out += s->name;
  }
  return out;
}

std::string StorageResolver::CollectionPrefix(const Model& model) const {
  std::string base = BasePath(model);
  return base.empty() ? base : base + "/";
}

std::string StorageResolver::KeyTemplate(const Model& model) const {
  Result<Rendered> r = ResolverImpl::Render(*schema_, model, nullptr);
  if (!r.ok()) return {};
  return r->file.empty() ? r->path() : r->path() + "/" + r->file;
}

Result<std::string> StorageResolver::EntityPath(const Model& model, const EntityIds& ids) const {
  ASSIGN_OR_RETURN(Rendered r, ResolverImpl::Render(*schema_, model, &ids));
  return r.path();
}

Result<std::string> StorageResolver::EntityKey(const Model& model, const EntityIds& ids) const {
  ASSIGN_OR_RETURN(Rendered r, ResolverImpl::Render(*schema_, model, &ids));
  if (r.file.empty()) {
    return Status::InvalidArgument(model.name + ": the model names no file; add \"file\"");
  }
  std::string key = r.path() + "/" + r.file;
  RETURN_NOT_OK(ValidateKey(key).WithContext(model.name));
  return key;
}

Result<SystemFolders> StorageResolver::SystemFoldersFor(const Model& model,
                                                        const EntityIds& ids) const {
  ASSIGN_OR_RETURN(Rendered r, ResolverImpl::Render(*schema_, model, &ids));
  return FoldersFor(r, schema_->LayoutOf(model));
}

SystemFolders StorageResolver::SystemFolderTemplates(const Model& model) const {
  Result<Rendered> r = ResolverImpl::Render(*schema_, model, nullptr);
  if (!r.ok()) return {};
  return FoldersFor(*r, schema_->LayoutOf(model));
}

EntityKeyParser::EntityKeyParser(const Schema& schema, const Model& model) {
  for (const Segment* s : KeySegments(model)) {
    Part part;
    part.dynamic = s->kind == SegmentKind::kDynamic;
    if (!part.dynamic) {
      part.literal = Literal(*s);
    } else if (auto t = schema.dynamic_types.find(s->type); t != schema.dynamic_types.end()) {
      part.type = &t->second;
    }
    parts_.push_back(std::move(part));
  }
}

bool EntityKeyParser::Parse(std::string_view key, EntityIds* ids) const {
  ids->clear();
  if (parts_.empty()) return false;
  size_t start = 0;
  for (size_t i = 0; i < parts_.size(); ++i) {
    const bool last = i + 1 == parts_.size();
    size_t end = key.find('/', start);
    if ((end == std::string_view::npos) != last) return false;
    if (last) end = key.size();
    std::string_view segment = key.substr(start, end - start);
    // A system entry (IsSystemKey), checked on the segments walked here: a
    // key with more or fewer segments is refused anyway.
    if (!segment.empty() && segment[0] == '.') return false;
    const Part& part = parts_[i];
    if (!part.dynamic) {
      if (segment != part.literal) return false;
    } else {
      if (part.type == nullptr || !ValidateIdSegment(segment).ok() ||
          !part.type->Matches(segment)) {
        return false;
      }
      ids->emplace_back(segment);
    }
    start = end + 1;
  }
  return true;
}

Result<EntityIds> StorageResolver::ParseEntityKey(const Model& model, std::string_view key) const {
  if (IsSystemKey(key)) {
    return Status::NotFound("key '" + internal::Printable(key) +
                            "': a system entry, not an entity");
  }
  EntityIds ids;
  if (EntityKeyParser(*schema_, model).Parse(key, &ids)) return ids;
  return Status::NotFound("key '" + internal::Printable(key) + "': not a " + model.name + " key (" +
                          KeyTemplate(model) + ")");
}

Result<std::pair<const Model*, EntityIds>> StorageResolver::Classify(std::string_view key) const {
  if (IsSystemKey(key)) {
    return Status::NotFound("key '" + internal::Printable(key) +
                            "': a system entry, not an entity");
  }
  for (const Model& m : schema_->models) {
    Result<EntityIds> ids = ParseEntityKey(m, key);
    if (ids.ok()) return std::make_pair(&m, std::move(ids).value());
  }
  return Status::NotFound("key '" + internal::Printable(key) + "': no model owns it");
}

std::vector<std::string> StorageResolver::IdNames(const Model& model) {
  std::vector<std::string> names;
  for (const Segment* s : KeySegments(model)) {
    if (s->kind == SegmentKind::kDynamic) names.push_back(s->name);
  }
  return names;
}

Result<EntityIds> StorageResolver::IdsFromNamed(const Model& model,
                                                const std::map<std::string, std::string>& named) {
  std::vector<std::string> names = IdNames(model);
  EntityIds ids;
  for (const std::string& n : names) {
    auto it = named.find(n);
    if (it == named.end()) {
      return Status::InvalidArgument(model.name + ": missing id '" + n +
                                     "' (ids: " + Join(names, ", ") + ")");
    }
    ids.push_back(it->second);
  }
  for (const auto& [n, v] : named) {
    if (std::find(names.begin(), names.end(), n) == names.end()) {
      return Status::InvalidArgument(model.name + ": unknown id name '" + internal::Printable(n) +
                                     "' (ids: " + (names.empty() ? "none" : Join(names, ", ")) +
                                     ")");
    }
  }
  return ids;
}

std::string StorageResolver::SentinelKey(const Model& model) const {
  return CollectionPrefix(model) + layout::kSentinelName;
}

}  // namespace worm::schema

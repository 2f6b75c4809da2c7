// Listing a collection page by page (memory bounded by the page size), the
// trash of a collection, system folders (for Repair), and "seq" ids.
#include <algorithm>

#include "engine/engine_internal.h"

namespace worm::engine {
namespace {

constexpr std::string_view kLivePhase = "L:";
constexpr std::string_view kTrashPhase = "T:";

std::string TemplatePrefix(const std::string& tmpl) {
  size_t brace = tmpl.find('{');
  if (brace == std::string::npos) return tmpl;
  size_t slash = tmpl.rfind('/', brace);
  return slash == std::string::npos ? std::string() : tmpl.substr(0, slash + 1);
}

// True when `st` is an undecodable document the listing leaves out (recorded).
bool SkipUndecodable(const ListOptions& options, const Status& st, EntityPage* page) {
  if (!options.skip_undecodable || st.code() != StatusCode::kDataLoss) return false;
  page->problems.push_back(st.message());
  return true;
}

bool ParentsMatch(const EntityIds& parents, const EntityIds& ids) {
  if (parents.size() > ids.size()) return false;
  return std::equal(parents.begin(), parents.end(), ids.begin());
}

}  // namespace

Result<std::string> ModelStore::PrefixFor(const EntityIds& parents) const {
  if (parents.empty()) return project_->resolver().CollectionPrefix(*model_);
  std::string prefix;
  size_t used = 0;
  for (const schema::Segment& s : model_->path.segments) {
    if (s.kind == schema::SegmentKind::kFile) break;
    if (s.kind == schema::SegmentKind::kDynamic) {
      if (used == parents.size()) break;
      prefix += parents[used++] + "/";
    } else {
      prefix += s.name + "/";
    }
  }
  if (used != parents.size()) {
    return Status::InvalidArgument(model_->name + ": " + std::to_string(parents.size()) +
                                   " parent ids given, the path has fewer dynamic segments");
  }
  return prefix;
}

Result<EntityPage> ModelStore::ListPage(const ListOptions& options) {
  EntityPage page;
  int limit = std::clamp(options.limit, 1, 1000);
  if (model_->singleton) {
    if (!options.cursor.empty()) return page;
    auto got = Get({}, GetOptions{{}, options.with_deleted});
    if (got.ok()) page.items.push_back(std::move(*got));
    if (SkipUndecodable(options, got.status(), &page)) return page;
    if (!got.ok() && !got.status().IsNotFound()) return got.status();
    return page;
  }
  bool trash_phase = options.cursor.starts_with(kTrashPhase);
  std::string after = options.cursor.size() >= 2 ? options.cursor.substr(2) : "";
  const schema::StorageResolver& resolver = project_->resolver();
  std::string tomb_tmpl = resolver.SystemFolderTemplates(*model_).trash;
  if (!tomb_tmpl.empty() && tomb_tmpl.back() != '/') tomb_tmpl += '/';
  std::string prefix;
  if (trash_phase) {
    prefix = TemplatePrefix(tomb_tmpl);
  } else {
    ASSIGN_OR_RETURN(prefix, PrefixFor(options.parent_ids));
  }
  ListRequest req{prefix, "", after, "", limit};
  // True once the bucket listing has nothing after req.start_after, so a
  // page that happens to end exactly there needs no cursor (and no extra,
  // empty LIST to find that out).
  bool listing_done = false;
  while (static_cast<int>(page.items.size()) < limit) {
    ASSIGN_OR_RETURN(worm::ListPage got, transport()->List(req));
    listing_done = false;
    page.items.reserve(std::min<size_t>(limit, page.items.size() + got.objects.size()));
    for (ObjectMeta& m : got.objects) {
      req.start_after = m.key;
      listing_done = got.next_token.empty() && &m == &got.objects.back();
      EntityIds ids;
      std::string file;
      bool deleted = false;
      if (trash_phase) {
        if (!MatchFolderTemplate(tomb_tmpl, m.key, &ids, &file) || file != layout::kTombstoneName)
          continue;
        deleted = true;
      } else if (!key_parser_.Parse(m.key, &ids)) {
        continue;
      }
      if (!ParentsMatch(options.parent_ids, ids)) continue;
      Entity e{std::move(ids), std::move(m.key), std::move(m.etag), Json(), deleted};
      if (deleted) {
        Result<std::optional<Entity>> trashed = GetFromTrash(e.ids);
        if (SkipUndecodable(options, trashed.status(), &page)) continue;
        ASSIGN_OR_RETURN(std::optional<Entity> t, std::move(trashed));
        if (!t) continue;
        e = std::move(*t);
        if (!options.documents) e.document = Json();
      } else if (options.documents) {
        Result<Entity> full = Get(e.ids, {});
        if (full.status().IsNotFound()) continue;  // deleted since the listing
        if (SkipUndecodable(options, full.status(), &page)) continue;
        RETURN_NOT_OK(full.status());
        e = std::move(*full);
      }
      page.items.push_back(std::move(e));
      if (static_cast<int>(page.items.size()) >= limit) break;
    }
    if (got.objects.empty() && got.next_token.empty()) listing_done = true;
    if (got.next_token.empty() || static_cast<int>(page.items.size()) >= limit) break;
    if (options.one_list_per_page && !page.items.empty()) break;
  }
  std::string last = req.start_after;
  bool more = !listing_done;
  if (more) {
    page.next_cursor = std::string(trash_phase ? kTrashPhase : kLivePhase) + last;
  } else if (!trash_phase && options.with_deleted && model_->soft_delete) {
    page.next_cursor = std::string(kTrashPhase);  // trash comes next
    if (page.items.empty()) {
      ListOptions next = options;
      next.cursor = page.next_cursor;
      ASSIGN_OR_RETURN(EntityPage trash, ListPage(next));
      trash.problems.insert(trash.problems.begin(), page.problems.begin(), page.problems.end());
      return trash;
    }
  }
  return page;
}

Status ModelStore::Scan(const ListOptions& options,
                        const std::function<Status(const Entity&)>& fn) {
  ListOptions o = options;
  while (true) {
    ASSIGN_OR_RETURN(EntityPage page, ListPage(o));
    for (const Entity& e : page.items) RETURN_NOT_OK(fn(e));
    if (page.next_cursor.empty()) return Status::OK();
    o.cursor = page.next_cursor;
  }
}

Status ModelStore::ScanSystemFolders(const std::string& folder_template,
                                     const std::function<Status(const EntityIds&)>& fn) {
  std::string tmpl = folder_template;
  if (!tmpl.empty() && tmpl.back() != '/') tmpl += '/';
  ListRequest req{TemplatePrefix(tmpl), "", "", "", 1000};
  EntityIds last;
  bool any = false;
  while (true) {
    ASSIGN_OR_RETURN(worm::ListPage page, transport()->List(req));
    for (const ObjectMeta& m : page.objects) {
      EntityIds ids;
      std::string file;
      if (!MatchFolderTemplate(tmpl, m.key, &ids, &file)) continue;
      if (any && ids == last) continue;
      any = true;
      last = ids;
      RETURN_NOT_OK(fn(ids));
    }
    if (page.next_token.empty()) return Status::OK();
    req.token = page.next_token;
  }
}

Result<int64_t> ModelStore::MaxSeqId(const EntityIds& parents) {
  int64_t max = 0;
  bool any = false;
  ListOptions lo;
  lo.parent_ids = parents;
  lo.documents = false;
  RETURN_NOT_OK(Scan(lo, [&](const Entity& e) -> Status {
    const std::string& id = e.ids.back();
    if (id.empty() || id.size() > 18 || !std::all_of(id.begin(), id.end(), ::isdigit)) {
      return Status::OK();
    }
    int64_t v = std::stoll(id);
    max = any ? std::max(max, v) : v;
    any = true;
    return Status::OK();
  }));
  return any ? max : kNoFloor;
}

Result<std::string> ModelStore::NextSeqId(const EntityIds& parents, int64_t* floor, int attempt) {
  int64_t start = 1, step = 1;
  const auto& ops = project_->schema().operators;
  if (auto it = ops.find(model_->id_operator); it != ops.end()) {
    start = it->second.start_at;
    step = it->second.step > 0 ? it->second.step : 1;
  }
  std::string hint_key = JoinIds(parents);
  if (*floor == kNoFloor || attempt % 16 == 15) {
    int64_t hint = kNoFloor;
    {
      std::lock_guard<std::mutex> lock(seq_mu_);
      if (auto it = seq_hint_.find(hint_key); it != seq_hint_.end()) hint = it->second;
    }
    if (hint == kNoFloor || attempt > 0) {
      ASSIGN_OR_RETURN(int64_t listed, MaxSeqId(parents));
      hint = std::max(hint, listed);
    }
    *floor = std::max(*floor, hint);
  }
  int64_t next = *floor == kNoFloor ? start : std::max(*floor + step, start);
  *floor = next;
  {
    std::lock_guard<std::mutex> lock(seq_mu_);
    int64_t& h = seq_hint_[hint_key];
    h = std::max(h, next);
  }
  return std::to_string(next);
}

}  // namespace worm::engine

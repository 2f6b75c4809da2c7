// RunQuery over a Project: list, cache-or-fetch in parallel, evaluate,
// populate, project. See include/worm/query.h.
#include <algorithm>
#include <atomic>
#include <filesystem>
#include <thread>

#include "core/json_util.h"
#include "query/doc_cache.h"
#include "query/populate.h"
#include "schema/schema.h"
#include "worm/query.h"
#include "worm/repository.h"

namespace worm {

namespace {

namespace fs = std::filesystem;

// Keys per listing page (S3's maximum per LIST request).
constexpr int kListPage = 1000;

// One listed entity on its way to the evaluator.
struct Slot {
  const Entity* entity = nullptr;
  std::optional<std::string> cached;  // bytes from the cache, unverified
  std::string bytes;                  // what was used
  std::string etag;
  bool fetched = false;  // GET (not the cache)
  bool gone = false;     // deleted since the listing
  Json doc;
  Status status;
};

// Runs fn(i) for i in [0, n) on up to `threads` threads.
template <typename Fn>
void ParallelFor(size_t n, int threads, Fn fn) {
  size_t workers = std::min<size_t>(n, std::max(1, threads));
  if (workers <= 1) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<size_t> next{0};
  std::vector<std::thread> pool;
  pool.reserve(workers);
  for (size_t w = 0; w < workers; ++w) {
    pool.emplace_back([&] {
      for (size_t i; (i = next.fetch_add(1)) < n;) fn(i);
    });
  }
  for (std::thread& t : pool) t.join();
}

// Worker side: GETs a document the cache could not supply. I/O only: the
// CPU work (hashing, parsing) stays on the calling thread, which measured
// faster than spreading it (allocation arenas, shared cores).
void Fetch(Transport* transport, Slot* s) {
  const Entity& e = *s->entity;
  auto got = transport->Get(e.key, {});
  if (got.status().IsNotFound()) {
    s->gone = true;
    return;
  }
  if (!got.ok()) {
    s->status = got.status().WithContext("query: reading " + e.key);
    return;
  }
  s->bytes = std::move(got->data);
  s->etag = got->meta.etag;
  s->fetched = true;
}

// Caller side: a cached row whose bytes do not hash to the listed ETag is
// refetched; then the bytes are parsed.
void Decode(Transport* transport, Slot* s) {
  if (!s->fetched) {
    if (s->cached && query::CachedBytesMatch(*s->cached, s->entity->etag)) {
      s->bytes = std::move(*s->cached);
      s->etag = s->entity->etag;
    } else {
      Fetch(transport, s);  // a torn or tampered cache row
      if (s->gone || !s->status.ok()) return;
    }
  }
  auto doc = ParseJson(s->bytes, s->entity->key);
  if (!doc.ok()) {
    s->status = Status::DataLoss(doc.status().message() + " (stored object is corrupt)");
    return;
  }
  s->doc = std::move(doc).value();
}

std::unique_ptr<query::DocCache> OpenCache(Project& project, const std::string& model,
                                           const QueryRunOptions& options) {
  if (!options.use_cache) return nullptr;
  fs::path dir = options.cache_dir;
  if (dir.empty()) {
    if (project.root().empty()) return nullptr;
    dir = fs::path(project.root()) / ".worm" / "cache";
  }
  auto cache = query::DocCache::Open((dir / model / "docs.sqlite").string());
  return cache.ok() ? std::move(cache).value() : nullptr;
}

class Run {
 public:
  Run(Project& project, const QueryRunOptions& options, QueryRunStats* stats)
      : project_(project), options_(options), stats_(stats) {}

  Status FeedPage(const std::vector<Entity>& items, query::DocCache* cache, QueryEvaluator* ev);

 private:
  Project& project_;
  const QueryRunOptions& options_;
  QueryRunStats* stats_;
};

// Cached rows for a page: one range read when the page is key-ordered (the
// live listing), else one lookup per key (pages that reach into the trash).
void LookupPage(const std::vector<Entity>& items, query::DocCache* cache,
                std::vector<Slot>* slots) {
  bool ordered = true;
  for (size_t i = 1; i < items.size(); ++i) ordered = ordered && items[i - 1].key < items[i].key;
  if (ordered && !items.empty()) {
    std::vector<query::DocCache::Row> rows;
    if (cache->ScanRange(items.front().key, items.back().key, &rows).ok()) {
      size_t r = 0;  // merge two key-ordered sequences
      for (Slot& s : *slots) {
        while (r < rows.size() && rows[r].key < s.entity->key) ++r;
        if (r < rows.size() && rows[r].key == s.entity->key && rows[r].etag == s.entity->etag) {
          s.cached = std::move(rows[r].bytes);
        }
      }
      return;
    }
  }
  for (Slot& s : *slots) s.cached = cache->Lookup(s.entity->key, s.entity->etag, false);
}

Status Run::FeedPage(const std::vector<Entity>& items, query::DocCache* cache, QueryEvaluator* ev) {
  std::vector<Slot> slots(items.size());
  for (size_t i = 0; i < items.size(); ++i) slots[i].entity = &items[i];
  if (cache != nullptr) LookupPage(items, cache, &slots);
  std::vector<Slot*> misses;
  for (Slot& s : slots) {
    if (!s.cached) misses.push_back(&s);
  }
  Transport* transport = project_.transport();
  ParallelFor(misses.size(), options_.concurrency, [&](size_t i) { Fetch(transport, misses[i]); });
  for (Slot& s : slots) {
    if (!s.gone && s.status.ok()) Decode(transport, &s);
  }
  std::vector<query::DocCache::Row> rows;
  std::vector<std::string> gone;
  for (Slot& s : slots) {
    RETURN_NOT_OK(s.status);
    if (s.gone) {
      gone.push_back(s.entity->key);
      continue;
    }
    (s.fetched ? stats_->fetched : stats_->cache_hits)++;
    if (s.fetched && cache != nullptr) rows.push_back({s.entity->key, s.etag, std::move(s.bytes)});
    RETURN_NOT_OK(ev->Add(s.entity->key, std::move(s.doc)));
  }
  if (cache != nullptr) {  // best effort: a cache that cannot be written is skipped
    (void)cache->Store(rows);
    (void)cache->Erase(gone);
  }
  return Status::OK();
}

}  // namespace

Result<QueryResult> RunQuery(Project& project, std::string_view model_name, const Json& query,
                             const QueryRunOptions& options, QueryRunStats* stats) {
  QueryRunStats local;
  if (stats == nullptr) stats = &local;
  *stats = {};
  ASSIGN_OR_RETURN(Repository * repo, project.Get(model_name));
  const schema::Model& model = repo->model();
  ASSIGN_OR_RETURN(CompiledQuery q, CompiledQuery::Compile(query, {.model = &model}));
  std::unique_ptr<query::DocCache> cache = OpenCache(project, model.name, options);
  stats->cache_used = cache != nullptr;
  // The live listing is byte-ordered; the trash comes after it.
  bool ascending = !q.with_deleted() && !model.singleton;
  QueryEvaluator ev(q, {.keys_ascending = ascending, .project = false});
  ListOptions lo;
  lo.parent_ids = options.parent_ids;
  lo.documents = false;
  lo.with_deleted = q.with_deleted();
  lo.limit = kListPage;
  Run run(project, options, stats);
  while (true) {
    ASSIGN_OR_RETURN(EntityPage page, repo->ListPage(lo));
    stats->listed += page.items.size();
    RETURN_NOT_OK(run.FeedPage(page.items, cache.get(), &ev));
    if (ev.Done()) {
      stats->stopped_early = !page.next_cursor.empty();
      break;
    }
    if (page.next_cursor.empty()) break;
    lo.cursor = page.next_cursor;
  }
  ASSIGN_OR_RETURN(QueryResult result, ev.Finish());
  query::Populator populator(&project);
  for (QueryItem& item : result.items) {
    if (!q.populate().empty())
      RETURN_NOT_OK(populator.Populate(model, item.document, q.populate()));
    item.document = q.Project(item.document);
  }
  stats->populated = populator.fetched();
  return result;
}

}  // namespace worm

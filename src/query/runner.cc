// RunQuery over a Project: list, cache-or-read in parallel, decode,
// evaluate, populate, project. Contract: include/worm/query.h; how it runs:
// query/runner.h.
#include "query/runner.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "core/json_util.h"
#include "core/layout.h"
#include "core/parallel.h"
#include "query/doc_cache.h"
#include "query/partial_json.h"
#include "schema/schema.h"
#include "worm/query.h"
#include "worm/repository.h"

namespace worm {

namespace {

namespace fs = std::filesystem;

using query::kDecodeThreads;
using query::kListPage;
using query::kMinSlotsPerThread;

// One listed entity on its way to the evaluator.
struct Slot {
  const Entity* entity = nullptr;
  // Bytes from the cache, in its Page's arena: PartialParser::kPadding
  // readable bytes follow each.
  std::optional<std::string_view> cached;
  std::string fetched_bytes;  // bytes read (ReadStored)
  std::string_view bytes;     // what was used: cached or fetched_bytes
  std::string fetched_etag;   // the ETag of fetched_bytes (a cached document's is the listed one)
  bool fetched = false;       // read (not the cache)
  bool gone = false;          // deleted since the listing
  bool partial = false;       // doc holds only the members the query reads
  bool filtered_out = false;  // failed "where" while decoded (doc left empty)
  bool filtered_in = false;   // passed "where" while decoded
  bool invisible = false;     // the principal may not read it: never evaluated, never counted
  Json doc;
  Status status;
  std::string problem;  // the stored bytes do not decode: left out, reported
};

// A thread kept for a whole query that runs one task at a time: FeedPage's
// second decode thread (starting a thread per page cost ~2% of a warm query).
class Helper {
 public:
  Helper() : thread_([this] { Loop(); }) {}
  ~Helper() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }
  Helper(const Helper&) = delete;
  Helper& operator=(const Helper&) = delete;

  // Runs `task` on the helper; call Wait before the next Start.
  void Start(std::function<void()> task) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      task_ = std::move(task);
    }
    changed_.notify_all();
  }
  void Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    changed_.wait(lock, [this] { return !task_; });
  }

 private:
  void Loop() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      changed_.wait(lock, [this] { return stop_ || task_; });
      if (!task_) return;  // stopped
      lock.unlock();
      task_();
      lock.lock();
      task_ = nullptr;
      changed_.notify_all();
    }
  }

  std::mutex mu_;
  std::condition_variable changed_;
  std::function<void()> task_;  // set while one is pending or running
  bool stop_ = false;
  std::thread thread_;  // last: starts once the members above exist
};

// Worker side: reads a document the cache could not supply, through the
// engine. I/O only: decoding runs on kDecodeThreads threads afterwards.
void Fetch(Repository* repo, Slot* s) {
  auto got = repo->ReadStored(*s->entity);
  if (got.status().IsNotFound()) {
    s->gone = true;
    return;
  }
  if (!got.ok()) {
    s->status = got.status().WithContext("query");
    return;
  }
  s->fetched_bytes = std::move(got->bytes);
  s->bytes = s->fetched_bytes;
  s->fetched_etag = std::move(got->etag);
  s->fetched = true;
}

// Row-level security: whether the principal may read the slot's document.
// Decided on what Decode built (partial documents hold the members the rules
// read), before "where", so counts, pages and aggregates see visible rows only.
bool CheckVisible(const Repository& repo, Slot* s) {
  Result<bool> seen = repo.Visible(*s->entity, s->doc);
  if (!seen.ok()) {
    s->status = seen.status();
    return false;
  }
  if (*seen) return true;
  s->invisible = true;
  s->doc = Json();
  return false;
}

// Decodes a slot's bytes. Cached bytes (already checked by the cache, and
// decoded by the engine when they were stored) go through `partial` when
// given (only the members the query reads are built; with `filter`, those
// "where" reads first, and the rest only for documents that pass); fetched
// bytes, and cached ones `partial` refuses, are decoded by the engine, which
// decides whether a stored object is a document.
// With `row_check`, each document that passes "where" is checked for
// visibility: on the partial document when `row_on_partial` (it then holds
// the members the rules read), else on the whole one, decoded for that.
void Decode(const Repository& repo, query::PartialParser* partial, const CompiledQuery* filter,
            bool row_check, bool row_on_partial, Slot* s) {
  if (!s->fetched) {
    s->bytes = *s->cached;
    if (partial != nullptr && partial->Parse(s->bytes, &s->doc, /*padded=*/true)) {
      s->partial = true;
      // Rows failing "where" are never counted, visible or not: decide after it.
      if (row_check && row_on_partial && filter == nullptr && !CheckVisible(repo, s)) return;
      if (filter != nullptr) {
        if (!filter->Matches(s->doc)) {
          s->filtered_out = true;
          s->doc = Json();
          return;
        }
        s->filtered_in = true;
        partial->AddLater(&s->doc);  // with the members the rules read
        if (row_check && row_on_partial && !CheckVisible(repo, s)) return;
      }
      if (row_check && !row_on_partial) {
        auto whole = repo.Decode(s->entity->key, s->bytes);
        if (!whole.ok()) {
          if (whole.status().code() == StatusCode::kDataLoss) {
            s->problem = whole.status().message();
          } else {
            s->status = whole.status();
          }
          return;
        }
        Result<bool> seen = repo.Visible(*s->entity, *whole);
        if (!seen.ok()) {
          s->status = seen.status();
        } else if (!*seen) {
          s->invisible = true;
          s->doc = Json();
        }
      }
      return;
    }
  }
  auto doc = repo.Decode(s->entity->key, s->bytes);
  if (doc.status().code() == StatusCode::kDataLoss) {
    s->problem = doc.status().message();
    return;
  }
  if (!doc.ok()) {
    s->status = doc.status();
    return;
  }
  s->doc = std::move(doc).value();
  if (row_check) CheckVisible(repo, s);
}

std::unique_ptr<query::DocCache> OpenCache(Project& project, const std::string& model,
                                           const QueryRunOptions& options) {
  if (!options.use_cache) return nullptr;
  fs::path dir = options.cache_dir;
  if (dir.empty()) {
    if (project.root().empty()) return nullptr;
    dir = layout::ProjectDir::At(project.root()).cache_dir();
  }
  auto cache = query::DocCache::Open(layout::DocCachePath(dir, model).string());
  return cache.ok() ? std::move(cache).value() : nullptr;
}

class Run {
 public:
  // `row_fields`: Repository::VisibilityFields() (empty: no row check).
  Run(Repository* repo, const QueryRunOptions& options, QueryRunStats* stats,
      const CompiledQuery& query, bool partial,
      const std::optional<std::vector<std::string>>& row_fields)
      : repo_(repo), options_(options), stats_(stats), query_(query) {
    row_check_ = !row_fields || !row_fields->empty();
    row_on_partial_ = row_fields.has_value();
    // Rules that need whole documents, and no "where" to spare most of them
    // that decode: decode each whole once.
    if (!row_fields && query.filtered_fields().empty()) partial = false;
    if (!partial) return;
    // Decode threads evaluate "where" on the members it reads, and build the
    // rest (sort keys, aggregated members) only for documents that pass.
    std::vector<std::string> first = query.filtered_fields(), later;
    two_stage_ = !first.empty();
    for (std::string& field : query.evaluated_fields()) {
      if (two_stage_ && std::binary_search(first.begin(), first.end(), field)) continue;
      (two_stage_ ? later : first).push_back(std::move(field));
    }
    if (row_fields) {  // the members the row rules read: after "where" when there is one
      for (const std::string& field : *row_fields) {
        if (std::find(first.begin(), first.end(), field) != first.end()) continue;
        (two_stage_ ? later : first).push_back(field);
      }
    }
    for (int i = 0; i < kDecodeThreads; ++i) {
      parsers_.push_back(std::make_unique<query::PartialParser>(first, later));
    }
  }

  // Fetches what the cache could not supply, decodes, evaluates, refreshes
  // the cache.
  Status FeedPage(std::vector<Slot>* slots, query::DocCache* cache, QueryEvaluator* ev);
  // Replaces reduced documents in the result by the whole ones.
  Status Complete(QueryResult* result) const;
  // Documents left out so far (Slot::problem), in listing order.
  std::vector<std::string> TakeProblems() { return std::move(problems_); }

 private:
  Repository* repo_;
  const QueryRunOptions& options_;
  QueryRunStats* stats_;
  const CompiledQuery& query_;
  bool two_stage_ = false;  // decode threads filter (Decode's `filter`)
  bool row_check_ = false;  // decode threads decide row visibility
  // ... on the partial documents (which hold what the rules read); else on
  // whole ones; either way after "where", so rows failing it are never
  // decided (nor counted)
  bool row_on_partial_ = false;
  std::vector<std::unique_ptr<query::PartialParser>> parsers_;  // one per decode thread
  std::optional<Helper> helper_;  // the second decode thread, started at the first large page
  std::vector<std::string> problems_;
};

// A listing page with its cached rows.
struct Page {
  EntityPage listed;
  std::vector<char> cached_bytes;  // the cached documents, back to back: one allocation
  std::vector<Slot> slots;  // point into listed.items and cached_bytes (a move keeps them valid)
};

// Cached rows for a page: one range read when the page is key-ordered (the
// live listing), else one lookup per key (pages that reach into the trash).
// `arena_hint`: the bytes the page before held, reserved up front so the
// arena is not regrown (copied, its new pages faulted in) as rows arrive;
// updated for the next page.
void LookupPage(query::DocCache* cache, Page* page, size_t* arena_hint) {
  const std::vector<Entity>& items = page->listed.items;
  std::vector<Slot>& slots = page->slots;
  std::vector<char>& arena = page->cached_bytes;
  arena.reserve(*arena_hint + *arena_hint / 8 + query::PartialParser::kPadding);
  std::vector<std::optional<std::pair<size_t, size_t>>> spans(slots.size());  // offset, size
  auto keep = [&](size_t i, std::string_view bytes) {
    spans[i].emplace(arena.size(), bytes.size());
    arena.insert(arena.end(), bytes.begin(), bytes.end());
  };
  bool ordered = true;
  for (size_t i = 1; i < items.size(); ++i) ordered = ordered && items[i - 1].key < items[i].key;
  bool scanned = false;
  if (ordered && !items.empty()) {
    size_t i = 0;  // merge two key-ordered sequences; only matching rows are copied
    Status st = cache->ScanRange(
        items.front().key, items.back().key,
        [&](std::string_view key, std::string_view etag, std::string_view bytes) {
          while (i < slots.size() && slots[i].entity->key < key) ++i;
          if (i < slots.size() && slots[i].entity->key == key && slots[i].entity->etag == etag) {
            keep(i, bytes);
          }
        });
    scanned = st.ok();
  }
  if (!scanned) {
    arena.clear();
    std::fill(spans.begin(), spans.end(), std::nullopt);
    for (size_t i = 0; i < slots.size(); ++i) {
      std::optional<std::string> row = cache->Lookup(items[i].key, items[i].etag);
      if (row) keep(i, *row);
    }
  }
  *arena_hint = arena.size();
  // Each document is followed by the next ones or by this: all parse in place.
  arena.resize(arena.size() + query::PartialParser::kPadding, ' ');
  for (size_t i = 0; i < slots.size(); ++i) {
    if (spans[i]) {
      slots[i].cached = std::string_view(arena.data() + spans[i]->first, spans[i]->second);
    }
  }
}

// A listed page with its slots, its documents looked up in `cache` (may be
// null). `arena_hint` as LookupPage.
Page PageOf(EntityPage listed, query::DocCache* cache, size_t* arena_hint) {
  Page page;
  page.listed = std::move(listed);
  const std::vector<Entity>& items = page.listed.items;
  page.slots.resize(items.size());
  for (size_t i = 0; i < items.size(); ++i) page.slots[i].entity = &items[i];
  if (cache != nullptr) LookupPage(cache, &page, arena_hint);
  return page;
}

// A queue between two threads that holds at most `capacity` items.
template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(size_t capacity) : capacity_(capacity) {}
  // False once cancelled (the item is dropped).
  bool Push(T item) {
    std::unique_lock<std::mutex> lock(mu_);
    changed_.wait(lock, [this] { return cancelled_ || items_.size() < capacity_; });
    if (cancelled_) return false;
    items_.push_back(std::move(item));
    changed_.notify_all();
    return true;
  }
  // False when cancelled, or closed and drained.
  bool Pop(T* item) {
    std::unique_lock<std::mutex> lock(mu_);
    changed_.wait(lock, [this] { return cancelled_ || closed_ || !items_.empty(); });
    if (cancelled_ || items_.empty()) return false;
    *item = std::move(items_.front());
    items_.pop_front();
    changed_.notify_all();
    return true;
  }
  void Close() { Set(&closed_); }
  void Cancel() { Set(&cancelled_); }

 private:
  void Set(bool* flag) {
    std::lock_guard<std::mutex> lock(mu_);
    *flag = true;
    changed_.notify_all();
  }
  const size_t capacity_;
  std::mutex mu_;
  std::condition_variable changed_;
  std::deque<T> items_;
  bool closed_ = false, cancelled_ = false;
};

// Lists a query's pages ahead of their use and reads their cached rows, each
// on a thread of its own, at most kAhead pages ahead at each step: each LIST
// starts as soon as the one before returns, so the listing (the floor under a
// warm query) runs back to back while the calling thread evaluates.
class PagePipeline {
 public:
  static constexpr size_t kAhead = query::kPagesAhead;

  // `cache` (may be null) is this pipeline's own connection.
  PagePipeline(Repository* repo, ListOptions first, query::DocCache* cache)
      : listed_(kAhead), ready_(kAhead) {
    lister_ = std::thread([this, repo, lo = std::move(first)]() mutable {
      for (;;) {
        Result<EntityPage> page = repo->ListPage(lo);
        bool last = !page.ok() || page->next_cursor.empty();
        if (!last) lo.cursor = page->next_cursor;
        if (!listed_.Push(std::move(page)) || last) break;
      }
      listed_.Close();
    });
    looker_ = std::thread([this, cache] {
      size_t arena_hint = 0;
      for (Result<EntityPage> listed = EntityPage(); listed_.Pop(&listed);) {
        Result<Page> page = listed.ok()
                                ? Result<Page>(PageOf(std::move(*listed), cache, &arena_hint))
                                : Result<Page>(listed.status());
        if (!ready_.Push(std::move(page))) break;
      }
      ready_.Close();
    });
  }
  ~PagePipeline() {
    listed_.Cancel();
    ready_.Cancel();
    lister_.join();
    looker_.join();
  }
  PagePipeline(const PagePipeline&) = delete;
  PagePipeline& operator=(const PagePipeline&) = delete;

  // The next page, in order; call only while the previous one had a cursor.
  Result<Page> Next() {
    Result<Page> page = Status::Internal("query: the listing ended early");
    ready_.Pop(&page);
    return page;
  }

 private:
  BoundedQueue<Result<EntityPage>> listed_;
  BoundedQueue<Result<Page>> ready_;
  std::thread lister_, looker_;
};

Status Run::FeedPage(std::vector<Slot>* page, query::DocCache* cache, QueryEvaluator* ev) {
  std::vector<Slot>& slots = *page;
  std::vector<Slot*> misses;
  for (Slot& s : slots) {
    if (!s.cached) misses.push_back(&s);
  }
  ParallelFor(misses.size(), options_.concurrency, [&](size_t i) { Fetch(repo_, misses[i]); });
  // Parsing, split across threads when the page is large enough.
  size_t threads = std::min<size_t>(kDecodeThreads,
                                    (slots.size() + kMinSlotsPerThread - 1) / kMinSlotsPerThread);
  auto decode = [&](size_t t) {
    query::PartialParser* partial = parsers_.empty() ? nullptr : parsers_[t].get();
    const CompiledQuery* filter = two_stage_ ? &query_ : nullptr;
    for (size_t i = t; i < slots.size(); i += threads) {
      Slot& s = slots[i];
      if (!s.gone && s.status.ok())
        Decode(*repo_, partial, filter, row_check_, row_on_partial_, &s);
    }
  };
  static_assert(kDecodeThreads == 2, "one helper thread decodes beside the caller");
  if (threads <= 1) {
    decode(0);
  } else {
    if (!helper_) helper_.emplace();
    helper_->Start([&] { decode(1); });
    decode(0);
    helper_->Wait();
  }
  std::vector<query::DocCache::Row> rows;
  std::vector<std::string> gone;
  for (Slot& s : slots) {
    RETURN_NOT_OK(s.status);
    if (s.gone) {
      gone.push_back(s.entity->key);
      continue;
    }
    if (!s.problem.empty()) {  // never cached: a row is stored only once it decodes
      problems_.push_back(std::move(s.problem));
      continue;
    }
    if (s.invisible) {  // not the principal's to see: not even counted
      --stats_->listed;
      if (s.fetched && cache != nullptr) {
        rows.push_back({s.entity->key, std::move(s.fetched_etag), std::move(s.fetched_bytes)});
      }
      continue;
    }
    (s.fetched ? stats_->fetched : stats_->cache_hits)++;
    if (s.filtered_out) {
      // Visibility undecided: not counted, as invisible rows are not, so
      // neither stats nor counts say how many rows there are.
      if (!row_check_) {
        RETURN_NOT_OK(ev->Skip(s.entity->key));
      } else {
        --stats_->listed;
      }
    } else if (s.partial) {
      auto attach = [&](Json* kept) { parsers_.front()->Attach(s.bytes, kept); };
      RETURN_NOT_OK(s.filtered_in ? ev->AddMatch(s.entity->key, std::move(s.doc), attach)
                                  : ev->Add(s.entity->key, std::move(s.doc), attach));
    } else {
      RETURN_NOT_OK(ev->Add(s.entity->key, std::move(s.doc)));
    }
    if (s.fetched && cache != nullptr) {
      rows.push_back({s.entity->key, std::move(s.fetched_etag), std::move(s.fetched_bytes)});
    }
  }
  if (cache != nullptr) {  // best effort: a cache that cannot be written is skipped
    (void)cache->Store(rows);
    (void)cache->Erase(gone);
  }
  return Status::OK();
}

Status Run::Complete(QueryResult* result) const {
  if (parsers_.empty()) return Status::OK();
  const std::string& member = parsers_.front()->RawMember();
  for (QueryItem& item : result->items) {
    std::optional<std::string> raw = query::TakeRaw(&item.document, member);
    if (!raw) continue;
    ASSIGN_OR_RETURN(item.document, repo_->Decode(item.key, *raw));
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
  RETURN_NOT_OK(repo->CheckPopulate(q.populate()));  // beyond the refs: before any I/O too
  // Access control, before any I/O: no filter, sort, select or aggregate on
  // a field hidden from the principal (so neither results nor cursors carry
  // one), and rows decided by the row-level rules before "where".
  RETURN_NOT_OK(repo->CheckReadable(q.referenced_paths()));
  const std::optional<std::vector<std::string>> row_fields = repo->VisibilityFields();
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
  lo.one_list_per_page = true;  // the request-count bound: one LIST per 1,000 keys
  lo.skip_undecodable = true;   // a trash copy that does not decode: a problem, as below
  lo.unfiltered_ids = true;     // rows are decided here, on the documents the cache holds
  Run run(repo, options, stats, q, cache != nullptr, row_fields);
  // A query that must see every page lists and reads cached rows ahead
  // (PagePipeline) while each page is parsed and evaluated here. One that may
  // stop early goes one page at a time, so it never pays for a LIST it does
  // not use.
  bool prefetch = !(ascending && !q.has_sort() && !q.is_aggregate() && q.limit().has_value());
  std::unique_ptr<query::DocCache> reader_cache;  // the pipeline's connection
  if (prefetch && cache != nullptr) {
    reader_cache = OpenCache(project, model.name, options);
    if (reader_cache == nullptr) prefetch = false;
  }
  std::optional<PagePipeline> pipeline;
  if (prefetch) pipeline.emplace(repo, lo, reader_cache.get());
  size_t arena_hint = 0;  // PageOf's, without the pipeline
  std::vector<std::string> listing_problems;
  while (true) {
    Page page;
    if (pipeline) {
      ASSIGN_OR_RETURN(page, pipeline->Next());
    } else {
      ASSIGN_OR_RETURN(EntityPage listed, repo->ListPage(lo));
      page = PageOf(std::move(listed), cache.get(), &arena_hint);
    }
    const std::string& cursor = page.listed.next_cursor;
    for (std::string& p : page.listed.problems) listing_problems.push_back(std::move(p));
    stats->listed += page.slots.size();
    RETURN_NOT_OK(run.FeedPage(&page.slots, cache.get(), &ev));
    if (ev.Done()) {
      stats->stopped_early = !cursor.empty();
      break;
    }
    if (cursor.empty()) break;
    lo.cursor = cursor;
  }
  ASSIGN_OR_RETURN(QueryResult result, ev.Finish());
  RETURN_NOT_OK(run.Complete(&result));
  for (QueryItem& item : result.items) repo->Redact(item.document);  // the page only
  result.problems = run.TakeProblems();
  result.problems.insert(result.problems.end(), listing_problems.begin(), listing_problems.end());
  if (!q.populate().empty()) {
    std::vector<Json*> docs;
    for (QueryItem& item : result.items) docs.push_back(&item.document);
    PopulateReport populated;
    RETURN_NOT_OK(repo->Populate(docs, q.populate(), &populated));
    stats->populated = populated.fetched;
    for (std::string& p : populated.problems) result.problems.push_back(std::move(p));
  }
  for (QueryItem& item : result.items) item.document = q.Project(item.document);
  return result;
}

}  // namespace worm

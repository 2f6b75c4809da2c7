// QueryEvaluator: streams documents through a compiled query, keeping a
// bounded heap of the best offset+limit entries (or aggregate groups).
#include <algorithm>
#include <limits>

#include "query/aggregate.h"
#include "query/cursor.h"
#include "query/plan.h"
#include "query/projection.h"
#include "worm/query.h"

namespace worm {

namespace query {

class Evaluation {
 public:
  Evaluation(CompiledQuery query, const Plan* plan, EvaluatorOptions options);
  // `passed`: the caller found `doc` to pass "where" (not tested again).
  Status Add(std::string_view key, const Json& doc, Json* movable,
             const std::function<void(Json*)>* attach = nullptr, bool passed = false);
  // Checks and counts the next key (Add's first step; all of Skip).
  Status Admit(std::string_view key);
  bool Done() const;
  Result<QueryResult> Finish();

  uint64_t scanned = 0;
  uint64_t matched = 0;

 private:
  struct Entry {
    std::vector<Json> values;  // sort values; discarded = missing
    std::string key;
    Json doc;
  };

  int Order(const Json& a, const Json& b, size_t i) const {
    int c = CompareValues(a, b);
    return plan_->sort[i].descending ? -c : c;
  }
  // Candidate (values_, key) against an entry or the cursor.
  int CompareCandidate(std::string_view key, const std::vector<Json>& values,
                       const std::string& other_key) const;
  bool EntryLess(const Entry& a, const Entry& b) const;
  void ExtractSortValues(const Json& doc);
  void Keep(std::string_view key, const Json& doc, Json* movable,
            const std::function<void(Json*)>* attach);
  std::vector<QueryItem> TakeItems(std::string* next_cursor);

  CompiledQuery query_;  // keeps *plan_ alive
  const Plan* plan_;
  EvaluatorOptions options_;
  uint64_t capacity_;        // offset + limit, saturating; max = unlimited
  std::vector<Entry> heap_;  // max-heap by query order: front = worst kept
  std::vector<const Json*> values_;
  std::vector<Json> scratch_;
  std::optional<Aggregator> aggregator_;
  std::string last_key_;
  bool finished_ = false;
};

Evaluation::Evaluation(CompiledQuery query, const Plan* plan, EvaluatorOptions options)
    : query_(std::move(query)), plan_(plan), options_(options) {
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  capacity_ = kMax;
  if (plan_->limit) {
    capacity_ = *plan_->limit > kMax - plan_->offset ? kMax : plan_->offset + *plan_->limit;
  }
  values_.resize(plan_->sort.size());
  scratch_.resize(plan_->sort.size());
  if (plan_->aggregate) aggregator_.emplace(&*plan_->aggregate);
}

int Evaluation::CompareCandidate(std::string_view key, const std::vector<Json>& values,
                                 const std::string& other_key) const {
  for (size_t i = 0; i < values_.size(); ++i) {
    if (int c = Order(*values_[i], values[i], i); c != 0) return c;
  }
  int c = key.compare(other_key);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

bool Evaluation::EntryLess(const Entry& a, const Entry& b) const {
  for (size_t i = 0; i < a.values.size(); ++i) {
    if (int c = Order(a.values[i], b.values[i], i); c != 0) return c < 0;
  }
  return a.key < b.key;
}

void Evaluation::ExtractSortValues(const Json& doc) {
  for (size_t i = 0; i < values_.size(); ++i) {
    const Json* v = ResolveSingle(doc, plan_->sort[i].path, &scratch_[i]);
    values_[i] = v != nullptr ? v : &MissingValue();
  }
}

void Evaluation::Keep(std::string_view key, const Json& doc, Json* movable,
                      const std::function<void(Json*)>* attach) {
  auto less = [this](const Entry& a, const Entry& b) { return EntryLess(a, b); };
  if (heap_.size() >= capacity_) {
    if (CompareCandidate(key, heap_.front().values, heap_.front().key) >= 0) return;
    std::pop_heap(heap_.begin(), heap_.end(), less);
    heap_.pop_back();
  }
  Entry e;
  e.values.reserve(values_.size());
  for (const Json* v : values_) e.values.push_back(*v);
  e.key = std::string(key);
  e.doc = movable != nullptr ? std::move(*movable) : doc;
  if (attach != nullptr) (*attach)(&e.doc);
  heap_.push_back(std::move(e));
  std::push_heap(heap_.begin(), heap_.end(), less);
}

Status Evaluation::Admit(std::string_view key) {
  if (finished_) return Status::FailedPrecondition("query evaluator: Add after Finish");
  if (options_.keys_ascending) {
    if (scanned > 0 && key <= last_key_) {
      return Status::InvalidArgument("query evaluator: key '" + std::string(key) +
                                     "' does not follow '" + last_key_ +
                                     "' although keys_ascending was promised");
    }
    last_key_.assign(key);
  }
  ++scanned;
  return Status::OK();
}

Status Evaluation::Add(std::string_view key, const Json& doc, Json* movable,
                       const std::function<void(Json*)>* attach, bool passed) {
  RETURN_NOT_OK(Admit(key));
  if (!passed && !EvalFilter(plan_->where, doc)) return Status::OK();
  if (aggregator_) {
    ++matched;
    aggregator_->Add(doc);
    return Status::OK();
  }
  ExtractSortValues(doc);
  if (plan_->cursor && CompareCandidate(key, plan_->cursor->values, plan_->cursor->key) <= 0) {
    return Status::OK();  // at or before the previous page's end
  }
  ++matched;
  if (capacity_ > 0) Keep(key, doc, movable, attach);
  return Status::OK();
}

bool Evaluation::Done() const {
  return options_.keys_ascending && plan_->sort.empty() && !aggregator_ &&
         plan_->limit.has_value() && matched > capacity_;
}

std::vector<QueryItem> Evaluation::TakeItems(std::string* next_cursor) {
  std::sort(heap_.begin(), heap_.end(),
            [this](const Entry& a, const Entry& b) { return EntryLess(a, b); });
  std::vector<QueryItem> items;
  size_t first = std::min<uint64_t>(plan_->offset, heap_.size());
  bool more = plan_->limit.has_value() && matched > capacity_;
  if (more && heap_.size() > first) {
    const Entry& last = heap_.back();
    *next_cursor = EncodeCursor(plan_->fingerprint, last.values, last.key);
  }
  items.reserve(heap_.size() - first);
  for (size_t i = first; i < heap_.size(); ++i) {
    QueryItem item;
    item.key = std::move(heap_[i].key);
    item.document = options_.project
                        ? ApplyProjection(plan_->select, plan_->id_fields, heap_[i].doc)
                        : std::move(heap_[i].doc);
    items.push_back(std::move(item));
  }
  heap_.clear();
  return items;
}

Result<QueryResult> Evaluation::Finish() {
  if (finished_) return Status::FailedPrecondition("query evaluator: Finish called twice");
  finished_ = true;
  QueryResult r;
  r.scanned = scanned;
  r.matched = matched;
  try {
    if (aggregator_) {
      r.groups = aggregator_->Finish(plan_->offset, plan_->limit);
    } else {
      r.items = TakeItems(&r.next_cursor);
    }
  } catch (const std::exception& e) {
    return Status::Internal(std::string("query evaluator: ") + e.what());
  }
  return r;
}

}  // namespace query

QueryEvaluator::QueryEvaluator(CompiledQuery query, EvaluatorOptions options) {
  const query::Plan* plan = query.plan_.get();
  impl_ = std::make_unique<query::Evaluation>(std::move(query), plan, options);
}

QueryEvaluator::~QueryEvaluator() = default;
QueryEvaluator::QueryEvaluator(QueryEvaluator&&) noexcept = default;
QueryEvaluator& QueryEvaluator::operator=(QueryEvaluator&&) noexcept = default;

Status QueryEvaluator::Add(std::string_view key, const Json& doc) {
  return impl_->Add(key, doc, nullptr);
}

Status QueryEvaluator::Add(std::string_view key, Json&& doc) { return impl_->Add(key, doc, &doc); }

Status QueryEvaluator::Add(std::string_view key, Json&& doc,
                           const std::function<void(Json*)>& attach) {
  return impl_->Add(key, doc, &doc, &attach);
}

Status QueryEvaluator::Skip(std::string_view key) { return impl_->Admit(key); }

Status QueryEvaluator::AddMatch(std::string_view key, Json&& doc,
                                const std::function<void(Json*)>& attach) {
  return impl_->Add(key, doc, &doc, &attach, /*passed=*/true);
}

bool QueryEvaluator::Done() const { return impl_->Done(); }
uint64_t QueryEvaluator::scanned() const { return impl_->scanned; }
uint64_t QueryEvaluator::matched() const { return impl_->matched; }
Result<QueryResult> QueryEvaluator::Finish() { return impl_->Finish(); }

Result<QueryResult> RunQuery(const CompiledQuery& query,
                             const std::vector<std::pair<std::string, Json>>& documents,
                             EvaluatorOptions options) {
  QueryEvaluator ev(query, options);
  for (const auto& [key, doc] : documents) {
    RETURN_NOT_OK(ev.Add(key, doc));
    if (ev.Done()) break;
  }
  return ev.Finish();
}

Json QueryResult::ToJson() const {
  Json out;
  if (!groups.is_null()) {
    out = {{"groups", groups}};
  } else {
    Json list = Json::array();
    for (const QueryItem& item : items) list.push_back(item.document);
    out = {{"items", std::move(list)},
           {"next", next_cursor.empty() ? Json(nullptr) : Json(next_cursor)}};
  }
  if (!problems.empty()) out["problems"] = problems;
  return out;
}

}  // namespace worm

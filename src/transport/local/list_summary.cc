#include "transport/local/list_summary.h"

#include <algorithm>
#include <atomic>

namespace worm::transport_internal {

namespace {
std::atomic<uint64_t> g_summary_hits{0};
}  // namespace

uint64_t ListSummaryHits() { return g_summary_hits.load(); }

ListPage ListSummary::Page(const ListPlan& plan, bool with_meta) const {
  ListPage page;
  if (plan.exhausted) return page;
  auto it =
      std::lower_bound(objects.begin(), objects.end(), plan.seek,
                       [](const ObjectMeta& m, const std::string& seek) { return m.key < seek; });
  const size_t left = static_cast<size_t>(objects.end() - it);
  page.objects.reserve(std::min(left, static_cast<size_t>(plan.max_keys)));
  for (; it != objects.end() && page.objects.size() < static_cast<size_t>(plan.max_keys); ++it) {
    ObjectMeta& m = page.objects.emplace_back();
    m.key = it->key;
    m.size = it->size;
    m.etag = it->etag;
    m.last_modified_ms = it->last_modified_ms;
    if (with_meta) {
      m.content_type = it->content_type;
      m.user_metadata = it->user_metadata;
    }
  }
  if (it != objects.end()) page.next_token = EncodeListToken(page.objects.back().key, false);
  g_summary_hits.fetch_add(1, std::memory_order_relaxed);
  return page;
}

size_t ListSummaries::BytesOf(const ObjectMeta& m) {
  size_t bytes = sizeof(ObjectMeta) + m.key.capacity() + m.etag.capacity();
  bytes += m.content_type.capacity();
  for (const auto& [name, value] : m.user_metadata) bytes += 64 + name.size() + value.size();
  return bytes;
}

std::shared_ptr<const ListSummary> ListSummaries::Find(const std::string& prefix,
                                                       bool with_metadata, uint64_t generation,
                                                       FolderId base) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const std::shared_ptr<const ListSummary>& s : done_) {
    if (s->prefix == prefix && s->generation == generation && s->base == base &&
        (s->with_metadata || !with_metadata)) {
      return s;
    }
  }
  return nullptr;
}

void ListSummaries::Record(const ListPlan& plan, bool with_metadata, uint64_t generation,
                           FolderId base, bool trusted, const std::vector<ObjectMeta>& objects,
                           bool last) {
  std::lock_guard<std::mutex> lock(mu_);
  // Summaries of an older generation can never be current again.
  std::erase_if(done_, [&](const std::shared_ptr<const ListSummary>& s) {
    if (s->generation >= generation) return false;
    done_bytes_ -= s->bytes;
    return true;
  });
  if (plan.exhausted) return;  // an empty page that says nothing of the keys after seek
  const bool from_start = plan.seek == plan.prefix;
  if (from_start) {  // a new scan replaces the one being built
    building_.emplace();
    building_->summary.prefix = plan.prefix;
    building_->summary.with_metadata = with_metadata;
    building_->summary.generation = generation;
    building_->summary.base = base;
  } else if (!building_ || building_->summary.prefix != plan.prefix ||
             building_->summary.base != base || building_->summary.with_metadata != with_metadata ||
             building_->summary.generation != generation || plan.seek > building_->next_seek) {
    return;  // leaves a gap after the scan being built (or belongs to another)
  }
  if (!trusted) {
    building_.reset();
    return;
  }
  if (!last && objects.empty()) {  // cannot happen without a delimiter; stay safe
    building_.reset();
    return;
  }
  // The page holds every key from plan.seek to its last one. A client may
  // resume before where the scan reached (it kept only part of the last
  // page: a filtered listing, a page cut short): the overlap is already in.
  ListSummary& s = building_->summary;
  auto fresh =
      std::lower_bound(objects.begin(), objects.end(), building_->next_seek,
                       [](const ObjectMeta& m, const std::string& seek) { return m.key < seek; });
  for (auto it = fresh; it != objects.end(); ++it) s.bytes += BytesOf(*it);
  if (done_bytes_ + s.bytes > kMaxBytes) {
    building_.reset();
    return;
  }
  s.objects.insert(s.objects.end(), fresh, objects.end());
  if (!last) {
    if (fresh != objects.end()) {
      building_->next_seek = objects.back().key;
      building_->next_seek.push_back('\0');  // as PlanList resumes after a key
    }
    return;
  }
  std::erase_if(done_, [&](const std::shared_ptr<const ListSummary>& d) {
    if (d->prefix != s.prefix) return false;
    done_bytes_ -= d->bytes;
    return true;
  });
  done_bytes_ += s.bytes;
  done_.push_back(std::make_shared<const ListSummary>(std::move(s)));
  building_.reset();
}

}  // namespace worm::transport_internal

// ListSummaries: the whole listing of a prefix, kept flat and sorted, for a
// prefix whose folders are all watched and quiet.
//
// Even with every folder and file record trusted (DirListingCache,
// FileRecordCache), listing a collection of N entities walks N folders: two
// hash lookups per entity into tables of N entries, each a cache miss, and a
// string built per key. When a scan of a prefix page by page (each List
// resuming where the one before ended, or inside that page; no delimiter)
// found every folder and file trusted and the cache's Generation() did not
// move meanwhile, its objects are kept here in key order; later List calls
// on that prefix are served from them, by binary search, while the
// generation stays put. Any inotify event under the root, lost events, or a
// folder evicted from the cache moves it, and the next List walks the
// folders again (and may build a new summary).
//
// Memory: at most kMaxBytes for all summaries and the one being built; a
// summary that would not fit is not kept.
//
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "transport/local/local_list.h"
#include "transport/transport_util.h"
#include "worm/transport.h"

namespace worm::transport_internal {

struct ListSummary {
  std::string prefix;
  bool with_metadata = false;  // objects carry content type and user metadata
  uint64_t generation = 0;     // DirListingCache::Generation() it is current for
  // The folder the prefix's listing starts in: a summary holds only while
  // that path still names it (renaming an unwatched ancestor can put
  // another folder there with no event).
  FolderId base;
  std::vector<ObjectMeta> objects;  // every key under the prefix, ascending
  size_t bytes = 0;

  // The page `plan` (no delimiter) asks for.
  ListPage Page(const ListPlan& plan, bool with_metadata) const;
};

// List calls served from summaries, for tests.
uint64_t ListSummaryHits();

class ListSummaries {
 public:
  static constexpr size_t kMaxBytes = size_t{128} << 20;

  // The summary of `prefix` that is current at `generation`, was built from
  // folder `base` and carries metadata if asked; else null.
  std::shared_ptr<const ListSummary> Find(const std::string& prefix, bool with_metadata,
                                          uint64_t generation, FolderId base);
  // A page a walk listed for `plan` (no delimiter; `plan.seek` as the call
  // began) from folder `base`, with the generation read before the walk.
  // `trusted`: every
  // folder and file record of the walk came from the caches without a stat,
  // and the generation had not moved when it ended. `last`: the page has no
  // next token.
  void Record(const ListPlan& plan, bool with_metadata, uint64_t generation, FolderId base,
              bool trusted, const std::vector<ObjectMeta>& objects, bool last);

 private:
  struct Building {
    ListSummary summary;
    std::string next_seek;  // where the next page of the scan begins
  };
  static size_t BytesOf(const ObjectMeta& m);

  std::mutex mu_;
  std::optional<Building> building_;  // one scan at a time
  std::vector<std::shared_ptr<const ListSummary>> done_;
  size_t done_bytes_ = 0;
};

}  // namespace worm::transport_internal

// LocalKeyWalker: the keys of a local transport root in byte order, found
// lazily. Each folder is scanned for only the next `batch` entries past the
// resume point (a bounded max-heap), so memory is bounded by the page size
// times the folder depth, never by the size of a folder or the collection.
//
// Byte order across folders: a folder "a" sorts as "a/" among its siblings
// (so "a-b" < "a/x" < "a0", as S3 orders the keys), and a depth-first walk
// in that order yields every key in byte order.
//
// Not thread-safe; one List call owns one walker.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "transport/transport_util.h"

namespace worm::transport_internal {

class LocalKeyWalker {
 public:
  // `plan` is consulted at each step: raising its seek (SkipPrefix) prunes
  // the rest of the walk. Must outlive the walker.
  LocalKeyWalker(std::string root, const ListPlan* plan, size_t batch);

  // The next key >= plan.seek under plan.prefix, or nullopt at the end.
  Result<std::optional<std::string>> Next();

 private:
  struct Entry {
    std::string sort_name;  // the file name, or the folder name plus '/'
    bool is_dir = false;
  };
  struct Frame {
    std::string key_prefix;    // "" for the root, else "a/b/"
    std::string name_filter;   // entries must start with this (first frame only)
    std::vector<Entry> batch;  // ascending by sort_name
    size_t pos = 0;
    std::string resume_after;  // entries <= this were already consumed
    bool complete = false;     // the batch holds every remaining entry
  };

  Status Fill(Frame* frame);
  bool Wanted(const Frame& frame, const Entry& entry) const;
  void PushFrame(std::string key_prefix, std::string name_filter);

  std::string root_;
  const ListPlan* plan_;
  size_t batch_;
  std::vector<Frame> stack_;
  Status error_;
};

}  // namespace worm::transport_internal

// IdMap: a map from 64-bit ids (PathKey hashes) to values, for the listing
// caches, which look up one folder and one file per listed entity: open
// addressing over a flat array of {id, index} cells, the values dense in a
// vector. A lookup is one probe into the cells and one read of the value;
// std::unordered_map's bucket, previous-node and node reads were a third of
// listing an unchanged collection. Pointers to values are valid until the
// next Put or Erase. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace worm::transport_internal {

template <typename V>
class IdMap {
 public:
  V* Find(uint64_t id) {
    if (values_.empty()) return nullptr;
    for (size_t at = Home(id);; at = (at + 1) & mask_) {
      const Cell& cell = cells_[at];
      if (cell.index == kEmpty) return nullptr;
      if (cell.id == id) return &values_[cell.index].second;
    }
  }

  // Inserts or replaces the value of `id`.
  V& Put(uint64_t id, V value) {
    if (V* old = Find(id)) {
      *old = std::move(value);
      return *old;
    }
    if ((values_.size() + 1) * 4 > cells_.size() * 3) Grow();
    size_t at = Home(id);
    while (cells_[at].index != kEmpty) at = (at + 1) & mask_;
    cells_[at] = Cell{id, static_cast<uint32_t>(values_.size())};
    values_.emplace_back(id, std::move(value));
    return values_.back().second;
  }

  void Erase(uint64_t id) {
    if (values_.empty()) return;
    size_t at = Home(id);
    while (cells_[at].index != kEmpty && cells_[at].id != id) at = (at + 1) & mask_;
    if (cells_[at].index == kEmpty) return;
    // The last value moves into the erased one's place.
    uint32_t index = cells_[at].index;
    if (index + 1 != values_.size()) {
      values_[index] = std::move(values_.back());
      CellOf(values_[index].first)->index = index;
    }
    values_.pop_back();
    // Backward-shift deletion: later cells of the probe run move up, so
    // lookups never need tombstones.
    for (size_t next = (at + 1) & mask_; cells_[next].index != kEmpty; next = (next + 1) & mask_) {
      size_t home = Home(cells_[next].id);
      // Does `next` belong at `at` or before it (cyclically)?
      if (((next - home) & mask_) >= ((next - at) & mask_)) {
        cells_[at] = cells_[next];
        at = next;
      }
    }
    cells_[at].index = kEmpty;
  }

  void Clear() {
    cells_.clear();
    values_.clear();
    mask_ = 0;
  }
  size_t size() const { return values_.size(); }

  // fn(id, value&) for every entry.
  template <typename Fn>
  void ForEach(Fn fn) {
    for (auto& [id, value] : values_) fn(id, value);
  }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  struct Cell {
    uint64_t id = 0;
    uint32_t index = kEmpty;
  };

  // Ids are hashes already; the multiply spreads any that are not.
  size_t Home(uint64_t id) const {
    return static_cast<size_t>((id * 0x9E3779B97F4A7C15ull) >> 20) & mask_;
  }
  Cell* CellOf(uint64_t id) {
    size_t at = Home(id);
    while (cells_[at].id != id || cells_[at].index == kEmpty) at = (at + 1) & mask_;
    return &cells_[at];
  }
  void Grow() {
    size_t capacity = cells_.empty() ? 64 : cells_.size() * 2;
    cells_.assign(capacity, Cell{});
    mask_ = capacity - 1;
    for (uint32_t i = 0; i < values_.size(); ++i) {
      size_t at = Home(values_[i].first);
      while (cells_[at].index != kEmpty) at = (at + 1) & mask_;
      cells_[at] = Cell{values_[i].first, i};
    }
  }

  std::vector<Cell> cells_;  // a power of two in size, at most 3/4 used
  std::vector<std::pair<uint64_t, V>> values_;
  size_t mask_ = 0;
};

}  // namespace worm::transport_internal

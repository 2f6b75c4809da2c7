// Helpers shared by transport backends: key validation, read/write
// precondition checks, byte ranges, and List planning (continuation tokens,
// delimiter roll-up). Pure functions; thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "worm/transport.h"

namespace worm::transport_internal {

// InvalidArgument unless 1 <= key.size() <= max_key_size. `op` names the
// operation for the message ("put", "get", ...).
Status ValidateKey(std::string_view op, const Key& key, size_t max_key_size = 1024);

// Checks a write's mode against the current object (`current` is null when
// the key is missing): AlreadyExists for kCreate over an object,
// FailedPrecondition for kUpdate on a missing or different object,
// InvalidArgument for kUpdate without an ETag.
Status CheckWriteMode(std::string_view op, const Key& key, const ObjectMeta* current,
                      const WriteOptions& options);

// InvalidArgument when `options.mode` and `options.if_match` disagree.
Status ValidateWriteOptions(std::string_view op, const Key& key, const WriteOptions& options);

// If-Match / If-None-Match on reads: FailedPrecondition when they fail.
Status CheckReadConditions(std::string_view op, const ObjectMeta& meta, const ReadOptions& options);

// If-Match on deletes: FailedPrecondition when `current` is null or differs.
Status CheckDeleteCondition(const Key& key, const ObjectMeta* current,
                            const DeleteOptions& options);

// The [offset, offset + length) slice of an object of `size` bytes that a
// read with `range` returns. OutOfRange when the range starts at or past the
// end of a non-empty object.
struct Slice {
  uint64_t offset = 0;
  uint64_t length = 0;
};
Result<Slice> ResolveRange(const Key& key, uint64_t size, const std::optional<ByteRange>& range);

// The smallest string greater than every string that starts with `prefix`;
// nullopt when there is none (empty or all 0xFF bytes).
std::optional<std::string> PrefixSuccessor(std::string_view prefix);

// A continuation token: the last name a page returned, and whether it was a
// common prefix (then the next page skips everything under it).
std::string EncodeListToken(std::string_view last_name, bool is_prefix);
struct ListCursor {
  std::string name;
  bool is_prefix = false;
};
Result<ListCursor> DecodeListToken(std::string_view token);

// A validated ListRequest with its resume point folded into one inclusive
// lower bound: a key is listed only if key >= seek (and never when
// exhausted, i.e. the resume point is past every possible key).
struct ListPlan {
  std::string prefix;
  std::string delimiter;
  std::string seek;  // inclusive lower bound for keys
  bool exhausted = false;
  int max_keys = 1000;
  uint64_t moves = 0;  // bumped each time SkipPrefix moves seek or exhausts the plan

  bool Passes(std::string_view key) const { return !exhausted && key >= seek; }
  // Skips every key that starts with `prefix` from now on.
  void SkipPrefix(std::string_view prefix);
  // The common prefix `key` rolls up into, or empty when it does not.
  std::string_view RollUp(std::string_view key) const;
};
// InvalidArgument for max_keys outside 1..1000 or a malformed token.
Result<ListPlan> PlanList(const ListRequest& request);

// A ReadStream over bytes held in memory (a shared, immutable buffer).
std::unique_ptr<ReadStream> NewBufferReadStream(ObjectMeta meta,
                                                std::shared_ptr<const std::string> data,
                                                Slice slice);

}  // namespace worm::transport_internal

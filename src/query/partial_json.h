// Fast decoding of cached documents for evaluation only: simdjson parses (and
// validates) the whole text, and only the top-level members a query reads are
// built as Json. CompiledQuery::evaluated_fields() says which.
//
// A reduced document kept in a result gets the original text attached, as a
// Json binary value (which parsed JSON never contains) under a member name no
// query path reaches, and is parsed in full afterwards (TakeRaw).
//
// Thread-safety: one PartialParser per thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json_util.h"

namespace worm::query {

class PartialParser {
 public:
  // `fields`: the members to keep (any order, duplicates allowed). `later`:
  // members AddLater keeps, e.g. the sort keys of a query whose filter
  // (`fields`) most documents fail.
  explicit PartialParser(std::vector<std::string> fields, std::vector<std::string> later = {});
  ~PartialParser();
  PartialParser(const PartialParser&) = delete;
  PartialParser& operator=(const PartialParser&) = delete;

  // A Json object with the kept members of `text`. Attach(text, &doc) adds the
  // text, for documents kept in a result.
  // False when `text` is not a JSON object simdjson accepts (numbers beyond
  // 64 bits, nesting deeper than kMaxJsonDepth, invalid JSON): the caller then parses
  // it in full, which decides (nlohmann's rules) whether it is valid.
  // `padded`: kPadding readable bytes (any content) follow `text`, so it is
  // parsed where it lies instead of copied into a padded buffer first.
  bool Parse(std::string_view text, Json* out, bool padded = false);
  static constexpr size_t kPadding = 64;  // simdjson's SIMDJSON_PADDING
  // Adds the `later` members of the text the last successful Parse read
  // (before the next Parse) to `out`.
  void AddLater(Json* out);
  void Attach(std::string_view text, Json* doc) const;

  // The member holding the text: not one of `fields` or `later`, hence never
  // read by the query the fields came from.
  const std::string& RawMember() const { return raw_member_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string raw_member_;
};

// If `doc` was built by a PartialParser with raw member `raw_member`, the
// original text (removed from `doc`); else nullopt.
std::optional<std::string> TakeRaw(Json* doc, const std::string& raw_member);

}  // namespace worm::query

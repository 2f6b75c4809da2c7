// KeyParser: StorageResolver::ParseEntityKey for one model, prepared once.
//
// Listing a collection parses every listed key. The resolver rebuilds the
// model's segment list, looks each id's type up by name and runs its RE2 on
// every call; here the segments are resolved once, and ids whose type is a
// run of character classes (every built-in type: "^[0-9a-fA-F-]{36}$", ...)
// are matched without RE2. Any other regex goes through the type's RE2.
// Answers exactly as ParseEntityKey does (key_parser_test.cc checks both).
//
// Thread-safety: immutable after construction; safe to share.
#pragma once

#include <bitset>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "schema/resolver.h"
#include "schema/schema.h"

namespace worm::engine {

// A regex that is only character classes and literals with counts
// ("^[1-9A-HJ-NP-Za-km-z]{32,44}$", "^0x[a-f0-9]{40}$"), over the bytes ids
// may hold unchecked: ASCII letters, digits, '-' and '_'.
class ClassPattern {
 public:
  // nullopt when `regex` uses anything else (groups, alternation, escapes,
  // '.', negated classes, ...).
  static std::optional<ClassPattern> Compile(std::string_view regex);
  // RE2::FullMatch(value, regex). Values of more than kMaxValue bytes are
  // not handled (nullopt): the caller asks RE2.
  std::optional<bool> FullMatch(std::string_view value) const;

  static constexpr size_t kMaxValue = 256;

 private:
  struct Atom {
    std::bitset<128> bytes;
    size_t min = 1, max = 1;  // repetitions; max SIZE_MAX: unbounded
  };
  std::vector<Atom> atoms_;
};

class KeyParser {
 public:
  KeyParser(const schema::StorageResolver& resolver, const schema::Model& model);
  // The ids of `key` when it is an entity key of the model; false otherwise.
  bool Parse(std::string_view key, schema::EntityIds* ids) const;

 private:
  struct Part {
    std::string literal;                        // a fixed segment or the file name
    const schema::DynamicType* type = nullptr;  // a dynamic segment of a known type
    bool dynamic = false;
    std::optional<ClassPattern> simple;  // type->regex without RE2
  };
  bool IdMatches(const Part& part, std::string_view id) const;

  std::vector<Part> parts_;
};

}  // namespace worm::engine

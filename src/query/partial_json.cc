#include "query/partial_json.h"

#include <simdjson.h>

#include <algorithm>
#include <cstring>

namespace worm::query {

namespace {

// Marks the binary value that holds a document's text.
constexpr std::uint8_t kRawSubtype = 0x57;

// Builds exactly what nlohmann's parser builds: non-negative integers are
// unsigned, a repeated member keeps its last value.
void Convert(simdjson::dom::element e, Json* out) {
  using simdjson::dom::element_type;
  switch (e.type()) {
    case element_type::ARRAY: {
      *out = Json::array();
      auto& arr = out->get_ref<Json::array_t&>();
      simdjson::dom::array elements = e.get_array().value_unsafe();  // outlives the loop
      arr.reserve(elements.size());
      for (simdjson::dom::element c : elements) {
        arr.emplace_back();
        Convert(c, &arr.back());
      }
      return;
    }
    case element_type::OBJECT: {
      *out = Json::object();
      simdjson::dom::object members = e.get_object().value_unsafe();
      for (simdjson::dom::key_value_pair kv : members) {
        Convert(kv.value, &(*out)[std::string(kv.key)]);
      }
      return;
    }
    case element_type::INT64: {
      int64_t v = e.get_int64().value_unsafe();
      if (v >= 0) {
        *out = static_cast<uint64_t>(v);
      } else {
        *out = v;
      }
      return;
    }
    case element_type::UINT64:
      *out = e.get_uint64().value_unsafe();
      return;
    case element_type::DOUBLE:
      *out = e.get_double().value_unsafe();
      return;
    case element_type::STRING:
      *out = std::string(e.get_string().value_unsafe());
      return;
    case element_type::BOOL:
      *out = e.get_bool().value_unsafe();
      return;
    case element_type::NULL_VALUE:
      *out = nullptr;
      return;
  }
}

// A few member names, looked up by length first: most members of a document
// are not among them, and are turned away by one bit test.
class FieldSet {
 public:
  explicit FieldSet(std::vector<std::string> names) : names_(std::move(names)) {
    std::sort(names_.begin(), names_.end());
    names_.erase(std::unique(names_.begin(), names_.end()), names_.end());
    for (const std::string& n : names_) {
      if (n.size() < 64) {
        lengths_ |= uint64_t{1} << n.size();
      } else {
        long_names_ = true;
      }
    }
  }
  // The kept name equal to `key`, or null.
  const std::string* Find(std::string_view key) const {
    if (key.size() < 64 ? ((lengths_ >> key.size()) & 1) == 0 : !long_names_) return nullptr;
    for (const std::string& n : names_) {
      if (n == key) return &n;
    }
    return nullptr;
  }
  bool empty() const { return names_.empty(); }
  bool contains(const std::string& name) const {
    return std::binary_search(names_.begin(), names_.end(), name);
  }

 private:
  std::vector<std::string> names_;  // sorted, unique
  uint64_t lengths_ = 0;            // bit n: a name of n bytes
  bool long_names_ = false;         // a name of 64 bytes or more
};

// Adds the members of `members` named in `fields` to the object `out`.
void Keep(simdjson::dom::object members, const FieldSet& fields, Json* out) {
  for (simdjson::dom::key_value_pair kv : members) {
    if (const std::string* name = fields.Find(kv.key)) Convert(kv.value, &(*out)[*name]);
  }
}

}  // namespace

struct PartialParser::Impl {
  Impl(std::vector<std::string> first, std::vector<std::string> then)
      : fields(std::move(first)), later(std::move(then)) {
    // The limit ParseJson enforces, so a cached document decodes here exactly
    // when it would in full (Convert recurses per level). Later parses grow
    // the capacity and keep this depth. On failure (out of memory) the
    // parser keeps simdjson's default and Parse reports MEMALLOC.
    simdjson::error_code ignored =
        parser.allocate(simdjson::dom::MINIMAL_DOCUMENT_CAPACITY, kMaxJsonDepth);
    (void)ignored;
  }
  simdjson::dom::parser parser;
  FieldSet fields, later;
  simdjson::dom::object last;  // of the last successful Parse (in `parser`)
};

PartialParser::PartialParser(std::vector<std::string> fields, std::vector<std::string> later)
    : impl_(std::make_unique<Impl>(std::move(fields), std::move(later))) {
  raw_member_ = "\x01raw";
  while (impl_->fields.contains(raw_member_) || impl_->later.contains(raw_member_)) {
    raw_member_ += '_';
  }
}

PartialParser::~PartialParser() = default;

static_assert(PartialParser::kPadding >= simdjson::SIMDJSON_PADDING);

bool PartialParser::Parse(std::string_view text, Json* out, bool padded) {
  simdjson::dom::element root;
  // Unless padded, copies into the parser's padded buffer (reused across calls).
  if (impl_->parser.parse(text.data(), text.size(), !padded).get(root) != simdjson::SUCCESS) {
    return false;
  }
  if (root.get_object().get(impl_->last) != simdjson::SUCCESS) return false;
  *out = Json::object();
  Keep(impl_->last, impl_->fields, out);
  return true;
}

void PartialParser::AddLater(Json* out) {
  if (!impl_->later.empty()) Keep(impl_->last, impl_->later, out);
}

void PartialParser::Attach(std::string_view text, Json* doc) const {
  Json::binary_t::container_type raw(text.size());
  std::memcpy(raw.data(), text.data(), text.size());  // one memcpy, not a per-byte copy
  (*doc)[raw_member_] = Json::binary(std::move(raw), kRawSubtype);
}

std::optional<std::string> TakeRaw(Json* doc, const std::string& raw_member) {
  if (!doc->is_object()) return std::nullopt;
  auto it = doc->find(raw_member);
  if (it == doc->end() || !it->is_binary() || it->get_binary().subtype() != kRawSubtype) {
    return std::nullopt;
  }
  const auto& bytes = it->get_binary();
  std::string text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  doc->erase(it);
  return text;
}

}  // namespace worm::query

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

}  // namespace

struct PartialParser::Impl {
  simdjson::dom::parser parser;
  std::vector<std::string> fields;  // sorted, unique
};

PartialParser::PartialParser(std::vector<std::string> fields) : impl_(std::make_unique<Impl>()) {
  std::sort(fields.begin(), fields.end());
  fields.erase(std::unique(fields.begin(), fields.end()), fields.end());
  impl_->fields = std::move(fields);
  raw_member_ = "\x01raw";
  while (std::binary_search(impl_->fields.begin(), impl_->fields.end(), raw_member_)) {
    raw_member_ += '_';
  }
}

PartialParser::~PartialParser() = default;

bool PartialParser::Parse(std::string_view text, Json* out) {
  simdjson::dom::element root;
  // Copies into the parser's padded buffer (reused across calls).
  if (impl_->parser.parse(text.data(), text.size(), true).get(root) != simdjson::SUCCESS) {
    return false;
  }
  simdjson::dom::object members;
  if (root.get_object().get(members) != simdjson::SUCCESS) return false;
  *out = Json::object();
  const std::vector<std::string>& fields = impl_->fields;
  for (simdjson::dom::key_value_pair kv : members) {
    auto it = std::lower_bound(fields.begin(), fields.end(), kv.key,
                               [](const std::string& a, std::string_view b) { return a < b; });
    if (it == fields.end() || *it != kv.key) continue;
    Convert(kv.value, &(*out)[*it]);
  }
  return true;
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

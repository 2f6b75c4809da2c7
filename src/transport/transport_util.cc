#include "transport/transport_util.h"

#include <algorithm>
#include <cstring>

#include "core/hash.h"

namespace worm::transport_internal {

namespace {

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Token format: "1" (version), 'k' (after a key) or 'p' (after a common
// prefix), then the name in lowercase hex. Hex keeps the token printable
// and URL-safe; callers must treat it as opaque.
constexpr char kTokenVersion = '1';

}  // namespace

Status ValidateKey(std::string_view op, const Key& key, size_t max_key_size) {
  if (key.empty()) return Status::InvalidArgument(std::string(op) + ": empty key");
  if (key.size() > max_key_size) {
    return Status::InvalidArgument(std::string(op) + " " + Quote(key.substr(0, 64)) +
                                   "...: key is " + std::to_string(key.size()) +
                                   " bytes; the limit is " + std::to_string(max_key_size));
  }
  return Status::OK();
}

Status ValidateWriteOptions(std::string_view op, const Key& key, const WriteOptions& options) {
  if (options.mode == PutMode::kUpdate && options.if_match.empty()) {
    return Status::InvalidArgument(std::string(op) + " " + Quote(key) +
                                   ": update mode needs the expected ETag in if_match");
  }
  if (options.mode != PutMode::kUpdate && !options.if_match.empty()) {
    return Status::InvalidArgument(std::string(op) + " " + Quote(key) +
                                   ": if_match is only allowed with update mode");
  }
  return Status::OK();
}

Status CheckWriteMode(std::string_view op, const Key& key, const ObjectMeta* current,
                      const WriteOptions& options) {
  switch (options.mode) {
    case PutMode::kOverwrite:
      return Status::OK();
    case PutMode::kCreate:
      if (current != nullptr) {
        return Status::AlreadyExists(std::string(op) + " " + Quote(key) +
                                     ": create-only write found an existing object (etag " +
                                     current->etag + ")");
      }
      return Status::OK();
    case PutMode::kUpdate:
      if (current == nullptr) {
        return Status::FailedPrecondition(std::string(op) + " " + Quote(key) +
                                          ": update expected etag " + options.if_match +
                                          " but the object does not exist");
      }
      if (current->etag != options.if_match) {
        return Status::FailedPrecondition(std::string(op) + " " + Quote(key) +
                                          ": update expected etag " + options.if_match +
                                          " but the object has etag " + current->etag);
      }
      return Status::OK();
  }
  return Status::OK();
}

Status CheckReadConditions(std::string_view op, const ObjectMeta& meta,
                           const ReadOptions& options) {
  if (!options.if_match.empty() && options.if_match != "*" && options.if_match != meta.etag) {
    return Status::FailedPrecondition(std::string(op) + " " + Quote(meta.key) + ": If-Match " +
                                      options.if_match + " but etag is " + meta.etag);
  }
  if (!options.if_none_match.empty() &&
      (options.if_none_match == "*" || options.if_none_match == meta.etag)) {
    return Status::FailedPrecondition(std::string(op) + " " + Quote(meta.key) + ": If-None-Match " +
                                      options.if_none_match + " matches etag " + meta.etag);
  }
  return Status::OK();
}

Status CheckDeleteCondition(const Key& key, const ObjectMeta* current,
                            const DeleteOptions& options) {
  if (options.if_match.empty()) return Status::OK();
  if (current == nullptr) {
    return Status::FailedPrecondition("delete " + Quote(key) + ": If-Match " + options.if_match +
                                      " but the object does not exist");
  }
  if (current->etag != options.if_match) {
    return Status::FailedPrecondition("delete " + Quote(key) + ": If-Match " + options.if_match +
                                      " but etag is " + current->etag);
  }
  return Status::OK();
}

Result<Slice> ResolveRange(const Key& key, uint64_t size, const std::optional<ByteRange>& range) {
  if (!range) return Slice{0, size};
  if (size == 0) return Slice{0, 0};
  if (range->offset >= size) {
    return Status::OutOfRange("read " + Quote(key) + ": range starts at " +
                              std::to_string(range->offset) + " but the object has " +
                              std::to_string(size) + " bytes");
  }
  uint64_t available = size - range->offset;
  uint64_t length = range->length ? std::min(*range->length, available) : available;
  return Slice{range->offset, length};
}

std::optional<std::string> PrefixSuccessor(std::string_view prefix) {
  std::string s(prefix);
  while (!s.empty() && static_cast<unsigned char>(s.back()) == 0xFF) s.pop_back();
  if (s.empty()) return std::nullopt;
  s.back() = static_cast<char>(static_cast<unsigned char>(s.back()) + 1);
  return s;
}

std::string EncodeListToken(std::string_view last_name, bool is_prefix) {
  std::string token;
  token.reserve(2 + 2 * last_name.size());
  token.push_back(kTokenVersion);
  token.push_back(is_prefix ? 'p' : 'k');
  token += HexEncode(last_name);
  return token;
}

Result<ListCursor> DecodeListToken(std::string_view token) {
  auto bad = [&] {
    return Status::InvalidArgument("list: malformed continuation token \"" +
                                   std::string(token.substr(0, 64)) + "\"");
  };
  if (token.size() < 2 || token[0] != kTokenVersion || (token[1] != 'k' && token[1] != 'p') ||
      token.size() % 2 != 0) {
    return bad();
  }
  ListCursor cursor;
  cursor.is_prefix = token[1] == 'p';
  cursor.name.reserve((token.size() - 2) / 2);
  for (size_t i = 2; i < token.size(); i += 2) {
    int hi = HexValue(token[i]);
    int lo = HexValue(token[i + 1]);
    if (hi < 0 || lo < 0) return bad();
    cursor.name.push_back(static_cast<char>(hi * 16 + lo));
  }
  if (cursor.name.empty()) return bad();
  return cursor;
}

void ListPlan::SkipPrefix(std::string_view p) {
  std::optional<std::string> next = PrefixSuccessor(p);
  if (!next) {
    exhausted = true;
    ++moves;
  } else if (*next > seek) {
    seek = std::move(*next);
    ++moves;
  }
}

std::string_view ListPlan::RollUp(std::string_view key) const {
  if (delimiter.empty() || key.size() <= prefix.size()) return {};
  size_t pos = key.find(delimiter, prefix.size());
  if (pos == std::string_view::npos) return {};
  return key.substr(0, pos + delimiter.size());
}

Result<ListPlan> PlanList(const ListRequest& request) {
  if (request.max_keys < 1 || request.max_keys > 1000) {
    return Status::InvalidArgument("list: max_keys must be 1..1000, got " +
                                   std::to_string(request.max_keys));
  }
  ListPlan plan;
  plan.prefix = request.prefix;
  plan.delimiter = request.delimiter;
  plan.max_keys = request.max_keys;
  plan.seek = request.prefix;
  if (!request.start_after.empty()) {
    std::string after = request.start_after;
    after.push_back('\0');  // the smallest string greater than start_after
    plan.seek = std::max(plan.seek, after);
  }
  if (!request.token.empty()) {
    ASSIGN_OR_RETURN(ListCursor cursor, DecodeListToken(request.token));
    if (cursor.is_prefix) {
      plan.SkipPrefix(cursor.name);
    } else {
      cursor.name.push_back('\0');
      plan.seek = std::max(plan.seek, cursor.name);
    }
  }
  return plan;
}

namespace {

class BufferReadStream final : public ReadStream {
 public:
  BufferReadStream(ObjectMeta meta, std::shared_ptr<const std::string> data, Slice slice)
      : meta_(std::move(meta)),
        data_(std::move(data)),
        pos_(slice.offset),
        end_(slice.offset + slice.length) {}
  const ObjectMeta& meta() const override { return meta_; }
  Result<size_t> Read(char* buf, size_t n) override {
    size_t count = static_cast<size_t>(std::min<uint64_t>(n, end_ - pos_));
    if (count > 0) std::memcpy(buf, data_->data() + pos_, count);
    pos_ += count;
    return count;
  }

 private:
  ObjectMeta meta_;
  std::shared_ptr<const std::string> data_;
  uint64_t pos_;
  uint64_t end_;
};

}  // namespace

std::unique_ptr<ReadStream> NewBufferReadStream(ObjectMeta meta,
                                                std::shared_ptr<const std::string> data,
                                                Slice slice) {
  return std::make_unique<BufferReadStream>(std::move(meta), std::move(data), slice);
}

}  // namespace worm::transport_internal

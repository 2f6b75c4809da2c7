// MemoryTransport: objects in a byte-sorted std::map under a shared_mutex.
// Thread-safe. Object bodies are immutable shared buffers, so readers and
// streams never copy under the lock and never see a later write.
#include <map>
#include <mutex>
#include <shared_mutex>

#include "core/hash.h"
#include "transport/transport_util.h"
#include "worm/clock.h"
#include "worm/transport.h"

namespace worm {

namespace {

using namespace transport_internal;  // NOLINT

struct Entry {
  ObjectMeta meta;
  std::shared_ptr<const std::string> data;
};

class MemoryTransport final : public Transport {
 public:
  explicit MemoryTransport(Clock* clock) : clock_(clock ? clock : Clock::Default()) {}

  Capabilities capabilities() const override {
    Capabilities caps;
    caps.name = "memory";
    return caps;
  }

  Result<ObjectMeta> Head(const Key& key, const ReadOptions& options) override {
    ASSIGN_OR_RETURN(Entry entry, Lookup("head", key, options));
    return std::move(entry.meta);
  }

  Result<Object> Get(const Key& key, const ReadOptions& options) override {
    ASSIGN_OR_RETURN(Entry entry, Lookup("get", key, options));
    ASSIGN_OR_RETURN(Slice slice, ResolveRange(key, entry.meta.size, options.range));
    Object obj;
    obj.meta = std::move(entry.meta);
    obj.data.assign(*entry.data, slice.offset, slice.length);
    return obj;
  }

  Result<std::unique_ptr<ReadStream>> OpenRead(const Key& key,
                                               const ReadOptions& options) override {
    ASSIGN_OR_RETURN(Entry entry, Lookup("get", key, options));
    ASSIGN_OR_RETURN(Slice slice, ResolveRange(key, entry.meta.size, options.range));
    return NewBufferReadStream(std::move(entry.meta), std::move(entry.data), slice);
  }

  Result<PutResult> Put(const Key& key, ByteView data, const WriteOptions& options) override {
    RETURN_NOT_OK(ValidateKey("put", key));
    RETURN_NOT_OK(ValidateWriteOptions("put", key, options));
    auto body = std::make_shared<const std::string>(data);
    return Store(key, std::move(body), Md5Hex(data), options);
  }

  Result<std::unique_ptr<WriteStream>> OpenWrite(const Key& key,
                                                 const WriteOptions& options) override;

  Status Delete(const Key& key, const DeleteOptions& options) override {
    RETURN_NOT_OK(ValidateKey("delete", key));
    std::unique_lock lock(mu_);
    auto it = objects_.find(key);
    RETURN_NOT_OK(
        CheckDeleteCondition(key, it == objects_.end() ? nullptr : &it->second.meta, options));
    if (it != objects_.end()) objects_.erase(it);
    return Status::OK();
  }

  Result<ListPage> List(const ListRequest& request) override;

  // Stores a finished body; shared by Put and the write stream's Commit.
  Result<PutResult> Store(const Key& key, std::shared_ptr<const std::string> body, std::string etag,
                          const WriteOptions& options) {
    Entry entry;
    entry.meta.key = key;
    entry.meta.size = body->size();
    entry.meta.etag = std::move(etag);
    entry.meta.last_modified_ms = clock_->NowMillis();
    entry.meta.content_type = options.content_type;
    entry.meta.user_metadata = options.user_metadata;
    entry.data = std::move(body);
    PutResult result{entry.meta.etag, ""};
    std::unique_lock lock(mu_);
    auto it = objects_.find(key);
    RETURN_NOT_OK(
        CheckWriteMode("put", key, it == objects_.end() ? nullptr : &it->second.meta, options));
    if (it == objects_.end()) {
      objects_.emplace(key, std::move(entry));
    } else {
      it->second = std::move(entry);
    }
    return result;
  }

 private:
  Result<Entry> Lookup(std::string_view op, const Key& key, const ReadOptions& options) {
    RETURN_NOT_OK(ValidateKey(op, key));
    Entry entry;
    {
      std::shared_lock lock(mu_);
      auto it = objects_.find(key);
      if (it == objects_.end()) {
        return Status::NotFound(std::string(op) + " \"" + key + "\": no such key");
      }
      entry = it->second;
    }
    RETURN_NOT_OK(CheckReadConditions(op, entry.meta, options));
    return entry;
  }

  Clock* const clock_;
  std::shared_mutex mu_;
  std::map<std::string, Entry, std::less<>> objects_;  // std::string orders by unsigned bytes
};

class MemoryWriteStream final : public WriteStream {
 public:
  MemoryWriteStream(MemoryTransport* owner, Key key, WriteOptions options)
      : owner_(owner),
        key_(std::move(key)),
        options_(std::move(options)),
        hasher_(Hasher::New(HashAlgorithm::kMd5)) {}

  Status Append(ByteView data) override {
    if (done_) return Status::FailedPrecondition("append \"" + key_ + "\": stream is closed");
    body_.append(data);
    hasher_->Update(data);
    return Status::OK();
  }

  Result<PutResult> Commit() override {
    if (done_) return Status::FailedPrecondition("commit \"" + key_ + "\": stream is closed");
    done_ = true;
    auto body = std::make_shared<const std::string>(std::move(body_));
    return owner_->Store(key_, std::move(body), hasher_->FinishHex(), options_);
  }

  void Abort() override {
    done_ = true;
    body_.clear();
    body_.shrink_to_fit();
  }

 private:
  MemoryTransport* owner_;
  Key key_;
  WriteOptions options_;
  std::unique_ptr<Hasher> hasher_;
  std::string body_;
  bool done_ = false;
};

Result<std::unique_ptr<WriteStream>> MemoryTransport::OpenWrite(const Key& key,
                                                                const WriteOptions& options) {
  RETURN_NOT_OK(ValidateKey("put", key));
  RETURN_NOT_OK(ValidateWriteOptions("put", key, options));
  return std::unique_ptr<WriteStream>(std::make_unique<MemoryWriteStream>(this, key, options));
}

Result<ListPage> MemoryTransport::List(const ListRequest& request) {
  ASSIGN_OR_RETURN(ListPlan plan, PlanList(request));
  ListPage page;
  int count = 0;
  std::string last_prefix;            // the last common prefix listed, if it was last
  const std::string* last = nullptr;  // the last key listed (no copy per key)
  std::shared_lock lock(mu_);
  auto it = objects_.lower_bound(plan.seek);
  while (!plan.exhausted && it != objects_.end() && it->first.starts_with(plan.prefix)) {
    if (count == plan.max_keys) {
      page.next_token =
          last != nullptr ? EncodeListToken(*last, false) : EncodeListToken(last_prefix, true);
      break;
    }
    ++count;
    std::string_view rolled = plan.RollUp(it->first);
    if (!rolled.empty()) {
      last_prefix.assign(rolled);
      last = nullptr;
      page.common_prefixes.push_back(last_prefix);
      plan.SkipPrefix(last_prefix);
      if (!plan.exhausted) it = objects_.lower_bound(plan.seek);
      continue;
    }
    const ObjectMeta& stored = it->second.meta;
    ObjectMeta meta;  // as S3: List carries no content type or user metadata
    meta.key = stored.key;
    meta.size = stored.size;
    meta.etag = stored.etag;
    meta.last_modified_ms = stored.last_modified_ms;
    meta.version = stored.version;
    last = &it->first;
    page.objects.push_back(std::move(meta));
    ++it;
  }
  return page;
}

}  // namespace

std::shared_ptr<Transport> NewMemoryTransport() { return NewMemoryTransport(nullptr); }

std::shared_ptr<Transport> NewMemoryTransport(Clock* clock) {
  return std::make_shared<MemoryTransport>(clock);
}

}  // namespace worm

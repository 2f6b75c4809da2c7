#include "transport/counting_transport.h"

namespace worm {

namespace {

constexpr auto kRelaxed = std::memory_order_relaxed;

class CountingReadStream final : public ReadStream {
 public:
  CountingReadStream(CountingTransport* owner, std::unique_ptr<ReadStream> target)
      : owner_(owner), target_(std::move(target)) {}
  const ObjectMeta& meta() const override { return target_->meta(); }
  Result<size_t> Read(char* buf, size_t n) override {
    Result<size_t> got = target_->Read(buf, n);
    if (got.ok()) owner_->AddBytes(OpClass::kGet, *got);
    return got;
  }

 private:
  CountingTransport* owner_;
  std::unique_ptr<ReadStream> target_;
};

class CountingWriteStream final : public WriteStream {
 public:
  CountingWriteStream(CountingTransport* owner, std::unique_ptr<WriteStream> target)
      : owner_(owner), target_(std::move(target)) {}
  Status Append(ByteView data) override {
    bytes_ += data.size();
    return target_->Append(data);
  }
  Result<PutResult> Commit() override {
    Result<PutResult> r = target_->Commit();
    owner_->Record(OpClass::kPut, r.status(), r.ok() ? bytes_ : 0);
    return r;
  }
  void Abort() override { target_->Abort(); }

 private:
  CountingTransport* owner_;
  std::unique_ptr<WriteStream> target_;
  uint64_t bytes_ = 0;
};

}  // namespace

std::string_view OpClassName(OpClass op) {
  static constexpr std::string_view kNames[] = {"HEAD", "GET", "PUT", "LIST", "DELETE", "COPY"};
  return kNames[static_cast<int>(op)];
}

uint64_t TransportCounts::total_requests() const {
  uint64_t total = 0;
  for (const OpCounts& c : ops) total += c.requests;
  return total;
}

uint64_t TransportCounts::write_requests() const {
  return (*this)[OpClass::kPut].requests + (*this)[OpClass::kDelete].requests +
         (*this)[OpClass::kCopy].requests;
}

std::string TransportCounts::ToString() const {
  std::string out;
  for (int i = 0; i < kNumOpClasses; ++i) {
    const OpCounts& c = ops[i];
    if (!out.empty()) out += ' ';
    out += OpClassName(static_cast<OpClass>(i));
    out += '=' + std::to_string(c.requests);
    if (c.bytes > 0) out += '/' + std::to_string(c.bytes) + 'B';
    if (c.errors > 0) out += '!' + std::to_string(c.errors);
  }
  return out;
}

TransportCounts CountingTransport::Snapshot() const {
  TransportCounts snap;
  for (int i = 0; i < kNumOpClasses; ++i) {
    snap.ops[i].requests = counters_[i].requests.load(kRelaxed);
    snap.ops[i].errors = counters_[i].errors.load(kRelaxed);
    snap.ops[i].bytes = counters_[i].bytes.load(kRelaxed);
  }
  return snap;
}

void CountingTransport::Reset() {
  for (Counter& c : counters_) {
    c.requests.store(0, kRelaxed);
    c.errors.store(0, kRelaxed);
    c.bytes.store(0, kRelaxed);
  }
}

void CountingTransport::Record(OpClass op, const Status& status, uint64_t bytes) {
  Counter& c = counters_[static_cast<int>(op)];
  c.requests.fetch_add(1, kRelaxed);
  if (!status.ok()) c.errors.fetch_add(1, kRelaxed);
  if (bytes > 0) c.bytes.fetch_add(bytes, kRelaxed);
}

void CountingTransport::AddBytes(OpClass op, uint64_t bytes) {
  counters_[static_cast<int>(op)].bytes.fetch_add(bytes, kRelaxed);
}

Result<ObjectMeta> CountingTransport::Head(const Key& key, const ReadOptions& o) {
  Result<ObjectMeta> r = target_->Head(key, o);
  Record(OpClass::kHead, r.status(), 0);
  return r;
}

Result<Object> CountingTransport::Get(const Key& key, const ReadOptions& o) {
  Result<Object> r = target_->Get(key, o);
  Record(OpClass::kGet, r.status(), r.ok() ? r->data.size() : 0);
  return r;
}

Result<std::unique_ptr<ReadStream>> CountingTransport::OpenRead(const Key& key,
                                                                const ReadOptions& o) {
  Result<std::unique_ptr<ReadStream>> r = target_->OpenRead(key, o);
  Record(OpClass::kGet, r.status(), 0);
  if (!r.ok()) return r;
  return std::unique_ptr<ReadStream>(
      std::make_unique<CountingReadStream>(this, std::move(r).value()));
}

Result<PutResult> CountingTransport::Put(const Key& key, ByteView data, const WriteOptions& o) {
  Result<PutResult> r = target_->Put(key, data, o);
  Record(OpClass::kPut, r.status(), r.ok() ? data.size() : 0);
  return r;
}

Result<std::unique_ptr<WriteStream>> CountingTransport::OpenWrite(const Key& key,
                                                                  const WriteOptions& o) {
  Result<std::unique_ptr<WriteStream>> r = target_->OpenWrite(key, o);
  if (!r.ok()) {
    Record(OpClass::kPut, r.status(), 0);
    return r;
  }
  return std::unique_ptr<WriteStream>(
      std::make_unique<CountingWriteStream>(this, std::move(r).value()));
}

Status CountingTransport::Delete(const Key& key, const DeleteOptions& o) {
  Status st = target_->Delete(key, o);
  Record(OpClass::kDelete, st, 0);
  return st;
}

Result<ListPage> CountingTransport::List(const ListRequest& r) {
  Result<ListPage> page = target_->List(r);
  Record(OpClass::kList, page.status(), 0);
  return page;
}

Result<PutResult> CountingTransport::Copy(const Key& from, const Key& to, const WriteOptions& o) {
  Result<PutResult> r = target_->Copy(from, to, o);
  Record(OpClass::kCopy, r.status(), 0);
  return r;
}

}  // namespace worm

#include "testing/fault_injection_transport.h"

#include <thread>

#include "core/hash.h"

namespace worm::testing {

namespace {

using Action = FaultInjectionTransport::Action;

std::string Describe(std::string_view op, std::string_view key) {
  return std::string(op) + " \"" + std::string(key) + "\"";
}

bool LooksLikeMd5(const std::string& etag) {
  if (etag.size() != 32) return false;
  for (char c : etag) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// Applies a read fault to a body in place.
void Damage(Action action, std::string* data) {
  if (action == Action::kCorrupt && !data->empty()) (*data)[data->size() / 2] ^= 0x5A;
  if (action == Action::kTruncate) data->resize(data->size() / 2);
}

// Whether `data` is the body `meta` promised for a read of `options.range`.
Status VerifyBody(const ObjectMeta& meta, const ReadOptions& options, std::string_view data) {
  uint64_t expected = meta.size;
  if (options.range) {
    uint64_t off = std::min(options.range->offset, meta.size);
    expected = meta.size - off;
    if (options.range->length) expected = std::min(expected, *options.range->length);
  }
  if (data.size() != expected) {
    return Status::DataLoss(Describe("get", meta.key) + ": body has " +
                            std::to_string(data.size()) + " bytes, expected " +
                            std::to_string(expected));
  }
  if (!options.range && LooksLikeMd5(meta.etag) && Md5Hex(data) != meta.etag) {
    return Status::DataLoss(Describe("get", meta.key) + ": body MD5 differs from ETag " +
                            meta.etag);
  }
  return Status::OK();
}

class FaultReadStream final : public ReadStream {
 public:
  FaultReadStream(std::unique_ptr<ReadStream> target, Action action, ReadOptions options)
      : target_(std::move(target)),
        action_(action),
        options_(std::move(options)),
        md5_(Hasher::New(HashAlgorithm::kMd5)) {
    const ObjectMeta& m = target_->meta();
    expected_ = m.size;
    if (options_.range) {
      expected_ = m.size - std::min(options_.range->offset, m.size);
      if (options_.range->length) expected_ = std::min(expected_, *options_.range->length);
    }
  }
  const ObjectMeta& meta() const override { return target_->meta(); }

  Result<size_t> Read(char* buf, size_t n) override {
    if (action_ == Action::kTruncate && seen_ >= expected_ / 2) return Finish();
    if (action_ == Action::kTruncate) n = std::min<uint64_t>(n, expected_ / 2 - seen_);
    ASSIGN_OR_RETURN(size_t got, target_->Read(buf, n));
    if (got == 0) return Finish();
    if (action_ == Action::kCorrupt && !corrupted_) {
      buf[0] ^= 0x5A;
      corrupted_ = true;
    }
    md5_->Update(std::string_view(buf, got));
    seen_ += got;
    return got;
  }

 private:
  // End of the body: check what was delivered against the metadata.
  Result<size_t> Finish() {
    const ObjectMeta& m = target_->meta();
    if (seen_ != expected_) {
      return Status::DataLoss(Describe("read", m.key) + ": stream ended after " +
                              std::to_string(seen_) + " of " + std::to_string(expected_) +
                              " bytes");
    }
    if (!options_.range && LooksLikeMd5(m.etag) && md5_ && md5_->FinishHex() != m.etag) {
      md5_.reset();
      return Status::DataLoss(Describe("read", m.key) + ": body MD5 differs from ETag " + m.etag);
    }
    md5_.reset();
    return size_t{0};
  }

  std::unique_ptr<ReadStream> target_;
  Action action_;
  ReadOptions options_;
  std::unique_ptr<Hasher> md5_;
  uint64_t expected_ = 0;
  uint64_t seen_ = 0;
  bool corrupted_ = false;
};

class FaultWriteStream final : public WriteStream {
 public:
  FaultWriteStream(FaultInjectionTransport* owner, Key key, std::unique_ptr<WriteStream> target)
      : owner_(owner), key_(std::move(key)), target_(std::move(target)), epoch_(owner->epoch()) {}

  Status Append(ByteView data) override {
    if (Dropped()) return owner_->CrashedError("append", key_);
    return target_->Append(data);
  }

  Result<PutResult> Commit() override {
    if (Dropped()) {
      target_->Abort();
      return owner_->CrashedError("commit", key_);
    }
    FaultInjectionTransport::Decision d = owner_->Decide(kFaultPut, "commit", key_);
    if (d.action == Action::kFailBefore || d.action == Action::kCrashed) {
      target_->Abort();
      return d.error;
    }
    Result<PutResult> r = target_->Commit();
    if (d.action == Action::kFailAfter && r.ok()) return d.error;
    return r;
  }

  void Abort() override { target_->Abort(); }

 private:
  bool Dropped() const { return owner_->crashed() || owner_->epoch() != epoch_; }

  FaultInjectionTransport* owner_;
  Key key_;
  std::unique_ptr<WriteStream> target_;
  uint64_t epoch_;
};

}  // namespace

void FaultInjectionTransport::Arm(FaultSpec spec) {
  std::lock_guard lock(mu_);
  spec_ = std::move(spec);
  rng_.seed(spec_.seed);
  armed_ = true;
  matching_ = 0;
  injected_ = 0;
}

void FaultInjectionTransport::Disarm() {
  std::lock_guard lock(mu_);
  armed_ = false;
}

void FaultInjectionTransport::Crash() {
  std::lock_guard lock(mu_);
  crashed_ = true;
  ++epoch_;
}

void FaultInjectionTransport::Reset() {
  std::lock_guard lock(mu_);
  armed_ = false;
  crashed_ = false;
  matching_ = 0;
  injected_ = 0;
}

int64_t FaultInjectionTransport::matching_calls() const {
  std::lock_guard lock(mu_);
  return matching_;
}

int64_t FaultInjectionTransport::faults_injected() const {
  std::lock_guard lock(mu_);
  return injected_;
}

bool FaultInjectionTransport::crashed() const {
  std::lock_guard lock(mu_);
  return crashed_;
}

uint64_t FaultInjectionTransport::epoch() const {
  std::lock_guard lock(mu_);
  return epoch_;
}

Status FaultInjectionTransport::CrashedError(std::string_view op, std::string_view key) const {
  return Status::Unavailable("fault injection: " + Describe(op, key) +
                             ": the transport has crashed (Reset() to restart)");
}

bool FaultInjectionTransport::Fires() {
  int64_t index = matching_++;
  if (spec_.max_faults >= 0 && injected_ >= spec_.max_faults) return false;
  bool fire = spec_.nth >= 0 ? index == spec_.nth : spec_.one_in > 0 && rng_() % spec_.one_in == 0;
  if (fire) ++injected_;
  return fire;
}

FaultInjectionTransport::Decision FaultInjectionTransport::Decide(uint32_t op,
                                                                  std::string_view op_name,
                                                                  std::string_view key) {
  Decision d;
  std::chrono::milliseconds sleep{0};
  {
    std::lock_guard lock(mu_);
    if (crashed_) {
      d.action = Action::kCrashed;
      d.error = CrashedError(op_name, key);
      return d;
    }
    if (!armed_ || (spec_.ops & op) == 0 ||
        key.substr(0, spec_.key_prefix.size()) != spec_.key_prefix || !Fires()) {
      return d;
    }
    std::string what = "fault injection: " + Describe(op_name, key) + ": injected ";
    switch (spec_.kind) {
      case FaultKind::kFailBefore:
        d.action = Action::kFailBefore;
        d.error = Status(spec_.code, what + "failure before the call");
        break;
      case FaultKind::kFailAfter:
        d.action = Action::kFailAfter;
        d.error = Status(spec_.code, what + "failure after the call was applied");
        break;
      case FaultKind::kCorruptRead:
        d.action = (op & kFaultGet) ? Action::kCorrupt : Action::kNone;
        break;
      case FaultKind::kTruncateRead:
        d.action = (op & kFaultGet) ? Action::kTruncate : Action::kNone;
        break;
      case FaultKind::kLatency:
        sleep = spec_.latency;
        break;
      case FaultKind::kCrash:
        crashed_ = true;
        ++epoch_;
        d.action = Action::kCrashed;
        d.error = Status(spec_.code, what + "crash");
        break;
    }
  }
  if (sleep.count() > 0) std::this_thread::sleep_for(sleep);
  return d;
}

// Runs `call` under decision `d`: fails before, or after, or passes through.
#define WORM_FAULT_BEFORE(d) \
  if ((d).action == Action::kFailBefore || (d).action == Action::kCrashed) return (d).error

Result<ObjectMeta> FaultInjectionTransport::Head(const Key& key, const ReadOptions& o) {
  Decision d = Decide(kFaultHead, "head", key);
  WORM_FAULT_BEFORE(d);
  Result<ObjectMeta> r = target_->Head(key, o);
  if (d.action == Action::kFailAfter) return d.error;
  return r;
}

Result<Object> FaultInjectionTransport::Get(const Key& key, const ReadOptions& o) {
  Decision d = Decide(kFaultGet, "get", key);
  WORM_FAULT_BEFORE(d);
  Result<Object> r = target_->Get(key, o);
  if (d.action == Action::kFailAfter) return d.error;
  if (!r.ok()) return r;
  Damage(d.action, &r->data);
  RETURN_NOT_OK(VerifyBody(r->meta, o, r->data));
  return r;
}

Result<std::unique_ptr<ReadStream>> FaultInjectionTransport::OpenRead(const Key& key,
                                                                      const ReadOptions& o) {
  Decision d = Decide(kFaultGet, "get", key);
  WORM_FAULT_BEFORE(d);
  Result<std::unique_ptr<ReadStream>> r = target_->OpenRead(key, o);
  if (d.action == Action::kFailAfter) return d.error;
  if (!r.ok()) return r;
  return std::unique_ptr<ReadStream>(
      std::make_unique<FaultReadStream>(std::move(r).value(), d.action, o));
}

Result<PutResult> FaultInjectionTransport::Put(const Key& key, ByteView data,
                                               const WriteOptions& o) {
  Decision d = Decide(kFaultPut, "put", key);
  WORM_FAULT_BEFORE(d);
  Result<PutResult> r = target_->Put(key, data, o);
  if (d.action == Action::kFailAfter && r.ok()) return d.error;
  return r;
}

Result<std::unique_ptr<WriteStream>> FaultInjectionTransport::OpenWrite(const Key& key,
                                                                        const WriteOptions& o) {
  if (crashed()) return CrashedError("put", key);
  ASSIGN_OR_RETURN(std::unique_ptr<WriteStream> target, target_->OpenWrite(key, o));
  return std::unique_ptr<WriteStream>(
      std::make_unique<FaultWriteStream>(this, key, std::move(target)));
}

Status FaultInjectionTransport::Delete(const Key& key, const DeleteOptions& o) {
  Decision d = Decide(kFaultDelete, "delete", key);
  WORM_FAULT_BEFORE(d);
  Status st = target_->Delete(key, o);
  if (d.action == Action::kFailAfter && st.ok()) return d.error;
  return st;
}

Result<ListPage> FaultInjectionTransport::List(const ListRequest& r) {
  Decision d = Decide(kFaultList, "list", r.prefix);
  WORM_FAULT_BEFORE(d);
  Result<ListPage> page = target_->List(r);
  if (d.action == Action::kFailAfter) return d.error;
  return page;
}

Result<PutResult> FaultInjectionTransport::Copy(const Key& from, const Key& to,
                                                const WriteOptions& o) {
  Decision d = Decide(kFaultCopy, "copy", to);
  WORM_FAULT_BEFORE(d);
  Result<PutResult> r = target_->Copy(from, to, o);
  if (d.action == Action::kFailAfter && r.ok()) return d.error;
  return r;
}

#undef WORM_FAULT_BEFORE

}  // namespace worm::testing

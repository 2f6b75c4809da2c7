// SyncEngine: the transfers of Push and Pull, one object per call, run on
// the engine's worker pool. Each completed object updates the base.
#include <vector>

#include "core/hash.h"
#include "sync/engine.h"

namespace worm::sync {

namespace {

// Streamed copy chunk for objects over kSmallObjectBytes.
constexpr size_t kStreamChunk = size_t{1} << 20;

std::string GuessContentType(const std::string& key) {
  if (key.ends_with(".json") || IsSentinelKey(key)) return "application/json";
  return "";
}

struct Copied {
  PutResult put;
  std::string md5;  // of the bytes moved
  std::string source_etag;
  uint64_t size = 0;
};

// A read that found a delete fence where the listing had an object: the
// object is being deleted (by a push elsewhere); never copy the fence.
Status FenceRead(const std::string& key) {
  return Status::FailedPrecondition(key + ": being deleted on the remote since the scan");
}

// Streams `key` from `from` to `to`, hashing on the way. When the source
// ETag is a plain MD5 it must match the bytes (DataLoss otherwise), checked
// before the write is committed.
Result<Copied> StreamCopy(Transport& from, Transport& to, const std::string& key,
                          WriteOptions write) {
  ASSIGN_OR_RETURN(std::unique_ptr<ReadStream> in, from.OpenRead(key, {}));
  if (IsDeleteFence(in->meta().size, in->meta().etag)) return FenceRead(key);
  if (write.content_type.empty()) write.content_type = in->meta().content_type;
  ASSIGN_OR_RETURN(std::unique_ptr<WriteStream> out, to.OpenWrite(key, write));
  auto hasher = Hasher::New(HashAlgorithm::kMd5);
  std::vector<char> buf(kStreamChunk);
  Copied c;
  for (;;) {
    Result<size_t> n = in->Read(buf.data(), buf.size());
    if (!n.ok()) {
      out->Abort();
      return n.status();
    }
    if (*n == 0) break;
    hasher->Update(std::string_view(buf.data(), *n));
    c.size += *n;
    Status st = out->Append(std::string_view(buf.data(), *n));
    if (!st.ok()) {
      out->Abort();
      return st;
    }
  }
  c.md5 = hasher->FinishHex();
  c.source_etag = in->meta().etag;
  if (IsPlainMd5(c.source_etag) && c.source_etag != c.md5) {
    out->Abort();
    return Status::DataLoss(key + ": body does not match its ETag " + c.source_etag);
  }
  ASSIGN_OR_RETURN(c.put, out->Commit());
  return c;
}

// As StreamCopy, in one Get and one Put (objects up to kSmallObjectBytes).
Result<Copied> SmallCopy(Transport& from, Transport& to, const std::string& key,
                         WriteOptions write) {
  ASSIGN_OR_RETURN(Object obj, from.Get(key, {}));
  if (IsDeleteFence(obj.data.size(), obj.meta.etag)) return FenceRead(key);
  Copied c;
  c.md5 = Md5Hex(obj.data);
  c.size = obj.data.size();
  c.source_etag = obj.meta.etag;
  if (IsPlainMd5(c.source_etag) && c.source_etag != c.md5) {
    return Status::DataLoss(key + ": body does not match its ETag " + c.source_etag);
  }
  if (write.content_type.empty()) write.content_type = obj.meta.content_type;
  ASSIGN_OR_RETURN(c.put, to.Put(key, obj.data, write));
  return c;
}

Result<Copied> CopyObject(Transport& from, Transport& to, const std::string& key, uint64_t size,
                          WriteOptions write) {
  if (write.content_type.empty()) write.content_type = GuessContentType(key);
  return size <= kSmallObjectBytes ? SmallCopy(from, to, key, std::move(write))
                                   : StreamCopy(from, to, key, std::move(write));
}

}  // namespace

Status SyncEngine::RunAction(const Action& a, uint64_t* bytes) {
  Status st;
  switch (a.kind) {
    case ActionKind::kUpload:
      st = Upload(a, bytes);
      break;
    case ActionKind::kDeleteRemote:
      st = DeleteRemote(a);
      break;
    case ActionKind::kDownload:
      st = Download(a, bytes);
      break;
    case ActionKind::kDeleteLocal:
      st = DeleteLocal(a);
      break;
    case ActionKind::kRecord:
    case ActionKind::kForget:
      st = RecordEqual(a.entry);
      break;
    case ActionKind::kWriteSentinel: {
      WriteOptions w = remote_caps_.conditional_create ? WriteOptions::Create() : WriteOptions{};
      w.content_type = "application/json";
      auto put = remote_->Put(a.entry.key, a.body, w);
      st = put.ok() || put.status().IsAlreadyExists() ? Status::OK() : put.status();
      break;
    }
    case ActionKind::kClearFence: {
      DeleteOptions d;
      d.if_match = DeleteFenceEtag();  // only if it is still the fence
      st = remote_->Delete(a.entry.key, d);
      if (st.IsFailedPrecondition()) st = Status::OK();  // replaced or gone meanwhile
      break;
    }
    case ActionKind::kSkip:
      break;
  }
  return st;
}

Status SyncEngine::RecordBase(const std::string& key, uint64_t local_size,
                              const std::string& local_etag, const std::string& remote_etag,
                              uint64_t remote_size) {
  BaseEntry b;
  b.local_size = local_size;
  b.local_etag = local_etag;
  b.remote_etag = remote_etag;
  b.remote_size = remote_size;
  b.synced_at_ms = clock_->NowMillis();
  // The local mtime lets a listing without ETags trust the base; one stat.
  if (auto m = local_->Head(key, {}); m.ok() && m->etag == local_etag) {
    b.local_mtime_ns = m->last_modified_ms * 1'000'000;
  }
  return state_->Record(remote_name_, key, b);
}

Status SyncEngine::RecordEqual(const Entry& e) {
  if (!e.local || !e.remote) return state_->Forget(remote_name_, e.key);
  BaseEntry b;
  b.local_size = e.local->size;
  b.local_mtime_ns = e.local->mtime_ns;
  b.local_etag = e.local->etag;
  b.remote_etag = e.remote->etag;
  b.remote_size = e.remote->size;
  b.synced_at_ms = clock_->NowMillis();
  return state_->Record(remote_name_, e.key, b);
}

// Without conditional writes: the remote object must still be the one the
// base recorded (FailedPrecondition otherwise). NotFound passes through.
Status SyncEngine::CheckRemoteUnchanged(const Entry& e) {
  ASSIGN_OR_RETURN(ObjectMeta m, remote_->Head(e.key, {}));
  if (!e.base || m.etag != e.base->remote_etag) {
    return Status::FailedPrecondition(e.key + ": the remote object changed since the last sync");
  }
  return Status::OK();
}

WriteOptions SyncEngine::RemoteWriteMode(const Action& a) {
  if (a.forced) return WriteOptions{};
  if (a.entry.base) {
    return remote_caps_.conditional_update ? WriteOptions::Update(a.entry.base->remote_etag)
                                           : WriteOptions{};
  }
  // A fence an interrupted delete left: the create replaces exactly it.
  if (remote_fences_.count(a.entry.key) && remote_caps_.conditional_update) {
    return WriteOptions::Update(DeleteFenceEtag());
  }
  // A create without conditional support relies on Scan's listing.
  return remote_caps_.conditional_create ? WriteOptions::Create() : WriteOptions{};
}

Status SyncEngine::Upload(const Action& a, uint64_t* bytes) {
  Status st = UploadOnce(a, bytes);
  StatusCode c = st.code();
  if (c == StatusCode::kFailedPrecondition || c == StatusCode::kAlreadyExists) {
    // The remote may hold exactly these bytes already: our own write of an
    // interrupted push, finished by the server after the scan (RGW completes
    // a PUT whose client was killed). That is in sync, not a conflict.
    const Entry& e = a.entry;
    auto m = remote_->Head(e.key, {});
    if (m.ok() && e.local && m->etag == e.local->etag && m->size == e.local->size) {
      *bytes = 0;
      return RecordBase(e.key, e.local->size, e.local->etag, m->etag, m->size);
    }
    // Refused before writing: the remote copy is someone else's, not a torn
    // write of ours. Keep it a conflict.
    RETURN_NOT_OK(state_->ClearIntent(remote_name_, a.entry.key));
  }
  return st;
}

Status SyncEngine::UploadOnce(const Action& a, uint64_t* bytes) {
  const Entry& e = a.entry;
  if (!a.forced && e.base && !remote_caps_.conditional_update) {
    Status st = CheckRemoteUnchanged(e);
    if (st.IsNotFound()) {
      return Status::FailedPrecondition(e.key + ": deleted on the remote since the last sync");
    }
    RETURN_NOT_OK(st);
  }
  Result<Copied> c = CopyObject(*local_, *remote_, e.key, e.local->size, RemoteWriteMode(a));
  if (!c.ok()) return c.status().WithContext("upload " + e.key);
  *bytes = c->size;
  std::string remote_etag = c->put.etag.empty() ? c->md5 : c->put.etag;
  return RecordBase(e.key, c->size, c->md5, remote_etag, c->size);
}

Status SyncEngine::DeleteRemote(const Action& a) {
  const Entry& e = a.entry;
  DeleteOptions d;
  if (!a.forced && e.base) {
    switch (DeleteGuaranteeFor(remote_caps_)) {
      case DeleteGuarantee::kAtomic:
        d.if_match = e.base->remote_etag;
        break;
      case DeleteGuarantee::kFenced: {
        // Atomic compare-and-swap to the fence; the transport then checks the
        // fence is still there right before the (unconditional) DELETE.
        auto fence = remote_->Put(e.key, kDeleteFence, WriteOptions::Update(e.base->remote_etag));
        if (!fence.ok()) return fence.status().WithContext("delete remote " + e.key);
        d.if_match = fence->etag.empty() ? DeleteFenceEtag() : fence->etag;
        break;
      }
      default: {
        Status st = CheckRemoteUnchanged(e);
        if (!st.ok() && !st.IsNotFound()) return st;
      }
    }
  }
  Status st = remote_->Delete(e.key, d);
  if (!st.ok()) return st.WithContext("delete remote " + e.key);
  return state_->Forget(remote_name_, e.key);
}

Status SyncEngine::Download(const Action& a, uint64_t* bytes) {
  const Entry& e = a.entry;
  WriteOptions w;
  if (!a.forced) w = e.base ? WriteOptions::Update(e.base->local_etag) : WriteOptions::Create();
  Result<Copied> c = CopyObject(*remote_, *local_, e.key, e.remote->size, std::move(w));
  if (!c.ok()) return c.status().WithContext("download " + e.key);
  *bytes = c->size;
  std::string local_etag = c->put.etag.empty() ? c->md5 : c->put.etag;
  std::string remote_etag = c->source_etag.empty() ? e.remote->etag : c->source_etag;
  return RecordBase(e.key, c->size, local_etag, remote_etag, c->size);
}

Status SyncEngine::DeleteLocal(const Action& a) {
  const Entry& e = a.entry;
  DeleteOptions d;
  if (!a.forced && e.base) d.if_match = e.base->local_etag;
  Status st = local_->Delete(e.key, d);
  if (!st.ok()) return st.WithContext("delete local " + e.key);
  return state_->Forget(remote_name_, e.key);
}

Result<std::optional<std::string>> SyncEngine::ReadLocal(const std::string& key) {
  auto r = local_->Get(key, {});
  if (r.status().IsNotFound()) return std::optional<std::string>();
  if (!r.ok()) return r.status();
  return std::optional<std::string>(std::move(r->data));
}

Result<std::optional<std::string>> SyncEngine::ReadRemote(const std::string& key) {
  auto r = remote_->Get(key, {});
  if (r.status().IsNotFound()) return std::optional<std::string>();
  if (!r.ok()) return r.status();
  return std::optional<std::string>(std::move(r->data));
}

}  // namespace worm::sync

// S3Transport streams. Reads are a sequence of ranged GETs of
// read_chunk_size bytes, each pinned to the first response's ETag (so a
// concurrent overwrite surfaces as DataLoss, not a torn body), with one
// chunk prefetched. Writes buffer one part; small bodies become a single
// PUT at Commit, larger ones a multipart upload whose parts upload in
// parallel (at most upload_concurrency in flight), completed at Commit and
// aborted on Abort, failure or destruction.
#include <cstring>
#include <deque>
#include <future>

#include "transport/s3/meta_encoding.h"
#include "transport/s3/s3_internal.h"
#include "transport/s3/s3_xml.h"

namespace worm {

using s3::HttpResponse;
using s3::S3Call;
using s3::S3Op;

class S3ReadStream final : public ReadStream {
 public:
  S3ReadStream(std::shared_ptr<S3TransportImpl> t, Key key, ReadOptions options, Object first,
               uint64_t end)
      : t_(std::move(t)),
        key_(std::move(key)),
        options_(std::move(options)),
        meta_(std::move(first.meta)),
        buf_(std::move(first.data)),
        next_(options_.range ? options_.range->offset + buf_.size() : buf_.size()),
        end_(end) {
    Prefetch();
  }
  ~S3ReadStream() override {
    if (pending_.valid()) pending_.wait();
  }

  const ObjectMeta& meta() const override { return meta_; }

  Result<size_t> Read(char* out, size_t n) override {
    if (pos_ == buf_.size()) {
      if (!pending_.valid()) return size_t{0};
      ASSIGN_OR_RETURN(buf_, pending_.get());
      pos_ = 0;
      Prefetch();
      if (buf_.empty()) return size_t{0};
    }
    size_t k = std::min(n, buf_.size() - pos_);
    std::memcpy(out, buf_.data() + pos_, k);
    pos_ += k;
    return k;
  }

 private:
  void Prefetch() {
    if (next_ >= end_) return;
    uint64_t len = std::min<uint64_t>(t_->options().read_chunk_size, end_ - next_);
    uint64_t offset = next_;
    next_ += len;
    pending_ = std::async(std::launch::async, [this, offset, len] { return Fetch(offset, len); });
  }

  Result<std::string> Fetch(uint64_t offset, uint64_t len) {
    std::string context = "S3 GET s3://" + t_->options().bucket + " " + key_;
    S3Call call{"GET", impl_key()};
    call.deadline_ms = options_.deadline_ms;
    call.headers.emplace_back("Range", s3::RangeHeader(offset, len));
    call.headers.emplace_back("If-Match", s3::QuoteEtag(meta_.etag));
    ASSIGN_OR_RETURN(HttpResponse response, t_->Send(call));
    Status st = s3::CheckResponse(S3Op::kRead, context, response);
    std::string etag = s3::StripEtagQuotes(response.Header("etag"));
    if (st.IsFailedPrecondition() || (st.ok() && etag != meta_.etag)) {
      return Status::DataLoss(context + ": the object changed while being read (ETag " +
                              meta_.etag + " -> " + (etag.empty() ? "?" : etag) + ")");
    }
    RETURN_NOT_OK(st);
    if (response.body.size() != len) {
      return Status::DataLoss(context + ": expected " + std::to_string(len) + " bytes at offset " +
                              std::to_string(offset) + ", got " +
                              std::to_string(response.body.size()));
    }
    return std::move(response.body);
  }

  std::string impl_key() const;

  std::shared_ptr<S3TransportImpl> t_;
  Key key_;
  ReadOptions options_;
  ObjectMeta meta_;
  std::string buf_;
  size_t pos_ = 0;
  uint64_t next_;  // offset of the next chunk to fetch
  uint64_t end_;   // exclusive end of the bytes to read
  std::future<Result<std::string>> pending_;
};

std::string S3ReadStream::impl_key() const { return t_->impl_->FullKey(key_); }

Result<std::unique_ptr<ReadStream>> S3TransportImpl::OpenRead(const Key& key,
                                                              const ReadOptions& options) {
  RETURN_NOT_OK(ValidateKey("open read", key));
  ReadOptions first = options;
  uint64_t start = options.range ? options.range->offset : 0;
  uint64_t chunk = impl_->options.read_chunk_size;
  if (options.range && options.range->length) chunk = std::min(chunk, *options.range->length);
  first.range = ByteRange{start, chunk};
  ASSIGN_OR_RETURN(Object object, Get(key, first));
  uint64_t end = object.meta.size;
  if (options.range && options.range->length) end = std::min(end, start + *options.range->length);
  if (object.data.size() < chunk && start + object.data.size() < end) {
    return Status::DataLoss(impl_->Context("GET", key) + ": short first chunk");
  }
  return std::unique_ptr<ReadStream>(std::make_unique<S3ReadStream>(
      shared_from_this(), key, options, std::move(object), std::max(end, start)));
}

class S3WriteStream final : public WriteStream {
 public:
  S3WriteStream(std::shared_ptr<S3TransportImpl> t, Key key, WriteOptions options)
      : t_(std::move(t)), key_(std::move(key)), options_(std::move(options)) {}
  ~S3WriteStream() override {
    if (!done_) Abort();
  }

  Status Append(ByteView data) override {
    if (done_) return Status::FailedPrecondition(Context() + ": Append after Commit or Abort");
    RETURN_NOT_OK(failed_);
    size_t part_size = t_->options().part_size;
    while (!data.empty()) {
      if (buf_.capacity() < part_size) buf_.reserve(part_size);
      size_t take = std::min(data.size(), part_size - buf_.size());
      buf_.append(data.substr(0, take));
      data.remove_prefix(take);
      if (buf_.size() == part_size) RETURN_NOT_OK(FlushPart());
    }
    return Status::OK();
  }

  Result<PutResult> Commit() override {
    if (done_) return Status::FailedPrecondition(Context() + ": Commit after Commit or Abort");
    if (upload_id_.empty() && failed_.ok()) {
      done_ = true;
      return t_->PutUnchecked(key_, buf_, options_);
    }
    Status st = failed_.ok() && !buf_.empty() ? FlushPart() : failed_;
    if (st.ok()) st = WaitAll();
    if (!st.ok()) {
      Abort();
      return st;
    }
    auto result = Complete();
    if (!result.ok()) Abort();
    done_ = true;
    return result;
  }

  void Abort() override {
    done_ = true;
    (void)WaitAll();
    if (upload_id_.empty()) return;
    S3Call call{"DELETE", t_->impl_->FullKey(key_)};
    call.query = "uploadId=" + s3::UriEncode(upload_id_, false);
    (void)t_->Send(call);  // best effort; a lifecycle rule reaps leftovers
    upload_id_.clear();
  }

 private:
  std::string Context() const { return t_->impl_->Context("PUT", key_); }

  Status Start() {
    S3Call call{"POST", t_->impl_->FullKey(key_)};
    call.query = "uploads=";
    if (!options_.content_type.empty()) {
      call.headers.emplace_back("Content-Type", options_.content_type);
    }
    for (const auto& [name, value] : options_.user_metadata) {
      call.headers.emplace_back("x-amz-meta-" + name, s3::EncodeMetaValue(value));
    }
    ASSIGN_OR_RETURN(HttpResponse response, t_->Send(call));
    RETURN_NOT_OK(
        s3::CheckResponse(S3Op::kWrite, Context() + " (create multipart upload)", response));
    ASSIGN_OR_RETURN(upload_id_, s3::ParseInitiateMultipartUpload(response.body));
    return Status::OK();
  }

  Status FlushPart() {
    if (upload_id_.empty()) RETURN_NOT_OK(failed_ = Start());
    while (static_cast<int>(in_flight_.size()) >= std::max(1, t_->options().upload_concurrency)) {
      RETURN_NOT_OK(WaitOldest());
    }
    int part = static_cast<int>(etags_.size()) + 1;
    etags_.emplace_back();
    in_flight_.push_back(std::async(std::launch::async,
                                    [this, part, body = std::move(buf_)]() -> Result<std::string> {
                                      return UploadPart(part, body);
                                    }));
    buf_ = std::string();
    return Status::OK();
  }

  Result<std::string> UploadPart(int part, const std::string& body) {
    S3Call call{"PUT", t_->impl_->FullKey(key_)};
    call.query =
        "partNumber=" + std::to_string(part) + "&uploadId=" + s3::UriEncode(upload_id_, false);
    call.body = body;
    ASSIGN_OR_RETURN(HttpResponse response, t_->Send(call));
    RETURN_NOT_OK(s3::CheckResponse(S3Op::kWrite,
                                    Context() + " (part " + std::to_string(part) + ")", response));
    return s3::StripEtagQuotes(response.Header("etag"));
  }

  Status WaitOldest() {
    size_t index = etags_.size() - in_flight_.size();
    Result<std::string> r = in_flight_.front().get();
    in_flight_.pop_front();
    if (!r.ok()) {
      if (failed_.ok()) failed_ = r.status();
      return failed_;
    }
    etags_[index] = std::move(*r);
    return Status::OK();
  }

  Status WaitAll() {
    while (!in_flight_.empty()) (void)WaitOldest();
    return failed_;
  }

  Result<PutResult> Complete() {
    std::string xml = s3::BuildCompleteMultipartUpload(etags_);
    S3Call call{"POST", t_->impl_->FullKey(key_)};
    call.query = "uploadId=" + s3::UriEncode(upload_id_, false);
    call.body = xml;
    call.headers.emplace_back("Content-Type", "application/xml");
    if (options_.mode == PutMode::kCreate) call.headers.emplace_back("If-None-Match", "*");
    if (options_.mode == PutMode::kUpdate) {
      call.headers.emplace_back("If-Match", t_->impl_->WriteIfMatch(options_.if_match));
    }
    RETURN_NOT_OK(CheckBeforeComplete());
    S3Op op = options_.mode == PutMode::kCreate   ? S3Op::kCreate
              : options_.mode == PutMode::kUpdate ? S3Op::kUpdate
                                                  : S3Op::kWrite;
    ASSIGN_OR_RETURN(HttpResponse response, t_->Send(call));
    RETURN_NOT_OK(s3::CheckResponse(op, Context() + " (complete multipart upload)", response));
    ASSIGN_OR_RETURN(std::string etag,
                     s3::ParseResultEtag(response.body, "CompleteMultipartUploadResult"));
    upload_id_.clear();  // completed: nothing to abort
    if (etag.empty()) {
      // Ceph RGW 16.2 sends <ETag></ETag>: ask for the object's own.
      ASSIGN_OR_RETURN(ObjectMeta meta, t_->Head(key_, {}));
      etag = meta.etag;
    }
    return PutResult{etag, response.Header("x-amz-version-id")};
  }

  // Servers that ignore conditions on CompleteMultipartUpload (Ceph RGW
  // 16.2): check the precondition with a HEAD right before completing, the
  // narrowest window there is. Servers that honour them need no request.
  Status CheckBeforeComplete() {
    if (options_.mode == PutMode::kOverwrite) return Status::OK();
    std::optional<S3ProbeResult> b = t_->impl_->Behaviour();
    if (b && b->conditional_multipart) return Status::OK();
    if (options_.mode == PutMode::kCreate) {
      auto meta = t_->Head(key_, {});
      if (meta.ok()) return Status::AlreadyExists(Context() + ": the key exists");
      return meta.status().IsNotFound() ? Status::OK() : meta.status();
    }
    ReadOptions expected;
    expected.if_match = options_.if_match;
    auto meta = t_->Head(key_, expected);  // FailedPrecondition on another ETag
    if (meta.status().IsNotFound()) {
      return Status::FailedPrecondition(Context() + ": If-Match " + options_.if_match +
                                        " failed, the object does not exist");
    }
    return meta.status();
  }

  std::shared_ptr<S3TransportImpl> t_;
  Key key_;
  WriteOptions options_;
  std::string buf_;
  std::string upload_id_;
  std::vector<std::string> etags_;  // by part number - 1
  std::deque<std::future<Result<std::string>>> in_flight_;
  Status failed_;
  bool done_ = false;
};

Result<std::unique_ptr<WriteStream>> S3TransportImpl::OpenWrite(const Key& key,
                                                                const WriteOptions& options) {
  RETURN_NOT_OK(ValidateKey("open write", key));
  RETURN_NOT_OK(CheckConditionalSupport(options.mode, key));
  if (options.mode == PutMode::kUpdate && options.if_match.empty()) {
    return Status::InvalidArgument(impl_->Context("PUT", key) + ": kUpdate needs an ETag");
  }
  return std::unique_ptr<WriteStream>(
      std::make_unique<S3WriteStream>(shared_from_this(), key, options));
}

}  // namespace worm

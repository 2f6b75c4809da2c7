// S3TransportImpl: the S3Transport of worm/s3.h, spoken directly with
// libcurl and SigV4. Requests reuse pooled keep-alive connections; large
// bodies stream (ranged GETs for reads, multipart uploads with parallel
// parts for writes).
//
// Conditional writes: the server's behaviour is probed once (s3_probe.cc);
// Ceph RGW 16.2 compares If-Match unquoted on PUT and ignores conditions on
// DELETE and CompleteMultipartUpload, so the transport checks the ETag with
// a HEAD just before there. Conditions on reads are also checked against the
// returned ETag (s3rver ignores them).
//
// Errors are mapped in s3_errors.cc; this layer never retries.
//
// Thread-safety: as S3Transport.
#pragma once

#include <memory>
#include <string>

#include "transport/s3/sigv4.h"
#include "worm/s3.h"

namespace worm {

namespace s3 {
class HttpClient;
struct HttpResponse;
struct S3Call;
}  // namespace s3

class S3TransportImpl final : public S3Transport,
                              public std::enable_shared_from_this<S3TransportImpl> {
 public:
  ~S3TransportImpl() override;

  Capabilities capabilities() const override;
  Result<ObjectMeta> Head(const Key& key, const ReadOptions& options) override;
  Result<Object> Get(const Key& key, const ReadOptions& options) override;
  Result<std::unique_ptr<ReadStream>> OpenRead(const Key& key, const ReadOptions& options) override;
  Result<PutResult> Put(const Key& key, ByteView data, const WriteOptions& options) override;
  Result<std::unique_ptr<WriteStream>> OpenWrite(const Key& key,
                                                 const WriteOptions& options) override;
  Status Delete(const Key& key, const DeleteOptions& options) override;
  Result<ListPage> List(const ListRequest& request) override;
  // Server-side copy (x-amz-copy-source) for kOverwrite; conditional modes
  // stream the object through this process into a conditional write.
  Result<PutResult> Copy(const Key& from, const Key& to, const WriteOptions& options) override;

  // Probes If-Match on PUT in the quoted form, then the unquoted one.
  Result<S3ProbeResult> Probe() override;
  Result<std::string> PresignUrl(const std::string& method, const Key& key,
                                 int64_t expires_seconds) override;
  Status CreateBucket() override;
  const S3Options& options() const override;

  // One signed request (used by the transport's own streams and probe).
  Result<s3::HttpResponse> Send(s3::S3Call& call);

  struct Impl;
  explicit S3TransportImpl(std::unique_ptr<Impl> impl);

 private:
  Result<PutResult> PutUnchecked(const Key& key, ByteView data, const WriteOptions& options);
  Status CheckConditionalSupport(PutMode mode, const Key& key) const;
  // The cached behaviour, or one probe shared by concurrent callers.
  Result<S3ProbeResult> EnsureBehaviour() const;
  Result<S3ProbeResult> ProbeLocked();  // REQUIRES: impl_->probe_run_mu held
  Status ValidateKey(std::string_view op, const Key& key) const;

  friend class S3WriteStream;
  friend class S3ReadStream;
  std::unique_ptr<Impl> impl_;
};

}  // namespace worm

// S3Transport: the Transport interface over any S3-compatible service (AWS
// S3, MinIO, Ceph RGW, R2, SeaweedFS, s3rver, `worm serve`), spoken directly
// with libcurl and SigV4.
//
//   S3Options o;
//   RETURN_NOT_OK(ParseS3Url("s3://my-bucket/app/data", &o));
//   o.endpoint = "http://127.0.0.1:9000";   // omit for AWS
//   ASSIGN_OR_RETURN(auto t, NewS3Transport(o));
//
// Keys are stored under the URL's prefix ("app/data/<key>"); List strips it.
// Requests reuse pooled keep-alive connections; large bodies stream (ranged
// GETs for reads, multipart uploads with parallel parts for writes), so
// memory stays bounded by part size x concurrency, not object size.
//
// Conditional writes (PutMode::kCreate / kUpdate, conditional Delete) need a
// server that honours If-None-Match / If-Match on PUT (AWS since 2024, MinIO,
// Ceph RGW with an unquoted ETag; not s3rver). What the server does is
// probed once (see Probe()) unless S3Options says; where it cannot make a
// write conditional, the write returns Unimplemented naming the server,
// never silently overwrites. Where it ignores a condition on DELETE or on
// CompleteMultipartUpload (RGW 16.2), the transport checks the ETag with a
// HEAD just before, and capabilities() says the check is not atomic.
// Conditions on reads (If-Match / If-None-Match on Head, Get, OpenRead) are
// also checked against the returned ETag, so they hold on any server.
//
// Errors are mapped in s3_errors.cc; this layer never retries (wrap it in
// RetryingTransport).
//
// Thread-safety: every Transport method may be called concurrently. Streams
// are used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "transport/s3/sigv4.h"
#include "worm/clock.h"
#include "worm/transport.h"

namespace worm {

namespace s3 {
class HttpClient;
struct HttpResponse;
struct S3Call;
}  // namespace s3

// How the transport learns whether the server honours conditional PUTs.
enum class S3ConditionalWrites {
  kProbe,              // probe the server on first need (default)
  kAssumeSupported,    // trust it (AWS S3, MinIO); no probe request
  kAssumeUnsupported,  // refuse kCreate / kUpdate without asking
};

// How a server compares the ETag of an If-Match on writes. The standard
// form is quoted ("<hex>"); Ceph RGW 16.2 compares it unquoted on PUT.
enum class S3EtagForm { kQuoted, kUnquoted };

// What Probe() measured on a server: the behaviour the transport adapts to.
// Each condition is checked on both sides (the right precondition writes,
// the wrong one is refused); a server that fails either side lacks it.
// Serialized by S3ProbeToJson for the CLI's per-remote cache.
struct S3ProbeResult {
  bool conditional_create = false;  // PUT If-None-Match:* refuses an existing key, writes a new one
  bool conditional_update = false;  // PUT If-Match: the right ETag writes, a wrong one is refused
  S3EtagForm if_match_form = S3EtagForm::kQuoted;  // the form the right ETag was accepted in
  bool conditional_delete = false;  // DELETE If-Match: a wrong ETag is refused, the right deletes
  bool conditional_multipart = false;  // CompleteMultipartUpload honours If-Match / If-None-Match
  bool list_after_write = false;       // a fresh PUT is visible to the next List
  bool checksums = false;              // a PUT whose x-amz-checksum-sha256 is wrong is refused
  bool object_lock = false;            // the bucket has Object Lock enabled
  std::string summary;                 // one line per finding, for `worm doctor`
};

// The behaviour as JSON text ({"conditionalCreate": true, "ifMatchForm":
// "unquoted", ...}) and back. FromJson gives InvalidArgument naming the
// first member that is missing or of the wrong type.
std::string S3ProbeToJson(const S3ProbeResult& probe);

// Where `probe` departs from AWS S3's behaviour, one phrase each ("If-Match
// on DELETE is ignored"), in a fixed order; empty for an AWS-like server.
std::vector<std::string> S3Quirks(const S3ProbeResult& probe);
Result<S3ProbeResult> S3ProbeFromJson(std::string_view text);

struct S3Options {
  std::string bucket;  // REQUIRED
  // Key prefix: every key is stored as "<prefix>/<key>". Leading and
  // trailing '/' are ignored; empty means the bucket root.
  std::string prefix;
  std::string region = "us-east-1";
  // "http(s)://host[:port]". Empty: https://s3.<region>.amazonaws.com.
  std::string endpoint;
  // Path-style ("host/bucket/key") rather than virtual-hosted
  // ("bucket.host/key") URLs. Unset: path-style with a custom endpoint or a
  // bucket name containing '.', virtual-hosted otherwise.
  std::optional<bool> path_style;
  // Credentials profile (see credentials.h for the lookup order).
  std::string profile;
  // Explicit credentials (tests, embedding); when set, nothing is looked up.
  std::optional<s3::SigningCredentials> credentials;
  // Send unsigned requests (public buckets). Credentials are not looked up.
  bool anonymous = false;

  // Multipart part size for OpenWrite: bodies up to this size are one PUT.
  // S3 requires parts of at least 5 MiB (but the last) and at most 10,000
  // parts, so 8 MiB parts cover objects up to ~78 GiB.
  size_t part_size = size_t{8} << 20;
  // Parts uploaded in parallel per WriteStream. A stream holds at most
  // (upload_concurrency + 1) x part_size bytes.
  int upload_concurrency = 4;
  // Bytes fetched per ranged GET by OpenRead streams (the memory a reader holds).
  size_t read_chunk_size = size_t{8} << 20;

  int64_t connect_timeout_ms = 10'000;
  // Abort a transfer that moves under 1 byte/s for this long (a stalled peer).
  int64_t low_speed_time_s = 60;
  bool verify_tls = true;
  // Hash every body with SHA-256 for x-amz-content-sha256 (end-to-end
  // integrity, also over plain HTTP). False sends UNSIGNED-PAYLOAD, saving
  // ~0.7 ms per MiB of CPU; only sensible over HTTPS.
  bool sign_payload = true;
  S3ConditionalWrites conditional_writes = S3ConditionalWrites::kProbe;
  // What an earlier Probe() measured on this server (the CLI caches it per
  // remote). When set, capabilities() and conditional writes use it and
  // make no probe request; conditional_writes is then ignored.
  std::optional<S3ProbeResult> known_behaviour;
  // Called after each successful probe (to cache it), on the probing thread.
  std::function<void(const S3ProbeResult&)> on_probed;
  // Source of the signing time. Null: Clock::Default(). Not owned.
  Clock* clock = nullptr;
};

// Parses "s3://bucket[/prefix]" into options->bucket and options->prefix.
// InvalidArgument for anything else.
Status ParseS3Url(std::string_view url, S3Options* options);

class S3Transport final : public Transport, public std::enable_shared_from_this<S3Transport> {
 public:
  // Resolves credentials (unless given or anonymous) and validates options;
  // makes no request. InvalidArgument for bad options, Unauthenticated when
  // no credentials are found.
  static Result<std::shared_ptr<S3Transport>> Make(S3Options options);
  ~S3Transport() override;

  // conditional_create / _update / _delete, list_after_write and object_lock
  // reflect the probe (or S3Options::known_behaviour). With S3ConditionalWrites::kProbe and no
  // probe yet, this runs the probe (a few requests, once); if the server cannot be reached it
  // reports false without caching, and the next call probes again.
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

  // Measures what the server supports with objects under
  // "<prefix>/.worm.probe/", removed afterwards (about 15 requests): both
  // sides of If-None-Match and If-Match on PUT (in the quoted form, then
  // the unquoted one), of If-Match on DELETE and on CompleteMultipartUpload,
  // list-after-write, a wrong checksum, the bucket's Object Lock setting.
  // Always asks the server (it is what `worm doctor` runs) and caches the
  // result for capabilities().
  Result<S3ProbeResult> Probe();

  // A presigned URL for GET or PUT of `key`, valid for `expires_seconds`
  // (1..604800) from now. InvalidArgument otherwise.
  Result<std::string> PresignUrl(const std::string& method, const Key& key,
                                 int64_t expires_seconds);

  // Creates the bucket (OK when this account already owns it).
  Status CreateBucket();

  const S3Options& options() const;

  // Internal: one signed request (used by the transport's own streams).
  Result<s3::HttpResponse> Send(s3::S3Call& call);

 private:
  struct Impl;
  explicit S3Transport(std::unique_ptr<Impl> impl);
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

// The factory of docs/design.md: an S3Transport as a Transport.
Result<std::shared_ptr<Transport>> NewS3Transport(const S3Options& options);

}  // namespace worm

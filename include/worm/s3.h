// S3Transport: the Transport interface over any S3-compatible service (AWS
// S3, MinIO, Ceph RGW, R2, SeaweedFS, `worm serve`).
//
//   S3Options o;
//   RETURN_NOT_OK(ParseS3Url("s3://my-bucket/app/data", &o));
//   o.endpoint = "http://127.0.0.1:9000";   // omit for AWS
//   ASSIGN_OR_RETURN(auto t, NewS3Transport(o));
//   auto project = Project::Create(std::move(schema), NewRetryingTransport(t));
//
// Keys are stored under the URL's prefix ("app/data/<key>"); List strips it.
// Large bodies stream (ranged GETs for reads, multipart uploads for writes),
// so memory stays bounded by part size x concurrency, not object size.
//
// Conditional writes (PutMode::kCreate / kUpdate, conditional Delete) need a
// server that honours If-None-Match / If-Match on PUT (AWS since 2024, MinIO,
// Ceph RGW). What the server does is probed once (see Probe()) unless
// S3Options says; where it cannot make a write conditional, the write returns
// Unimplemented naming the server, never silently overwrites. Where a server
// ignores a condition on DELETE or on CompleteMultipartUpload, the transport
// checks the ETag just before, and capabilities() says the check is not
// atomic. Conditions on reads (If-Match / If-None-Match) hold on any server.
//
// Errors: NotFound (404), FailedPrecondition (412), Unauthenticated /
// PermissionDenied (403), Unavailable (5xx, SlowDown, timeouts; the Status
// carries the HTTP status, S3 error code and request id). The transport
// never retries: wrap it in NewRetryingTransport (worm/retrying_transport.h).
//
// Credentials, unless S3Options gives them or `anonymous`: resolved as the AWS
// CLI does, minus the network sources: AWS_ACCESS_KEY_ID +
// AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN), else the profile (AWS_PROFILE,
// else S3Options::profile, else "default") from the shared credentials file
// (AWS_SHARED_CREDENTIALS_FILE, default ~/.aws/credentials) and then the
// config file (AWS_CONFIG_FILE, default ~/.aws/config).
//
// Thread-safety: every Transport method may be called concurrently. Streams
// are used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "worm/clock.h"
#include "worm/result.h"
#include "worm/transport.h"

namespace worm {

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

struct S3Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty unless temporary credentials
};

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
  // Credentials profile (see the header comment for the lookup order).
  std::string profile;
  // Explicit credentials (tests, embedding); when set, nothing is looked up.
  std::optional<S3Credentials> credentials;
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

// A remote of a project's `.worm/config.json` as S3Options:
//   {"remotes": {"origin": {"url": "s3://bucket/prefix",
//                           "endpoint": "http://127.0.0.1:9000",
//                           "region": "us-east-1", "pathStyle": true,
//                           "profile": "default"}}}
// Only "url" is required. Credentials are never read from this file: a
// remote carrying accessKeyId/secretAccessKey-like fields is refused so
// secrets do not end up committed. NotFound naming the known remotes when
// `name` is absent; InvalidArgument (with the JSON path) for a bad field.
Result<S3Options> S3OptionsFromConfig(const nlohmann::json& config, std::string_view name);
// Reads and parses the config file at `path`, then as above.
Result<S3Options> LoadRemoteOptions(const std::string& path, std::string_view name);

// A Transport over one bucket (and prefix), plus what only S3 offers.
class S3Transport : public Transport {
 public:
  // Resolves credentials (unless given or anonymous) and validates options;
  // makes no request. InvalidArgument for bad options, Unauthenticated when
  // no credentials are found.
  static Result<std::shared_ptr<S3Transport>> Make(S3Options options);

  // Capabilities: conditional_create / _update / _delete, list_after_write
  // and object_lock reflect the probe (or S3Options::known_behaviour). With
  // S3ConditionalWrites::kProbe and no probe yet, capabilities() runs the
  // probe (a few requests, once); if the server cannot be reached it reports
  // false without caching, and the next call probes again.

  // Measures what the server supports with objects under
  // "<prefix>/.worm.probe/", removed afterwards (about 15 requests): both
  // sides of If-None-Match and If-Match on PUT, of If-Match on DELETE and on
  // CompleteMultipartUpload, list-after-write, a wrong checksum, the
  // bucket's Object Lock setting. Always asks the server (it is what `worm
  // doctor` runs) and caches the result for capabilities().
  virtual Result<S3ProbeResult> Probe() = 0;

  // A presigned URL for GET or PUT of `key`, valid for `expires_seconds`
  // (1..604800) from now. InvalidArgument otherwise.
  virtual Result<std::string> PresignUrl(const std::string& method, const Key& key,
                                         int64_t expires_seconds) = 0;

  // Creates the bucket (OK when this account already owns it).
  virtual Status CreateBucket() = 0;

  virtual const S3Options& options() const = 0;
};

// S3Transport::Make as a plain Transport.
Result<std::shared_ptr<Transport>> NewS3Transport(const S3Options& options);

}  // namespace worm

// S3Service: the S3 REST API over a BucketStore, independent of the HTTP
// machinery. The session hands it each request header; it authenticates,
// routes to a handler, and returns either a response or a BodySink that
// receives the body (see http_types.h).
//
// Thread-safety: Begin may be called concurrently from every server thread.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "server/access_control.h"
#include "server/auth.h"
#include "server/bucket_store.h"
#include "server/handlers.h"
#include "server/http_types.h"
#include "server/upload_staging.h"
#include "worm/clock.h"

namespace worm::server {

struct ServiceOptions {
  BucketStoreOptions store;
  AuthOptions auth;
  Clock* clock = nullptr;            // null: Clock::Default(); not owned
  std::string region = "us-east-1";  // reported to clients; credential scopes must name it
  // Multipart staging cleanup (upload_staging.h). `worm serve
  // --abandoned-upload-age`: in-progress uploads this old (since initiation)
  // are removed by SweepUploads; <= 0 keeps them forever.
  int64_t abandoned_upload_age_ms = kDefaultAbandonedUploadAgeMs;
  // `--completed-upload-retention`: a repeated Complete of a completed upload
  // gets the first one's result this long; the sweep then drops the record.
  int64_t completed_upload_retention_ms = kDefaultCompletedUploadRetentionMs;
  // The largest PutObject or UploadPart body, decoded (aws-chunked framing
  // removed); larger ones get EntityTooLarge, checked as the bytes arrive
  // when no length is declared (Transfer-Encoding: chunked). Default: S3's
  // 5 GiB. At least 1.
  uint64_t max_body_bytes = kMaxBodyBytes;
  // Identities' buckets, policies, ACLs (access_control.h). Off by default
  // (everything allowed, as before); `worm serve` turns it on.
  AccessOptions access;
};

class S3Service {
 public:
  explicit S3Service(ServiceOptions options);

  // Handles one request header. Never throws for bad input: errors become S3
  // XML responses. The returned sink (if any) may outlive `request`.
  Dispatch Begin(HttpRequest request);

  // A fresh x-amz-request-id (unique within this process, hex).
  std::string NextRequestId();

  // Removes what the options say is stale from every bucket's staging folder
  // (abandoned uploads, expired completion records, orphaned parts) at the
  // clock's now. Safe to call while requests are served: uploads that a
  // Complete or Abort is working on are skipped. `worm serve` calls it at
  // start and every ServerOptions::upload_sweep_interval_ms.
  Result<SweepStats> SweepUploads();

 private:
  // A request's handler and the S3 action it is authorized as, or the
  // refusal of a request no handler takes (NotImplemented, MethodNotAllowed).
  struct Routed {
    Dispatch (*handler)(ServiceEnv&, const Ctx&) = nullptr;
    S3Action action = S3Action::kListBucket;
    bool authorize = true;  // false: the handler authorizes (per key)
    Dispatch refusal;
  };
  static Routed Refuse(Dispatch d) {
    Routed r;
    r.refusal = std::move(d);
    return r;
  }
  Routed Route(const RequestContext& ctx) const;
  Routed RouteBucket(const RequestContext& ctx) const;
  Routed RouteObject(const RequestContext& ctx) const;
  // The one authorization call of the service (AccessControl::Authorize);
  // schema rules and bearer tokens plug in here.
  Status Authorize(const RequestContext& ctx, S3Action action) const;

  ServiceOptions options_;
  BucketStore store_;
  Authenticator auth_;
  AccessControl access_;
  UploadLocks upload_locks_;
  ServiceEnv env_;
  std::string id_prefix_;
  std::atomic<uint64_t> next_id_{1};
};

}  // namespace worm::server

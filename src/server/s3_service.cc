#include "server/s3_service.h"

#include <cstdio>

#include "core/hash.h"
#include "core/random.h"
#include "server/s3_errors.h"
#include "transport/s3/sigv4.h"

namespace worm::server {

namespace {

// Subresources we know but do not implement: answered with NotImplemented
// rather than mistaken for a plain GET/PUT of the bucket or object.
constexpr std::string_view kUnsupported[] = {"cors",
                                             "lifecycle",
                                             "tagging",
                                             "object-lock",
                                             "encryption",
                                             "website",
                                             "logging",
                                             "notification",
                                             "replication",
                                             "accelerate",
                                             "requestPayment",
                                             "retention",
                                             "legal-hold",
                                             "torrent",
                                             "restore",
                                             "select",
                                             "attributes",
                                             "analytics",
                                             "metrics",
                                             "inventory",
                                             "intelligent-tiering"};

std::map<std::string, std::string> ParseQuery(std::string_view q) {
  std::map<std::string, std::string> out;
  size_t pos = 0;
  while (pos < q.size()) {
    size_t amp = q.find('&', pos);
    if (amp == std::string_view::npos) amp = q.size();
    std::string_view part = q.substr(pos, amp - pos);
    if (!part.empty()) {
      size_t eq = part.find('=');
      std::string key = s3::UriDecode(part.substr(0, eq));
      out[key] = eq == std::string_view::npos ? "" : s3::UriDecode(part.substr(eq + 1));
    }
    pos = amp + 1;
  }
  return out;
}

Dispatch NotImplemented(const RequestContext& ctx, std::string_view what) {
  return Fail(ctx, S3Error(S3Code::kNotImplemented,
                           "A header or query you provided implies functionality that is not "
                           "implemented: " +
                               std::string(what)));
}

Dispatch MethodNotAllowed(const RequestContext& ctx) {
  return Fail(ctx, S3Error(S3Code::kMethodNotAllowed,
                           "The specified method is not allowed against this resource: " +
                               ctx.http.method));
}

// The server has one region: credential scopes must name the one it reports.
AuthOptions AuthFor(const ServiceOptions& options) {
  AuthOptions auth = options.auth;
  auth.region = options.region;
  auth.root_identity = options.access.root_identity;
  // Unsigned requests reach the access model, which decides them.
  if (options.access.enabled) auth.anonymous_by_access_control = true;
  return auth;
}

}  // namespace

S3Service::S3Service(ServiceOptions options)
    : options_(std::move(options)),
      store_(options_.store),
      auth_(AuthFor(options_)),
      access_(&store_, options_.clock != nullptr ? options_.clock : Clock::Default(),
              options_.access) {
  if (options_.clock == nullptr) options_.clock = Clock::Default();
  env_.store = &store_;
  env_.access = &access_;
  env_.clock = options_.clock;
  env_.region = options_.region;
  env_.upload_locks = &upload_locks_;
  env_.completed_upload_retention_ms = options_.completed_upload_retention_ms;
  env_.max_body_bytes = options_.max_body_bytes;
  id_prefix_ = HexEncode(RandomBytes(4));
}

std::string S3Service::NextRequestId() {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "%012llX",
                static_cast<unsigned long long>(next_id_.fetch_add(1, std::memory_order_relaxed)));
  return id_prefix_ + buf;
}

Result<SweepStats> S3Service::SweepUploads() {
  SweepPolicy policy;
  // One age for every bucket until buckets have lifecycle rules: a bucket's
  // AbortIncompleteMultipartUpload rule would answer here instead.
  const int64_t age = options_.abandoned_upload_age_ms;
  policy.abandoned_after_ms = [age](const std::string&) { return age; };
  policy.completed_retention_ms = options_.completed_upload_retention_ms;
  return SweepAllBuckets(store_, policy, options_.clock->NowMillis(), &upload_locks_);
}

Dispatch S3Service::Begin(HttpRequest request) {
  auto ctx = std::make_shared<RequestContext>();
  ctx->http = std::move(request);
  if (ctx->http.request_id.empty()) ctx->http.request_id = NextRequestId();
  ctx->head = ctx->http.method == "HEAD";
  const std::string& path = ctx->http.path;
  if (path.empty() || path[0] != '/') {
    return Fail(*ctx, S3Error(S3Code::kInvalidRequest, "the request target must start with '/'"));
  }
  std::string decoded = s3::UriDecode(std::string_view(path).substr(1));
  size_t slash = decoded.find('/');
  ctx->bucket = decoded.substr(0, slash);
  if (slash != std::string::npos) ctx->key = decoded.substr(slash + 1);
  ctx->query = ParseQuery(ctx->http.query);
  Result<AuthResult> auth = auth_.Authenticate(ctx->http, options_.clock->NowMicros() / 1000000);
  if (!auth.ok()) return Fail(*ctx, auth.status());
  ctx->auth = std::move(*auth);
  Routed route = Route(*ctx);
  if (route.handler == nullptr) return std::move(route.refusal);
  if (route.authorize) {
    if (Status st = Authorize(*ctx, route.action); !st.ok()) return Fail(*ctx, st);
  }
  return route.handler(env_, ctx);
}

// ---- Routing: each request to one handler and one S3 action -------------------

namespace {

using A = S3Action;
using H = Dispatch (*)(ServiceEnv&, const Ctx&);

}  // namespace

S3Service::Routed S3Service::Route(const RequestContext& ctx) const {
  if (ctx.bucket.empty()) {
    if (ctx.http.method == "GET") return {&ListBuckets, A::kListAllMyBuckets};
    return Refuse(MethodNotAllowed(ctx));
  }
  return ctx.key.empty() ? RouteBucket(ctx) : RouteObject(ctx);
}

S3Service::Routed S3Service::RouteBucket(const RequestContext& ctx) const {
  const std::string& m = ctx.http.method;
  // Access-control subresources: one method each way.
  struct Sub {
    std::string_view name;
    H get, put, del;
    A get_action, put_action, del_action;
  };
  static const Sub kSubs[] = {
      {"policy", &GetBucketPolicy, &PutBucketPolicy, &DeleteBucketPolicy, A::kGetBucketPolicy,
       A::kPutBucketPolicy, A::kDeleteBucketPolicy},
      {"policyStatus", &GetBucketPolicyStatus, nullptr, nullptr, A::kGetBucketPolicyStatus,
       A::kGetBucketPolicyStatus, A::kGetBucketPolicyStatus},
      {"acl", &GetBucketAcl, &PutBucketAcl, nullptr, A::kGetBucketAcl, A::kPutBucketAcl,
       A::kPutBucketAcl},
      {"publicAccessBlock", &GetPublicAccessBlock, &PutPublicAccessBlock, &DeletePublicAccessBlock,
       A::kGetBucketPublicAccessBlock, A::kPutBucketPublicAccessBlock,
       A::kPutBucketPublicAccessBlock},
      {"ownershipControls", &GetBucketOwnershipControls, &PutBucketOwnershipControls,
       &DeleteBucketOwnershipControls, A::kGetBucketOwnershipControls,
       A::kPutBucketOwnershipControls, A::kPutBucketOwnershipControls},
  };
  if (!ctx.query.empty()) {
    for (const Sub& sub : kSubs) {
      if (!ctx.Has(sub.name)) continue;
      if (m == "GET" && sub.get) return {sub.get, sub.get_action};
      if (m == "PUT" && sub.put) return {sub.put, sub.put_action};
      if (m == "DELETE" && sub.del) return {sub.del, sub.del_action};
      return Refuse(MethodNotAllowed(ctx));
    }
    for (std::string_view sub : kUnsupported) {
      if (ctx.Has(sub)) return Refuse(NotImplemented(ctx, "?" + std::string(sub)));
    }
  }
  if (m == "GET") {
    if (ctx.Has("location")) return {&GetBucketLocation, A::kGetBucketLocation};
    if (ctx.Has("uploads")) return {&ListMultipartUploads, A::kListBucketMultipartUploads};
    if (ctx.Has("versioning")) return {&GetBucketVersioning, A::kGetBucketVersioning};
    if (ctx.Has("versions")) return {&ListObjectVersions, A::kListBucketVersions};
    return {&ListObjects, A::kListBucket};
  }
  if (m == "HEAD") return {&HeadBucket, A::kListBucket};
  if (m == "PUT") {
    if (ctx.Has("versioning")) return Refuse(NotImplemented(ctx, "?versioning"));
    return {&CreateBucket, A::kCreateBucket};
  }
  if (m == "DELETE") return {&DeleteBucket, A::kDeleteBucket};
  // DeleteObjects authorizes each key as a DeleteObject (handlers_bucket.cc).
  if (m == "POST" && ctx.Has("delete")) return {&DeleteObjects, A::kDeleteObject, false};
  return Refuse(MethodNotAllowed(ctx));
}

S3Service::Routed S3Service::RouteObject(const RequestContext& ctx) const {
  const std::string& m = ctx.http.method;
  if (!ctx.query.empty()) {
    if (ctx.Has("acl")) {
      if (m == "GET") return {&GetObjectAcl, A::kGetObjectAcl};
      if (m == "PUT") return {&PutObjectAcl, A::kPutObjectAcl};
      return Refuse(MethodNotAllowed(ctx));
    }
    for (std::string_view sub : kUnsupported) {
      if (ctx.Has(sub)) return Refuse(NotImplemented(ctx, "?" + std::string(sub)));
    }
  }
  bool copy = ctx.http.HasHeader("x-amz-copy-source");
  if (m == "GET") {
    if (ctx.Has("uploadId")) return {&ListParts, A::kListMultipartUploadParts};
    return {&GetObject, A::kGetObject};
  }
  if (m == "HEAD") return {&GetObject, A::kGetObject};
  if (m == "PUT") {
    if (ctx.Has("uploadId") || ctx.Has("partNumber")) {
      return {copy ? &UploadPartCopy : &UploadPart, A::kPutObject};
    }
    return {copy ? &CopyObject : &PutObject, A::kPutObject};
  }
  if (m == "POST") {
    if (ctx.Has("uploads")) return {&CreateMultipartUpload, A::kPutObject};
    if (ctx.Has("uploadId")) return {&CompleteMultipartUpload, A::kPutObject};
    return Refuse(NotImplemented(ctx, "POST object (browser uploads)"));
  }
  if (m == "DELETE") {
    if (ctx.Has("uploadId")) return {&AbortMultipartUpload, A::kAbortMultipartUpload};
    return {&DeleteObject, A::kDeleteObject};
  }
  return Refuse(MethodNotAllowed(ctx));
}

Status S3Service::Authorize(const RequestContext& ctx, S3Action action) const {
  return access_.Authorize(ctx, action, ctx.bucket, ctx.key);
}

}  // namespace worm::server

// S3 operation handlers (internal to src/server). Each handler takes the
// parsed request context and returns a Dispatch: a response now, or a
// BodySink for operations with a request body. Handlers never throw; errors
// become S3 XML through ErrorFor (s3_errors.cc).
//
// Split by concern: handlers_bucket.cc (service and bucket operations,
// listings, batch delete), handlers_object.cc (get/head/put/delete/copy),
// handlers_multipart.cc (multipart uploads), handlers_common.cc (helpers).
//
// Thread-safety: handlers are called concurrently for distinct requests;
// shared state lives in ServiceEnv, whose members are thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "server/auth.h"
#include "server/body_sink.h"
#include "server/bucket_store.h"
#include "server/http_types.h"
#include "server/upload_staging.h"
#include "worm/clock.h"

namespace worm::server {

class AccessControl;

struct ServiceEnv {
  BucketStore* store = nullptr;
  // Bucket owners, policies, ACLs (access_control.h); never null in a
  // running service (disabled when ServiceOptions::access.enabled is false).
  const AccessControl* access = nullptr;
  Clock* clock = nullptr;
  std::string region = "us-east-1";
  UploadLocks* upload_locks = nullptr;  // Complete, Abort and the sweep (upload_staging.h)
  // A repeated CompleteMultipartUpload is answered this long after the first.
  int64_t completed_upload_retention_ms = kDefaultCompletedUploadRetentionMs;
  // The largest PutObject or UploadPart body (ServiceOptions::max_body_bytes).
  uint64_t max_body_bytes = kMaxBodyBytes;
};

struct RequestContext {
  HttpRequest http;
  std::string bucket;                        // decoded; empty for service-level requests
  std::string key;                           // decoded; empty for bucket-level requests
  std::map<std::string, std::string> query;  // decoded parameters
  AuthResult auth;
  bool head = false;

  // The empty check spares the routers' many probes a string allocation each.
  bool Has(std::string_view name) const {
    return !query.empty() && query.count(std::string(name)) > 0;
  }
  std::string Q(std::string_view name) const {
    auto it = query.find(std::string(name));
    return it == query.end() ? std::string() : it->second;
  }
  std::string_view H(std::string_view name) const { return http.Header(name); }
};
using Ctx = std::shared_ptr<RequestContext>;

// ---- Reserved user-metadata names ------------------------------------------
// S3 attributes without a field in ObjectMeta are kept in user_metadata under
// names no HTTP header can produce (they hold ':'), hidden from x-amz-meta-*.
inline constexpr std::string_view kMetaPrefix = "worm:";
inline constexpr std::string_view kMetaEtag = "worm:etag";  // multipart "<md5>-N"
// The multipart upload an object was assembled from: a Complete retried after
// a crash between installing the object and recording the completion finds
// the object already installed and does not write it again.
inline constexpr std::string_view kMetaUploadId = "worm:upload-id";
inline constexpr std::string_view kMetaChecksumType = "worm:checksum-type";
// "worm:checksum-crc32" etc.
std::string ChecksumMetaName(ChecksumAlgorithm algorithm);
// Stored standard headers: Cache-Control, Content-Disposition, Content-Encoding,
// Content-Language, Expires, and x-amz-website-redirect-location (S3 keeps it
// as object metadata and returns it on GET and HEAD). Names lowercase.
inline constexpr std::string_view kStoredHeaders[] = {
    "cache-control",    "content-disposition",
    "content-encoding", "content-language",
    "expires",          "x-amz-website-redirect-location"};

// ---- Helpers (handlers_common.cc) -------------------------------------------
HttpResponse ErrorFor(const RequestContext& ctx, const Status& status);
inline Dispatch Respond(HttpResponse r) {
  Dispatch d;
  d.response = std::move(r);
  return d;
}
inline Dispatch Fail(const RequestContext& ctx, const Status& status) {
  return Respond(ErrorFor(ctx, status));
}
HttpResponse XmlOk(const RequestContext& ctx, std::string xml, int status = 200);
HttpResponse Empty(const RequestContext& ctx, int status);

// The ETag S3 shows for `meta` (multipart "<md5>-N" when stored), unquoted.
const std::string& S3Etag(const ObjectMeta& meta);
std::string Quoted(std::string_view etag);
// RFC 7231 date "Sun, 06 Nov 1994 08:49:37 GMT"; parse gives seconds.
std::string HttpDate(int64_t unix_ms);
std::optional<int64_t> ParseHttpDate(std::string_view text);
// "2009-10-12T17:50:30.000Z"
std::string IsoDate(int64_t unix_ms);

// KeyTooLongError / InvalidArgument for keys S3 (or a folder) cannot hold.
// For reads and deletes: a key that is not UTF-8 passes, so that files other
// tools put in a served folder under such names stay readable and deletable
// (listings show them exactly with encoding-type=url).
Status ValidateObjectKey(const std::string& key);
// ValidateObjectKey, and InvalidURI (400) for a key that is not valid UTF-8,
// as S3 answers: S3 keys are UTF-8, and such a key would make every later
// listing of it unrepresentable in XML. For every request that creates a key
// (PutObject, CopyObject's destination, CreateMultipartUpload).
Status ValidateNewObjectKey(const std::string& key);
// A versionId (query parameter, copy source, DeleteObjects entry) on these
// buckets, which are never versioned: "null" names the current object, as on
// an S3 bucket that never had versioning; any other id is InvalidArgument
// "Invalid version id specified" (400), never silently the current object.
Status CheckVersionId(std::string_view version_id);
// Maps transport errors about keys a folder cannot hold to KeyConflict.
Status KeyError(const Status& status);

// Content type, x-amz-meta-* and stored headers from a request. Values keep
// their bytes (Content-Encoding loses only an aws-chunked coding); a value
// that is not UTF-8 is read as ISO-8859-1 and stored as UTF-8. Repeated
// x-amz-meta-* headers are joined with ',' as S3 does. InvalidArgument when
// the metadata exceeds S3's 2 KB.
Status MetadataFromRequest(const RequestContext& ctx, WriteOptions* options);
// Request headers asking for what these buckets cannot do, refused rather than
// ignored where ignoring them would mislead the client about its data:
// SSE-C or SSE-KMS encryption (NotImplemented; SSE-S3 "AES256" is accepted),
// object lock retention or legal hold (InvalidRequest "Bucket is missing
// Object Lock Configuration", as S3 answers for a bucket without object
// lock). For PutObject, CopyObject and CreateMultipartUpload.
Status RefuseUnsupportedWriteHeaders(const RequestContext& ctx);
// A stored x-amz-meta-* value as S3 returns it: as is when printable ASCII,
// else RFC 2047-encoded, "=?UTF-8?B?<base64>?=". A value the client sent
// already encoded is ASCII, so it comes back as sent.
std::string MetadataHeaderValue(std::string_view value);
// Adds Content-Type, Last-Modified, ETag, x-amz-meta-*, stored headers.
void AddObjectHeaders(const ObjectMeta& meta, HttpResponse* r);
// Adds x-amz-checksum-* (and -type) stored in `meta`.
void AddChecksumHeaders(const ObjectMeta& meta, HttpResponse* r);

// Resolves If-Match / If-None-Match: * on a write into the transport's mode
// (S3 ETags may be multipart "<md5>-N"; the transport compares its MD5).
Status ConditionalWrite(Bucket& bucket, const RequestContext& ctx, WriteOptions* options);
// A transport write failure in S3 terms (PreconditionFailed, KeyConflict, ...).
Status CommitError(const Status& status);

// The bucket of the request, or NoSuchBucket.
Result<std::shared_ptr<Bucket>> BucketOf(ServiceEnv& env, const RequestContext& ctx);

// Object conditions: If-Match, If-None-Match, If-Modified-Since,
// If-Unmodified-Since with S3's precedence. PreconditionFailed (412) or
// NotModified (304, GET/HEAD only).
Status CheckConditions(const ObjectMeta& meta, std::string_view if_match,
                       std::string_view if_none_match, std::string_view if_modified_since,
                       std::string_view if_unmodified_since);

// A sink that reads the body (up to `limit` bytes, verified) and calls `done`.
Dispatch WithSmallBody(const Ctx& ctx, size_t limit,
                       std::function<HttpResponse(const std::string& body)> done);

// Streams `source` [offset, offset+length) into `sink` in bounded chunks.
Status CopyStream(ReadStream* source, WriteStream* sink, Checksummer* checksum);

// ---- Handlers -----------------------------------------------------------------
Dispatch ListBuckets(ServiceEnv& env, const Ctx& ctx);
Dispatch CreateBucket(ServiceEnv& env, const Ctx& ctx);
Dispatch DeleteBucket(ServiceEnv& env, const Ctx& ctx);
Dispatch HeadBucket(ServiceEnv& env, const Ctx& ctx);
Dispatch GetBucketLocation(ServiceEnv& env, const Ctx& ctx);
Dispatch GetBucketVersioning(ServiceEnv& env, const Ctx& ctx);
Dispatch ListObjects(ServiceEnv& env, const Ctx& ctx);  // v1 and v2
Dispatch ListObjectVersions(ServiceEnv& env, const Ctx& ctx);
Dispatch DeleteObjects(ServiceEnv& env, const Ctx& ctx);

Dispatch GetObject(ServiceEnv& env, const Ctx& ctx);  // GET and HEAD
Dispatch PutObject(ServiceEnv& env, const Ctx& ctx);
Dispatch CopyObject(ServiceEnv& env, const Ctx& ctx);
Dispatch DeleteObject(ServiceEnv& env, const Ctx& ctx);

// Access control subresources (handlers_access.cc).
Dispatch GetBucketPolicy(ServiceEnv& env, const Ctx& ctx);
Dispatch PutBucketPolicy(ServiceEnv& env, const Ctx& ctx);
Dispatch DeleteBucketPolicy(ServiceEnv& env, const Ctx& ctx);
Dispatch GetBucketPolicyStatus(ServiceEnv& env, const Ctx& ctx);
Dispatch GetBucketAcl(ServiceEnv& env, const Ctx& ctx);
Dispatch PutBucketAcl(ServiceEnv& env, const Ctx& ctx);
Dispatch GetObjectAcl(ServiceEnv& env, const Ctx& ctx);
Dispatch PutObjectAcl(ServiceEnv& env, const Ctx& ctx);
Dispatch GetPublicAccessBlock(ServiceEnv& env, const Ctx& ctx);
Dispatch PutPublicAccessBlock(ServiceEnv& env, const Ctx& ctx);
Dispatch DeletePublicAccessBlock(ServiceEnv& env, const Ctx& ctx);
Dispatch GetBucketOwnershipControls(ServiceEnv& env, const Ctx& ctx);
Dispatch PutBucketOwnershipControls(ServiceEnv& env, const Ctx& ctx);
Dispatch DeleteBucketOwnershipControls(ServiceEnv& env, const Ctx& ctx);

Dispatch CreateMultipartUpload(ServiceEnv& env, const Ctx& ctx);
Dispatch UploadPart(ServiceEnv& env, const Ctx& ctx);
Dispatch UploadPartCopy(ServiceEnv& env, const Ctx& ctx);
Dispatch CompleteMultipartUpload(ServiceEnv& env, const Ctx& ctx);
Dispatch AbortMultipartUpload(ServiceEnv& env, const Ctx& ctx);
Dispatch ListParts(ServiceEnv& env, const Ctx& ctx);
Dispatch ListMultipartUploads(ServiceEnv& env, const Ctx& ctx);

// Source of a copy (x-amz-copy-source), opened with its conditions checked:
// `stream` reads exactly the version `meta` describes (and whose
// x-amz-copy-source-if-* conditions held), however often the source is
// overwritten meanwhile.
struct CopySource {
  std::shared_ptr<Bucket> bucket;
  std::string key;
  ObjectMeta meta;
  std::unique_ptr<ReadStream> stream;
};
// The byte range to read of a source of `size` bytes (nullopt: all of it), or
// an error for a range the source cannot satisfy.
using CopyRangeFn = std::function<Result<std::optional<ByteRange>>(uint64_t size)>;
// NoSuchKey, PreconditionFailed (a copy-source condition), SlowDown when the
// source changed on every attempt to open the version it was checked at;
// never PreconditionFailed for a race the client did not ask about.
Result<CopySource> OpenCopySource(ServiceEnv& env, const RequestContext& ctx,
                                  const CopyRangeFn& range = nullptr);

}  // namespace worm::server

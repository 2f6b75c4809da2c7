// Object operations: GetObject / HeadObject (ranges, conditions, sendfile),
// PutObject (streamed, verified, conditional), CopyObject, DeleteObject.
#include <fcntl.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "core/random.h"
#include "server/access_control.h"
#include "server/handlers.h"
#include "server/s3_errors.h"
#include "server/s3_xml.h"
#include "transport/local/local_object.h"

namespace worm::server {

namespace {

// Bodies up to this size are read into the response (one writev); larger
// ones go out with sendfile(2), when the backend allows it (zero_copy).
constexpr uint64_t kInlineBody = 64 * 1024;
static_assert(kInlineBody >= local::kMaxCopiedBytes,
              "a body the backend says to copy must fit the inline path");

struct RangeSpec {
  uint64_t first = 0;
  uint64_t last = 0;  // inclusive
};

Status RangeError(uint64_t size) {
  return S3Error(S3Code::kInvalidRange, "The requested range is not satisfiable (object size " +
                                            std::to_string(size) + ")");
}

bool ParseU64(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 19 || s.find_first_not_of("0123456789") != s.npos) return false;
  *out = std::stoull(std::string(s));
  return true;
}

// Parses "bytes=a-b", "bytes=a-" and "bytes=-n". Unparsable headers are
// ignored (whole object), as RFC 7233 says; unsatisfiable ones give InvalidRange.
Result<std::optional<RangeSpec>> ParseRange(std::string_view h, uint64_t size) {
  if (h.empty() || h.substr(0, 6) != "bytes=" || h.find(',') != h.npos)
    return std::optional<RangeSpec>();
  h.remove_prefix(6);
  size_t dash = h.find('-');
  if (dash == h.npos) return std::optional<RangeSpec>();
  std::string_view a = h.substr(0, dash), b = h.substr(dash + 1);
  uint64_t first = 0, last = 0;
  if (a.empty()) {
    if (!ParseU64(b, &last)) return std::optional<RangeSpec>();
    if (last == 0 || size == 0) return RangeError(size);
    uint64_t n = std::min(last, size);
    return std::optional<RangeSpec>(RangeSpec{size - n, size - 1});
  }
  if (!ParseU64(a, &first)) return std::optional<RangeSpec>();
  if (b.empty()) {
    last = size == 0 ? 0 : size - 1;
  } else if (!ParseU64(b, &last) || last < first) {
    return std::optional<RangeSpec>();
  }
  if (first >= size) return RangeError(size);
  return std::optional<RangeSpec>(RangeSpec{first, std::min(last, size - 1)});
}

void Replace(HttpResponse* r, std::string_view name, std::string value) {
  for (auto& [k, v] : r->headers) {
    if (strcasecmp(k.c_str(), std::string(name).c_str()) == 0) {
      v = std::move(value);
      return;
    }
  }
  r->Set(std::string(name), std::move(value));
}

void ApplyOverrides(const RequestContext& ctx, HttpResponse* r) {
  static constexpr std::pair<std::string_view, std::string_view> kOverrides[] = {
      {"response-content-type", "Content-Type"},
      {"response-content-language", "Content-Language"},
      {"response-expires", "Expires"},
      {"response-cache-control", "Cache-Control"},
      {"response-content-disposition", "Content-Disposition"},
      {"response-content-encoding", "Content-Encoding"}};
  for (const auto& [param, header] : kOverrides) {
    if (ctx.Has(param)) Replace(r, header, ctx.Q(param));
  }
}

struct OpenedObject {
  FileRegion file;
  ObjectMeta meta;
  bool zero_copy = false;  // local::ObjectFile::zero_copy
};

Status NoSuchKey(const std::string& key) {
  return S3Error(S3Code::kNoSuchKey, "The specified key does not exist: '" + key + "'");
}

// The object's file, opened by the local backend with the metadata of that
// same inode (a concurrent overwrite renames a new inode into place), so its
// bytes can be sent with sendfile(2).
Result<OpenedObject> OpenObject(Bucket& bucket, const std::string& key) {
  Result<local::ObjectFile> file = local::OpenObjectFile(bucket.objects.get(), key);
  if (!file.ok()) return file.status().IsNotFound() ? NoSuchKey(key) : KeyError(file.status());
  OpenedObject out;
  out.file.fd = file->fd.Release();
  out.meta = std::move(file->meta);
  out.zero_copy = file->zero_copy;
  return out;
}

void SetBody(OpenedObject* obj, uint64_t first, uint64_t length, HttpResponse* r) {
  if (length <= kInlineBody || !obj->zero_copy) {
    r->body.resize(length);
    size_t done = 0;
    while (done < length) {
      ssize_t n = ::pread(obj->file.fd, r->body.data() + done, length - done, first + done);
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    r->body.resize(done);
    return;
  }
  obj->file.offset = first;
  obj->file.length = length;
  r->file = std::move(obj->file);
}

}  // namespace

Dispatch GetObject(ServiceEnv& env, const Ctx& ctx) {
  // An open bucket skips BucketOf's stat of its folder; a vanished folder
  // shows up as a missing key, which is then re-checked below.
  std::shared_ptr<Bucket> cached = ctx->head ? nullptr : env.store->Cached(ctx->bucket);
  Result<std::shared_ptr<Bucket>> bucket = cached ? cached : BucketOf(env, *ctx);
  if (!bucket.ok()) return Fail(*ctx, bucket.status());
  if (Status st = ValidateObjectKey(ctx->key); !st.ok()) return Fail(*ctx, st);
  if (ctx->Has("versionId")) {
    if (Status st = CheckVersionId(ctx->Q("versionId")); !st.ok()) return Fail(*ctx, st);
  }
  OpenedObject obj;
  if (ctx->head) {
    Result<ObjectMeta> meta = (*bucket)->objects->Head(ctx->key, {});
    if (!meta.ok()) {
      return Fail(*ctx, meta.status().IsNotFound() ? NoSuchKey(ctx->key) : KeyError(meta.status()));
    }
    obj.meta = std::move(*meta);
  } else {
    Result<OpenedObject> opened = OpenObject(**bucket, ctx->key);
    if (!opened.ok()) {
      if (cached) {
        if (Result<std::shared_ptr<Bucket>> b = BucketOf(env, *ctx); !b.ok()) {
          return Fail(*ctx, b.status());
        }
      }
      return Fail(*ctx, opened.status());
    }
    obj = std::move(*opened);
  }
  Status cond = CheckConditions(obj.meta, ctx->H("if-match"), ctx->H("if-none-match"),
                                ctx->H("if-modified-since"), ctx->H("if-unmodified-since"));
  if (!cond.ok()) {
    HttpResponse r = ErrorFor(*ctx, cond);
    if (r.status == 304) {
      r.Set("ETag", Quoted(S3Etag(obj.meta)));
      r.Set("Last-Modified", HttpDate(obj.meta.last_modified_ms));
    }
    return Respond(std::move(r));
  }
  const uint64_t size = obj.meta.size;
  Result<std::optional<RangeSpec>> range = ParseRange(ctx->H("range"), size);
  if (!range.ok()) {
    HttpResponse r = ErrorFor(*ctx, range.status());
    r.Set("Content-Range", "bytes */" + std::to_string(size));
    return Respond(std::move(r));
  }
  HttpResponse r = Empty(*ctx, 200);
  AddObjectHeaders(obj.meta, &r);
  if (ctx->H("x-amz-checksum-mode") == "ENABLED" && !range->has_value())
    AddChecksumHeaders(obj.meta, &r);
  ApplyOverrides(*ctx, &r);
  uint64_t first = 0, length = size;
  if (range->has_value()) {
    first = (*range)->first;
    length = (*range)->last - first + 1;
    r.status = 206;
    r.Set("Content-Range", "bytes " + std::to_string(first) + "-" + std::to_string((*range)->last) +
                               "/" + std::to_string(size));
  }
  if (ctx->head) {
    r.head = true;
    r.content_length = length;
  } else {
    SetBody(&obj, first, length, &r);
  }
  return Respond(std::move(r));
}

// ---- PutObject ------------------------------------------------------------

namespace {

// Streams the body to the destination. When the checksum arrives only in a
// trailer, its value is known at the end: the body is staged first and then
// committed with the complete metadata (WriteOptions are fixed at OpenWrite).
class PutConsumer final : public BodyConsumer {
 public:
  PutConsumer(Ctx ctx, std::shared_ptr<Bucket> bucket, WriteOptions o, bool staged)
      : ctx_(std::move(ctx)), bucket_(std::move(bucket)), o_(std::move(o)), staged_(staged) {}

  Status Open() {
    if (!staged_) {
      Result<std::unique_ptr<WriteStream>> s = bucket_->objects->OpenWrite(ctx_->key, o_);
      if (!s.ok()) return CommitError(s.status());
      stream_ = std::move(*s);
      return Status::OK();
    }
    stage_key_ = "put/" + NewUuidV4();
    WriteOptions so;
    so.sync = false;  // scratch: durability comes from the final commit
    ASSIGN_OR_RETURN(stream_, bucket_->uploads->OpenWrite(stage_key_, so));
    return Status::OK();
  }

  Status Write(std::string_view data) override { return stream_->Append(data); }

  HttpResponse Finish(const Status& status, const VerifiedBody& body) override {
    if (!status.ok()) {
      stream_->Abort();
      return ErrorFor(*ctx_, status);
    }
    if (staged_ && body.checksum) {
      o_.user_metadata[ChecksumMetaName(*body.checksum)] = body.checksum_b64;
    }
    Result<PutResult> put = staged_ ? CommitStaged() : stream_->Commit();
    if (!put.ok()) return ErrorFor(*ctx_, CommitError(put.status()));
    HttpResponse r = Empty(*ctx_, 200);
    r.Set("ETag", Quoted(put->etag));
    if (body.checksum) {
      r.Set(std::string(ChecksumHeader(*body.checksum)), body.checksum_b64);
      r.Set("x-amz-checksum-type", "FULL_OBJECT");
    }
    return r;
  }

 private:
  Result<PutResult> CommitStaged() {
    ASSIGN_OR_RETURN(PutResult staged, stream_->Commit());
    (void)staged;
    Result<PutResult> out = CopyStaged();
    (void)bucket_->uploads->Delete(stage_key_, {});
    return out;
  }

  Result<PutResult> CopyStaged() {
    ASSIGN_OR_RETURN(std::unique_ptr<ReadStream> in, bucket_->uploads->OpenRead(stage_key_, {}));
    Result<std::unique_ptr<WriteStream>> out = bucket_->objects->OpenWrite(ctx_->key, o_);
    if (!out.ok()) return CommitError(out.status());
    RETURN_NOT_OK(CopyStream(in.get(), out->get(), nullptr));
    return (*out)->Commit();
  }

  Ctx ctx_;
  std::shared_ptr<Bucket> bucket_;
  WriteOptions o_;
  bool staged_;
  std::string stage_key_;
  std::unique_ptr<WriteStream> stream_;
};

}  // namespace

Dispatch PutObject(ServiceEnv& env, const Ctx& ctx) {
  Result<std::shared_ptr<Bucket>> bucket = BucketOf(env, *ctx);
  if (!bucket.ok()) return Fail(*ctx, bucket.status());
  if (Status st = ValidateNewObjectKey(ctx->key); !st.ok()) return Fail(*ctx, st);
  if (Status st = RefuseUnsupportedWriteHeaders(*ctx); !st.ok()) return Fail(*ctx, st);
  if (!ctx->http.content_length && !ctx->http.chunked) {
    return Fail(*ctx, S3Error(S3Code::kMissingContentLength,
                              "You must provide the Content-Length HTTP header."));
  }
  Result<BodyExpectations> expect = ParseBodyExpectations(ctx->http, ctx->auth);
  if (!expect.ok()) return Fail(*ctx, expect.status());
  expect->max_size = env.max_body_bytes;  // checked again as the bytes arrive
  if (expect->decoded_length.value_or(0) > expect->max_size) {
    return Fail(*ctx,
                S3Error(S3Code::kEntityTooLarge,
                        "Your proposed upload exceeds the maximum allowed size (" +
                            std::to_string(expect->max_size) + " bytes); use a multipart upload"));
  }
  WriteOptions o;
  if (Status st = MetadataFromRequest(*ctx, &o); !st.ok()) return Fail(*ctx, st);
  if (Status st = env.access->ApplyWriteAcl(*ctx, **bucket, &o); !st.ok()) return Fail(*ctx, st);
  if (Status st = ConditionalWrite(**bucket, *ctx, &o); !st.ok()) return Fail(*ctx, st);
  // A checksum sent as a header is known now (and verified before Commit);
  // one sent in a trailer is known only at the end, so that body is staged.
  if (expect->checksum && !expect->checksum_in_trailer) {
    o.user_metadata[ChecksumMetaName(*expect->checksum)] = expect->checksum_b64;
  }
  bool staged = expect->checksum_in_trailer;
  auto consumer = std::make_unique<PutConsumer>(ctx, *bucket, std::move(o), staged);
  if (Status st = consumer->Open(); !st.ok()) return Fail(*ctx, st);
  Dispatch d;
  d.sink = NewVerifyingSink(std::move(*expect), std::move(consumer));
  return d;
}

// ---- CopyObject -------------------------------------------------------------

namespace {

// Metadata worth keeping from a copy source: full-object checksums stay
// valid for the same bytes; a multipart ETag or composite checksum does not.
void CarryChecksums(const ObjectMeta& src, WriteOptions* o) {
  auto type = src.user_metadata.find(std::string(kMetaChecksumType));
  if (type != src.user_metadata.end() && type->second == "COMPOSITE") return;
  for (ChecksumAlgorithm a : kAllChecksums) {
    auto it = src.user_metadata.find(ChecksumMetaName(a));
    if (it != src.user_metadata.end()) o->user_metadata[it->first] = it->second;
  }
}

constexpr std::string_view kRedirectHeader = "x-amz-website-redirect-location";

Result<WriteOptions> CopyOptions(const RequestContext& ctx, const CopySource& src) {
  std::string directive(ctx.H("x-amz-metadata-directive"));
  if (directive.empty()) directive = "COPY";
  if (directive != "COPY" && directive != "REPLACE") {
    return S3Error(S3Code::kInvalidArgument, "Unknown metadata directive: " + directive);
  }
  if (directive == "COPY" && src.bucket->name == ctx.bucket && src.key == ctx.key) {
    return S3Error(S3Code::kInvalidRequest,
                   "This copy request is illegal because it is trying to copy an object to "
                   "itself without changing the object's metadata, storage class, website "
                   "redirect location or encryption attributes.");
  }
  WriteOptions o;
  if (directive == "COPY") {
    o.content_type = src.meta.content_type;
    for (const auto& [k, v] : src.meta.user_metadata) {
      if (k.rfind(kMetaPrefix, 0) != 0) o.user_metadata[k] = v;
      for (std::string_view h : kStoredHeaders) {
        if (k == "worm:" + std::string(h) && h != kRedirectHeader) o.user_metadata[k] = v;
      }
    }
    // S3 never copies a redirect location; the request may give one.
    if (ctx.http.HasHeader(kRedirectHeader)) {
      WriteOptions given;  // the request's headers, checked as for a PUT
      RETURN_NOT_OK(MetadataFromRequest(ctx, &given));
      const std::string name = "worm:" + std::string(kRedirectHeader);
      if (given.user_metadata.count(name)) o.user_metadata[name] = given.user_metadata[name];
    }
  } else {
    RETURN_NOT_OK(MetadataFromRequest(ctx, &o));
  }
  CarryChecksums(src.meta, &o);
  return o;
}

}  // namespace

Dispatch CopyObject(ServiceEnv& env, const Ctx& ctx) {
  Result<std::shared_ptr<Bucket>> bucket = BucketOf(env, *ctx);
  if (!bucket.ok()) return Fail(*ctx, bucket.status());
  if (Status st = ValidateNewObjectKey(ctx->key); !st.ok()) return Fail(*ctx, st);
  if (Status st = RefuseUnsupportedWriteHeaders(*ctx); !st.ok()) return Fail(*ctx, st);
  Result<CopySource> src = OpenCopySource(env, *ctx);
  if (!src.ok()) return Fail(*ctx, src.status());
  Result<WriteOptions> o = CopyOptions(*ctx, *src);
  if (!o.ok()) return Fail(*ctx, o.status());
  // A copy gets its own ACL (the request's, else private), never the source's.
  if (Status st = env.access->ApplyWriteAcl(*ctx, **bucket, &*o); !st.ok()) return Fail(*ctx, st);
  if (Status st = ConditionalWrite(**bucket, *ctx, &*o); !st.ok()) return Fail(*ctx, st);
  Result<std::unique_ptr<WriteStream>> out = (*bucket)->objects->OpenWrite(ctx->key, *o);
  if (!out.ok()) return Fail(*ctx, CommitError(out.status()));
  if (Status st = CopyStream(src->stream.get(), out->get(), nullptr); !st.ok()) {
    return Fail(*ctx, st);
  }
  Result<PutResult> put = (*out)->Commit();
  if (!put.ok()) return Fail(*ctx, CommitError(put.status()));
  // The new object's Last-Modified, as HEAD will show it (the clock only if
  // another write replaced it already).
  int64_t modified_ms = env.clock->NowMillis();
  if (Result<ObjectMeta> now = (*bucket)->objects->Head(ctx->key, {});
      now.ok() && now->etag == put->etag) {
    modified_ms = now->last_modified_ms;
  }
  XmlWriter x;
  x.Open("CopyObjectResult", true);
  x.Leaf("LastModified", IsoDate(modified_ms));
  x.Leaf("ETag", Quoted(put->etag));
  x.Close("CopyObjectResult");
  return Respond(XmlOk(*ctx, x.Finish()));
}

Dispatch DeleteObject(ServiceEnv& env, const Ctx& ctx) {
  Result<std::shared_ptr<Bucket>> bucket = BucketOf(env, *ctx);
  if (!bucket.ok()) return Fail(*ctx, bucket.status());
  if (Status st = ValidateObjectKey(ctx->key); !st.ok()) return Fail(*ctx, st);
  if (ctx->Has("versionId")) {
    if (Status st = CheckVersionId(ctx->Q("versionId")); !st.ok()) return Fail(*ctx, st);
  }
  DeleteOptions o;
  std::string_view match = ctx->H("if-match");
  if (!match.empty()) {
    Result<ObjectMeta> current = (*bucket)->objects->Head(ctx->key, {});
    if (!current.ok())
      return Fail(*ctx, current.status().IsNotFound() ? NoSuchKey(ctx->key) : current.status());
    if (Status st = CheckConditions(*current, match, "", "", ""); !st.ok()) return Fail(*ctx, st);
    o.if_match = current->etag;
  }
  Status st = (*bucket)->objects->Delete(ctx->key, o);
  if (!st.ok() && !st.IsInvalidArgument()) return Fail(*ctx, CommitError(st));
  return Respond(Empty(*ctx, 204));
}

}  // namespace worm::server

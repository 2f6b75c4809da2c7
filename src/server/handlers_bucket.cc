// Service and bucket operations: ListBuckets, Create/Delete/HeadBucket,
// GetBucketLocation, GetBucketVersioning, ListObjects (v1 and v2) and
// DeleteObjects.
#include "server/checksums.h"
#include "server/access_control.h"
#include "server/handlers.h"
#include "server/s3_errors.h"
#include "server/s3_xml.h"
#include "transport/s3/sigv4.h"

namespace worm::server {

namespace {

constexpr std::string_view kOwnerId = "worm";

void Owner(XmlWriter* x) {
  x->Open("Owner");
  x->Leaf("ID", kOwnerId);
  x->Leaf("DisplayName", kOwnerId);
  x->Close("Owner");
}

}  // namespace

Dispatch ListBuckets(ServiceEnv& env, const Ctx& ctx) {
  Result<std::vector<BucketInfo>> buckets = env.store->List();
  if (!buckets.ok()) return Fail(*ctx, buckets.status());
  XmlWriter x;
  x.Open("ListAllMyBucketsResult", true);
  const std::string_view caller = AccessControl::Caller(*ctx);
  if (env.access->enabled() && !caller.empty()) {
    x.Open("Owner");
    x.Leaf("ID", caller);
    x.Leaf("DisplayName", caller);
    x.Close("Owner");
  } else {
    Owner(&x);
  }
  x.Open("Buckets");
  for (const BucketInfo& b : *buckets) {
    // A caller sees the buckets it owns (the root identity: all of them).
    if (env.access->enabled()) {
      Result<std::shared_ptr<Bucket>> bucket = env.store->Get(b.name);
      if (!bucket.ok() || !env.access->Lists(*ctx, **bucket)) continue;
    }
    x.Open("Bucket");
    x.Leaf("Name", b.name);
    x.Leaf("CreationDate", IsoDate(b.created_ms));
    x.Close("Bucket");
  }
  x.Close("Buckets");
  x.Close("ListAllMyBucketsResult");
  return Respond(XmlOk(*ctx, x.Finish()));
}

Dispatch CreateBucket(ServiceEnv& env, const Ctx& ctx) {
  return WithSmallBody(ctx, 64 * 1024, [&env, ctx](const std::string& body) {
    Result<std::string> region = ParseCreateBucketRequest(body);
    if (!region.ok()) return ErrorFor(*ctx, region.status());
    if (Status st = env.access->CheckCreateBucket(*ctx); !st.ok()) return ErrorFor(*ctx, st);
    Status st = env.store->Create(ctx->bucket);
    if (st.IsAlreadyExists() && env.access->enabled()) {
      // Someone else's bucket: BucketAlreadyExists, as S3 answers.
      Result<std::shared_ptr<Bucket>> existing = env.store->Get(ctx->bucket);
      if (existing.ok()) {
        Result<std::shared_ptr<const BucketAccessState>> state = env.access->State(**existing);
        const std::string_view caller = AccessControl::Caller(*ctx);
        if (state.ok() && !env.access->IsRoot(caller) && (*state)->owner != caller) {
          return ErrorFor(*ctx, S3Error(S3Code::kBucketAlreadyExists,
                                        "The requested bucket name is not available: '" +
                                            ctx->bucket + "' belongs to another identity"));
        }
      }
    }
    // AWS answers a repeat in us-east-1 (its legacy region) with 200 and
    // changes nothing; elsewhere with BucketAlreadyOwnedByYou.
    if (!st.ok() &&
        !(env.region == "us-east-1" && st.IsAlreadyExists() && env.store->Get(ctx->bucket).ok())) {
      return ErrorFor(*ctx, st);
    }
    if (st.ok() && env.access->enabled()) {
      Result<std::shared_ptr<Bucket>> made = env.store->Get(ctx->bucket);
      if (!made.ok()) return ErrorFor(*ctx, made.status());
      if (Status rec = env.access->RecordNewBucket(*ctx, **made); !rec.ok()) {
        return ErrorFor(*ctx, rec);
      }
    }
    HttpResponse r = Empty(*ctx, 200);
    r.Set("Location", "/" + ctx->bucket);
    return r;
  });
}

Dispatch DeleteBucket(ServiceEnv& env, const Ctx& ctx) {
  if (Status st = env.store->Delete(ctx->bucket); !st.ok()) return Fail(*ctx, st);
  return Respond(Empty(*ctx, 204));
}

Dispatch HeadBucket(ServiceEnv& env, const Ctx& ctx) {
  Result<std::shared_ptr<Bucket>> bucket = BucketOf(env, *ctx);
  if (!bucket.ok()) return Fail(*ctx, bucket.status());
  HttpResponse r = Empty(*ctx, 200);
  r.Set("x-amz-bucket-region", env.region);
  return Respond(std::move(r));
}

Dispatch GetBucketLocation(ServiceEnv& env, const Ctx& ctx) {
  Result<std::shared_ptr<Bucket>> bucket = BucketOf(env, *ctx);
  if (!bucket.ok()) return Fail(*ctx, bucket.status());
  XmlWriter x;
  x.Open("LocationConstraint", true);
  if (env.region != "us-east-1") x.Text(env.region);  // us-east-1 is the empty constraint
  x.Close("LocationConstraint");
  return Respond(XmlOk(*ctx, x.Finish()));
}

Dispatch GetBucketVersioning(ServiceEnv& env, const Ctx& ctx) {
  Result<std::shared_ptr<Bucket>> bucket = BucketOf(env, *ctx);
  if (!bucket.ok()) return Fail(*ctx, bucket.status());
  XmlWriter x;
  x.Open("VersioningConfiguration", true);
  x.Close("VersioningConfiguration");
  return Respond(XmlOk(*ctx, x.Finish()));
}

// ---- ListObjects ------------------------------------------------------------

namespace {

struct ListParams {
  bool v2 = false;
  std::string prefix, delimiter, start_after, marker, token;
  int max_keys = 1000;
  bool url = false;
};

Result<ListParams> ParseListParams(const RequestContext& ctx) {
  ListParams p;
  p.v2 = ctx.Q("list-type") == "2";
  p.prefix = ctx.Q("prefix");
  p.delimiter = ctx.Q("delimiter");
  p.start_after = ctx.Q("start-after");
  p.marker = ctx.Q("marker");
  p.token = ctx.Q("continuation-token");
  if (ctx.Has("encoding-type")) {
    if (ctx.Q("encoding-type") != "url") {
      return S3Error(S3Code::kInvalidArgument, "Invalid Encoding Method specified in Request");
    }
    p.url = true;
  }
  if (ctx.Has("max-keys")) {
    std::string m = ctx.Q("max-keys");
    if (m.empty() || m.size() > 9 || m.find_first_not_of("0123456789") != std::string::npos) {
      return S3Error(S3Code::kInvalidArgument,
                     "Provided max-keys not an integer or within "
                     "integer range");
    }
    p.max_keys = std::min(1000, std::stoi(m));
  }
  return p;
}

struct Listing {
  std::vector<ObjectMeta> objects;
  std::vector<std::string> prefixes;
  bool truncated = false;
  std::string next_token;  // transport token to resume after the last entry
  std::string last;        // last key or prefix returned
};

// Fills up to max_keys entries from the transport, skipping what sorts at
// or before `after` (a v1 marker or v2 start-after that names a prefix).
Result<Listing> Collect(Transport& t, const ListParams& p, const std::string& token,
                        const std::string& after) {
  Listing out;
  ListRequest req;
  req.with_metadata = true;  // for the S3 ETag of multipart objects (S3Etag)
  req.prefix = p.prefix;
  req.delimiter = p.delimiter;
  req.token = token;
  if (token.empty()) req.start_after = after;
  int want = p.max_keys;
  while (want > 0) {
    req.max_keys = want;
    ASSIGN_OR_RETURN(ListPage page, t.List(req));
    if (!page.objects.empty()) out.last = page.objects.back().key;
    if (out.objects.empty()) {
      out.objects = std::move(page.objects);  // the usual case: one List fills the response
    } else {
      out.objects.insert(out.objects.end(), std::make_move_iterator(page.objects.begin()),
                         std::make_move_iterator(page.objects.end()));
    }
    for (std::string& cp : page.common_prefixes) {
      if (!after.empty() && cp <= after) continue;
      if (cp > out.last) out.last = cp;
      out.prefixes.push_back(std::move(cp));
    }
    want = p.max_keys - static_cast<int>(out.objects.size() + out.prefixes.size());
    if (page.next_token.empty()) return out;
    out.next_token = page.next_token;
    req.token = page.next_token;
    req.start_after.clear();
  }
  out.truncated = !out.next_token.empty();
  return out;
}

std::string Enc(const ListParams& p, std::string_view s) {
  return p.url ? s3::UriEncode(s, /*keep_slash=*/true) : std::string(s);
}

std::string ListXml(const RequestContext& ctx, const ListParams& p, const Listing& l) {
  XmlWriter x;
  x.Open("ListBucketResult", true);
  x.Leaf("Name", ctx.bucket);
  x.Leaf("Prefix", Enc(p, p.prefix));
  if (p.v2) {
    if (!p.token.empty()) x.Leaf("ContinuationToken", p.token);
    if (!p.start_after.empty()) x.Leaf("StartAfter", Enc(p, p.start_after));
    x.Leaf("KeyCount", l.objects.size() + l.prefixes.size());
  } else {
    x.Leaf("Marker", Enc(p, p.marker));
    if (l.truncated) x.Leaf("NextMarker", Enc(p, l.last));
  }
  x.Leaf("MaxKeys", static_cast<uint64_t>(p.max_keys));
  if (!p.delimiter.empty()) x.Leaf("Delimiter", Enc(p, p.delimiter));
  if (p.url) x.Leaf("EncodingType", "url");
  x.Bool("IsTruncated", l.truncated);
  if (p.v2 && l.truncated) x.Leaf("NextContinuationToken", Base64Encode(l.next_token));
  const bool owner = !p.v2 || ctx.Q("fetch-owner") == "true";
  // One allocation for the whole body: about 200 bytes of markup per key
  // (300 with the owner), plus the key, a third longer when percent-encoded.
  size_t bytes = 1024;
  for (const ObjectMeta& m : l.objects) bytes += (owner ? 320 : 200) + m.key.size() * 4 / 3;
  for (const std::string& cp : l.prefixes) bytes += 64 + cp.size() * 4 / 3;
  x.Reserve(bytes);
  for (const ObjectMeta& m : l.objects) {
    if (!owner) {
      x.ListedObject(m.key, p.url, m.last_modified_ms, S3Etag(m), m.size);
      continue;
    }
    x.Open("Contents");
    if (p.url) {
      x.UriLeaf("Key", m.key);
    } else {
      x.Leaf("Key", m.key);
    }
    x.DateLeaf("LastModified", m.last_modified_ms);
    x.QuotedLeaf("ETag", S3Etag(m));  // as HEAD: "<md5>-N" for multipart
    x.Leaf("Size", m.size);
    if (owner) {
      x.Open("Owner");
      x.Leaf("ID", kOwnerId);
      x.Leaf("DisplayName", kOwnerId);
      x.Close("Owner");
    }
    x.Leaf("StorageClass", "STANDARD");
    x.Close("Contents");
  }
  for (const std::string& cp : l.prefixes) {
    x.Open("CommonPrefixes");
    x.Leaf("Prefix", Enc(p, cp));
    x.Close("CommonPrefixes");
  }
  x.Close("ListBucketResult");
  return x.Finish();
}

}  // namespace

Dispatch ListObjects(ServiceEnv& env, const Ctx& ctx) {
  Result<std::shared_ptr<Bucket>> bucket = BucketOf(env, *ctx);
  if (!bucket.ok()) return Fail(*ctx, bucket.status());
  Result<ListParams> p = ParseListParams(*ctx);
  if (!p.ok()) return Fail(*ctx, p.status());
  std::string token;
  if (p->v2 && !p->token.empty()) {
    Result<std::string> decoded = Base64Decode(p->token);
    if (!decoded.ok() || decoded->empty()) {
      return Fail(
          *ctx, S3Error(S3Code::kInvalidArgument, "The continuation token provided is incorrect"));
    }
    token = *decoded;
  }
  Listing l;
  if (p->max_keys > 0) {
    Result<Listing> got =
        Collect(*(*bucket)->objects, *p, token, p->v2 ? p->start_after : p->marker);
    if (!got.ok()) {
      Status st = got.status();
      if (st.IsInvalidArgument()) st = S3Error(S3Code::kInvalidArgument, st.message());
      return Fail(*ctx, st);
    }
    l = std::move(*got);
  }
  return Respond(XmlOk(*ctx, ListXml(*ctx, *p, l)));
}

// ---- ListObjectVersions -------------------------------------------------------

// These buckets are never versioned: each object is its only version, "null"
// and latest, as S3 lists a bucket that never had versioning. Tools empty
// buckets this way (boto3's bucket.object_versions.delete()).
Dispatch ListObjectVersions(ServiceEnv& env, const Ctx& ctx) {
  Result<std::shared_ptr<Bucket>> bucket = BucketOf(env, *ctx);
  if (!bucket.ok()) return Fail(*ctx, bucket.status());
  Result<ListParams> p = ParseListParams(*ctx);
  if (!p.ok()) return Fail(*ctx, p.status());
  const std::string key_marker = ctx->Q("key-marker");
  const std::string version_marker = ctx->Q("version-id-marker");
  if (!version_marker.empty()) {
    if (key_marker.empty()) {
      return Fail(*ctx, S3Error(S3Code::kInvalidArgument,
                                "A version-id marker cannot be specified without a key marker."));
    }
    if (Status st = CheckVersionId(version_marker); !st.ok()) return Fail(*ctx, st);
  }
  Listing l;
  if (p->max_keys > 0) {
    Result<Listing> got = Collect(*(*bucket)->objects, *p, "", key_marker);
    if (!got.ok()) {
      Status st = got.status();
      if (st.IsInvalidArgument()) st = S3Error(S3Code::kInvalidArgument, st.message());
      return Fail(*ctx, st);
    }
    l = std::move(*got);
  }
  XmlWriter x;
  x.Open("ListVersionsResult", true);
  x.Leaf("Name", ctx->bucket);
  x.Leaf("Prefix", Enc(*p, p->prefix));
  x.Leaf("KeyMarker", Enc(*p, key_marker));
  x.Leaf("VersionIdMarker", version_marker);
  if (l.truncated) {
    x.Leaf("NextKeyMarker", Enc(*p, l.last));
    x.Leaf("NextVersionIdMarker", "null");
  }
  x.Leaf("MaxKeys", static_cast<uint64_t>(p->max_keys));
  if (!p->delimiter.empty()) x.Leaf("Delimiter", Enc(*p, p->delimiter));
  if (p->url) x.Leaf("EncodingType", "url");
  x.Bool("IsTruncated", l.truncated);
  for (const ObjectMeta& m : l.objects) {
    x.Open("Version");
    x.Leaf("Key", Enc(*p, m.key));
    x.Leaf("VersionId", "null");
    x.Bool("IsLatest", true);
    x.DateLeaf("LastModified", m.last_modified_ms);
    x.QuotedLeaf("ETag", S3Etag(m));
    x.Leaf("Size", m.size);
    Owner(&x);
    x.Leaf("StorageClass", "STANDARD");
    x.Close("Version");
  }
  for (const std::string& cp : l.prefixes) {
    x.Open("CommonPrefixes");
    x.Leaf("Prefix", Enc(*p, cp));
    x.Close("CommonPrefixes");
  }
  x.Close("ListVersionsResult");
  return Respond(XmlOk(*ctx, x.Finish()));
}

// ---- DeleteObjects ----------------------------------------------------------

Dispatch DeleteObjects(ServiceEnv& env, const Ctx& ctx) {
  Result<std::shared_ptr<Bucket>> bucket = BucketOf(env, *ctx);
  if (!bucket.ok()) return Fail(*ctx, bucket.status());
  std::shared_ptr<Bucket> b = *bucket;
  const AccessControl* access = env.access;
  return WithSmallBody(ctx, 2 * 1024 * 1024, [ctx, b, access](const std::string& body) {
    Result<DeleteRequest> req = ParseDeleteRequest(body);
    if (!req.ok()) return ErrorFor(*ctx, req.status());
    XmlWriter x;
    x.Open("DeleteResult", true);
    for (const DeleteRequest::Entry& e : req->objects) {
      // Never the current object for a version that does not exist.
      Status st = e.version_id.empty() ? Status::OK() : CheckVersionId(e.version_id);
      // Each key is a DeleteObject of its own, as S3 authorizes it.
      if (st.ok()) st = access->Authorize(*ctx, S3Action::kDeleteObject, ctx->bucket, e.key);
      if (st.ok()) {
        st = ValidateObjectKey(e.key);
        if (st.ok()) st = b->objects->Delete(e.key, {});
        if (st.IsInvalidArgument() && e.key.size() <= 1024) st = Status::OK();  // cannot exist
      }
      if (st.ok()) {
        if (req->quiet) continue;
        x.Open("Deleted");
        x.Leaf("Key", e.key);
        if (!e.version_id.empty()) x.Leaf("VersionId", e.version_id);
        x.Close("Deleted");
        continue;
      }
      S3ErrorInfo info = ToS3Error(st);
      x.Open("Error");
      x.Leaf("Key", e.key);
      if (!e.version_id.empty()) x.Leaf("VersionId", e.version_id);
      x.Leaf("Code", info.code);
      x.Leaf("Message", info.message);
      x.Close("Error");
    }
    x.Close("DeleteResult");
    return XmlOk(*ctx, x.Finish());
  });
}

}  // namespace worm::server

// Multipart uploads, staged on disk through the bucket's `uploads` transport
// (<bucket root>/.wormfs/uploads/; the layout is in upload_staging.h).
// Everything is on disk, so an upload interrupted by a restart can still be
// completed or aborted, and a completed upload's result can be repeated.
// Complete streams the parts into one object write.
//
// A repeated CompleteMultipartUpload (a client retrying after a lost
// response), within ServiceEnv::completed_upload_retention_ms of the first
// and naming the same parts list (part numbers and ETags), is answered with
// the first one's result (200, the same Location, Bucket, Key, ETag and
// checksum), as AWS does. It never writes the object again: if the key was
// overwritten or deleted since, the repeat still describes the completion
// that happened (AWS answers from its record of the upload, not from the
// key). Another parts list, or a repeat after the retention, gets
// NoSuchUpload, as does every other operation on a completed upload
// (UploadPart, ListParts, AbortMultipartUpload: AWS allows no operation on
// an upload id once completed, and an abort never removes the object).
//
// Crash safety of Complete, in order: (1) the object is installed (atomic
// rename) carrying the upload id in hidden metadata; (2) completed.json is
// written (fsync'd); (3) upload.json, then the parts, are removed. A crash
// before (1) leaves the upload as it was. A crash between (1) and (2) leaves
// upload and parts: a retry finds the object at the key still carrying this
// upload's id and ETag, records the completion without rewriting it and
// answers success; if the key was overwritten in between, nothing says the
// first attempt ever succeeded and the retry completes the upload (the same
// bytes) anew. A crash after (2) is a completed upload; the sweep removes
// what step (3) left. No state answers success without the object installed.
#include <algorithm>
#include <cstdio>

#include "core/hash.h"
#include "core/json_util.h"
#include "core/random.h"
#include "server/access_control.h"
#include "server/handlers.h"
#include "server/s3_errors.h"
#include "server/s3_xml.h"
#include "server/upload_staging.h"
#include "transport/s3/sigv4.h"

namespace worm::server {

namespace {

// S3's smallest part (all but the last) and highest part number.
constexpr uint64_t kMinPartSize = 5ull << 20;
constexpr int kMaxPartNumber = 10000;

struct Upload {
  std::string id;
  std::string key;
  int64_t initiated_ms = 0;
  std::string content_type;
  std::map<std::string, std::string> metadata;
  std::optional<ChecksumAlgorithm> checksum;
  std::string checksum_type;  // "COMPOSITE" or "FULL_OBJECT"
};

std::string PartKey(const std::string& id, int n, char kind = 'p') {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%c-%05d", kind, n);
  return id + "/" + buf;
}

Status NoSuchUpload(const std::string& id) {
  return S3Error(S3Code::kNoSuchUpload,
                 "The specified upload does not exist. The upload ID may be invalid, or the "
                 "upload may have been aborted or completed: '" +
                     id + "'");
}

// Another Complete or Abort of the upload is in progress (in this process):
// SlowDown, which every SDK retries; the retry then sees its outcome.
Status UploadBusy() {
  return S3Error(S3Code::kSlowDown,
                 "Another CompleteMultipartUpload or AbortMultipartUpload of this upload is in "
                 "progress; retry");
}

// The ids CreateMultipartUpload hands out: a UUIDv7 as 32 lowercase hex digits.
bool WellFormedUploadId(const std::string& id) {
  return id.size() == 32 && std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

Result<Upload> LoadUpload(Bucket& b, const std::string& id, const std::string* key) {
  // Anything else never reaches the staging folder (whose layout and errors
  // are no client's business).
  if (!WellFormedUploadId(id)) return NoSuchUpload(id);
  Result<Object> obj = b.uploads->Get(id + "/" + kUploadRecord, {});
  if (!obj.ok()) return obj.status().IsNotFound() ? NoSuchUpload(id) : obj.status();
  // Completed, with its cleanup cut short (a crash after the record was written).
  Result<ObjectMeta> completed = b.uploads->Head(id + "/" + kCompletedRecord, {});
  if (completed.ok()) return NoSuchUpload(id);
  if (!completed.status().IsNotFound()) return completed.status();
  ASSIGN_OR_RETURN(Json j, ParseJson(obj->data, "upload.json"));
  Upload u;
  u.id = id;
  u.key = j.value("key", "");
  u.initiated_ms = j.value("initiated", int64_t{0});
  u.content_type = j.value("contentType", "");
  u.metadata = j.value("metadata", std::map<std::string, std::string>{});
  u.checksum = ParseChecksumName(j.value("checksumAlgorithm", ""));
  u.checksum_type = j.value("checksumType", "");
  if (key != nullptr && *key != u.key) return NoSuchUpload(id);
  return u;
}

Result<int> PartNumber(const RequestContext& ctx) {
  std::string n = ctx.Q("partNumber");
  if (n.empty() || n.size() > 5 || n.find_first_not_of("0123456789") != std::string::npos ||
      std::stoi(n) < 1 || std::stoi(n) > kMaxPartNumber) {
    return S3Error(S3Code::kInvalidArgument,
                   "Part number must be an integer between 1 and 10000, inclusive");
  }
  return std::stoi(n);
}

void Initiator(XmlWriter* x) {
  for (const char* tag : {"Initiator", "Owner"}) {
    x->Open(tag);
    x->Leaf("ID", "worm");
    x->Leaf("DisplayName", "worm");
    x->Close(tag);
  }
}

}  // namespace

Dispatch CreateMultipartUpload(ServiceEnv& env, const Ctx& ctx) {
  Result<std::shared_ptr<Bucket>> bucket = BucketOf(env, *ctx);
  if (!bucket.ok()) return Fail(*ctx, bucket.status());
  if (Status st = ValidateNewObjectKey(ctx->key); !st.ok()) return Fail(*ctx, st);
  if (Status st = RefuseUnsupportedWriteHeaders(*ctx); !st.ok()) return Fail(*ctx, st);
  WriteOptions o;
  if (Status st = MetadataFromRequest(*ctx, &o); !st.ok()) return Fail(*ctx, st);
  // The ACL record rides in the upload's metadata onto the completed object.
  if (Status st = env.access->ApplyWriteAcl(*ctx, **bucket, &o); !st.ok()) return Fail(*ctx, st);
  Json j = {{"key", ctx->key},
            {"initiated", env.clock->NowMillis()},
            {"contentType", o.content_type},
            {"metadata", o.user_metadata}};
  std::string_view alg_name = ctx->H("x-amz-checksum-algorithm");
  std::optional<ChecksumAlgorithm> alg = ParseChecksumName(alg_name);
  if (!alg_name.empty() && !alg) {
    return Fail(*ctx,
                S3Error(S3Code::kInvalidRequest, "Checksum algorithm provided is unsupported"));
  }
  std::string type(ctx->H("x-amz-checksum-type"));
  if (type.empty() && alg)
    type = *alg == ChecksumAlgorithm::kCrc64Nvme ? "FULL_OBJECT" : "COMPOSITE";
  if (alg) j["checksumAlgorithm"] = std::string(ChecksumName(*alg));
  j["checksumType"] = type;
  std::string id = NewUuidV7(env.clock);
  id.erase(std::remove(id.begin(), id.end(), '-'), id.end());
  Result<PutResult> put =
      (*bucket)->uploads->Put(id + "/" + kUploadRecord, j.dump(), WriteOptions::Create());
  if (!put.ok()) return Fail(*ctx, put.status());
  XmlWriter x;
  x.Open("InitiateMultipartUploadResult", true);
  x.Leaf("Bucket", ctx->bucket);
  x.Leaf("Key", ctx->key);
  x.Leaf("UploadId", id);
  x.Close("InitiateMultipartUploadResult");
  HttpResponse r = XmlOk(*ctx, x.Finish());
  if (alg) {
    r.Set("x-amz-checksum-algorithm", std::string(ChecksumName(*alg)));
    r.Set("x-amz-checksum-type", type);
  }
  return Respond(std::move(r));
}

namespace {

// Streams one part into staging; its checksum goes to a sidecar after commit.
class PartConsumer final : public BodyConsumer {
 public:
  PartConsumer(Ctx ctx, std::shared_ptr<Bucket> b, std::string key, std::unique_ptr<WriteStream> s)
      : ctx_(std::move(ctx)), b_(std::move(b)), key_(std::move(key)), s_(std::move(s)) {}
  Status Write(std::string_view d) override { return s_->Append(d); }
  HttpResponse Finish(const Status& status, const VerifiedBody& body) override {
    if (!status.ok()) {
      s_->Abort();
      return ErrorFor(*ctx_, status);
    }
    std::string sum_key = key_;
    sum_key[sum_key.rfind('/') + 1] = 'c';
    if (!body.checksum) (void)b_->uploads->Delete(sum_key, {});
    Result<PutResult> put = s_->Commit();
    if (!put.ok()) return ErrorFor(*ctx_, put.status());
    HttpResponse r = Empty(*ctx_, 200);
    r.Set("ETag", Quoted(put->etag));
    if (body.checksum) {
      std::string sum = std::string(ChecksumName(*body.checksum)) + ":" + body.checksum_b64;
      Result<PutResult> side = b_->uploads->Put(sum_key, sum, {});
      if (!side.ok()) return ErrorFor(*ctx_, side.status());
      r.Set(std::string(ChecksumHeader(*body.checksum)), body.checksum_b64);
    }
    return r;
  }

 private:
  Ctx ctx_;
  std::shared_ptr<Bucket> b_;
  std::string key_;
  std::unique_ptr<WriteStream> s_;
};

}  // namespace

Dispatch UploadPart(ServiceEnv& env, const Ctx& ctx) {
  Result<std::shared_ptr<Bucket>> bucket = BucketOf(env, *ctx);
  if (!bucket.ok()) return Fail(*ctx, bucket.status());
  Result<int> n = PartNumber(*ctx);
  if (!n.ok()) return Fail(*ctx, n.status());
  Result<Upload> u = LoadUpload(**bucket, ctx->Q("uploadId"), &ctx->key);
  if (!u.ok()) return Fail(*ctx, u.status());
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
                        "A part may hold at most " + std::to_string(expect->max_size) + " bytes"));
  }
  std::string key = PartKey(u->id, *n);
  Result<std::unique_ptr<WriteStream>> s = (*bucket)->uploads->OpenWrite(key, {});
  if (!s.ok()) return Fail(*ctx, s.status());
  Dispatch d;
  d.sink = NewVerifyingSink(std::move(*expect),
                            std::make_unique<PartConsumer>(ctx, *bucket, key, std::move(*s)));
  return d;
}

Dispatch UploadPartCopy(ServiceEnv& env, const Ctx& ctx) {
  Result<std::shared_ptr<Bucket>> bucket = BucketOf(env, *ctx);
  if (!bucket.ok()) return Fail(*ctx, bucket.status());
  Result<int> n = PartNumber(*ctx);
  if (!n.ok()) return Fail(*ctx, n.status());
  Result<Upload> u = LoadUpload(**bucket, ctx->Q("uploadId"), &ctx->key);
  if (!u.ok()) return Fail(*ctx, u.status());
  std::string_view range = ctx->H("x-amz-copy-source-range");
  auto part_range = [&](uint64_t size) -> Result<std::optional<ByteRange>> {
    if (range.empty()) return std::optional<ByteRange>();
    unsigned long long a = 0, b = 0;
    if (std::sscanf(std::string(range).c_str(), "bytes=%llu-%llu", &a, &b) != 2 || b < a ||
        b >= size) {
      return S3Error(S3Code::kInvalidArgument,
                     "The x-amz-copy-source-range value must be of the form bytes=first-last "
                     "where first and last are the zero-based offsets of the first and last "
                     "bytes to copy");
    }
    return std::optional<ByteRange>(ByteRange{a, b - a + 1});
  };
  Result<CopySource> src = OpenCopySource(env, *ctx, part_range);
  if (!src.ok()) return Fail(*ctx, src.status());
  std::string key = PartKey(u->id, *n);
  Result<std::unique_ptr<WriteStream>> out = (*bucket)->uploads->OpenWrite(key, {});
  if (!out.ok()) return Fail(*ctx, out.status());
  if (Status st = CopyStream(src->stream.get(), out->get(), nullptr); !st.ok()) {
    return Fail(*ctx, st);
  }
  (void)(*bucket)->uploads->Delete(PartKey(u->id, *n, 'c'), {});
  Result<PutResult> put = (*out)->Commit();
  if (!put.ok()) return Fail(*ctx, put.status());
  XmlWriter x;
  x.Open("CopyPartResult", true);
  x.Leaf("LastModified", IsoDate(env.clock->NowMillis()));
  x.Leaf("ETag", Quoted(put->etag));
  x.Close("CopyPartResult");
  return Respond(XmlOk(*ctx, x.Finish()));
}

Dispatch AbortMultipartUpload(ServiceEnv& env, const Ctx& ctx) {
  Result<std::shared_ptr<Bucket>> bucket = BucketOf(env, *ctx);
  if (!bucket.ok()) return Fail(*ctx, bucket.status());
  std::string id = ctx->Q("uploadId");
  if (!WellFormedUploadId(id)) return Fail(*ctx, NoSuchUpload(id));
  UploadLocks::Guard guard = env.upload_locks->TryLock(ctx->bucket, id);
  if (!guard.locked()) return Fail(*ctx, UploadBusy());
  // A completed upload is NoSuchUpload here too: its object stays.
  Result<Upload> u = LoadUpload(**bucket, id, &ctx->key);
  if (!u.ok()) return Fail(*ctx, u.status());
  if (Status st = RemoveStagedUpload(*(*bucket)->uploads, u->id); !st.ok()) return Fail(*ctx, st);
  return Respond(Empty(*ctx, 204));
}

Dispatch ListParts(ServiceEnv& env, const Ctx& ctx) {
  Result<std::shared_ptr<Bucket>> bucket = BucketOf(env, *ctx);
  if (!bucket.ok()) return Fail(*ctx, bucket.status());
  Result<Upload> u = LoadUpload(**bucket, ctx->Q("uploadId"), &ctx->key);
  if (!u.ok()) return Fail(*ctx, u.status());
  int max_parts = 1000;
  int marker = 0;
  std::string mp = ctx->Q("max-parts"), pm = ctx->Q("part-number-marker");
  if (!mp.empty() && mp.find_first_not_of("0123456789") == std::string::npos && mp.size() < 6) {
    max_parts = std::clamp(std::stoi(mp), 0, 1000);
  }
  if (!pm.empty() && pm.find_first_not_of("0123456789") == std::string::npos && pm.size() < 6) {
    marker = std::stoi(pm);
  }
  ListRequest req;
  req.prefix = u->id + "/p-";
  req.start_after = PartKey(u->id, marker);
  req.max_keys = std::max(1, max_parts);
  Result<ListPage> page = (*bucket)->uploads->List(req);
  if (!page.ok()) return Fail(*ctx, page.status());
  bool truncated = !page->next_token.empty() || (max_parts == 0 && !page->objects.empty());
  if (max_parts == 0) page->objects.clear();
  XmlWriter x;
  x.Open("ListPartsResult", true);
  x.Leaf("Bucket", ctx->bucket);
  x.Leaf("Key", ctx->key);
  x.Leaf("UploadId", u->id);
  Initiator(&x);
  x.Leaf("StorageClass", "STANDARD");
  x.Leaf("PartNumberMarker", static_cast<uint64_t>(marker));
  int last = marker;
  for (const ObjectMeta& m : page->objects) {
    int n = std::stoi(m.key.substr(m.key.size() - 5));
    last = n;
    x.Open("Part");
    x.Leaf("PartNumber", static_cast<uint64_t>(n));
    x.Leaf("LastModified", IsoDate(m.last_modified_ms));
    x.Leaf("ETag", Quoted(m.etag));
    x.Leaf("Size", m.size);
    Result<Object> sum = (*bucket)->uploads->Get(PartKey(u->id, n, 'c'), {});
    size_t colon = sum.ok() ? sum->data.find(':') : std::string::npos;
    if (colon != std::string::npos) {
      x.Leaf("Checksum" + sum->data.substr(0, colon), sum->data.substr(colon + 1));
    }
    x.Close("Part");
  }
  x.Leaf("NextPartNumberMarker", static_cast<uint64_t>(last));
  x.Leaf("MaxParts", static_cast<uint64_t>(max_parts));
  x.Bool("IsTruncated", truncated);
  if (u->checksum) x.Leaf("ChecksumAlgorithm", ChecksumName(*u->checksum));
  x.Close("ListPartsResult");
  return Respond(XmlOk(*ctx, x.Finish()));
}

namespace {

struct UploadListParams {
  std::string prefix, delimiter, key_marker, upload_id_marker;
  size_t max_uploads = 1000;
  bool url = false;
};

Result<UploadListParams> ParseUploadListParams(const RequestContext& ctx) {
  UploadListParams p;
  p.prefix = ctx.Q("prefix");
  p.delimiter = ctx.Q("delimiter");
  p.key_marker = ctx.Q("key-marker");
  p.upload_id_marker = ctx.Q("upload-id-marker");
  if (ctx.Has("encoding-type")) {
    if (ctx.Q("encoding-type") != "url") {
      return S3Error(S3Code::kInvalidArgument, "Invalid Encoding Method specified in Request");
    }
    p.url = true;
  }
  if (ctx.Has("max-uploads")) {
    std::string m = ctx.Q("max-uploads");
    if (m.empty() || m.size() > 9 || m.find_first_not_of("0123456789") != std::string::npos) {
      return S3Error(S3Code::kInvalidArgument,
                     "Provided max-uploads not an integer or within integer range");
    }
    p.max_uploads = std::min<size_t>(1000, std::stoul(m));
  }
  return p;
}

// Every upload of the bucket whose key starts with `prefix`, sorted as S3
// lists them: by key, then by initiation (upload ids are UUIDv7: by time).
Result<std::vector<Upload>> AllUploads(Bucket& bucket, const std::string& prefix) {
  std::vector<Upload> uploads;
  ListRequest req;
  req.delimiter = "/";
  for (;;) {
    ASSIGN_OR_RETURN(ListPage page, bucket.uploads->List(req));
    for (const std::string& cp : page.common_prefixes) {
      Result<Upload> u = LoadUpload(bucket, cp.substr(0, cp.size() - 1), nullptr);
      if (u.ok() && u->key.rfind(prefix, 0) == 0) uploads.push_back(std::move(*u));
    }
    if (page.next_token.empty()) break;
    req.token = page.next_token;
  }
  std::sort(uploads.begin(), uploads.end(), [](const Upload& a, const Upload& b) {
    return a.key != b.key ? a.key < b.key : a.id < b.id;
  });
  return uploads;
}

}  // namespace

Dispatch ListMultipartUploads(ServiceEnv& env, const Ctx& ctx) {
  Result<std::shared_ptr<Bucket>> bucket = BucketOf(env, *ctx);
  if (!bucket.ok()) return Fail(*ctx, bucket.status());
  Result<UploadListParams> p = ParseUploadListParams(*ctx);
  if (!p.ok()) return Fail(*ctx, p.status());
  Result<std::vector<Upload>> all = AllUploads(**bucket, p->prefix);
  if (!all.ok()) return Fail(*ctx, all.status());
  // Past the markers: keys after key-marker, or (with upload-id-marker) that
  // key's uploads after the marked one.
  auto after_markers = [&](const Upload& u) {
    if (p->key_marker.empty()) return true;
    if (u.key != p->key_marker) return u.key > p->key_marker;
    return !p->upload_id_marker.empty() && u.id > p->upload_id_marker;
  };
  std::vector<const Upload*> shown;
  std::vector<std::string> prefixes;
  bool truncated = false;
  std::string next_key, next_id;
  for (const Upload& u : *all) {
    if (!after_markers(u)) continue;
    std::string common;
    if (!p->delimiter.empty()) {
      size_t d = u.key.find(p->delimiter, p->prefix.size());
      if (d != std::string::npos) common = u.key.substr(0, d + p->delimiter.size());
    }
    if (!common.empty() && !prefixes.empty() && prefixes.back() == common) continue;
    if (shown.size() + prefixes.size() == p->max_uploads) {
      truncated = true;
      break;
    }
    if (common.empty()) {
      shown.push_back(&u);
      next_key = u.key;
      next_id = u.id;
    } else {
      prefixes.push_back(common);
      next_key = common;
      next_id.clear();
    }
  }
  auto enc = [&](const std::string& s) { return p->url ? s3::UriEncode(s, true) : s; };
  XmlWriter x;
  x.Open("ListMultipartUploadsResult", true);
  x.Leaf("Bucket", ctx->bucket);
  x.Leaf("KeyMarker", enc(p->key_marker));
  x.Leaf("UploadIdMarker", p->upload_id_marker);
  if (truncated) {
    x.Leaf("NextKeyMarker", enc(next_key));
    x.Leaf("NextUploadIdMarker", next_id);
  }
  if (!p->delimiter.empty()) x.Leaf("Delimiter", enc(p->delimiter));
  x.Leaf("Prefix", enc(p->prefix));
  x.Leaf("MaxUploads", static_cast<uint64_t>(p->max_uploads));
  if (p->url) x.Leaf("EncodingType", "url");
  x.Bool("IsTruncated", truncated);
  for (const Upload* u : shown) {
    x.Open("Upload");
    x.Leaf("Key", enc(u->key));
    x.Leaf("UploadId", u->id);
    Initiator(&x);
    x.Leaf("StorageClass", "STANDARD");
    x.Leaf("Initiated", IsoDate(u->initiated_ms));
    x.Close("Upload");
  }
  for (const std::string& cp : prefixes) {
    x.Open("CommonPrefixes");
    x.Leaf("Prefix", enc(cp));
    x.Close("CommonPrefixes");
  }
  x.Close("ListMultipartUploadsResult");
  return Respond(XmlOk(*ctx, x.Finish()));
}

// ---- CompleteMultipartUpload ---------------------------------------------------

namespace {

struct CheckedPart {
  int number = 0;
  std::string md5;       // hex
  std::string checksum;  // base64 of `upload.checksum`, "" when the part has none
};

// Every listed part exists with the named ETag, in ascending order, and is
// large enough; part checksums sent in the XML match the stored ones.
Result<std::vector<CheckedPart>> CheckParts(Bucket& b, const Upload& u,
                                            const std::vector<CompletePart>& parts) {
  std::vector<CheckedPart> out;
  for (size_t i = 1; i < parts.size(); ++i) {
    if (parts[i].number <= parts[i - 1].number) {
      return S3Error(S3Code::kInvalidPartOrder,
                     "The list of parts was not in ascending order. Parts must be ordered by "
                     "part number.");
    }
  }
  for (size_t i = 0; i < parts.size(); ++i) {
    const CompletePart& p = parts[i];
    Result<ObjectMeta> meta = b.uploads->Head(PartKey(u.id, p.number), {});
    if (!meta.ok() || meta->etag != p.etag) {
      return S3Error(S3Code::kInvalidPart,
                     "One or more of the specified parts could not be found. The part may not "
                     "have been uploaded, or the specified entity tag may not match the part's "
                     "entity tag (part " +
                         std::to_string(p.number) + ")");
    }
    if (i + 1 < parts.size() && meta->size < kMinPartSize) {
      return S3Error(S3Code::kEntityTooSmall,
                     "Your proposed upload is smaller than the minimum allowed size: part " +
                         std::to_string(p.number) + " has " + std::to_string(meta->size) +
                         " bytes; every part but the last needs at least 5 MiB");
    }
    CheckedPart c{p.number, meta->etag, ""};
    Result<Object> sum = b.uploads->Get(PartKey(u.id, p.number, 'c'), {});
    if (sum.ok() && u.checksum &&
        sum->data.rfind(std::string(ChecksumName(*u.checksum)) + ":", 0) == 0) {
      c.checksum = sum->data.substr(sum->data.find(':') + 1);
    }
    for (const auto& [name, value] : p.checksums) {
      if (u.checksum && name == "Checksum" + std::string(ChecksumName(*u.checksum)) &&
          !c.checksum.empty() && value != c.checksum) {
        return S3Error(S3Code::kInvalidPart, "The checksum of part " + std::to_string(p.number) +
                                                 " does not match the uploaded part");
      }
    }
    out.push_back(std::move(c));
  }
  return out;
}

// md5 of the parts' binary MD5s, "-N": S3's multipart ETag.
std::string MultipartEtag(const std::vector<CheckedPart>& parts) {
  std::string raw;
  for (const CheckedPart& p : parts) {
    for (size_t i = 0; i + 1 < p.md5.size(); i += 2) {
      raw += static_cast<char>(std::stoi(p.md5.substr(i, 2), nullptr, 16));
    }
  }
  return Md5Hex(raw) + "-" + std::to_string(parts.size());
}

// The composite checksum (checksum of the parts' raw checksums, "-N"), or ""
// when some part has none.
std::string CompositeChecksum(const Upload& u, const std::vector<CheckedPart>& parts) {
  auto c = Checksummer::New(*u.checksum);
  for (const CheckedPart& p : parts) {
    Result<std::string> raw = Base64Decode(p.checksum);
    if (p.checksum.empty() || !raw.ok()) return "";
    c->Update(*raw);
  }
  return Base64Encode(c->FinishRaw()) + "-" + std::to_string(parts.size());
}

struct Assembled {
  PutResult put;
  std::string etag;
  std::string checksum;
};

// Full-object checksum of the parts, in a read-only first pass, so the
// object can be written once with its complete metadata.
Result<std::string> FullChecksum(Bucket& b, const Upload& u,
                                 const std::vector<CheckedPart>& parts) {
  auto sum = Checksummer::New(*u.checksum);
  std::string buf(256 * 1024, '\0');
  for (const CheckedPart& p : parts) {
    ASSIGN_OR_RETURN(std::unique_ptr<ReadStream> in,
                     b.uploads->OpenRead(PartKey(u.id, p.number), {}));
    for (;;) {
      ASSIGN_OR_RETURN(size_t n, in->Read(buf.data(), buf.size()));
      if (n == 0) break;
      sum->Update(std::string_view(buf.data(), n));
    }
  }
  return Base64Encode(sum->FinishRaw());
}

Result<Assembled> Assemble(Bucket& b, const RequestContext& ctx, const Upload& u,
                           const std::vector<CheckedPart>& parts) {
  WriteOptions o;
  o.content_type = u.content_type;
  o.user_metadata = u.metadata;
  RETURN_NOT_OK(ConditionalWrite(b, ctx, &o));
  Assembled out;
  out.etag = MultipartEtag(parts);
  o.user_metadata[std::string(kMetaEtag)] = out.etag;
  o.user_metadata[std::string(kMetaUploadId)] = u.id;
  if (u.checksum) {
    bool full = u.checksum_type == "FULL_OBJECT";
    if (full) {
      ASSIGN_OR_RETURN(out.checksum, FullChecksum(b, u, parts));
      std::string_view sent = ctx.H(ChecksumHeader(*u.checksum));
      if (!sent.empty() && sent != out.checksum) {
        return S3Error(S3Code::kBadDigest, "The " + std::string(ChecksumName(*u.checksum)) +
                                               " you specified did not match the calculated "
                                               "checksum.");
      }
    } else {
      out.checksum = CompositeChecksum(u, parts);
    }
    if (!out.checksum.empty()) {
      o.user_metadata[ChecksumMetaName(*u.checksum)] = out.checksum;
      o.user_metadata[std::string(kMetaChecksumType)] = full ? "FULL_OBJECT" : "COMPOSITE";
    }
  }
  Result<std::unique_ptr<WriteStream>> w = b.objects->OpenWrite(u.key, o);
  if (!w.ok()) return CommitError(w.status());
  for (const CheckedPart& p : parts) {
    ASSIGN_OR_RETURN(std::unique_ptr<ReadStream> in,
                     b.uploads->OpenRead(PartKey(u.id, p.number), {}));
    RETURN_NOT_OK(CopyStream(in.get(), w->get(), nullptr));
  }
  Result<PutResult> put = (*w)->Commit();
  if (!put.ok()) return CommitError(put.status());
  out.put = std::move(*put);
  return out;
}

// completed.json: what a repeat of the Complete is answered with.
struct Completion {
  std::string key;
  int64_t completed_ms = 0;
  std::vector<std::pair<int, std::string>> parts;  // number, ETag (unquoted)
  std::string etag;                                // multipart "<md5>-N"
  std::string checksum_name;                       // "CRC32" ..., "" when none
  std::string checksum;                            // base64 "-N" or full-object
  std::string checksum_type;
};

Json CompletionJson(const Completion& c) {
  Json parts = Json::array();
  for (const auto& [n, etag] : c.parts) parts.push_back(Json::array({n, etag}));
  return {{"key", c.key},
          {"completed", c.completed_ms},
          {"parts", parts},
          {"etag", c.etag},
          {"checksumAlgorithm", c.checksum_name},
          {"checksum", c.checksum},
          {"checksumType", c.checksum_type}};
}

// NotFound when the upload has no completion record.
Result<Completion> LoadCompletion(Bucket& b, const std::string& id) {
  ASSIGN_OR_RETURN(Object obj, b.uploads->Get(id + "/" + kCompletedRecord, {}));
  ASSIGN_OR_RETURN(Json j, ParseJson(obj.data, kCompletedRecord));
  Completion c;
  c.key = j.value("key", "");
  c.completed_ms = j.value("completed", int64_t{0});
  for (const Json& p : j.value("parts", Json::array())) {
    if (!p.is_array() || p.size() != 2 || !p[0].is_number_integer() || !p[1].is_string()) {
      return Status::DataLoss(std::string(kCompletedRecord) + ": malformed parts list");
    }
    c.parts.emplace_back(p[0].get<int>(), p[1].get<std::string>());
  }
  c.etag = j.value("etag", "");
  c.checksum_name = j.value("checksumAlgorithm", "");
  c.checksum = j.value("checksum", "");
  c.checksum_type = j.value("checksumType", "");
  return c;
}

bool SamePartsList(const Completion& c, const std::vector<CompletePart>& parts) {
  if (c.parts.size() != parts.size()) return false;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (c.parts[i].first != parts[i].number || c.parts[i].second != parts[i].etag) return false;
  }
  return true;
}

HttpResponse CompletionResponse(const RequestContext& ctx, const Completion& c) {
  XmlWriter x;
  x.Open("CompleteMultipartUploadResult", true);
  x.Leaf("Location", "/" + ctx.bucket + "/" + c.key);
  x.Leaf("Bucket", ctx.bucket);
  x.Leaf("Key", c.key);
  x.Leaf("ETag", Quoted(c.etag));
  if (!c.checksum_name.empty() && !c.checksum.empty()) {
    x.Leaf("Checksum" + c.checksum_name, c.checksum);
    x.Leaf("ChecksumType", c.checksum_type);
  }
  x.Close("CompleteMultipartUploadResult");
  return XmlOk(ctx, x.Finish());
}

// The object at the upload's key when an earlier attempt of this Complete
// installed it and was cut short before recording that: same upload id and
// ETag. Its stored checksum fills `done`.
bool AlreadyInstalled(Bucket& b, const Upload& u, Assembled* done) {
  Result<ObjectMeta> meta = b.objects->Head(u.key, {});
  if (!meta.ok()) return false;
  auto id = meta->user_metadata.find(std::string(kMetaUploadId));
  if (id == meta->user_metadata.end() || id->second != u.id || S3Etag(*meta) != done->etag) {
    return false;
  }
  if (u.checksum) {
    auto sum = meta->user_metadata.find(ChecksumMetaName(*u.checksum));
    if (sum != meta->user_metadata.end()) done->checksum = sum->second;
  }
  return true;
}

struct CompleteCall {
  Ctx ctx;
  std::shared_ptr<Bucket> bucket;
  std::string id;
  UploadLocks* locks = nullptr;
  Clock* clock = nullptr;
  int64_t retention_ms = 0;
};

// A Complete of an upload that has a completion record.
HttpResponse RepeatCompletion(const CompleteCall& call, const Completion& c,
                              const std::vector<CompletePart>& parts) {
  const bool expired = call.clock->NowMillis() - c.completed_ms >= call.retention_ms;
  if (expired || c.key != call.ctx->key || !SamePartsList(c, parts)) {
    return ErrorFor(*call.ctx, NoSuchUpload(call.id));
  }
  return CompletionResponse(*call.ctx, c);
}

HttpResponse FinishComplete(const CompleteCall& call, const std::vector<CompletePart>& parts) {
  const RequestContext& ctx = *call.ctx;
  Bucket& b = *call.bucket;
  UploadLocks::Guard guard = call.locks->TryLock(ctx.bucket, call.id);
  if (!guard.locked()) return ErrorFor(ctx, UploadBusy());
  Result<Completion> earlier = LoadCompletion(b, call.id);
  if (earlier.ok()) return RepeatCompletion(call, *earlier, parts);
  if (!earlier.status().IsNotFound()) return ErrorFor(ctx, earlier.status());
  Result<Upload> u = LoadUpload(b, call.id, &ctx.key);  // aborted or swept meanwhile?
  if (!u.ok()) return ErrorFor(ctx, u.status());
  Result<std::vector<CheckedPart>> checked = CheckParts(b, *u, parts);
  if (!checked.ok()) return ErrorFor(ctx, checked.status());
  Assembled done;
  done.etag = MultipartEtag(*checked);
  if (!AlreadyInstalled(b, *u, &done)) {
    Result<Assembled> assembled = Assemble(b, ctx, *u, *checked);
    if (!assembled.ok()) return ErrorFor(ctx, assembled.status());
    done = std::move(*assembled);
  }
  Completion c;
  c.key = u->key;
  c.completed_ms = call.clock->NowMillis();
  for (const CompletePart& p : parts) c.parts.emplace_back(p.number, p.etag);
  c.etag = done.etag;
  if (u->checksum && !done.checksum.empty()) {
    c.checksum_name = std::string(ChecksumName(*u->checksum));
    c.checksum = done.checksum;
    c.checksum_type = u->checksum_type;
  }
  // The object is installed: from here a failure still leaves a retry that
  // succeeds (AlreadyInstalled), never a second object.
  Result<PutResult> rec =
      b.uploads->Put(call.id + "/" + kCompletedRecord, CompletionJson(c).dump(), {});
  if (!rec.ok()) return ErrorFor(ctx, rec.status());
  (void)b.uploads->Delete(call.id + "/" + kUploadRecord, {});
  Result<std::vector<ObjectMeta>> keys = b.uploads->ListAll(call.id + "/");
  for (const ObjectMeta& m : keys.ok() ? *keys : std::vector<ObjectMeta>{}) {
    if (m.key != call.id + "/" + kCompletedRecord) (void)b.uploads->Delete(m.key, {});
  }
  return CompletionResponse(ctx, c);
}

}  // namespace

Dispatch CompleteMultipartUpload(ServiceEnv& env, const Ctx& ctx) {
  Result<std::shared_ptr<Bucket>> bucket = BucketOf(env, *ctx);
  if (!bucket.ok()) return Fail(*ctx, bucket.status());
  CompleteCall call{ctx,
                    *bucket,
                    ctx->Q("uploadId"),
                    env.upload_locks,
                    env.clock,
                    env.completed_upload_retention_ms};
  // Before reading the body: the upload, or its completion, exists.
  if (!WellFormedUploadId(call.id)) return Fail(*ctx, NoSuchUpload(call.id));
  Result<Completion> earlier = LoadCompletion(*call.bucket, call.id);
  if (!earlier.ok()) {
    if (!earlier.status().IsNotFound()) return Fail(*ctx, earlier.status());
    Result<Upload> u = LoadUpload(*call.bucket, call.id, &ctx->key);
    if (!u.ok()) return Fail(*ctx, u.status());
  } else if (earlier->key != ctx->key) {
    return Fail(*ctx, NoSuchUpload(call.id));
  }
  return WithSmallBody(ctx, 4 << 20, [call](const std::string& body) {
    Result<std::vector<CompletePart>> parts = ParseCompleteRequest(body);
    if (!parts.ok()) return ErrorFor(*call.ctx, parts.status());
    return FinishComplete(call, *parts);
  });
}

}  // namespace worm::server

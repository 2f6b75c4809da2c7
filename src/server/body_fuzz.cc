#include "server/body_fuzz.h"

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/hash.h"
#include "core/utf8.h"
#include "server/auth.h"
#include "server/aws_chunked.h"
#include "server/s3_xml.h"

namespace worm::server {

namespace {

[[noreturn]] void Broken(const char* who, const std::string& what) {
  std::fprintf(stderr, "%s: invariant broken: %s\n", who, what.c_str());
  std::abort();
}

// A small deterministic generator for split points and chunk sizes.
class Rng {
 public:
  explicit Rng(uint32_t seed) : s_(seed * 2654435761u + 1) {}
  uint32_t Next() {
    s_ ^= s_ << 13;
    s_ ^= s_ >> 17;
    s_ ^= s_ << 5;
    return s_;
  }
  size_t Below(size_t n) { return n == 0 ? 0 : Next() % n; }

 private:
  uint32_t s_;
};

ChunkSigningContext FuzzContext() {
  return {"fuzz-signing-key-of-32-bytes....", "20231114T221320Z",
          "20231114/us-east-1/s3/aws4_request", std::string(64, 'a')};
}

PayloadMode ModeOf(uint8_t flags) {
  switch (flags & 3) {
    case 1:
      return PayloadMode::kStreamingSigned;
    case 2:
      return PayloadMode::kStreamingSignedTrailer;
    default:
      return PayloadMode::kStreamingUnsignedTrailer;
  }
}

struct Decoded {
  std::string out;
  Status feed;    // the first error Feed returned (decoding stops there)
  Status finish;  // Finish() after the last piece, when Feed never failed
  HeaderPairs trailers;
  uint64_t size = 0;
};

// Feeds `body` in pieces: whole when `rng` is null, else of 1 to 2*avg bytes.
Decoded Decode(PayloadMode mode, std::string_view body, Rng* rng) {
  std::optional<ChunkSigningContext> ctx;
  if (mode != PayloadMode::kStreamingUnsignedTrailer) ctx = FuzzContext();
  AwsChunkedDecoder d(mode, ctx);
  Decoded r;
  auto out = [&r](std::string_view s) {
    r.out.append(s);
    return Status::OK();
  };
  size_t avg = rng ? 1 + rng->Below(64) : 0;
  while (!body.empty() && r.feed.ok()) {
    size_t n = rng ? std::min(body.size(), 1 + rng->Below(2 * avg)) : body.size();
    r.feed = d.Feed(body.substr(0, n), out);
    body.remove_prefix(n);
  }
  if (r.feed.ok()) r.finish = d.Finish();
  r.trailers = d.trailers();
  r.size = d.decoded_size();
  return r;
}

void SameDecoding(const Decoded& a, const Decoded& b) {
  if (a.out != b.out) Broken("FuzzAwsChunked", "split feeding decoded other bytes");
  if (a.feed.ToString() != b.feed.ToString()) {
    Broken("FuzzAwsChunked",
           "split feeding: '" + b.feed.ToString() + "', whole: '" + a.feed.ToString() + "'");
  }
  if (a.finish.ToString() != b.finish.ToString()) {
    Broken("FuzzAwsChunked",
           "split Finish: '" + b.finish.ToString() + "', whole: '" + a.finish.ToString() + "'");
  }
  if (a.trailers != b.trailers) Broken("FuzzAwsChunked", "split feeding read other trailers");
  if (a.size != b.size) Broken("FuzzAwsChunked", "split feeding counted another size");
}

// `data` framed as an SDK frames it, chunk sizes from `rng`, signed with
// FuzzContext() in the signed modes, with one checksum trailer in the
// trailer modes.
std::string Frame(PayloadMode mode, std::string_view data, Rng* rng) {
  std::optional<ChunkSigner> signer;
  if (mode != PayloadMode::kStreamingUnsignedTrailer) signer.emplace(FuzzContext());
  std::string body;
  auto chunk = [&](std::string_view d) {
    char hex[20];
    std::snprintf(hex, sizeof(hex), "%zx", d.size());
    body += hex;
    if (signer) body += ";chunk-signature=" + signer->NextChunk(Sha256Hex(d));
    body += "\r\n";
    if (!d.empty()) body.append(d.data(), d.size()).append("\r\n");
  };
  while (!data.empty()) {
    size_t n = std::min(data.size(), 1 + rng->Below(100));
    chunk(data.substr(0, n));
    data.remove_prefix(n);
  }
  chunk("");
  if (mode != PayloadMode::kStreamingSigned) {
    std::string value = "AAAAAA==";
    body += "x-amz-checksum-crc32:" + value + "\r\n";
    if (mode == PayloadMode::kStreamingSignedTrailer) {
      body += "x-amz-trailer-signature:" + signer->Trailer("x-amz-checksum-crc32:" + value + "\n") +
              "\r\n";
    }
  }
  return body + "\r\n";
}

}  // namespace

Status FuzzAwsChunked(const uint8_t* data, size_t size) {
  if (size < 2) return Status::OK();
  PayloadMode mode = ModeOf(data[0]);
  bool build = data[0] & 4;
  Rng rng(data[1]);
  std::string_view rest(reinterpret_cast<const char*>(data) + 2, size - 2);
  std::string framed;
  if (build) {
    framed = Frame(mode, rest, &rng);
    rest = framed;
  }
  Decoded whole = Decode(mode, rest, nullptr);
  for (int i = 0; i < 3; ++i) SameDecoding(whole, Decode(mode, rest, &rng));
  if (build) {
    if (!whole.feed.ok() || !whole.finish.ok()) {
      Broken("FuzzAwsChunked", "a well-framed body was refused: " +
                                   (whole.feed.ok() ? whole.finish : whole.feed).ToString());
    }
    std::string_view original(reinterpret_cast<const char*>(data) + 2, size - 2);
    if (whole.out != original) Broken("FuzzAwsChunked", "a well-framed body decoded wrong");
  }
  return whole.feed.ok() ? whole.finish : whole.feed;
}

namespace {

constexpr char kXmlWho[] = "FuzzS3XmlBodies";

std::string WriteDelete(const DeleteRequest& req) {
  XmlWriter x;
  x.Open("Delete", true);
  if (req.quiet) x.Leaf("Quiet", "true");
  for (const DeleteRequest::Entry& e : req.objects) {
    x.Open("Object");
    x.Leaf("Key", e.key);
    if (!e.version_id.empty()) x.Leaf("VersionId", e.version_id);
    x.Close("Object");
  }
  x.Close("Delete");
  return x.Finish();
}

std::string WriteComplete(const std::vector<CompletePart>& parts) {
  XmlWriter x;
  x.Open("CompleteMultipartUpload", true);
  for (const CompletePart& p : parts) {
    x.Open("Part");
    x.Leaf("PartNumber", static_cast<uint64_t>(p.number));
    x.Leaf("ETag", "\"" + p.etag + "\"");
    for (const auto& [name, value] : p.checksums) x.Leaf(name, value);
    x.Close("Part");
  }
  x.Close("CompleteMultipartUpload");
  return x.Finish();
}

std::string WriteCreateBucket(const std::string& region) {
  XmlWriter x;
  x.Open("CreateBucketConfiguration", true);
  x.Leaf("LocationConstraint", region);
  x.Close("CreateBucketConfiguration");
  return x.Finish();
}

// Whether XmlWriter writes `s` back as itself: UTF-8 of characters XML 1.0
// allows (it replaces the rest).
bool Writable(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = 0;
    size_t n = DecodeUtf8(s, i, &cp);
    if (n == 0 || !IsXmlChar(cp)) return false;
    i += n;
  }
  return true;
}

bool SameDelete(const DeleteRequest& a, const DeleteRequest& b) {
  if (a.quiet != b.quiet || a.objects.size() != b.objects.size()) return false;
  for (size_t i = 0; i < a.objects.size(); ++i) {
    if (a.objects[i].key != b.objects[i].key ||
        a.objects[i].version_id != b.objects[i].version_id) {
      return false;
    }
  }
  return true;
}

bool SameParts(const std::vector<CompletePart>& a, const std::vector<CompletePart>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].number != b[i].number || a[i].etag != b[i].etag || a[i].checksums != b[i].checksums) {
      return false;
    }
  }
  return true;
}

void CheckDelete(const DeleteRequest& req, const std::string& why) {
  if (req.objects.empty() || req.objects.size() > 1000) Broken(kXmlWho, "object count " + why);
  for (const DeleteRequest::Entry& e : req.objects) {
    if (!Writable(e.key)) Broken(kXmlWho, "a key XML cannot hold was accepted");
    if (!Writable(e.version_id)) return;  // written back replaced: not comparable
  }
  Result<DeleteRequest> again = ParseDeleteRequest(WriteDelete(req));
  if (!again.ok()) Broken(kXmlWho, why + ": written back, refused: " + again.status().ToString());
  if (!SameDelete(req, *again)) Broken(kXmlWho, why + ": written back, another DeleteRequest");
}

void CheckComplete(const std::vector<CompletePart>& parts, const std::string& why) {
  for (const CompletePart& p : parts) {
    if (p.number < 0 || p.number > 99999) Broken(kXmlWho, "part number out of range");
    if (!Writable(p.etag)) return;
    for (const auto& [name, value] : p.checksums) {
      if (!Writable(value)) return;
    }
  }
  Result<std::vector<CompletePart>> again = ParseCompleteRequest(WriteComplete(parts));
  if (!again.ok()) Broken(kXmlWho, why + ": written back, refused: " + again.status().ToString());
  if (!SameParts(parts, *again)) Broken(kXmlWho, why + ": written back, other parts");
}

// Values separated by '\x01' (a byte no writable value holds).
std::vector<std::string> Fields(std::string_view s) {
  std::vector<std::string> out;
  for (size_t at = 0;;) {
    size_t sep = s.find('\x01', at);
    out.emplace_back(s.substr(at, sep == std::string_view::npos ? s.npos : sep - at));
    if (sep == std::string_view::npos) return out;
    at = sep + 1;
  }
}

}  // namespace

Status FuzzS3XmlBodies(const uint8_t* data, size_t size) {
  if (size == 0) return Status::OK();
  uint8_t pick = data[0] % 6;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (pick) {
    case 0: {
      ASSIGN_OR_RETURN(DeleteRequest req, ParseDeleteRequest(rest));
      CheckDelete(req, "parsed");
      return Status::OK();
    }
    case 1: {
      ASSIGN_OR_RETURN(std::vector<CompletePart> parts, ParseCompleteRequest(rest));
      if (parts.empty()) Broken(kXmlWho, "a Complete without parts was accepted");
      CheckComplete(parts, "parsed");
      return Status::OK();
    }
    case 2: {
      ASSIGN_OR_RETURN(std::string region, ParseCreateBucketRequest(rest));
      if (!Writable(region)) return Status::OK();
      Result<std::string> again = ParseCreateBucketRequest(WriteCreateBucket(region));
      if (!again.ok() || *again != region) Broken(kXmlWho, "LocationConstraint written back");
      return Status::OK();
    }
    case 3: {  // keys (and version ids after '\x02') to delete
      DeleteRequest req;
      req.quiet = rest.size() % 2;
      for (std::string& f : Fields(rest)) {
        size_t v = f.find('\x02');
        DeleteRequest::Entry e{f.substr(0, v), v == std::string::npos ? "" : f.substr(v + 1)};
        if (!Writable(e.key) || !Writable(e.version_id)) return Status::OK();
        req.objects.push_back(std::move(e));
      }
      if (req.objects.size() > 1000) return Status::OK();
      CheckDelete(req, "written");
      return Status::OK();
    }
    case 4: {  // ETags of parts 1..n
      std::vector<CompletePart> parts;
      for (std::string& f : Fields(rest)) {
        if (!Writable(f)) return Status::OK();
        CompletePart p;
        p.number = static_cast<int>(parts.size() + 1);
        p.etag = std::move(f);
        if (p.number % 3 == 0) p.checksums.emplace_back("ChecksumCRC32", p.etag);
        parts.push_back(std::move(p));
      }
      CheckComplete(parts, "written");
      return Status::OK();
    }
    default: {
      std::string region(rest);
      if (!Writable(region)) return Status::OK();
      Result<std::string> again = ParseCreateBucketRequest(WriteCreateBucket(region));
      if (!again.ok()) Broken(kXmlWho, "a written LocationConstraint was refused");
      if (*again != region) {
        Broken(kXmlWho, "LocationConstraint '" + region + "' read back as '" + *again + "'");
      }
      return Status::OK();
    }
  }
}

}  // namespace worm::server

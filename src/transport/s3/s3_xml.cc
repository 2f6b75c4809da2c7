#include "transport/s3/s3_xml.h"

#include <cstdlib>
#include <ctime>
#include <optional>
#include <pugixml.hpp>

#include "transport/s3/sigv4.h"

namespace worm::s3 {
namespace {

bool Load(std::string_view xml, pugi::xml_document* doc) {
  return doc->load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8);
}

std::string Text(const pugi::xml_node& node, const char* child) {
  return node.child(child).text().as_string();
}

Status Malformed(std::string_view what, std::string_view xml) {
  return Status::InvalidArgument("S3 response: malformed " + std::string(what) + ": " +
                                 std::string(xml.substr(0, 200)));
}

}  // namespace

bool ParseS3Error(std::string_view xml, S3ErrorBody* out) {
  pugi::xml_document doc;
  if (xml.empty() || !Load(xml, &doc)) return false;
  pugi::xml_node err = doc.child("Error");
  if (!err) return false;
  out->code = Text(err, "Code");
  out->message = Text(err, "Message");
  out->request_id = Text(err, "RequestId");
  return true;
}

Result<ListObjectsV2Result> ParseListObjectsV2(std::string_view xml) {
  pugi::xml_document doc;
  if (!Load(xml, &doc)) return Malformed("ListBucketResult", xml);
  pugi::xml_node root = doc.child("ListBucketResult");
  if (!root) return Malformed("ListBucketResult", xml);
  bool url = Text(root, "EncodingType") == "url";
  auto decode = [url](std::string s) { return url ? UriDecode(s) : s; };
  ListObjectsV2Result r;
  r.is_truncated = Text(root, "IsTruncated") == "true";
  r.next_continuation_token = Text(root, "NextContinuationToken");
  for (pugi::xml_node c : root.children("Contents")) {
    ObjectMeta m;
    m.key = decode(Text(c, "Key"));
    m.size = std::strtoull(c.child("Size").text().as_string("0"), nullptr, 10);
    m.etag = StripEtagQuotes(Text(c, "ETag"));
    auto lm = ParseIso8601Millis(Text(c, "LastModified"));
    if (lm.ok()) m.last_modified_ms = *lm;
    r.objects.push_back(std::move(m));
  }
  for (pugi::xml_node p : root.children("CommonPrefixes")) {
    r.common_prefixes.push_back(decode(Text(p, "Prefix")));
  }
  return r;
}

Result<std::string> ParseInitiateMultipartUpload(std::string_view xml) {
  pugi::xml_document doc;
  if (!Load(xml, &doc)) return Malformed("InitiateMultipartUploadResult", xml);
  std::string id = Text(doc.child("InitiateMultipartUploadResult"), "UploadId");
  if (id.empty()) return Malformed("InitiateMultipartUploadResult", xml);
  return id;
}

Result<std::string> ParseResultEtag(std::string_view xml, std::string_view root) {
  pugi::xml_document doc;
  std::string root_name(root);
  if (!Load(xml, &doc) || !doc.child(root_name.c_str())) return Malformed(root, xml);
  return StripEtagQuotes(Text(doc.child(root_name.c_str()), "ETag"));
}

std::string BuildCompleteMultipartUpload(const std::vector<std::string>& part_etags) {
  std::string out = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
  for (size_t i = 0; i < part_etags.size(); ++i) {
    out += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>\"" + part_etags[i] +
           "\"</ETag></Part>";
  }
  out += "</CompleteMultipartUpload>";
  return out;
}

std::string StripEtagQuotes(std::string_view etag) {
  if (etag.substr(0, 2) == "W/") etag.remove_prefix(2);
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return std::string(etag);
}

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
// days_from_civil).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// "YYYY-MM-DDTHH:MM:SS.sssZ", as every listing sends it, without strptime
// (a listing parses one per key); nullopt for any other shape.
std::optional<int64_t> ParseCanonicalIso8601Millis(std::string_view s) {
  if (s.size() != 24 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
      s[16] != ':' || s[19] != '.' || s[23] != 'Z') {
    return std::nullopt;
  }
  auto num = [&](size_t at, size_t n, int64_t lo, int64_t hi) -> std::optional<int64_t> {
    int64_t v = 0;
    for (size_t i = at; i < at + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
      v = v * 10 + (s[i] - '0');
    }
    if (v < lo || v > hi) return std::nullopt;
    return v;
  };
  auto y = num(0, 4, 0, 9999), mo = num(5, 2, 1, 12), d = num(8, 2, 1, 31), h = num(11, 2, 0, 23),
       mi = num(14, 2, 0, 59), se = num(17, 2, 0, 60), ms = num(20, 3, 0, 999);
  if (!y || !mo || !d || !h || !mi || !se || !ms) return std::nullopt;
  return ((DaysFromCivil(*y, *mo, *d) * 24 + *h) * 60 + *mi) * 60000 + *se * 1000 + *ms;
}

}  // namespace

Result<int64_t> ParseIso8601Millis(std::string_view s) {
  if (std::optional<int64_t> ms = ParseCanonicalIso8601Millis(s)) return *ms;
  std::tm tm{};
  std::string str(s);
  const char* rest = strptime(str.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (rest == nullptr) return Status::InvalidArgument("bad ISO 8601 time '" + str + "'");
  int64_t ms = 0;
  if (*rest == '.') {
    int digits = 0;
    for (++rest; *rest >= '0' && *rest <= '9'; ++rest, ++digits) {
      if (digits < 3) ms = ms * 10 + (*rest - '0');
    }
    for (; digits < 3; ++digits) ms *= 10;
  }
  return static_cast<int64_t>(timegm(&tm)) * 1000 + ms;
}

Result<int64_t> ParseHttpDateMillis(std::string_view s) {
  std::tm tm{};
  std::string str(s);
  if (strptime(str.c_str(), "%a, %d %b %Y %H:%M:%S", &tm) == nullptr) {
    return Status::InvalidArgument("bad HTTP date '" + str + "'");
  }
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

}  // namespace worm::s3

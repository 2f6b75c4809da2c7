// S3 XML: a small streaming writer for response documents and parsers (via
// pugixml) for the request documents the server accepts: DeleteObjects and
// CompleteMultipartUpload. Parsers refuse malformed input with MalformedXML.
//
// Thread-safety: an XmlWriter is used by one thread; parsers are pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "worm/result.h"

namespace worm::server {

inline constexpr std::string_view kS3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";

// Escapes &, <, >, " and ' (and control characters as numeric references, as
// S3 does); bytes that are not UTF-8 become U+FFFD, so the output is always
// UTF-8. See AppendEscaped in s3_xml.cc for what XML 1.0 makes of controls.
std::string XmlEscape(std::string_view text);

// True for the characters XML 1.0 allows in a document (Char production):
// tab, LF, CR, U+0020 and above but U+FFFE and U+FFFF.
bool IsXmlChar(uint32_t cp);
// `text` with every character XML 1.0 does not allow, and every byte that is
// not UTF-8, replaced by U+FFFD: for error messages, which must parse
// wherever they come from (a message may quote a key).
std::string XmlSafeText(std::string_view text);

class XmlWriter {
 public:
  XmlWriter() { out_ = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"; }
  // Room for `bytes` of output, so a large listing is written without regrowth.
  void Reserve(size_t bytes) { out_.reserve(bytes); }
  // <name> or <name xmlns="..."> when `with_namespace`.
  void Open(std::string_view name, bool with_namespace = false);
  void Close(std::string_view name);
  // <name>escaped text</name>
  void Leaf(std::string_view name, std::string_view text);
  void Leaf(std::string_view name, uint64_t value);
  void Bool(std::string_view name, bool value) { Leaf(name, value ? "true" : "false"); }
  // <name>text percent-encoded as for encoding-type=url, slashes kept</name>.
  void UriLeaf(std::string_view name, std::string_view text);
  // <name>"text"</name>, quotes escaped: how S3 writes an ETag.
  void QuotedLeaf(std::string_view name, std::string_view text);
  // <name>AppendTimestamp(unix_ms)</name>
  void DateLeaf(std::string_view name, int64_t unix_ms);
  // Escaped character data inside the element opened last.
  void Text(std::string_view text);
  // Markup written as is (an element with attributes: <Grantee xsi:type=...>).
  void Raw(std::string_view markup) { out_ += markup; }
  // One object of a listing without its owner: <Contents> with Key (percent-
  // encoded when `url`), LastModified, ETag (quoted), Size and StorageClass.
  // The same bytes as writing each leaf, written in one pass (a listing
  // writes up to 1,000 per response).
  void ListedObject(std::string_view key, bool url, int64_t last_modified_ms, std::string_view etag,
                    uint64_t size);
  std::string Finish() { return std::move(out_); }

 private:
  // The ListedObject leaf by leaf; also for values its one pass does not take.
  void ListedObjectByLeaves(std::string_view key, bool url, int64_t last_modified_ms,
                            std::string_view etag, uint64_t size);

  std::string out_;
  // "YYYY-MM-DDT" of the day `date_day_` (days since 1970): objects of a
  // listing mostly share a few days.
  int64_t date_day_ = INT64_MIN;
  char date_[11] = {};
};

struct DeleteRequest {
  struct Entry {
    std::string key;
    std::string version_id;
  };
  std::vector<Entry> objects;
  bool quiet = false;
};
// <Delete><Quiet>true</Quiet><Object><Key>k</Key></Object>...</Delete>.
// MalformedXML for bad XML, no objects or more than 1000, and (as S3) for a
// key holding a character XML 1.0 does not allow, even as a reference.
Result<DeleteRequest> ParseDeleteRequest(std::string_view xml);

struct CompletePart {
  int number = 0;
  std::string etag;                                            // quotes stripped
  std::vector<std::pair<std::string, std::string>> checksums;  // "ChecksumCRC32" -> b64
};
// <CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"x"</ETag></Part>...
// MalformedXML for bad XML or no parts.
Result<std::vector<CompletePart>> ParseCompleteRequest(std::string_view xml);

// <CreateBucketConfiguration><LocationConstraint>r</LocationConstraint>...: the region,
// "" when absent. MalformedXML when not XML.
Result<std::string> ParseCreateBucketRequest(std::string_view xml);

}  // namespace worm::server

#include "server/s3_xml.h"

#include <array>
#include <charconv>
#include <cstring>
#include <pugixml.hpp>

#include "core/utf8.h"
#include "server/s3_errors.h"
#include "transport/s3/sigv4.h"
#include "worm/clock.h"

namespace worm::server {

namespace {

// What AppendEscaped does with each byte: 0 copies it, 1 writes a reference
// (& < > " ' and control characters but tab), 2 starts a multi-byte sequence
// that must be checked (an XML document must be well-formed UTF-8).
constexpr std::array<uint8_t, 256> kByteClass = [] {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = c != '\t';
  for (unsigned char c : std::string_view("&<>\"'")) t[c] = 1;
  for (int c = 0x80; c < 0x100; ++c) t[c] = 2;
  return t;
}();

// U+FFFD REPLACEMENT CHARACTER, written for each byte that is not UTF-8.
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

// Appends `text` escaped to `out`: listings escape every key, so no
// temporary string per value, and runs of plain bytes (valid UTF-8
// sequences included) go in one append.
//
// Control characters, \r and \n included, become numeric references, as S3
// writes them: lossless, but XML 1.0 admits only tab, \n and \r among them
// (also as references), so a strict parser refuses such a key unless the
// client asked for encoding-type=url. Bytes that are not UTF-8 (only files
// put in a served folder by other tools have such names: the server refuses
// them at every write) become U+FFFD, so the document stays well-formed.
void AppendEscaped(std::string* out, std::string_view text) {
  size_t run = 0;
  for (size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    const uint8_t cls = kByteClass[c];
    if (cls == 0) {
      ++i;
      continue;
    }
    if (cls == 2) {
      uint32_t cp = 0;
      size_t n = DecodeUtf8(text, i, &cp);
      if (n != 0 && cp != 0xFFFE && cp != 0xFFFF) {
        i += n;
        continue;
      }
      out->append(text.data() + run, i - run);
      if (n == 0) {
        out->append(kReplacement);
        i += 1;
      } else {
        *out += "&#" + std::to_string(cp) + ";";  // a noncharacter: as a control
        i += n;
      }
      run = i;
      continue;
    }
    out->append(text.data() + run, i - run);
    run = ++i;
    switch (c) {
      case '&':
        *out += "&amp;";
        break;
      case '<':
        *out += "&lt;";
        break;
      case '>':
        *out += "&gt;";
        break;
      case '"':
        *out += "&quot;";
        break;
      case '\'':
        *out += "&apos;";
        break;
      default:
        *out += "&#" + std::to_string(static_cast<int>(c)) + ";";
    }
  }
  out->append(text.data() + run, text.size() - run);
}

}  // namespace

bool IsXmlChar(uint32_t cp) {
  if (cp < 0x20) return cp == '\t' || cp == '\n' || cp == '\r';
  return cp != 0xFFFE && cp != 0xFFFF;  // (UTF-8 holds no surrogates)
}

std::string XmlSafeText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    uint32_t cp = 0;
    size_t n = DecodeUtf8(text, i, &cp);
    if (n == 0 || !IsXmlChar(cp)) {
      out.append(kReplacement);
      i += n == 0 ? 1 : n;
      continue;
    }
    out.append(text.substr(i, n));
    i += n;
  }
  return out;
}

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  AppendEscaped(&out, text);
  return out;
}

void XmlWriter::Open(std::string_view name, bool with_namespace) {
  out_ += '<';
  out_ += name;
  if (with_namespace) {
    out_ += " xmlns=\"";
    out_ += kS3Namespace;
    out_ += '"';
  }
  out_ += '>';
}

void XmlWriter::Close(std::string_view name) {
  out_ += "</";
  out_ += name;
  out_ += '>';
}

void XmlWriter::Leaf(std::string_view name, std::string_view text) {
  Open(name);
  AppendEscaped(&out_, text);
  Close(name);
}

void XmlWriter::Leaf(std::string_view name, uint64_t value) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
  Open(name);
  out_.append(buf, end);
  Close(name);
}

void XmlWriter::UriLeaf(std::string_view name, std::string_view text) {
  Open(name);
  // Percent-encoded text is unreserved bytes, '/' and %XX: nothing to escape.
  s3::AppendUriEncoded(&out_, text, /*keep_slash=*/true);
  Close(name);
}

void XmlWriter::QuotedLeaf(std::string_view name, std::string_view text) {
  Open(name);
  out_ += "&quot;";
  AppendEscaped(&out_, text);
  out_ += "&quot;";
  Close(name);
}

void XmlWriter::DateLeaf(std::string_view name, int64_t unix_ms) {
  Open(name);
  AppendTimestamp(&out_, unix_ms);
  Close(name);
}

void XmlWriter::Text(std::string_view text) { AppendEscaped(&out_, text); }

void XmlWriter::ListedObjectByLeaves(std::string_view key, bool url, int64_t last_modified_ms,
                                     std::string_view etag, uint64_t size) {
  Open("Contents");
  if (url) {
    UriLeaf("Key", key);
  } else {
    Leaf("Key", key);
  }
  DateLeaf("LastModified", last_modified_ms);
  QuotedLeaf("ETag", etag);
  Leaf("Size", size);
  Leaf("StorageClass", "STANDARD");
  Close("Contents");
}

namespace {

char* Put(char* p, std::string_view s) {
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

// Two decimal digits of v < 100.
char* Put2(char* p, int64_t v) {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
  return p + 2;
}

// True when AppendEscaped would write `text` other than as is.
bool NeedsEscape(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const uint8_t cls = kByteClass[static_cast<unsigned char>(text[i])];
    if (cls == 0) {
      ++i;
      continue;
    }
    if (cls == 1) return true;
    uint32_t cp = 0;
    size_t n = DecodeUtf8(text, i, &cp);
    if (n == 0 || cp == 0xFFFE || cp == 0xFFFF) return true;
    i += n;
  }
  return false;
}

}  // namespace

void XmlWriter::ListedObject(std::string_view key, bool url, int64_t last_modified_ms,
                             std::string_view etag, uint64_t size) {
  constexpr int64_t kDayMs = 86'400'000;
  int64_t day = last_modified_ms / kDayMs, ms = last_modified_ms % kDayMs;
  if (ms < 0) {
    ms += kDayMs;
    day -= 1;
  }
  if (day != date_day_) {
    std::string stamp = FormatTimestamp(day * kDayMs);
    if (stamp.size() != 24) {  // a year outside 0..9999: not the fixed shape
      ListedObjectByLeaves(key, url, last_modified_ms, etag, size);
      return;
    }
    std::memcpy(date_, stamp.data(), sizeof(date_));
    date_day_ = day;
  }
  // Markup and fixed-width fields, plus the key (3 bytes per byte when
  // percent-encoded) and the ETag, which must need no escaping.
  constexpr size_t kFixed = 256;
  char buf[4096];
  if (kFixed + 3 * key.size() + etag.size() > sizeof(buf) || NeedsEscape(etag) ||
      (!url && NeedsEscape(key))) {
    ListedObjectByLeaves(key, url, last_modified_ms, etag, size);
    return;
  }
  char* p = Put(buf, "<Contents><Key>");
  p = url ? s3::WriteUriEncoded(p, key, /*keep_slash=*/true) : Put(p, key);
  p = Put(p, "</Key><LastModified>");
  p = Put(p, std::string_view(date_, sizeof(date_)));
  p = Put2(p, ms / 3'600'000);
  *p++ = ':';
  p = Put2(p, ms / 60'000 % 60);
  *p++ = ':';
  p = Put2(p, ms / 1000 % 60);
  *p++ = '.';
  *p++ = static_cast<char>('0' + ms % 1000 / 100);
  p = Put2(p, ms % 100);
  p = Put(p, "Z</LastModified><ETag>&quot;");
  p = Put(p, etag);
  p = Put(p, "&quot;</ETag><Size>");
  p = std::to_chars(p, buf + sizeof(buf), size).ptr;
  p = Put(p, "</Size><StorageClass>STANDARD</StorageClass></Contents>");
  out_.append(buf, static_cast<size_t>(p - buf));
}

namespace {

Status Malformed(std::string_view why) {
  return S3Error(S3Code::kMalformedXML,
                 "The XML you provided was not well-formed or did not validate against our "
                 "published schema: " +
                     std::string(why));
}

Result<pugi::xml_node> ParseRoot(pugi::xml_document* doc, std::string_view xml,
                                 std::string_view root) {
  // The documents declare (or default to) UTF-8, which pugixml does not check;
  // nor does it refuse characters XML 1.0 does not allow (as S3 does).
  if (!IsValidUtf8(xml)) return Malformed("the document is not valid UTF-8");
  for (char c : xml) {
    if (!IsXmlChar(static_cast<unsigned char>(c))) {
      return Malformed("control character " + std::to_string(static_cast<int>(c)) +
                       " is not allowed in XML 1.0");
    }
  }
  // parse_ws_pcdata_single: an element holding only whitespace keeps it (a
  // key " " is a key, not ""); pugixml drops such text by default.
  pugi::xml_parse_result r =
      doc->load_buffer(xml.data(), xml.size(), pugi::parse_default | pugi::parse_ws_pcdata_single,
                       pugi::encoding_utf8);
  if (!r) return Malformed(r.description());
  pugi::xml_node node = doc->document_element();
  if (std::string_view(node.name()) != root) {
    return Malformed("expected <" + std::string(root) + ">");
  }
  return node;
}

std::string StripQuotes(std::string s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') return s.substr(1, s.size() - 2);
  return s;
}

}  // namespace

Result<DeleteRequest> ParseDeleteRequest(std::string_view xml) {
  pugi::xml_document doc;
  ASSIGN_OR_RETURN(pugi::xml_node root, ParseRoot(&doc, xml, "Delete"));
  DeleteRequest req;
  std::string quiet = root.child("Quiet").text().as_string();
  req.quiet = quiet == "true" || quiet == "True";
  for (pugi::xml_node obj : root.children("Object")) {
    pugi::xml_node key = obj.child("Key");
    if (!key) return Malformed("<Object> without <Key>");
    std::string name = key.text().as_string();
    for (size_t i = 0; i < name.size();) {
      uint32_t cp = 0;
      size_t n = DecodeUtf8(name, i, &cp);
      if (n == 0 || !IsXmlChar(cp)) {
        // &#1; and the like: XML 1.0 cannot hold such a key at all.
        return Malformed("a <Key> holds a character XML 1.0 does not allow (U+" +
                         std::to_string(cp) + "); delete such keys with DeleteObject");
      }
      i += n;
    }
    req.objects.push_back({std::move(name), obj.child("VersionId").text().as_string()});
  }
  if (req.objects.empty()) return Malformed("no <Object> to delete");
  if (req.objects.size() > 1000) return Malformed("more than 1000 objects");
  return req;
}

Result<std::vector<CompletePart>> ParseCompleteRequest(std::string_view xml) {
  pugi::xml_document doc;
  ASSIGN_OR_RETURN(pugi::xml_node root, ParseRoot(&doc, xml, "CompleteMultipartUpload"));
  std::vector<CompletePart> parts;
  for (pugi::xml_node p : root.children("Part")) {
    CompletePart part;
    std::string num = p.child("PartNumber").text().as_string();
    if (num.empty() || num.find_first_not_of("0123456789") != std::string::npos || num.size() > 5) {
      return Malformed("bad <PartNumber>");
    }
    part.number = std::stoi(num);
    part.etag = StripQuotes(p.child("ETag").text().as_string());
    for (pugi::xml_node c : p.children()) {
      std::string_view name = c.name();
      if (name.rfind("Checksum", 0) == 0) part.checksums.emplace_back(name, c.text().as_string());
    }
    parts.push_back(std::move(part));
  }
  if (parts.empty()) return Malformed("no <Part> in the upload");
  return parts;
}

Result<std::string> ParseCreateBucketRequest(std::string_view xml) {
  if (xml.find_first_not_of(" \t\r\n") == std::string_view::npos) return std::string();
  pugi::xml_document doc;
  ASSIGN_OR_RETURN(pugi::xml_node root, ParseRoot(&doc, xml, "CreateBucketConfiguration"));
  return std::string(root.child("LocationConstraint").text().as_string());
}

}  // namespace worm::server

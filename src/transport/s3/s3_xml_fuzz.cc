#include "transport/s3/s3_xml_fuzz.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <pugixml.hpp>
#include <string>
#include <string_view>

#include "transport/s3/s3_xml.h"
#include "transport/s3/sigv4.h"

namespace worm::s3 {

namespace {

[[noreturn]] void Broken(const std::string& what) {
  std::fprintf(stderr, "FuzzListObjectsV2: %s\n", what.c_str());
  std::abort();
}

// All character data directly inside `node` (pcdata and CDATA, in order).
std::string AllText(const pugi::xml_node& node) {
  std::string out;
  for (pugi::xml_node c : node.children()) {
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) out += c.value();
  }
  return out;
}

// ListReader's reading of a Size: leading XML space skipped, digits up to
// the first non-digit, 0 when there are none or they overflow.
uint64_t SizeOf(std::string_view text) {
  while (!text.empty() && (text[0] == ' ' || text[0] == '\t' || text[0] == '\n' || text[0] == '\r'))
    text.remove_prefix(1);
  uint64_t v = 0;
  std::from_chars(text.data(), text.data() + text.size(), v);
  return v;
}

// More than one `name` child: which one counts is a choice, not compared.
bool Repeated(const pugi::xml_node& node, const char* name) {
  pugi::xml_node first = node.child(name);
  return first && first.next_sibling(name);
}

int Depth(const pugi::xml_node& node) {
  int deepest = 0;
  for (pugi::xml_node c : node.children()) {
    if (c.type() == pugi::node_element) deepest = std::max(deepest, 1 + Depth(c));
  }
  return deepest;
}

enum class Ref { kOk, kSkip };

// The reference parse; kSkip when the document is one whose reading is a
// choice the two readers may make differently (repeated fields).
Result<Ref> Reference(const pugi::xml_document& doc, ListObjectsV2Result* r) {
  pugi::xml_node root;
  for (pugi::xml_node c : doc.children()) {
    if (c.type() == pugi::node_element) {
      if (root) return Status::InvalidArgument("two root elements");
      root = c;
    } else if (c.type() == pugi::node_pcdata &&
               std::string_view(c.value()).find_first_not_of(" \t\r\n") != std::string::npos) {
      return Status::InvalidArgument("text outside the root");
    }
  }
  if (!root || std::string_view(root.name()) != "ListBucketResult") {
    return Status::InvalidArgument("not a ListBucketResult");
  }
  for (const char* name : {"IsTruncated", "NextContinuationToken", "EncodingType"}) {
    if (Repeated(root, name)) return Ref::kSkip;
  }
  bool url = AllText(root.child("EncodingType")) == "url";
  r->is_truncated = AllText(root.child("IsTruncated")) == "true";
  r->next_continuation_token = AllText(root.child("NextContinuationToken"));
  for (pugi::xml_node c : root.children("Contents")) {
    for (const char* name : {"Key", "ETag", "Size", "LastModified"}) {
      if (Repeated(c, name)) return Ref::kSkip;
    }
    ObjectMeta m;
    m.key = AllText(c.child("Key"));
    if (url) m.key = UriDecode(m.key);
    m.etag = StripEtagQuotes(AllText(c.child("ETag")));
    m.size = SizeOf(AllText(c.child("Size")));
    Result<int64_t> lm = ParseIso8601Millis(AllText(c.child("LastModified")));
    if (lm.ok()) m.last_modified_ms = *lm;
    r->objects.push_back(std::move(m));
  }
  for (pugi::xml_node p : root.children("CommonPrefixes")) {
    for (pugi::xml_node prefix : p.children("Prefix")) {
      std::string text = AllText(prefix);
      r->common_prefixes.push_back(url ? UriDecode(text) : text);
    }
  }
  return Ref::kOk;
}

// What the reader refuses on purpose that pugixml takes: text outside the
// root, a DTD, a NUL, a
// character reference (the reader checks its code point), an '&' without a
// ';' before the next markup.
bool RefusedOnPurpose(std::string_view xml) {
  // Text outside the root element, which pugixml drops silently.
  if (xml.substr(0, 3) == "\xEF\xBB\xBF") xml.remove_prefix(3);
  size_t first = xml.find_first_not_of(" \t\r\n");
  size_t last = xml.find_last_not_of(" \t\r\n");
  if (first == std::string_view::npos || xml[first] != '<' || xml[last] != '>') return true;
  // Text between the prolog's declaration, comments and PIs and the root.
  std::string_view prolog = xml.substr(0, xml.find("<ListBucketResult"));
  for (size_t at = 0; at < prolog.size();) {
    if (prolog.compare(at, 2, "<?") == 0 || prolog.compare(at, 4, "<!--") == 0) {
      // The close is searched after the opener ("<!-->" opens, not closes).
      std::string_view open = prolog[at + 1] == '?' ? "<?" : "<!--";
      std::string_view close = prolog[at + 1] == '?' ? "?>" : "-->";
      size_t end = prolog.find(close, at + open.size());
      if (end == std::string_view::npos) return true;
      at = end + close.size();
    } else if (prolog[at] == ' ' || prolog[at] == '\t' || prolog[at] == '\r' ||
               prolog[at] == '\n') {
      ++at;
    } else {
      return true;
    }
  }
  // Anything after the root's end is text outside it. Without an end tag the
  // root closes itself, at the first '>' of its start tag outside quotes.
  size_t end = xml.rfind("</ListBucketResult");
  if (end == std::string_view::npos) {
    size_t at = xml.find("<ListBucketResult");
    if (at == std::string_view::npos) return true;
    char quote = 0;
    for (; at < xml.size(); ++at) {
      if (quote) {
        if (xml[at] == quote) quote = 0;
      } else if (xml[at] == '"' || xml[at] == '\'') {
        quote = xml[at];
      } else if (xml[at] == '>') {
        break;
      }
    }
    if (at != last || xml[last - 1] != '/') return true;
  } else if (xml.find('>', end) != last) {
    return true;
  }
  if (xml.find("<!DOCTYPE") != std::string_view::npos) return true;
  // A processing instruction inside the root: legal XML the reader refuses
  // (S3 never sends one; pugixml keeps the text around it).
  if (size_t root = xml.find("<ListBucketResult");
      root != std::string_view::npos && xml.find("<?", root) != std::string_view::npos) {
    return true;
  }
  if (xml.find('\0') != std::string_view::npos) return true;
  if (xml.find("&#") != std::string_view::npos) return true;
  for (size_t amp = xml.find('&'); amp != std::string_view::npos; amp = xml.find('&', amp + 1)) {
    size_t semi = xml.find(';', amp);
    if (semi == std::string_view::npos || xml.find('<', amp) < semi) return true;
  }
  return false;
}

// An '&' that does not start "&name;" or "&#digits;": the two readers
// recover from such text differently (neither is wrong; S3 never sends it).
bool MalformedReference(std::string_view xml) {
  for (size_t amp = xml.find('&'); amp != std::string_view::npos; amp = xml.find('&', amp + 1)) {
    size_t i = amp + 1;
    while (i < xml.size() && (std::isalnum(static_cast<unsigned char>(xml[i])) || xml[i] == '#'))
      ++i;
    if (i == amp + 1 || i >= xml.size() || xml[i] != ';') return true;
  }
  return false;
}

std::string Describe(const ObjectMeta& m) {
  return "{key '" + m.key + "', etag '" + m.etag + "', size " + std::to_string(m.size) +
         ", modified " + std::to_string(m.last_modified_ms) + "}";
}

void Compare(const ListObjectsV2Result& fast, const ListObjectsV2Result& ref) {
  if (fast.objects.size() != ref.objects.size()) {
    Broken("reader has " + std::to_string(fast.objects.size()) + " objects, reference " +
           std::to_string(ref.objects.size()));
  }
  for (size_t i = 0; i < fast.objects.size(); ++i) {
    const ObjectMeta& a = fast.objects[i];
    const ObjectMeta& b = ref.objects[i];
    if (a.key != b.key || a.etag != b.etag || a.size != b.size ||
        a.last_modified_ms != b.last_modified_ms) {
      Broken("object " + std::to_string(i) + ": reader " + Describe(a) + ", reference " +
             Describe(b));
    }
  }
  if (fast.common_prefixes != ref.common_prefixes) Broken("common prefixes differ");
  if (fast.is_truncated != ref.is_truncated) Broken("IsTruncated differs");
  if (fast.next_continuation_token != ref.next_continuation_token) {
    Broken("NextContinuationToken: reader '" + fast.next_continuation_token + "', reference '" +
           ref.next_continuation_token + "'");
  }
}

}  // namespace

Status FuzzListObjectsV2(const uint8_t* data, size_t size) {
  std::string_view xml(reinterpret_cast<const char*>(data), size);
  Result<ListObjectsV2Result> fast = ParseListObjectsV2(xml);
  pugi::xml_document doc;
  pugi::xml_parse_result loaded = doc.load_buffer(
      xml.data(), xml.size(), pugi::parse_default | pugi::parse_ws_pcdata, pugi::encoding_utf8);
  if (!loaded) return fast.status();
  ListObjectsV2Result ref;
  Result<Ref> r = Reference(doc, &ref);
  if (!r.ok() || *r == Ref::kSkip) return fast.status();
  if (!fast.ok()) {
    if (RefusedOnPurpose(xml) || Depth(doc) > 60) return fast.status();
    Broken("the reader refused a listing pugixml reads: " + fast.status().ToString());
  }
  if (MalformedReference(xml)) return fast.status();
  Compare(*fast, ref);
  return Status::OK();
}

}  // namespace worm::s3

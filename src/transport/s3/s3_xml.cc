#include "transport/s3/s3_xml.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <optional>
#include <pugixml.hpp>

#include "core/utf8.h"
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

// "YYYY-MM-DDTHH:MM:SS.sssZ", as every listing sends it, parsed without
// strptime (a listing parses one per key), in two parts so that a listing
// parses each day once (ListReader::LastModified).
bool IsCanonicalIso8601(std::string_view s) {
  return s.size() == 24 && s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':' &&
         s[16] == ':' && s[19] == '.' && s[23] == 'Z';
}

// The digits at s[at, at + n); `bad` gets a bit for any non-digit (one check
// for all fields: an early return per field costs more than the parse).
int64_t Digits(std::string_view s, size_t at, size_t n, unsigned* bad) {
  int64_t v = 0;
  for (size_t i = at; i < at + n; ++i) {
    unsigned digit = static_cast<unsigned char>(s[i]) - unsigned{'0'};
    *bad |= digit > 9;
    v = v * 10 + digit;
  }
  return v;
}

// Days since 1970 of a canonical timestamp's date.
std::optional<int64_t> CanonicalDay(std::string_view s) {
  unsigned bad = 0;
  const int64_t y = Digits(s, 0, 4, &bad), mo = Digits(s, 5, 2, &bad), d = Digits(s, 8, 2, &bad);
  if (bad != 0 || mo < 1 || mo > 12 || d < 1 || d > 31) return std::nullopt;
  return DaysFromCivil(y, mo, d);
}

// Milliseconds since midnight of a canonical timestamp's time.
std::optional<int64_t> CanonicalMillisOfDay(std::string_view s) {
  unsigned bad = 0;
  const int64_t h = Digits(s, 11, 2, &bad), mi = Digits(s, 14, 2, &bad),
                se = Digits(s, 17, 2, &bad), ms = Digits(s, 20, 3, &bad);
  if (bad != 0 || h > 23 || mi > 59 || se > 60) return std::nullopt;
  return (h * 60 + mi) * 60000 + se * 1000 + ms;
}

std::optional<int64_t> ParseCanonicalIso8601Millis(std::string_view s) {
  if (!IsCanonicalIso8601(s)) return std::nullopt;
  std::optional<int64_t> day = CanonicalDay(s), ms = CanonicalMillisOfDay(s);
  if (!day || !ms) return std::nullopt;
  return *day * 86'400'000 + *ms;
}

// A single-pass reader for ListBucketResult: no DOM and no string per
// element, only the strings the result keeps (a listing page is ~1,000 keys
// and one is parsed per 1,000 keys a query visits). It checks that the
// document is well formed as far as a listing needs (balanced tags, closed
// markup) and refuses DTDs.
class ListReader {
 public:
  explicit ListReader(std::string_view xml) : s_(xml) {}

  bool Parse(ListObjectsV2Result* r) {
    if (s_.substr(0, 3) == "\xEF\xBB\xBF") i_ = 3;  // UTF-8 byte order mark
    std::string_view root;
    bool empty = false;
    if (!SkipMisc() || !StartTag(&root, &empty) || root != "ListBucketResult") return false;
    if (!empty) {
      std::string_view child;
      while (NextChild(&child, &empty)) {
        if (empty) {
          // <Contents/> is <Contents></Contents>: an object, as a DOM reads it.
          if (child == "Contents") r->objects.emplace_back();
          continue;
        }
        bool ok = true;
        if (child == "Contents") {
          ok = ReadContents(r);
        } else if (child == "CommonPrefixes") {
          ok = ReadPrefixes(r);
        } else if (child == "IsTruncated") {
          ok = ReadText(child, &scratch_);
          r->is_truncated = scratch_ == "true";
        } else if (child == "NextContinuationToken") {
          ok = ReadText(child, &r->next_continuation_token);
        } else if (child == "EncodingType") {
          ok = ReadText(child, &scratch_);
          url_ = scratch_ == "url";
        } else if (child == "KeyCount") {
          ok = ReadText(child, &scratch_);
          r->objects.reserve(std::min<uint64_t>(ParseUint(scratch_), 1000));
        } else {
          ok = SkipContent(child);
        }
        if (!ok) return false;
      }
      if (failed_ || !EndTag(root)) return false;
    }
    if (!SkipMisc() || i_ != s_.size()) return false;
    if (url_) {  // after the whole document: EncodingType may come last
      for (ObjectMeta& m : r->objects) UriDecodeInPlace(&m.key);
      for (std::string& p : r->common_prefixes) UriDecodeInPlace(&p);
    }
    return true;
  }

 private:
  static bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

  static uint64_t ParseUint(std::string_view text) {
    while (!text.empty() && IsSpace(text.front())) text.remove_prefix(1);
    uint64_t v = 0;
    std::from_chars(text.data(), text.data() + text.size(), v);
    return v;
  }

  bool Skip(std::string_view open, std::string_view close) {
    if (s_.compare(i_, open.size(), open) != 0) return false;
    size_t end = s_.find(close, i_ + open.size());
    if (end == std::string_view::npos) return false;
    i_ = end + close.size();
    return true;
  }

  // Whitespace, comments and processing instructions (the XML declaration).
  bool SkipMisc() {
    for (;;) {
      while (i_ < s_.size() && IsSpace(s_[i_])) ++i_;
      if (s_.compare(i_, 4, "<!--") == 0) {
        if (!Skip("<!--", "-->")) return false;
      } else if (s_.compare(i_, 2, "<?") == 0) {
        if (!Skip("<?", "?>")) return false;
      } else {
        return true;
      }
    }
  }

  // At '<': reads "<name attr='...'>" or "<name/>".
  bool StartTag(std::string_view* name, bool* empty) {
    if (i_ >= s_.size() || s_[i_] != '<') return false;
    size_t start = ++i_;
    while (i_ < s_.size() && !IsSpace(s_[i_]) && s_[i_] != '>' && s_[i_] != '/') ++i_;
    *name = s_.substr(start, i_ - start);
    if (name->empty() || (*name)[0] == '!' || (*name)[0] == '?') return false;
    char quote = 0;
    for (; i_ < s_.size(); ++i_) {
      char c = s_[i_];
      if (quote != 0) {
        if (c == quote) quote = 0;
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '>') {
        *empty = s_[i_ - 1] == '/';
        ++i_;
        return true;
      }
    }
    return false;
  }

  // At "<name>" with a name of letters only (no space or attribute): reads
  // it. Else false, nothing read.
  bool PlainStartTag(std::string_view* name) {
    size_t at = i_ + 1;
    if (i_ >= s_.size() || s_[i_] != '<') return false;
    while (at < s_.size() &&
           ((s_[at] >= 'A' && s_[at] <= 'Z') || (s_[at] >= 'a' && s_[at] <= 'z'))) {
      ++at;
    }
    if (at == i_ + 1 || at >= s_.size() || s_[at] != '>') return false;
    *name = s_.substr(i_ + 1, at - i_ - 1);
    i_ = at + 1;
    return true;
  }

  // At "</": reads "</name>".
  bool EndTag(std::string_view name) {
    if (s_.size() - i_ < name.size() + 3 || s_[i_] != '<' || s_[i_ + 1] != '/' ||
        s_.substr(i_ + 2, name.size()) != name) {
      return false;
    }
    i_ += 2 + name.size();
    while (i_ < s_.size() && IsSpace(s_[i_])) ++i_;
    if (i_ >= s_.size() || s_[i_] != '>') return false;
    ++i_;
    return true;
  }

  // Inside an element of element-only content: moves to its next child
  // element, skipping whitespace and comments. False at the parent's end tag
  // (left unread) or on an error (failed_).
  bool NextChild(std::string_view* name, bool* empty) {
    for (;;) {
      size_t lt = s_.find('<', i_);
      if (lt == std::string_view::npos) return Fail();
      i_ = lt;  // text between child elements is ignored, as pugixml's text() did
      char next = lt + 1 < s_.size() ? s_[lt + 1] : '\0';
      if (next == '/') return false;
      if (next != '!' && next != '?') return StartTag(name, empty) || Fail();
      if (!Skip("<!--", "-->") && !Skip("<![CDATA[", "]]>") && !Skip("<?", "?>")) return Fail();
    }
  }

  bool Fail() {
    failed_ = true;
    return false;
  }

  // After <name>: its whole content and </name>. Nesting deeper than a
  // listing ever has is refused, so hostile input cannot exhaust the stack.
  bool SkipContent(std::string_view name, int depth = 0) {
    if (depth > kMaxDepth) return false;
    std::string_view child;
    bool empty = false;
    while (NextChild(&child, &empty)) {
      if (!empty && !SkipContent(child, depth + 1)) return false;
    }
    return !failed_ && EndTag(name);
  }

  // After <name>: its character data (entities decoded, CDATA included,
  // comments dropped, line ends normalized) into `out`, and </name>.
  bool ReadText(std::string_view name, std::string* out) {
    out->clear();
    for (;;) {
      size_t lt = s_.find('<', i_);
      if (lt == std::string_view::npos) return false;
      if (!AppendDecoded(s_.substr(i_, lt - i_), out)) return false;
      i_ = lt;
      char next = lt + 1 < s_.size() ? s_[lt + 1] : '\0';
      if (next == '/') return EndTag(name);
      if (s_.compare(i_, 9, "<![CDATA[") == 0) {
        size_t end = s_.find("]]>", i_ + 9);
        if (end == std::string_view::npos) return false;
        AppendLineNormalized(s_.substr(i_ + 9, end - i_ - 9), out);
        i_ = end + 3;
      } else if (s_.compare(i_, 4, "<!--") == 0) {
        if (!Skip("<!--", "-->")) return false;
      } else {
        std::string_view child;
        bool empty = false;  // mixed content: keep the text, skip the element
        if (!StartTag(&child, &empty) || (!empty && !SkipContent(child))) return false;
      }
    }
  }

  // After <name>: its character data and </name>, as ReadText, but as a view
  // into the document when the text is plain (no reference, CR, CDATA,
  // comment or child element), as listings' values are; else decoded into
  // scratch_. Valid until the next read.
  bool ReadTextView(std::string_view name, std::string_view* out) {
    bool amp = false;
    if (std::optional<std::string_view> text = PlainText(&amp); text && !amp) {
      i_ += text->size();
      *out = *text;
      return EndTag(name);
    }
    if (!ReadText(name, &scratch_)) return false;
    *out = scratch_;
    return true;
  }

  // An ETag's text without its quotes (StripEtagQuotes). Listings quote it
  // with entities, "&quot;<hex>&quot;", read here without a decoded copy.
  bool ReadEtag(std::string_view name, std::string_view* out) {
    static constexpr std::string_view kQuot = "&quot;";
    bool amp = false;
    if (std::optional<std::string_view> text = PlainText(&amp);
        text && text->size() >= 2 * kQuot.size() && text->substr(0, kQuot.size()) == kQuot &&
        text->substr(text->size() - kQuot.size()) == kQuot) {
      std::string_view inner = text->substr(kQuot.size(), text->size() - 2 * kQuot.size());
      if (!Has(inner, '&')) {
        i_ += text->size();
        *out = inner;
        return EndTag(name);
      }
    }
    if (!ReadText(name, &scratch_)) return false;
    *out = StripEtagQuotesView(scratch_);
    return true;
  }

  // ParseIso8601Millis, with the day of a canonical timestamp parsed once
  // per run of keys modified the same day.
  std::optional<int64_t> LastModified(std::string_view text) {
    if (IsCanonicalIso8601(text)) {
      if (!day_ || text.substr(0, 10) != std::string_view(day_text_, sizeof(day_text_))) {
        day_ = CanonicalDay(text);
        std::memcpy(day_text_, text.data(), sizeof(day_text_));
      }
      std::optional<int64_t> ms = CanonicalMillisOfDay(text);
      if (day_ && ms) return *day_ * 86'400'000 + *ms;
    }
    Result<int64_t> parsed = ParseIso8601Millis(text);
    return parsed.ok() ? std::optional<int64_t>(*parsed) : std::nullopt;
  }

  // The text from here to the next "</" when it holds no '<' other than
  // that and no CR (nothing to normalize); references are left to callers
  // (`*amp`: the text holds one).
  std::optional<std::string_view> PlainText(bool* amp) const {
    // One pass over the text rather than a memchr per character sought,
    // eight bytes at a time while none is one of them.
    bool has_amp = false;
    size_t lt = i_;
    while (lt + 8 <= s_.size() && !AnyOf8(s_.data() + lt)) lt += 8;
    for (; lt < s_.size() && s_[lt] != '<'; ++lt) {
      if (s_[lt] == '&') {
        has_amp = true;
      } else if (s_[lt] == '\r') {
        return std::nullopt;
      }
    }
    if (lt + 1 >= s_.size() || s_[lt + 1] != '/') return std::nullopt;
    *amp = has_amp;
    return s_.substr(i_, lt - i_);
  }

  // Whether any of the 8 bytes at `p` is '<', '&' or CR (SWAR: a byte
  // equal to c leaves a zero byte in v ^ c, which (x - 0x01..) & ~x & 0x80..
  // flags; exact as to whether there is any).
  static bool AnyOf8(const char* p) {
    constexpr uint64_t kOnes = 0x0101010101010101, kHighs = 0x8080808080808080;
    uint64_t v;
    std::memcpy(&v, p, 8);
    auto zero_byte = [](uint64_t x) { return (x - kOnes) & ~x & kHighs; };
    return (zero_byte(v ^ (kOnes * '<')) | zero_byte(v ^ (kOnes * '&')) |
            zero_byte(v ^ (kOnes * '\r'))) != 0;
  }

  static bool Has(std::string_view text, char c) {
    return !text.empty() && std::memchr(text.data(), c, text.size()) != nullptr;
  }

  // Appends CDATA content: no references, but XML's end-of-line handling
  // applies to the whole document (CR LF and a lone CR read as LF).
  static void AppendLineNormalized(std::string_view text, std::string* out) {
    for (size_t cr; (cr = text.find('\r')) != std::string_view::npos;) {
      out->append(text.substr(0, cr));
      out->push_back('\n');
      text.remove_prefix(cr + (cr + 1 < text.size() && text[cr + 1] == '\n' ? 2 : 1));
    }
    out->append(text);
  }

  // Appends character data with the five predefined entities and numeric
  // references decoded; an unknown entity is kept as written.
  static bool AppendDecoded(std::string_view text, std::string* out) {
    for (;;) {
      if (text.empty()) return true;  // (memchr wants a non-null pointer)
      // Two memchr passes (find_first_of would call memchr once per byte).
      size_t special = text.size();
      if (const void* amp = std::memchr(text.data(), '&', special)) {
        special = static_cast<size_t>(static_cast<const char*>(amp) - text.data());
      }
      if (const void* cr = std::memchr(text.data(), '\r', special)) {
        special = static_cast<size_t>(static_cast<const char*>(cr) - text.data());
      }
      out->append(text.data(), special);
      if (special == text.size()) return true;
      text.remove_prefix(special);
      if (text[0] == '\r') {  // XML line ends: CR LF and a lone CR read as LF
        out->push_back('\n');
        text.remove_prefix(text.size() > 1 && text[1] == '\n' ? 2 : 1);
        continue;
      }
      size_t semi = text.find(';');
      if (semi == std::string_view::npos) return false;
      std::string_view ref = text.substr(1, semi - 1);
      text.remove_prefix(semi + 1);
      if (ref == "amp") {
        out->push_back('&');
      } else if (ref == "lt") {
        out->push_back('<');
      } else if (ref == "gt") {
        out->push_back('>');
      } else if (ref == "quot") {
        out->push_back('"');
      } else if (ref == "apos") {
        out->push_back('\'');
      } else if (!ref.empty() && ref[0] == '#') {
        if (!AppendCharRef(ref.substr(1), out)) return false;
      } else {
        out->push_back('&');
        out->append(ref);
        out->push_back(';');
      }
    }
  }

  // "65" or "x41": the code point as UTF-8.
  static bool AppendCharRef(std::string_view digits, std::string* out) {
    int base = 10;
    if (!digits.empty() && digits[0] == 'x') {
      base = 16;
      digits.remove_prefix(1);
    }
    uint32_t cp = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), cp, base);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || cp == 0 ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {  // not XML Chars
      return false;
    }
    AppendUtf8(cp, out);
    return true;
  }

  bool ReadContents(ListObjectsV2Result* r) {
    ObjectMeta& m = r->objects.emplace_back();
    std::string_view child;
    bool empty = false;
    for (;;) {
      // Listings write "<Name>" right after the sibling before; anything
      // else (space, comments, attributes, the end tag) takes NextChild.
      if (!PlainStartTag(&child)) {
        if (!NextChild(&child, &empty)) break;
        if (empty) continue;
      }
      bool ok = true;
      std::string_view text;
      if (child == "Key") {
        ok = ReadTextView(child, &text);
        m.key.assign(text);
      } else if (child == "ETag") {
        ok = ReadEtag(child, &text);
        m.etag.assign(text);
      } else if (child == "Size") {
        ok = ReadTextView(child, &text);
        m.size = ParseUint(text);
      } else if (child == "LastModified") {
        ok = ReadTextView(child, &text);
        if (std::optional<int64_t> lm = LastModified(text)) m.last_modified_ms = *lm;
      } else {
        ok = SkipContent(child);
      }
      if (!ok) return false;
    }
    return !failed_ && EndTag("Contents");
  }

  bool ReadPrefixes(ListObjectsV2Result* r) {
    std::string_view child;
    bool empty = false;
    while (NextChild(&child, &empty)) {
      if (empty) {
        if (child == "Prefix") r->common_prefixes.emplace_back();
        continue;
      }
      bool ok = child == "Prefix" ? ReadText(child, &r->common_prefixes.emplace_back())
                                  : SkipContent(child);
      if (!ok) return false;
    }
    return !failed_ && EndTag("CommonPrefixes");
  }

  static constexpr int kMaxDepth = 64;

  std::string_view s_;
  size_t i_ = 0;
  bool failed_ = false;
  bool url_ = false;
  std::string scratch_;  // text of the elements not kept as strings
  // The date of the last canonical LastModified read, and its day (unset
  // when that date was not valid).
  char day_text_[10] = {};
  std::optional<int64_t> day_;
};

}  // namespace

Result<ListObjectsV2Result> ParseListObjectsV2(std::string_view xml) {
  ListObjectsV2Result r;
  if (!ListReader(xml).Parse(&r)) return Malformed("ListBucketResult", xml);
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

std::string_view StripEtagQuotesView(std::string_view etag) {
  if (etag.substr(0, 2) == "W/") etag.remove_prefix(2);
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return etag;
}

std::string StripEtagQuotes(std::string_view etag) {
  return std::string(StripEtagQuotesView(etag));
}

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

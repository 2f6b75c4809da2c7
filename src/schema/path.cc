// Path DSL: parser and printer (seed 001, "Symbols").
#include <algorithm>
#include <set>
#include <string>

#include "schema/schema.h"
#include "schema/utf8.h"

namespace worm::schema {

namespace {

using internal::ColumnOf;
using internal::DecodeUtf8;

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.';
}

// The first code point of `s` (or its first byte when not UTF-8), for messages.
std::string FirstChar(std::string_view s) {
  uint32_t cp;
  size_t n = DecodeUtf8(s, 0, &cp);
  return std::string(s.substr(0, n == 0 ? 1 : n));
}

class PathParser {
 public:
  PathParser(std::string_view text, const Symbols& symbols) : text_(text), sym_(symbols) {}

  Result<PathPattern> Parse() {
    if (text_.empty()) return Fail(0, "path is empty: write e.g. #org/@customers/(id:uuid)");
    PathPattern out;
    out.source = std::string(text_);
    std::vector<size_t> offsets;  // byte offset of each segment
    size_t start = 0;
    while (true) {
      size_t end = text_.find('/', start);
      if (end == std::string_view::npos) end = text_.size();
      Segment seg;
      RETURN_NOT_OK(ParseSegment(text_.substr(start, end - start), start, &seg));
      out.segments.push_back(std::move(seg));
      offsets.push_back(start);
      if (end == text_.size()) break;
      start = end + 1;
    }
    RETURN_NOT_OK(CheckStructure(out, offsets));
    return out;
  }

 private:
  Status Fail(size_t offset, const std::string& why) const {
    return Status::InvalidArgument("path '" + internal::Printable(text_) + "': column " +
                                   std::to_string(ColumnOf(text_, offset)) + ": " + why);
  }

  std::string SymbolHelp() const {
    return sym_.namespace_symbol + "name (namespace), " + sym_.collection_symbol +
           "name (collection), " + sym_.dynamic_open + "name:type" + sym_.dynamic_close +
           " (dynamic) or " + sym_.file_open + "name" + sym_.file_close + ".ext (file)";
  }

  // Names: letters, digits, '-', '_' and '.', not first.
  Status CheckName(std::string_view name, size_t offset, std::string_view what) const {
    if (name.empty()) return Fail(offset, std::string(what) + " has no name");
    for (size_t i = 0; i < name.size(); ++i) {
      if (!IsNameChar(name[i])) {
        return Fail(offset + i, "invalid character '" + FirstChar(name.substr(i)) + "' in " +
                                    std::string(what) + " '" + internal::Printable(name) +
                                    "': names use letters, digits, '-', '_' and '.'");
      }
    }
    if (name[0] == '.') {
      return Fail(offset, std::string(what) + " '" + std::string(name) +
                              "' starts with '.', which marks system entries; start with a "
                              "letter or digit");
    }
    return Status::OK();
  }

  Status ParseSegment(std::string_view seg, size_t offset, Segment* out) const {
    out->column = ColumnOf(text_, offset);
    if (seg.empty()) {
      return Fail(offset, offset == text_.size() ? "empty segment: remove the trailing '/'"
                          : offset == 0          ? "empty segment: remove the leading '/'"
                                                 : "empty segment: remove the extra '/'");
    }
    // Longest symbol first, so a symbol may extend another one.
    struct Candidate {
      std::string_view symbol;
      SegmentKind kind;
    };
    Candidate candidates[] = {{sym_.namespace_symbol, SegmentKind::kNamespace},
                              {sym_.collection_symbol, SegmentKind::kCollection},
                              {sym_.dynamic_open, SegmentKind::kDynamic},
                              {sym_.file_open, SegmentKind::kFile}};
    std::stable_sort(
        std::begin(candidates), std::end(candidates),
        [](const Candidate& a, const Candidate& b) { return a.symbol.size() > b.symbol.size(); });
    for (const Candidate& c : candidates) {
      if (c.symbol.empty() || !seg.starts_with(c.symbol)) continue;
      out->kind = c.kind;
      switch (c.kind) {
        case SegmentKind::kNamespace:
        case SegmentKind::kCollection:
          out->name = std::string(seg.substr(c.symbol.size()));
          return CheckName(out->name, offset + c.symbol.size(),
                           c.kind == SegmentKind::kNamespace ? "namespace" : "collection");
        case SegmentKind::kDynamic:
          return ParseDynamic(seg, offset, out);
        case SegmentKind::kFile:
          return ParseFile(seg, offset, out);
      }
    }
    return NoSymbol(seg, offset);
  }

  Status NoSymbol(std::string_view seg, size_t offset) const {
    for (std::string_view close :
         {std::string_view(sym_.dynamic_close), std::string_view(sym_.file_close)}) {
      size_t at = seg.find(close);
      if (!close.empty() && at != std::string_view::npos) {
        std::string_view open = close == sym_.dynamic_close ? sym_.dynamic_open : sym_.file_open;
        return Fail(offset + at, "unbalanced '" + std::string(close) + "': no matching '" +
                                     std::string(open) + "' at the start of the segment");
      }
    }
    if (IsNameChar(seg[0])) {
      return Fail(offset, "segment '" + internal::Printable(seg) + "' has no symbol: write " +
                              sym_.namespace_symbol + std::string(seg) + " for a namespace or " +
                              sym_.collection_symbol + std::string(seg) + " for a collection");
    }
    return Fail(offset, "unknown symbol '" + internal::Printable(FirstChar(seg)) + "': use " +
                            SymbolHelp());
  }

  // "(name:type)": the whole segment.
  Status ParseDynamic(std::string_view seg, size_t offset, Segment* out) const {
    size_t open = sym_.dynamic_open.size();
    size_t close = seg.find(sym_.dynamic_close, open);
    if (close == std::string_view::npos) {
      return Fail(offset, "unbalanced '" + sym_.dynamic_open + "': add '" + sym_.dynamic_close +
                              "' after name:type");
    }
    if (close + sym_.dynamic_close.size() != seg.size()) {
      return Fail(offset + close + sym_.dynamic_close.size(),
                  "unexpected text after '" + sym_.dynamic_close + "': a dynamic segment is " +
                      sym_.dynamic_open + "name:type" + sym_.dynamic_close + " alone");
    }
    std::string_view inner = seg.substr(open, close - open);
    size_t colon = inner.find(':');
    if (colon == std::string_view::npos) {
      std::string name(inner.empty() ? "id" : inner);
      return Fail(offset, "dynamic segment has no type: write " + sym_.dynamic_open + name +
                              ":uuid" + sym_.dynamic_close + " (or another dynamic type)");
    }
    out->name = std::string(inner.substr(0, colon));
    out->type = std::string(inner.substr(colon + 1));
    if (out->name.empty()) {
      return Fail(offset + open, "dynamic segment has no name: write " + sym_.dynamic_open +
                                     "id:" + out->type + sym_.dynamic_close);
    }
    RETURN_NOT_OK(CheckName(out->name, offset + open, "dynamic segment"));
    if (out->type.empty()) {
      return Fail(offset + open + colon + 1,
                  "dynamic segment '" + out->name + "' has no type after ':': write " +
                      sym_.dynamic_open + out->name + ":uuid" + sym_.dynamic_close);
    }
    return CheckName(out->type, offset + open + colon + 1, "dynamic type");
  }

  // "[name].ext": the whole segment; ext may be empty or ".json", ".tar.gz".
  Status ParseFile(std::string_view seg, size_t offset, Segment* out) const {
    size_t open = sym_.file_open.size();
    size_t close = seg.find(sym_.file_close, open);
    if (close == std::string_view::npos) {
      return Fail(offset, "unbalanced '" + sym_.file_open + "': add '" + sym_.file_close +
                              "' after the file name, as in " + sym_.file_open + "profile" +
                              sym_.file_close + ".json");
    }
    out->name = std::string(seg.substr(open, close - open));
    if (out->name.empty()) {
      return Fail(offset, "empty file name '" + std::string(seg) + "': write " + sym_.file_open +
                              "name" + sym_.file_close + ".json");
    }
    RETURN_NOT_OK(CheckName(out->name, offset + open, "file"));
    std::string_view ext = seg.substr(close + sym_.file_close.size());
    size_t ext_offset = offset + close + sym_.file_close.size();
    out->extension = std::string(ext);
    if (ext.empty()) return Status::OK();
    if (ext[0] != '.') {
      return Fail(ext_offset, "file extension must start with '.', as in " + sym_.file_open +
                                  out->name + sym_.file_close + ".json");
    }
    return CheckName(ext.substr(1), ext_offset + 1, "file extension");
  }

  // At most one file segment, last; dynamic names unique.
  Status CheckStructure(const PathPattern& p, const std::vector<size_t>& offsets) const {
    std::set<std::string> names;
    for (size_t i = 0; i < p.segments.size(); ++i) {
      const Segment& s = p.segments[i];
      if (s.kind == SegmentKind::kFile && i + 1 != p.segments.size()) {
        for (size_t j = i + 1; j < p.segments.size(); ++j) {
          if (p.segments[j].kind == SegmentKind::kFile) {
            return Fail(offsets[j], "two file segments: a path names one " + sym_.file_open +
                                        "file" + sym_.file_close + ".ext, at its end");
          }
        }
        return Fail(offsets[i], "file segment must be last: move " + sym_.file_open + s.name +
                                    sym_.file_close + s.extension + " to the end of the path");
      }
      if (s.kind == SegmentKind::kDynamic && !names.insert(s.name).second) {
        return Fail(offsets[i], "duplicate dynamic name '" + s.name +
                                    "': give each dynamic segment its own name (deptId, "
                                    "teamId)");
      }
    }
    return Status::OK();
  }

  std::string_view text_;
  const Symbols& sym_;
};

}  // namespace

std::vector<const Segment*> PathPattern::dynamic_segments() const {
  std::vector<const Segment*> out;
  for (const Segment& s : segments) {
    if (s.kind == SegmentKind::kDynamic) out.push_back(&s);
  }
  return out;
}

const Segment* PathPattern::file() const {
  if (segments.empty() || segments.back().kind != SegmentKind::kFile) return nullptr;
  return &segments.back();
}

Result<PathPattern> ParsePath(std::string_view text, const Symbols& symbols) {
  return PathParser(text, symbols).Parse();
}

std::string PrintSegment(const Segment& s, const Symbols& sym) {
  switch (s.kind) {
    case SegmentKind::kNamespace:
      return sym.namespace_symbol + s.name;
    case SegmentKind::kCollection:
      return sym.collection_symbol + s.name;
    case SegmentKind::kDynamic:
      return sym.dynamic_open + s.name + ":" + s.type + sym.dynamic_close;
    case SegmentKind::kFile:
      return sym.file_open + s.name + sym.file_close + s.extension;
  }
  return {};
}

std::string PrintPath(const PathPattern& pattern, const Symbols& symbols) {
  std::string out;
  for (const Segment& s : pattern.segments) {
    if (!out.empty()) out += '/';
    out += PrintSegment(s, symbols);
  }
  return out;
}

}  // namespace worm::schema

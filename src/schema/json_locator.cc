#include "schema/json_locator.h"

#include <algorithm>
#include <set>

#include "core/utf8.h"
#include "schema/utf8.h"

namespace worm::schema {

std::string JsonPointerEscape(std::string_view token) {
  std::string out;
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string JsonPointerAppend(std::string_view base, std::string_view token) {
  return std::string(base) + "/" + JsonPointerEscape(token);
}

std::string JsonPointerAppend(std::string_view base, size_t index) {
  return std::string(base) + "/" + std::to_string(index);
}

std::string JsonPointerParent(std::string_view pointer) {
  size_t slash = pointer.rfind('/');
  return slash == std::string_view::npos ? std::string() : std::string(pointer.substr(0, slash));
}

// Recursive descent over the text, depth-capped. Records every value.
class JsonScanner {
 public:
  JsonScanner(std::string_view text, int max_depth, JsonLocator* out)
      : text_(text), max_depth_(max_depth), out_(out) {
    line_starts_.push_back(0);
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\n') line_starts_.push_back(i + 1);
    }
  }

  Status Run(JsonSyntaxError* error) {
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
    SkipWs();
    Status st = pos_ == text_.size() ? Fail("the text is empty: a schema is a JSON object")
                                     : Value("", 0, std::nullopt);
    if (st.ok()) {
      SkipWs();
      if (pos_ != text_.size()) st = Fail("unexpected text after the end of the JSON value");
    }
    if (!st.ok() && error != nullptr) {
      error->position = Position(pos_);
      error->message = message_;
      error->too_deep = too_deep_;
    }
    return st;
  }

  TextPosition Position(size_t offset) const {
    auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
    size_t line = static_cast<size_t>(it - line_starts_.begin());
    size_t start = line_starts_[line - 1];
    TextPosition p;
    p.line = static_cast<int>(line);
    p.column = internal::ColumnOf(text_.substr(start), offset - start);
    return p;
  }

 private:
  Status Fail(std::string why) {
    message_ = std::move(why);
    TextPosition p = Position(pos_);
    return Status::InvalidArgument("line " + std::to_string(p.line) + ", column " +
                                   std::to_string(p.column) + ": " + message_);
  }

  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return AtEnd() ? '\0' : text_[pos_]; }

  void SkipWs() {
    while (!AtEnd() && (Peek() == ' ' || Peek() == '\t' || Peek() == '\n' || Peek() == '\r')) {
      ++pos_;
    }
  }

  void Record(const std::string& ptr, size_t value_offset, std::optional<size_t> key_offset) {
    JsonLocation loc;
    loc.value = Position(value_offset);
    loc.value_offset = value_offset;
    if (key_offset) loc.key = Position(*key_offset);
    out_->entries_[ptr] = loc;
  }

  Status Value(const std::string& ptr, int depth, std::optional<size_t> key_offset) {
    Record(ptr, pos_, key_offset);
    switch (Peek()) {
      case '{':
        return Object(ptr, depth + 1);
      case '[':
        return Array(ptr, depth + 1);
      case '"':
        return String(nullptr);
      case 't':
        return Literal("true");
      case 'f':
        return Literal("false");
      case 'n':
        return Literal("null");
      case '\'':
        return Fail("strings use double quotes (\"), not single quotes");
      case '\0':
        if (AtEnd()) return Fail("unexpected end of text: a value is missing");
        [[fallthrough]];
      default:
        if (Peek() == '-' || (Peek() >= '0' && Peek() <= '9')) return Number();
        return Fail("expected a value (string, number, object, array, true, false or null)");
    }
  }

  Status Enter(int depth) {
    if (depth <= max_depth_) return Status::OK();
    too_deep_ = true;
    return Fail("nesting deeper than " + std::to_string(max_depth_) + " levels");
  }

  Status Object(const std::string& ptr, int depth) {
    RETURN_NOT_OK(Enter(depth));
    ++pos_;  // '{'
    std::set<std::string> seen;
    SkipWs();
    if (Peek() == '}') {
      ++pos_;
      return Status::OK();
    }
    while (true) {
      SkipWs();
      if (Peek() != '"') {
        if (Peek() == '}') return Fail("trailing comma: remove the ',' before '}'");
        if (AtEnd()) return Fail("unexpected end of text: the object is not closed with '}'");
        return Fail("expected a member name in double quotes");
      }
      size_t key_offset = pos_;
      std::string key;
      RETURN_NOT_OK(String(&key));
      std::string child = JsonPointerAppend(ptr, key);
      if (!seen.insert(key).second) out_->duplicates_.push_back(child);
      SkipWs();
      if (Peek() != ':') return Fail("expected ':' after the member name \"" + key + "\"");
      ++pos_;
      SkipWs();
      RETURN_NOT_OK(Value(child, depth, key_offset));
      SkipWs();
      if (Peek() == ',') {
        ++pos_;
        continue;
      }
      if (Peek() == '}') {
        ++pos_;
        return Status::OK();
      }
      if (AtEnd()) return Fail("unexpected end of text: the object is not closed with '}'");
      return Fail("expected ',' or '}' after the member \"" + key + "\" (a missing comma?)");
    }
  }

  Status Array(const std::string& ptr, int depth) {
    RETURN_NOT_OK(Enter(depth));
    ++pos_;  // '['
    SkipWs();
    if (Peek() == ']') {
      ++pos_;
      return Status::OK();
    }
    for (size_t index = 0;; ++index) {
      SkipWs();
      if (Peek() == ']') return Fail("trailing comma: remove the ',' before ']'");
      RETURN_NOT_OK(Value(JsonPointerAppend(ptr, index), depth, std::nullopt));
      SkipWs();
      if (Peek() == ',') {
        ++pos_;
        continue;
      }
      if (Peek() == ']') {
        ++pos_;
        return Status::OK();
      }
      if (AtEnd()) return Fail("unexpected end of text: the array is not closed with ']'");
      return Fail("expected ',' or ']' after an array item (a missing comma?)");
    }
  }

  Status Literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) {
      return Fail("expected a value; did you mean " + std::string(word) + "?");
    }
    pos_ += word.size();
    return Status::OK();
  }

  Status Digits(const char* what) {
    size_t start = pos_;
    while (Peek() >= '0' && Peek() <= '9') ++pos_;
    return pos_ > start ? Status::OK() : Fail(std::string("expected a digit ") + what);
  }

  Status Number() {
    if (Peek() == '-') ++pos_;
    if (Peek() == '0') {
      ++pos_;
      if (Peek() >= '0' && Peek() <= '9') return Fail("numbers cannot have leading zeros");
    } else {
      RETURN_NOT_OK(Digits("in the number"));
    }
    if (Peek() == '.') {
      ++pos_;
      RETURN_NOT_OK(Digits("after '.'"));
    }
    if (Peek() == 'e' || Peek() == 'E') {
      ++pos_;
      if (Peek() == '+' || Peek() == '-') ++pos_;
      RETURN_NOT_OK(Digits("in the exponent"));
    }
    return Status::OK();
  }

  static int HexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  // At "\u": reads XXXX (and a low surrogate after a high one).
  Status Unicode(std::string* out) {
    auto hex4 = [&](uint32_t* v) {
      *v = 0;
      for (size_t k = 0; k < 4; ++k) {
        int h = pos_ + 2 + k < text_.size() ? HexValue(text_[pos_ + 2 + k]) : -1;
        if (h < 0) return false;
        *v = *v * 16 + static_cast<uint32_t>(h);
      }
      pos_ += 6;
      return true;
    };
    uint32_t cp;
    if (!hex4(&cp)) return Fail("\\u needs four hex digits");
    if (cp >= 0xDC00 && cp <= 0xDFFF) return Fail("lone low surrogate in \\u escape");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      uint32_t lo;
      if (text_.substr(pos_, 2) != "\\u" || !hex4(&lo) || lo < 0xDC00 || lo > 0xDFFF) {
        return Fail("high surrogate in \\u escape must be followed by a low surrogate");
      }
      cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    }
    if (out != nullptr) AppendUtf8(cp, out);
    return Status::OK();
  }

  Status Escape(std::string* out) {
    char c = pos_ + 1 < text_.size() ? text_[pos_ + 1] : '\0';
    if (c == 'u') return Unicode(out);
    static const std::string_view kFrom = "\"\\/bfnrt";
    static const std::string_view kTo = "\"\\/\b\f\n\r\t";
    size_t k = kFrom.find(c);
    if (c == '\0' || k == std::string_view::npos) {
      return Fail("invalid escape in string: use \\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX");
    }
    if (out != nullptr) *out += kTo[k];
    pos_ += 2;
    return Status::OK();
  }

  // At '"'. Decodes into `out` when given.
  Status String(std::string* out) {
    ++pos_;
    while (true) {
      if (AtEnd()) return Fail("unexpected end of text: the string is not closed with '\"'");
      char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        return Status::OK();
      }
      if (c == '\\') {
        RETURN_NOT_OK(Escape(out));
        continue;
      }
      uint32_t cp;
      size_t n = internal::DecodeUtf8(text_, pos_, &cp);
      if (n == 0) return Fail("invalid UTF-8 in string");
      if (cp < 0x20) return Fail("control character in string: write it as an escape (\\n, \\t)");
      if (out != nullptr) out->append(text_.substr(pos_, n));
      pos_ += n;
    }
  }

  std::string_view text_;
  int max_depth_;
  JsonLocator* out_;
  size_t pos_ = 0;
  std::vector<size_t> line_starts_;
  std::string message_;
  bool too_deep_ = false;
};

Result<JsonLocator> JsonLocator::Build(std::string_view text, JsonSyntaxError* error,
                                       int max_depth) {
  JsonLocator out;
  JsonScanner scanner(text, max_depth, &out);
  RETURN_NOT_OK(scanner.Run(error));
  return out;
}

const JsonLocation* JsonLocator::Find(std::string_view pointer) const {
  auto it = entries_.find(std::string(pointer));
  return it == entries_.end() ? nullptr : &it->second;
}

TextPosition JsonLocator::Locate(std::string_view pointer, bool prefer_key) const {
  std::string p(pointer);
  while (true) {
    const JsonLocation* loc = Find(p);
    if (loc != nullptr) return prefer_key && loc->key ? *loc->key : loc->value;
    if (p.empty()) return TextPosition{};
    p = JsonPointerParent(p);
    prefer_key = false;  // an ancestor stands in for a missing member: point at its value
  }
}

}  // namespace worm::schema

#include "codegen/common.h"

#include <cctype>

namespace worm::codegen::internal {

const std::string& DatePattern() {
  // Years whose last two digits are a nonzero multiple of 4, or 00 with the
  // century a multiple of 4 (year % 400 == 0), have a 29th of February.
  static const std::string* p = new std::string(
      "^(?:\\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\\d|"
      "30)|02-(?:0[1-9]|1\\d|2[0-8]))|(?:\\d{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|"
      "[13579][26])00)-02-29)$");
  return *p;
}

const std::string& DateTimePattern() {
  static const std::string* p = [] {
    std::string date = DatePattern().substr(1, DatePattern().size() - 2);
    return new std::string("^" + date +
                           "[Tt](?:[01]\\d|2[0-3]):[0-5]\\d:(?:[0-5]\\d|60)(?:\\.\\d+)?(?:[Zz]|[+-]"
                           "(?:[01]\\d|2[0-3]):[0-5]\\d)$");
  }();
  return *p;
}

namespace {

bool IsSyntaxChar(char c) {
  return std::string_view("^$\\.*+?()[]{}|/").find(c) != std::string_view::npos;
}

constexpr char kRe2Space[] = "\\t\\n\\f\\r ";

}  // namespace

Result<std::string> JsPattern(const std::string& re, const std::string& where) {
  auto refuse = [&](const std::string& what) -> Status {
    return Status::InvalidArgument(where + ": pattern /" + re + "/ uses " + what +
                                   ", which JavaScript regular expressions read differently; "
                                   "codegen cannot express it faithfully");
  };
  std::string out = "^(?:";
  bool in_class = false;
  size_t class_start = 0;
  for (size_t i = 0; i < re.size(); ++i) {
    char c = re[i];
    if (c == '\\') {
      if (i + 1 >= re.size()) return refuse("a trailing backslash");
      char e = re[++i];
      switch (e) {
        case 'd':
        case 'D':
        case 'w':
        case 'W':
        case 'n':
        case 't':
        case 'r':
        case 'f':
        case 'v':
          out += '\\';
          out += e;
          continue;
        case 'b':
        case 'B':
          if (in_class) return refuse("\\b inside a class");
          out += '\\';
          out += e;
          continue;
        case 'a':
          out += "\\x07";
          continue;
        case 's':
          out += in_class ? std::string(kRe2Space) : "[" + std::string(kRe2Space) + "]";
          continue;
        case 'S':
          if (in_class) return refuse("\\S inside a character class");
          out += "[^" + std::string(kRe2Space) + "]";
          continue;
        case 'x': {
          if (i + 1 < re.size() && re[i + 1] == '{') {
            size_t close = re.find('}', i + 2);
            if (close == std::string::npos) return refuse("an unterminated \\x{");
            out += "\\u{" + re.substr(i + 2, close - i - 2) + "}";
            i = close;
          } else if (i + 2 < re.size() && std::isxdigit(static_cast<unsigned char>(re[i + 1])) &&
                     std::isxdigit(static_cast<unsigned char>(re[i + 2]))) {
            out += "\\x" + re.substr(i + 1, 2);
            i += 2;
          } else {
            return refuse("a malformed \\x escape");
          }
          continue;
        }
        default:
          break;
      }
      if (std::isalnum(static_cast<unsigned char>(e))) {
        return refuse(std::string("\\") + e);
      }
      if (static_cast<unsigned char>(e) >= 0x80) return refuse("an escaped non-ASCII character");
      // Escaped punctuation: JavaScript's "u" mode allows only syntax characters
      // escaped (and '-' inside a class).
      if (IsSyntaxChar(e) || (in_class && e == '-')) {
        out += '\\';
        out += e;
      } else {
        out += e;
      }
      continue;
    }
    if (in_class) {
      if (c == '[' && i + 1 < re.size() &&
          (re[i + 1] == ':' || re[i + 1] == '=' || re[i + 1] == '.')) {
        return refuse("a POSIX class [[:...:]]");
      }
      if (c == ']' && i > class_start) {
        in_class = false;
        out += ']';
        continue;
      }
      if (c == ']') {  // a leading ']' is a literal in RE2, an empty class in JS
        out += "\\]";
        continue;
      }
      if (c == '[') {
        out += "\\[";
        continue;
      }
      out += c;
      continue;
    }
    switch (c) {
      case '[':
        in_class = true;
        out += '[';
        if (i + 1 < re.size() && re[i + 1] == '^') {
          out += '^';
          ++i;
        }
        class_start = i + 1;
        break;
      case '.':
        out += "[^\\n]";
        break;
      case ']':
        out += "\\]";
        break;
      case '}':
        out += "\\}";
        break;
      case '{': {
        // A repeat {n}, {n,}, {n,m} stays; anything else is a literal in RE2.
        size_t j = i + 1;
        bool digits = false, comma = false, ok = true;
        while (j < re.size() && re[j] != '}') {
          if (std::isdigit(static_cast<unsigned char>(re[j]))) {
            digits = digits || !comma;
          } else if (re[j] == ',' && !comma) {
            comma = true;
          } else {
            ok = false;
            break;
          }
          ++j;
        }
        if (ok && j < re.size() && digits) {
          out += re.substr(i, j - i + 1);
          i = j;
        } else {
          out += "\\{";
        }
        break;
      }
      case '(':
        if (i + 1 < re.size() && re[i + 1] == '?') {
          if (re.compare(i, 3, "(?:") == 0) {
            out += "(?:";
            i += 2;
          } else if (re.compare(i, 4, "(?P<") == 0) {
            out += "(?<";
            i += 3;
          } else if (re.compare(i, 3, "(?<") == 0 && i + 3 < re.size() && re[i + 3] != '=' &&
                     re[i + 3] != '!') {
            out += "(?<";
            i += 2;
          } else {
            return refuse("a group flag or assertion (?...)");
          }
        } else {
          out += '(';
        }
        break;
      default:
        out += c;
    }
  }
  if (in_class) return refuse("an unterminated character class");
  out += ")$";
  return out;
}

std::vector<std::string> IdFieldNames(const schema::Model& model) {
  std::vector<std::string> names;
  for (const schema::Segment* s : model.path.dynamic_segments()) names.push_back(s->name);
  return names;
}

Result<std::string> IdPattern(const schema::Schema& schema, const schema::Segment& segment,
                              const std::string& where) {
  auto t = schema.dynamic_types.find(segment.type);
  if (t == schema.dynamic_types.end()) {
    return Status::InvalidArgument(where + ": dynamic type '" + segment.type + "' is not defined");
  }
  std::string re = t->second.regex;
  // The dynamic types' regexes are written anchored; the match is whole-value anyway.
  if (!re.empty() && re.front() == '^') re.erase(0, 1);
  if (!re.empty() && re.back() == '$' && (re.size() < 2 || re[re.size() - 2] != '\\'))
    re.pop_back();
  return JsPattern(re, where);
}

std::string LowerCamel(const std::string& name) {
  std::string out = name;
  size_t i = 0;
  // "URLMap" -> "urlMap": lower the leading capitals but the one starting the next word.
  while (i < out.size() && std::isupper(static_cast<unsigned char>(out[i]))) {
    if (i > 0 && i + 1 < out.size() && std::islower(static_cast<unsigned char>(out[i + 1]))) break;
    out[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(out[i])));
    ++i;
  }
  return out;
}

std::string JsLiteral(const Json& value) { return value.dump(); }

}  // namespace worm::codegen::internal

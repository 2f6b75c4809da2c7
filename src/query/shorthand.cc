// CLI shorthand filters ("amount>=100") and combining where objects.
#include <cctype>

#include "core/strings.h"
#include "query/projection.h"
#include "worm/query.h"

namespace worm {

namespace {

struct ShorthandOp {
  const char* text;
  const char* op;  // nullptr: plain equality
};

// Longest spellings first so ">=" wins over ">".
constexpr ShorthandOp kOps[] = {{"==", nullptr}, {"!=", "$ne"}, {">=", "$gte"}, {"<=", "$lte"},
                                {"=", nullptr},  {">", "$gt"},  {"<", "$lt"},   {"~", "$contains"}};

bool LooksLikeJsonNumber(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  if (i >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  if (s[i] == '0' && i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1]))) {
    return false;  // "01234" stays a string (zip codes, ids)
  }
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == 'e' || c == 'E' ||
          c == '+' || c == '-')) {
      return false;
    }
  }
  return true;
}

Json ShorthandValue(std::string_view text) {
  if (text == "true") return true;
  if (text == "false") return false;
  if (text == "null") return nullptr;
  if (LooksLikeJsonNumber(text) ||
      (text.size() >= 2 && text.front() == '"' && text.back() == '"')) {
    Json v = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!v.is_discarded()) return v;
  }
  return std::string(text);
}

bool IsEmptyWhere(const Json& w) { return w.is_null() || (w.is_object() && w.empty()); }

}  // namespace

Result<Json> ParseFilterShorthand(std::string_view expr) {
  auto fail = [&](const std::string& why) {
    return Status::InvalidArgument("filter '" + std::string(expr) + "': " + why);
  };
  size_t pos = expr.find_first_of("=!<>~");
  if (pos == std::string_view::npos) {
    return fail(
        "no operator; write path=value, path!=value, path>=value, path<value, "
        "path~value (contains) ...");
  }
  const ShorthandOp* found = nullptr;
  for (const ShorthandOp& op : kOps) {
    if (expr.substr(pos).starts_with(op.text)) {
      found = &op;
      break;
    }
  }
  if (found == nullptr) return fail("unknown operator (use = != > >= < <= ~)");
  std::string_view path = Trim(expr.substr(0, pos));
  if (path.empty()) return fail("missing field path before the operator");
  Json value = ShorthandValue(Trim(expr.substr(pos + std::string_view(found->text).size())));
  if (found->op == nullptr) {
    // An object with "$" members would read as operators: spell out $eq.
    if (value.is_object()) return Json{{std::string(path), {{"$eq", value}}}};
    return Json{{std::string(path), value}};
  }
  return Json{{std::string(path), {{found->op, value}}}};
}

Json AndWhere(const Json& a, const Json& b) {
  if (IsEmptyWhere(a)) return IsEmptyWhere(b) ? Json::object() : b;
  if (IsEmptyWhere(b)) return a;
  if (a.is_object() && b.is_object()) {
    bool disjoint = true;
    for (auto it = b.begin(); it != b.end(); ++it) disjoint = disjoint && !a.contains(it.key());
    if (disjoint) {
      Json out = a;
      for (auto it = b.begin(); it != b.end(); ++it) out[it.key()] = *it;
      return out;
    }
  }
  return Json{{"$and", Json::array({a, b})}};
}

Result<Json> WhereWithFilters(const Json& where, const std::vector<std::string>& filters) {
  Json out = where.is_null() ? Json::object() : where;
  for (const std::string& f : filters) {
    ASSIGN_OR_RETURN(Json one, ParseFilterShorthand(f));
    out = AndWhere(out, one);
  }
  return out;
}

}  // namespace worm

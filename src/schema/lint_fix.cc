// Lint fixes: span edits located with the JsonLocator, re-linted per round.
#include "schema/lint_fix.h"

#include <algorithm>
#include <optional>
#include <set>

#include "core/json_util.h"
#include "schema/json_locator.h"
#include "schema/lint.h"
#include "schema/schema_builder.h"

namespace worm::schema {

namespace {

// One member or element of a container, as byte offsets into the text.
struct Item {
  size_t start = 0;    // key's opening quote (members) or the value
  size_t key_end = 0;  // one past the key's closing quote (members)
  size_t value_start = 0;
  size_t value_end = 0;  // one past the value
  std::string key;       // members: the decoded name
};

struct Container {
  size_t open = 0, close = 0;  // offsets of '[' / '{' and ']' / '}'
  std::vector<Item> items;
};

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

size_t SkipSpace(std::string_view t, size_t i) {
  while (i < t.size() && IsSpace(t[i])) ++i;
  return i;
}

// One past the string starting at t[i] == '"'.
size_t SkipString(std::string_view t, size_t i) {
  for (++i; i < t.size(); ++i) {
    if (t[i] == '\\') {
      ++i;
    } else if (t[i] == '"') {
      return i + 1;
    }
  }
  return t.size();
}

// One past the value starting at t[i]. The text passed the locator's strict
// tokenizer, so this only has to find ends, not check anything.
size_t SkipValue(std::string_view t, size_t i) {
  if (i >= t.size()) return t.size();
  if (t[i] == '"') return SkipString(t, i);
  if (t[i] == '{' || t[i] == '[') {
    int depth = 0;
    for (; i < t.size(); ++i) {
      char c = t[i];
      if (c == '"') {
        i = SkipString(t, i) - 1;
      } else if (c == '{' || c == '[') {
        ++depth;
      } else if (c == '}' || c == ']') {
        if (--depth == 0) return i + 1;
      }
    }
    return t.size();
  }
  while (i < t.size() && !IsSpace(t[i]) && t[i] != ',' && t[i] != ']' && t[i] != '}') ++i;
  return i;
}

std::optional<Container> Scan(std::string_view t, size_t open) {
  if (open >= t.size() || (t[open] != '{' && t[open] != '[')) return std::nullopt;
  bool object = t[open] == '{';
  Container c;
  c.open = open;
  size_t i = SkipSpace(t, open + 1);
  while (i < t.size() && t[i] != (object ? '}' : ']')) {
    Item item;
    item.start = i;
    if (object) {
      item.key_end = SkipString(t, i);
      try {
        item.key = Json::parse(t.substr(i, item.key_end - i)).get<std::string>();
      } catch (const std::exception&) {
        return std::nullopt;
      }
      i = SkipSpace(t, item.key_end);
      if (i >= t.size() || t[i] != ':') return std::nullopt;
      i = SkipSpace(t, i + 1);
    }
    item.value_start = i;
    item.value_end = SkipValue(t, i);
    c.items.push_back(item);
    i = SkipSpace(t, item.value_end);
    if (i < t.size() && t[i] == ',') i = SkipSpace(t, i + 1);
  }
  if (i >= t.size()) return std::nullopt;
  c.close = i;
  return c;
}

struct Edit {
  size_t begin = 0, end = 0;  // replaced byte range
  std::string text;
};

// Removing item `k` of `c`: from it to the next one, or from the previous
// one's end (taking the comma) when it is the last, or the whole inside.
Edit RemoveItem(const Container& c, size_t k) {
  if (c.items.size() == 1) return {c.open + 1, c.close, ""};
  if (k + 1 < c.items.size()) return {c.items[k].start, c.items[k + 1].start, ""};
  return {c.items[k - 1].value_end, c.items[k].value_end, ""};
}

// Appending `value` to the array `c`, spaced like its last element.
Edit AppendItem(std::string_view t, const Container& c, const std::string& value) {
  if (c.items.empty()) return {c.open + 1, c.close, value};
  const Item& last = c.items.back();
  size_t gap_from = c.items.size() >= 2 ? c.items[c.items.size() - 2].value_end : c.open + 1;
  std::string_view gap = t.substr(gap_from, last.start - gap_from);
  if (!gap.empty() && gap[0] == ',') gap.remove_prefix(1);
  return {last.value_end, last.value_end, "," + std::string(gap) + value};
}

std::string Quote(std::string_view s) {
  return Json(std::string(s)).dump(-1, ' ', false, Json::error_handler_t::replace);
}

// The last reference token of a pointer, unescaped.
std::string LastToken(std::string_view pointer) {
  std::string token(pointer.substr(pointer.rfind('/') + 1));
  for (size_t i = 0; (i = token.find('~', i)) != std::string::npos; ++i) {
    token.replace(i, 2, i + 1 < token.size() && token[i + 1] == '1' ? "/" : "~");
  }
  return token;
}

class Fixer {
 public:
  Fixer(std::string_view text, const JsonLocator& loc, const Json& doc)
      : t_(text), loc_(loc), doc_(doc) {}

  // The edit for one diagnostic, or none when it is not fixable here.
  std::optional<Edit> For(const Diagnostic& d, std::string* action) {
    const std::string& c = d.code;
    if (c == "unused-path" || c == "duplicate-path" || c == "duplicate-enum-value") {
      *action = "removed " + Shown(d.json_path);
      return RemoveAt(d.json_path);
    }
    if (c == "ignored-key") {
      *action = "removed the ignored key " + Shown(d.json_path);
      return RemoveAt(d.json_path);
    }
    if (c == "id-type-mismatch") return IdType(d, action);
    if (c == "undeclared-path") return DeclarePath(d, action);
    if (c == "misnamed-key") return Rename(d, action);
    return std::nullopt;
  }

 private:
  std::string Shown(const std::string& ptr) {
    const JsonLocation* l = loc_.Find(ptr);
    std::string what = "\"" + internal::DottedPath(ptr) + "\"";
    if (l == nullptr) return what;
    std::string_view v =
        t_.substr(l->value_offset, SkipValue(t_, l->value_offset) - l->value_offset);
    return v.size() <= 80 ? what + " (" + std::string(v) + ")" : what;
  }

  // The container holding `ptr` and the index of `ptr` in it.
  std::optional<std::pair<Container, size_t>> Locate(const std::string& ptr) {
    if (ptr.empty()) return std::nullopt;
    const JsonLocation* parent = loc_.Find(JsonPointerParent(ptr));
    const JsonLocation* self = loc_.Find(ptr);
    if (parent == nullptr || self == nullptr) return std::nullopt;
    auto c = Scan(t_, parent->value_offset);
    if (!c) return std::nullopt;
    // The last item with this value offset (duplicate keys: JSON keeps the last).
    std::optional<size_t> found;
    for (size_t k = 0; k < c->items.size(); ++k) {
      if (c->items[k].value_start == self->value_offset) found = k;
    }
    if (!found) return std::nullopt;
    return std::make_pair(std::move(*c), *found);
  }

  std::optional<Edit> RemoveAt(const std::string& ptr) {
    auto at = Locate(ptr);
    if (!at) return std::nullopt;
    return RemoveItem(at->first, at->second);
  }

  const Json* ModelJson(const std::string& model_ptr, std::string* name) {
    *name = LastToken(model_ptr);
    if (JsonPointerParent(model_ptr) != "/models") return nullptr;
    auto models = doc_.find("models");
    if (models == doc_.end() || !models->is_object()) return nullptr;
    auto m = models->find(*name);
    return m == models->end() || !m->is_object() ? nullptr : &*m;
  }

  std::optional<Edit> IdType(const Diagnostic& d, std::string* action) {
    const JsonLocation* l = loc_.Find(d.json_path);
    if (l == nullptr) return std::nullopt;
    std::string name;
    if (ModelJson(JsonPointerParent(d.json_path), &name) == nullptr) return std::nullopt;
    internal::BuildOutput out = internal::BuildSchema(doc_);
    const Model* m = out.schema.FindModel(name);
    if (m == nullptr || m->full.dynamic_segments().empty()) return std::nullopt;
    std::string type = m->full.dynamic_segments().back()->type;
    *action = "set \"" + internal::DottedPath(d.json_path) + "\" to \"" + type +
              "\", the type of the path's id segment";
    return Edit{l->value_offset, SkipValue(t_, l->value_offset), Quote(type)};
  }

  std::optional<Edit> DeclarePath(const Diagnostic& d, std::string* action) {
    std::string name;
    const Json* m = ModelJson(JsonPointerParent(d.json_path), &name);
    if (m == nullptr) return std::nullopt;
    auto path = m->find("path");
    if (path == m->end() || !path->is_string()) return std::nullopt;
    std::string entry = path->get<std::string>();
    auto file = m->find("file");
    if (file != m->end() && file->is_string()) entry += "/" + file->get<std::string>();
    const JsonLocation* paths = loc_.Find("/paths");
    if (paths == nullptr) return std::nullopt;
    auto c = Scan(t_, paths->value_offset);
    if (!c || t_[c->open] != '[') return std::nullopt;
    *action = "added \"" + entry + "\" (model " + name + ") to \"paths\"";
    return AppendItem(t_, *c, Quote(entry));
  }

  std::optional<Edit> Rename(const Diagnostic& d, std::string* action) {
    std::string name;
    const Json* m = ModelJson(JsonPointerParent(d.json_path), &name);
    if (m == nullptr || m->contains("idOperator")) return std::nullopt;
    // Only one of the two misnamed keys may become idOperator.
    if (m->contains("operator") && m->contains("idStrategy")) return std::nullopt;
    auto at = Locate(d.json_path);
    if (!at) return std::nullopt;
    const Item& item = at->first.items[at->second];
    *action = "renamed \"" + internal::DottedPath(d.json_path) + "\" to \"idOperator\"";
    return Edit{item.start, item.key_end, "\"idOperator\""};
  }

  std::string_view t_;
  const JsonLocator& loc_;
  const Json& doc_;
};

// Applies non-overlapping edits (the first of overlapping ones wins), back to front.
std::string Apply(std::string_view text, std::vector<Edit> edits) {
  std::stable_sort(edits.begin(), edits.end(),
                   [](const Edit& a, const Edit& b) { return a.begin < b.begin; });
  std::vector<Edit> kept;
  for (Edit& e : edits) {
    if (!kept.empty() && e.begin < kept.back().end) continue;
    if (!kept.empty() && e.begin == kept.back().end && e.begin == e.end) continue;
    kept.push_back(std::move(e));
  }
  std::string out(text);
  for (auto it = kept.rbegin(); it != kept.rend(); ++it) {
    out.replace(it->begin, it->end - it->begin, it->text);
  }
  return out;
}

int Count(const std::vector<Diagnostic>& diags, Severity s) {
  return static_cast<int>(std::count_if(diags.begin(), diags.end(),
                                        [s](const Diagnostic& d) { return d.severity == s; }));
}

}  // namespace

const std::vector<std::string>& FixableLintCodes() {
  static const std::vector<std::string> kCodes = {
      "undeclared-path", "unused-path",          "duplicate-path", "id-type-mismatch",
      "ignored-key",     "duplicate-enum-value", "misnamed-key"};
  return kCodes;
}

FixResult FixSchemaText(std::string_view text) {
  FixResult result;
  result.text = std::string(text);
  try {
    std::vector<Diagnostic> diags = LintSchemaText(result.text);
    // Fixes tried and refused (they would make lint worse) in this text.
    std::set<std::pair<std::string, std::string>> refused;
    // Each round fixes or refuses one finding; a schema has few.
    for (int round = 0; round < 1024; ++round) {
      Result<JsonLocator> loc = JsonLocator::Build(result.text);
      if (!loc.ok()) break;
      Json doc = Json::parse(result.text);
      Fixer fixer(result.text, *loc, doc);
      std::vector<Edit> edits;
      std::vector<LintFix> fixes;
      for (const Diagnostic& d : diags) {
        if (refused.count({d.code, d.json_path})) continue;
        std::string action;
        std::optional<Edit> e = fixer.For(d, &action);
        if (!e) continue;
        edits.push_back(std::move(*e));
        fixes.push_back({d.code, d.json_path, action});
      }
      if (edits.empty()) break;
      // One edit per round when they might interact (two removals in one
      // array shift each other's neighbours): apply the first, re-lint.
      std::string next = Apply(result.text, {edits.front()});
      std::vector<Diagnostic> after = LintSchemaText(next);
      int errors = Count(diags, Severity::kError), total = static_cast<int>(diags.size());
      int errors_after = Count(after, Severity::kError),
          total_after = static_cast<int>(after.size());
      bool better = errors_after <= errors && (errors_after < errors || total_after < total);
      if (!better || next == result.text) {
        refused.insert({fixes.front().code, fixes.front().json_path});
        continue;
      }
      refused.clear();  // pointers may have moved
      result.text = std::move(next);
      result.fixes.push_back(std::move(fixes.front()));
      diags = std::move(after);
    }
  } catch (const std::exception&) {
    // Defensive: nothing here should throw; keep what was fixed so far.
  }
  return result;
}

namespace {

std::vector<std::string_view> Lines(std::string_view t) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start < t.size()) {
    size_t nl = t.find('\n', start);
    size_t end = nl == std::string_view::npos ? t.size() : nl + 1;
    out.push_back(t.substr(start, end - start));
    start = end;
  }
  return out;
}

void AddLine(std::string* out, char tag, std::string_view line) {
  *out += tag;
  *out += line;
  if (line.empty() || line.back() != '\n') *out += "\n\\ No newline at end of file\n";
}

}  // namespace

std::string UnifiedDiff(std::string_view before, std::string_view after, std::string_view name) {
  if (before == after) return {};
  std::vector<std::string_view> a = Lines(before), b = Lines(after);
  // Common head and tail first: fixes touch a few lines of a long file.
  size_t head = 0;
  while (head < a.size() && head < b.size() && a[head] == b[head]) ++head;
  size_t tail = 0;
  while (tail < a.size() - head && tail < b.size() - head &&
         a[a.size() - 1 - tail] == b[b.size() - 1 - tail]) {
    ++tail;
  }
  size_t n = a.size() - head - tail, m = b.size() - head - tail;
  // The edit script as (tag, a index, b index): ' ', '-', '+'.
  struct Op {
    char tag;
    size_t ai, bi;
  };
  std::vector<Op> ops;
  for (size_t i = 0; i < head; ++i) ops.push_back({' ', i, i});
  if (n * m <= 4'000'000) {
    // LCS table over the middle.
    std::vector<std::vector<uint32_t>> l(n + 1, std::vector<uint32_t>(m + 1, 0));
    for (size_t i = n; i-- > 0;) {
      for (size_t j = m; j-- > 0;) {
        l[i][j] =
            a[head + i] == b[head + j] ? l[i + 1][j + 1] + 1 : std::max(l[i + 1][j], l[i][j + 1]);
      }
    }
    size_t i = 0, j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[head + i] == b[head + j]) {
        ops.push_back({' ', head + i++, head + j++});
      } else if (i < n && (j == m || l[i + 1][j] >= l[i][j + 1])) {
        ops.push_back({'-', head + i++, head + j});  // removals before additions, as diff -u
      } else {
        ops.push_back({'+', head + i, head + j++});
      }
    }
  } else {
    for (size_t i = 0; i < n; ++i) ops.push_back({'-', head + i, head});
    for (size_t j = 0; j < m; ++j) ops.push_back({'+', head + n, head + j});
  }
  for (size_t i = 0; i < tail; ++i) ops.push_back({' ', head + n + i, head + m + i});

  std::string out = "--- a/" + std::string(name) + "\n+++ b/" + std::string(name) + "\n";
  constexpr size_t kContext = 3;
  size_t k = 0;
  while (k < ops.size()) {
    while (k < ops.size() && ops[k].tag == ' ') ++k;
    if (k == ops.size()) break;
    size_t from = k >= kContext ? k - kContext : 0;
    // Extend the hunk while changes are within 2 * context of each other.
    size_t to = k;
    for (size_t q = k; q < ops.size(); ++q) {
      if (ops[q].tag != ' ')
        to = q;
      else if (q - to > 2 * kContext)
        break;
    }
    size_t end = std::min(ops.size(), to + 1 + kContext);
    size_t a_count = 0, b_count = 0;
    for (size_t q = from; q < end; ++q) {
      if (ops[q].tag != '+') ++a_count;
      if (ops[q].tag != '-') ++b_count;
    }
    size_t a_start = a_count ? ops[from].ai + 1 : ops[from].ai;
    size_t b_start = b_count ? ops[from].bi + 1 : ops[from].bi;
    out += "@@ -" + std::to_string(a_start) + (a_count == 1 ? "" : "," + std::to_string(a_count)) +
           " +" + std::to_string(b_start) + (b_count == 1 ? "" : "," + std::to_string(b_count)) +
           " @@\n";
    for (size_t q = from; q < end; ++q) {
      AddLine(&out, ops[q].tag, ops[q].tag == '+' ? b[ops[q].bi] : a[ops[q].ai]);
    }
    k = end;
  }
  return out;
}

}  // namespace worm::schema

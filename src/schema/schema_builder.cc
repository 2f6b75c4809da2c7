// SchemaBuilder: the top-level sections of schema.json and the checks that
// span models (declared paths, conflicting keys). Models and fields are in
// schema_models.cc.
#include "schema/schema_builder.h"

#include <cstdint>
#include <limits>

#include "schema/internal.h"
#include "schema/json_locator.h"
#include "schema/utf8.h"

namespace worm::schema::internal {

namespace {

const std::vector<std::string> kTopKeys = {
    "$schema", "schemaVersion", "sourceOfTruth", "symbols",     "dynamicTypes", "operators",
    "storage", "paths",         "models",        "description", "access"};

std::string KindName(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return "a boolean";
    case Json::value_t::string:
      return "a string";
    case Json::value_t::array:
      return "an array";
    case Json::value_t::object:
      return "an object";
    default:
      return "a number";
  }
}

bool IsSymbolChar(uint32_t cp) {
  bool name_char = (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
                   (cp >= '0' && cp <= '9') || cp == '-' || cp == '_' || cp == '.';
  return !name_char && cp != '/' && cp != ':' && cp != ' ' && !IsControl(cp) && cp != 0x7F;
}

// The literal text of a key-level segment, or empty for a dynamic segment.
std::string LiteralText(const Segment& s) {
  if (s.kind == SegmentKind::kDynamic) return {};
  return s.kind == SegmentKind::kFile ? s.name + s.extension : s.name;
}

std::string TemplateOf(const PathPattern& p) {
  std::string out;
  for (const Segment& s : p.segments) {
    if (!out.empty()) out += '/';
    out += s.kind == SegmentKind::kDynamic ? "{" + s.name + "}" : LiteralText(s);
  }
  return out;
}

}  // namespace

std::string DottedPath(std::string_view pointer) {
  if (pointer.empty()) return "schema";
  std::string out;
  size_t start = 1;
  while (start <= pointer.size()) {
    size_t end = pointer.find('/', start);
    if (end == std::string_view::npos) end = pointer.size();
    std::string token(pointer.substr(start, end - start));
    for (size_t i = 0; (i = token.find('~', i)) != std::string::npos; ++i) {
      token.replace(i, 2, i + 1 < token.size() && token[i + 1] == '1' ? "/" : "~");
    }
    bool index = !token.empty() && token.find_first_not_of("0123456789") == std::string::npos;
    out += index ? "[" + token + "]" : (out.empty() ? "" : ".") + token;
    start = end + 1;
  }
  return out;
}

bool IsIdentifier(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) {
      return false;
    }
  }
  return true;
}

const Problem* BuildOutput::first_error() const {
  for (const Problem& p : problems) {
    if (p.severity == Severity::kError) return &p;
  }
  return nullptr;
}

BuildOutput BuildSchema(const Json& doc) {
  try {
    return SchemaBuilder(doc).Run();
  } catch (const std::exception& e) {
    // Defensive: the builder checks types before every access.
    BuildOutput out;
    out.problems.push_back({Severity::kError, "internal", "", false,
                            std::string("unexpected error while reading the schema: ") + e.what()});
    return out;
  }
}

BuildOutput SchemaBuilder::Run() {
  BuildOutput out;
  if (!doc_.is_object()) {
    Error("wrong-type", "",
          "a schema is a JSON object, not " + KindName(doc_) + ": start from {\"models\": {}}");
  } else {
    CheckKeys(doc_, "", kTopKeys, "top-level key");
    LoadHeader();
    LoadSymbols();
    LoadDynamicTypes();
    LoadOperators();
    LoadStorage();
    LoadPaths();
    LoadModels();
    CheckDeclaredPaths();
    CheckConflicts();
  }
  out.schema = std::move(schema_);
  out.problems = std::move(problems_);
  return out;
}

void SchemaBuilder::Error(std::string code, std::string pointer, std::string message, bool at_key) {
  problems_.push_back(
      {Severity::kError, std::move(code), std::move(pointer), at_key, std::move(message)});
}

void SchemaBuilder::Warn(std::string code, std::string pointer, std::string message, bool at_key) {
  problems_.push_back(
      {Severity::kWarning, std::move(code), std::move(pointer), at_key, std::move(message)});
}

void SchemaBuilder::CheckKeys(const Json& obj, const std::string& ptr,
                              const std::vector<std::string>& known, std::string_view what) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    const std::string& key = it.key();
    bool ok = false;
    for (const std::string& k : known) ok = ok || k == key;
    if (ok) continue;
    std::string hint = Suggest(key, known);
    Warn("unknown-key", JsonPointerAppend(ptr, key),
         "unknown " + std::string(what) + " '" + Printable(key) + "' is ignored" +
             (hint.empty() ? ": remove it or fix its spelling" : DidYouMean(hint)),
         /*at_key=*/true);
  }
}

const Json* SchemaBuilder::Member(const Json& obj, const std::string& ptr, std::string_view key,
                                  Kind kind) {
  auto it = obj.find(key);
  if (it == obj.end()) return nullptr;
  const Json& v = *it;
  bool ok = false;
  const char* want = "";
  switch (kind) {
    case Kind::kString:
      ok = v.is_string(), want = "a string";
      break;
    case Kind::kBool:
      ok = v.is_boolean(), want = "true or false";
      break;
    case Kind::kObject:
      ok = v.is_object(), want = "an object";
      break;
    case Kind::kArray:
      ok = v.is_array(), want = "an array";
      break;
    case Kind::kNumber:
      ok = v.is_number(), want = "a number";
      break;
    case Kind::kInteger:
      ok = v.is_number_integer() &&
           (!v.is_number_unsigned() ||
            v.get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()));
      want = "an integer";
      break;
  }
  if (ok) return &v;
  Error("wrong-type", JsonPointerAppend(ptr, key),
        "\"" + std::string(key) + "\" must be " + want + ", not " + KindName(v) + " " + Brief(v));
  return nullptr;
}

std::optional<std::string> SchemaBuilder::String(const Json& obj, const std::string& ptr,
                                                 std::string_view key) {
  const Json* v = Member(obj, ptr, key, Kind::kString);
  if (v == nullptr) return std::nullopt;
  return v->get<std::string>();
}

std::optional<bool> SchemaBuilder::Bool(const Json& obj, const std::string& ptr,
                                        std::string_view key) {
  const Json* v = Member(obj, ptr, key, Kind::kBool);
  if (v == nullptr) return std::nullopt;
  return v->get<bool>();
}

std::optional<int64_t> SchemaBuilder::Integer(const Json& obj, const std::string& ptr,
                                              std::string_view key) {
  const Json* v = Member(obj, ptr, key, Kind::kInteger);
  if (v == nullptr) return std::nullopt;
  return v->get<int64_t>();
}

std::optional<double> SchemaBuilder::Number(const Json& obj, const std::string& ptr,
                                            std::string_view key) {
  const Json* v = Member(obj, ptr, key, Kind::kNumber);
  if (v == nullptr) return std::nullopt;
  return v->get<double>();
}

void SchemaBuilder::LoadHeader() {
  if (auto v = String(doc_, "", "schemaVersion")) {
    schema_.schema_version = *v;
    if (v->substr(0, v->find('.')) != "1") {
      Error("unsupported-schema-version", "/schemaVersion",
            "schemaVersion '" + Printable(*v) +
                "' is not supported: this S3WORM reads 1.x; write \"1.0\"");
    }
  }
  if (auto v = String(doc_, "", "sourceOfTruth")) {
    schema_.source_of_truth = *v;
    if (*v != "local" && *v != "remote") {
      Warn("unknown-value", "/sourceOfTruth",
           "sourceOfTruth '" + Printable(*v) + "' is not known: use \"local\" or \"remote\"");
    }
  }
  // The access section is kept as written; the security layer compiles and
  // lints it (CompileAccessPolicy, security/access_lint.h): it needs the
  // filter language, which sits above this layer.
  if (const Json* access = Member(doc_, "", "access", Kind::kObject)) schema_.access = *access;
}

bool SchemaBuilder::CheckSymbol(const Json& obj, const std::string& ptr, const char* key, bool pair,
                                std::string* a, std::string* b) {
  auto v = String(obj, ptr, key);
  if (!v) return !obj.contains(key);
  std::string at = JsonPointerAppend(ptr, key);
  std::vector<std::string> chars;
  for (size_t i = 0; i < v->size();) {
    uint32_t cp;
    size_t n = DecodeUtf8(*v, i, &cp);
    if (n == 0 || !IsSymbolChar(cp)) {
      Error("invalid-symbols", at,
            "symbol '" + Printable(*v) +
                "' may not use letters, digits, '-', '_', '.', '/', ':', spaces or controls");
      return false;
    }
    chars.push_back(v->substr(i, n));
    i += n;
  }
  if (pair ? chars.size() != 2 : (chars.empty() || chars.size() > 4)) {
    Error("invalid-symbols", at,
          pair ? "\"" + std::string(key) + "\" must be two characters, open then close, like \"()\""
               : "\"" + std::string(key) + "\" must be 1 to 4 characters, like \"#\"");
    return false;
  }
  *a = pair ? chars[0] : *v;
  if (pair) *b = chars[1];
  return true;
}

void SchemaBuilder::LoadSymbols() {
  const Json* obj = Member(doc_, "", "symbols", Kind::kObject);
  if (obj == nullptr) {
    symbols_ok_ = !doc_.contains("symbols");
    return;
  }
  CheckKeys(*obj, "/symbols", {"namespace", "collection", "dynamic", "requiredFile"},
            "symbols key");
  Symbols& s = schema_.symbols;
  std::string unused;
  symbols_ok_ = CheckSymbol(*obj, "/symbols", "namespace", false, &s.namespace_symbol, &unused) &
                CheckSymbol(*obj, "/symbols", "collection", false, &s.collection_symbol, &unused) &
                CheckSymbol(*obj, "/symbols", "dynamic", true, &s.dynamic_open, &s.dynamic_close) &
                CheckSymbol(*obj, "/symbols", "requiredFile", true, &s.file_open, &s.file_close);
  if (!symbols_ok_) return;
  const std::string all[] = {s.namespace_symbol, s.collection_symbol, s.dynamic_open,
                             s.dynamic_close,    s.file_open,         s.file_close};
  const char* keys[] = {"namespace", "collection",   "dynamic",
                        "dynamic",   "requiredFile", "requiredFile"};
  for (size_t j = 1; j < 6 && symbols_ok_; ++j) {
    for (size_t i = 0; i < j && symbols_ok_; ++i) {
      if (all[i] != all[j]) continue;
      // Point at a key the file has: the later one, else the earlier one.
      const char* key = obj->contains(keys[j]) ? keys[j] : keys[i];
      Error("invalid-symbols", obj->contains(key) ? JsonPointerAppend("/symbols", key) : "/symbols",
            "symbol '" + all[i] + "' is used twice (" + keys[i] +
                (std::string_view(keys[i]) == keys[j] ? "" : std::string(" and ") + keys[j]) +
                "): give each symbol its own characters");
      symbols_ok_ = false;
    }
  }
}

void SchemaBuilder::LoadDynamicTypes() {
  schema_.dynamic_types = BuiltinDynamicTypes();
  const Json* obj = Member(doc_, "", "dynamicTypes", Kind::kObject);
  if (obj == nullptr) return;
  for (auto it = obj->begin(); it != obj->end(); ++it) {
    const std::string& name = it.key();
    std::string ptr = JsonPointerAppend("/dynamicTypes", name);
    if (!IsIdentifier(name) && name.find('-') == std::string::npos) {
      Error("invalid-name", ptr,
            "dynamic type name '" + Printable(name) + "' must use letters, digits, '_' and '-'",
            true);
      continue;
    }
    if (!it->is_object()) {
      Error("wrong-type", ptr,
            "dynamic type '" + name +
                "' must be an object like {\"regex\": "
                "\"^[a-z0-9-]+$\"}");
      continue;
    }
    CheckKeys(*it, ptr, {"regex", "description", "example"}, "dynamic type key");
    String(*it, ptr, "description");
    auto regex = String(*it, ptr, "regex");
    if (!regex) {
      if (!it->contains("regex")) {
        Error("missing-key", ptr,
              "dynamic type '" + name + "' needs a \"regex\", e.g. \"^[a-z0-9-]+$\"");
      }
      continue;
    }
    Result<DynamicType> t = MakeDynamicType(name, *regex);
    if (!t.ok()) {
      std::string error;
      CompileRegex(*regex, &error);
      Error("invalid-regex", ptr + "/regex",
            "invalid regex '" + Printable(*regex) + "' for dynamic type '" + name + "': " + error +
                " (RE2 syntax; no lookaround or backreferences)");
      continue;
    }
    if (auto example = String(*it, ptr, "example"); example && !t->Matches(*example)) {
      Warn("example-mismatch", ptr + "/example",
           "example '" + Printable(*example) + "' does not match the regex " + *regex);
    }
    schema_.dynamic_types[name] = std::move(t).value();
  }
}

void SchemaBuilder::LoadOperators() {
  schema_.operators = BuiltinOperators();
  const Json* obj = Member(doc_, "", "operators", Kind::kObject);
  if (obj == nullptr) return;
  for (auto it = obj->begin(); it != obj->end(); ++it) {
    std::string ptr = JsonPointerAppend("/operators", it.key());
    if (!IsIdentifier(it.key())) {
      Error("invalid-name", ptr,
            "operator name '" + Printable(it.key()) + "' must use letters, digits and '_'", true);
      continue;
    }
    if (!it->is_object()) {
      Error("wrong-type", ptr,
            "operator '" + it.key() + "' must be an object like {\"strategy\": \"uuid\"}");
      continue;
    }
    CheckKeys(*it, ptr, {"strategy", "startAt", "step", "description"}, "operator key");
    Operator op;
    op.name = it.key();
    auto strategy = String(*it, ptr, "strategy");
    std::optional<IdStrategy> parsed = strategy ? ParseStrategy(*strategy) : std::nullopt;
    if (!parsed) {
      if (strategy || !it->contains("strategy")) {
        Error(strategy ? "unknown-strategy" : "missing-key", strategy ? ptr + "/strategy" : ptr,
              (strategy ? "unknown strategy '" + Printable(*strategy) + "'" : "no \"strategy\"") +
                  ": use \"uuid\", \"uuid7\" or \"increment\"");
      }
      continue;
    }
    op.strategy = *parsed;
    for (const char* key : {"startAt", "step"}) {
      auto v = Integer(*it, ptr, key);
      if (!v) continue;
      std::string at = ptr + "/" + key;
      if (op.strategy != IdStrategy::kIncrement) {
        Warn("ignored-key", at, std::string("\"") + key + "\" only applies to \"increment\"");
      } else if (std::string_view(key) == "step" ? *v <= 0 : *v < 0) {
        Error("invalid-value", at,
              std::string("\"") + key + "\" must be " +
                  (std::string_view(key) == "step" ? "positive" : "0 or more") + ", not " +
                  std::to_string(*v));
      }
      (std::string_view(key) == "step" ? op.step : op.start_at) = *v;
    }
    schema_.operators[op.name] = op;
  }
}

void SchemaBuilder::LoadStorage() {
  const Json* obj = Member(doc_, "", "storage", Kind::kObject);
  if (obj == nullptr) return;
  CheckKeys(*obj, "/storage", {"layout"}, "storage key");
  if (auto v = String(*obj, "/storage", "layout")) {
    if (auto layout = ParseLayout(*v)) {
      schema_.layout = *layout;
    } else {
      Error("unknown-layout", "/storage/layout",
            "unknown storage layout '" + Printable(*v) + "'" +
                DidYouMean(Suggest(*v, std::vector<std::string>{"root", "collection", "inline"})) +
                ": use \"root\" (default), \"collection\" or \"inline\"");
    }
  }
}

bool SchemaBuilder::CheckPathTypes(const PathPattern& p, const std::string& ptr) {
  bool ok = true;
  for (const Segment* s : p.dynamic_segments()) {
    if (schema_.dynamic_types.count(s->type)) continue;
    std::vector<std::string> names;
    for (const auto& [name, t] : schema_.dynamic_types) names.push_back(name);
    std::string list;
    for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
    Error("unknown-dynamic-type", ptr,
          "dynamic type '" + s->type + "' in " + PrintSegment(*s, schema_.symbols) +
              " is not defined" + DidYouMean(Suggest(s->type, names)) + ": use one of " + list +
              ", or declare it under \"dynamicTypes\"");
    ok = false;
  }
  return ok;
}

void SchemaBuilder::LoadPaths() {
  const Json* arr = Member(doc_, "", "paths", Kind::kArray);
  has_paths_ = arr != nullptr;
  if (arr == nullptr) return;
  std::set<std::string> seen;
  for (size_t i = 0; i < arr->size(); ++i) {
    std::string ptr = JsonPointerAppend("/paths", i);
    const Json& v = (*arr)[i];
    if (!v.is_string()) {
      Error("wrong-type", ptr,
            "a \"paths\" entry must be a string like "
            "\"#org/@customers/(id:uuid)/[profile].json\", not " +
                KindName(v));
      continue;
    }
    if (!symbols_ok_) continue;
    Result<PathPattern> p = ParsePath(v.get<std::string>(), schema_.symbols);
    if (!p.ok()) {
      Error("invalid-path", ptr, p.status().message());
      continue;
    }
    if (!CheckPathTypes(*p, ptr)) continue;
    if (!seen.insert(PrintPath(*p)).second) {
      Warn("duplicate-path", ptr, "path '" + p->source + "' is listed twice: remove one");
    }
    schema_.paths.push_back(std::move(p).value());
    path_ptrs_.push_back(ptr);
  }
}

void SchemaBuilder::CheckDeclaredPaths() {
  if (!has_paths_) return;
  std::vector<bool> used(schema_.paths.size(), false);
  std::vector<std::string> sources;
  for (const PathPattern& p : schema_.paths) sources.push_back(p.source);
  for (size_t m = 0; m < schema_.models.size(); ++m) {
    if (!model_path_ok_[m]) continue;
    const Model& model = schema_.models[m];
    std::string full = PrintPath(model.full), path = PrintPath(model.path);
    bool found = false;
    for (size_t i = 0; i < schema_.paths.size(); ++i) {
      std::string entry = PrintPath(schema_.paths[i]);
      if (entry == full || entry == path) used[i] = found = true;
    }
    if (found) continue;
    std::string shown = PrintPath(model.full, schema_.symbols);
    std::string hint = Suggest(shown, sources);
    Error("undeclared-path", model_ptrs_[m],
          "model '" + model.name + "' uses path '" + shown + "', which \"paths\" does not list" +
              (hint.empty() ? "" : " (closest: '" + hint + "')") +
              ": add it to \"paths\" or correct the model's path");
  }
  for (size_t i = 0; i < schema_.paths.size(); ++i) {
    if (used[i]) continue;
    Warn("unused-path", path_ptrs_[i],
         "no model uses path '" + schema_.paths[i].source +
             "': add a model with this path and file, or remove it from \"paths\"");
  }
}

void SchemaBuilder::CheckConflicts() {
  // Two models conflict when some key could belong to both: same number of
  // segments; literals equal; a literal against a dynamic segment matches its
  // type; two dynamic segments always may collide.
  auto compatible = [&](const Segment& a, const Segment& b) {
    bool da = a.kind == SegmentKind::kDynamic, db = b.kind == SegmentKind::kDynamic;
    if (da && db) return true;
    if (!da && !db) return LiteralText(a) == LiteralText(b);
    const Segment& dyn = da ? a : b;
    auto t = schema_.dynamic_types.find(dyn.type);
    return t == schema_.dynamic_types.end() || t->second.Matches(LiteralText(da ? b : a));
  };
  for (size_t j = 0; j < schema_.models.size(); ++j) {
    for (size_t i = 0; i < j && model_path_ok_[j]; ++i) {
      if (!model_path_ok_[i]) continue;
      const Model& ma = schema_.models[i];
      const Model& mb = schema_.models[j];
      const auto& a = ma.full.segments;
      const auto& b = mb.full.segments;
      if (a.size() != b.size()) continue;
      bool overlap = true;
      for (size_t k = 0; k + 1 < a.size() && overlap; ++k) overlap = compatible(a[k], b[k]);
      if (overlap && !compatible(a.back(), b.back())) {
        // Same entity folder, different files: fine, unless both keep an
        // oplog or a trash, whose per-entity folders they would then share.
        if ((ma.oplog && mb.oplog) || (ma.soft_delete && mb.soft_delete)) {
          Warn("shared-entity-folder", model_ptrs_[j],
               "models '" + ma.name + "' and '" + mb.name + "' share the entity folder " +
                   TemplateOf(mb.path) + " and both keep " +
                   (ma.oplog && mb.oplog ? "an oplog" : "a trash") +
                   " for it, so their entries would mix: turn \"oplog\"/\"softDelete\" off on "
                   "one of them");
        }
        continue;
      }
      if (!overlap) continue;
      Error("conflicting-paths", model_ptrs_[j],
            "models '" + schema_.models[i].name + "' and '" + schema_.models[j].name +
                "' resolve to the same keys (" + TemplateOf(schema_.models[j].full) +
                "): give one of them another collection or file name");
      break;
    }
  }
}

}  // namespace worm::schema::internal

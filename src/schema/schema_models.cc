// SchemaBuilder: models and their fields.
#include <set>

#include "schema/internal.h"
#include "schema/json_locator.h"
#include "schema/schema_builder.h"
#include "schema/utf8.h"

namespace worm::schema::internal {

namespace {

const std::vector<std::string> kModelKeys = {
    "path", "file", "idType", "idOperator", "singleton", "mode", "oplog", "softDelete", "layout",
    "allowUnknownFields", "links", "fields", "description",
    // Refused with a hint (see LoadModel), listed so they are not also "unknown".
    "operator", "idStrategy"};

const std::vector<std::string> kFieldKeys = {
    "type",       "required",           "enum",    "default", "ref",       "onDelete",  "items",
    "properties", "allowUnknownFields", "minimum", "maximum", "minLength", "maxLength", "pattern",
    "description"};

const std::vector<std::string> kFieldTypes = {"string", "number",   "integer", "boolean",
                                              "date",   "datetime", "array",   "object"};

// Ids look like these per strategy; an id type must accept them.
std::string SampleId(const Operator& op) {
  switch (op.strategy) {
    case IdStrategy::kUuid:
      return "3f2b8c1e-9d4a-4b6e-8f7a-1c2d3e4f5a6b";
    case IdStrategy::kUuid7:
      return "01890a5d-ac96-774b-bcce-b302099a8057";
    case IdStrategy::kIncrement:
      return std::to_string(op.start_at);
    case IdStrategy::kNone:
      break;
  }
  return {};
}

// Field names: non-empty, no '.' (dotted paths reach nested fields in
// queries), not starting with '$' (query operators), no control characters.
bool IsFieldName(std::string_view name) {
  if (name.empty() || name[0] == '$' || name.find('.') != std::string_view::npos) return false;
  for (size_t i = 0; i < name.size();) {
    uint32_t cp;
    size_t n = DecodeUtf8(name, i, &cp);
    if (n == 0 || IsControl(cp)) return false;
    i += n;
  }
  return true;
}

bool IsNumeric(FieldType t) { return t == FieldType::kNumber || t == FieldType::kInteger; }
bool HasLength(FieldType t) { return t == FieldType::kString || t == FieldType::kArray; }

}  // namespace

void SchemaBuilder::LoadModels() {
  const Json* models = Member(doc_, "", "models", Kind::kObject);
  if (models == nullptr) {
    if (!doc_.contains("models")) {
      Error("missing-key", "", "a schema needs \"models\": {\"Customer\": {\"path\": ...}}");
    }
    return;
  }
  if (models->empty()) Warn("no-models", "/models", "no models are declared: add one");
  for (auto it = models->begin(); it != models->end(); ++it) {
    model_names_.insert(it.key());
    if (it->is_object()) {
      auto s = it->find("singleton");
      if (s != it->end() && s->is_boolean() && s->get<bool>()) singleton_names_.insert(it.key());
    }
  }
  for (auto it = models->begin(); it != models->end(); ++it) {
    LoadModel(it.key(), *it, JsonPointerAppend("/models", it.key()));
  }
}

void SchemaBuilder::LoadModel(const std::string& name, const Json& j, const std::string& ptr) {
  if (!IsIdentifier(name)) {
    Error("invalid-name", ptr,
          "model name '" + Printable(name) +
              "' must be an identifier (letters, digits and '_', not starting with a digit)",
          true);
  }
  if (!j.is_object()) {
    Error("wrong-type", ptr, "model '" + Printable(name) + "' must be an object with a \"path\"");
    return;
  }
  CheckKeys(j, ptr, kModelKeys, "model key");
  for (const char* misnamed : {"operator", "idStrategy"}) {
    if (j.contains(misnamed)) {
      Error("misnamed-key", JsonPointerAppend(ptr, misnamed),
            std::string("\"") + misnamed + "\" is not a model key: write \"idOperator\": \"" +
                (j[misnamed].is_string() ? Printable(j[misnamed].get<std::string>()) : "seq") +
                "\" to choose how ids are made",
            true);
    }
  }
  Model m;
  m.name = name;
  bool path_ok = LoadModelPath(j, ptr, &m);
  if (path_ok) LoadModelId(j, ptr, &m);
  LoadModelOptions(j, ptr, &m);
  LoadLinks(j, ptr, &m);
  if (const Json* fields = Member(j, ptr, "fields", Kind::kObject)) {
    std::set<std::string> reserved = {"id", "createdAt", "updatedAt"};
    for (const Segment* s : m.full.dynamic_segments()) reserved.insert(s->name);
    for (auto it = fields->begin(); it != fields->end(); ++it) {
      std::string fptr = JsonPointerAppend(ptr + "/fields", it.key());
      if (!IsFieldName(it.key())) {
        Error("invalid-name", fptr,
              "field name '" + Printable(it.key()) +
                  "' may not be empty, contain '.' or start with '$'",
              true);
        continue;
      }
      if (reserved.count(it.key())) {
        Warn("reserved-field-name", fptr,
             "S3WORM sets '" + it.key() +
                 "' on every document (id, createdAt, updatedAt and "
                 "one per dynamic segment): remove the field or rename it",
             true);
      }
      if (auto f = LoadField(it.key(), *it, fptr, 0)) m.fields.push_back(std::move(*f));
    }
  }
  schema_.models.push_back(std::move(m));
  model_ptrs_.push_back(ptr + "/path");
  model_path_ok_.push_back(path_ok);
}

bool SchemaBuilder::CheckFileText(const std::string& text, const std::string& ptr) {
  const Symbols& sym = schema_.symbols;
  if (text.substr(0, sym.file_open.size()) != sym.file_open) {
    std::string base = text.substr(0, text.find('.'));
    std::string ext = text.find('.') == std::string::npos ? ".json" : text.substr(text.find('.'));
    Error("invalid-file", ptr,
          "file '" + Printable(text) + "' needs brackets around its name: write \"" +
              sym.file_open + (base.empty() ? "data" : Printable(base)) + sym.file_close +
              Printable(ext) + "\"");
    return false;
  }
  Result<PathPattern> p = ParsePath(text, sym);
  if (!p.ok()) {
    Error("invalid-file", ptr, p.status().message());
    return false;
  }
  if (p->segments.size() != 1) {
    Error("invalid-file", ptr,
          "file '" + Printable(text) +
              "' must be one segment like [profile].json; put folders in "
              "\"path\"");
    return false;
  }
  return true;
}

bool SchemaBuilder::LoadModelPath(const Json& j, const std::string& ptr, Model* m) {
  auto path = String(j, ptr, "path");
  auto file = String(j, ptr, "file");
  m->singleton = Bool(j, ptr, "singleton").value_or(false);
  if (!path) {
    if (!j.contains("path")) {
      Error("missing-key", ptr,
            "model '" + m->name + "' needs a \"path\", e.g. \"#org/@customers/(id:uuid)\"");
    }
    return false;
  }
  if (!symbols_ok_) return false;
  std::string pptr = ptr + "/path";
  Result<PathPattern> parsed = ParsePath(*path, schema_.symbols);
  if (!parsed.ok()) {
    Error("invalid-path", pptr, parsed.status().message());
    return false;
  }
  std::string full_text = *path;
  if (parsed->file() != nullptr && file) {
    Error("file-given-twice", ptr + "/file",
          "the path already ends with a file: remove \"file\" or the file at the end of \"path\"");
    return false;
  }
  if (parsed->file() == nullptr) {
    if (!file) {
      if (!j.contains("file")) {
        Error("missing-file", pptr,
              "model '" + m->name + "' names no document file: add \"file\": \"" +
                  schema_.symbols.file_open + "data" + schema_.symbols.file_close +
                  ".json\" or end the path with one");
      }
      return false;
    }
    if (!CheckFileText(*file, ptr + "/file")) return false;
    full_text += "/" + *file;
  }
  Result<PathPattern> full = ParsePath(full_text, schema_.symbols);
  if (!full.ok()) {
    Error("invalid-path", pptr, full.status().message());
    return false;
  }
  m->full = std::move(full).value();
  m->path.segments.assign(m->full.segments.begin(), m->full.segments.end() - 1);
  m->path.source = PrintPath(m->path, schema_.symbols);
  m->file.segments = {m->full.segments.back()};
  m->file.segments[0].column = 1;
  m->file.source = PrintPath(m->file, schema_.symbols);
  if (!CheckPathTypes(m->full, pptr)) return false;
  SegmentKind first = m->full.segments.front().kind;
  if (first != SegmentKind::kNamespace && first != SegmentKind::kCollection) {
    Error("missing-prefix", pptr,
          "path '" + Printable(*path) + "' must start with a namespace or collection (" +
              schema_.symbols.namespace_symbol + "org/... or " + schema_.symbols.collection_symbol +
              "items/...) so the model has a base folder");
    return false;
  }
  auto dyn = m->full.dynamic_segments();
  if (m->singleton && !dyn.empty()) {
    Error("singleton-with-id", pptr,
          "model '" + m->name + "' is a singleton but its path has the dynamic segment " +
              PrintSegment(*dyn.front(), schema_.symbols) +
              ": remove it, or drop \"singleton\": true");
    return false;
  }
  if (!m->singleton && dyn.empty()) {
    Error("missing-id-segment", pptr,
          "model '" + m->name + "' has no dynamic segment: add one such as " +
              schema_.symbols.dynamic_open + "id:uuid" + schema_.symbols.dynamic_close +
              " before the file, or set \"singleton\": true");
    return false;
  }
  return true;
}

void SchemaBuilder::LoadModelId(const Json& j, const std::string& ptr, Model* m) {
  auto id_type = String(j, ptr, "idType");
  auto op = String(j, ptr, "idOperator");
  if (m->singleton) {
    if (id_type) Warn("ignored-key", ptr + "/idType", "a singleton has no id: remove \"idType\"");
    if (op)
      Warn("ignored-key", ptr + "/idOperator", "a singleton has no id: remove \"idOperator\"");
    return;
  }
  const Segment* last = m->full.dynamic_segments().back();
  m->id_type = last->type;
  if (id_type && *id_type != m->id_type) {
    Error("id-type-mismatch", ptr + "/idType",
          "idType '" + Printable(*id_type) + "' disagrees with the path's id segment " +
              PrintSegment(*last, schema_.symbols) +
              ": make them the same, or remove \"idType\" "
              "(it defaults to the path's type)");
    return;
  }
  if (op) {
    if (!schema_.operators.count(*op)) {
      std::vector<std::string> names;
      for (const auto& [name, o] : schema_.operators) names.push_back(name);
      Error("unknown-operator", ptr + "/idOperator",
            "idOperator '" + Printable(*op) + "' is not defined" + DidYouMean(Suggest(*op, names)) +
                ": use auto, seq, uuid7 or one declared under \"operators\"");
      return;
    }
    m->id_operator = *op;
  } else {
    m->id_operator = DefaultOperatorFor(m->id_type);
  }
  CheckOperatorFits(*m, op ? ptr + "/idOperator" : ptr + "/path");
}

void SchemaBuilder::CheckOperatorFits(const Model& m, const std::string& ptr) {
  if (m.id_operator.empty()) return;
  auto op = schema_.operators.find(m.id_operator);
  auto type = schema_.dynamic_types.find(m.id_type);
  if (op == schema_.operators.end() || type == schema_.dynamic_types.end()) return;
  std::string sample = SampleId(op->second);
  if (sample.empty() || type->second.Matches(sample)) return;
  Error(
      "operator-type-mismatch", ptr,
      "id operator '" + m.id_operator + "' makes ids like '" + sample + "', which id type '" +
          m.id_type + "' (" + type->second.regex + ") refuses: use " +
          (op->second.strategy == IdStrategy::kIncrement ? "an int id segment such as (id:int)"
                                                         : "a uuid id segment such as (id:uuid)") +
          " or another \"idOperator\"");
}

void SchemaBuilder::LoadModelOptions(const Json& j, const std::string& ptr, Model* m) {
  if (auto mode = String(j, ptr, "mode")) {
    if (auto parsed = ParseMode(*mode)) {
      m->mode = *parsed;
    } else {
      Error("unknown-mode", ptr + "/mode",
            "unknown mode '" + Printable(*mode) +
                "': use \"readwrite\", \"readonly\" or "
                "\"appendonly\"");
    }
  }
  m->oplog = Bool(j, ptr, "oplog").value_or(false);
  m->soft_delete = Bool(j, ptr, "softDelete").value_or(false);
  m->strict = !Bool(j, ptr, "allowUnknownFields").value_or(false);
  String(j, ptr, "description");
  if (auto layout = String(j, ptr, "layout")) {
    if (auto parsed = ParseLayout(*layout)) {
      m->layout = *parsed;
    } else {
      Error(
          "unknown-layout", ptr + "/layout",
          "unknown layout '" + Printable(*layout) +
              "': use \"root\", \"collection\" or \"inline\", or remove it to use storage.layout");
    }
  }
}

void SchemaBuilder::LoadLinks(const Json& j, const std::string& ptr, Model* m) {
  const Json* links = Member(j, ptr, "links", Kind::kObject);
  if (links == nullptr) return;
  m->links = *links;
  for (auto it = links->begin(); it != links->end(); ++it) {
    std::string lptr = JsonPointerAppend(ptr + "/links", it.key());
    if (!it->is_object()) {
      Error("wrong-type", lptr,
            "link '" + Printable(it.key()) + "' must be an object like {\"through\": \"PostTag\"}");
      continue;
    }
    auto through = String(*it, lptr, "through");
    if (through && !model_names_.count(*through)) {
      Error("unknown-ref", lptr + "/through",
            "link '" + it.key() + "' goes through '" + Printable(*through) +
                "', which is not a model" + DidYouMean(Suggest(*through, model_names_)) +
                ": declare it under \"models\" or fix the name");
    }
  }
}

std::optional<Field> SchemaBuilder::LoadField(const std::string& name, const Json& j,
                                              const std::string& ptr, int depth) {
  if (depth > kMaxFieldDepth) {
    Error("too-deep", ptr,
          "fields nest deeper than " + std::to_string(kMaxFieldDepth) +
              " levels: flatten the declaration");
    return std::nullopt;
  }
  if (!j.is_object()) {
    Error("wrong-type", ptr,
          "field '" + Printable(name) + "' must be an object like {\"type\": \"string\"}");
    return std::nullopt;
  }
  CheckKeys(j, ptr, kFieldKeys, "field key");
  auto type = String(j, ptr, "type");
  if (!type) {
    if (!j.contains("type")) {
      Error("missing-key", ptr,
            "field '" + Printable(name) +
                "' needs a \"type\": string, number, integer, boolean, "
                "date, datetime, array or object");
    }
    return std::nullopt;
  }
  auto parsed = ParseFieldType(*type);
  if (!parsed) {
    Error("unknown-field-type", ptr + "/type",
          "unknown field type '" + Printable(*type) + "'" +
              DidYouMean(Suggest(*type, kFieldTypes)) +
              ": use string, number, integer, boolean, date, datetime, array or object");
    return std::nullopt;
  }
  Field f;
  f.name = name;
  f.type = *parsed;
  f.required = Bool(j, ptr, "required").value_or(false);
  String(j, ptr, "description");
  LoadFieldConstraints(j, ptr, &f);
  LoadFieldNesting(j, ptr, depth, &f);
  LoadFieldRef(j, ptr, &f);
  LoadFieldValues(j, ptr, &f);
  return f;
}

void SchemaBuilder::LoadFieldConstraints(const Json& j, const std::string& ptr, Field* f) {
  std::string type(FieldTypeName(f->type));
  auto not_applicable = [&](const char* key, const char* applies) {
    Error("constraint-not-applicable", ptr + "/" + key,
          std::string("\"") + key + "\" applies to " + applies + " fields, and field '" + f->name +
              "' is " + type + ": remove it or change the type");
  };
  f->minimum = Number(j, ptr, "minimum");
  f->maximum = Number(j, ptr, "maximum");
  if ((f->minimum || f->maximum) && !IsNumeric(f->type)) {
    not_applicable(f->minimum ? "minimum" : "maximum", "number and integer");
  } else if (f->minimum && f->maximum && *f->minimum > *f->maximum) {
    Error("invalid-constraint", ptr + "/maximum",
          "maximum " + Brief(*f->maximum) + " is below minimum " + Brief(*f->minimum));
  }
  for (const char* key : {"minLength", "maxLength"}) {
    auto v = Integer(j, ptr, key);
    if (!v) continue;
    if (*v < 0) {
      Error("invalid-value", ptr + "/" + key, std::string("\"") + key + "\" must be 0 or more");
      continue;
    }
    if (!HasLength(f->type)) not_applicable(key, "string and array");
    (std::string_view(key) == "minLength" ? f->min_length : f->max_length) =
        static_cast<size_t>(*v);
  }
  if (f->min_length && f->max_length && *f->min_length > *f->max_length) {
    Error("invalid-constraint", ptr + "/maxLength",
          "maxLength " + std::to_string(*f->max_length) + " is below minLength " +
              std::to_string(*f->min_length));
  }
  if (auto pattern = String(j, ptr, "pattern")) {
    if (f->type != FieldType::kString) not_applicable("pattern", "string");
    std::string error;
    f->compiled_pattern = CompileRegex(*pattern, &error);
    if (f->compiled_pattern == nullptr) {
      Error("invalid-regex", ptr + "/pattern",
            "invalid regex '" + Printable(*pattern) + "': " + error +
                " (RE2 syntax; no lookaround or backreferences)");
    } else {
      f->pattern = *pattern;
    }
  }
}

void SchemaBuilder::LoadFieldNesting(const Json& j, const std::string& ptr, int depth, Field* f) {
  if (const Json* items = Member(j, ptr, "items", Kind::kObject)) {
    if (f->type != FieldType::kArray) {
      Error("constraint-not-applicable", ptr + "/items",
            "\"items\" applies to array fields: set \"type\": \"array\" or remove \"items\"");
    } else if (auto item = LoadField(f->name + "[]", *items, ptr + "/items", depth + 1)) {
      f->items = std::make_shared<const Field>(std::move(*item));
    }
  }
  const Json* props = Member(j, ptr, "properties", Kind::kObject);
  if (props != nullptr && f->type != FieldType::kObject) {
    Error("constraint-not-applicable", ptr + "/properties",
          "\"properties\" applies to object fields: set \"type\": \"object\" or remove it");
  } else if (props != nullptr) {
    for (auto it = props->begin(); it != props->end(); ++it) {
      std::string pptr = JsonPointerAppend(ptr + "/properties", it.key());
      if (!IsFieldName(it.key())) {
        Error("invalid-name", pptr,
              "property name '" + Printable(it.key()) +
                  "' may not be empty, contain '.' or start with '$'",
              true);
      } else if (auto p = LoadField(it.key(), *it, pptr, depth + 1)) {
        f->properties.push_back(std::move(*p));
      }
    }
  }
  // An object without "properties" is free-form unless it says otherwise.
  f->allow_unknown = props == nullptr;
  if (auto allow = Bool(j, ptr, "allowUnknownFields")) {
    if (f->type != FieldType::kObject) {
      Error("constraint-not-applicable", ptr + "/allowUnknownFields",
            "\"allowUnknownFields\" on a field applies to object fields only");
    }
    f->allow_unknown = *allow;
  }
}

void SchemaBuilder::LoadFieldRef(const Json& j, const std::string& ptr, Field* f) {
  if (auto ref = String(j, ptr, "ref")) {
    if (f->type != FieldType::kString && f->type != FieldType::kInteger) {
      Error("constraint-not-applicable", ptr + "/ref",
            "\"ref\" holds the referenced entity's id, so the field must be a string (or "
            "integer for seq ids), not " +
                std::string(FieldTypeName(f->type)) +
                "; for many refs use an array whose \"items\" has the ref");
    } else if (!model_names_.count(*ref)) {
      Error("unknown-ref", ptr + "/ref",
            "ref '" + Printable(*ref) + "' names no model" +
                DidYouMean(Suggest(*ref, model_names_)) +
                ": declare the model under \"models\" or fix the name");
    } else if (singleton_names_.count(*ref)) {
      Error("ref-to-singleton", ptr + "/ref",
            "ref '" + *ref + "' is a singleton, which has no id to reference: remove \"ref\"");
    }
    f->ref = *ref;
  }
  if (auto on_delete = String(j, ptr, "onDelete")) {
    auto parsed = ParseOnDelete(*on_delete);
    if (f->ref.empty()) {
      Error(
          "on-delete-without-ref", ptr + "/onDelete",
          "\"onDelete\" needs a \"ref\" on the same field: add \"ref\": \"<Model>\" or remove it");
    } else if (!parsed) {
      Error("unknown-on-delete", ptr + "/onDelete",
            "unknown onDelete '" + Printable(*on_delete) +
                "': use \"cascade\", \"restrict\" or \"setNull\"");
    } else if (*parsed == OnDelete::kSetNull && f->required) {
      Error("set-null-required", ptr + "/onDelete",
            "onDelete \"setNull\" cannot clear required field '" + f->name +
                "': use \"cascade\" or \"restrict\", or make the field optional");
    }
    if (parsed) f->on_delete = *parsed;
  }
}

void SchemaBuilder::LoadFieldValues(const Json& j, const std::string& ptr, Field* f) {
  if (const Json* values = Member(j, ptr, "enum", Kind::kArray)) {
    if (values->empty()) {
      Error("invalid-value", ptr + "/enum",
            "\"enum\" is empty: list the allowed values or "
            "remove it");
    }
    for (size_t i = 0; i < values->size(); ++i) {
      const Json& v = (*values)[i];
      std::string eptr = JsonPointerAppend(ptr + "/enum", i);
      ValueCheck c = CheckValue(*f, v, false);
      if (c.issue != ValueIssue::kNone) {
        Error("enum-type-mismatch", eptr,
              "enum value " + Brief(v) + " does not fit field '" + f->name + "': " + c.message);
      }
      bool duplicate = false;
      for (const Json& e : f->enum_values) duplicate = duplicate || e == v;
      if (duplicate)
        Warn("duplicate-enum-value", eptr, "enum value " + Brief(v) + " is listed twice");
      if (!duplicate) f->enum_values.push_back(v);
    }
  }
  auto it = j.find("default");
  if (it == j.end()) return;
  f->default_value = *it;
  ValueCheck c = CheckValue(*f, *it, true);
  std::string dptr = ptr + "/default";
  switch (c.issue) {
    case ValueIssue::kNone:
      return;
    case ValueIssue::kType:
      Error("default-type-mismatch", dptr,
            "default " + Brief(*it) + " does not fit field '" + f->name + "': " + c.message);
      return;
    case ValueIssue::kEnum:
      Error("default-not-in-enum", dptr,
            "default " + c.message + ": use one of them, or add it to \"enum\"");
      return;
    case ValueIssue::kConstraint:
      Error("default-violates-constraint", dptr,
            "default " + Brief(*it) + " breaks a constraint of field '" + f->name +
                "': " + c.message);
      return;
  }
}

}  // namespace worm::schema::internal

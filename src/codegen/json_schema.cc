// kJsonSchema: one JSON Schema (2020-12) per model for the stored document and
// one for what Create accepts. ModelJsonSchema is shared with kOpenApi.
//
// Agreement with src/engine/validation.cc, rule by rule:
//   - null or missing is accepted exactly for fields that are not required;
//     on input, a field with a default is also optional (Create fills it);
//   - date/datetime use DatePattern/DateTimePattern, never "format";
//   - minLength/maxLength count code points (as ajv does) and, on arrays,
//     become minItems/maxItems; array items are never null;
//   - "integer" is the engine's notion (1.0 is one; ajv agrees);
//   - patterns are translated to JavaScript (common.h) or refused;
//   - strict models and objects with properties refuse unknown members; the
//     engine-owned fields (an id per dynamic segment, createdAt, updatedAt)
//     are declared: typed and required in the stored schema, optional on
//     input (ids must match their dynamic type; timestamps are replaced).
#include <set>

#include "codegen/codegen_internal.h"
#include "codegen/common.h"

namespace worm::codegen::internal {
namespace {

using schema::Field;
using schema::FieldType;

Json Nullable(Json base) {
  return Json{{"anyOf", Json::array({std::move(base), Json{{"type", "null"}}})}};
}

Result<Json> FieldSchema(const Field& f, bool input, const std::string& where);

Result<Json> ObjectSchema(const std::vector<Field>& fields, bool input, bool strict,
                          const std::string& where) {
  Json props = Json::object();
  Json required = Json::array();
  for (const Field& f : fields) {
    std::string w = where + "." + f.name;
    ASSIGN_OR_RETURN(Json s, FieldSchema(f, input, w));
    bool optional = input ? InputOptional(f) : !f.required;
    props[f.name] = optional ? Nullable(std::move(s)) : std::move(s);
    if (!optional) required.push_back(f.name);
  }
  Json out{{"type", "object"}, {"properties", props}};
  if (!required.empty()) out["required"] = required;
  if (strict) out["additionalProperties"] = false;
  return out;
}

Result<Json> FieldSchema(const Field& f, bool input, const std::string& where) {
  Json s = Json::object();
  switch (f.type) {
    case FieldType::kString:
      s["type"] = "string";
      if (f.min_length) s["minLength"] = *f.min_length;
      if (f.max_length) s["maxLength"] = *f.max_length;
      if (!f.pattern.empty()) {
        ASSIGN_OR_RETURN(std::string p, JsPattern(f.pattern, where));
        s["pattern"] = p;
      }
      break;
    case FieldType::kDate:
      s["type"] = "string";
      s["pattern"] = DatePattern();
      break;
    case FieldType::kDateTime:
      s["type"] = "string";
      s["pattern"] = DateTimePattern();
      break;
    case FieldType::kNumber:
    case FieldType::kInteger:
      s["type"] = f.type == FieldType::kNumber ? "number" : "integer";
      if (f.minimum) s["minimum"] = *f.minimum;
      if (f.maximum) s["maximum"] = *f.maximum;
      break;
    case FieldType::kBoolean:
      s["type"] = "boolean";
      break;
    case FieldType::kArray:
      s["type"] = "array";
      if (f.min_length) s["minItems"] = *f.min_length;
      if (f.max_length) s["maxItems"] = *f.max_length;
      if (f.items) {
        // Defaults are not applied inside arrays: items' members keep "required".
        ASSIGN_OR_RETURN(Json items, FieldSchema(*f.items, false, where + "[]"));
        s["items"] = std::move(items);
      } else {
        s["items"] = Json{{"not", Json{{"type", "null"}}}};
      }
      break;
    case FieldType::kObject:
      if (f.properties.empty()) {
        s["type"] = "object";
      } else {
        ASSIGN_OR_RETURN(s, ObjectSchema(f.properties, input, !f.allow_unknown, where));
      }
      break;
  }
  if (!f.enum_values.empty()) s["enum"] = f.enum_values;
  if (!f.ref.empty()) s["description"] = "The id of a " + f.ref + " (ref)";
  return s;
}

}  // namespace

Result<Json> ModelJsonSchema(const schema::Schema& schema, const schema::Model& model, bool input) {
  ASSIGN_OR_RETURN(Json out, ObjectSchema(model.fields, input, model.strict, model.name));
  Json& props = out["properties"];
  Json required = out.value("required", Json::array());
  std::vector<std::string> engine_required;
  std::vector<const schema::Segment*> dyn = model.path.dynamic_segments();
  for (const schema::Segment* seg : dyn) {
    if (model.FindField(seg->name) != nullptr) continue;  // declared: checked as declared
    ASSIGN_OR_RETURN(std::string p, IdPattern(schema, *seg, model.name + "." + seg->name));
    props[seg->name] = Json{{"type", "string"},
                            {"pattern", p},
                            {"description", "Id (" + seg->type + "), maintained by the engine"}};
    engine_required.push_back(seg->name);
  }
  for (const char* ts : {"createdAt", "updatedAt"}) {
    if (model.FindField(ts) != nullptr) continue;
    if (input) {
      props[ts] = Json{{"description", "Set by the engine; a value given is replaced"}};
    } else {
      props[ts] = Json{{"type", "string"},
                       {"pattern", DateTimePattern()},
                       {"description", "RFC 3339, set by the engine"}};
      engine_required.push_back(ts);
    }
  }
  if (!input && !engine_required.empty()) {
    Json req = Json::array();
    for (const std::string& n : engine_required) req.push_back(n);
    for (const Json& n : required) req.push_back(n);
    out["required"] = req;
  }
  out["title"] = input ? model.name + "Input" : model.name;
  return out;
}

Result<std::vector<GeneratedFile>> GenerateJsonSchema(const schema::Schema& schema,
                                                      const Options&) {
  std::vector<GeneratedFile> files;
  for (const schema::Model& m : schema.models) {
    for (bool input : {false, true}) {
      ASSIGN_OR_RETURN(Json s, ModelJsonSchema(schema, m, input));
      std::string path = m.name + (input ? ".input" : "") + ".schema.json";
      s["$schema"] = "https://json-schema.org/draft/2020-12/schema";
      s["$id"] = path;
      s["$comment"] = kGeneratedNote;
      files.push_back({path, s.dump(2) + "\n"});
    }
  }
  return files;
}

}  // namespace worm::codegen::internal

// kTypeScript: models.ts with an interface, an input type, Zod 4 schemas and
// key helpers per model. The Zod schemas check what json_schema.cc describes
// (the same patterns from common.h); the key helpers compute what
// schema::StorageResolver::EntityKey computes, refusing the same ids.
#include <regex>

#include "codegen/codegen_internal.h"
#include "codegen/common.h"

namespace worm::codegen::internal {
namespace {

using schema::Field;
using schema::FieldType;
using schema::Segment;
using schema::SegmentKind;

bool IsIdentifier(const std::string& s) {
  static const std::regex kIdent("^[A-Za-z_$][A-Za-z0-9_$]*$");
  return std::regex_match(s, kIdent);
}

std::string Key(const std::string& name) { return IsIdentifier(name) ? name : Json(name).dump(); }
std::string Str(const std::string& s) { return Json(s).dump(); }
std::string Re(const std::string& pattern) { return "new RegExp(" + Str(pattern) + ", \"u\")"; }

std::string Num(double d) { return Json(d).dump(); }

Status CheckEnum(const Field& f, const std::string& where) {
  for (const Json& e : f.enum_values) {
    if (e.is_object() || e.is_array()) {
      return Status::InvalidArgument(where +
                                     ": an enum value that is an object or array cannot "
                                     "be expressed in TypeScript/Zod by value");
    }
  }
  return Status::OK();
}

// The TypeScript type of a field's value (not null).
Result<std::string> TsType(const schema::Schema& schema, const Field& f, const std::string& ind,
                           const std::string& where);

Result<std::string> TsMembers(const schema::Schema& schema, const std::vector<Field>& fields,
                              bool input, const std::string& ind, const std::string& where) {
  std::string out;
  for (const Field& f : fields) {
    ASSIGN_OR_RETURN(std::string t, TsType(schema, f, ind, where + "." + f.name));
    bool optional = input ? InputOptional(f) : !f.required;
    out += ind + Key(f.name) + (optional ? "?: " + t + " | null" : ": " + t) + ";\n";
  }
  return out;
}

Result<std::string> TsType(const schema::Schema& schema, const Field& f, const std::string& ind,
                           const std::string& where) {
  RETURN_NOT_OK(CheckEnum(f, where));
  if (!f.enum_values.empty()) {
    std::string out;
    for (const Json& e : f.enum_values) out += (out.empty() ? "" : " | ") + e.dump();
    return f.enum_values.size() > 1 ? "(" + out + ")" : out;
  }
  if (!f.ref.empty() && schema.FindModel(f.ref) != nullptr && f.type == FieldType::kString) {
    return f.ref + "Id";
  }
  switch (f.type) {
    case FieldType::kString:
    case FieldType::kDate:
    case FieldType::kDateTime:
      return std::string("string");
    case FieldType::kNumber:
    case FieldType::kInteger:
      return std::string("number");
    case FieldType::kBoolean:
      return std::string("boolean");
    case FieldType::kArray: {
      if (!f.items) return std::string("unknown[]");
      ASSIGN_OR_RETURN(std::string t, TsType(schema, *f.items, ind, where + "[]"));
      return "Array<" + t + ">";
    }
    case FieldType::kObject: {
      if (f.properties.empty()) return std::string("Record<string, unknown>");
      ASSIGN_OR_RETURN(std::string m, TsMembers(schema, f.properties, false, ind + "  ", where));
      if (f.allow_unknown) m += ind + "  [key: string]: unknown;\n";
      return "{\n" + m + ind + "}";
    }
  }
  return std::string("unknown");
}

// The Zod schema of a field's value (not null). `input`: defaults apply
// (members of objects outside arrays).
Result<std::string> ZodType(const Field& f, bool input, const std::string& ind,
                            const std::string& where);

Result<std::string> ZodShape(const std::vector<Field>& fields, bool input, const std::string& ind,
                             const std::string& where) {
  std::string out;
  for (const Field& f : fields) {
    ASSIGN_OR_RETURN(std::string z, ZodType(f, input, ind, where + "." + f.name));
    bool optional = input ? InputOptional(f) : !f.required;
    out += ind + Key(f.name) + ": " + z + (optional ? ".nullish()" : "") + ",\n";
  }
  return out;
}

Result<std::string> ZodType(const Field& f, bool input, const std::string& ind,
                            const std::string& where) {
  RETURN_NOT_OK(CheckEnum(f, where));
  std::string z;
  switch (f.type) {
    case FieldType::kString:
      z = "z.string()";
      if (f.min_length)
        z += ".refine((s) => codePoints(s) >= " + std::to_string(*f.min_length) +
             ", \"below minLength " + std::to_string(*f.min_length) + "\")";
      if (f.max_length)
        z += ".refine((s) => codePoints(s) <= " + std::to_string(*f.max_length) +
             ", \"above maxLength " + std::to_string(*f.max_length) + "\")";
      if (!f.pattern.empty()) {
        ASSIGN_OR_RETURN(std::string p, JsPattern(f.pattern, where));
        z += ".regex(" + Re(p) + ")";
      }
      break;
    case FieldType::kDate:
      z = "z.string().regex(DATE)";
      break;
    case FieldType::kDateTime:
      z = "z.string().regex(DATE_TIME)";
      break;
    case FieldType::kNumber:
    case FieldType::kInteger:
      z = "z.number()";
      // The engine's integer: any whole number (1.0, 1e300), not only safe ones.
      if (f.type == FieldType::kInteger) z += ".refine(Number.isInteger, \"expected integer\")";
      if (f.minimum) z += ".gte(" + Num(*f.minimum) + ")";
      if (f.maximum) z += ".lte(" + Num(*f.maximum) + ")";
      break;
    case FieldType::kBoolean:
      z = "z.boolean()";
      break;
    case FieldType::kArray: {
      std::string item = "z.unknown().refine((v) => v !== null, \"null item in an array\")";
      if (f.items) {
        ASSIGN_OR_RETURN(item, ZodType(*f.items, false, ind, where + "[]"));
      }
      z = "z.array(" + item + ")";
      if (f.min_length) z += ".min(" + std::to_string(*f.min_length) + ")";
      if (f.max_length) z += ".max(" + std::to_string(*f.max_length) + ")";
      break;
    }
    case FieldType::kObject:
      if (f.properties.empty()) {
        z = "z.looseObject({})";
      } else {
        ASSIGN_OR_RETURN(std::string shape, ZodShape(f.properties, input, ind + "  ", where));
        z = std::string(f.allow_unknown ? "z.looseObject" : "z.strictObject") + "({\n" + shape +
            ind + "})";
      }
      break;
  }
  if (!f.enum_values.empty()) {
    Json values = f.enum_values;
    z += ".refine((v) => (" + values.dump() + " as readonly unknown[]).includes(v), " +
         Str("not one of " + values.dump() + " (enum)") + ")";
  }
  return z;
}

// The key-level segments, as the resolver walks them (KeySegments there).
std::vector<const Segment*> KeySegments(const schema::Model& m) {
  std::vector<const Segment*> out;
  if (!m.full.segments.empty()) {
    for (const Segment& s : m.full.segments) out.push_back(&s);
    return out;
  }
  for (const Segment& s : m.path.segments) {
    if (s.kind != SegmentKind::kFile) out.push_back(&s);
  }
  if (const Segment* f = m.file.file()) out.push_back(f);
  return out;
}

struct KeyParts {
  std::vector<std::string> exprs;  // TS expressions, one per folder segment
  int last_dynamic = -1;
  std::string file;
  std::vector<const Segment*> dynamic;
};

Result<KeyParts> Parts(const schema::Schema& schema, const schema::Model& m) {
  KeyParts k;
  for (const Segment* s : KeySegments(m)) {
    if (s->kind == SegmentKind::kFile) {
      k.file = s->name + s->extension;
    } else if (s->kind == SegmentKind::kDynamic) {
      ASSIGN_OR_RETURN(std::string p, IdPattern(schema, *s, m.name + "." + s->name));
      k.last_dynamic = static_cast<int>(k.exprs.size());
      k.exprs.push_back("idSegment(" + Str(m.name) + ", " + Str(s->name) + ", ids." + s->name +
                        ", " + Str(s->type) + ", " + Re(p) + ")");
      k.dynamic.push_back(s);
    } else {
      k.exprs.push_back(Str(s->name));
    }
  }
  return k;
}

std::string Join(const std::vector<std::string>& v, size_t from, size_t to) {
  std::string out;
  for (size_t i = from; i < to && i < v.size(); ++i) out += (out.empty() ? "" : ", ") + v[i];
  return out;
}

constexpr char kPrelude[] = R"ts(import { z } from "zod";

// The engine counts string lengths in code points, not UTF-16 units.
const codePoints = (s: string): number => [...s].length;
// The engine's date (YYYY-MM-DD, a real day) and RFC 3339 datetime checks.
const DATE = new RegExp(@DATE@, "u");
const DATE_TIME = new RegExp(@DATE_TIME@, "u");

function utf8Bytes(s: string): number {
  let n = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
  }
  return n;
}

// What the engine refuses as one key segment (schema/ids.h ValidateIdSegment).
function segmentProblem(s: string): string | undefined {
  if (s.length === 0) return "is empty";
  if (utf8Bytes(s) > 1024) return "is longer than 1024 bytes";
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return "contains a control character";
    if (c >= 0xd800 && c <= 0xdfff) return "is not valid UTF-8 (a lone surrogate)";
  }
  if (s === "." || s === "..") return "is a relative path segment; ids cannot be '.' or '..'";
  if (s.startsWith(".")) return "starts with '.', which marks system entries (.oplog, .worm)";
  if (s.includes("/")) return "contains '/'; an id is one key segment";
  if (s.includes("\\")) return "contains '\\'; an id is one key segment";
  return undefined;
}

function idSegment(model: string, name: string, value: string, type: string, re: RegExp): string {
  const why = segmentProblem(value);
  if (why !== undefined) throw new Error(`${model} ${name} '${value}': ${why}`);
  if (!re.test(value)) throw new Error(`${model}: ${name} '${value}' is not a valid ${type}`);
  return value;
}

function joinKey(model: string, parts: string[]): string {
  const key = parts.join("/");
  if (utf8Bytes(key) > 1024) throw new Error(`${model}: key is longer than 1024 bytes`);
  return key;
}
)ts";

std::string Prelude() {
  std::string p = kPrelude;
  p.replace(p.find("@DATE@"), 6, Str(DatePattern()));
  p.replace(p.find("@DATE_TIME@"), 11, Str(DateTimePattern()));
  return p;
}

Result<std::string> ModelCode(const schema::Schema& schema, const schema::Model& m) {
  const std::string& n = m.name;
  if (!IsIdentifier(n)) {
    return Status::InvalidArgument(n + ": a model name must be a TypeScript identifier");
  }
  std::string lower = LowerCamel(n);
  ASSIGN_OR_RETURN(KeyParts k, Parts(schema, m));
  std::vector<std::string> ids = IdFieldNames(m);
  std::string out = "// ---- " + n + " (" + m.path.source + ") ----\n\n";
  out += "/** The id of a " + n +
         (ids.size() > 1 ? " (its ids joined as the engine prints them)" : "") +
         ". */\nexport type " + n + "Id = string;\n\n";

  // Interfaces.
  std::string engine_stored, engine_input;
  for (const std::string& id : ids) {
    if (m.FindField(id)) continue;
    engine_stored += "  " + Key(id) + ": string;\n";
    engine_input += "  " + Key(id) + "?: string | null;\n";
  }
  ASSIGN_OR_RETURN(std::string stored, TsMembers(schema, m.fields, false, "  ", n));
  ASSIGN_OR_RETURN(std::string input, TsMembers(schema, m.fields, true, "  ", n));
  std::string extra = m.strict ? "" : "  [key: string]: unknown;\n";
  std::string ts_stored, ts_input;
  for (const char* t : {"createdAt", "updatedAt"}) {
    if (m.FindField(t)) continue;
    ts_stored += std::string("  ") + t + ": string;\n";
    ts_input += std::string("  ") + t + "?: unknown;\n";
  }
  out += "/** A stored " + n + " document. */\nexport interface " + n + " {\n" + engine_stored +
         stored + ts_stored + extra + "}\n\n";
  out += "/** What a caller writes for a " + n + " (create/update body). */\nexport interface " +
         n + "Input {\n" + engine_input + input + ts_input + extra + "}\n\n";

  // Zod.
  std::string zid_stored, zid_input;
  for (const Segment* s : m.path.dynamic_segments()) {
    if (m.FindField(s->name)) continue;
    ASSIGN_OR_RETURN(std::string p, IdPattern(schema, *s, n + "." + s->name));
    zid_stored += "  " + Key(s->name) + ": z.string().regex(" + Re(p) + "),\n";
    zid_input += "  " + Key(s->name) + ": z.string().regex(" + Re(p) + ").nullish(),\n";
  }
  ASSIGN_OR_RETURN(std::string zs, ZodShape(m.fields, false, "  ", n));
  ASSIGN_OR_RETURN(std::string zi, ZodShape(m.fields, true, "  ", n));
  std::string zts_stored, zts_input;
  for (const char* t : {"createdAt", "updatedAt"}) {
    if (m.FindField(t)) continue;
    zts_stored += std::string("  ") + t + ": z.string().regex(DATE_TIME),\n";
    zts_input += std::string("  ") + t + ": z.unknown().optional(),\n";
  }
  std::string obj = m.strict ? "z.strictObject" : "z.looseObject";
  out +=
      "export const " + n + "Schema = " + obj + "({\n" + zid_stored + zs + zts_stored + "});\n\n";
  out += "export const " + n + "InputSchema = " + obj + "({\n" + zid_input + zi + zts_input +
         "});\n\n";

  // Keys.
  std::string ids_members, parent_members;
  for (size_t i = 0; i < k.dynamic.size(); ++i) {
    std::string member = "  " + Key(k.dynamic[i]->name) + ": string;\n";
    ids_members += member;
    if (i + 1 < k.dynamic.size()) parent_members += member;
  }
  auto type_of = [](const std::string& members) {
    return members.empty() ? std::string("Record<string, never>") : "{\n" + members + "}";
  };
  out += "export type " + n + "Ids = " + type_of(ids_members) + ";\n";
  out += "export type " + n + "ParentIds = " + type_of(parent_members) + ";\n\n";
  std::string ids_param = k.dynamic.empty() ? "_ids: " + n + "Ids = {}" : "ids: " + n + "Ids";
  std::string parent_param =
      k.dynamic.size() <= 1 ? "_ids: " + n + "ParentIds = {}" : "ids: " + n + "ParentIds";
  out += "/** The object key of one " + n + " (as the engine's resolver computes it). */\n";
  out += "export function " + lower + "Key(" + ids_param + "): string {\n";
  if (k.file.empty()) {
    out += "  throw new Error(" + Str(n + ": the model names no file; add \"file\"") + ");\n";
  } else {
    std::vector<std::string> all = k.exprs;
    all.push_back(Str(k.file));
    out += "  return joinKey(" + Str(n) + ", [" + Join(all, 0, all.size()) + "]);\n";
  }
  out += "}\n\n";
  size_t upto = k.last_dynamic < 0 ? k.exprs.size() : static_cast<size_t>(k.last_dynamic);
  out += "/** The prefix that lists " + n + " entities (parents' ids only). */\n";
  out += "export function " + lower + "Prefix(" + parent_param + "): string {\n";
  if (upto == 0) {
    out += "  return \"\";\n";
  } else {
    out += "  return joinKey(" + Str(n) + ", [" + Join(k.exprs, 0, upto) + "]) + \"/\";\n";
  }
  out += "}\n\n";
  return out;
}

}  // namespace

Result<std::vector<GeneratedFile>> GenerateTypeScript(const schema::Schema& schema,
                                                      const Options&) {
  std::string out = std::string("// ") + kGeneratedNote + "\n" + Prelude() + "\n";
  std::string table = "export const models = {\n";
  for (const schema::Model& m : schema.models) {
    ASSIGN_OR_RETURN(std::string code, ModelCode(schema, m));
    out += code;
    std::string lower = LowerCamel(m.name);
    table += "  " + m.name + ": { schema: " + m.name + "Schema, inputSchema: " + m.name +
             "InputSchema, key: " + lower + "Key, prefix: " + lower + "Prefix },\n";
  }
  out += table + "} as const;\n";
  return std::vector<GeneratedFile>{{"models.ts", out}};
}

}  // namespace worm::codegen::internal

// The schema model: what `.worm/schema.json` declares, parsed and checked:
// models with their path pattern (the DSL "#org/@customers/(id:uuid)"), id
// type and operator, fields and their constraints, links. Pure data plus pure
// functions: no I/O besides LoadSchemaFile reading the file.
//
//   ASSIGN_OR_RETURN(schema::Schema s, schema::LoadSchemaFile(".worm/schema.json"));
//   for (const schema::Model& m : s.models) ... m.name, m.path.source, m.fields ...
//   auto project = Project::Create(std::move(s), transport);   // worm/repository.h
//
// Thread-safety: a loaded Schema is immutable and may be shared across threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "worm/result.h"

namespace re2 {
class RE2;
}

namespace worm {
using Json = nlohmann::json;
}  // namespace worm

namespace worm::schema {

// The four DSL symbols, overridable in the schema's "symbols" section.
struct Symbols {
  std::string namespace_symbol = "#";
  std::string collection_symbol = "@";
  std::string dynamic_open = "(", dynamic_close = ")";
  std::string file_open = "[", file_close = "]";
};

enum class SegmentKind { kNamespace, kCollection, kDynamic, kFile };

struct Segment {
  SegmentKind kind;
  std::string name;       // namespace/collection/dynamic name; file base name
  std::string type;       // kDynamic: the dynamic type name ("uuid")
  std::string extension;  // kFile: text after the closing bracket, e.g. ".json"
  int column = 1;         // 1-based column of the segment in the DSL source
};

// A parsed DSL path such as "#org/@customers/(id:uuid)/[profile].json".
struct PathPattern {
  std::string source;
  std::vector<Segment> segments;

  // The dynamic segments, in order.
  std::vector<const Segment*> dynamic_segments() const;
  // The trailing kFile segment, or null.
  const Segment* file() const;
};

// Parses `text` with `symbols`. InvalidArgument "path '<text>': column N: <why>"
// for an empty segment, an unknown symbol, unbalanced brackets, a dynamic
// segment without ":type", a file segment that is not last, and the like.
Result<PathPattern> ParsePath(std::string_view text, const Symbols& symbols = {});

// Prints a pattern back in DSL form (round-trips ParsePath).
std::string PrintPath(const PathPattern& pattern, const Symbols& symbols = {});
// One segment in DSL form: "#org", "@customers", "(id:uuid)", "[profile].json".
std::string PrintSegment(const Segment& segment, const Symbols& symbols = {});

namespace internal {
class RunPattern;
}

// A dynamic segment's type: the values an id of that type may take.
struct DynamicType {
  std::string name;
  std::string regex;
  // Whether `value` fully matches `regex`.
  bool Matches(std::string_view value) const;

  // Filled by MakeDynamicType (opaque outside the library): the regex
  // compiled, anchored; and the same pattern without RE2 when it is only
  // character runs (the built-ins are), which Matches uses then.
  std::shared_ptr<const re2::RE2> compiled;
  std::shared_ptr<const internal::RunPattern> runs;
};

// The built-in types: uuid, uuid7 (time-ordered), evm, sol, and int (seq ids).
// A schema's "dynamicTypes" entry of the same name replaces a built-in.
//   uuid  ^[0-9a-fA-F-]{36}$                     (seed 001, loose on purpose)
//   uuid7 ^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-7[0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$
//   evm   ^0x[a-fA-F0-9]{40}$
//   sol   ^[1-9A-HJ-NP-Za-km-z]{32,44}$          (base58)
//   int   ^[0-9]+$                                (seq ids)
std::map<std::string, DynamicType> BuiltinDynamicTypes();
// Compiles `regex` (RE2 syntax, matched against the whole value).
// InvalidArgument "dynamic type '<name>': invalid regex '<regex>': <why>".
Result<DynamicType> MakeDynamicType(std::string name, std::string regex);

enum class IdStrategy { kNone, kUuid, kUuid7, kIncrement };

// An id operator, from the schema's "operators" section:
//   {"auto": {"strategy": "uuid"},
//    "seq": {"strategy": "increment", "startAt": 1, "step": 1},
//    "uuid7": {"strategy": "uuid7"}}
// Those three are built in; a schema entry of the same name replaces one.
// A generated id fills only the last dynamic segment; parent ids of a nested
// collection always come from the caller.
struct Operator {
  std::string name;  // "auto", "seq", ...
  IdStrategy strategy = IdStrategy::kNone;
  int64_t start_at = 1;  // kIncrement: the first id
  int64_t step = 1;      // kIncrement: added to the current maximum; > 0
};

// auto (uuid), seq (increment from 1 by 1) and uuid7 (uuid7).
std::map<std::string, Operator> BuiltinOperators();
// The operator a model gets when it names none: "auto" for idType uuid,
// "uuid7" for uuid7, "seq" for int, "" (the caller supplies ids) otherwise.
std::string DefaultOperatorFor(std::string_view id_type);

enum class FieldType { kString, kNumber, kInteger, kBoolean, kDate, kDateTime, kArray, kObject };
std::string_view FieldTypeName(FieldType type);

enum class OnDelete { kNone, kCascade, kRestrict, kSetNull };

struct Field {
  std::string name;
  FieldType type = FieldType::kString;
  bool required = false;
  std::optional<Json> default_value;
  std::vector<Json> enum_values;         // empty: no restriction
  std::string ref;                       // referenced model name, or empty
  OnDelete on_delete = OnDelete::kNone;  // only meaningful with ref
  std::shared_ptr<const Field> items;    // kArray element type, optional
  std::vector<Field> properties;         // kObject members, optional
  bool allow_unknown = false;            // kObject: accept members not listed
  std::optional<double> minimum, maximum;
  std::optional<size_t> min_length, max_length;
  std::string pattern;                               // strings: RE2 the value must fully match
  std::shared_ptr<const re2::RE2> compiled_pattern;  // `pattern` compiled by LoadSchema; opaque
};
// minLength/maxLength apply to strings (in code points) and arrays (items).

// Checks `value` against `field`: its type (date is "YYYY-MM-DD", datetime is
// RFC 3339), enum, minimum/maximum, minLength/maxLength, pattern, items and
// properties (required members, unknown members unless allow_unknown). null is
// accepted exactly when the field is not required. InvalidArgument
// "<where>: <why>" otherwise.
Status CheckFieldValue(const Field& field, const Json& value, std::string_view where);

enum class Layout { kRoot, kCollection, kInline };
std::string_view LayoutName(Layout layout);

enum class Mode { kReadWrite, kReadOnly, kAppendOnly };

// One entry of "models". JSON keys: path, file, idType, idOperator (an
// operator name; the seed names none, so "idOperator" is ours: "operator" and
// "idStrategy" are refused with a hint), singleton, mode ("readwrite" |
// "readonly" | "appendonly"), oplog, softDelete, layout, allowUnknownFields,
// links, fields, description. "path" may end with the file
// ("#org/@customers/(id:uuid)/[profile].json") instead of a "file" key.
struct Model {
  std::string name;
  PathPattern path;         // "#org/@customers/(id:uuid)"
  PathPattern file;         // "[profile].json" parsed as a one-segment path
  PathPattern full;         // path + "/" + file
  std::string id_type;      // dynamic type of the (last) id segment
  std::string id_operator;  // "auto" | "seq" | custom operator name | ""
  bool singleton = false;
  Mode mode = Mode::kReadWrite;
  bool oplog = false;
  bool soft_delete = false;
  std::optional<Layout> layout;  // per-model override of storage.layout
  bool strict = true;            // refuse fields not declared (allowUnknownFields: false)
  std::vector<Field> fields;     // declaration order
  // "through" models for many-to-many links: {"tags": {"through": "PostTag", ...}}
  Json links = Json::object();

  const Field* FindField(std::string_view name) const;
};

// Checks a document's user fields against `model.fields`: required fields,
// types and constraints, and unknown fields when the model is strict. The
// fields S3WORM sets (id, createdAt, updatedAt, one per dynamic segment) are
// skipped. InvalidArgument "<Model>.<field>: <why>" otherwise.
Status ValidateDocument(const Model& model, const Json& doc);

struct Schema {
  std::string schema_version = "1.0";
  std::string source_of_truth = "local";
  Symbols symbols;
  std::map<std::string, DynamicType> dynamic_types;  // built-ins plus custom
  std::map<std::string, Operator> operators;
  Layout layout = Layout::kRoot;
  std::vector<PathPattern> paths;  // the declared "paths" list
  std::vector<Model> models;       // declaration order
  // The "access" section as written (null when absent): roles and rules,
  // compiled by CompileAccessPolicy (worm/access.h).
  Json access;

  const Model* FindModel(std::string_view name) const;
  Layout LayoutOf(const Model& model) const { return model.layout.value_or(layout); }
};

// Builds a Schema from parsed JSON. Stops at the first problem with
// InvalidArgument naming the JSON path ("models.Customer.fields.status.default:
// ..."). `worm schema lint` reports every problem with line:column.
Result<Schema> LoadSchema(const Json& doc);
// Reads and parses a schema.json file; errors name the file.
Result<Schema> LoadSchemaFile(const std::string& path);

}  // namespace worm::schema

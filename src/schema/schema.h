// The schema model: what `.worm/schema.json` declares, parsed and checked.
// Pure data plus pure functions: no I/O besides LoadSchemaFile reading the file.
//
// Thread-safety: a loaded Schema is immutable and may be shared across threads.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/json_util.h"
#include "worm/result.h"

namespace re2 {
class RE2;
}

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

struct DynamicType {
  std::string name;
  std::string regex;
  std::shared_ptr<const re2::RE2> compiled;  // anchored full-match
  bool Matches(std::string_view value) const;
};

// The built-in types: uuid, uuid7 (time-ordered), evm, sol, and int (seq ids).
std::map<std::string, DynamicType> BuiltinDynamicTypes();

enum class IdStrategy { kNone, kUuid, kUuid7, kIncrement };

struct Operator {
  std::string name;  // "auto", "seq", ...
  IdStrategy strategy = IdStrategy::kNone;
  int64_t start_at = 1;
  int64_t step = 1;
};

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
  std::string pattern;                   // strings: RE2 the value must fully match
};

enum class Layout { kRoot, kCollection, kInline };
std::string_view LayoutName(Layout layout);

enum class Mode { kReadWrite, kReadOnly, kAppendOnly };

struct Model {
  std::string name;
  PathPattern path;           // "#org/@customers/(id:uuid)"
  PathPattern file;           // "[profile].json" parsed as a one-segment path
  PathPattern full;           // path + "/" + file
  std::string id_type;        // dynamic type of the (last) id segment
  std::string id_operator;    // "auto" | "seq" | custom operator name | ""
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

struct Schema {
  std::string schema_version = "1.0";
  std::string source_of_truth = "local";
  Symbols symbols;
  std::map<std::string, DynamicType> dynamic_types;  // built-ins plus custom
  std::map<std::string, Operator> operators;
  Layout layout = Layout::kRoot;
  std::vector<PathPattern> paths;  // the declared "paths" list
  std::vector<Model> models;       // declaration order

  const Model* FindModel(std::string_view name) const;
  Layout LayoutOf(const Model& model) const { return model.layout.value_or(layout); }
};

// Builds a Schema from parsed JSON. Stops at the first problem with
// InvalidArgument naming the JSON path ("models.Customer.fields.status.default:
// ..."). Use Lint (lint.h) to get every problem with line:column.
Result<Schema> LoadSchema(const Json& doc);
// Reads and parses a schema.json file; errors name the file.
Result<Schema> LoadSchemaFile(const std::string& path);

}  // namespace worm::schema

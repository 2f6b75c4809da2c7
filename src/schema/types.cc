// Dynamic types, operators, enum names, and lookups on the schema model.
#include <re2/re2.h>

#include <cassert>

#include "schema/internal.h"
#include "schema/run_pattern.h"
#include "schema/schema.h"

namespace worm::schema {

namespace internal {

std::shared_ptr<const re2::RE2> CompileRegex(const std::string& pattern, std::string* error) {
  auto re = std::make_shared<re2::RE2>(pattern, re2::RE2::Quiet);
  if (!re->ok()) {
    if (error != nullptr) *error = re->error();
    return nullptr;
  }
  return re;
}

bool FullMatch(const re2::RE2& re, std::string_view value) {
  return re2::RE2::FullMatch(re2::StringPiece(value.data(), value.size()), re);
}

std::optional<FieldType> ParseFieldType(std::string_view name) {
  for (FieldType t :
       {FieldType::kString, FieldType::kNumber, FieldType::kInteger, FieldType::kBoolean,
        FieldType::kDate, FieldType::kDateTime, FieldType::kArray, FieldType::kObject}) {
    if (FieldTypeName(t) == name) return t;
  }
  return std::nullopt;
}

std::optional<Layout> ParseLayout(std::string_view name) {
  for (Layout l : {Layout::kRoot, Layout::kCollection, Layout::kInline}) {
    if (LayoutName(l) == name) return l;
  }
  return std::nullopt;
}

std::string_view ModeName(Mode mode) {
  switch (mode) {
    case Mode::kReadWrite:
      return "readwrite";
    case Mode::kReadOnly:
      return "readonly";
    case Mode::kAppendOnly:
      return "appendonly";
  }
  return "?";
}

std::optional<Mode> ParseMode(std::string_view name) {
  for (Mode m : {Mode::kReadWrite, Mode::kReadOnly, Mode::kAppendOnly}) {
    if (ModeName(m) == name) return m;
  }
  return std::nullopt;
}

std::optional<OnDelete> ParseOnDelete(std::string_view name) {
  if (name == "cascade") return OnDelete::kCascade;
  if (name == "restrict") return OnDelete::kRestrict;
  if (name == "setNull") return OnDelete::kSetNull;
  return std::nullopt;
}

std::string_view StrategyName(IdStrategy strategy) {
  switch (strategy) {
    case IdStrategy::kNone:
      return "none";
    case IdStrategy::kUuid:
      return "uuid";
    case IdStrategy::kUuid7:
      return "uuid7";
    case IdStrategy::kIncrement:
      return "increment";
  }
  return "?";
}

std::optional<IdStrategy> ParseStrategy(std::string_view name) {
  for (IdStrategy s : {IdStrategy::kUuid, IdStrategy::kUuid7, IdStrategy::kIncrement}) {
    if (StrategyName(s) == name) return s;
  }
  return std::nullopt;
}

}  // namespace internal

bool DynamicType::Matches(std::string_view value) const {
  if (runs != nullptr) return runs->FullMatch(value);
  return compiled != nullptr && internal::FullMatch(*compiled, value);
}

Result<DynamicType> MakeDynamicType(std::string name, std::string regex) {
  std::string error;
  auto compiled = internal::CompileRegex(regex, &error);
  if (compiled == nullptr) {
    return Status::InvalidArgument("dynamic type '" + name + "': invalid regex '" + regex +
                                   "': " + error);
  }
  DynamicType t;
  t.name = std::move(name);
  t.regex = std::move(regex);
  t.compiled = std::move(compiled);
  if (auto runs = internal::RunPattern::Compile(t.regex)) {
    t.runs = std::make_shared<const internal::RunPattern>(std::move(*runs));
  }
  return t;
}

std::map<std::string, DynamicType> BuiltinDynamicTypes() {
  // Compiled once; DynamicType copies share the compiled RE2 (immutable).
  static const std::map<std::string, DynamicType>* const kTypes = [] {
    auto* types = new std::map<std::string, DynamicType>();
    const std::pair<const char*, const char*> defs[] = {
        {"uuid", "^[0-9a-fA-F-]{36}$"},
        {"uuid7",
         "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-7[0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$"},
        {"evm", "^0x[a-fA-F0-9]{40}$"},
        {"sol", "^[1-9A-HJ-NP-Za-km-z]{32,44}$"},
        {"int", "^[0-9]+$"},
    };
    for (const auto& [name, regex] : defs) {
      Result<DynamicType> t = MakeDynamicType(name, regex);
      assert(t.ok());
      types->emplace(name, std::move(t).value());
    }
    return types;
  }();
  return *kTypes;
}

std::map<std::string, Operator> BuiltinOperators() {
  std::map<std::string, Operator> ops;
  ops["auto"] = Operator{"auto", IdStrategy::kUuid, 1, 1};
  ops["seq"] = Operator{"seq", IdStrategy::kIncrement, 1, 1};
  ops["uuid7"] = Operator{"uuid7", IdStrategy::kUuid7, 1, 1};
  return ops;
}

std::string DefaultOperatorFor(std::string_view id_type) {
  if (id_type == "uuid") return "auto";
  if (id_type == "uuid7") return "uuid7";
  if (id_type == "int") return "seq";
  return "";
}

std::string_view FieldTypeName(FieldType type) {
  switch (type) {
    case FieldType::kString:
      return "string";
    case FieldType::kNumber:
      return "number";
    case FieldType::kInteger:
      return "integer";
    case FieldType::kBoolean:
      return "boolean";
    case FieldType::kDate:
      return "date";
    case FieldType::kDateTime:
      return "datetime";
    case FieldType::kArray:
      return "array";
    case FieldType::kObject:
      return "object";
  }
  return "?";
}

std::string_view LayoutName(Layout layout) {
  switch (layout) {
    case Layout::kRoot:
      return "root";
    case Layout::kCollection:
      return "collection";
    case Layout::kInline:
      return "inline";
  }
  return "?";
}

const Field* Model::FindField(std::string_view name) const {
  for (const Field& f : fields) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

const Model* Schema::FindModel(std::string_view name) const {
  for (const Model& m : models) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

}  // namespace worm::schema

// SchemaBuilder: turns a parsed schema.json into a Schema while collecting
// every problem (error or warning) with its JSON Pointer. LoadSchema returns
// the first error; lint reports them all with line:column. One code path, so
// LoadSchema refuses exactly what lint calls an error.
//
// Thread-safety: one builder per call; the functions are pure.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "schema/lint.h"
#include "schema/schema.h"

namespace worm::schema::internal {

struct Problem {
  Severity severity = Severity::kError;
  std::string code;     // stable, e.g. "unknown-dynamic-type"
  std::string pointer;  // JSON Pointer of the offending value (or member name)
  bool at_key = false;  // point at the member name rather than its value
  std::string message;
};

struct BuildOutput {
  Schema schema;                  // complete only when there is no error
  std::vector<Problem> problems;  // in discovery order
  const Problem* first_error() const;
};

// Never throws; bounded recursion (field nesting is capped).
BuildOutput BuildSchema(const Json& doc);

// "models.Customer.fields.status.default" for "/models/Customer/fields/status/default";
// array indexes as "paths[2]"; the root as "schema".
std::string DottedPath(std::string_view pointer);

// True for names that can be identifiers in generated code: [A-Za-z_][A-Za-z0-9_]*.
bool IsIdentifier(std::string_view name);

// Deepest nesting of items/properties in a field declaration.
inline constexpr int kMaxFieldDepth = 16;

class SchemaBuilder {
 public:
  explicit SchemaBuilder(const Json& doc) : doc_(doc) {}
  BuildOutput Run();

 private:
  // Reporting.
  void Error(std::string code, std::string pointer, std::string message, bool at_key = false);
  void Warn(std::string code, std::string pointer, std::string message, bool at_key = false);
  void CheckKeys(const Json& obj, const std::string& ptr, const std::vector<std::string>& known,
                 std::string_view what);

  // Typed member access: null when absent; reports "wrong-type" when present
  // with another JSON type.
  enum class Kind { kString, kBool, kObject, kArray, kNumber, kInteger };
  const Json* Member(const Json& obj, const std::string& ptr, std::string_view key, Kind kind);
  std::optional<std::string> String(const Json& obj, const std::string& ptr, std::string_view key);
  std::optional<bool> Bool(const Json& obj, const std::string& ptr, std::string_view key);
  std::optional<int64_t> Integer(const Json& obj, const std::string& ptr, std::string_view key);
  std::optional<double> Number(const Json& obj, const std::string& ptr, std::string_view key);

  // Top-level sections (schema_builder.cc).
  void LoadHeader();
  void LoadSymbols();
  bool CheckSymbol(const Json& obj, const std::string& ptr, const char* key, bool pair,
                   std::string* a, std::string* b);
  void LoadDynamicTypes();
  void LoadOperators();
  void LoadStorage();
  void LoadPaths();
  bool CheckPathTypes(const PathPattern& p, const std::string& ptr);
  bool CheckFileText(const std::string& text, const std::string& ptr);
  void CheckDeclaredPaths();
  void CheckConflicts();

  // Models and fields (schema_models.cc).
  void LoadModels();
  void LoadModel(const std::string& name, const Json& j, const std::string& ptr);
  bool LoadModelPath(const Json& j, const std::string& ptr, Model* m);
  void LoadModelId(const Json& j, const std::string& ptr, Model* m);
  void LoadModelOptions(const Json& j, const std::string& ptr, Model* m);
  void LoadLinks(const Json& j, const std::string& ptr, Model* m);
  std::optional<Field> LoadField(const std::string& name, const Json& j, const std::string& ptr,
                                 int depth);
  void LoadFieldConstraints(const Json& j, const std::string& ptr, Field* f);
  void LoadFieldNesting(const Json& j, const std::string& ptr, int depth, Field* f);
  void LoadFieldRef(const Json& j, const std::string& ptr, Field* f);
  void LoadFieldValues(const Json& j, const std::string& ptr, Field* f);
  void CheckOperatorFits(const Model& m, const std::string& ptr);

  const Json& doc_;
  Schema schema_;
  std::vector<Problem> problems_;
  bool symbols_ok_ = true;
  std::set<std::string> model_names_;
  std::set<std::string> singleton_names_;
  std::vector<std::string> path_ptrs_;   // pointer of each schema_.paths entry
  std::vector<std::string> model_ptrs_;  // pointer of each schema_.models entry's path
  std::vector<bool> model_path_ok_;      // whether that model's path, file and types are valid
  bool has_paths_ = false;
};

}  // namespace worm::schema::internal

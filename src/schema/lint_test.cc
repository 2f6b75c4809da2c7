// Lint: one test per mistake, each asserting the code and the line:column.
// Texts mark the expected position with «, which the helper removes.
#include "schema/lint.h"

#include <gtest/gtest.h>

#include "schema/schema.h"
#include "testing/test_util.h"

namespace worm::schema {
namespace {

using ::worm::testing::ReadFileOrDie;
using ::worm::testing::SourceDir;

constexpr std::string_view kMark = "\xc2\xab";  // «

struct Linted {
  std::string text;
  TextPosition mark;
  std::vector<Diagnostic> diags;
};

Linted LintMarked(std::string text) {
  Linted out;
  size_t at = text.find(kMark);
  if (at != std::string::npos) {
    text.erase(at, kMark.size());
    out.mark = PositionOfOffset(text, at);
  }
  out.text = text;
  out.diags = LintSchemaText(text);
  // LoadSchema must refuse exactly what lint calls an error.
  bool lint_error = false;
  for (const Diagnostic& d : out.diags) lint_error |= d.severity == Severity::kError;
  if (Json::accept(text)) {
    Result<Schema> s = LoadSchema(Json::parse(text));
    EXPECT_EQ(s.ok(), !lint_error) << text << "\n" << s.status().ToString();
  }
  return out;
}

std::string Dump(const std::vector<Diagnostic>& diags) {
  std::string out;
  for (const Diagnostic& d : diags) out += FormatDiagnostic(d, "schema.json") + "\n";
  return out;
}

// Expects a diagnostic with `code` at the marked position; returns it.
Diagnostic ExpectDiag(const std::string& marked, const std::string& code,
                      Severity severity = Severity::kError) {
  Linted l = LintMarked(marked);
  for (const Diagnostic& d : l.diags) {
    if (d.code != code) continue;
    EXPECT_EQ(d.severity, severity) << Dump(l.diags);
    EXPECT_EQ(d.line, l.mark.line) << Dump(l.diags);
    EXPECT_EQ(d.column, l.mark.column) << Dump(l.diags);
    return d;
  }
  ADD_FAILURE() << "no diagnostic " << code << " in:\n" << Dump(l.diags);
  return {};
}

bool Contains(const std::string& s, const std::string& sub) {
  return s.find(sub) != std::string::npos;
}

TEST(LintTest, InvalidJson) {
  Diagnostic d =
      ExpectDiag("{\n  \"models\": {\n    \"A\": {\"path\": \"@a/(id:uuid)\"\n    «\"file\": 1}}}",
                 "invalid-json");
  EXPECT_TRUE(Contains(d.message, "missing comma")) << d.message;
  EXPECT_EQ(LintSchemaText("{\"models\": {}").size(), 1u);
}

TEST(LintTest, TooDeep) {
  std::string deep = "{\"description\": " + std::string(200, '[');
  Linted l = LintMarked(deep);
  ASSERT_EQ(l.diags.size(), 1u);
  EXPECT_EQ(l.diags[0].code, "too-deep");
}

TEST(LintTest, UnknownDynamicTypeInModelPath) {
  Diagnostic d =
      ExpectDiag(R"j({"models": {"A": {"path": «"@a/(id:uuidd)", "file": "[d].json"}}})j",
                 "unknown-dynamic-type");
  EXPECT_EQ(d.json_path, "/models/A/path");
  EXPECT_TRUE(Contains(d.message,
                       "dynamic type 'uuidd' in (id:uuidd) is not defined (did you mean "
                       "'uuid'?)"))
      << d.message;
  EXPECT_TRUE(Contains(d.message, "declare it under \"dynamicTypes\"")) << d.message;
}

TEST(LintTest, UnknownDynamicTypeInPathsList) {
  ExpectDiag(R"j({"paths": [«"#a/(id:slug)/[d].json"], "models": {}})j", "unknown-dynamic-type");
}

TEST(LintTest, ModelPathNotDeclaredInPaths) {
  Diagnostic d = ExpectDiag(R"j({"paths": ["#org/@customers/(id:uuid)/[profile].json"],
  "models": {"C": {"path": «"#org/@customers/(id:uuid)", "file": "[profle].json"}}})j",
                            "undeclared-path");
  EXPECT_TRUE(Contains(d.message, "closest: '#org/@customers/(id:uuid)/[profile].json'"))
      << d.message;
}

TEST(LintTest, PathsEntryNoModelUses) {
  Diagnostic d = ExpectDiag(R"j({"paths": ["@a/(id:uuid)/[d].json", «"@b/(id:uuid)/[d].json"],
  "models": {"A": {"path": "@a/(id:uuid)", "file": "[d].json"}}})j",
                            "unused-path", Severity::kWarning);
  EXPECT_EQ(d.json_path, "/paths/1");
}

TEST(LintTest, PathsEntryWithoutFileMatchesModelPath) {
  Linted l = LintMarked(R"j({"paths": ["@a/(id:uuid)"],
  "models": {"A": {"path": "@a/(id:uuid)", "file": "[d].json"}}})j");
  EXPECT_TRUE(l.diags.empty()) << Dump(l.diags);
}

TEST(LintTest, DuplicatePathsEntry) {
  ExpectDiag(R"j({"paths": ["@a/(id:uuid)/[d].json", «"@a/(id:uuid)/[d].json"],
  "models": {"A": {"path": "@a/(id:uuid)", "file": "[d].json"}}})j",
             "duplicate-path", Severity::kWarning);
}

TEST(LintTest, TwoModelsResolveToTheSameKeys) {
  Diagnostic d = ExpectDiag(R"j({"models": {
  "A": {"path": "#org/@customers/(id:uuid)", "file": "[profile].json"},
  "B": {"path": «"#org/@customers/(customerId:uuid)/[profile].json"}}})j",
                            "conflicting-paths");
  EXPECT_TRUE(Contains(d.message, "models 'A' and 'B' resolve to the same keys")) << d.message;
}

TEST(LintTest, LiteralThatMatchesADynamicTypeConflicts) {
  ExpectDiag(R"j({"dynamicTypes": {"slug": {"regex": "^[a-z]+$"}}, "models": {
  "A": {"path": "@pages/(slug:slug)/[page].json"},
  "B": {"path": «"@pages/@about/[page].json", "singleton": true}}})j",
             "conflicting-paths");
  // A literal the type refuses does not conflict.
  Linted l = LintMarked(R"j({"models": {"A": {"path": "@pages/(id:uuid)/[page].json"},
  "B": {"path": "@pages/@about/[page].json", "singleton": true}}})j");
  EXPECT_TRUE(l.diags.empty()) << Dump(l.diags);
}

TEST(LintTest, ModelsSharingAnEntityFolderWithOplogs) {
  Diagnostic d = ExpectDiag(R"j({"models": {
  "A": {"path": "#org/@customers/(id:uuid)/[profile].json", "oplog": true},
  "B": {"path": «"#org/@customers/(id:uuid)/[invoices].json", "oplog": true}}})j",
                            "shared-entity-folder", Severity::kWarning);
  EXPECT_TRUE(Contains(d.message, "share the entity folder org/customers/{id}")) << d.message;
}

TEST(LintTest, SingletonWithDynamicSegment) {
  Diagnostic d = ExpectDiag(R"j({"models": {"S": {"path": «"#org/@settings/(id:uuid)",
  "file": "[config].json", "singleton": true}}})j",
                            "singleton-with-id");
  EXPECT_TRUE(Contains(d.message, "remove it, or drop \"singleton\": true")) << d.message;
}

TEST(LintTest, NonSingletonWithoutDynamicSegment) {
  Diagnostic d =
      ExpectDiag(R"j({"models": {"S": {"path": «"#org/@settings", "file": "[config].json"}}})j",
                 "missing-id-segment");
  EXPECT_TRUE(Contains(d.message, "or set \"singleton\": true")) << d.message;
}

TEST(LintTest, DefaultOutsideEnum) {
  Diagnostic d = ExpectDiag(R"j({"models": {"C": {"path": "@c/(id:uuid)", "file": "[d].json",
  "fields": {"status": {"type": "string", "enum": ["active", "inactive"],
                        "default": «"archived"}}}}})j",
                            "default-not-in-enum");
  EXPECT_EQ(d.json_path, "/models/C/fields/status/default");
  EXPECT_EQ(d.message,
            "default \"archived\" is not one of \"active\", \"inactive\": use one of them, or add "
            "it to \"enum\"");
}

TEST(LintTest, DefaultOfTheWrongType) {
  Diagnostic d = ExpectDiag(R"j({"models": {"C": {"path": "@c/(id:uuid)", "file": "[d].json",
  "fields": {"count": {"type": "integer", "default": «"3"}}}}})j",
                            "default-type-mismatch");
  EXPECT_TRUE(Contains(d.message, "expected an integer, got a string \"3\"")) << d.message;
  ExpectDiag(R"j({"models": {"C": {"path": "@c/(id:uuid)", "file": "[d].json",
  "fields": {"day": {"type": "date", "default": «"24/02/2026"}}}}})j",
             "default-type-mismatch");
}

TEST(LintTest, DefaultBreakingAConstraint) {
  ExpectDiag(R"j({"models": {"C": {"path": "@c/(id:uuid)", "file": "[d].json",
  "fields": {"n": {"type": "number", "maximum": 5, "default": «9}}}}})j",
             "default-violates-constraint");
}

TEST(LintTest, EnumValueOfTheWrongType) {
  ExpectDiag(R"j({"models": {"C": {"path": "@c/(id:uuid)", "file": "[d].json",
  "fields": {"n": {"type": "integer", "enum": [1, «"two", 3]}}}}})j",
             "enum-type-mismatch");
}

TEST(LintTest, RefToUnknownModel) {
  Diagnostic d = ExpectDiag(R"j({"models": {
  "Customer": {"path": "@c/(id:uuid)", "file": "[d].json"},
  "Invoice": {"path": "@i/(id:uuid)", "file": "[d].json",
    "fields": {"customerId": {"type": "string", "ref": «"Custmer"}}}}})j",
                            "unknown-ref");
  EXPECT_TRUE(Contains(d.message, "(did you mean 'Customer'?)")) << d.message;
}

TEST(LintTest, LinkThroughUnknownModel) {
  ExpectDiag(R"j({"models": {"Post": {"path": "@p/(id:uuid)", "file": "[d].json",
  "links": {"tags": {"through": «"PostTag"}}}}})j",
             "unknown-ref");
}

TEST(LintTest, RefToSingleton) {
  ExpectDiag(R"j({"models": {"S": {"path": "@s", "file": "[d].json", "singleton": true},
  "A": {"path": "@a/(id:uuid)", "file": "[d].json", "fields": {"s": {"type": "string", "ref": «"S"}}}}})j",
             "ref-to-singleton");
}

TEST(LintTest, InvalidRegexInDynamicType) {
  Diagnostic d = ExpectDiag(R"j({"dynamicTypes": {"slug": {"regex": «"^[a-z+$"}}, "models": {}})j",
                            "invalid-regex");
  EXPECT_TRUE(Contains(d.message, "missing ]")) << d.message;
}

TEST(LintTest, InvalidRegexInFieldPattern) {
  ExpectDiag(R"j({"models": {"C": {"path": "@c/(id:uuid)", "file": "[d].json",
  "fields": {"code": {"type": "string", "pattern": «"(?<=x)y"}}}}})j",
             "invalid-regex");
}

TEST(LintTest, FileWithoutBrackets) {
  Diagnostic d = ExpectDiag(
      R"j({"models": {"C": {"path": "@c/(id:uuid)", "file": «"profile.json"}}})j", "invalid-file");
  EXPECT_TRUE(Contains(d.message, "write \"[profile].json\"")) << d.message;
}

TEST(LintTest, FileWithEmptyName) {
  Diagnostic d = ExpectDiag(R"j({"models": {"C": {"path": "@c/(id:uuid)", "file": «"[].json"}}})j",
                            "invalid-file");
  EXPECT_TRUE(Contains(d.message, "empty file name")) << d.message;
  ExpectDiag(R"j({"models": {"C": {"path": "@c/(id:uuid)", "file": «"[a].json/[b].json"}}})j",
             "invalid-file");
}

TEST(LintTest, MissingFile) {
  ExpectDiag(R"j({"models": {"C": {"path": «"@c/(id:uuid)"}}})j", "missing-file");
}

TEST(LintTest, UnknownFieldType) {
  Diagnostic d = ExpectDiag(R"j({"models": {"C": {"path": "@c/(id:uuid)", "file": "[d].json",
  "fields": {"name": {"type": «"strng"}}}}})j",
                            "unknown-field-type");
  EXPECT_TRUE(Contains(d.message, "(did you mean 'string'?)")) << d.message;
}

TEST(LintTest, IdTypeDisagreesWithPath) {
  ExpectDiag(R"j({"models": {"W": {"path": "#wallets/@accounts/(addr:evm)", "file": "[b].json",
  "idType": «"uuid"}}})j",
             "id-type-mismatch");
}

TEST(LintTest, UnknownStorageLayout) {
  Diagnostic d =
      ExpectDiag(R"j({"storage": {"layout": «"colection"}, "models": {}})j", "unknown-layout");
  EXPECT_TRUE(Contains(d.message, "(did you mean 'collection'?)")) << d.message;
  ExpectDiag(
      R"j({"models": {"C": {"path": "@c/(id:uuid)", "file": "[d].json", "layout": «"flat"}}})j",
      "unknown-layout");
}

TEST(LintTest, UnknownTopLevelKeyIsAWarning) {
  Diagnostic d = ExpectDiag(R"j({«"model": {}, "models": {}})j", "unknown-key", Severity::kWarning);
  EXPECT_TRUE(Contains(d.message, "(did you mean 'models'?)")) << d.message;
}

TEST(LintTest, UnknownModelKeyCatchesTypos) {
  Diagnostic d = ExpectDiag(R"j({"models": {"C": {"path": "@c/(id:uuid)", "file": "[d].json",
  «"sofDelete": true}}})j",
                            "unknown-key", Severity::kWarning);
  EXPECT_EQ(d.message, "unknown model key 'sofDelete' is ignored (did you mean 'softDelete'?)");
  ExpectDiag(R"j({"models": {"C": {"path": "@c/(id:uuid)", "file": "[d].json",
  "fields": {"a": {"type": "string", «"requird": true}}}}})j",
             "unknown-key", Severity::kWarning);
}

TEST(LintTest, DuplicateKey) {
  ExpectDiag(
      "{\"models\": {\"C\": {\"path\": \"@c/(id:uuid)\", \"file\": \"[d].json\",\n"
      "  \"oplog\": true, «\"oplog\": false}}}",
      "duplicate-key", Severity::kWarning);
}

TEST(LintTest, WrongJsonType) {
  Diagnostic d = ExpectDiag(R"j({"models": {"C": {"path": "@c/(id:uuid)", "file": "[d].json",
  "oplog": «"yes"}}})j",
                            "wrong-type");
  EXPECT_EQ(d.message, "\"oplog\" must be true or false, not a string \"yes\"");
  ExpectDiag(R"j(«[1, 2])j", "wrong-type");
}

TEST(LintTest, MissingKeys) {
  ExpectDiag(R"j(«{"paths": []})j", "missing-key");
  ExpectDiag(R"j({"models": {"C": «{"file": "[d].json"}}})j", "missing-key");
  ExpectDiag(R"j({"models": {"C": {"path": "@c/(id:uuid)/[d].json",
  "fields": {"a": «{"required": true}}}}})j",
             "missing-key");
}

TEST(LintTest, InvalidPathCarriesParserColumn) {
  Diagnostic d = ExpectDiag(
      R"j({"models": {"C": {"path": «"#org/customers/(id:uuid)", "file": "[d].json"}}})j",
      "invalid-path");
  EXPECT_TRUE(Contains(d.message, "column 6: segment 'customers' has no symbol")) << d.message;
}

TEST(LintTest, OperatorProblems) {
  ExpectDiag(R"j({"models": {"A": {"path": "@a/(id:uuid)/[d].json", "idOperator": «"seq"}}})j",
             "operator-type-mismatch");
  ExpectDiag(R"j({"models": {"A": {"path": "@a/(id:uuid)/[d].json", "idOperator": «"sequence"}}})j",
             "unknown-operator");
  ExpectDiag(R"j({"models": {"A": {"path": "@a/(id:int)/[d].json", «"operator": "seq"}}})j",
             "misnamed-key");
  ExpectDiag(R"j({"operators": {"x": {"strategy": «"random"}}, "models": {}})j",
             "unknown-strategy");
  ExpectDiag(R"j({"operators": {"x": {"strategy": "increment", "step": «0}}, "models": {}})j",
             "invalid-value");
  // A custom uuid type that refuses lowercase makes "auto" unusable.
  ExpectDiag(R"j({"dynamicTypes": {"uuid": {"regex": "^[0-9A-F-]{36}$"}},
  "models": {"A": {"path": «"@a/(id:uuid)/[d].json"}}})j",
             "operator-type-mismatch");
}

TEST(LintTest, OnDeleteProblems) {
  ExpectDiag(R"j({"models": {"A": {"path": "@a/(id:uuid)/[d].json",
  "fields": {"b": {"type": "string", "onDelete": «"cascade"}}}}})j",
             "on-delete-without-ref");
  ExpectDiag(R"j({"models": {"A": {"path": "@a/(id:uuid)/[d].json",
  "fields": {"b": {"type": "string", "ref": "A", "onDelete": «"nullify"}}}}})j",
             "unknown-on-delete");
  ExpectDiag(R"j({"models": {"A": {"path": "@a/(id:uuid)/[d].json",
  "fields": {"b": {"type": "string", "ref": "A", "required": true, "onDelete": «"setNull"}}}}})j",
             "set-null-required");
}

TEST(LintTest, ConstraintProblems) {
  ExpectDiag(R"j({"models": {"A": {"path": "@a/(id:uuid)/[d].json",
  "fields": {"b": {"type": "string", "minimum": «1}}}}})j",
             "constraint-not-applicable");
  ExpectDiag(R"j({"models": {"A": {"path": "@a/(id:uuid)/[d].json",
  "fields": {"b": {"type": "integer", "minimum": 5, "maximum": «1}}}}})j",
             "invalid-constraint");
  ExpectDiag(R"j({"models": {"A": {"path": "@a/(id:uuid)/[d].json",
  "fields": {"b": {"type": "number", "items": «{"type": "string"}}}}}})j",
             "constraint-not-applicable");
}

TEST(LintTest, InvalidSymbols) {
  ExpectDiag(R"j({"symbols": {"dynamic": «"(("}, "models": {}})j", "invalid-symbols");
  ExpectDiag(R"j({"symbols": {"requiredFile": «"["}, "models": {}})j", "invalid-symbols");
  ExpectDiag(R"j({"symbols": {"namespace": «"@"}, "models": {}})j", "invalid-symbols");
}

TEST(LintTest, PathWithoutPrefix) {
  ExpectDiag(R"j({"models": {"A": {"path": «"(id:uuid)/[d].json"}}})j", "missing-prefix");
}

TEST(LintTest, ReservedFieldName) {
  ExpectDiag(R"j({"models": {"A": {"path": "@a/(id:uuid)/[d].json",
  "fields": {«"createdAt": {"type": "datetime"}}}}})j",
             "reserved-field-name", Severity::kWarning);
}

TEST(LintTest, UnsupportedSchemaVersion) {
  ExpectDiag(R"j({"schemaVersion": «"2.0", "models": {}})j", "unsupported-schema-version");
}

TEST(LintTest, InvalidModelName) {
  ExpectDiag(R"j({"models": {«"my-model": {"path": "@a/(id:uuid)/[d].json"}}})j", "invalid-name");
}

TEST(LintTest, SeedFullExampleOnlyWarnsAboutItsUnmodelledPath) {
  std::string text = ReadFileOrDie(SourceDir() / "tests/golden/schema/full_example/schema.json");
  std::vector<Diagnostic> diags = LintSchemaText(text);
  ASSERT_EQ(diags.size(), 1u) << Dump(diags);
  EXPECT_EQ(diags[0].code, "unused-path");
  EXPECT_EQ(diags[0].json_path, "/paths/1");
  EXPECT_EQ(diags[0].severity, Severity::kWarning);
}

TEST(LintTest, ReportsEveryProblemSortedByPosition) {
  std::string text = R"j({
  "storage": {"layout": "flat"},
  "models": {
    "A": {"path": "@a/(id:uuidd)", "file": "[d].json", "sofDelete": true},
    "B": {"path": "@b/(id:uuid)", "file": "b.json",
          "fields": {"x": {"type": "strin"}, "y": {"type": "string", "ref": "Nope"}}}
  }
})j";
  std::vector<Diagnostic> diags = LintSchemaText(text);
  std::vector<std::string> codes;
  for (const Diagnostic& d : diags) codes.push_back(d.code);
  EXPECT_EQ(codes,
            (std::vector<std::string>{"unknown-layout", "unknown-dynamic-type", "unknown-key",
                                      "invalid-file", "unknown-field-type", "unknown-ref"}))
      << Dump(diags);
  for (size_t i = 1; i < diags.size(); ++i) {
    EXPECT_LE(std::tie(diags[i - 1].line, diags[i - 1].column),
              std::tie(diags[i].line, diags[i].column));
  }
}

TEST(LintTest, JsonAndTextForms) {
  Diagnostic d;
  d.severity = Severity::kWarning;
  d.code = "unknown-key";
  d.json_path = "/models/A/sofDelete";
  d.line = 4;
  d.column = 9;
  d.message = "m";
  EXPECT_EQ(DiagnosticToJson(d), Json::parse(R"j({"severity": "warning", "code": "unknown-key",
                            "path": "/models/A/sofDelete", "line": 4, "column": 9, "message": "m"})j"));
  EXPECT_EQ(FormatDiagnostic(d, ".worm/schema.json"),
            ".worm/schema.json:4:9: warning: m [unknown-key] at /models/A/sofDelete");
}

}  // namespace
}  // namespace worm::schema

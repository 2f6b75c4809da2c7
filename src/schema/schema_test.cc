// LoadSchema / LoadSchemaFile: every field of the seed's full example, model
// options, fields, dynamic types and operators.
#include "schema/schema.h"

#include <gtest/gtest.h>

#include "testing/test_util.h"

namespace worm::schema {
namespace {

using ::worm::testing::ReadFileOrDie;
using ::worm::testing::SourceDir;
using ::worm::testing::StatusIs;
using ::worm::testing::StatusIsWithMessage;

Json FullExample() {
  return Json::parse(ReadFileOrDie(SourceDir() / "tests/golden/schema/full_example/schema.json"));
}

Result<Schema> Load(const char* text) { return LoadSchema(Json::parse(text)); }

TEST(LoadSchemaTest, SeedFullExample) {
  ASSERT_OK_AND_ASSIGN(Schema s, LoadSchema(FullExample()));
  EXPECT_EQ(s.schema_version, "1.0");
  EXPECT_EQ(s.source_of_truth, "local");
  EXPECT_EQ(s.symbols.namespace_symbol, "#");
  EXPECT_EQ(s.symbols.dynamic_open, "(");
  EXPECT_EQ(s.symbols.file_close, "]");
  EXPECT_EQ(s.layout, Layout::kRoot);
  ASSERT_EQ(s.paths.size(), 4u);
  EXPECT_EQ(s.paths[1].source, "#org/@customers/(id:uuid)/[invoices].json");
  EXPECT_EQ(s.dynamic_types.at("uuid").regex, "^[0-9a-fA-F-]{36}$");
  EXPECT_TRUE(s.dynamic_types.count("sol"));  // built-ins stay available
  EXPECT_EQ(s.operators.at("seq").strategy, IdStrategy::kIncrement);
  EXPECT_EQ(s.operators.at("seq").start_at, 1);
  EXPECT_EQ(s.operators.at("auto").strategy, IdStrategy::kUuid);
  ASSERT_EQ(s.models.size(), 3u);

  const Model* c = s.FindModel("Customer");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(PrintPath(c->path), "#org/@customers/(id:uuid)");
  EXPECT_EQ(PrintPath(c->file), "[profile].json");
  EXPECT_EQ(PrintPath(c->full), "#org/@customers/(id:uuid)/[profile].json");
  EXPECT_EQ(c->id_type, "uuid");
  EXPECT_EQ(c->id_operator, "auto");
  EXPECT_EQ(c->mode, Mode::kReadWrite);
  EXPECT_TRUE(c->oplog);
  EXPECT_TRUE(c->soft_delete);
  EXPECT_FALSE(c->singleton);
  EXPECT_TRUE(c->strict);
  ASSERT_EQ(c->fields.size(), 3u);
  const Field* status = c->FindField("status");
  ASSERT_NE(status, nullptr);
  EXPECT_EQ(status->enum_values, (std::vector<Json>{"active", "inactive"}));
  EXPECT_EQ(status->default_value, Json("active"));
  EXPECT_TRUE(c->FindField("email")->required);

  const Model* inv = s.FindModel("Invoice");
  EXPECT_EQ(inv->FindField("customerId")->ref, "Customer");
  EXPECT_EQ(inv->FindField("amount")->type, FieldType::kNumber);
  EXPECT_FALSE(inv->oplog);

  const Model* settings = s.FindModel("OrgSettings");
  EXPECT_TRUE(settings->singleton);
  EXPECT_EQ(settings->id_type, "");
  EXPECT_EQ(settings->id_operator, "");
  EXPECT_EQ(s.LayoutOf(*settings), Layout::kRoot);
}

TEST(LoadSchemaTest, MinimalSchemaUsesDefaults) {
  ASSERT_OK_AND_ASSIGN(Schema s, Load(R"j({"models": {"Note": {"path": "@notes/(id:uuid7)",
      "file": "[note].json"}}})j"));
  EXPECT_EQ(s.schema_version, "1.0");
  EXPECT_EQ(s.layout, Layout::kRoot);
  EXPECT_TRUE(s.paths.empty());
  const Model& m = s.models[0];
  EXPECT_EQ(m.id_type, "uuid7");
  EXPECT_EQ(m.id_operator, "uuid7");
  EXPECT_FALSE(m.oplog);
  EXPECT_FALSE(m.soft_delete);
  EXPECT_EQ(m.mode, Mode::kReadWrite);
  EXPECT_FALSE(m.layout.has_value());
}

TEST(LoadSchemaTest, PathMayIncludeTheFile) {
  ASSERT_OK_AND_ASSIGN(Schema s, Load(R"j({"models": {"Customer": {
      "path": "#org/@customers/(id:uuid)/[profile].json"}}})j"));
  const Model& m = s.models[0];
  EXPECT_EQ(PrintPath(m.path), "#org/@customers/(id:uuid)");
  EXPECT_EQ(PrintPath(m.file), "[profile].json");
  EXPECT_EQ(PrintPath(m.full), "#org/@customers/(id:uuid)/[profile].json");
  EXPECT_EQ(m.file.segments[0].column, 1);
}

TEST(LoadSchemaTest, FileGivenTwiceIsRefused) {
  EXPECT_THAT(
      Load(R"j({"models": {"C": {"path": "#o/@c/(id:uuid)/[p].json", "file": "[p].json"}}})j"),
      StatusIsWithMessage(StatusCode::kInvalidArgument, "models.C.file: the path already"));
}

TEST(LoadSchemaTest, DefaultOperatorPerIdType) {
  ASSERT_OK_AND_ASSIGN(Schema s, Load(R"j({"models": {
      "A": {"path": "@a/(id:uuid)/[d].json"},
      "B": {"path": "@b/(id:uuid7)/[d].json"},
      "C": {"path": "@c/(id:int)/[d].json"},
      "D": {"path": "@d/(addr:evm)/[d].json"},
      "E": {"path": "@e/(id:int)/[d].json", "idOperator": "seq"},
      "F": {"path": "@f/(id:uuid)/[d].json", "idOperator": "uuid7"}}})j"));
  EXPECT_EQ(s.FindModel("A")->id_operator, "auto");
  EXPECT_EQ(s.FindModel("B")->id_operator, "uuid7");
  EXPECT_EQ(s.FindModel("C")->id_operator, "seq");
  EXPECT_EQ(s.FindModel("D")->id_operator, "");
  EXPECT_EQ(s.FindModel("E")->id_operator, "seq");
  EXPECT_EQ(s.FindModel("F")->id_operator, "uuid7");  // v7 ids fit the loose uuid regex
}

TEST(LoadSchemaTest, CustomOperatorsAndTypes) {
  ASSERT_OK_AND_ASSIGN(Schema s, Load(R"j({
      "dynamicTypes": {"slug": {"regex": "^[a-z0-9-]+$"}, "int": {"regex": "^[1-9][0-9]*$"}},
      "operators": {"ticket": {"strategy": "increment", "startAt": 1000, "step": 10},
                    "time": {"strategy": "uuid7"}},
      "models": {"T": {"path": "@t/(n:int)/[d].json", "idOperator": "ticket"},
                 "P": {"path": "@p/(slug:slug)/[d].json"}}})j"));
  EXPECT_EQ(s.operators.at("ticket").start_at, 1000);
  EXPECT_EQ(s.operators.at("ticket").step, 10);
  EXPECT_EQ(s.operators.at("time").strategy, IdStrategy::kUuid7);
  EXPECT_EQ(s.dynamic_types.at("int").regex, "^[1-9][0-9]*$");  // custom overrides built-in
  EXPECT_FALSE(s.dynamic_types.at("int").Matches("0"));
  EXPECT_TRUE(s.dynamic_types.at("slug").Matches("hello-world"));
  EXPECT_EQ(s.FindModel("P")->id_operator, "");
}

TEST(LoadSchemaTest, OperatorMustFitIdType) {
  EXPECT_THAT(
      Load(R"j({"models": {"A": {"path": "@a/(id:uuid)/[d].json", "idOperator": "seq"}}})j"),
      StatusIsWithMessage(StatusCode::kInvalidArgument,
                          "models.A.idOperator: id operator 'seq' makes ids like '1'"));
  EXPECT_THAT(
      Load(R"j({"models": {"A": {"path": "@a/(id:int)/[d].json", "idOperator": "auto"}}})j"),
      StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(
      Load(R"j({"models": {"A": {"path": "@a/(id:uuid)/[d].json", "idOperator": "nope"}}})j"),
      StatusIsWithMessage(StatusCode::kInvalidArgument,
                          "models.A.idOperator: idOperator 'nope' is not defined"));
}

TEST(LoadSchemaTest, MisnamedOperatorKeyIsRefused) {
  EXPECT_THAT(Load(R"j({"models": {"A": {"path": "@a/(id:int)/[d].json", "operator": "seq"}}})j"),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "write \"idOperator\": \"seq\""));
}

TEST(LoadSchemaTest, ModelOptions) {
  ASSERT_OK_AND_ASSIGN(Schema s, Load(R"j({"storage": {"layout": "collection"}, "models": {
      "Log": {"path": "@logs/(id:uuid7)/[e].json", "mode": "appendonly", "layout": "inline",
              "allowUnknownFields": true, "oplog": true, "softDelete": false,
              "links": {"tags": {"through": "Log", "extra": 1}}},
      "Ro": {"path": "@ro/(id:uuid)/[e].json", "mode": "readonly"}}})j"));
  const Model* log = s.FindModel("Log");
  EXPECT_EQ(log->mode, Mode::kAppendOnly);
  EXPECT_EQ(log->layout, Layout::kInline);
  EXPECT_EQ(s.LayoutOf(*log), Layout::kInline);
  EXPECT_EQ(s.LayoutOf(*s.FindModel("Ro")), Layout::kCollection);
  EXPECT_FALSE(log->strict);
  EXPECT_EQ(log->links["tags"]["extra"], 1);
  EXPECT_EQ(s.FindModel("Ro")->mode, Mode::kReadOnly);
}

TEST(LoadSchemaTest, FieldTypesAndConstraints) {
  ASSERT_OK_AND_ASSIGN(Schema s, Load(R"j({"models": {
      "Customer": {"path": "@c/(id:uuid)/[d].json"},
      "Order": {"path": "@o/(id:uuid)/[d].json", "fields": {
        "name": {"type": "string", "minLength": 1, "maxLength": 80, "pattern": "^[A-Z].*$"},
        "qty": {"type": "integer", "minimum": 1, "maximum": 99, "default": 1},
        "price": {"type": "number", "minimum": 0},
        "paid": {"type": "boolean", "default": false},
        "day": {"type": "date", "default": "2026-02-24"},
        "at": {"type": "datetime", "default": "2026-02-24T10:00:00.123Z"},
        "tags": {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}, "maxLength": 3},
        "address": {"type": "object", "properties": {
           "city": {"type": "string", "required": true},
           "geo": {"type": "object", "properties": {"lat": {"type": "number"}}}}},
        "meta": {"type": "object"},
        "customerId": {"type": "string", "ref": "Customer", "onDelete": "cascade"},
        "backupId": {"type": "string", "ref": "Customer", "onDelete": "setNull"},
        "keeperId": {"type": "string", "ref": "Customer", "onDelete": "restrict"}}}}})j"));
  const Model* o = s.FindModel("Order");
  ASSERT_EQ(o->fields.size(), 12u);
  const Field* name = o->FindField("name");
  EXPECT_EQ(name->min_length, 1u);
  EXPECT_EQ(name->max_length, 80u);
  EXPECT_EQ(name->pattern, "^[A-Z].*$");
  EXPECT_NE(name->compiled_pattern, nullptr);
  EXPECT_EQ(o->FindField("qty")->type, FieldType::kInteger);
  EXPECT_EQ(o->FindField("qty")->minimum, 1.0);
  EXPECT_EQ(o->FindField("qty")->maximum, 99.0);
  EXPECT_EQ(o->FindField("day")->type, FieldType::kDate);
  EXPECT_EQ(o->FindField("at")->type, FieldType::kDateTime);
  const Field* tags = o->FindField("tags");
  ASSERT_NE(tags->items, nullptr);
  EXPECT_EQ(tags->items->enum_values.size(), 2u);
  const Field* addr = o->FindField("address");
  ASSERT_EQ(addr->properties.size(), 2u);
  EXPECT_TRUE(addr->properties[0].required);
  EXPECT_FALSE(addr->allow_unknown);
  EXPECT_EQ(addr->properties[1].properties[0].name, "lat");
  EXPECT_TRUE(o->FindField("meta")->allow_unknown);  // no properties: free-form
  EXPECT_EQ(o->FindField("customerId")->on_delete, OnDelete::kCascade);
  EXPECT_EQ(o->FindField("backupId")->on_delete, OnDelete::kSetNull);
  EXPECT_EQ(o->FindField("keeperId")->on_delete, OnDelete::kRestrict);
}

TEST(LoadSchemaTest, IdTypeDefaultsToLastDynamicSegment) {
  ASSERT_OK_AND_ASSIGN(Schema s,
                       Load(R"j({"dynamicTypes": {"date": {"regex": "^\\d{4}-\\d{2}-\\d{2}$"}},
      "models": {"E": {"path": "#data/@logs/(date:date)/@entries/(id:uuid)/[event].json"}}})j"));
  EXPECT_EQ(s.models[0].id_type, "uuid");
  EXPECT_THAT(Load(R"j({"models": {"W": {"path": "@w/(addr:evm)/[b].json", "idType": "uuid"}}})j"),
              StatusIsWithMessage(StatusCode::kInvalidArgument,
                                  "models.W.idType: idType 'uuid' disagrees with the path's id "
                                  "segment (addr:evm)"));
}

TEST(LoadSchemaTest, CustomSymbols) {
  ASSERT_OK_AND_ASSIGN(Schema s, Load(R"j({"symbols": {"namespace": "%", "collection": "+",
      "dynamic": "{}", "requiredFile": "<>"},
      "paths": ["%org/+customers/{id:uuid}/<profile>.json"],
      "models": {"C": {"path": "%org/+customers/{id:uuid}", "file": "<profile>.json"}}})j"));
  EXPECT_EQ(s.symbols.collection_symbol, "+");
  EXPECT_EQ(s.symbols.dynamic_close, "}");
  EXPECT_EQ(PrintPath(s.models[0].full), "#org/@customers/(id:uuid)/[profile].json");
  EXPECT_EQ(s.models[0].path.source, "%org/+customers/{id:uuid}");
  EXPECT_THAT(Load(R"j({"symbols": {"dynamic": "("}, "models": {}})j"),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "symbols.dynamic: "));
  EXPECT_THAT(Load(R"j({"symbols": {"namespace": "@"}, "models": {}})j"),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "is used twice"));
  EXPECT_THAT(Load(R"j({"symbols": {"namespace": "a"}, "models": {}})j"),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST(LoadSchemaTest, StopsAtFirstErrorNamingTheJsonPath) {
  Result<Schema> r = Load(R"j({"models": {"Customer": {"path": "#org/@customers/(id:uuid)",
      "file": "[profile].json", "fields": {"status": {"type": "string",
      "enum": ["active", "inactive"], "default": "archived"}}}}})j");
  EXPECT_THAT(r, StatusIsWithMessage(StatusCode::kInvalidArgument,
                                     "models.Customer.fields.status.default: default \"archived\" "
                                     "is not one of \"active\", \"inactive\""));
  EXPECT_THAT(Load(R"j({"paths": [1], "models": {}})j"),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "paths[0]: "));
  EXPECT_THAT(LoadSchema(Json::array()), StatusIsWithMessage(StatusCode::kInvalidArgument,
                                                             "schema: a schema is a JSON object"));
}

TEST(LoadSchemaTest, WarningsDoNotRefuse) {
  EXPECT_OK(Load(R"j({"models": {"C": {"path": "@c/(id:uuid)/[d].json", "sofDelete": true}}})j"));
}

TEST(LoadSchemaFileTest, ReadsAndReportsLineColumn) {
  ::worm::testing::ScratchDir dir;
  auto path = (dir.path() / "schema.json").string();
  ::worm::testing::WriteFileOrDie(path,
                                  "{\n  \"models\": {\n    \"C\": {\"path\": \"@c/(id:uuidd)\","
                                  " \"file\": \"[d].json\"}\n  }\n}\n");
  Result<Schema> r = LoadSchemaFile(path);
  EXPECT_THAT(r, StatusIsWithMessage(StatusCode::kInvalidArgument, path + ":3:19: error: "));
  EXPECT_THAT(r, StatusIsWithMessage(StatusCode::kInvalidArgument, "[unknown-dynamic-type]"));
  ::worm::testing::WriteFileOrDie(
      path, ReadFileOrDie(SourceDir() / "tests/golden/schema/full_example/schema.json"));
  ASSERT_OK_AND_ASSIGN(Schema s, LoadSchemaFile(path));
  EXPECT_EQ(s.models.size(), 3u);
  EXPECT_THAT(LoadSchemaFile((dir.path() / "missing.json").string()),
              StatusIs(StatusCode::kNotFound));
}

TEST(BuiltinTypesTest, Patterns) {
  auto t = BuiltinDynamicTypes();
  EXPECT_TRUE(t.at("uuid").Matches("a1b2c3d4-e5f6-7890-abcd-ef1234567890"));
  EXPECT_FALSE(t.at("uuid").Matches("abc-123"));
  EXPECT_FALSE(t.at("uuid").Matches("a1b2c3d4-e5f6-7890-abcd-ef1234567890\n"));
  EXPECT_TRUE(t.at("uuid7").Matches("01890a5d-ac96-774b-bcce-b302099a8057"));
  EXPECT_FALSE(t.at("uuid7").Matches("3f2b8c1e-9d4a-4b6e-8f7a-1c2d3e4f5a6b"));  // v4
  EXPECT_FALSE(t.at("uuid7").Matches("01890a5d-ac96-774b-7cce-b302099a8057"));  // bad variant
  EXPECT_TRUE(t.at("evm").Matches("0x742d35Cc6634C0532925a3b844Bc9e7595f2bD18"));
  EXPECT_FALSE(t.at("evm").Matches("0x742d35Cc6634C0532925a3b844Bc9e7595f2bD1"));
  EXPECT_TRUE(t.at("sol").Matches("DRpbCBMxVnDK7maPMoaH6Xq4Gy6xRbZ1Aw6CVBBBfaNx"));
  EXPECT_FALSE(t.at("sol").Matches("0OIl0OIl0OIl0OIl0OIl0OIl0OIl0OIl"));  // not base58
  EXPECT_TRUE(t.at("int").Matches("0042"));
  EXPECT_FALSE(t.at("int").Matches("-1"));
  EXPECT_FALSE(t.at("int").Matches(""));
  EXPECT_THAT(
      MakeDynamicType("bad", "(").status(),
      StatusIsWithMessage(StatusCode::kInvalidArgument, "dynamic type 'bad': invalid regex"));
}

TEST(FieldValueTest, ChecksTypesAndConstraints) {
  ASSERT_OK_AND_ASSIGN(Schema s, Load(R"j({"models": {"M": {"path": "@m/(id:uuid)/[d].json",
      "fields": {"n": {"type": "integer", "minimum": 0, "maximum": 10, "required": true},
                 "s": {"type": "string", "maxLength": 3, "pattern": "^[a-z]+$"},
                 "d": {"type": "date"}, "t": {"type": "datetime"},
                 "a": {"type": "array", "items": {"type": "integer"}},
                 "o": {"type": "object", "properties": {"x": {"type": "boolean", "required": true}}}}}}})j"));
  const Model& m = s.models[0];
  EXPECT_OK(CheckFieldValue(*m.FindField("n"), 5, "n"));
  EXPECT_OK(CheckFieldValue(*m.FindField("n"), 5.0, "n"));
  EXPECT_THAT(CheckFieldValue(*m.FindField("n"), 5.5, "M.n"),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "M.n: expected an integer"));
  EXPECT_THAT(CheckFieldValue(*m.FindField("n"), 11, "n"),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "above the maximum"));
  EXPECT_THAT(CheckFieldValue(*m.FindField("n"), nullptr, "n"),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_OK(CheckFieldValue(*m.FindField("s"), nullptr, "s"));
  EXPECT_OK(CheckFieldValue(*m.FindField("s"), "abc", "s"));
  EXPECT_THAT(CheckFieldValue(*m.FindField("s"), "abcd", "s"),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "maxLength"));
  EXPECT_THAT(CheckFieldValue(*m.FindField("s"), "AB", "s"),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "pattern"));
  EXPECT_OK(CheckFieldValue(*m.FindField("d"), "2024-02-29", "d"));
  EXPECT_THAT(CheckFieldValue(*m.FindField("d"), "2023-02-29", "d"),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(CheckFieldValue(*m.FindField("d"), "2023-13-01", "d"),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_OK(CheckFieldValue(*m.FindField("t"), "2026-02-24T10:00:00Z", "t"));
  EXPECT_OK(CheckFieldValue(*m.FindField("t"), "2026-02-24T10:00:00.5+02:00", "t"));
  EXPECT_THAT(CheckFieldValue(*m.FindField("t"), "2026-02-24T10:00:00", "t"),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(CheckFieldValue(*m.FindField("t"), "2026-02-24T25:00:00Z", "t"),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_OK(CheckFieldValue(*m.FindField("a"), Json::array({1, 2}), "a"));
  EXPECT_THAT(CheckFieldValue(*m.FindField("a"), Json::array({1, "x"}), "a"),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "item 1: expected an integer"));
  EXPECT_OK(CheckFieldValue(*m.FindField("o"), Json{{"x", true}}, "o"));
  EXPECT_THAT(CheckFieldValue(*m.FindField("o"), Json::object(), "o"),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "missing required 'x'"));
  EXPECT_THAT(CheckFieldValue(*m.FindField("o"), Json{{"x", true}, {"y", 1}}, "o"),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "unknown member 'y'"));
}

TEST(ValidateDocumentTest, RequiredUnknownAndSystemFields) {
  ASSERT_OK_AND_ASSIGN(Schema s, LoadSchema(FullExample()));
  const Model& c = *s.FindModel("Customer");
  EXPECT_OK(ValidateDocument(
      c,
      Json{{"name", "A"}, {"email", "a@x"}, {"id", "x"}, {"createdAt", "t"}, {"updatedAt", "t"}}));
  EXPECT_THAT(ValidateDocument(c, Json{{"name", "A"}}),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "Customer.email: is required"));
  EXPECT_THAT(ValidateDocument(c, Json{{"name", "A"}, {"email", "e"}, {"nick", "n"}}),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "Customer.nick: not a declared"));
  EXPECT_THAT(
      ValidateDocument(c, Json{{"name", "A"}, {"email", "e"}, {"status", "gone"}}),
      StatusIsWithMessage(StatusCode::kInvalidArgument, "Customer.status: \"gone\" is not one of"));
  EXPECT_THAT(ValidateDocument(c, Json::array()), StatusIs(StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace worm::schema

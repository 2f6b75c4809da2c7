// Lint of the access section: stable codes at the right line:column.
#include "security/access_lint.h"

#include <gtest/gtest.h>

#include "security/access_test_util.h"

namespace worm::security {
namespace {

// Lints SchemaText(access) where « marks the expected position; returns the
// diagnostic with `code`.
schema::Diagnostic Expect(std::string access, const std::string& code, bool error = true) {
  size_t mark = access.find("«");
  std::string clean = access;
  if (mark != std::string::npos) clean.erase(mark, std::string("«").size());
  std::string text = testing::SchemaText(clean);
  auto diags = LintSchemaWithAccess(text);
  for (const auto& d : diags) {
    if (d.code != code) continue;
    EXPECT_EQ(d.severity == schema::Severity::kError, error) << d.message;
    if (mark != std::string::npos) {
      size_t at = text.find(clean.substr(0, 1)) == std::string::npos ? 0 : 0;
      (void)at;
      size_t base = text.find(clean);
      TextPosition pos = PositionOfOffset(text, base + mark);
      EXPECT_EQ(d.line, pos.line) << code << ": " << d.message;
      EXPECT_EQ(d.column, pos.column) << code << ": " << d.message;
    }
    return d;
  }
  ADD_FAILURE() << "no " << code << " in:\n" << text;
  for (const auto& d : diags) ADD_FAILURE() << schema::FormatDiagnostic(d, "schema.json");
  return {};
}

TEST(AccessLintTest, CleanSectionHasNoDiagnostics) {
  std::string text = testing::SchemaText(R"j({
    "roles": {"viewer": {}, "editor": {"inherits": ["viewer"]}},
    "bucket": {"rules": [{"roles": ["editor"], "actions": "*"}]},
    "models": {"Invoice": {"rules": [{"roles": ["viewer"], "actions": ["read"],
                                      "where": {"ownerId": "$principal.id"}}],
                           "fields": {"viewer": {"hidden": ["amount"]}}}},
    "paths": [{"path": "#org/@customers/*", "roles": ["viewer"], "actions": ["list"]}]})j");
  auto diags = LintSchemaWithAccess(text);
  for (const auto& d : diags) ADD_FAILURE() << schema::FormatDiagnostic(d, "schema.json");
  // And schema lint alone no longer warns about the key.
  EXPECT_TRUE(schema::LintSchemaText(text).empty());
}

TEST(AccessLintTest, EveryCodeAtItsPlace) {
  Expect(R"j({"roles": {"a": {"inherits": [«"b"]}}})j", "unknown-role");
  Expect(R"j({"roles": {"a": {"inherits": «["b"]}, "b": {"inherits": ["a"]}}})j", "role-cycle");
  Expect(R"j({"roles": {«"$x": {}}})j", "invalid-role-name");
  Expect(R"j({"models": {«"Nope": {}}})j", "unknown-model");
  Expect(R"j({"models": {"Invoice": {"rules": [{"roles": ["*"], "actions": [«"fly"]}]}}})j",
         "unknown-action");
  Expect(R"j({"models": {"Invoice": {"rules": [{"roles": [«"ghost"], "actions": ["read"]}]}}})j",
         "unknown-role");
  Expect(
      R"j({"models": {"Invoice": {"rules": [{"roles": ["*"], "effect": «"maybe", "actions": ["read"]}]}}})j",
      "unknown-effect");
  Expect(R"j({"models": {"Invoice": {"rules": [«{"actions": ["read"]}]}}})j", "no-subject");
  Expect(R"j({"models": {"Invoice": {"rules": [«{"roles": ["*"]}]}}})j", "missing-key");
  Expect(R"j({"paths": [{"path": «"#org/(id:nope)", "roles": ["*"], "actions": ["read"]}]})j",
         "bad-path-pattern");
  Expect(R"j({"paths": [{"path": «"#elsewhere/*", "roles": ["*"], "actions": ["read"]}]})j",
         "unmatched-path", false);
  Expect(
      R"j({"models": {"Invoice": {"rules": [{"roles": ["*"], "actions": ["read"], "where": «{"amount": {"$gt": [1]}}}]}}})j",
      "bad-condition");
  Expect(
      R"j({"models": {"Invoice": {"rules": [{"roles": ["*"], "actions": ["read"], "where": «{"ownerId": "$principal.email"}}]}}})j",
      "unknown-variable");
  Expect(
      R"j({"models": {"Invoice": {"rules": [{"roles": ["*"], "actions": ["read"], "where": «{"owner": "$principal.id"}}]}}})j",
      "unknown-field");
  Expect(
      R"j({"roles": {"v": {}}, "models": {"Invoice": {"fields": {"v": {"hidden": [«"secret"]}}}}})j",
      "unknown-field");
  Expect(
      R"j({"roles": {"v": {}}, "models": {"Invoice": {"fields": {"v": {"readOnly": [«"id"]}}}}})j",
      "invalid-field-mask");
  Expect(R"j({"models": {"Invoice": {"fields": {«"v": {"hidden": ["amount"]}}}}})j",
         "unknown-role");
  Expect(R"j({«"rulez": []})j", "unknown-key", false);
  Expect(R"j({"models": {"Invoice": {"rules": «{}}}})j", "wrong-type");
}

TEST(AccessLintTest, WrongTypeOfTheSectionIsASchemaError) {
  std::string text = testing::SchemaText("[]");
  auto diags = LintSchemaWithAccess(text);
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].code, "wrong-type");
  EXPECT_EQ(diags[0].json_path, "/access");
}

}  // namespace
}  // namespace worm::security

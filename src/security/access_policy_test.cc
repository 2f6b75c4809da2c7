// The AccessPolicy evaluator: every layer and action, precedence, roles,
// path patterns, row-level conditions, entity grants, field masks, scopes,
// line:column of the deciding rule.
#include <gtest/gtest.h>

#include "security/access_test_util.h"

namespace worm::security {
namespace {

using testing::CompileText;
using Effect = Decision::Effect;

Principal P(std::string id, std::vector<std::string> roles) {
  Principal p;
  p.id = std::move(id);
  p.roles = std::move(roles);
  return p;
}

Decision Ask(const AccessPolicy& policy, const Principal& p, Action a, std::string model,
             std::vector<std::string> ids = {}, const Json* doc = nullptr,
             const Json* grants = nullptr) {
  AccessRequest r;
  r.principal = &p;
  r.action = a;
  r.resource.model = std::move(model);
  r.resource.ids = std::move(ids);
  r.document = doc;
  r.entity_grants = grants;
  return policy.Decide(r);
}

Decision AskKey(const AccessPolicy& policy, const Principal& p, Action a, std::string key) {
  AccessRequest r;
  r.principal = &p;
  r.action = a;
  r.resource.key = std::move(key);
  return policy.Decide(r);
}

constexpr const char* kUuid = "0b0e7c1a-2c8e-4f6e-9a51-3f1f6d4c2b10";

TEST(AccessPolicyTest, NoSectionKeepsTheOpenBehaviour) {
  ASSERT_OK_AND_ASSIGN(auto c, CompileText(""));
  EXPECT_FALSE(c.policy->enabled());
  Principal anon;
  for (Action a : kAllActions) {
    EXPECT_TRUE(Ask(*c.policy, anon, a, "Invoice", {"1"}).allowed()) << ActionName(a);
  }
  EXPECT_TRUE(c.policy->Fields(anon, "Customer").hidden.empty());
  EXPECT_FALSE(OpenAccessPolicy()->enabled());
  EXPECT_TRUE(OpenAccessPolicy()->Decide({&anon}).allowed());
}

TEST(AccessPolicyTest, DefaultDenyOnceTheSectionExists) {
  ASSERT_OK_AND_ASSIGN(auto c, CompileText(R"j({"roles": {"admin": {}}})j"));
  EXPECT_TRUE(c.policy->enabled());
  Principal admin = P("root", {"admin"});
  for (Action a : kAllActions) {
    Decision d = Ask(*c.policy, admin, a, "Customer", {kUuid});
    EXPECT_EQ(d.effect, Effect::kDeny) << ActionName(a);
    EXPECT_TRUE(d.rule.empty());
    EXPECT_NE(d.reason.find("default deny"), std::string::npos) << d.reason;
  }
}

TEST(AccessPolicyTest, BucketModelAndEveryAction) {
  ASSERT_OK_AND_ASSIGN(auto c, CompileText(R"j({
    "roles": {"admin": {}, "viewer": {}, "clerk": {}},
    "bucket": {"rules": [{"roles": ["admin"], "actions": "*"}]},
    "models": {
      "Customer": {"rules": [{"roles": ["viewer"], "actions": ["read", "list"]}]},
      "Invoice": {"rules": [{"roles": ["clerk"], "actions": ["create", "update", "delete", "restore"]}]}
    }})j"));
  Principal admin = P("a", {"admin"}), viewer = P("v", {"viewer"}), clerk = P("c", {"clerk"});
  for (Action a : kAllActions) {
    for (const char* model : {"Customer", "Invoice", "Team", "Settings"}) {
      Decision d = Ask(*c.policy, admin, a, model);
      EXPECT_TRUE(d.allowed()) << ActionName(a) << " " << model;
      EXPECT_EQ(d.rule, "/access/bucket/rules/0");
    }
    bool viewer_ok = a == Action::kRead || a == Action::kList;
    EXPECT_EQ(Ask(*c.policy, viewer, a, "Customer", {kUuid}).allowed(), viewer_ok) << ActionName(a);
    EXPECT_FALSE(Ask(*c.policy, viewer, a, "Invoice", {"1"}).allowed()) << ActionName(a);
    bool clerk_ok = a == Action::kCreate || a == Action::kUpdate || a == Action::kDelete ||
                    a == Action::kRestore;
    EXPECT_EQ(Ask(*c.policy, clerk, a, "Invoice", {"1"}).allowed(), clerk_ok) << ActionName(a);
    EXPECT_FALSE(Ask(*c.policy, clerk, a, "Customer", {kUuid}).allowed());
  }
  Decision d = Ask(*c.policy, viewer, Action::kRead, "Customer", {kUuid});
  EXPECT_EQ(d.rule, "/access/models/Customer/rules/0");
  Principal nobody = P("n", {});
  EXPECT_FALSE(Ask(*c.policy, nobody, Action::kRead, "Customer", {kUuid}).allowed());
  Principal anon;
  EXPECT_FALSE(Ask(*c.policy, anon, Action::kRead, "Customer", {kUuid}).allowed());
}

TEST(AccessPolicyTest, ExplicitDenyWinsAtEveryLayer) {
  ASSERT_OK_AND_ASSIGN(auto c, CompileText(R"j({
    "roles": {"editor": {}},
    "bucket": {"rules": [{"roles": ["editor"], "actions": "*"}]},
    "models": {"Invoice": {"rules": [
      {"effect": "deny", "roles": ["editor"], "actions": ["delete"], "description": "no deletes"}]}},
    "paths": [{"path": "#org/@customers/*", "effect": "deny", "roles": ["*"], "actions": ["update"]}]
  })j"));
  Principal e = P("e", {"editor"});
  EXPECT_TRUE(Ask(*c.policy, e, Action::kUpdate, "Invoice", {"1"}).allowed());
  Decision d = Ask(*c.policy, e, Action::kDelete, "Invoice", {"1"});
  EXPECT_EQ(d.effect, Effect::kDeny);
  EXPECT_EQ(d.rule, "/access/models/Invoice/rules/0");
  EXPECT_NE(d.reason.find("no deletes"), std::string::npos);
  d = Ask(*c.policy, e, Action::kUpdate, "Customer", {kUuid});
  EXPECT_EQ(d.effect, Effect::kDeny);
  EXPECT_EQ(d.rule, "/access/paths/0");
  EXPECT_TRUE(Ask(*c.policy, e, Action::kRead, "Customer", {kUuid}).allowed());
}

TEST(AccessPolicyTest, RolesInheritTransitively) {
  ASSERT_OK_AND_ASSIGN(auto c, CompileText(R"j({
    "roles": {"viewer": {}, "editor": {"inherits": ["viewer"]}, "owner": {"inherits": ["editor"]}},
    "models": {"Customer": {"rules": [
      {"roles": ["viewer"], "actions": ["read"]},
      {"roles": ["editor"], "actions": ["update"]},
      {"roles": ["owner"], "actions": ["delete"]}]}}})j"));
  Principal v = P("v", {"viewer"}), e = P("e", {"editor"}), o = P("o", {"owner"});
  EXPECT_TRUE(Ask(*c.policy, v, Action::kRead, "Customer", {kUuid}).allowed());
  EXPECT_FALSE(Ask(*c.policy, v, Action::kUpdate, "Customer", {kUuid}).allowed());
  EXPECT_TRUE(Ask(*c.policy, e, Action::kRead, "Customer", {kUuid}).allowed());
  EXPECT_TRUE(Ask(*c.policy, e, Action::kUpdate, "Customer", {kUuid}).allowed());
  EXPECT_FALSE(Ask(*c.policy, e, Action::kDelete, "Customer", {kUuid}).allowed());
  EXPECT_TRUE(Ask(*c.policy, o, Action::kRead, "Customer", {kUuid}).allowed());
  EXPECT_TRUE(Ask(*c.policy, o, Action::kDelete, "Customer", {kUuid}).allowed());
  EXPECT_EQ(c.policy->Roles(), (std::vector<std::string>{"editor", "owner", "viewer"}));
}

TEST(AccessPolicyTest, PrincipalsAndPseudoRoles) {
  ASSERT_OK_AND_ASSIGN(auto c, CompileText(R"j({
    "models": {"Settings": {"rules": [
      {"roles": ["$anonymous"], "actions": ["read"]},
      {"roles": ["$authenticated"], "actions": ["list"]},
      {"principals": ["alice"], "actions": ["update"]}]}}})j"));
  Principal anon, alice = P("alice", {}), bob = P("bob", {});
  EXPECT_TRUE(Ask(*c.policy, anon, Action::kRead, "Settings").allowed());
  EXPECT_FALSE(Ask(*c.policy, bob, Action::kRead, "Settings").allowed());
  EXPECT_FALSE(Ask(*c.policy, anon, Action::kList, "Settings").allowed());
  EXPECT_TRUE(Ask(*c.policy, bob, Action::kList, "Settings").allowed());
  EXPECT_TRUE(Ask(*c.policy, alice, Action::kUpdate, "Settings").allowed());
  EXPECT_FALSE(Ask(*c.policy, bob, Action::kUpdate, "Settings").allowed());
}

TEST(AccessPolicyTest, PathPatternsIncludingNestedCollections) {
  ASSERT_OK_AND_ASSIGN(auto c, CompileText(R"j({
    "roles": {"support": {}, "lead": {}, "one": {}},
    "paths": [
      {"path": "#org/@customers/*", "roles": ["support"], "actions": ["read", "list"]},
      {"path": "#org/@departments/*/@teams/*", "roles": ["lead"], "actions": ["read", "list"]},
      {"path": "#org/@departments/7/@teams/**", "roles": ["one"], "actions": ["update", "list"]},
      {"path": "#org/@departments/(d:int)/@teams/(t:int)/[roster].json", "roles": ["one"], "actions": ["read"]}
    ]})j"));
  Principal s = P("s", {"support"}), l = P("l", {"lead"}), one = P("o", {"one"});
  EXPECT_TRUE(Ask(*c.policy, s, Action::kRead, "Customer", {kUuid}).allowed());
  EXPECT_TRUE(Ask(*c.policy, s, Action::kList, "Customer").allowed());  // collection level
  EXPECT_FALSE(Ask(*c.policy, s, Action::kRead, "Invoice", {"1"}).allowed());
  EXPECT_TRUE(Ask(*c.policy, l, Action::kRead, "Team", {"1", "2"}).allowed());
  EXPECT_TRUE(Ask(*c.policy, l, Action::kList, "Team").allowed());
  EXPECT_FALSE(Ask(*c.policy, l, Action::kUpdate, "Team", {"1", "2"}).allowed());
  // A literal department: only its teams.
  EXPECT_TRUE(Ask(*c.policy, one, Action::kUpdate, "Team", {"7", "2"}).allowed());
  EXPECT_FALSE(Ask(*c.policy, one, Action::kUpdate, "Team", {"8", "2"}).allowed());
  // Listing teams: some may be granted, so the listing decides per entity.
  EXPECT_EQ(Ask(*c.policy, one, Action::kList, "Team").effect, Effect::kNeedsDocument);
  Json team = {{"members", Json::array()}};
  EXPECT_TRUE(Ask(*c.policy, one, Action::kList, "Team", {"7", "1"}, &team).allowed());
  EXPECT_FALSE(Ask(*c.policy, one, Action::kList, "Team", {"6", "1"}, &team).allowed());
  // Typed segments and a file segment.
  EXPECT_TRUE(Ask(*c.policy, one, Action::kRead, "Team", {"3", "4"}).allowed());
  // Keys no model covers (worm serve), and system entries never match '*'.
  EXPECT_TRUE(AskKey(*c.policy, s, Action::kRead, "org/customers/x/notes.txt").allowed());
  EXPECT_FALSE(AskKey(*c.policy, s, Action::kRead, "org/customers/.worm").allowed());
  EXPECT_FALSE(AskKey(*c.policy, s, Action::kRead, "org/invoices/1/data.json").allowed());
  EXPECT_TRUE(
      AskKey(*c.policy, one, Action::kRead, "org/departments/1/teams/2/roster.json").allowed());
  EXPECT_FALSE(
      AskKey(*c.policy, one, Action::kRead, "org/departments/1/teams/2/other.json").allowed());
}

TEST(AccessPolicyTest, RowLevelConditionsWithPrincipalVariables) {
  ASSERT_OK_AND_ASSIGN(auto c, CompileText(R"j({
    "roles": {"member": {}, "finance": {}},
    "models": {"Invoice": {"rules": [
      {"roles": ["member"], "actions": ["read", "update", "list"], "where": {"ownerId": "$principal.id"}},
      {"roles": ["$authenticated"], "actions": ["read"], "where": {"team": {"$in": "$principal.roles"}}},
      {"roles": ["finance"], "actions": ["read"], "where": {"status": "paid"}}
    ]}}})j"));
  Principal alice = P("alice", {"member"}), bob = P("bob", {"member"});
  Json mine = {{"ownerId", "alice"}, {"amount", 5}};
  Json missing = {{"amount", 5}};
  // Without the document only the condition can decide.
  Decision d = Ask(*c.policy, alice, Action::kRead, "Invoice", {"1"});
  EXPECT_EQ(d.effect, Effect::kNeedsDocument);
  EXPECT_EQ(Ask(*c.policy, alice, Action::kList, "Invoice").effect, Effect::kNeedsDocument);
  d = Ask(*c.policy, alice, Action::kRead, "Invoice", {"1"}, &mine);
  EXPECT_TRUE(d.allowed()) << d.reason;
  EXPECT_EQ(d.rule, "/access/models/Invoice/rules/0");
  // The per-principal compiled condition is not shared between principals,
  // whichever order they come in.
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(Ask(*c.policy, bob, Action::kUpdate, "Invoice", {"1"}, &mine).allowed());
    EXPECT_TRUE(Ask(*c.policy, alice, Action::kUpdate, "Invoice", {"1"}, &mine).allowed());
  }
  // A missing field never equals the caller.
  EXPECT_FALSE(Ask(*c.policy, alice, Action::kRead, "Invoice", {"1"}, &missing).allowed());
  EXPECT_NE(Ask(*c.policy, alice, Action::kRead, "Invoice", {"1"}, &missing).effect,
            Effect::kNeedsDocument);
  // $principal.roles: the effective roles.
  Principal fin = P("f", {"finance"});
  Json finance_team = {{"team", "finance"}, {"status", "draft"}};
  Json paid = {{"status", "paid"}};
  EXPECT_TRUE(Ask(*c.policy, fin, Action::kRead, "Invoice", {"2"}, &finance_team).allowed());
  EXPECT_EQ(Ask(*c.policy, fin, Action::kRead, "Invoice", {"2"}, &finance_team).rule,
            "/access/models/Invoice/rules/1");
  EXPECT_TRUE(Ask(*c.policy, fin, Action::kRead, "Invoice", {"2"}, &paid).allowed());
  EXPECT_FALSE(Ask(*c.policy, bob, Action::kRead, "Invoice", {"2"}, &finance_team).allowed());
  // An anonymous caller is nobody's owner, even of a document with an empty owner.
  Principal anon;
  Json empty_owner = {{"ownerId", ""}};
  ASSERT_OK_AND_ASSIGN(auto c2, CompileText(R"j({"models": {"Invoice": {"rules": [
      {"roles": ["*"], "actions": ["read"], "where": {"ownerId": "$principal.id"}}]}}})j"));
  EXPECT_FALSE(Ask(*c2.policy, anon, Action::kRead, "Invoice", {"1"}, &empty_owner).allowed());
}

TEST(AccessPolicyTest, ConditionFieldsNameWhatConditionsRead) {
  ASSERT_OK_AND_ASSIGN(auto c, CompileText(R"j({
    "roles": {"member": {}, "other": {}},
    "bucket": {"rules": [{"roles": ["*"], "actions": ["read"], "where": {"status": {"$ne": "void"}}}]},
    "models": {"Invoice": {"rules": [
      {"roles": ["member"], "actions": ["read"],
       "where": {"$or": [{"ownerId": "$principal.id"}, {"team": {"$in": "$principal.roles"}}]}},
      {"roles": ["other"], "actions": ["read"], "where": {"amount": {"$gt": 1}}}]}}})j"));
  auto f = c.policy->ConditionFields(P("m", {"member"}), "Invoice");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(*f, (std::vector<std::string>{"ownerId", "status", "team"}));
  EXPECT_EQ(*c.policy->ConditionFields(P("o", {"other"}), "Invoice"),
            (std::vector<std::string>{"amount", "status"}));
  EXPECT_EQ(*c.policy->ConditionFields(P("o", {"other"}), "Customer"),
            (std::vector<std::string>{"status"}));
  ASSERT_OK_AND_ASSIGN(auto open, CompileText(""));
  ASSERT_TRUE(open.policy->ConditionFields(P("o", {}), "Invoice").has_value());
  EXPECT_TRUE(open.policy->ConditionFields(P("o", {}), "Invoice")->empty());
}

TEST(AccessPolicyTest, RowLevelDenyNeedsTheDocumentEvenWithAnAllow) {
  ASSERT_OK_AND_ASSIGN(auto c, CompileText(R"j({
    "roles": {"clerk": {}},
    "models": {"Invoice": {"rules": [
      {"roles": ["clerk"], "actions": "*"},
      {"effect": "deny", "roles": ["clerk"], "actions": ["update", "delete"], "where": {"status": "paid"}}
    ]}}})j"));
  Principal clerk = P("c", {"clerk"});
  Json paid = {{"status", "paid"}}, draft = {{"status", "draft"}};
  EXPECT_TRUE(Ask(*c.policy, clerk, Action::kRead, "Invoice", {"1"}).allowed());
  EXPECT_EQ(Ask(*c.policy, clerk, Action::kUpdate, "Invoice", {"1"}).effect,
            Effect::kNeedsDocument);
  EXPECT_TRUE(Ask(*c.policy, clerk, Action::kUpdate, "Invoice", {"1"}, &draft).allowed());
  Decision d = Ask(*c.policy, clerk, Action::kDelete, "Invoice", {"1"}, &paid);
  EXPECT_EQ(d.effect, Effect::kDeny);
  EXPECT_EQ(d.rule, "/access/models/Invoice/rules/1");
}

TEST(AccessPolicyTest, EntityGrants) {
  ASSERT_OK_AND_ASSIGN(auto c, CompileText(R"j({
    "roles": {"auditor": {}, "viewer": {}},
    "models": {"Invoice": {"entityGrants": true, "rules": [
      {"effect": "deny", "principals": ["mallory"], "actions": "*"}]}}})j"));
  EXPECT_TRUE(c.policy->UsesEntityGrants("Invoice"));
  EXPECT_FALSE(c.policy->UsesEntityGrants("Customer"));
  Json grants = Json::parse(R"j({"grants": [
      {"principals": ["bob", "mallory"], "actions": ["read", "update"]},
      {"roles": ["auditor"], "actions": ["read"]}]})j");
  Json doc = {{"amount", 1}};
  Principal bob = P("bob", {}), carol = P("carol", {}), aud = P("x", {"auditor"});
  Principal mallory = P("mallory", {});
  EXPECT_EQ(Ask(*c.policy, bob, Action::kRead, "Invoice", {"1"}).effect, Effect::kNeedsDocument);
  Decision d = Ask(*c.policy, bob, Action::kUpdate, "Invoice", {"1"}, &doc, &grants);
  EXPECT_TRUE(d.allowed());
  EXPECT_EQ(d.rule, "/access/models/Invoice/entityGrants");
  EXPECT_GT(d.line, 0);
  EXPECT_FALSE(Ask(*c.policy, bob, Action::kDelete, "Invoice", {"1"}, &doc, &grants).allowed());
  EXPECT_FALSE(Ask(*c.policy, carol, Action::kRead, "Invoice", {"1"}, &doc, &grants).allowed());
  EXPECT_TRUE(Ask(*c.policy, aud, Action::kRead, "Invoice", {"1"}, &doc, &grants).allowed());
  EXPECT_FALSE(Ask(*c.policy, aud, Action::kUpdate, "Invoice", {"1"}, &doc, &grants).allowed());
  // A schema deny beats a grant; no grants file grants nothing.
  EXPECT_FALSE(Ask(*c.policy, mallory, Action::kRead, "Invoice", {"1"}, &doc, &grants).allowed());
  EXPECT_FALSE(Ask(*c.policy, bob, Action::kRead, "Invoice", {"1"}, &doc, nullptr).allowed());
}

TEST(AccessPolicyTest, FieldMasks) {
  ASSERT_OK_AND_ASSIGN(auto c, CompileText(R"j({
    "roles": {"viewer": {}, "editor": {"inherits": ["viewer"]}, "admin": {}},
    "models": {"Customer": {"fields": {
      "viewer": {"hidden": ["email"], "readOnly": ["name"]},
      "editor": {"readOnly": ["address.street"]},
      "*": {"hidden": ["address.street"]}}}}})j"));
  FieldAccess v = c.policy->Fields(P("v", {"viewer"}), "Customer");
  EXPECT_EQ(v.hidden, (std::vector<std::string>{"address.street", "email"}));
  EXPECT_EQ(v.read_only, (std::vector<std::string>{"name"}));
  FieldAccess e = c.policy->Fields(P("e", {"editor"}), "Customer");
  EXPECT_EQ(e.hidden, (std::vector<std::string>{"address.street", "email"}));
  EXPECT_EQ(e.read_only, (std::vector<std::string>{"address.street", "name"}));
  FieldAccess a = c.policy->Fields(P("a", {"admin"}), "Customer");
  EXPECT_EQ(a.hidden, (std::vector<std::string>{"address.street"}));
  EXPECT_TRUE(a.read_only.empty());
  EXPECT_TRUE(c.policy->Fields(P("a", {"admin"}), "Invoice").hidden.empty());
  EXPECT_TRUE(v.Hides("email"));
  EXPECT_TRUE(v.Hides("address"));  // a parent would reveal it
  EXPECT_TRUE(v.Hides("address.street"));
  EXPECT_TRUE(v.Hides("email.domain"));  // inside a hidden field
  EXPECT_FALSE(v.Hides("emailVerified"));
  EXPECT_FALSE(v.Hides("name"));
}

TEST(AccessPolicyTest, TokenScopesOnlyNarrow) {
  ASSERT_OK_AND_ASSIGN(auto c, CompileText(R"j({
    "roles": {"admin": {}}, "bucket": {"rules": [{"roles": ["admin"], "actions": "*"}]}})j"));
  Principal p = P("a", {"admin"});
  p.scopes.push_back({{Action::kRead, Action::kList}, {}, {}, {}});
  EXPECT_TRUE(Ask(*c.policy, p, Action::kRead, "Invoice", {"1"}).allowed());
  Decision d = Ask(*c.policy, p, Action::kUpdate, "Invoice", {"1"});
  EXPECT_EQ(d.effect, Effect::kDeny);
  EXPECT_NE(d.reason.find("token scope"), std::string::npos);
  // A second scope narrows further: models.
  p.scopes.push_back({{}, {"Invoice", "Team"}, {}, {}});
  EXPECT_TRUE(Ask(*c.policy, p, Action::kRead, "Invoice", {"1"}).allowed());
  EXPECT_FALSE(Ask(*c.policy, p, Action::kRead, "Customer", {kUuid}).allowed());
  // Ids, composite ids joined by '/'.
  p.scopes.push_back({{}, {}, {"1", "7/2"}, {}});
  EXPECT_TRUE(Ask(*c.policy, p, Action::kRead, "Invoice", {"1"}).allowed());
  EXPECT_FALSE(Ask(*c.policy, p, Action::kRead, "Invoice", {"2"}).allowed());
  EXPECT_TRUE(Ask(*c.policy, p, Action::kRead, "Team", {"7", "2"}).allowed());
  EXPECT_FALSE(Ask(*c.policy, p, Action::kRead, "Team", {"7", "3"}).allowed());
  EXPECT_EQ(Ask(*c.policy, p, Action::kList, "Invoice").effect, Effect::kNeedsDocument);
  Json doc = Json::object();
  EXPECT_FALSE(Ask(*c.policy, p, Action::kList, "Invoice", {}, &doc).allowed());

  // Paths: a DSL pattern or a plain key prefix.
  Principal q = P("a", {"admin"});
  q.scopes.push_back({{}, {}, {}, {"#org/@departments/7/@teams/*"}});
  EXPECT_TRUE(Ask(*c.policy, q, Action::kUpdate, "Team", {"7", "1"}).allowed());
  EXPECT_FALSE(Ask(*c.policy, q, Action::kUpdate, "Team", {"8", "1"}).allowed());
  EXPECT_FALSE(Ask(*c.policy, q, Action::kRead, "Invoice", {"1"}).allowed());
  EXPECT_EQ(Ask(*c.policy, q, Action::kList, "Team").effect, Effect::kNeedsDocument);
  Principal r = P("a", {"admin"});
  r.scopes.push_back({{}, {}, {}, {"org/invoices/"}});
  EXPECT_TRUE(Ask(*c.policy, r, Action::kRead, "Invoice", {"5"}).allowed());
  EXPECT_TRUE(Ask(*c.policy, r, Action::kList, "Invoice").allowed());
  EXPECT_FALSE(Ask(*c.policy, r, Action::kRead, "Customer", {kUuid}).allowed());
  EXPECT_TRUE(AskKey(*c.policy, r, Action::kRead, "org/invoices/x").allowed());
  // A scope never widens: no rule for a role, no access.
  Principal s = P("nobody", {});
  s.scopes.push_back({{Action::kRead}, {}, {}, {}});
  EXPECT_FALSE(Ask(*c.policy, s, Action::kRead, "Invoice", {"1"}).allowed());
}

TEST(AccessPolicyTest, DecisionsCarryLineAndColumn) {
  ASSERT_OK_AND_ASSIGN(auto c, CompileText(R"j({
    "roles": {"viewer": {}},
    "models": {"Customer": {"rules": [
      {"roles": ["viewer"], "actions": ["read"]}]}}})j"));
  Decision d = Ask(*c.policy, P("v", {"viewer"}), Action::kRead, "Customer", {kUuid});
  ASSERT_TRUE(d.allowed());
  // The rule's '{' in the text.
  size_t at = c.text.find("{\"roles\": [\"viewer\"], \"actions\"");
  ASSERT_NE(at, std::string::npos);
  TextPosition pos = PositionOfOffset(c.text, at);
  EXPECT_EQ(d.line, pos.line);
  EXPECT_EQ(d.column, pos.column);
  // Without the text: 0:0.
  ASSERT_OK_AND_ASSIGN(auto p2, CompileAccessPolicy(c.schema, ""));
  d = Ask(*p2, P("v", {"viewer"}), Action::kRead, "Customer", {kUuid});
  EXPECT_TRUE(d.allowed());
  EXPECT_EQ(d.line, 0);
}

TEST(AccessPolicyTest, BadSectionIsRefusedNamingThePlace) {
  auto r = CompileText(R"j({"models": {"Nope": {}}})j");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("access.models.Nope"), std::string::npos)
      << r.status().message();
  r = CompileText(
      R"j({"models": {"Invoice": {"rules": [{"roles": ["*"], "actions": ["fly"]}]}}})j");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("access.models.Invoice.rules[0].actions[0]"),
            std::string::npos)
      << r.status().message();
}

TEST(AccessPolicyTest, ActionNames) {
  for (Action a : kAllActions) EXPECT_EQ(ParseAction(ActionName(a)), a);
  EXPECT_FALSE(ParseAction("Read").has_value());
  EXPECT_FALSE(ParseAction("").has_value());
}

}  // namespace
}  // namespace worm::security

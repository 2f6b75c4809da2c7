#include "security/entity_grants.h"

#include <gtest/gtest.h>

#include "security/access_test_util.h"

namespace worm::security {
namespace {

Result<schema::Schema> WithLayout(const std::string& layout) {
  std::string text = testing::SchemaText("");
  ASSIGN_OR_RETURN(Json doc, ParseJson(text));
  doc["storage"] = {{"layout", layout}};
  return schema::LoadSchema(doc);
}

TEST(EntityGrantsTest, KeyFollowsTheStorageLayoutLikeTheOplog) {
  struct Case {
    const char* layout;
    const char* model;
    schema::EntityIds ids;
    const char* key;
  } cases[] = {
      {"root", "Invoice", {"7"}, ".worm.acl/org/invoices/7.json"},
      {"collection", "Invoice", {"7"}, "org/invoices/.worm.acl/7.json"},
      {"inline", "Invoice", {"7"}, "org/invoices/7/.worm.acl.json"},
      {"root", "Team", {"1", "2"}, ".worm.acl/org/departments/1/teams/2.json"},
      {"collection", "Team", {"1", "2"}, "org/departments/1/teams/.worm.acl/2.json"},
      {"root", "Settings", {}, ".worm.acl/org/settings.json"},
      {"inline", "Settings", {}, "org/settings/.worm.acl.json"},
  };
  for (const Case& c : cases) {
    ASSERT_OK_AND_ASSIGN(schema::Schema s, WithLayout(c.layout));
    ASSERT_OK_AND_ASSIGN(std::string key, EntityGrantsKey(s, *s.FindModel(c.model), c.ids));
    EXPECT_EQ(key, c.key) << c.layout << " " << c.model;
  }
  ASSERT_OK_AND_ASSIGN(schema::Schema s, WithLayout("root"));
  EXPECT_FALSE(EntityGrantsKey(s, *s.FindModel("Invoice"), {"../x"}).ok());
}

TEST(EntityGrantsTest, Validation) {
  EXPECT_OK(ValidateEntityGrants(Json::parse(
      R"({"grants": [{"principals": ["bob"], "actions": ["read", "*"]}, {"roles": ["r"], "actions": ["update"]}]})")));
  EXPECT_OK(ValidateEntityGrants(Json::parse(R"({"grants": []})")));
  for (const char* bad :
       {R"([])", R"({})", R"({"grants": {}})", R"({"grants": [1]})",
        R"({"grants": [{"principals": ["bob"]}]})", R"({"grants": [{"actions": ["read"]}]})",
        R"({"grants": [{"principals": ["bob"], "actions": ["fly"]}]})",
        R"({"grants": [{"principals": [""], "actions": ["read"]}]})",
        R"({"grants": [{"principals": ["b"], "actions": ["read"], "effect": "deny"}]})",
        R"({"grants": [], "x": 1})"}) {
    EXPECT_FALSE(ValidateEntityGrants(Json::parse(bad)).ok()) << bad;
  }
}

}  // namespace
}  // namespace worm::security

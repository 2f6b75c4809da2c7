#include "security/identity.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/json_util.h"
#include "testing/test_util.h"

namespace worm::security {
namespace {

TEST(IdentityTest, NoFileMeansNoIdentities) {
  worm::testing::ScratchDir dir;
  ASSERT_OK_AND_ASSIGN(Identities ids, LoadIdentities(dir.path().string()));
  EXPECT_TRUE(ids.by_id.empty());
  EXPECT_EQ(ids.PrincipalFor("alice").status().code(), StatusCode::kNotFound);
}

TEST(IdentityTest, SaveLoadRoundTripKeepsOtherMembers) {
  worm::testing::ScratchDir dir;
  std::filesystem::create_directories(dir.path() / ".worm");
  worm::testing::WriteFileOrDie(dir.path() / ".worm/identities.json",
                                R"j({"awsPrincipals": {"viewer": ["arn:aws:iam::1:user/v"]}})j");
  Identities ids;
  ids.by_id["alice"] = {"alice", {"editor", "viewer"}, {"AKALICE"}};
  ids.by_id["bob"] = {"bob", {"viewer"}, {}};
  ASSERT_OK(SaveIdentities(dir.path().string(), ids));
  ASSERT_OK_AND_ASSIGN(Identities back, LoadIdentities(dir.path().string()));
  ASSERT_EQ(back.by_id.size(), 2u);
  EXPECT_EQ(back.by_id["alice"].roles, (std::vector<std::string>{"editor", "viewer"}));
  ASSERT_OK_AND_ASSIGN(Principal p, back.PrincipalFor("alice"));
  EXPECT_EQ(p.id, "alice");
  EXPECT_EQ(p.roles.size(), 2u);
  ASSERT_NE(back.ByAccessKey("AKALICE"), nullptr);
  EXPECT_EQ(back.ByAccessKey("AKALICE")->id, "alice");
  EXPECT_EQ(back.ByAccessKey("nope"), nullptr);
  Json doc = Json::parse(worm::testing::ReadFileOrDie(dir.path() / ".worm/identities.json"));
  EXPECT_TRUE(doc.contains("awsPrincipals"));
  auto missing = back.PrincipalFor("carol");
  EXPECT_NE(missing.status().message().find("alice, bob"), std::string::npos);
  EXPECT_EQ(IdentitySecretName("alice", "AKALICE"), "identity/alice/AKALICE");
}

TEST(IdentityTest, BadFilesAreRefusedNamingThePlace) {
  worm::testing::ScratchDir dir;
  std::filesystem::create_directories(dir.path() / ".worm");
  auto check = [&](const char* text, const char* where) {
    worm::testing::WriteFileOrDie(dir.path() / ".worm/identities.json", text);
    auto r = LoadIdentities(dir.path().string());
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(where), std::string::npos) << r.status().message();
    EXPECT_EQ(r.status().message().find(dir.path().string()), std::string::npos);
  };
  check("{", ".worm/identities.json");
  check(R"j({"identities": []})j", "identities");
  check(R"j({"identities": {"../x": {}}})j", "identities.../x");
  check(R"j({"identities": {"a": {"roles": "admin"}}})j", "identities.a.roles");
  check(R"j({"identities": {"a": {"roles": [], "secret": "x"}}})j", "identities.a.secret");
  check(R"j({"identities": {"a": {"accessKeys": ["K"]}, "b": {"accessKeys": ["K"]}}})j",
        "also belongs");
}

}  // namespace
}  // namespace worm::security

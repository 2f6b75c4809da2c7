// `worm keychain` with the file and env backends, driven as a user drives it:
// the built binary in a scratch project (the secret-service backend:
// keychain_secret_service.sh against a real gnome-keyring-daemon).
#include <sys/stat.h>

#include "core/json_util.h"
#include "testing/subprocess.h"
#include "testing/test_util.h"

namespace worm {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::ProcessOptions;
using testing::ProcessResult;
using testing::ScratchDir;

class CliKeychainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = Worm({"init"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  ProcessResult Worm(const std::vector<std::string>& args, const std::string& stdin_data = "",
                     std::map<std::string, std::string> env = {}) {
    ProcessOptions o;
    o.cwd = dir_.path();
    o.env = {{"WORM_KEYCHAIN_PASSPHRASE", "pw for tests"},
             {"WORM_KEYCHAIN_KDF", "interactive"},
             {"WORM_KEYCHAIN", ""}};
    for (auto& [k, v] : env) o.env[k] = v;
    o.stdin_data = stdin_data;
    o.timeout_seconds = 60;
    std::vector<std::string> argv = {testing::WormBinary().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return testing::RunProcess(argv, o);
  }

  ScratchDir dir_;
};

TEST_F(CliKeychainTest, FileBackendAddListGetRemove) {
  auto r = Worm({"keychain", "add", "signing/k1", "--value-stdin"}, "the-secret\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("added signing/k1"));
  EXPECT_THAT(r.out + r.err, Not(HasSubstr("the-secret")));
  r = Worm({"keychain", "add", "identity/bob/AK1", "--from-env", "BOB_SECRET"}, "",
           {{"BOB_SECRET", "bob's"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;

  const auto file = dir_.path() / ".worm/keychain";
  ASSERT_TRUE(std::filesystem::exists(file));
  struct stat st {};
  ASSERT_EQ(stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_THAT(testing::ReadFileOrDie(file), Not(HasSubstr("the-secret")));
  // Never committed: init's .gitignore lists it.
  EXPECT_THAT(testing::ReadFileOrDie(dir_.path() / ".worm/.gitignore"), HasSubstr("\nkeychain\n"));

  r = Worm({"keychain", "list"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "identity/bob/AK1\nsigning/k1\n");
  r = Worm({"keychain", "list", "signing/", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_OK_AND_ASSIGN(Json doc, ParseJson(r.out, "stdout"));
  EXPECT_EQ(doc["names"], Json::array({"signing/k1"}));

  // get prints a secret only when asked to.
  r = Worm({"keychain", "get", "signing/k1"});
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_THAT(r.err, HasSubstr("--reveal"));
  EXPECT_THAT(r.out, Not(HasSubstr("the-secret")));
  r = Worm({"keychain", "get", "signing/k1", "--reveal"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "the-secret\n");

  // No secret on the command line, and no prompt without a terminal.
  r = Worm({"keychain", "add", "x"});
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_THAT(r.err, HasSubstr("--value-stdin"));
  r = Worm({"keychain", "add", "x", "inline-secret"});
  EXPECT_EQ(r.exit_code, 2);

  r = Worm({"keychain", "remove", "signing/k1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Worm({"keychain", "remove", "signing/k1"});
  EXPECT_EQ(r.exit_code, 3);
  r = Worm({"keychain", "list"});
  EXPECT_EQ(r.out, "identity/bob/AK1\n");
}

TEST_F(CliKeychainTest, FileBackendWrongOrMissingPassphrase) {
  ASSERT_EQ(Worm({"keychain", "add", "a", "--value-stdin"}, "v").exit_code, 0);
  auto r = Worm({"keychain", "list"}, "", {{"WORM_KEYCHAIN_PASSPHRASE", "not it"}});
  EXPECT_EQ(r.exit_code, 6);
  EXPECT_THAT(r.err, HasSubstr("wrong passphrase for keychain"));
  EXPECT_THAT(r.err, Not(HasSubstr(dir_.path().string())));
  r = Worm({"--json", "keychain", "list"}, "", {{"WORM_KEYCHAIN_PASSPHRASE", "not it"}});
  ASSERT_OK_AND_ASSIGN(Json doc, ParseJson(r.out, "stdout"));
  EXPECT_EQ(doc["error"]["code"], "PermissionDenied");
  // Unset: stdin is a pipe, so there is no prompt but a clear error.
  ProcessOptions o;
  o.cwd = dir_.path();
  o.env = {{"WORM_KEYCHAIN", ""}};
  auto argv = std::vector<std::string>{
      "/usr/bin/env", "-u",  "WORM_KEYCHAIN_PASSPHRASE", testing::WormBinary().string(),
      "keychain",     "list"};
  r = testing::RunProcess(argv, o);
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_THAT(r.err, HasSubstr("WORM_KEYCHAIN_PASSPHRASE"));
  // A damaged file is DataLoss (exit 5), not a wrong passphrase.
  auto file = dir_.path() / ".worm/keychain";
  std::string bytes = testing::ReadFileOrDie(file);
  bytes[bytes.size() - 3] ^= 1;
  testing::WriteFileOrDie(file, bytes);
  r = Worm({"keychain", "list"});
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_THAT(r.err, HasSubstr("modified or damaged"));
}

TEST_F(CliKeychainTest, KeychainFlagAndEnvironmentPickTheBackend) {
  auto other = dir_.path() / "elsewhere.kc";
  auto r =
      Worm({"--keychain", "file:" + other.string(), "keychain", "add", "k", "--value-stdin"}, "v");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(other));
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / ".worm/keychain"));
  r = Worm({"keychain", "list"}, "", {{"WORM_KEYCHAIN", "file:" + other.string()}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "k\n");

  // env: read-only WORM_SECRET_<NAME>.
  std::map<std::string, std::string> env = {{"WORM_SECRET_SIGNING_K9", "from-env"}};
  r = Worm({"--keychain", "env", "keychain", "get", "signing/k9", "--reveal"}, "", env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "from-env\n");
  r = Worm({"--keychain", "env", "keychain", "list", "signing/"}, "", env);
  EXPECT_EQ(r.out, "SIGNING_K9\n");
  r = Worm({"--keychain", "env", "keychain", "add", "a", "--value-stdin"}, "v", env);
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_THAT(r.err, HasSubstr("read-only"));
  r = Worm({"--keychain", "vault", "keychain", "list"});
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_THAT(r.err, HasSubstr("unknown spec"));
}

// A project made before keychains: the first add lists the file in .gitignore.
TEST_F(CliKeychainTest, OlderGitignoreGetsTheKeychainLines) {
  testing::WriteFileOrDie(dir_.path() / ".worm/.gitignore", "data/\nstate.db\ncache/\n");
  ASSERT_EQ(Worm({"keychain", "add", "a", "--value-stdin"}, "v").exit_code, 0);
  std::string ignore = testing::ReadFileOrDie(dir_.path() / ".worm/.gitignore");
  EXPECT_THAT(ignore, HasSubstr("\nkeychain\nkeychain.lock\n"));
  ASSERT_EQ(Worm({"keychain", "add", "b", "--value-stdin"}, "v").exit_code, 0);
  EXPECT_EQ(testing::ReadFileOrDie(dir_.path() / ".worm/.gitignore"), ignore);  // once
}

}  // namespace
}  // namespace worm

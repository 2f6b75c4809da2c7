// worm push / pull / diff / status / remote / url / doctor / import against a
// REAL s3rver (npm), driven through the built `worm` binary as a user would:
// conflicts, prune, and a push killed with SIGKILL then rerun. Remote
// contents are checked through the S3 transport. No timing assertions.
//
// With WORM_TEST_S3_ENDPOINT set (scripts/rgw.sh's env; see
// transport/s3/testing/external_s3.h) the same tests run against that
// server instead of s3rver (Ceph RGW in the `rgw` ctest tier): a fresh
// bucket per test, and the server's user keys for `worm` (RGW verifies
// signatures, s3rver does not).
#include <cstdlib>
#include <map>
#include <optional>

#include "core/hash.h"
#include "core/json_util.h"
#include "core/layout.h"
#include "testing/subprocess.h"
#include "testing/test_util.h"
#include "transport/s3/s3_transport.h"
#include "transport/s3/testing/external_s3.h"
#include "transport/s3/testing/s3rver.h"

namespace worm {
namespace {

using ::testing::HasSubstr;
using testing::ProcessOptions;
using testing::ProcessResult;
using testing::ScratchDir;

constexpr char kBucket[] = "sync-bucket";

class SyncS3rverTest : public ::testing::Test {
 protected:
  void SetUp() override {
#ifdef WORM_SYNC_BINARY_DIR
    // ctest may not pass WORM_BINARY_DIR through; the build knows where it is.
    setenv("WORM_BINARY_DIR", WORM_SYNC_BINARY_DIR, /*overwrite=*/0);
#endif
    S3Options o;
    std::string endpoint;
    external_ = s3::testing::ExternalS3::FromEnv();
    if (external_) {
      ASSERT_OK_AND_ASSIGN(o, external_->FreshBucket("sync", "proj"));
      endpoint = external_->endpoint();
      aws_env_ = external_->AwsEnv();
    } else {
      auto server = s3::testing::S3rver::Start(kBucket);
      if (!server.ok() && s3::testing::IsS3rverMissing(server.status())) {
        GTEST_SKIP() << server.status().ToString();
      }
      ASSERT_TRUE(server.ok()) << server.status();
      server_ = std::move(server).value();
      o = server_->Options("proj");
      endpoint = server_->endpoint();
      aws_env_ = {{"AWS_ACCESS_KEY_ID", "S3RVER"}, {"AWS_SECRET_ACCESS_KEY", "S3RVER"}};
    }
    ASSERT_EQ(Worm({"init"}).exit_code, 0);
    auto add = Worm({"remote", "add", "origin", "s3://" + o.bucket + "/proj", "--endpoint",
                     endpoint, "--path-style"});
    ASSERT_EQ(add.exit_code, 0) << add.err;
    auto t = NewS3Transport(o);
    ASSERT_TRUE(t.ok()) << t.status();
    remote_ = *t;
  }

  ProcessResult Worm(std::vector<std::string> args, int timeout = 120) {
    args.insert(args.begin(), testing::WormBinary().string());
    ProcessOptions o;
    o.cwd = dir_.path();
    o.env = aws_env_;
    o.env["AWS_EC2_METADATA_DISABLED"] = "true";
    o.env["WORM_PROJECT"] = "";
    o.timeout_seconds = timeout;
    return testing::RunProcess(args, o);
  }
  Json WormJson(std::vector<std::string> args, int want_exit = 0) {
    args.push_back("--json");
    ProcessResult r = Worm(args);
    EXPECT_EQ(r.exit_code, want_exit) << r.err << r.out;
    auto j = ParseJson(r.out, "stdout");
    EXPECT_TRUE(j.ok()) << r.out;
    return j.ok() ? *j : Json();
  }

  std::filesystem::path Data() const { return dir_.path() / ".worm" / "data"; }
  void WriteLocal(const std::string& key, const std::string& body) {
    std::filesystem::create_directories((Data() / key).parent_path());
    testing::WriteFileOrDie(Data() / key, body);
  }
  // key -> md5 of every data file.
  std::map<std::string, std::string> LocalEtags() {
    std::map<std::string, std::string> out;
    for (auto& e : std::filesystem::recursive_directory_iterator(Data())) {
      std::string rel = std::filesystem::relative(e.path(), Data()).string();
      if (!e.is_regular_file() || rel.rfind(".wormfs", 0) == 0) continue;
      out[rel] = Md5Hex(testing::ReadFileOrDie(e.path()));
    }
    return out;
  }
  std::map<std::string, std::string> RemoteEtags() {
    std::map<std::string, std::string> out;
    auto all = remote_->ListAll("");
    EXPECT_TRUE(all.ok()) << all.status();
    if (!all.ok()) return out;
    for (const auto& m : *all) {
      bool sentinel = m.key == ".worm" || (m.key.size() > 6 && m.key.ends_with("/.worm"));
      if (!sentinel) out[m.key] = m.etag;
    }
    return out;
  }
  std::string RemoteBody(const std::string& key) {
    auto o = remote_->Get(key, {});
    return o.ok() ? o->data : "<" + o.status().ToString() + ">";
  }

  ScratchDir dir_;
  std::optional<s3::testing::ExternalS3> external_;  // else s3rver
  std::unique_ptr<s3::testing::S3rver> server_;
  std::map<std::string, std::string> aws_env_;
  std::shared_ptr<Transport> remote_;
};

TEST_F(SyncS3rverTest, PushStatusPullPruneAndDiff) {
  WriteLocal("org/customers/c1/profile.json", R"({"name":"Ann","status":"active"})");
  WriteLocal("org/customers/c2/profile.json", R"({"name":"Bob","status":"active"})");
  WriteLocal("org/settings/config.json", R"({"orgName":"Acme"})");
  Json st = WormJson({"status"});
  EXPECT_EQ(st["ahead"], 3);
  EXPECT_EQ(st["behind"], 0);

  Json push = WormJson({"push"});
  EXPECT_EQ(push["transferred"], 3);
  EXPECT_EQ(RemoteEtags(), LocalEtags());
  EXPECT_THAT(RemoteBody(".worm"), HasSubstr("\"format\":1"));
  EXPECT_THAT(RemoteBody("org/customers/.worm"), HasSubstr("Customer"));

  Json clean = WormJson({"status"});
  EXPECT_EQ(clean["ahead"], 0);
  EXPECT_EQ(clean["behind"], 0);
  EXPECT_EQ(clean["conflicts"], 0);
  EXPECT_EQ(clean["entries"].size(), 0u);
  EXPECT_EQ(clean["requests"]["GET"], 0);  // a no-op status reads no body
  EXPECT_EQ(clean["requests"]["HEAD"], 0);

  // Someone else changes the bucket.
  ASSERT_OK(
      remote_->Put("org/customers/c1/profile.json", R"({"name":"Ann","status":"inactive"})", {}));
  ASSERT_OK(remote_->Put("org/customers/c3/profile.json", R"({"name":"Cy"})", {}));
  ASSERT_OK(remote_->Delete("org/customers/c2/profile.json", {}));
  Json behind = WormJson({"status"});
  EXPECT_EQ(behind["behind"], 3);

  Json diff = WormJson({"diff", "--content"});
  EXPECT_EQ(diff["remote"]["modified"], Json::array({"org/customers/c1/profile.json"}));
  EXPECT_EQ(diff["remote"]["added"], Json::array({"org/customers/c3/profile.json"}));
  EXPECT_EQ(diff["remote"]["deleted"], Json::array({"org/customers/c2/profile.json"}));
  ASSERT_EQ(diff["content"].size(), 1u);
  EXPECT_EQ(diff["content"][0]["changes"][0]["path"], "/status");
  EXPECT_EQ(diff["content"][0]["changes"][0]["value"], "inactive");
  ProcessResult human = Worm({"diff", "--content"});
  EXPECT_THAT(human.out, HasSubstr("/status: \"active\" -> \"inactive\""));

  Json pull = WormJson({"pull"});
  EXPECT_EQ(pull["transferred"], 2);
  EXPECT_EQ(pull["deleted"], 0);
  EXPECT_TRUE(std::filesystem::exists(Data() / "org/customers/c2/profile.json"));
  Json pruned = WormJson({"pull", "--prune"});
  EXPECT_EQ(pruned["deleted"], 1);
  EXPECT_EQ(LocalEtags(), RemoteEtags());
  EXPECT_EQ(WormJson({"status"})["entries"].size(), 0u);
}

TEST_F(SyncS3rverTest, PushWritesTheSentinelsTheEngineWrites) {
  // One shape of sentinel in buckets, whoever wrote it (core/layout.h).
  WriteLocal("org/customers/c1/profile.json", R"({"name":"Ann"})");
  WormJson({"push"});
  EXPECT_EQ(RemoteBody(".worm"), layout::BucketSentinelBody());
  EXPECT_EQ(RemoteBody("org/customers/.worm"), layout::CollectionSentinelBody("Customer"));
  ASSERT_OK_AND_ASSIGN(layout::Sentinel s, layout::ParseSentinel(RemoteBody(".worm")));
  EXPECT_EQ(s.format, layout::kSentinelFormat);
}

TEST_F(SyncS3rverTest, ConflictsRefusedWithExit4UntilForced) {
  WriteLocal("a.json", R"({"v":1})");
  WormJson({"push"});
  WriteLocal("a.json", R"({"v":"local"})");
  ASSERT_OK(remote_->Put("a.json", R"({"v":"remote"})", {}));
  Json st = WormJson({"status"});
  EXPECT_EQ(st["conflicts"], 1);
  EXPECT_EQ(st["entries"][0]["state"], "conflict");
  ProcessResult push = Worm({"push"});
  EXPECT_EQ(push.exit_code, 4);
  EXPECT_THAT(push.err, HasSubstr("a.json"));
  EXPECT_EQ(Worm({"pull"}).exit_code, 4);
  EXPECT_EQ(RemoteBody("a.json"), R"({"v":"remote"})");
  WormJson({"push", "--force"});
  EXPECT_EQ(RemoteBody("a.json"), R"({"v":"local"})");

  ASSERT_OK(remote_->Put("a.json", R"({"v":"remote again"})", {}));
  WriteLocal("a.json", R"({"v":"local again"})");
  WormJson({"pull", "--force"});
  EXPECT_EQ(testing::ReadFileOrDie(Data() / "a.json"), R"({"v":"remote again"})");
  EXPECT_EQ(WormJson({"status"})["conflicts"], 0);
}

TEST_F(SyncS3rverTest, DryRunChangesNothing) {
  WriteLocal("x.json", "{}");
  Json dry = WormJson({"push", "--dry-run"});
  EXPECT_TRUE(dry["dryRun"].get<bool>());
  EXPECT_EQ(dry["transferred"], 1);
  EXPECT_TRUE(RemoteEtags().empty());
  EXPECT_EQ(WormJson({"status"})["ahead"], 1);
}

TEST_F(SyncS3rverTest, KilledPushResumesAndCompletes) {
  for (int i = 0; i < 1500; ++i) {
    WriteLocal("bulk/" + std::to_string(i) + "/doc.json", "{\"i\":" + std::to_string(i) + "}");
  }
  // SIGKILL after one second: usually mid-push. Whether or not it got that
  // far, the rerun must finish the job without duplicating or corrupting.
  ProcessResult killed = Worm({"push", "--jobs", "4"}, /*timeout=*/1);
  ProcessResult rerun = Worm({"push", "--json"});
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err << rerun.out;
  EXPECT_EQ(RemoteEtags(), LocalEtags());
  Json st = WormJson({"status"});
  EXPECT_EQ(st["ahead"], 0);
  EXPECT_EQ(st["conflicts"], 0);
  EXPECT_EQ(st["entries"].size(), 0u);
  (void)killed;
}

TEST_F(SyncS3rverTest, RemoteListDoctorUrlAndErrors) {
  Json list = WormJson({"remote", "list"});
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["name"], "origin");
  EXPECT_EQ(Worm({"remote", "add", "origin", "s3://other-bucket"}).exit_code, 4);
  ProcessResult bad = Worm({"remote", "add", "x", "https://nope"});
  EXPECT_EQ(bad.exit_code, 5);
  EXPECT_THAT(bad.err, HasSubstr("s3://bucket"));

  Json doctor = WormJson({"doctor"});
  EXPECT_TRUE(doctor["reachable"].get<bool>());
  EXPECT_TRUE(doctor["auth"].get<bool>());
  if (!external_) {
    EXPECT_FALSE(doctor["conditionalCreate"].get<bool>());  // s3rver has none
    EXPECT_FALSE(doctor["conditionalDelete"].get<bool>());
    EXPECT_EQ(doctor["pushDeletes"], "checked");
  } else {
    EXPECT_EQ(doctor["conditionalCreate"].get<bool>(), remote_->capabilities().conditional_create);
    if (external_->name() == "rgw") {
      // Ceph RGW 16.2's two quirks that matter to push (issue 16), found
      // by probing both sides of each condition.
      EXPECT_TRUE(doctor["conditionalCreate"].get<bool>());
      EXPECT_TRUE(doctor["conditionalUpdate"].get<bool>()) << doctor["details"];
      EXPECT_EQ(doctor["ifMatchForm"], "unquoted") << doctor["details"];
      EXPECT_FALSE(doctor["conditionalDelete"].get<bool>()) << doctor["details"];
      EXPECT_EQ(doctor["pushDeletes"], "fenced");
      std::vector<std::string> quirks = doctor["quirks"];
      EXPECT_THAT(quirks, ::testing::Contains("PUT If-Match is compared with the ETag unquoted"));
      EXPECT_THAT(quirks, ::testing::Contains("If-Match on DELETE is ignored"));
    }
  }

  ASSERT_OK(remote_->Put("pub.json", "{\"hello\":1}", {}));
  Json url = WormJson({"url", "pub.json", "--expires", "10m"});
  std::string u = url["url"];
  EXPECT_THAT(u, HasSubstr("X-Amz-Signature="));
  ProcessResult fetched = testing::RunProcess({"curl", "-sf", u});
  if (fetched.exit_code == 0) {
    EXPECT_EQ(fetched.out, "{\"hello\":1}");
  }

  Json removed = WormJson({"remote", "remove", "origin"});
  EXPECT_EQ(removed["removed"], "origin");
  EXPECT_EQ(Worm({"status"}).exit_code, 3);
}

TEST_F(SyncS3rverTest, ImportInfersASchemaThatLints) {
  for (int i = 0; i < 25; ++i) {
    char id[40];
    std::snprintf(id, sizeof id, "%08x-0000-4000-8000-%012x", i, i);
    ASSERT_OK(remote_->Put(
        std::string("org/customers/") + id + "/profile.json",
        Json({{"name", "n" + std::to_string(i)}, {"status", i % 2 ? "active" : "inactive"}}).dump(),
        {}));
  }
  // Refuses to overwrite the existing schema without --write.
  Json first = WormJson({"import", "--from-s3"});
  EXPECT_FALSE(first["written"].get<bool>());
  Json j = WormJson({"import", "--from-s3", "--write"});
  EXPECT_TRUE(j["written"].get<bool>());
  EXPECT_TRUE(j["lint"]["ok"].get<bool>()) << j["lint"].dump(1);
  Json model = j["schema"]["models"]["Customer"];
  EXPECT_EQ(model["path"], "#org/@customers/(id:uuid)");
  EXPECT_EQ(model["fields"]["status"]["enum"], Json::array({"active", "inactive"}));
  EXPECT_EQ(Worm({"lint"}).exit_code, 0);
}

}  // namespace
}  // namespace worm

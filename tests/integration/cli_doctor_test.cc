// `worm doctor` on a served folder (issue 15, item 5): the multipart uploads
// staged by a real `worm serve --root` (driven with curl, a client we did not
// write), their age, bytes and whether the sweep removes them; then the
// restarted server's start-up sweep removing the abandoned one.
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "core/json_util.h"
#include "testing/subprocess.h"
#include "testing/test_util.h"
#include "worm/transport.h"

namespace worm {
namespace {

namespace fs = std::filesystem;
using testing::BackgroundProcess;
using testing::RunProcess;
using testing::RunWorm;
using testing::ScratchDir;

constexpr int kTimeoutMs = 10000;
constexpr int64_t kEightDaysMs = 8LL * 24 * 3600 * 1000;

class CliDoctorTest : public ::testing::Test {
 protected:
  void SetUp() override { fs::create_directories(root() / "bkt"); }
  fs::path root() { return dir_.path() / "srv"; }

  // worm serve --root srv; returns its URL.
  std::string StartServe() {
    serve_ = std::make_unique<BackgroundProcess>(
        std::vector<std::string>{testing::WormBinary().string(), "serve", "--root", root().string(),
                                 "--port", "0", "--anonymous"});
    auto line = serve_->WaitForLine("listening on ", kTimeoutMs);
    EXPECT_TRUE(line.has_value());
    return line ? line->substr(line->find("http://")) : "";
  }
  void StopServe() {
    serve_->Signal(SIGTERM);
    EXPECT_EQ(serve_->Wait(kTimeoutMs), 0);
  }

  // CreateMultipartUpload + one part of `bytes` bytes; returns the upload id.
  std::string Upload(const std::string& url, const std::string& key, size_t bytes) {
    auto init = RunProcess({"curl", "-sS", "-f", "-X", "POST", url + "/bkt/" + key + "?uploads"});
    EXPECT_EQ(init.exit_code, 0) << init.err;
    size_t a = init.out.find("<UploadId>"), b = init.out.find("</UploadId>");
    EXPECT_NE(a, std::string::npos) << init.out;
    if (a == std::string::npos) return "";
    std::string id = init.out.substr(a + 10, b - a - 10);
    fs::path part = dir_.path() / ("part-" + id);
    testing::WriteFileOrDie(part, std::string(bytes, 'x'));
    auto put = RunProcess({"curl", "-sS", "-f", "-X", "PUT", "--data-binary", "@" + part.string(),
                           url + "/bkt/" + key + "?partNumber=1&uploadId=" + id});
    EXPECT_EQ(put.exit_code, 0) << put.err;
    return id;
  }

  // Moves an upload's initiation `ms` into the past, as if it began then.
  void Backdate(const std::string& id, int64_t ms) {
    auto t = NewLocalTransport((root() / "bkt/.wormfs/uploads").string());
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    auto obj = (*t)->Get(id + "/upload.json", {});
    ASSERT_TRUE(obj.ok()) << obj.status().ToString();
    auto j = ParseJson(obj->data, "upload.json");
    ASSERT_TRUE(j.ok());
    (*j)["initiated"] = (*j)["initiated"].get<int64_t>() - ms;
    ASSERT_TRUE((*t)->Put(id + "/upload.json", j->dump(), {}).ok());
  }

  Json Doctor(std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"doctor", "--json", "--root", root().string()};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = RunWorm(args, dir_.path());
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    auto doc = ParseJson(r.out, "doctor");
    EXPECT_TRUE(doc.ok()) << r.out;
    return doc.ok() ? *doc : Json();
  }

  static const Json* Find(const Json& doc, const std::string& id) {
    for (const Json& u : doc["staging"]["uploads"]) {
      if (u["uploadId"] == id) return &u;
    }
    return nullptr;
  }

  ScratchDir dir_;
  std::unique_ptr<BackgroundProcess> serve_;
};

TEST_F(CliDoctorTest, ListsStagedUploadsAndWhichTheSweepRemoves) {
  std::string url = StartServe();
  std::string old_id = Upload(url, "dir/old.bin", 1000);
  std::string new_id = Upload(url, "new.bin", 10);
  StopServe();
  Backdate(old_id, kEightDaysMs);

  Json doc = Doctor();
  EXPECT_FALSE(doc.contains("remote")) << doc.dump();  // --root alone probes no remote
  EXPECT_EQ(doc["staging"]["abandonedUploadAge"], "7d");
  EXPECT_EQ(doc["staging"]["inProgress"], 2);
  EXPECT_EQ(doc["staging"]["pastSweepAge"], 1);
  EXPECT_EQ(doc["staging"]["bytesStaged"], 1010);
  const Json* old_u = Find(doc, old_id);
  const Json* new_u = Find(doc, new_id);
  ASSERT_TRUE(old_u && new_u) << doc.dump();
  EXPECT_EQ((*old_u)["bucket"], "bkt");
  EXPECT_EQ((*old_u)["key"], "dir/old.bin");
  EXPECT_EQ((*old_u)["state"], "in-progress");
  EXPECT_EQ((*old_u)["bytes"], 1000);
  EXPECT_GE((*old_u)["ageSeconds"].get<int64_t>(), kEightDaysMs / 1000);
  EXPECT_EQ((*old_u)["pastSweepAge"], true);
  EXPECT_EQ((*new_u)["key"], "new.bin");
  EXPECT_EQ((*new_u)["pastSweepAge"], false);
  // Judged by another sweep age: neither is past 30 days.
  EXPECT_EQ(Doctor({"--abandoned-upload-age", "30d"})["staging"]["pastSweepAge"], 0);

  // The human table names both, and which one is past the age.
  auto human = RunWorm({"doctor", "--root", root().string()}, dir_.path());
  EXPECT_EQ(human.exit_code, 0) << human.err;
  EXPECT_NE(human.out.find(old_id), std::string::npos) << human.out;
  EXPECT_NE(human.out.find(new_id), std::string::npos) << human.out;
  EXPECT_NE(human.out.find("1 past the sweep age"), std::string::npos) << human.out;
  EXPECT_NE(human.out.find("dir/old.bin"), std::string::npos) << human.out;

  // A bad age is refused, naming the flag.
  auto bad =
      RunWorm({"doctor", "--root", root().string(), "--abandoned-upload-age", "7x"}, dir_.path());
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("--abandoned-upload-age"), std::string::npos) << bad.err;

  // worm serve sweeps at start: the abandoned upload goes, the other stays.
  StartServe();
  bool swept = false;
  for (int i = 0; i < 250 && !swept; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(40));
    swept = !fs::exists(root() / "bkt/.wormfs/uploads" / old_id);
  }
  EXPECT_TRUE(swept);
  StopServe();
  doc = Doctor();
  EXPECT_EQ(Find(doc, old_id), nullptr);
  EXPECT_NE(Find(doc, new_id), nullptr);
}

}  // namespace
}  // namespace worm

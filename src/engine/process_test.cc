// No lost update across processes: forked children increment one counter on
// the local transport (conditional writes hold across processes).
#include <sys/wait.h>
#include <unistd.h>

#include "engine/engine_test_util.h"

namespace worm::engine::testing {
namespace {

int IncrementInChild(const std::string& root, const std::string& model, int times) {
  ProjectOptions po;
  po.sync = false;
  auto project = Project::OpenAt(root, po);
  if (!project.ok()) return 255;
  Repository* repo = *(*project)->Get(model);
  int acked = 0;
  for (int i = 0; i < times; ++i) {
    auto r = repo->Mutate({"shared"}, [](Json& d) -> Status {
      d["n"] = d["n"].get<int>() + 1;
      return Status::OK();
    });
    if (r.ok())
      ++acked;
    else if (!r.status().IsAborted())
      return 254;
  }
  return acked;
}

TEST(ProcessTest, ForkedWritersLoseNoUpdate) {
  worm::testing::ScratchDir dir;
  std::filesystem::create_directories(dir.path() / ".worm");
  worm::testing::WriteFileOrDie(dir.path() / ".worm" / "schema.json", TestSchemaJson().dump());
  const std::string root = dir.path().string();
  for (const std::string model : {"Counter", "LoggedCounter"}) {
    {
      ASSERT_OK_AND_ASSIGN(auto project, Project::OpenAt(root));
      ASSERT_OK_AND_ASSIGN(Repository * repo, project->Get(model));
      ASSERT_OK(repo->Create({{"id", "shared"}, {"n", 0}}));
    }
    constexpr int kChildren = 3, kEach = 25;
    std::vector<pid_t> pids;
    for (int c = 0; c < kChildren; ++c) {
      pid_t pid = fork();
      ASSERT_GE(pid, 0);
      if (pid == 0) _exit(IncrementInChild(root, model, kEach));
      pids.push_back(pid);
    }
    int acked = 0;
    for (pid_t pid : pids) {
      int status = 0;
      ASSERT_EQ(waitpid(pid, &status, 0), pid);
      ASSERT_TRUE(WIFEXITED(status));
      int code = WEXITSTATUS(status);
      ASSERT_LE(code, kEach) << "child failed with " << code;
      acked += code;
    }
    ASSERT_OK_AND_ASSIGN(auto project, Project::OpenAt(root));
    ASSERT_OK_AND_ASSIGN(Repository * repo, project->Get(model));
    ASSERT_OK_AND_ASSIGN(Entity e, repo->Get({"shared"}));
    EXPECT_EQ(e.document["n"], acked) << model;
    EXPECT_GT(acked, kEach);
    if (model == "LoggedCounter") {
      ASSERT_OK_AND_ASSIGN(auto hist, repo->History({"shared"}));
      EXPECT_EQ(hist.size(), static_cast<size_t>(acked + 1));
    }
  }
}

}  // namespace
}  // namespace worm::engine::testing

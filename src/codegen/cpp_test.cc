// The C++ target end to end: models.h for the seed's example schema and for
// testdata/rich_schema.json (nested collections, every field type, mangled
// names), compiled by the system compiler under -Wall -Wextra -Werror into a
// shared driver (testdata/cpp_driver.cc) that this binary dlopens and runs:
// round trips through Project::Typed<T> and FromJson against Create.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/example_schema.h"
#include "codegen/codegen.h"

namespace worm::codegen {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Header(const std::string& schema_text, const std::string& ns) {
  auto s = schema::LoadSchema(Json::parse(schema_text));
  EXPECT_TRUE(s.ok()) << s.status().message();
  if (!s.ok()) return "";
  Options o;
  o.cpp_namespace = ns;
  auto files = Generate(*s, Target::kCpp, o);
  EXPECT_TRUE(files.ok()) << files.status().message();
  if (!files.ok() || files->size() != 1 || (*files)[0].path != "models.h") return "";
  // Byte-identical on rerun and after the schema's keys are reordered
  // (nlohmann sorts object keys, so a reparse from a dump is the reorder).
  auto again = Generate(*schema::LoadSchema(Json::parse(schema_text)), Target::kCpp, o);
  EXPECT_TRUE(again.ok() && (*again)[0].content == (*files)[0].content);
  return (*files)[0].content;
}

TEST(CppCodegen, GeneratedHeadersCompileAndAgreeWithTheEngine) {
  std::string src = WORM_SOURCE_DIR;
  std::string example(cli::kExampleSchema);
  std::string rich = ReadFile(src + "/src/codegen/testdata/rich_schema.json");
  ASSERT_FALSE(rich.empty());
  auto dir = std::filesystem::temp_directory_path() / ("worm_cppgen_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string ex_h = Header(example, "example"), rich_h = Header(rich, "rich");
  ASSERT_FALSE(ex_h.empty());
  ASSERT_FALSE(rich_h.empty());
  EXPECT_EQ(ex_h.find("re2/re2.h"), std::string::npos);  // no pattern, no RE2
  EXPECT_NE(rich_h.find("re2/re2.h"), std::string::npos);
  std::ofstream(dir / "example_models.h") << ex_h;
  std::ofstream(dir / "rich_models.h") << rich_h;

  std::string so = (dir / "driver.so").string();
  std::string cmd = std::string(WORM_CXX) +
                    " -std=c++20 -Wall -Wextra -Werror -fPIC -shared -O0 -I" + src + "/include -I" +
                    dir.string() + " " + WORM_EXTRA_CFLAGS + " " + src +
                    "/src/codegen/testdata/cpp_driver.cc -o " + so + " " + WORM_RE2_LIBS + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string output;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) output.append(buf, n);
  int rc = pclose(p);
  ASSERT_EQ(rc, 0) << cmd << "\n" << output.substr(0, 20000);

  void* handle = dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(handle, nullptr) << dlerror();
  using Run = int (*)(const char*, const char*, char*, size_t);
  auto run = reinterpret_cast<Run>(dlsym(handle, "cppgen_run"));
  ASSERT_NE(run, nullptr);
  char error[8192] = {0};
  EXPECT_EQ(run(example.c_str(), rich.c_str(), error, sizeof error), 0) << error;
  dlclose(handle);
  std::filesystem::remove_all(dir);
}

TEST(CppCodegen, RefusesWhatItCannotMirror) {
  auto s = schema::LoadSchema(Json::parse(R"j({"models": {"A": {"path": "#a/@as/(id:uuid)",
      "file": "[a].json", "fields": {"createdAt": {"type": "integer"}}}}})j"));
  ASSERT_TRUE(s.ok()) << s.status().message();
  auto files = Generate(*s, Target::kCpp, {});
  ASSERT_FALSE(files.ok());
  EXPECT_NE(files.status().message().find("createdAt"), std::string::npos);
  Options bad;
  bad.cpp_namespace = "not a namespace";
  EXPECT_FALSE(Generate(*s, Target::kCpp, bad).ok());
}

}  // namespace
}  // namespace worm::codegen

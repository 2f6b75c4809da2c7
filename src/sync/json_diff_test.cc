#include "sync/json_diff.h"

#include <gtest/gtest.h>

namespace worm::sync {
namespace {

TEST(JsonDiffTest, PathsWithOldAndNewValues) {
  Json a =
      Json::parse(R"({"name":"A","status":"draft","tags":["x","y"],"addr":{"city":"P"},"gone":1})");
  Json b = Json::parse(
      R"({"name":"A","status":"paid","tags":["x"],"addr":{"city":"Q","zip":"1"},"new/k":true})");
  auto changes = DiffJson(a, b);
  Json j = ChangesToJson(changes);
  Json want = Json::parse(R"([
    {"op":"replace","path":"/addr/city","from":"P","value":"Q"},
    {"op":"add","path":"/addr/zip","value":"1"},
    {"op":"remove","path":"/gone","from":1},
    {"op":"add","path":"/new~1k","value":true},
    {"op":"replace","path":"/status","from":"draft","value":"paid"},
    {"op":"remove","path":"/tags/1","from":"y"}])");
  EXPECT_EQ(j, want) << j.dump(1);
  EXPECT_NE(RenderChanges(changes).find("/status: \"draft\" -> \"paid\""), std::string::npos);
}

TEST(JsonDiffTest, EqualDocumentsAndWholeReplacement) {
  EXPECT_TRUE(DiffJson(Json{{"a", 1}}, Json{{"a", 1}}).empty());
  auto c = DiffJson(Json(1), Json("x"));
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].path, "");
}

}  // namespace
}  // namespace worm::sync

// select: inclusion, exclusion, nesting, arrays, identity fields.
#include "testing/test_util.h"
#include "worm/query.h"

namespace worm {
namespace {

using ::worm::testing::StatusIsWithMessage;

const char* kDoc = R"({"id":"7","name":"Ada","secret":"s","createdAt":"t1","updatedAt":"t2",
  "customer":{"name":"Bob","email":"b@x","address":{"city":"Paris","zip":"75"}},
  "items":[{"sku":"x","qty":1},{"sku":"y"},3,{"qty":2}],"tags":["a"]})";

Json Project(const Json& select, QueryOptions options = {}) {
  auto q = CompiledQuery::Compile({{"select", select}}, options);
  EXPECT_TRUE(q.ok()) << q.status().ToString();
  return q.ok() ? q->Project(Json::parse(kDoc)) : Json(nullptr);
}

TEST(ProjectionTest, IncludeKeepsIdButNotTimestamps) {
  EXPECT_EQ(Project({"name"}), Json::parse(R"({"id":"7","name":"Ada"})"));
  EXPECT_EQ(Project({"name", "createdAt"}),
            Json::parse(R"({"id":"7","name":"Ada","createdAt":"t1"})"));
  EXPECT_EQ(Project("name, tags"), Json::parse(R"({"id":"7","name":"Ada","tags":["a"]})"));
}

TEST(ProjectionTest, NestedPathsMerge) {
  EXPECT_EQ(Project({"customer.name", "customer.address.city"}),
            Json::parse(R"({"id":"7","customer":{"name":"Bob","address":{"city":"Paris"}}})"));
  Json whole_customer = {{"id", "7"}, {"customer", Json::parse(kDoc)["customer"]}};
  EXPECT_EQ(Project({"customer", "customer.name"}), whole_customer);
  EXPECT_EQ(Project({"customer.name", "customer"}), whole_customer);
  EXPECT_EQ(Project({"customer.nothing"}), Json::parse(R"({"id":"7","customer":{}})"));
  EXPECT_EQ(Project({"absent.deep"}), Json::parse(R"({"id":"7"})"));
  EXPECT_EQ(Project({"name.first"}), Json::parse(R"({"id":"7"})"));
}

TEST(ProjectionTest, ThroughArraysOfObjects) {
  EXPECT_EQ(Project({"items.sku"}),
            Json::parse(R"({"id":"7","items":[{"sku":"x"},{"sku":"y"},{}]})"));
}

TEST(ProjectionTest, Exclude) {
  Json out = Project({"-secret", "-customer.email", "-items.qty"});
  Json want = Json::parse(kDoc);
  want.erase("secret");
  want["customer"].erase("email");
  want["items"] = Json::parse(R"([{"sku":"x"},{"sku":"y"},3,{}])");
  EXPECT_EQ(out, want);
}

TEST(ProjectionTest, ModelIdentityFieldsAreKept) {
  QueryOptions options;
  options.id_fields = {"deptId", "teamId"};
  auto q = CompiledQuery::Compile({{"select", {"name"}}}, options);
  ASSERT_OK(q.status());
  EXPECT_EQ(q->Project(Json::parse(R"({"deptId":"d","teamId":"t","name":"n","x":1})")),
            Json::parse(R"({"deptId":"d","teamId":"t","name":"n"})"));
  EXPECT_THAT(CompiledQuery::Compile({{"select", {"-teamId"}}}, options),
              StatusIsWithMessage(StatusCode::kInvalidArgument,
                                  "select[0]: identity field 'teamId' is always returned"));
}

TEST(ProjectionTest, NonObjectDocumentsPassThrough) {
  auto q = CompiledQuery::Compile({{"select", {"a"}}});
  ASSERT_OK(q.status());
  EXPECT_EQ(q->Project(Json(5)), Json(5));
}

TEST(ProjectionTest, Errors) {
  EXPECT_THAT(CompiledQuery::Compile({{"select", {"a", "-b"}}}),
              StatusIsWithMessage(StatusCode::kInvalidArgument,
                                  "query: select[1]: select mixes included and excluded"));
  EXPECT_THAT(CompiledQuery::Compile({{"select", {"items.0.sku"}}}),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "select[0]: array index '0'"));
  EXPECT_THAT(CompiledQuery::Compile({{"select", {"-id"}}}),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "identity field 'id'"));
  EXPECT_THAT(CompiledQuery::Compile({{"select", 5}}),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "select: expects an array"));
  EXPECT_THAT(CompiledQuery::Compile({{"select", {"a..b"}}}),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "select[0]: empty segment"));
}

}  // namespace
}  // namespace worm

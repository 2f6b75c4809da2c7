// Queries checked against a schema Model before any I/O.
#include "schema/schema.h"
#include "testing/test_util.h"
#include "worm/query.h"

namespace worm {
namespace {

using schema::Field;
using schema::FieldType;
using ::worm::testing::StatusIsWithMessage;

Field F(std::string name, FieldType type) {
  Field f;
  f.name = std::move(name);
  f.type = type;
  return f;
}

Field ArrayOf(std::string name, Field item) {
  Field f = F(std::move(name), FieldType::kArray);
  f.items = std::make_shared<const Field>(std::move(item));
  return f;
}

Field ObjectOf(std::string name, std::vector<Field> props, bool allow_unknown = false) {
  Field f = F(std::move(name), FieldType::kObject);
  f.properties = std::move(props);
  f.allow_unknown = allow_unknown;
  return f;
}

schema::Model OrderModel() {
  schema::Model m;
  m.name = "Order";
  m.path.segments = {{schema::SegmentKind::kNamespace, "shop", "", "", 1},
                     {schema::SegmentKind::kDynamic, "shopId", "uuid", "", 7},
                     {schema::SegmentKind::kCollection, "orders", "", "", 16},
                     {schema::SegmentKind::kDynamic, "id", "uuid", "", 25}};
  Field customer_id = F("customerId", FieldType::kString);
  customer_id.ref = "Customer";
  Field product = F("productId", FieldType::kString);
  product.ref = "Product";
  m.fields = {
      F("status", FieldType::kString),
      F("amount", FieldType::kNumber),
      F("count", FieldType::kInteger),
      F("flag", FieldType::kBoolean),
      F("due", FieldType::kDate),
      customer_id,
      ArrayOf("tags", F("", FieldType::kString)),
      ArrayOf("related", customer_id),
      ObjectOf("customer", {F("name", FieldType::kString),
                            ObjectOf("address", {F("city", FieldType::kString)})}),
      F("meta", FieldType::kObject),
      ArrayOf("lines", ObjectOf("", {F("sku", FieldType::kString), F("price", FieldType::kNumber),
                                     product})),
      ObjectOf("extra", {F("known", FieldType::kNumber)}, /*allow_unknown=*/true),
      F("anything", FieldType::kArray),
  };
  return m;
}

Status Check(const std::string& query, bool strict = true) {
  static const schema::Model* const kModel = new schema::Model(OrderModel());
  QueryOptions options;
  options.model = kModel;
  options.strict = strict;
  return CompiledQuery::Parse(query, options).status();
}

TEST(ModelCheckTest, DeclaredSystemAndIdFieldsPass) {
  EXPECT_OK(Check(R"({"where":{"status":"active","amount":{"$gte":1},"count":{"$in":[1,2]},
      "flag":true,"due":{"$lt":"2025-01-01"},"customerId":"c1","tags":"vip",
      "customer.address.city":{"$startsWith":"P"},"meta.whatever.deep":1,
      "lines.sku":{"$regex":"^x"},"lines.0.price":{"$gt":2},"extra.known":3,"extra.other":"x",
      "anything.x":1,"id":"o1","shopId":"s1","createdAt":{"$gte":"2024"},"updatedAt":{"$exists":true}},
      "sort":["-createdAt","customer.name"],"select":["status","lines.price"],
      "populate":["customerId","related","lines.productId"]})"));
  EXPECT_OK(Check(R"({"aggregate":{"groupBy":["status"],"sum":["amount","lines.price"],
      "avg":["count"],"min":["due"],"max":["customer.name"],"distinct":["tags"]}})"));
}

TEST(ModelCheckTest, IdentityFieldsComeFromDynamicSegments) {
  static const schema::Model* const kModel = new schema::Model(OrderModel());
  ASSERT_OK_AND_ASSIGN(CompiledQuery q,
                       CompiledQuery::Parse(R"({"select":["status"]})", {.model = kModel}));
  EXPECT_EQ(q.id_fields(), (std::vector<std::string>{"shopId", "id"}));
  EXPECT_EQ(q.Project(Json::parse(R"({"shopId":"s","id":"i","status":"x","amount":1})")),
            Json::parse(R"({"shopId":"s","id":"i","status":"x"})"));
}

TEST(ModelCheckTest, UnknownFieldsAreNamed) {
  EXPECT_THAT(Check(R"({"where":{"stauts":"active"}})"),
              StatusIsWithMessage(StatusCode::kInvalidArgument,
                                  "query: where.stauts: model 'Order' has no field 'stauts'; its "
                                  "fields: status, amount"));
  EXPECT_THAT(Check(R"({"where":{"$or":[{"status":"a"},{"customer.adress.city":"P"}]}})"),
              StatusIsWithMessage(StatusCode::kInvalidArgument,
                                  "where.$or[1].customer.adress.city: model 'Order': object field "
                                  "'customer' has no member 'adress'; its members: name, address"));
  EXPECT_THAT(Check(R"({"where":{"lines.qty":1}})"),
              StatusIsWithMessage(StatusCode::kInvalidArgument,
                                  "object field 'lines' has no member 'qty'"));
  EXPECT_THAT(Check(R"({"where":{"amount.value":1}})"),
              StatusIsWithMessage(StatusCode::kInvalidArgument,
                                  "field 'amount' is a number and has no member 'value'"));
  EXPECT_THAT(Check(R"({"sort":["-nope"]})"),
              StatusIsWithMessage(StatusCode::kInvalidArgument,
                                  "query: sort[0]: model 'Order' has no field 'nope'"));
  EXPECT_THAT(
      Check(R"({"select":["status","nope"]})"),
      StatusIsWithMessage(StatusCode::kInvalidArgument, "select[1]: model 'Order' has no field"));
  EXPECT_THAT(Check(R"({"aggregate":{"groupBy":["nope"]}})"),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "aggregate.groupBy[0]: model"));
}

TEST(ModelCheckTest, OperandTypesMustFit) {
  EXPECT_THAT(Check(R"({"where":{"amount":{"$gt":"100"}}})"),
              StatusIsWithMessage(StatusCode::kInvalidArgument,
                                  "where.amount.$gt: model 'Order': $gt on a number field: the "
                                  "operand is a string"));
  EXPECT_THAT(Check(R"({"where":{"status":5}})"),
              StatusIsWithMessage(StatusCode::kInvalidArgument,
                                  "where.status: model 'Order': $eq on a string field"));
  EXPECT_THAT(Check(R"({"where":{"count":{"$in":[1,"2"]}}})"),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "a value is a string"));
  EXPECT_THAT(Check(R"({"where":{"amount":{"$regex":"1"}}})"),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "it applies to strings"));
  EXPECT_THAT(Check(R"({"where":{"flag":{"$contains":"x"}}})"),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "$contains on a boolean field"));
  EXPECT_THAT(Check(R"({"where":{"tags":{"$contains":1}}})"),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "$contains on an array field"));
  EXPECT_THAT(Check(R"({"where":{"amount":{"$not":{"$startsWith":"1"}}}})"),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "where.amount.$not.$startsWith"));
  EXPECT_THAT(
      Check(R"({"aggregate":{"sum":["status"]}})"),
      StatusIsWithMessage(StatusCode::kInvalidArgument,
                          "aggregate.sum[0]: model 'Order': sum of 'status', a string field"));
  // Null fits any field; arrays take elements or whole arrays.
  EXPECT_OK(Check(R"({"where":{"amount":null,"tags":["a"],"customer":{"$ne":null}}})"));
  EXPECT_OK(Check(R"({"where":{"customerId":{"$contains":"c"},"tags":{"$in":["a",["b"]]}}})"));
}

TEST(ModelCheckTest, PopulateNeedsRefFields) {
  EXPECT_THAT(
      Check(R"({"populate":["status"]})"),
      StatusIsWithMessage(StatusCode::kInvalidArgument,
                          "query: populate[0]: model 'Order': 'status' is not a ref field"));
  EXPECT_THAT(Check(R"({"populate":["nope"]})", /*strict=*/false),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "'nope' is not a ref field"));
  EXPECT_OK(Check(R"({"populate":"customerId.ownerId"})"));  // beyond the ref: the engine's
}

TEST(ModelCheckTest, OnlySelectReachesIntoPopulatedRefs) {
  EXPECT_OK(Check(R"({"populate":["customerId"],"select":["amount","customerId.name"]})"));
  EXPECT_THAT(Check(R"({"select":["customerId.name"]})"),
              StatusIsWithMessage(StatusCode::kInvalidArgument,
                                  "select[0]: model 'Order': field 'customerId' is a ref to "
                                  "Customer; populate it to select 'customerId.name'"));
  EXPECT_THAT(Check(R"({"populate":["customerId"],"where":{"customerId.name":"Ada"}})"),
              StatusIsWithMessage(StatusCode::kInvalidArgument,
                                  "only select can reach into a populated ref"));
}

TEST(ModelCheckTest, NonStrictSkipsPathChecks) {
  EXPECT_OK(Check(R"({"where":{"nope":1,"amount":"x"},"sort":["zz"]})", /*strict=*/false));
}

TEST(ModelCheckTest, NonStrictModelAllowsUnknownTopLevelFieldsButChecksKnownOnes) {
  schema::Model m = OrderModel();
  m.strict = false;
  EXPECT_OK(CompiledQuery::Parse(R"({"where":{"nope.deep":1}})", {.model = &m}).status());
  EXPECT_THAT(CompiledQuery::Parse(R"({"where":{"amount":"x"}})", {.model = &m}),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "$eq on a number field"));
}

}  // namespace
}  // namespace worm

// Raw reads (ReadStored, Decode) and populate (Repository::Populate,
// GetOptions::populate): one set of rules, each referenced entity read once
// per call.
#include "schema/schema.h"
#include "testing/test_util.h"
#include "transport/counting_transport.h"
#include "worm/repository.h"

namespace worm {
namespace {

using ::worm::testing::StatusIs;
using ::worm::testing::StatusIsWithMessage;

constexpr const char* kSchema = R"json({
  "schemaVersion": "1.0",
  "storage": {"layout": "root"},
  "models": {
    "Customer": {
      "path": "#org/@customers/(id:uuid)", "file": "[profile].json",
      "fields": {"name": {"type": "string"},
                 "ownerId": {"type": "string", "ref": "Customer"}}
    },
    "Product": {
      "path": "#org/@products/(id:uuid)", "file": "[data].json",
      "fields": {"sku": {"type": "string"}}
    },
    "Order": {
      "path": "#org/@orders/(id:uuid)", "file": "[data].json", "softDelete": true,
      "fields": {"customerId": {"type": "string", "ref": "Customer"},
                 "related": {"type": "array", "items": {"type": "string", "ref": "Customer"}},
                 "shipping": {"type": "object",
                              "properties": {"by": {"type": "string", "ref": "Customer"},
                                             "note": {"type": "string"}}},
                 "lines": {"type": "array",
                           "items": {"type": "object",
                                     "properties": {"productId": {"type": "string",
                                                                  "ref": "Product"},
                                                    "qty": {"type": "integer"}}}},
                 "amount": {"type": "number"}}
    }
  }
})json";

class PopulateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto schema = schema::LoadSchema(Json::parse(kSchema));
    ASSERT_OK(schema.status());
    counting_ = NewCountingTransport(NewMemoryTransport(&clock_));
    project_ = Project::Create(std::move(schema).value(), counting_, &clock_);
    ASSERT_OK_AND_ASSIGN(orders_, project_->Get("Order"));
    ASSERT_OK_AND_ASSIGN(customers_, project_->Get("Customer"));
    ASSERT_OK_AND_ASSIGN(products_, project_->Get("Product"));
  }

  std::string Add(Repository* repo, const Json& doc) {
    auto e = repo->Create(doc);
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    return e.ok() ? e->ids[0] : "";
  }
  uint64_t Gets() const { return counting_->Snapshot()[OpClass::kGet].requests; }

  ManualClock clock_{1771927872000000};
  std::shared_ptr<CountingTransport> counting_;
  std::unique_ptr<Project> project_;
  Repository* orders_ = nullptr;
  Repository* customers_ = nullptr;
  Repository* products_ = nullptr;
};

TEST_F(PopulateTest, EachReferencedEntityIsReadOncePerCall) {
  std::string boss = Add(customers_, {{"name", "Boss"}});
  std::vector<std::string> cs = {Add(customers_, {{"name", "A"}, {"ownerId", boss}}),
                                 Add(customers_, {{"name", "B"}, {"ownerId", boss}}),
                                 Add(customers_, {{"name", "C"}})};
  std::vector<Json> docs;
  for (int i = 0; i < 100; ++i) docs.push_back({{"customerId", cs[i % 3]}, {"amount", i}});
  std::vector<Json*> ptrs;
  for (Json& d : docs) ptrs.push_back(&d);
  counting_->Reset();
  PopulateReport report;
  ASSERT_OK(orders_->Populate(ptrs, {"customerId"}, &report));
  EXPECT_EQ(Gets(), 3u);
  EXPECT_EQ(report.fetched, 3u);
  EXPECT_EQ(docs[4]["customerId"]["name"], "B");
  EXPECT_EQ(docs[4]["customerId"]["ownerId"], boss);  // not asked for: the id stays
  // Through the populated documents: the boss once more, once.
  counting_->Reset();
  ASSERT_OK(orders_->Populate(ptrs, {"customerId.ownerId"}, &report));
  EXPECT_EQ(Gets(), 0u);  // already populated: customerId is no longer an id
  for (Json& d : docs) d["customerId"] = d["customerId"]["id"];
  counting_->Reset();
  report = {};
  ASSERT_OK(orders_->Populate(ptrs, {"customerId.ownerId"}, &report));
  EXPECT_EQ(Gets(), 4u);  // A, B, C and Boss
  EXPECT_EQ(report.fetched, 4u);
  EXPECT_EQ(docs[0]["customerId"]["ownerId"]["name"], "Boss");
  EXPECT_EQ(docs[2]["customerId"]["name"], "C");
  EXPECT_FALSE(docs[2]["customerId"].contains("ownerId"));
}

TEST_F(PopulateTest, ArraysNestedObjectsAndArraysOfObjects) {
  std::string a = Add(customers_, {{"name", "A"}});
  std::string b = Add(customers_, {{"name", "B"}});
  std::string p = Add(products_, {{"sku", "P1"}});
  std::string id = Add(orders_, {{"customerId", a},
                                 {"related", {a, b}},
                                 {"shipping", {{"by", b}, {"note", "x"}}},
                                 {"lines", {{{"productId", p}, {"qty", 1}}, {{"qty", 2}}}}});
  GetOptions go;
  go.populate = {"related", "shipping.by", "lines.productId"};
  counting_->Reset();
  ASSERT_OK_AND_ASSIGN(Entity e, orders_->Get({id}, go));
  EXPECT_EQ(Gets(), 4u);  // the order, A, B and P1: B once for two fields
  EXPECT_EQ(e.document["related"][0]["name"], "A");
  EXPECT_EQ(e.document["related"][1]["name"], "B");
  EXPECT_EQ(e.document["shipping"]["by"]["name"], "B");
  EXPECT_EQ(e.document["shipping"]["note"], "x");
  EXPECT_EQ(e.document["lines"][0]["productId"]["sku"], "P1");
  EXPECT_FALSE(e.document["lines"][1].contains("productId"));
  EXPECT_EQ(e.document["customerId"], a);
}

// A path is checked against the schema, through the refs, before anything is
// read; the data decides the rest.
TEST_F(PopulateTest, PathsAreCheckedBeforeAnyRead) {
  std::string a = Add(customers_, {{"name", "A"}});
  Json doc = {{"customerId", a}};
  counting_->Reset();
  for (const char* bad : {"nope", "amount", "shipping", "shipping.note", "lines.qty",
                          "customerId.nope", "customerId.name", "customerId.ownerId.x"}) {
    EXPECT_THAT(orders_->Populate({&doc}, {bad}), StatusIs(StatusCode::kInvalidArgument)) << bad;
    EXPECT_THAT(orders_->CheckPopulate({bad}), StatusIs(StatusCode::kInvalidArgument)) << bad;
  }
  EXPECT_THAT(
      orders_->CheckPopulate({"customerId.nope"}),
      StatusIsWithMessage(StatusCode::kInvalidArgument,
                          "Order: populate 'customerId.nope': no field 'nope' in Customer"));
  std::string chain = "customerId";
  for (int i = 0; i < 8; ++i) chain += ".ownerId";
  EXPECT_OK(orders_->CheckPopulate({chain}));  // 9 refs
  EXPECT_THAT(orders_->CheckPopulate({chain + ".ownerId"}),
              StatusIsWithMessage(StatusCode::kInvalidArgument, "nests too deep"));
  EXPECT_EQ(counting_->Snapshot().total_requests(), 0u);
  // Data that does not hold the path is left alone.
  Json odd = {{"customerId", 5}, {"related", "not an array"}, {"shipping", "x"}, {"lines", {1}}};
  Json before = odd;
  ASSERT_OK(orders_->Populate({&odd}, {"customerId", "shipping.by", "lines.productId"}));
  EXPECT_EQ(odd, before);
}

TEST_F(PopulateTest, MissingAndUndecodableReferences) {
  std::string a = Add(customers_, {{"name", "A"}});
  std::string c = Add(customers_, {{"name", "C"}});
  ASSERT_OK_AND_ASSIGN(Entity ce, customers_->Get({c}));
  ASSERT_OK(counting_->Put(ce.key, "{oops", {}).status());
  const std::string gone = "00000000-0000-4000-8000-000000000000";
  std::vector<Json> docs = {{{"customerId", a}},
                            {{"customerId", gone}},
                            {{"customerId", "../x"}},
                            {{"customerId", c}},
                            {{"customerId", c}}};
  std::vector<Json*> ptrs;
  for (Json& d : docs) ptrs.push_back(&d);
  PopulateReport report;
  ASSERT_OK(orders_->Populate(ptrs, {"customerId"}, &report));
  EXPECT_EQ(docs[0]["customerId"]["name"], "A");
  EXPECT_EQ(docs[1]["customerId"], gone);
  EXPECT_EQ(docs[2]["customerId"], "../x");
  EXPECT_EQ(docs[3]["customerId"], c);
  EXPECT_EQ(report.fetched, 4u);
  ASSERT_EQ(report.problems.size(), 1u);  // once, however many name it
  // The engine's own message, as Get gives it.
  Status st = customers_->Get({c}).status();
  EXPECT_EQ(report.problems[0], st.message());
  EXPECT_THAT(report.problems[0], ::testing::HasSubstr(ce.key + ": invalid JSON"));
  // Without a report (Get), the DataLoss is the caller's.
  EXPECT_THAT(orders_->Populate({&docs[4]}, {"customerId"}), StatusIs(StatusCode::kDataLoss));
}

TEST_F(PopulateTest, ReadStoredReadsOnlyListedEntitiesOfItsModel) {
  std::string id = Add(orders_, {{"amount", 1}});
  std::string gone = Add(orders_, {{"amount", 2}});
  std::string trashed = Add(orders_, {{"amount", 3}});
  ListOptions lo;
  lo.documents = false;
  lo.with_deleted = true;
  ASSERT_OK(orders_->Delete({trashed}));
  ASSERT_OK_AND_ASSIGN(std::vector<Entity> listed, orders_->List(lo));
  ASSERT_EQ(listed.size(), 3u);
  RemoveOptions hard;
  hard.hard = true;
  ASSERT_OK(orders_->Delete({gone}, hard));
  for (const Entity& e : listed) {
    Result<StoredDocument> raw = orders_->ReadStored(e);
    if (e.ids[0] == gone) {
      EXPECT_THAT(raw, StatusIs(StatusCode::kNotFound));
      continue;
    }
    ASSERT_OK(raw.status());
    EXPECT_EQ(raw->etag, e.etag);
    ASSERT_OK_AND_ASSIGN(Json doc, orders_->Decode(e.key, raw->bytes));
    EXPECT_EQ(doc["amount"], e.ids[0] == id ? 1 : 3);
    EXPECT_EQ(e.deleted, e.ids[0] == trashed);
  }
  // Another model's key, or another entity's, is not read.
  ASSERT_OK_AND_ASSIGN(Entity c, customers_->Create({{"name", "A"}}));
  Entity forged = listed[0];
  forged.key = c.key;
  counting_->Reset();
  EXPECT_THAT(orders_->ReadStored(forged), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(customers_->ReadStored(listed[0]), StatusIs(StatusCode::kInvalidArgument));
  forged = listed[0];
  forged.deleted = !forged.deleted;
  EXPECT_THAT(orders_->ReadStored(forged), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_EQ(Gets(), 0u);
  // Decode gives the message Get gives for the same bytes.
  ASSERT_OK(counting_->Put(c.key, "[1,", {}).status());
  Status got = customers_->Get(c.ids).status();
  EXPECT_THAT(got, StatusIs(StatusCode::kDataLoss));
  Status decoded = customers_->Decode(c.key, "[1,").status();
  EXPECT_EQ(decoded.code(), got.code());
  EXPECT_EQ(decoded.message(), got.message());
}

}  // namespace
}  // namespace worm

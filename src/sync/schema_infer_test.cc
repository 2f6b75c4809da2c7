#include "sync/schema_infer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace worm::sync {
namespace {

TEST(SchemaInferTest, IdShapes) {
  EXPECT_EQ(IdShapeOf("3f2b8c1e-4d5a-4b6c-8d7e-9f0a1b2c3d4e"), "uuid");
  EXPECT_EQ(IdShapeOf("0x52908400098527886E0F7030069857D2E4169EE7"), "evm");
  EXPECT_EQ(IdShapeOf("12345"), "int");
  EXPECT_EQ(IdShapeOf("2024-05-01"), "date");
  EXPECT_EQ(IdShapeOf("HN7cABqLq46Es1jh92dQQisAq662SmxELLLsHHe4YWrH"), "sol");
  EXPECT_EQ(IdShapeOf("my-first-post"), "slug");
  EXPECT_EQ(IdShapeOf("Hello World"), "");
}

std::string Uuid(int i) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-0000-4000-8000-%012x", i, i);
  return buf;
}

TEST(SchemaInferTest, CollectionsFromKeyPatterns) {
  std::vector<std::string> keys = {".worm", "org/customers/.worm",
                                   ".oplog/org/customers/x/0001.json", "org/settings/config.json"};
  for (int i = 0; i < 30; ++i) {
    keys.push_back("org/customers/" + Uuid(i) + "/profile.json");
    keys.push_back("org/invoices/" + std::to_string(i + 1) + "/data.json");
  }
  keys.push_back("org/customers/" + Uuid(0) + "/invoices.json");
  std::vector<InferredModel> models = InferModels(keys);
  std::map<std::string, InferredModel> by_name;
  for (auto& m : models) by_name[m.name] = m;
  ASSERT_EQ(models.size(), 4u) << [&] {
    std::string s;
    for (auto& m : models) s += m.name + " " + m.path + "/" + m.file + "\n";
    return s;
  }();
  EXPECT_EQ(by_name["CustomerProfile"].path, "#org/@customers/(id:uuid)");
  EXPECT_EQ(by_name["CustomerProfile"].file, "[profile].json");
  EXPECT_EQ(by_name["CustomerInvoices"].path, "#org/@customers/(id:uuid)");
  EXPECT_EQ(by_name["Invoice"].path, "#org/@invoices/(id:int)");
  EXPECT_EQ(by_name["Invoice"].keys.size(), 30u);
  EXPECT_EQ(by_name["Setting"].path, "#org/@settings");
  EXPECT_TRUE(by_name["Setting"].id_type.empty());
}

TEST(SchemaInferTest, NestedCollectionsGetNamedParentIds) {
  std::vector<std::string> keys;
  for (int d = 0; d < 3; ++d) {
    for (int t = 0; t < 3; ++t) {
      keys.push_back("org/departments/" + Uuid(d) + "/teams/" + Uuid(100 + t) + "/roster.json");
    }
  }
  auto models = InferModels(keys);
  ASSERT_EQ(models.size(), 1u);
  EXPECT_EQ(models[0].path, "#org/@departments/(departmentId:uuid)/@teams/(id:uuid)");
  EXPECT_EQ(models[0].name, "Team");
}

TEST(SchemaInferTest, FieldsTypesRequiredAndSmallEnums) {
  std::vector<Json> docs;
  for (int i = 0; i < 25; ++i) {
    Json d = {{"id", "x"},
              {"name", "n" + std::to_string(i)},
              {"amount", i * 1.5},
              {"count", i},
              {"status", i % 2 ? "paid" : "draft"},
              {"createdAt", "2024-01-01T00:00:00.000Z"},
              {"due", "2024-02-01"},
              {"tags", Json::array({"a"})}};
    if (i % 3 == 0) d["note"] = "optional";
    docs.push_back(d);
  }
  Json f = InferFields(docs, {"id", "createdAt"});
  EXPECT_FALSE(f.contains("id"));
  EXPECT_EQ(f["name"]["type"], "string");
  EXPECT_FALSE(f["name"].contains("enum"));  // 25 distinct values
  EXPECT_EQ(f["amount"]["type"], "number");
  EXPECT_EQ(f["count"]["type"], "integer");
  EXPECT_EQ(f["status"]["enum"], Json::array({"draft", "paid"}));
  EXPECT_EQ(f["due"]["type"], "date");
  EXPECT_EQ(f["tags"]["type"], "array");
  EXPECT_TRUE(f["name"]["required"].get<bool>());
  EXPECT_FALSE(f["note"].contains("required"));
}

TEST(SchemaInferTest, FewSamplesGiveNoEnum) {
  std::vector<Json> docs(5, Json{{"status", "a"}});
  EXPECT_FALSE(InferFields(docs, {})["status"].contains("enum"));
}

TEST(SchemaInferTest, SampleKeysAreSpreadOverTheCollection) {
  InferredModel big;
  for (int i = 0; i < 200; ++i) big.keys.push_back("k/" + std::to_string(1000 + i));
  std::vector<std::string> keys = SampleKeys(big);
  ASSERT_EQ(keys.size(), kSamplesPerModel);
  for (size_t i = 0; i < keys.size(); ++i) EXPECT_EQ(keys[i], big.keys[i * 4]);

  InferredModel small;
  small.keys = {"a", "b", "c"};
  EXPECT_EQ(SampleKeys(small), small.keys);
  EXPECT_TRUE(SampleKeys(InferredModel{}).empty());
}

TEST(SchemaInferTest, SampleDocumentsParsesWhatItCanRead) {
  std::shared_ptr<Transport> remote = NewMemoryTransport();
  InferredModel a, b, empty;
  a.name = "A";
  b.name = "B";
  empty.name = "Empty";
  for (int i = 0; i < 80; ++i) {
    std::string key = "a/" + std::to_string(100 + i) + ".json";
    a.keys.push_back(key);
    ASSERT_TRUE(remote->Put(key, Json{{"n", i}}.dump(), {}).ok());
  }
  b.keys = {"b/1.json", "b/2.json", "b/3.json", "b/gone.json"};
  ASSERT_TRUE(remote->Put("b/1.json", "{\"x\":1}", {}).ok());
  ASSERT_TRUE(remote->Put("b/2.json", "not json", {}).ok());
  ASSERT_TRUE(remote->Put("b/3.json", "{\"x\":3}", {}).ok());
  for (int threads : {1, 3, kSampleJobs}) {
    auto samples = SampleDocuments(*remote, {a, b, empty}, threads);
    ASSERT_EQ(samples["A"].size(), kSamplesPerModel) << threads;
    std::vector<std::string> keys = SampleKeys(a);
    for (size_t i = 0; i < keys.size(); ++i) {  // in SampleKeys order
      EXPECT_EQ(samples["A"][i]["n"].get<int>(), std::stoi(keys[i].substr(2)) - 100);
    }
    // Not JSON and missing documents are left out.
    EXPECT_THAT(samples["B"], ::testing::ElementsAre(Json{{"x", 1}}, Json{{"x", 3}}));
    EXPECT_EQ(samples.count("Empty"), 0u);
  }
}

}  // namespace
}  // namespace worm::sync

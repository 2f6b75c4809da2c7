// Oplog, repair, snapshots, entity links, typed layer.
#include "engine/engine_internal.h"
#include "engine/engine_test_util.h"

namespace worm::engine::testing {
namespace {

using ::worm::testing::StatusIs;
using ::worm::testing::StatusIsWithMessage;

class FeatureTest : public ::testing::Test {
 protected:
  Repository* R(const std::string& model) { return tp_.repo(model); }
  TestProject tp_;
};

TEST_F(FeatureTest, OplogHashChain) {
  ASSERT_OK_AND_ASSIGN(Entity e, R("Customer")->Create({{"name", "Ada"}}));
  ASSERT_OK(R("Customer")->Patch(e.ids, {{"age", 5}}));
  ASSERT_OK(R("Customer")->Delete(e.ids));
  ASSERT_OK(R("Customer")->Restore(e.ids));
  ASSERT_OK_AND_ASSIGN(auto h, R("Customer")->History(e.ids));
  ASSERT_EQ(h.size(), 4u);
  std::vector<std::string> ops;
  for (const auto& x : h) ops.push_back(x.op);
  EXPECT_EQ(ops, (std::vector<std::string>{"create", "update", "delete", "restore"}));
  const std::string folder = ".oplog/org/customers/" + e.ids[0] + "/";
  EXPECT_EQ(h[0].key, folder + "0001.json");
  EXPECT_EQ(h[0].prev_hash, "");
  EXPECT_EQ(h[1].prev_hash, HashDoc(h[0].raw));
  EXPECT_EQ(h[1].after["age"], 5);
  EXPECT_EQ(h[1].after_hash, HashDoc(h[1].after));
  EXPECT_TRUE(h[2].after.is_null());
  EXPECT_FALSE(h[2].raw.contains("after"));
  EXPECT_EQ(h[0].actor, "worm");

  // Tampering with an entry breaks the chain.
  Json tampered = tp_.Raw(folder + "0002.json");
  tampered["after"]["age"] = 6;
  ASSERT_OK(tp_.transport->Put(folder + "0002.json", tampered.dump(), {}).status());
  EXPECT_THAT(R("Customer")->History(e.ids),
              StatusIsWithMessage(StatusCode::kDataLoss, "0002.json"));
  ASSERT_OK_AND_ASSIGN(RepairReport rep, R("Customer")->Repair());
  EXPECT_FALSE(rep.ok());
}

TEST_F(FeatureTest, SecondProcessFindsOplogHeadByListing) {
  ASSERT_OK_AND_ASSIGN(Entity e, R("LoggedCounter")->Create({{"id", "big"}, {"n", 0}}));
  ASSERT_OK_AND_ASSIGN(auto h, R("LoggedCounter")->History(e.ids));
  // A second project (no cache) must find the head by listing.
  auto other = Project::Create(TestSchema(), tp_.transport, &tp_.clock);
  Repository* lc = *other->Get("LoggedCounter");
  for (int i = 0; i < 3; ++i) ASSERT_OK(lc->Patch(e.ids, {{"n", i + 1}}));
  ASSERT_OK_AND_ASSIGN(h, R("LoggedCounter")->History(e.ids));
  EXPECT_EQ(h.back().seq, 4);
}

TEST_F(FeatureTest, WriteAheadEntryIsRolledForward) {
  ASSERT_OK_AND_ASSIGN(Entity e, R("LoggedCounter")->Create({{"id", "w"}, {"n", 1}}));
  // Simulate a crash after the oplog entry of an update: append entry 2 by hand.
  ASSERT_OK_AND_ASSIGN(auto h, R("LoggedCounter")->History(e.ids));
  Json after = e.document;
  after["n"] = 2;
  Json entry = {{"seq", 2},
                {"op", "update"},
                {"at", "x"},
                {"actor", "crash"},
                {"prevHash", HashDoc(h[0].raw)},
                {"after", after},
                {"afterHash", HashDoc(after)}};
  const std::string folder = ".oplog/app/lcounters/w/";
  ASSERT_OK(tp_.transport->Put(folder + "0002.json", entry.dump(), {}).status());
  EXPECT_EQ(tp_.Raw(e.key)["n"], 1);
  ASSERT_OK_AND_ASSIGN(RepairReport rep, tp_.project->Repair());
  EXPECT_TRUE(rep.ok()) << rep.ToJson().dump();
  ASSERT_EQ(rep.actions.size(), 1u) << rep.ToJson().dump();
  EXPECT_EQ(tp_.Raw(e.key)["n"], 2);
  ASSERT_OK_AND_ASSIGN(rep, tp_.project->Repair());
  EXPECT_TRUE(rep.actions.empty());  // idempotent
  // A writer meeting a pending entry also rolls it forward before its own write.
  after["n"] = 3;
  entry = {{"seq", 3},
           {"op", "update"},
           {"at", "x"},
           {"actor", "crash"},
           {"prevHash", HashDoc(tp_.Raw(folder + "0002.json"))},
           {"after", after},
           {"afterHash", HashDoc(after)}};
  ASSERT_OK(tp_.transport->Put(folder + "0003.json", entry.dump(), {}).status());
  ASSERT_OK_AND_ASSIGN(Entity m, R("LoggedCounter")->Mutate(e.ids, [](Json& d) -> Status {
    d["n"] = d["n"].get<int>() * 10;
    return Status::OK();
  }));
  EXPECT_EQ(m.document["n"], 30);
  ASSERT_OK_AND_ASSIGN(h, R("LoggedCounter")->History(e.ids));
  EXPECT_EQ(h.size(), 4u);
}

TEST_F(FeatureTest, RepairCompletesInterruptedSoftDeleteAndRestore) {
  // Interrupted soft delete (no oplog): tombstone written, live not deleted.
  ASSERT_OK_AND_ASSIGN(Entity e, R("Customer")->Create({{"name", "Ada"}}));
  ASSERT_OK_AND_ASSIGN(Object live, tp_.transport->Get(e.key, {}));
  const std::string trash = ".worm.trash/org/customers/" + e.ids[0] + "/";
  // State: copy in trash, no tombstone, live present -> undo.
  ASSERT_OK(tp_.transport->Put(trash + "profile.json", live.data, {}).status());
  ASSERT_OK_AND_ASSIGN(RepairReport rep, tp_.project->Repair());
  EXPECT_FALSE(tp_.Has(trash + "profile.json"));
  EXPECT_TRUE(tp_.Has(e.key));
  // State: restore marked "restoring", live missing -> oplog model: undo mark.
  ASSERT_OK(R("Customer")->Delete(e.ids));
  Json tomb = tp_.Raw(trash + ".worm.tombstone");
  tomb["state"] = "restoring";
  ASSERT_OK(tp_.transport->Put(trash + ".worm.tombstone", tomb.dump(), {}).status());
  ASSERT_OK_AND_ASSIGN(rep, tp_.project->Repair());
  EXPECT_EQ(tp_.Raw(trash + ".worm.tombstone")["state"], "deleted");
  EXPECT_FALSE(tp_.Has(e.key));
  ASSERT_OK(R("Customer")->Restore(e.ids));
  EXPECT_TRUE(tp_.Has(e.key));
}

TEST_F(FeatureTest, Snapshots) {
  ASSERT_OK_AND_ASSIGN(Entity e, R("Customer")->Create({{"name", "v1"}}));
  ASSERT_OK_AND_ASSIGN(SnapshotInfo s1, R("Customer")->Snapshot(e.ids));
  EXPECT_EQ(s1.name, "0001");
  EXPECT_EQ(s1.key, ".snapshots/org/customers/" + e.ids[0] + "/0001.json");
  ASSERT_OK(R("Customer")->Patch(e.ids, {{"name", "v2"}}));
  ASSERT_OK_AND_ASSIGN(SnapshotInfo s2, R("Customer")->Snapshot(e.ids));
  EXPECT_EQ(s2.name, "0002");
  ASSERT_OK_AND_ASSIGN(auto list, R("Customer")->ListSnapshots(e.ids));
  ASSERT_EQ(list.size(), 2u);
  ASSERT_OK_AND_ASSIGN(Json old, R("Customer")->ReadSnapshot(e.ids, "0001"));
  EXPECT_EQ(old["name"], "v1");
  ASSERT_OK_AND_ASSIGN(Entity back, R("Customer")->RestoreSnapshot(e.ids, "0001"));
  EXPECT_EQ(back.document["name"], "v1");
  ASSERT_OK_AND_ASSIGN(auto h, R("Customer")->History(e.ids));
  EXPECT_EQ(h.size(), 3u);  // the restore went through the oplog
  EXPECT_THAT(R("Customer")->ReadSnapshot(e.ids, "nope"), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(R("Customer")->ReadSnapshot(e.ids, "../x"), StatusIs(StatusCode::kInvalidArgument));
  // Without an oplog: timestamp names.
  ASSERT_OK(R("Counter")->Create({{"id", "s"}, {"n", 1}}));
  ASSERT_OK_AND_ASSIGN(SnapshotInfo t1, R("Counter")->Snapshot({"s"}));
  ASSERT_OK_AND_ASSIGN(SnapshotInfo t2, R("Counter")->Snapshot({"s"}));
  EXPECT_EQ(t1.name, "20260224T101112.000Z");
  EXPECT_EQ(t2.name, "20260224T101112.000Z-2");
}

TEST_F(FeatureTest, RefsValidatedAndPopulated) {
  EXPECT_THAT(
      R("Invoice")->Create({{"customerId", "00000000-0000-4000-8000-000000000000"}, {"amount", 5}}),
      StatusIsWithMessage(StatusCode::kInvalidArgument, "does not exist"));
  EXPECT_THAT(R("Invoice")->Create({{"customerId", "../x"}, {"amount", 5}}),
              StatusIs(StatusCode::kInvalidArgument));
  ASSERT_OK_AND_ASSIGN(Entity c, R("Customer")->Create({{"name", "Ada"}}));
  ASSERT_OK_AND_ASSIGN(Entity inv, R("Invoice")->Create({{"customerId", c.ids[0]}, {"amount", 5}}));
  GetOptions go;
  go.populate = {"customerId"};
  ASSERT_OK_AND_ASSIGN(Entity got, R("Invoice")->Get(inv.ids, go));
  EXPECT_EQ(got.document["customerId"]["name"], "Ada");
  go.populate = {"amount"};
  EXPECT_THAT(R("Invoice")->Get(inv.ids, go), StatusIs(StatusCode::kInvalidArgument));
  // restrict
  EXPECT_THAT(R("Customer")->Delete(c.ids),
              StatusIsWithMessage(StatusCode::kFailedPrecondition, "Invoice " + inv.ids[0]));
  EXPECT_TRUE(tp_.Has(c.key));
  ASSERT_OK(R("Invoice")->Delete(inv.ids));
  // cascade and setNull
  ASSERT_OK_AND_ASSIGN(Entity o, R("Order")->Create({{"customerId", c.ids[0]}, {"total", 1}}));
  ASSERT_OK_AND_ASSIGN(Entity n, R("Note")->Create({{"customerId", c.ids[0]}, {"text", "hi"}}));
  ASSERT_OK(R("Customer")->Delete(c.ids));
  EXPECT_THAT(R("Order")->Get(o.ids), StatusIs(StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(Entity n2, R("Note")->Get(n.ids));
  EXPECT_TRUE(n2.document["customerId"].is_null());
  EXPECT_EQ(n2.document["text"], "hi");
}

TEST_F(FeatureTest, ManyToManyThroughJoinModel) {
  ASSERT_OK_AND_ASSIGN(Entity p, R("Post")->Create({{"title", "Hello"}}));
  ASSERT_OK(R("Tag")->Create({{"id", "cpp"}}));
  ASSERT_OK(R("Tag")->Create({{"id", "s3"}}));
  ASSERT_OK(R("Post")->Link(p.ids, "tags", {"cpp"}));
  ASSERT_OK(R("Post")->Link(p.ids, "tags", {"s3"}));
  ASSERT_OK(R("Post")->Link(p.ids, "tags", {"s3"}));  // idempotent
  EXPECT_THAT(R("Post")->Link(p.ids, "tags", {"nope"}), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(R("Post")->Link(p.ids, "authors", {"x"}), StatusIs(StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(auto tags, R("Post")->Linked(p.ids, "tags"));
  ASSERT_EQ(tags.size(), 2u);
  ASSERT_OK(R("Post")->Unlink(p.ids, "tags", {"cpp"}));
  ASSERT_OK_AND_ASSIGN(tags, R("Post")->Linked(p.ids, "tags"));
  ASSERT_EQ(tags.size(), 1u);
  EXPECT_EQ(tags[0].ids, EntityIds{"s3"});
  // Deleting the tag cascades to the join entity.
  ASSERT_OK(R("Tag")->Delete({"s3"}));
  ASSERT_OK_AND_ASSIGN(auto joins, R("PostTag")->List());
  EXPECT_TRUE(joins.empty());
}

struct Customer {
  std::string id{};
  std::string name;
  int age = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Customer, id, name, age)

TEST_F(FeatureTest, TypedRepository) {
  ASSERT_OK_AND_ASSIGN(TypedRepository<Customer> customers,
                       tp_.project->Typed<Customer>("Customer"));
  ASSERT_OK_AND_ASSIGN(Customer c, customers.Create({.name = "Ada", .age = 36}));
  EXPECT_EQ(c.id.size(), 36u);
  c.age = 37;
  ASSERT_OK_AND_ASSIGN(Customer u, customers.Update(c));
  EXPECT_EQ(u.age, 37);
  ASSERT_OK_AND_ASSIGN(Customer g, customers.Get(c.id));
  EXPECT_EQ(g.name, "Ada");
  ASSERT_OK_AND_ASSIGN(std::vector<Customer> all, customers.List());
  ASSERT_EQ(all.size(), 1u);
  ASSERT_OK(customers.Delete({c.id}));
  EXPECT_THAT(customers.Get(c.id), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(customers.Create({.name = "", .age = 1}), StatusIs(StatusCode::kInvalidArgument));
}

TEST_F(FeatureTest, OpenFindsProjectUpwards) {
  worm::testing::ScratchDir dir;
  auto root = dir.path();
  std::filesystem::create_directories(root / ".worm");
  std::filesystem::create_directories(root / "a" / "b");
  worm::testing::WriteFileOrDie(root / ".worm" / "schema.json", TestSchemaJson().dump());
  ASSERT_OK_AND_ASSIGN(auto project, Project::Open((root / "a" / "b").string()));
  EXPECT_EQ(std::filesystem::path(project->root()), root);
  ASSERT_OK_AND_ASSIGN(Repository * counters, project->Get("Counter"));
  ASSERT_OK(counters->Create({{"id", "x"}, {"n", 1}}));
  EXPECT_TRUE(
      std::filesystem::exists(root / ".worm" / "data" / "app" / "counters" / "x" / "c.json"));
  worm::testing::ScratchDir empty;
  EXPECT_THAT(Project::Open(empty.path().string()), StatusIs(StatusCode::kNotFound));
}

}  // namespace
}  // namespace worm::engine::testing

// Access control in the engine: principals × operations over the memory and
// local transports, with the real evaluator (CompileAccessPolicy) and a
// schema with an access section. Row level (owner rule), field level
// (hidden, read-only), cascades, restore, snapshots, oplog, populate, links,
// repair, and a schema without an access section unchanged.
#include "worm/access.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine/engine_test_util.h"
#include "schema/schema.h"
#include "worm/repository.h"

namespace worm::engine {
namespace {

using testing::Backend;
using ::testing::HasSubstr;
using worm::testing::StatusIs;

constexpr const char* kSchema = R"JSON({
  "dynamicTypes": {"slug": {"regex": "^[a-z0-9-]+$"}},
  "models": {
    "Customer": {
      "path": "#org/@customers/(id:slug)", "file": "[profile].json",
      "oplog": true, "softDelete": true,
      "fields": {
        "name": {"type": "string"}, "ownerId": {"type": "string"},
        "secret": {"type": "string"}, "tier": {"type": "string"},
        "address": {"type": "object", "properties": {
          "city": {"type": "string"}, "street": {"type": "string"}}}
      }
    },
    "Invoice": {
      "path": "#org/@invoices/(id:slug)", "file": "[data].json",
      "fields": {"customerId": {"type": "string", "ref": "Customer", "onDelete": "restrict"},
                 "amount": {"type": "number"}}
    },
    "Order": {
      "path": "#org/@orders/(id:slug)", "file": "[order].json",
      "fields": {"customerId": {"type": "string", "ref": "Customer", "onDelete": "cascade"},
                 "ownerId": {"type": "string"}, "total": {"type": "number"}}
    },
    "Note": {
      "path": "#org/@notes/(id:slug)", "file": "[note].json",
      "fields": {"customerId": {"type": "string", "ref": "Customer", "onDelete": "setNull"},
                 "text": {"type": "string"}}
    },
    "Doc": {
      "path": "#org/@docs/(id:slug)", "file": "[doc].json",
      "fields": {"title": {"type": "string"}}
    },
    "Post": {
      "path": "#blog/@posts/(id:slug)", "file": "[post].json",
      "fields": {"title": {"type": "string"}, "ownerId": {"type": "string"}},
      "links": {"tags": {"through": "PostTag", "from": "postId", "to": "tagId"}}
    },
    "Tag": {"path": "#blog/@tags/(id:slug)", "file": "[tag].json",
            "fields": {"label": {"type": "string"}}},
    "PostTag": {
      "path": "#blog/@post-tags/(id:uuid)", "file": "[link].json",
      "fields": {"postId": {"type": "string", "ref": "Post", "onDelete": "cascade"},
                 "tagId": {"type": "string", "ref": "Tag", "onDelete": "cascade"}}
    }
  },
  "access": {
    "roles": {"admin": {}, "member": {}, "viewer": {}, "auditor": {}},
    "bucket": {"rules": [{"roles": ["admin"], "actions": "*"}]},
    "models": {
      "Customer": {
        "rules": [
          {"roles": ["member"], "actions": ["read", "list", "create", "update", "delete", "restore"],
           "where": {"ownerId": "$principal.id"}},
          {"roles": ["viewer"], "actions": ["read", "list"]}
        ],
        "fields": {"member": {"hidden": ["secret", "address.street"], "readOnly": ["tier"]},
                   "viewer": {"hidden": ["secret"]}}
      },
      "Invoice": {"rules": [{"roles": ["member", "viewer"], "actions": ["read", "list"]}]},
      "Order": {"rules": [
        {"roles": ["member"], "actions": ["read", "list", "delete"], "where": {"ownerId": "$principal.id"}}]},
      "Note": {"rules": [{"roles": ["member"], "actions": ["read", "list"]}]},
      "Doc": {"entityGrants": true, "rules": [{"roles": ["viewer"], "actions": ["list"]}]},
      "Post": {"rules": [{"roles": ["member"], "actions": ["read", "list", "update"],
                          "where": {"ownerId": "$principal.id"}}]},
      "Tag": {"rules": [{"roles": ["member"], "actions": ["read", "list"]}]},
      "PostTag": {"rules": [{"roles": ["member"], "actions": ["create", "delete", "read", "list"]}]}
    }
  }
})JSON";

Principal P(std::string id, std::vector<std::string> roles) {
  Principal p;
  p.id = std::move(id);
  p.roles = std::move(roles);
  return p;
}

class AccessTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kMemory) {
      transport_ = NewMemoryTransport();
    } else {
      dir_ = std::make_unique<worm::testing::ScratchDir>();
      LocalTransportOptions lo;
      lo.sync = false;
      ASSERT_OK_AND_ASSIGN(transport_, NewLocalTransport((dir_->path() / "data").string(), lo));
    }
    ASSERT_OK_AND_ASSIGN(Json doc, ParseJson(kSchema));
    ASSERT_OK_AND_ASSIGN(schema::Schema s, schema::LoadSchema(doc));
    owner_ = Project::Create(std::move(s), transport_, &clock_);
    ASSERT_OK_AND_ASSIGN(alice_, owner_->As(P("alice", {"member"})));
    ASSERT_OK_AND_ASSIGN(bob_, owner_->As(P("bob", {"member"})));
    ASSERT_OK_AND_ASSIGN(viewer_, owner_->As(P("vera", {"viewer"})));
    ASSERT_OK_AND_ASSIGN(admin_, owner_->As(P("root", {"admin"})));
    ASSERT_OK_AND_ASSIGN(nobody_, owner_->As(P("eve", {})));
    // Seed as the owner: two customers of alice, one of bob.
    for (auto [id, who] : {std::pair{"a1", "alice"}, {"a2", "alice"}, {"b1", "bob"}}) {
      CreateOptions co;
      co.ids = {id};
      ASSERT_OK(R(owner_, "Customer")
                    ->Create({{"name", std::string("n-") + id},
                              {"ownerId", who},
                              {"secret", std::string("s3cr3t-") + id},
                              {"tier", "gold"},
                              {"address", {{"city", "Oslo"}, {"street", "Karl Johans gate"}}}},
                             co));
    }
  }

  static Repository* R(const std::unique_ptr<Project>& p, const std::string& model) {
    auto r = p->Get(model);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : nullptr;
  }
  static std::vector<std::string> Ids(const std::vector<Entity>& es) {
    std::vector<std::string> out;
    for (const Entity& e : es) out.push_back(e.ids.back());
    return out;
  }

  std::unique_ptr<worm::testing::ScratchDir> dir_;
  std::shared_ptr<Transport> transport_;
  ManualClock clock_{1771927872000000};
  std::unique_ptr<Project> owner_, alice_, bob_, viewer_, admin_, nobody_;
};

TEST_P(AccessTest, GetRowLevelAndFieldLevel) {
  ASSERT_OK_AND_ASSIGN(Entity mine, R(alice_, "Customer")->Get({"a1"}));
  EXPECT_EQ(mine.document["name"], "n-a1");
  EXPECT_FALSE(mine.document.contains("secret"));
  EXPECT_FALSE(mine.document["address"].contains("street"));
  EXPECT_EQ(mine.document["address"]["city"], "Oslo");
  // Another's row is invisible: NotFound, exactly as a missing one.
  Result<Entity> theirs = R(alice_, "Customer")->Get({"b1"});
  EXPECT_THAT(theirs, StatusIs(StatusCode::kNotFound));
  Result<Entity> missing = R(alice_, "Customer")->Get({"zz"});
  EXPECT_EQ(theirs.status().message(), "Customer b1: not found");
  EXPECT_THAT(missing, StatusIs(StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(bool exists, R(alice_, "Customer")->Exists({"b1"}));
  EXPECT_FALSE(exists);
  ASSERT_OK_AND_ASSIGN(exists, R(alice_, "Customer")->Exists({"a1"}));
  EXPECT_TRUE(exists);
  // The viewer sees every row, without the secret but with the street.
  ASSERT_OK_AND_ASSIGN(Entity v, R(viewer_, "Customer")->Get({"b1"}));
  EXPECT_FALSE(v.document.contains("secret"));
  EXPECT_EQ(v.document["address"]["street"], "Karl Johans gate");
  // Admin and the trusted owner see everything.
  ASSERT_OK_AND_ASSIGN(Entity a, R(admin_, "Customer")->Get({"b1"}));
  EXPECT_EQ(a.document["secret"], "s3cr3t-b1");
  ASSERT_OK_AND_ASSIGN(Entity o, R(owner_, "Customer")->Get({"b1"}));
  EXPECT_EQ(o.document["secret"], "s3cr3t-b1");
  // No role: the model is closed (PermissionDenied, naming who and what).
  Result<Entity> denied = R(nobody_, "Customer")->Get({"a1"});
  EXPECT_THAT(denied, StatusIs(StatusCode::kPermissionDenied));
  EXPECT_THAT(denied.status().message(), HasSubstr("eve may not read Customer a1"));
  EXPECT_THAT(denied.status().message(), ::testing::Not(HasSubstr("s3cr3t")));
}

TEST_P(AccessTest, ListsAreFilteredAndRedacted) {
  ASSERT_OK_AND_ASSIGN(std::vector<Entity> mine, R(alice_, "Customer")->List());
  EXPECT_EQ(Ids(mine), (std::vector<std::string>{"a1", "a2"}));
  for (const Entity& e : mine) EXPECT_FALSE(e.document.contains("secret"));
  ListOptions ids_only;
  ids_only.documents = false;
  ASSERT_OK_AND_ASSIGN(std::vector<Entity> bare, R(bob_, "Customer")->List(ids_only));
  EXPECT_EQ(Ids(bare), (std::vector<std::string>{"b1"}));
  EXPECT_TRUE(bare[0].document.is_null());
  // Pages of one: filtered pages still page through everything visible.
  ListOptions one;
  one.limit = 1;
  std::vector<std::string> paged;
  ASSERT_OK(R(alice_, "Customer")->Scan(one, [&](const Entity& e) {
    paged.push_back(e.ids.back());
    return Status::OK();
  }));
  EXPECT_EQ(paged, (std::vector<std::string>{"a1", "a2"}));
  ASSERT_OK_AND_ASSIGN(std::vector<Entity> all, R(viewer_, "Customer")->List());
  EXPECT_EQ(all.size(), 3u);
  EXPECT_THAT(R(nobody_, "Customer")->List(), StatusIs(StatusCode::kPermissionDenied));
  // unfiltered_ids: every id (for a caller deciding rows itself), still
  // behind the model-level list permission.
  ListOptions raw;
  raw.documents = false;
  raw.unfiltered_ids = true;
  ASSERT_OK_AND_ASSIGN(EntityPage page, R(alice_, "Customer")->ListPage(raw));
  EXPECT_EQ(page.items.size(), 3u);
  EXPECT_THAT(R(nobody_, "Customer")->ListPage(raw), StatusIs(StatusCode::kPermissionDenied));
  // Visible/Redact: what such a caller applies.
  Repository* repo = R(alice_, "Customer");
  int seen = 0;
  for (const Entity& e : page.items) {
    ASSERT_OK_AND_ASSIGN(Entity full, R(owner_, "Customer")->Get(e.ids));
    ASSERT_OK_AND_ASSIGN(bool v, repo->Visible(e, full.document));
    seen += v;
  }
  EXPECT_EQ(seen, 2);
  EXPECT_FALSE(repo->VisibilityFields().has_value() && repo->VisibilityFields()->empty());
  Json doc = {{"secret", "x"}, {"name", "y"}};
  repo->Redact(doc);
  EXPECT_EQ(doc, (Json{{"name", "y"}}));
  EXPECT_THAT(repo->CheckReadable({"address.street"}), StatusIs(StatusCode::kPermissionDenied));
  EXPECT_OK(repo->CheckReadable({"address.city", "name"}));
}

TEST_P(AccessTest, CreateDecidedOnTheDocument) {
  Repository* c = R(alice_, "Customer");
  CreateOptions co;
  co.ids = {"a3"};
  ASSERT_OK_AND_ASSIGN(Entity e, c->Create({{"name", "x"}, {"ownerId", "alice"}}, co));
  EXPECT_EQ(e.document["ownerId"], "alice");
  co.ids = {"a4"};
  Result<Entity> forged = c->Create({{"name", "x"}, {"ownerId", "bob"}}, co);
  EXPECT_THAT(forged, StatusIs(StatusCode::kPermissionDenied));
  EXPECT_THAT(forged.status().message(), HasSubstr("alice may not create Customer a4"));
  co.ids = {"a5"};
  Result<Entity> tier = c->Create({{"name", "x"}, {"ownerId", "alice"}, {"tier", "gold"}}, co);
  EXPECT_THAT(tier, StatusIs(StatusCode::kPermissionDenied));
  EXPECT_THAT(tier.status().message(), HasSubstr("\"tier\" is read-only"));
  EXPECT_THAT(tier.status().message(), ::testing::Not(HasSubstr("gold")));
  EXPECT_FALSE(*R(owner_, "Customer")->Exists({"a4"}));
  EXPECT_FALSE(*R(owner_, "Customer")->Exists({"a5"}));
  co.ids = {"v1"};
  EXPECT_THAT(R(viewer_, "Customer")->Create({{"name", "x"}}, co),
              StatusIs(StatusCode::kPermissionDenied));
  // The oplog records the principal as actor.
  ASSERT_OK_AND_ASSIGN(auto history, R(owner_, "Customer")->History({"a3"}));
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0].actor, "alice");
}

TEST_P(AccessTest, UpdatesKeepHiddenAndRefuseReadOnly) {
  Repository* c = R(alice_, "Customer");
  // Replace without the hidden fields: they stay as stored.
  ASSERT_OK_AND_ASSIGN(Entity r, c->Replace({"a1"}, {{"name", "renamed"},
                                                     {"ownerId", "alice"},
                                                     {"tier", "gold"},
                                                     {"address", {{"city", "Bergen"}}}}));
  EXPECT_FALSE(r.document.contains("secret"));
  ASSERT_OK_AND_ASSIGN(Entity stored, R(owner_, "Customer")->Get({"a1"}));
  EXPECT_EQ(stored.document["secret"], "s3cr3t-a1");
  EXPECT_EQ(stored.document["address"]["street"], "Karl Johans gate");
  EXPECT_EQ(stored.document["address"]["city"], "Bergen");
  EXPECT_EQ(stored.document["name"], "renamed");
  // A Replace that drops or changes a read-only field is refused.
  EXPECT_THAT(c->Replace({"a1"}, {{"name", "x"}, {"ownerId", "alice"}}),
              StatusIs(StatusCode::kPermissionDenied));
  EXPECT_THAT(c->Patch({"a1"}, {{"tier", "platinum"}}), StatusIs(StatusCode::kPermissionDenied));
  // Patch null of a hidden field cannot remove it.
  ASSERT_OK(c->Patch({"a1"}, {{"secret", nullptr}, {"name", "p"}}));
  ASSERT_OK_AND_ASSIGN(stored, R(owner_, "Customer")->Get({"a1"}));
  EXPECT_EQ(stored.document["secret"], "s3cr3t-a1");
  // Mutate's callback sees the redacted copy.
  ASSERT_OK(c->Mutate({"a1"}, [](Json& doc) {
    EXPECT_FALSE(doc.contains("secret"));
    doc["name"] = "m";
    return Status::OK();
  }));
  // Giving the row away (the new document fails the owner rule) is refused.
  Result<Entity> away = c->Patch({"a1"}, {{"ownerId", "bob"}});
  EXPECT_THAT(away, StatusIs(StatusCode::kPermissionDenied));
  EXPECT_THAT(away.status().message(), HasSubstr("alice may not update Customer a1"));
  // Another's row: NotFound (invisible); viewer: PermissionDenied.
  EXPECT_THAT(c->Patch({"b1"}, {{"name", "x"}}), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(R(viewer_, "Customer")->Patch({"b1"}, {{"name", "x"}}),
              StatusIs(StatusCode::kPermissionDenied));
  ASSERT_OK_AND_ASSIGN(stored, R(owner_, "Customer")->Get({"b1"}));
  EXPECT_EQ(stored.document["name"], "n-b1");
}

TEST_P(AccessTest, DeleteRestoreAndTrash) {
  EXPECT_THAT(R(alice_, "Customer")->Delete({"b1"}), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(R(viewer_, "Customer")->Delete({"b1"}), StatusIs(StatusCode::kPermissionDenied));
  ASSERT_OK(R(alice_, "Customer")->Delete({"a2"}));
  EXPECT_FALSE(*R(owner_, "Customer")->Exists({"a2"}));
  // Restore is decided on the trash copy.
  ASSERT_OK(R(owner_, "Customer")->Delete({"b1"}));
  EXPECT_THAT(R(alice_, "Customer")->Restore({"b1"}), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(R(viewer_, "Customer")->Restore({"b1"}), StatusIs(StatusCode::kPermissionDenied));
  ASSERT_OK_AND_ASSIGN(Entity back, R(alice_, "Customer")->Restore({"a2"}));
  EXPECT_FALSE(back.document.contains("secret"));
  // with_deleted lists show the trash the principal may read only.
  ListOptions lo;
  lo.with_deleted = true;
  ASSERT_OK_AND_ASSIGN(std::vector<Entity> all, R(alice_, "Customer")->List(lo));
  EXPECT_EQ(Ids(all), (std::vector<std::string>{"a1", "a2"}));
  ASSERT_OK_AND_ASSIGN(all, R(viewer_, "Customer")->List(lo));
  EXPECT_EQ(all.size(), 3u);
}

TEST_P(AccessTest, CascadesNeedTheRightsToo) {
  // An order of bob's references alice's customer: alice may not delete it.
  CreateOptions co;
  co.ids = {"o1"};
  ASSERT_OK(R(owner_, "Order")->Create({{"customerId", "a1"}, {"ownerId", "bob"}}, co));
  Status st = R(alice_, "Customer")->Delete({"a1"});
  EXPECT_THAT(st, StatusIs(StatusCode::kPermissionDenied));
  EXPECT_THAT(st.message(), HasSubstr("cascade"));
  // Nothing was written: the customer and the order are there.
  EXPECT_TRUE(*R(owner_, "Customer")->Exists({"a1"}));
  EXPECT_TRUE(*R(owner_, "Order")->Exists({"o1"}));
  // Her own order goes with the customer.
  ASSERT_OK(R(owner_, "Order")->Delete({"o1"}));
  co.ids = {"o2"};
  ASSERT_OK(R(owner_, "Order")->Create({{"customerId", "a1"}, {"ownerId", "alice"}}, co));
  // setNull: alice may not update notes, so a note on a1 stops the delete.
  co.ids = {"n1"};
  ASSERT_OK(R(owner_, "Note")->Create({{"customerId", "a1"}, {"text", "t"}}, co));
  st = R(alice_, "Customer")->Delete({"a1"});
  EXPECT_THAT(st, StatusIs(StatusCode::kPermissionDenied));
  EXPECT_THAT(st.message(), HasSubstr("setNull"));
  EXPECT_TRUE(*R(owner_, "Order")->Exists({"o2"}));
  ASSERT_OK(R(owner_, "Note")->Delete({"n1"}));
  ASSERT_OK(R(alice_, "Customer")->Delete({"a1"}));
  EXPECT_FALSE(*R(owner_, "Order")->Exists({"o2"}));
  // restrict: an invoice on a2 blocks; the message names it (alice may read invoices).
  co.ids = {"i1"};
  ASSERT_OK(R(owner_, "Invoice")->Create({{"customerId", "a2"}, {"amount", 1}}, co));
  st = R(alice_, "Customer")->Delete({"a2"});
  EXPECT_THAT(st, StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(st.message(), HasSubstr("Invoice i1"));
}

TEST_P(AccessTest, PopulateLeavesUnreadableRefsAsIds) {
  CreateOptions co;
  co.ids = {"i1"};
  ASSERT_OK(R(owner_, "Invoice")->Create({{"customerId", "a1"}, {"amount", 1}}, co));
  co.ids = {"i2"};
  ASSERT_OK(R(owner_, "Invoice")->Create({{"customerId", "b1"}, {"amount", 2}}, co));
  GetOptions go;
  go.populate = {"customerId"};
  ASSERT_OK_AND_ASSIGN(Entity mine, R(alice_, "Invoice")->Get({"i1"}, go));
  ASSERT_TRUE(mine.document["customerId"].is_object());
  EXPECT_EQ(mine.document["customerId"]["name"], "n-a1");
  EXPECT_FALSE(mine.document["customerId"].contains("secret"));
  ASSERT_OK_AND_ASSIGN(Entity theirs, R(alice_, "Invoice")->Get({"i2"}, go));
  EXPECT_EQ(theirs.document["customerId"], "b1");
  // Populate through the Repository call the query layer uses.
  Json a = mine.document, b = theirs.document;
  a["customerId"] = "a1";
  std::vector<Json*> docs = {&a, &b};
  ASSERT_OK(R(alice_, "Invoice")->Populate(docs, {"customerId"}));
  EXPECT_TRUE(a["customerId"].is_object());
  EXPECT_EQ(b["customerId"], "b1");
}

TEST_P(AccessTest, OplogSnapshotsAndAdmin) {
  ASSERT_OK_AND_ASSIGN(auto history, R(alice_, "Customer")->History({"a1"}));
  ASSERT_FALSE(history.empty());
  EXPECT_FALSE(history[0].after.contains("secret"));
  EXPECT_FALSE(history[0].raw["after"].contains("secret"));
  EXPECT_THAT(R(alice_, "Customer")->History({"b1"}), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(R(nobody_, "Customer")->VerifyOplog({"a1"}), StatusIs(StatusCode::kPermissionDenied));
  ASSERT_OK(R(alice_, "Customer")->VerifyOplog({"a1"}));
  // Snapshots: take (read + update), list and read (read), restore (update).
  ASSERT_OK_AND_ASSIGN(SnapshotInfo snap, R(alice_, "Customer")->Snapshot({"a1"}));
  EXPECT_THAT(R(viewer_, "Customer")->Snapshot({"a1"}), StatusIs(StatusCode::kPermissionDenied));
  EXPECT_THAT(R(alice_, "Customer")->Snapshot({"b1"}), StatusIs(StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(auto snaps, R(viewer_, "Customer")->ListSnapshots({"a1"}));
  EXPECT_EQ(snaps.size(), 1u);
  ASSERT_OK_AND_ASSIGN(Json copy, R(viewer_, "Customer")->ReadSnapshot({"a1"}, snap.name));
  EXPECT_FALSE(copy.contains("secret"));
  EXPECT_EQ(copy["name"], "n-a1");
  ASSERT_OK(R(alice_, "Customer")->Patch({"a1"}, {{"name", "changed"}}));
  EXPECT_THAT(R(viewer_, "Customer")->RestoreSnapshot({"a1"}, snap.name),
              StatusIs(StatusCode::kPermissionDenied));
  ASSERT_OK(R(alice_, "Customer")->RestoreSnapshot({"a1"}, snap.name));
  ASSERT_OK_AND_ASSIGN(Entity now, R(owner_, "Customer")->Get({"a1"}));
  EXPECT_EQ(now.document["name"], "n-a1");
  EXPECT_EQ(now.document["secret"], "s3cr3t-a1");
  // Repair and AdoptLive are admin.
  EXPECT_THAT(R(alice_, "Customer")->Repair(), StatusIs(StatusCode::kPermissionDenied));
  EXPECT_THAT(alice_->Repair(), StatusIs(StatusCode::kPermissionDenied));
  ASSERT_OK(R(admin_, "Customer")->Repair());
  ASSERT_OK(admin_->Repair());
  Result<OplogEntry> adopt = R(alice_, "Customer")->AdoptLive({"a1"});
  EXPECT_THAT(adopt, StatusIs(StatusCode::kPermissionDenied));
  // The admin gets past the check to the engine's own answer.
  EXPECT_THAT(R(admin_, "Customer")->AdoptLive({"a1"}), StatusIs(StatusCode::kFailedPrecondition));
}

TEST_P(AccessTest, EntityGrants) {
  CreateOptions co;
  co.ids = {"d1"};
  ASSERT_OK(R(owner_, "Doc")->Create({{"title", "plan"}}, co));
  co.ids = {"d2"};
  ASSERT_OK(R(owner_, "Doc")->Create({{"title", "other"}}, co));
  EXPECT_THAT(R(viewer_, "Doc")->Get({"d1"}), StatusIs(StatusCode::kNotFound));
  // The grants file, where security/entity_grants.h puts it (root layout).
  Json grants = {{"grants", {{{"principals", {"vera"}}, {"actions", {"read"}}}}}};
  ASSERT_OK(transport_->Put(".worm.acl/org/docs/d1.json", grants.dump(), {}));
  ASSERT_OK_AND_ASSIGN(Entity d1, R(viewer_, "Doc")->Get({"d1"}));
  EXPECT_EQ(d1.document["title"], "plan");
  ASSERT_OK_AND_ASSIGN(std::vector<Entity> listed, R(viewer_, "Doc")->List());
  EXPECT_EQ(Ids(listed), (std::vector<std::string>{"d1"}));
  EXPECT_THAT(R(viewer_, "Doc")->Patch({"d1"}, {{"title", "x"}}),
              StatusIs(StatusCode::kPermissionDenied));
}

TEST_P(AccessTest, Links) {
  CreateOptions co;
  co.ids = {"p1"};
  ASSERT_OK(R(owner_, "Post")->Create({{"title", "mine"}, {"ownerId", "alice"}}, co));
  co.ids = {"p2"};
  ASSERT_OK(R(owner_, "Post")->Create({{"title", "bob's"}, {"ownerId", "bob"}}, co));
  co.ids = {"t1"};
  ASSERT_OK(R(owner_, "Tag")->Create({{"label", "x"}}, co));
  ASSERT_OK(R(alice_, "Post")->Link({"p1"}, "tags", {"t1"}));
  EXPECT_THAT(R(alice_, "Post")->Link({"p2"}, "tags", {"t1"}), StatusIs(StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(std::vector<Entity> linked, R(alice_, "Post")->Linked({"p1"}, "tags"));
  EXPECT_EQ(Ids(linked), (std::vector<std::string>{"t1"}));
  EXPECT_THAT(R(viewer_, "Post")->Linked({"p1"}, "tags"), StatusIs(StatusCode::kPermissionDenied));
  ASSERT_OK(R(alice_, "Post")->Unlink({"p1"}, "tags", {"t1"}));
}

TEST_P(AccessTest, WithoutAccessSectionEverythingIsOpen) {
  ASSERT_OK_AND_ASSIGN(Json doc, ParseJson(kSchema));
  doc.erase("access");
  ASSERT_OK_AND_ASSIGN(schema::Schema s, schema::LoadSchema(doc));
  auto open = Project::Create(std::move(s), transport_, &clock_);
  ASSERT_OK_AND_ASSIGN(auto eve, open->As(P("eve", {})));
  ASSERT_OK_AND_ASSIGN(Entity e, R(eve, "Customer")->Get({"b1"}));
  EXPECT_EQ(e.document["secret"], "s3cr3t-b1");
  ASSERT_OK(R(eve, "Customer")->Patch({"b1"}, {{"tier", "x"}}));
  ASSERT_OK(R(eve, "Customer")->Repair());
  EXPECT_FALSE(R(eve, "Customer")->restricted());
  // ProjectOptions::principal does the same as As().
  ProjectOptions po;
  po.principal = P("alice", {"member"});
  ASSERT_OK_AND_ASSIGN(Json full, ParseJson(kSchema));
  ASSERT_OK_AND_ASSIGN(schema::Schema s2, schema::LoadSchema(full));
  auto bound = Project::Create(std::move(s2), transport_, &clock_, po);
  ASSERT_NE(bound->principal(), nullptr);
  EXPECT_EQ(bound->principal()->id, "alice");
  EXPECT_THAT(R(bound, "Customer")->Get({"b1"}), StatusIs(StatusCode::kNotFound));
}

TEST_P(AccessTest, BrokenAccessSectionFailsClosed) {
  ASSERT_OK_AND_ASSIGN(Json doc, ParseJson(kSchema));
  doc["access"]["models"]["Customer"]["rules"][0]["actions"] = {"fly"};
  ASSERT_OK_AND_ASSIGN(schema::Schema s, schema::LoadSchema(doc));
  auto broken = Project::Create(std::move(s), transport_, &clock_);
  EXPECT_THAT(broken->As(P("alice", {"member"})), StatusIs(StatusCode::kInvalidArgument));
  ASSERT_OK(R(broken, "Customer")->Get({"a1"}));  // the owner still can
}

INSTANTIATE_TEST_SUITE_P(Backends, AccessTest, ::testing::Values(Backend::kMemory, Backend::kLocal),
                         [](const auto& info) {
                           return info.param == Backend::kMemory ? "Memory" : "Local";
                         });

}  // namespace
}  // namespace worm::engine

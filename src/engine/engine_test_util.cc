#include "engine/engine_test_util.h"

namespace worm::engine::testing {

Json TestSchemaJson(const std::string& layout) {
  Json s = Json::parse(R"JSON({
  "schemaVersion": "1.0",
  "dynamicTypes": {"slug": {"regex": "^[a-z0-9-]+$"}},
  "storage": {"layout": "root"},
  "models": {
    "Customer": {
      "path": "#org/@customers/(id:uuid)", "file": "[profile].json",
      "oplog": true, "softDelete": true,
      "fields": {
        "name": {"type": "string", "required": true, "minLength": 1, "maxLength": 40},
        "email": {"type": "string", "pattern": "[^@ ]+@[^@ ]+"},
        "status": {"type": "string", "enum": ["active", "inactive"], "default": "active"},
        "age": {"type": "integer", "minimum": 0, "maximum": 150},
        "score": {"type": "number"},
        "vip": {"type": "boolean"},
        "born": {"type": "date"},
        "seenAt": {"type": "datetime"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "address": {"type": "object", "properties": {
          "zip": {"type": "string"}, "city": {"type": "string"}}},
        "counter": {"type": "integer"}
      }
    },
    "Invoice": {
      "path": "#org/@invoices/(id:uuid)", "file": "[data].json",
      "fields": {
        "customerId": {"type": "string", "required": true, "ref": "Customer", "onDelete": "restrict"},
        "amount": {"type": "number", "required": true}
      }
    },
    "Order": {
      "path": "#org/@orders/(id:int)", "file": "[order].json", "idOperator": "seq",
      "fields": {
        "customerId": {"type": "string", "ref": "Customer", "onDelete": "cascade"},
        "total": {"type": "number"}
      }
    },
    "Note": {
      "path": "#org/@notes/(id:uuid)", "file": "[note].json",
      "fields": {
        "customerId": {"type": "string", "ref": "Customer", "onDelete": "setNull"},
        "text": {"type": "string"}
      }
    },
    "Settings": {
      "path": "#org/@settings", "singleton": true, "file": "[config].json",
      "fields": {"orgName": {"type": "string", "required": true}}
    },
    "Team": {
      "path": "#org/@departments/(deptId:slug)/@teams/(teamId:slug)", "file": "[roster].json",
      "oplog": true, "softDelete": true,
      "fields": {"members": {"type": "array", "items": {"type": "string"}}}
    },
    "Counter": {
      "path": "#app/@counters/(id:slug)", "file": "[c].json",
      "fields": {"n": {"type": "integer", "required": true}}
    },
    "LoggedCounter": {
      "path": "#app/@lcounters/(id:slug)", "file": "[c].json", "oplog": true, "softDelete": true,
      "fields": {"n": {"type": "integer", "required": true}}
    },
    "SoftCounter": {
      "path": "#app/@scounters/(id:slug)", "file": "[c].json", "softDelete": true,
      "fields": {"n": {"type": "integer", "required": true}}
    },
    "Post": {
      "path": "#blog/@posts/(id:uuid)", "file": "[post].json",
      "fields": {"title": {"type": "string", "required": true}},
      "links": {"tags": {"through": "PostTag", "from": "postId", "to": "tagId"}}
    },
    "Tag": {
      "path": "#blog/@tags/(id:slug)", "file": "[tag].json",
      "fields": {"label": {"type": "string"}}
    },
    "PostTag": {
      "path": "#blog/@post-tags/(id:uuid)", "file": "[link].json",
      "fields": {
        "postId": {"type": "string", "required": true, "ref": "Post", "onDelete": "cascade"},
        "tagId": {"type": "string", "required": true, "ref": "Tag", "onDelete": "cascade"}
      }
    }
  }
})JSON");
  s["storage"]["layout"] = layout;
  return s;
}

schema::Schema TestSchema(const std::string& layout) {
  auto s = schema::LoadSchema(TestSchemaJson(layout));
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return std::move(s).value();
}

namespace {
S3BackendFactory s3_backend = nullptr;
}  // namespace

void SetS3Backend(S3BackendFactory factory) { s3_backend = factory; }

TestProject::TestProject(Backend backend, const std::string& layout, ProjectOptions options) {
  if (backend == Backend::kMemory) {
    transport = NewMemoryTransport();
  } else if (backend == Backend::kS3) {
    transport = s3_backend != nullptr ? s3_backend() : nullptr;
    if (transport == nullptr) {
      ADD_FAILURE() << "no S3 backend in this test binary";
      transport = NewMemoryTransport();
    }
  } else {
    dir = std::make_unique<worm::testing::ScratchDir>();
    LocalTransportOptions lo;
    lo.sync = false;
    auto t = NewLocalTransport((dir->path() / "data").string(), lo);
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    transport = *t;
  }
  project = Project::Create(TestSchema(layout), transport, &clock, options);
}

Repository* TestProject::repo(const std::string& model) {
  auto r = project->Get(model);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : nullptr;
}

Json TestProject::Raw(const std::string& key) {
  auto got = transport->Get(key, {});
  if (!got.ok()) return Json();
  return Json::parse(got->data);
}

bool TestProject::Has(const std::string& key) { return transport->Head(key, {}).ok(); }

}  // namespace worm::engine::testing

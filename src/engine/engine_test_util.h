// Test fixtures for the engine: a schema exercising every feature, and
// projects over the memory or local transport in any storage layout.
#pragma once

#include <memory>
#include <string>

#include "core/json_util.h"
#include "schema/schema.h"
#include "testing/test_util.h"
#include "worm/repository.h"

namespace worm::engine::testing {

// The test schema as JSON, with storage.layout set to `layout`.
Json TestSchemaJson(const std::string& layout = "root");
schema::Schema TestSchema(const std::string& layout = "root");

// kS3: our S3 client against `worm serve` in-process; only in binaries that
// link an S3 backend (engine_s3_test) and define it with SetS3Backend.
enum class Backend { kMemory, kLocal, kS3 };

// A fresh, empty S3 bucket namespace per call (nullptr when unavailable).
using S3BackendFactory = std::shared_ptr<Transport> (*)();
void SetS3Backend(S3BackendFactory factory);

// A project over a fresh store. Keeps the scratch dir and clock alive.
struct TestProject {
  explicit TestProject(Backend backend = Backend::kMemory, const std::string& layout = "root",
                       ProjectOptions options = {});
  std::unique_ptr<worm::testing::ScratchDir> dir;
  std::shared_ptr<Transport> transport;
  ManualClock clock{1771927872000000};  // 2026-02-24T10:11:12Z
  std::unique_ptr<Project> project;

  Repository* repo(const std::string& model);
  // The raw object at `key` parsed as JSON (null when missing).
  Json Raw(const std::string& key);
  bool Has(const std::string& key);
};

}  // namespace worm::engine::testing

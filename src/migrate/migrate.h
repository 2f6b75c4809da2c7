// Schema migrations: `worm migrate plan|apply` (docs/migrate.md).
//
// Plan compares an old schema and a new one with the data under the old one
// and writes every key move (a model's path, file or layout changed) and
// every document change (a field renamed, a required field with a default
// added, a removed field dropped) as JSON. Apply executes a plan resumably:
// every step is idempotent (create-only copies, If-Match deletes), so a rerun
// after a crash finishes it; it refuses a plan the data no longer matches.
//
// Thread-safety: stateless functions; one apply per bucket at a time.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "schema/schema.h"
#include "worm/result.h"
#include "worm/transport.h"

namespace worm::migrate {

struct PlanOptions {
  // Explicit field renames, "Model.old" -> "new" (--rename Model.old=new).
  std::map<std::string, std::string> renames;
};

// The plan as JSON: {"format":1, "from":<old schema>, "to":<new schema>,
// "renames", "models":[{"model","moves":[...],"changes":[...]}], "counts",
// "requests"}. InvalidArgument naming the model and field when a new
// required field has no default and a document lacks it, or a rename names a
// field neither schema has.
Result<Json> Plan(const Json& old_schema, const Json& new_schema, Transport& bucket,
                  const PlanOptions& options = {});

struct ApplyReport {
  int64_t moved = 0;    // documents moved in this run
  int64_t changed = 0;  // documents rewritten in this run
  int64_t system_moved = 0;
  int64_t skipped = 0;  // steps found already done (a rerun)
};

// Executes `plan` on `bucket`. FailedPrecondition "stale plan: ..." naming
// the key when the data differs from what the plan was made from.
Result<ApplyReport> Apply(const Json& plan, std::shared_ptr<Transport> bucket,
                          const std::string& actor = "worm-migrate");

// Parses "Model.old=new". InvalidArgument otherwise.
Status ParseRename(const std::string& text, std::map<std::string, std::string>* renames);

}  // namespace worm::migrate

// Repair: rolls forward oplog entries whose effect is missing, then completes
// or undoes interrupted soft deletes and restores (see trash.cc). Idempotent;
// safe to run while others write (it only ever applies committed entries and
// conditional writes).
#include "engine/engine_internal.h"

namespace worm::engine {

Result<RepairReport> ModelStore::Repair() {
  RepairReport report;
  const schema::SystemFolders tmpl = project_->resolver().SystemFolderTemplates(*model_);
  auto note = [&](const EntityIds& ids, const Status& st) {
    report.problems.push_back(Describe(ids) + ": " + st.ToString());
  };
  if (model_->oplog) {
    RETURN_NOT_OK(ScanSystemFolders(tmpl.oplog, [&](const EntityIds& ids) -> Status {
      ++report.entities_checked;
      auto history = History(ids);
      if (!history.ok()) {
        note(ids, history.status());
        return Status::OK();
      }
      auto head = ReadOplogHead(ids);
      auto key = KeyOf(ids);
      if (!head.ok() || !key.ok()) {
        note(ids, head.ok() ? key.status() : head.status());
        return Status::OK();
      }
      ASSIGN_OR_RETURN(std::optional<Stored> live, Read(*key));
      if (HeadAgrees(*head, live)) return Status::OK();
      Status st = RollForward(ids, *head, live, &report.actions);
      if (!st.ok()) note(ids, st);
      return Status::OK();
    }));
  }
  if (model_->soft_delete || !tmpl.trash.empty()) {
    RETURN_NOT_OK(ScanSystemFolders(tmpl.trash, [&](const EntityIds& ids) -> Status {
      if (!model_->oplog) ++report.entities_checked;
      Status st = RepairTrash(ids, &report.actions);
      if (!st.ok()) note(ids, st);
      return Status::OK();
    }));
  }
  return report;
}

}  // namespace worm::engine

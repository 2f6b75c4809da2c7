// Repair: rolls forward oplog entries whose effect is missing, then completes
// or undoes interrupted soft deletes and restores (see trash.cc). Idempotent;
// safe to run while others write (it only ever applies committed entries and
// conditional writes). An entity whose live state contradicts its oplog
// (VerifyOplog) is reported and left untouched, trash included: the write-
// ahead order makes that state evidence of tampering or loss, and rolling
// "forward" to the newest surviving entry would drop acknowledged writes.
#include "engine/engine_internal.h"

namespace worm::engine {
namespace {

// "<Model id>: <message>", without naming the entity twice.
std::string Problem(const std::string& who, const Status& st) {
  const std::string prefix = who + ": ";
  return st.message().rfind(prefix, 0) == 0 ? st.message() : prefix + st.ToString();
}

}  // namespace

Status ModelStore::RepairOplog(const EntityIds& ids, RepairReport* report, bool* consistent) {
  Status st;
  for (int attempt = 0; attempt < 4; ++attempt) {
    if (attempt > 0) Backoff(attempt - 1);
    Result<OplogState> state = VerifyOplog(ids);
    st = state.status();
    if (state.ok() && *state == OplogState::kPending) {
      // RollForward checks the head it applies again: it may have moved on.
      auto key = KeyOf(ids);
      if (!key.ok()) {
        st = key.status();
        break;
      }
      auto live = Read(*key);
      auto head = live.ok() ? ReadOplogHead(ids) : Result<OplogHead>(live.status());
      st = head.ok() ? RollForward(ids, *head, *live, &report->actions) : head.status();
    }
    if (!st.IsAborted()) break;
  }
  *consistent = st.ok();
  if (!st.ok()) report->problems.push_back(Problem(Describe(ids), st));
  return Status::OK();
}

Result<RepairReport> ModelStore::Repair() {
  RepairReport report;
  const schema::SystemFolders tmpl = project_->resolver().SystemFolderTemplates(*model_);
  std::set<std::string> reported;  // JoinIds of entities whose oplog pass failed
  if (model_->oplog) {
    RETURN_NOT_OK(ScanSystemFolders(tmpl.oplog, [&](const EntityIds& ids) -> Status {
      ++report.entities_checked;
      bool consistent = true;
      RETURN_NOT_OK(RepairOplog(ids, &report, &consistent));
      if (!consistent) reported.insert(JoinIds(ids));
      return Status::OK();
    }));
  }
  if (model_->soft_delete || !tmpl.trash.empty()) {
    RETURN_NOT_OK(ScanSystemFolders(tmpl.trash, [&](const EntityIds& ids) -> Status {
      if (!model_->oplog) ++report.entities_checked;
      if (reported.count(JoinIds(ids))) return Status::OK();
      Status st = RepairTrash(ids, &report.actions);
      if (!st.ok()) report.problems.push_back(Problem(Describe(ids), st));
      return Status::OK();
    }));
  }
  return report;
}

}  // namespace worm::engine

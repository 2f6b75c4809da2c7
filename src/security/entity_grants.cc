#include "security/entity_grants.h"

#include "worm/access.h"

namespace worm::security {

Result<std::string> EntityGrantsKey(const schema::Schema& schema, const schema::Model& model,
                                    const schema::EntityIds& ids) {
  schema::StorageResolver resolver(schema);
  ASSIGN_OR_RETURN(schema::SystemFolders folders, resolver.SystemFoldersFor(model, ids));
  // The oplog folder with its ".oplog" segment renamed, as a file.
  std::string key = folders.oplog;
  size_t at = key.compare(0, 7, ".oplog/") == 0 ? 0 : key.find("/.oplog/");
  if (at == std::string::npos) return Status::Internal("no oplog segment in " + key);
  if (at != 0) ++at;
  key.replace(at, 6, ".worm.acl");
  if (!key.empty() && key.back() == '/') key.pop_back();
  return key + ".json";
}

Status ValidateEntityGrants(const Json& doc) {
  if (!doc.is_object())
    return Status::InvalidArgument("grants: expected an object {\"grants\": [...]}");
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    if (it.key() != "grants") {
      return Status::InvalidArgument("grants: unknown member '" + it.key() + "'");
    }
  }
  auto g = doc.find("grants");
  if (g == doc.end() || !g->is_array()) {
    return Status::InvalidArgument("grants: \"grants\" must be an array");
  }
  for (size_t i = 0; i < g->size(); ++i) {
    const Json& e = (*g)[i];
    std::string at = "grants[" + std::to_string(i) + "]";
    if (!e.is_object()) return Status::InvalidArgument(at + ": expected an object");
    bool subject = false;
    for (auto m = e.begin(); m != e.end(); ++m) {
      const std::string& k = m.key();
      if (k != "principals" && k != "roles" && k != "actions" && k != "description") {
        return Status::InvalidArgument(at + ": unknown member '" + k + "'");
      }
      if (k == "description") {
        if (!m->is_string()) return Status::InvalidArgument(at + ".description: expected a string");
        continue;
      }
      if (!m->is_array()) return Status::InvalidArgument(at + "." + k + ": expected an array");
      for (size_t j = 0; j < m->size(); ++j) {
        const Json& v = (*m)[j];
        std::string vat = at + "." + k + "[" + std::to_string(j) + "]";
        if (!v.is_string() || v.get_ref<const std::string&>().empty()) {
          return Status::InvalidArgument(vat + ": expected a non-empty string");
        }
        if (k == "actions" && v != "*" && !ParseAction(v.get<std::string>())) {
          return Status::InvalidArgument(vat + ": unknown action '" + v.get<std::string>() + "'");
        }
      }
      if (k != "actions") subject = subject || !m->empty();
    }
    if (!e.contains("actions") || e["actions"].empty()) {
      return Status::InvalidArgument(at + ": \"actions\" is required");
    }
    if (!subject) return Status::InvalidArgument(at + ": name \"principals\" or \"roles\"");
  }
  return Status::OK();
}

}  // namespace worm::security

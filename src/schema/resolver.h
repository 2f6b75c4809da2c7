// StorageResolver: maps models and ids to bucket keys, following the Path DSL
// seed (001) and DESIGN.md's bucket layout. Pure: no I/O.
//
// Thread-safety: immutable after construction; safe to share.
#pragma once

#include <string>
#include <vector>

#include "schema/schema.h"

namespace worm::schema {

// The ids of one entity, one per dynamic segment, in path order. A singleton
// has none; a nested collection has several (deptId, teamId).
using EntityIds = std::vector<std::string>;

struct SystemFolders {
  std::string oplog;      // ".oplog/org/customers/abc-123/" (layout root)
  std::string snapshots;  // ".snapshots/org/customers/abc-123/"
  std::string trash;      // ".worm.trash/org/customers/abc-123/"
};

class StorageResolver {
 public:
  explicit StorageResolver(const Schema& schema) : schema_(&schema) {}

  // Symbols stripped, up to (not including) the first dynamic segment, no
  // trailing slash: "org/customers".
  std::string BasePath(const Model& model) const;
  // BasePath + "/": the prefix to list a collection ("org/customers/").
  std::string CollectionPrefix(const Model& model) const;
  // "org/customers/{id}/profile.json": dynamic segments as {name}.
  std::string KeyTemplate(const Model& model) const;

  // The key of one entity. InvalidArgument when the number of ids is wrong or
  // an id is unsafe or does not match its dynamic type (names model and id).
  Result<std::string> EntityKey(const Model& model, const EntityIds& ids) const;
  // The entity folder without the file: "org/customers/abc-123" (singleton:
  // the base path).
  Result<std::string> EntityPath(const Model& model, const EntityIds& ids) const;

  // Where oplog, snapshots and trash live for one entity, per the layout.
  Result<SystemFolders> SystemFoldersFor(const Model& model, const EntityIds& ids) const;
  // The same with placeholders ("{id}") instead of ids, for `worm paths`.
  SystemFolders SystemFolderTemplates(const Model& model) const;

  // Reverse mapping: if `key` is an entity document of `model`, its ids.
  // NotFound otherwise (a system entry, another model's key, a bad id).
  Result<EntityIds> ParseEntityKey(const Model& model, std::string_view key) const;
  // Which model (if any) owns `key`, and the ids. NotFound when none does.
  Result<std::pair<const Model*, EntityIds>> Classify(std::string_view key) const;

  const Schema& schema() const { return *schema_; }

 private:
  const Schema* schema_;
};

}  // namespace worm::schema

// StorageResolver: maps models and ids to bucket keys, following the Path DSL
// seed (001) and docs/bucket-layout.md. Pure: no I/O.
//
// Thread-safety: immutable after construction; safe to share.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/layout.h"
#include "schema/schema.h"

namespace worm::schema {

// The bucket sentinel key, at the bucket root (core/layout.h).
inline constexpr std::string_view kBucketSentinelKey = layout::kSentinelName;

// The ids of one entity, one per dynamic segment, in path order. A singleton
// has none; a nested collection has several (deptId, teamId).
using EntityIds = std::vector<std::string>;

// Where an entity's system folders live, per storage layout (seed 001's
// table, docs/bucket-layout.md). <entity> is EntityPath ("org/customers/abc-123").
//   root (default): .oplog/<entity>/        .snapshots/<entity>/   .worm.trash/<entity>/
//   collection:     <folder>/.oplog/<rest>/ (same for .snapshots, .worm.trash)
//   inline:         <entity>/.oplog/        <entity>/.snapshots/   <entity>/.worm.trash/
// For "collection", <folder> is the collection folder that directly holds the
// entity: the entity path up to its last dynamic segment, and <rest> is from
// that segment on. For one level this is the base path ("org/customers" +
// "abc-123", as the seed shows). For nested collections it is the innermost
// collection: org/departments/d1/teams/.oplog/t1/, so a department's folder
// holds its teams' history too. A singleton has no id: its "collection" and
// "inline" folders are both <base>/.oplog/ (org/settings/.oplog/); "root" is
// .oplog/<base>/.
struct SystemFolders {
  std::string oplog;      // ".oplog/org/customers/abc-123/" (layout root)
  std::string snapshots;  // ".snapshots/org/customers/abc-123/"
  std::string trash;      // ".worm.trash/org/customers/abc-123/"
};

// Entity keys of one model to ids, with the model's segments and id types
// looked up once: what a listing needs, parsing every key of a page.
// StorageResolver::ParseEntityKey is the same parse made for one key.
class EntityKeyParser {
 public:
  EntityKeyParser(const Schema& schema, const Model& model);
  // The ids of `key` when it is an entity document of the model (not a
  // system entry, every id a safe segment of its dynamic type).
  bool Parse(std::string_view key, EntityIds* ids) const;

 private:
  struct Part {
    std::string literal;                // a fixed segment or the file name
    const DynamicType* type = nullptr;  // its type, for a dynamic segment
    bool dynamic = false;
  };
  std::vector<Part> parts_;
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

  // The names of the model's dynamic segments, in order ({"deptId", "teamId"}).
  static std::vector<std::string> IdNames(const Model& model);
  // Orders named ids ({"teamId": "t1", "deptId": "d1"}) as EntityIds.
  // InvalidArgument naming a missing or unknown id name.
  static Result<EntityIds> IdsFromNamed(const Model& model,
                                        const std::map<std::string, std::string>& named);

  // The collection sentinel written by the engine and push: CollectionPrefix + ".worm"
  // ("org/customers/.worm"; singleton "org/settings/.worm").
  std::string SentinelKey(const Model& model) const;

  const Schema& schema() const { return *schema_; }

 private:
  const Schema* schema_;
};

}  // namespace worm::schema

#include "server/schema_access.h"

#include "core/json_util.h"
#include "core/strings.h"
#include "security/entity_grants.h"
#include "server/s3_errors.h"

namespace worm::server {
namespace {

// A stored document larger than this is not parsed for a row-level decision
// (the request is refused): a rule never makes the server buffer a huge body.
constexpr uint64_t kMaxRuleDocumentBytes = 16u << 20;

bool IsSystemKey(std::string_view key) {
  for (std::string_view seg : SplitNonEmpty(key, '/'))
    if (!seg.empty() && seg.front() == '.') return true;
  return false;
}

Status Refuse(const Principal& p, Action action, std::string_view what, std::string_view why) {
  std::string who = p.anonymous() ? "anonymous" : "'" + p.id + "'";
  return S3Error(S3Code::kAccessDenied, "Access Denied: " + who + " may not " +
                                            std::string(ActionName(action)) + " " +
                                            std::string(what) + ": " + std::string(why));
}

// What the schema rules call the S3 action, and whether it writes.
Action RuleActionOf(S3Action action, bool exists) {
  switch (action) {
    case S3Action::kGetObject:
    case S3Action::kGetObjectVersion:
    case S3Action::kGetObjectTagging:
      return Action::kRead;
    case S3Action::kPutObject:
    case S3Action::kAbortMultipartUpload:
    case S3Action::kListMultipartUploadParts:
    case S3Action::kPutObjectTagging:
      return exists ? Action::kUpdate : Action::kCreate;
    case S3Action::kDeleteObject:
    case S3Action::kDeleteObjectVersion:
      return Action::kDelete;
    case S3Action::kListBucket:
    case S3Action::kListBucketVersions:
    case S3Action::kListBucketMultipartUploads:
      return Action::kList;
    default:
      return Action::kAdmin;  // ACLs, policies, bucket settings
  }
}

// The stored JSON at `key`, or null (absent, too big, not JSON).
std::optional<Json> ReadJson(Transport* objects, const std::string& key) {
  Result<ObjectMeta> meta = objects->Head(key, {});
  if (!meta.ok() || meta->size > kMaxRuleDocumentBytes) return std::nullopt;
  Result<Object> got = objects->Get(key, {});
  if (!got.ok()) return std::nullopt;
  Result<Json> doc = ParseJson(got->data);
  if (!doc.ok()) return std::nullopt;
  return std::move(*doc);
}

}  // namespace

std::string_view BearerToken(std::string_view authorization) {
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size() ||
      !EqualsIgnoreCase(authorization.substr(0, kScheme.size()), kScheme)) {
    return {};
  }
  return Trim(authorization.substr(kScheme.size()));
}

SchemaAccess::SchemaAccess(SchemaAccessOptions options) : options_(std::move(options)) {
  if (!options_.schema) return;
  for (const schema::Model& m : options_.schema->models)
    parsers_.emplace_back(&m, schema::EntityKeyParser(*options_.schema, m));
}

Principal SchemaAccess::PrincipalOf(const std::string& identity) const {
  Principal p;
  p.id = identity;
  auto it = options_.roles.find(identity);
  if (it != options_.roles.end()) p.roles = it->second;
  return p;
}

SchemaAccess::Target SchemaAccess::Locate(const std::string& key) const {
  Target t;
  for (const auto& [model, parser] : parsers_) {
    if (parser.Parse(key, &t.ids)) {
      t.model = model;
      return t;
    }
  }
  t.ids.clear();
  return t;
}

const schema::Model* SchemaAccess::ModelOfPrefix(const std::string& prefix) const {
  if (!options_.schema) return nullptr;
  schema::StorageResolver resolver(*options_.schema);
  const schema::Model* best = nullptr;
  size_t best_len = 0;
  for (const schema::Model& m : options_.schema->models) {
    std::string collection = resolver.CollectionPrefix(m);
    // The listing stays inside the collection: its prefix starts with the
    // collection's (a longer collection prefix is the more specific model).
    if (prefix.size() >= collection.size() &&
        prefix.compare(0, collection.size(), collection) == 0 && collection.size() > best_len) {
      best = &m;
      best_len = collection.size();
    }
  }
  return best;
}

Status SchemaAccess::Check(const Principal& principal, S3Action action, const std::string& key,
                           const std::string& list_prefix, Transport* objects) const {
  const AccessPolicy& policy = *options_.policy;
  AccessRequest req;
  req.principal = &principal;

  if (!IsObjectAction(action)) {
    req.action = RuleActionOf(action, false);
    const schema::Model* model = req.action == Action::kList ? ModelOfPrefix(list_prefix) : nullptr;
    if (model != nullptr) req.resource.model = model->name;
    req.resource.key = list_prefix;
    Decision d = policy.Decide(req);
    std::string what = model != nullptr ? model->name : "the bucket";
    if (d.effect == Decision::Effect::kNeedsDocument) {
      return Refuse(principal, req.action, what,
                    "row-level rules decide entity by entity; list it through the engine "
                    "(worm ls, worm query) so that invisible entities stay hidden");
    }
    if (!d.allowed()) return Refuse(principal, req.action, what, d.reason);
    return Status::OK();
  }

  if (IsSystemKey(key)) {
    req.action = Action::kAdmin;
    req.resource.key = key;
    Decision d = policy.Decide(req);
    if (!d.allowed()) return Refuse(principal, Action::kAdmin, "system entry " + key, d.reason);
    return Status::OK();
  }

  Target target = Locate(key);
  std::optional<Json> stored;
  bool exists = true;
  const bool writes = RuleActionOf(action, true) == Action::kUpdate;
  if (writes) {
    Result<ObjectMeta> meta = objects->Head(key, {});
    exists = meta.ok();
  }
  req.action = RuleActionOf(action, exists);
  req.resource.key = key;
  std::string what = "key " + key;
  if (target.model != nullptr) {
    req.resource.model = target.model->name;
    req.resource.ids = target.ids;
    what = target.model->name + (target.ids.empty() ? "" : " " + Join(target.ids, "/"));
    FieldAccess fields = policy.Fields(principal, target.model->name);
    if (req.action == Action::kRead && !fields.hidden.empty()) {
      return Refuse(principal, req.action, what,
                    "fields of " + target.model->name +
                        " are hidden from this caller, and S3 reads return whole objects; read "
                        "it through the engine (worm get) or the gateway");
    }
    if ((req.action == Action::kCreate || req.action == Action::kUpdate) &&
        !fields.read_only.empty()) {
      return Refuse(principal, req.action, what,
                    "fields of " + target.model->name +
                        " are read-only for this caller, which an S3 write cannot check; write "
                        "it through the engine (worm update)");
    }
  }
  Decision d = policy.Decide(req);
  if (d.effect == Decision::Effect::kNeedsDocument) {
    if (req.action == Action::kCreate || req.action == Action::kUpdate) {
      return Refuse(principal, req.action, what,
                    "a row-level rule decides on the new document, which is not known before "
                    "the body arrives; write it through the engine (worm create, worm update)");
    }
    stored = ReadJson(objects, key);
    if (!stored) return Refuse(principal, req.action, what, "its document cannot be checked");
    std::optional<Json> grants;
    if (target.model != nullptr && policy.UsesEntityGrants(target.model->name)) {
      Result<std::string> gkey =
          security::EntityGrantsKey(*options_.schema, *target.model, target.ids);
      if (gkey.ok()) grants = ReadJson(objects, *gkey);
    }
    req.document = &*stored;
    req.entity_grants = grants ? &*grants : nullptr;
    d = policy.Decide(req);
  }
  if (!d.allowed()) return Refuse(principal, req.action, what, d.reason);
  return Status::OK();
}

}  // namespace worm::server

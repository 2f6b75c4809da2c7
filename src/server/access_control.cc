#include "server/access_control.h"

#include <strings.h>

#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include "core/strings.h"
#include "core/utf8.h"
#include "server/handlers.h"
#include "server/s3_errors.h"
#include "server/s3_xml.h"

namespace worm::server {

namespace {

using nlohmann::json;

constexpr std::string_view kAllUsersUri = "http://acs.amazonaws.com/groups/global/AllUsers";
constexpr std::string_view kAuthUsersUri =
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";
constexpr std::string_view kBucketFile = "bucket.json";

constexpr std::string_view kPermissionNames[] = {"READ", "WRITE", "READ_ACP", "WRITE_ACP",
                                                 "FULL_CONTROL"};

std::optional<AclPermission> ParsePermission(std::string_view s) {
  for (size_t i = 0; i < std::size(kPermissionNames); ++i) {
    if (s == kPermissionNames[i]) return static_cast<AclPermission>(i);
  }
  return std::nullopt;
}

Status MalformedAcl(std::string why) {
  return S3Error(S3Code::kMalformedACLError,
                 "The XML you provided was not well-formed or did not validate against our "
                 "published schema: " +
                     why);
}

Status Denied(std::string_view why = {}) {
  std::string message = "Access Denied";
  if (!why.empty()) message += ": " + std::string(why);
  return S3Error(S3Code::kAccessDenied, std::move(message));
}

Status AclsDisabled() {
  return S3Error(S3Code::kAccessControlListNotSupported, "The bucket does not allow ACLs");
}

Status MalformedXml(std::string why) {
  return S3Error(S3Code::kMalformedXML,
                 "The XML you provided was not well-formed or did not validate against our "
                 "published schema: " +
                     why);
}

Result<pugi::xml_node> Root(pugi::xml_document* doc, std::string_view xml, std::string_view name,
                            bool acl) {
  auto bad = [acl](std::string why) { return acl ? MalformedAcl(why) : MalformedXml(why); };
  if (!IsValidUtf8(xml)) return bad("the document is not valid UTF-8");
  pugi::xml_parse_result r =
      doc->load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!r) return bad(r.description());
  pugi::xml_node node = doc->document_element();
  if (std::string_view(node.name()) != name) return bad("expected <" + std::string(name) + ">");
  return node;
}

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

}  // namespace

std::string_view AclPermissionName(AclPermission p) {
  return kPermissionNames[static_cast<int>(p)];
}

bool Acl::IsPublic() const {
  for (const AclGrant& g : grants) {
    if (g.is_public()) return true;
  }
  return false;
}

bool Acl::Grants(std::string_view principal, AclPermission p, bool ignore_public) const {
  for (const AclGrant& g : grants) {
    if (g.permission != p && g.permission != AclPermission::kFullControl) continue;
    switch (g.grantee) {
      case AclGrant::Grantee::kUser:
        if (!principal.empty() && g.id == principal) return true;
        break;
      case AclGrant::Grantee::kAllUsers:
        if (!ignore_public) return true;
        break;
      case AclGrant::Grantee::kAuthenticatedUsers:
        if (!ignore_public && !principal.empty()) return true;
        break;
    }
  }
  return false;
}

Result<Acl> CannedAcl(std::string_view name, const std::string& owner,
                      const std::string& bucket_owner) {
  using G = AclGrant::Grantee;
  Acl acl;
  acl.owner = owner;
  acl.grants.push_back({G::kUser, owner, AclPermission::kFullControl});
  if (name == "private") {
  } else if (name == "public-read") {
    acl.grants.push_back({G::kAllUsers, "", AclPermission::kRead});
  } else if (name == "public-read-write") {
    acl.grants.push_back({G::kAllUsers, "", AclPermission::kRead});
    acl.grants.push_back({G::kAllUsers, "", AclPermission::kWrite});
  } else if (name == "authenticated-read") {
    acl.grants.push_back({G::kAuthenticatedUsers, "", AclPermission::kRead});
  } else if (name == "bucket-owner-read") {
    if (bucket_owner != owner) acl.grants.push_back({G::kUser, bucket_owner, AclPermission::kRead});
  } else if (name == "bucket-owner-full-control") {
    if (bucket_owner != owner) {
      acl.grants.push_back({G::kUser, bucket_owner, AclPermission::kFullControl});
    }
  } else {
    return S3Error(S3Code::kInvalidArgument,
                   "Invalid canned ACL '" + std::string(name) +
                       "' (private, public-read, public-read-write, authenticated-read, "
                       "bucket-owner-read, bucket-owner-full-control)");
  }
  return acl;
}

namespace {

constexpr std::pair<std::string_view, AclPermission> kGrantHeaders[] = {
    {"x-amz-grant-read", AclPermission::kRead},
    {"x-amz-grant-write", AclPermission::kWrite},
    {"x-amz-grant-read-acp", AclPermission::kReadAcp},
    {"x-amz-grant-write-acp", AclPermission::kWriteAcp},
    {"x-amz-grant-full-control", AclPermission::kFullControl},
};

// id="bob", uri="http://acs.amazonaws.com/groups/global/AllUsers", ...
Status ParseGrantList(std::string_view value, AclPermission p, Acl* acl) {
  size_t pos = 0;
  while (pos <= value.size()) {
    size_t comma = value.find(',', pos);
    if (comma == std::string_view::npos) comma = value.size();
    std::string item = Trim(value.substr(pos, comma - pos));
    pos = comma + 1;
    if (item.empty()) {
      if (comma == value.size()) break;
      continue;
    }
    size_t eq = item.find('=');
    if (eq == std::string::npos) return MalformedAcl("a grant must be type=\"value\": " + item);
    std::string type = AsciiLower(Trim(std::string_view(item).substr(0, eq)));
    std::string v = Trim(std::string_view(item).substr(eq + 1));
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    if (v.empty()) return MalformedAcl("a grant names no grantee: " + item);
    AclGrant g;
    g.permission = p;
    if (type == "id") {
      for (char c : v) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          return MalformedAcl("a grantee id holds a control character");
        }
      }
      g.id = v;
    } else if (type == "uri") {
      if (v == kAllUsersUri) {
        g.grantee = AclGrant::Grantee::kAllUsers;
      } else if (v == kAuthUsersUri) {
        g.grantee = AclGrant::Grantee::kAuthenticatedUsers;
      } else {
        return MalformedAcl("unknown group URI: " + v);
      }
    } else if (type == "emailaddress") {
      return MalformedAcl("grants by email address are not supported: use id=\"<identity>\"");
    } else {
      return MalformedAcl("unknown grantee type '" + type + "' (id, uri)");
    }
    acl->grants.push_back(std::move(g));
    if (comma == value.size()) break;
  }
  return Status::OK();
}

}  // namespace

Result<std::optional<Acl>> AclFromHeaders(const RequestContext& ctx, const std::string& owner,
                                          const std::string& bucket_owner) {
  const bool canned = ctx.http.HasHeader("x-amz-acl");
  bool grants = false;
  for (const auto& [h, p] : kGrantHeaders) grants = grants || ctx.http.HasHeader(h);
  if (!canned && !grants) return std::optional<Acl>();
  if (canned && grants) {
    return S3Error(S3Code::kInvalidRequest,
                   "Specifying both Canned ACLs and Header Grants is not allowed");
  }
  if (canned) {
    ASSIGN_OR_RETURN(Acl acl, CannedAcl(Trim(ctx.H("x-amz-acl")), owner, bucket_owner));
    return std::optional<Acl>(std::move(acl));
  }
  Acl acl;
  acl.owner = owner;
  for (const auto& [h, p] : kGrantHeaders) {
    for (const auto& [name, value] : ctx.http.headers) {
      if (name == h) RETURN_NOT_OK(ParseGrantList(value, p, &acl));
    }
  }
  return std::optional<Acl>(std::move(acl));
}

Result<Acl> ParseAccessControlPolicy(std::string_view xml, const std::string& owner) {
  pugi::xml_document doc;
  ASSIGN_OR_RETURN(pugi::xml_node root, Root(&doc, xml, "AccessControlPolicy", true));
  Acl acl;
  acl.owner = owner;
  pugi::xml_node list = root.child("AccessControlList");
  if (!list) return MalformedAcl("no <AccessControlList>");
  for (pugi::xml_node g : list.children()) {
    if (std::string_view(g.name()) != "Grant") {
      return MalformedAcl("unexpected <" + std::string(g.name()) + "> in <AccessControlList>");
    }
    pugi::xml_node grantee = g.child("Grantee");
    if (!grantee) return MalformedAcl("a <Grant> without <Grantee>");
    std::string type;
    for (pugi::xml_attribute a : grantee.attributes()) {
      std::string_view n = a.name();
      if (n == "type" || (n.size() > 5 && n.substr(n.size() - 5) == ":type")) type = a.value();
    }
    std::optional<AclPermission> p = ParsePermission(g.child("Permission").text().as_string());
    if (!p) {
      return MalformedAcl("<Permission> must be READ, WRITE, READ_ACP, WRITE_ACP or FULL_CONTROL");
    }
    AclGrant out;
    out.permission = *p;
    if (type == "CanonicalUser") {
      out.id = Trim(grantee.child("ID").text().as_string());
      if (out.id.empty()) return MalformedAcl("a CanonicalUser grantee without <ID>");
      for (char c : out.id) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          return MalformedAcl("a grantee <ID> holds a control character");
        }
      }
    } else if (type == "Group") {
      std::string_view uri = grantee.child("URI").text().as_string();
      if (uri == kAllUsersUri) {
        out.grantee = AclGrant::Grantee::kAllUsers;
      } else if (uri == kAuthUsersUri) {
        out.grantee = AclGrant::Grantee::kAuthenticatedUsers;
      } else {
        return MalformedAcl("unknown group URI '" + std::string(uri) + "'");
      }
    } else if (type == "AmazonCustomerByEmail") {
      return MalformedAcl("grants by email address are not supported: use a CanonicalUser <ID>");
    } else {
      return MalformedAcl("a <Grantee> needs xsi:type CanonicalUser or Group");
    }
    acl.grants.push_back(std::move(out));
  }
  if (acl.grants.size() > 100) return MalformedAcl("more than 100 grants");
  return acl;
}

std::string AccessControlPolicyXml(const Acl& acl) {
  XmlWriter x;
  x.Open("AccessControlPolicy", true);
  x.Open("Owner");
  x.Leaf("ID", acl.owner);
  x.Leaf("DisplayName", acl.owner);
  x.Close("Owner");
  x.Open("AccessControlList");
  for (const AclGrant& g : acl.grants) {
    x.Open("Grant");
    if (g.grantee == AclGrant::Grantee::kUser) {
      x.Raw(
          "<Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
          "xsi:type=\"CanonicalUser\">");
      x.Leaf("ID", g.id);
      x.Leaf("DisplayName", g.id);
    } else {
      x.Raw(
          "<Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
          "xsi:type=\"Group\">");
      x.Leaf("URI", g.grantee == AclGrant::Grantee::kAllUsers ? kAllUsersUri : kAuthUsersUri);
    }
    x.Close("Grantee");
    x.Leaf("Permission", AclPermissionName(g.permission));
    x.Close("Grant");
  }
  x.Close("AccessControlList");
  x.Close("AccessControlPolicy");
  return x.Finish();
}

namespace {

json GrantsJson(const Acl& acl) {
  json grants = json::array();
  for (const AclGrant& g : acl.grants) {
    json j;
    if (g.grantee == AclGrant::Grantee::kUser) {
      j["id"] = g.id;
    } else {
      j["group"] = g.grantee == AclGrant::Grantee::kAllUsers ? "AllUsers" : "AuthenticatedUsers";
    }
    j["permission"] = AclPermissionName(g.permission);
    grants.push_back(std::move(j));
  }
  return grants;
}

Status GrantsFromJson(const json& j, Acl* acl) {
  if (!j.is_array()) return Status::InvalidArgument("grants must be a list");
  for (const json& e : j) {
    if (!e.is_object()) return Status::InvalidArgument("a grant must be an object");
    AclGrant g;
    std::optional<AclPermission> p = ParsePermission(e.value("permission", std::string()));
    if (!p) return Status::InvalidArgument("a grant has no valid permission");
    g.permission = *p;
    if (e.contains("id") && e["id"].is_string()) {
      g.id = e["id"].get<std::string>();
    } else if (e.value("group", std::string()) == "AllUsers") {
      g.grantee = AclGrant::Grantee::kAllUsers;
    } else if (e.value("group", std::string()) == "AuthenticatedUsers") {
      g.grantee = AclGrant::Grantee::kAuthenticatedUsers;
    } else {
      return Status::InvalidArgument("a grant names no grantee");
    }
    acl->grants.push_back(std::move(g));
  }
  return Status::OK();
}

}  // namespace

std::string AclGrantsJson(const Acl& acl, bool with_owner) {
  json j;
  if (with_owner) j["owner"] = acl.owner;
  j["grants"] = GrantsJson(acl);
  return j.dump();
}

Result<Acl> AclFromJson(std::string_view text) {
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("owner") || !j["owner"].is_string()) {
    return Status::InvalidArgument("object ACL record is not {\"owner\", \"grants\"}");
  }
  Acl acl;
  acl.owner = j["owner"].get<std::string>();
  RETURN_NOT_OK(GrantsFromJson(j.value("grants", json::array()), &acl));
  return acl;
}

std::string_view ObjectOwnershipName(ObjectOwnership o) {
  switch (o) {
    case ObjectOwnership::kObjectWriter:
      return "ObjectWriter";
    case ObjectOwnership::kBucketOwnerPreferred:
      return "BucketOwnerPreferred";
    case ObjectOwnership::kBucketOwnerEnforced:
      return "BucketOwnerEnforced";
  }
  return "ObjectWriter";
}

namespace {

std::optional<ObjectOwnership> ParseOwnershipName(std::string_view s) {
  for (ObjectOwnership o : {ObjectOwnership::kObjectWriter, ObjectOwnership::kBucketOwnerPreferred,
                            ObjectOwnership::kBucketOwnerEnforced}) {
    if (s == ObjectOwnershipName(o)) return o;
  }
  return std::nullopt;
}

constexpr std::string_view kBpaNames[] = {"BlockPublicAcls", "IgnorePublicAcls",
                                          "BlockPublicPolicy", "RestrictPublicBuckets"};

bool* BpaField(PublicAccessBlock* b, size_t i) {
  bool* fields[] = {&b->block_public_acls, &b->ignore_public_acls, &b->block_public_policy,
                    &b->restrict_public_buckets};
  return fields[i];
}

}  // namespace

Result<PublicAccessBlock> ParsePublicAccessBlock(std::string_view xml) {
  pugi::xml_document doc;
  ASSIGN_OR_RETURN(pugi::xml_node root, Root(&doc, xml, "PublicAccessBlockConfiguration", false));
  PublicAccessBlock b;
  for (pugi::xml_node n : root.children()) {
    if (n.type() != pugi::node_element) continue;
    size_t i = 0;
    while (i < std::size(kBpaNames) && kBpaNames[i] != n.name()) ++i;
    if (i == std::size(kBpaNames)) return MalformedXml("unknown <" + std::string(n.name()) + ">");
    std::string v = n.text().as_string();
    if (v != "true" && v != "false" && v != "TRUE" && v != "FALSE") {
      return MalformedXml("<" + std::string(n.name()) + "> must be true or false");
    }
    *BpaField(&b, i) = v == "true" || v == "TRUE";
  }
  return b;
}

Result<ObjectOwnership> ParseOwnershipControls(std::string_view xml) {
  pugi::xml_document doc;
  ASSIGN_OR_RETURN(pugi::xml_node root, Root(&doc, xml, "OwnershipControls", false));
  pugi::xml_node rule = root.child("Rule");
  if (!rule || rule.next_sibling("Rule")) return MalformedXml("exactly one <Rule> is required");
  std::optional<ObjectOwnership> o =
      ParseOwnershipName(rule.child("ObjectOwnership").text().as_string());
  if (!o) {
    return MalformedXml(
        "<ObjectOwnership> must be BucketOwnerEnforced, BucketOwnerPreferred or ObjectWriter");
  }
  return *o;
}

std::string BucketAccessJson(const BucketAccessState& s) {
  json j;
  j["version"] = 1;
  j["owner"] = s.owner;
  j["acl"] = GrantsJson(s.acl);
  if (s.policy) j["policy"] = s.policy->text();
  if (s.public_access_block) {
    json b;
    PublicAccessBlock copy = *s.public_access_block;
    for (size_t i = 0; i < std::size(kBpaNames); ++i) b[kBpaNames[i]] = *BpaField(&copy, i);
    j["publicAccessBlock"] = std::move(b);
  }
  if (s.ownership) j["ownership"] = ObjectOwnershipName(*s.ownership);
  return j.dump(2) + "\n";
}

Result<BucketAccessState> ParseBucketAccess(std::string_view text, std::string_view bucket) {
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  auto bad = [&](std::string why) {
    return Status::Internal("bucket '" + std::string(bucket) + "': access record " +
                            std::string(kBucketFile) + ": " + why);
  };
  if (j.is_discarded() || !j.is_object()) return bad("not a JSON object");
  BucketAccessState s;
  if (!j.contains("owner") || !j["owner"].is_string()) return bad("no owner");
  s.owner = j["owner"].get<std::string>();
  s.acl.owner = s.owner;
  if (Status st = GrantsFromJson(j.value("acl", json::array()), &s.acl); !st.ok()) {
    return bad(st.message());
  }
  if (j.contains("policy")) {
    if (!j["policy"].is_string()) return bad("policy is not a string");
    Result<std::shared_ptr<const CompiledPolicy>> p =
        CompileBucketPolicy(j["policy"].get<std::string>(), bucket);
    if (!p.ok()) return bad("policy: " + p.status().message());
    s.policy = *p;
  }
  if (j.contains("publicAccessBlock")) {
    const json& b = j["publicAccessBlock"];
    if (!b.is_object()) return bad("publicAccessBlock is not an object");
    PublicAccessBlock out;
    for (size_t i = 0; i < std::size(kBpaNames); ++i) {
      *BpaField(&out, i) = b.value(std::string(kBpaNames[i]), false);
    }
    s.public_access_block = out;
  }
  if (j.contains("ownership")) {
    std::optional<ObjectOwnership> o = ParseOwnershipName(j.value("ownership", std::string()));
    if (!o) return bad("unknown ownership");
    s.ownership = *o;
  }
  return s;
}

// ---- AccessControl ----------------------------------------------------------------

namespace {

// Condition keys of one request (bucket_policy.h), looked up on demand.
class RequestKeys : public ConditionKeys {
 public:
  RequestKeys(const RequestContext& ctx, std::string_view principal, bool root, Clock* clock)
      : ctx_(ctx), principal_(principal), root_(root), clock_(clock) {}

  bool Get(std::string_view key, std::vector<std::string>* out) const override {
    auto one = [out](std::string v) {
      out->push_back(std::move(v));
      return true;
    };
    if (key.substr(0, 4) == "aws:") {
      std::string_view k = key.substr(4);
      if (k == "sourceip") return !ctx_.http.remote_ip.empty() && one(ctx_.http.remote_ip);
      if (k == "securetransport") return one("false");  // worm serve speaks plain HTTP
      if (k == "username" || k == "userid") {
        return !principal_.empty() && one(std::string(principal_));
      }
      if (k == "principaltype") {
        return one(principal_.empty() ? "Anonymous" : root_ ? "Account" : "User");
      }
      if (k == "principalarn") {
        if (principal_.empty()) return false;
        return one(root_ ? "arn:aws:iam::000000000000:root"
                         : "arn:aws:iam::000000000000:user/" + std::string(principal_));
      }
      if (k == "currenttime") return one(IsoDate(clock_->NowMillis()));
      if (k == "epochtime") return one(std::to_string(clock_->NowMillis() / 1000));
      if (k == "useragent") return Header("user-agent", out);
      if (k == "referer") return Header("referer", out);
      return false;
    }
    if (key.substr(0, 3) == "s3:") {
      std::string_view k = key.substr(3);
      if (k == "prefix" || k == "delimiter" || k == "max-keys") {
        auto it = ctx_.query.find(std::string(k));
        return it != ctx_.query.end() && one(it->second);
      }
      if (k == "versionid") {
        auto it = ctx_.query.find("versionId");
        return it != ctx_.query.end() && one(it->second);
      }
      if (k == "signatureversion") return !principal_.empty() && one("AWS4-HMAC-SHA256");
      if (k == "authtype") {
        if (principal_.empty()) return false;
        return one(ctx_.http.HasHeader("authorization") ? "REST-HEADER" : "REST-QUERY-STRING");
      }
      if (k.substr(0, 6) == "x-amz-") return Header(k, out);
    }
    return false;
  }

 private:
  bool Header(std::string_view name, std::vector<std::string>* out) const {
    if (!ctx_.http.HasHeader(name)) return false;
    out->push_back(std::string(ctx_.http.Header(name)));
    return true;
  }

  const RequestContext& ctx_;
  std::string_view principal_;
  bool root_;
  Clock* clock_;
};

// The ACL permission that grants `action`, on the bucket's ACL (bucket
// true) or the object's; nullopt: no ACL grants it (only owners, policies).
std::optional<std::pair<AclPermission, bool>> AclPermissionFor(S3Action a) {
  using A = S3Action;
  switch (a) {
    case A::kListBucket:
    case A::kListBucketVersions:
    case A::kListBucketMultipartUploads:
      return std::pair{AclPermission::kRead, true};
    case A::kPutObject:
    case A::kDeleteObject:
    case A::kDeleteObjectVersion:
    case A::kAbortMultipartUpload:
    case A::kListMultipartUploadParts:
      return std::pair{AclPermission::kWrite, true};
    case A::kGetBucketAcl:
      return std::pair{AclPermission::kReadAcp, true};
    case A::kPutBucketAcl:
      return std::pair{AclPermission::kWriteAcp, true};
    case A::kGetObject:
    case A::kGetObjectVersion:
      return std::pair{AclPermission::kRead, false};
    case A::kGetObjectAcl:
      return std::pair{AclPermission::kReadAcp, false};
    case A::kPutObjectAcl:
      return std::pair{AclPermission::kWriteAcp, false};
    default:
      return std::nullopt;
  }
}

}  // namespace

AccessControl::AccessControl(BucketStore* store, Clock* clock, AccessOptions options)
    : store_(store), clock_(clock), options_(std::move(options)) {}

std::string_view AccessControl::Caller(const RequestContext& ctx) {
  return ctx.auth.anonymous ? std::string_view() : std::string_view(ctx.auth.principal);
}

Result<std::shared_ptr<const BucketAccessState>> AccessControl::State(Bucket& bucket) const {
  {
    std::lock_guard<std::mutex> lock(bucket.access_mu);
    if (bucket.access) return bucket.access;
  }
  auto state = std::make_shared<BucketAccessState>();
  Result<Object> got = bucket.system->Get(std::string(kBucketFile), {});
  if (got.ok()) {
    std::string_view text(got->data);
    ASSIGN_OR_RETURN(*state, ParseBucketAccess(text, bucket.name));
  } else if (got.status().IsNotFound()) {
    state->owner = options_.root_identity;  // a folder made by hand: the operator's
    state->acl.owner = state->owner;
  } else {
    return got.status();
  }
  if (state->acl.grants.empty()) {
    state->acl.grants.push_back(
        {AclGrant::Grantee::kUser, state->owner, AclPermission::kFullControl});
  }
  std::lock_guard<std::mutex> lock(bucket.access_mu);
  if (!bucket.access) bucket.access = std::move(state);
  return bucket.access;
}

Status AccessControl::Update(Bucket& bucket,
                             const std::function<Status(BucketAccessState*)>& edit) const {
  ASSIGN_OR_RETURN(std::shared_ptr<const BucketAccessState> current, State(bucket));
  // One writer per bucket at a time: the file and the cache change together.
  static std::mutex update_mu;
  std::lock_guard<std::mutex> serialize(update_mu);
  {
    std::lock_guard<std::mutex> lock(bucket.access_mu);
    current = bucket.access;
  }
  auto next = std::make_shared<BucketAccessState>(*current);
  RETURN_NOT_OK(edit(next.get()));
  next->acl.owner = next->owner;
  std::string text = BucketAccessJson(*next);
  ByteView data(text);
  Result<PutResult> put = bucket.system->Put(std::string(kBucketFile), data, {});
  if (!put.ok()) return put.status();
  std::lock_guard<std::mutex> lock(bucket.access_mu);
  bucket.access = std::move(next);
  return Status::OK();
}

Status AccessControl::Authorize(const RequestContext& ctx, S3Action action,
                                const std::string& bucket_name, const std::string& key) const {
  if (!options_.enabled) return Status::OK();
  // On the project bucket under an access section, the schema's rules are
  // the allow-list for every caller they apply to; the bucket policy's
  // explicit Deny still refuses first (deny wins across the two models).
  const std::string_view caller = Caller(ctx);
  const bool schema_decides = options_.schema != nullptr &&
                              options_.schema->applies_to(bucket_name) && !IsRoot(caller) &&
                              !(caller.empty() && options_.anonymous_all);
  RETURN_NOT_OK(AuthorizeS3(ctx, action, bucket_name, key, schema_decides));
  return AuthorizeSchema(ctx, action, bucket_name, key);
}

Status AccessControl::AuthorizeSchema(const RequestContext& ctx, S3Action action,
                                      const std::string& bucket_name,
                                      const std::string& key) const {
  const SchemaAccess* schema = options_.schema.get();
  const bool covered = schema != nullptr && schema->applies_to(bucket_name);
  if (ctx.auth.token) {
    // Tokens are scoped by the project's rules: nothing else has them.
    if (!covered) {
      return Denied(
          "bearer tokens are accepted for the project bucket only, under its schema's "
          "access rules");
    }
  } else {
    if (!covered) return Status::OK();
    const std::string_view caller = Caller(ctx);
    if (IsRoot(caller)) return Status::OK();
    if (caller.empty() && options_.anonymous_all) return Status::OK();
  }
  if (action == S3Action::kListAllMyBuckets || action == S3Action::kCreateBucket) {
    return Status::OK();  // no bucket's data: the S3 model decided
  }
  std::shared_ptr<Bucket> bucket = store_->Cached(bucket_name);
  if (!bucket) {
    Result<std::shared_ptr<Bucket>> got = store_->Get(bucket_name);
    if (!got.ok()) return Status::OK();  // the handler reports NoSuchBucket
    bucket = std::move(*got);
  }
  const Principal principal =
      ctx.auth.token ? *ctx.auth.token : schema->PrincipalOf(std::string(Caller(ctx)));
  return schema->Check(principal, action, key, ctx.Q("prefix"), bucket->objects.get());
}

Status AccessControl::AuthorizeS3(const RequestContext& ctx, S3Action action,
                                  const std::string& bucket_name, const std::string& key,
                                  bool only_explicit_deny) const {
  const std::string_view caller = Caller(ctx);
  const bool anonymous = caller.empty();
  if (action == S3Action::kListAllMyBuckets || action == S3Action::kCreateBucket) {
    if (anonymous && !options_.anonymous_all) return Denied();
    return Status::OK();
  }
  std::shared_ptr<Bucket> bucket = store_->Cached(bucket_name);
  if (!bucket) {
    Result<std::shared_ptr<Bucket>> got = store_->Get(bucket_name);
    if (!got.ok()) {
      // A missing bucket is the handler's to report (NoSuchBucket), but not
      // to a stranger (today's refusal of unsigned requests stays).
      if (anonymous && !options_.anonymous_all) return Denied();
      return Status::OK();
    }
    bucket = std::move(*got);
  }
  ASSIGN_OR_RETURN(std::shared_ptr<const BucketAccessState> state, State(*bucket));
  const bool root = IsRoot(caller);
  const bool owner = root || (!anonymous && caller == state->owner);
  const PublicAccessBlock bpa = state->bpa();
  PolicyDecision decision;
  if (state->policy) {
    std::string resource;
    resource.reserve(13 + bucket_name.size() + 1 + key.size());
    resource.append("arn:aws:s3:::").append(bucket_name);
    if (IsObjectAction(action)) resource.append("/").append(key);
    RequestKeys keys(ctx, caller, root, clock_);
    PolicyRequest request;
    request.action = action;
    request.resource = resource;
    request.principal = caller;
    request.keys = &keys;
    decision =
        state->policy->Evaluate(request, bpa.restrict_public_buckets && state->policy->is_public());
  }
  if (decision.effect == PolicyEffect::kDeny) {
    // The bucket owner may always manage the policy, so a Deny cannot lock
    // the bucket for good (as S3 lets the owning account's root user).
    const bool policy_admin = action == S3Action::kGetBucketPolicy ||
                              action == S3Action::kPutBucketPolicy ||
                              action == S3Action::kDeleteBucketPolicy;
    if (!(owner && policy_admin)) {
      std::string_view sid = state->policy->sid(decision.statement);
      return Denied(sid.empty() ? "explicitly denied by the bucket policy"
                                : "explicitly denied by the bucket policy (statement '" +
                                      std::string(sid) + "')");
    }
    return Status::OK();
  }
  if (only_explicit_deny) return Status::OK();
  if (owner) return Status::OK();
  if (anonymous && options_.anonymous_all) return Status::OK();
  if (decision.effect == PolicyEffect::kAllow) return Status::OK();
  if (state->effective_ownership() != ObjectOwnership::kBucketOwnerEnforced) {
    std::optional<std::pair<AclPermission, bool>> need = AclPermissionFor(action);
    if (need) {
      if (need->second) {
        if (state->acl.Grants(caller, need->first, bpa.ignore_public_acls)) return Status::OK();
      } else {
        Result<ObjectMeta> meta = bucket->objects->Head(key, {});
        if (meta.ok()) {
          Acl acl = ObjectAcl(*state, *meta);
          if (!caller.empty() && acl.owner == caller &&
              (need->first == AclPermission::kReadAcp || need->first == AclPermission::kWriteAcp)) {
            return Status::OK();  // an object's owner may always see and set its ACL
          }
          if (acl.Grants(caller, need->first, bpa.ignore_public_acls)) return Status::OK();
        }
      }
    }
  }
  return Denied();
}

Acl AccessControl::ObjectAcl(const BucketAccessState& state, const ObjectMeta& meta) const {
  if (state.effective_ownership() != ObjectOwnership::kBucketOwnerEnforced) {
    auto it = meta.user_metadata.find(std::string(kMetaAcl));
    if (it != meta.user_metadata.end()) {
      Result<Acl> acl = AclFromJson(it->second);
      if (acl.ok()) return std::move(*acl);
    }
  }
  Acl acl;
  acl.owner = state.owner;
  acl.grants.push_back({AclGrant::Grantee::kUser, state.owner, AclPermission::kFullControl});
  return acl;
}

Status AccessControl::CheckCreateBucket(const RequestContext& ctx) const {
  if (!options_.enabled) return Status::OK();
  std::string_view own = ctx.H("x-amz-object-ownership");
  if (!own.empty() && !ParseOwnershipName(own)) {
    return S3Error(S3Code::kInvalidArgument,
                   "Invalid x-amz-object-ownership header: '" + std::string(own) + "'");
  }
  const std::string caller(Caller(ctx).empty() ? options_.root_identity : Caller(ctx));
  ASSIGN_OR_RETURN(std::optional<Acl> acl, AclFromHeaders(ctx, caller, caller));
  if (own == "BucketOwnerEnforced" && acl && acl->grants.size() > 1) {
    return S3Error(S3Code::kInvalidBucketAclWithObjectOwnership,
                   "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced "
                   "setting");
  }
  return Status::OK();
}

Status AccessControl::RecordNewBucket(const RequestContext& ctx, Bucket& bucket) const {
  if (!options_.enabled) return Status::OK();
  const std::string caller(Caller(ctx).empty() ? options_.root_identity : Caller(ctx));
  ASSIGN_OR_RETURN(std::optional<Acl> acl, AclFromHeaders(ctx, caller, caller));
  std::string_view own = ctx.H("x-amz-object-ownership");
  return Update(bucket, [&](BucketAccessState* s) {
    s->owner = caller;
    s->acl = acl ? *acl : *CannedAcl("private", caller, caller);
    s->policy = nullptr;
    s->public_access_block.reset();
    s->ownership.reset();
    if (!own.empty()) s->ownership = ParseOwnershipName(own);
    return Status::OK();
  });
}

bool AccessControl::Lists(const RequestContext& ctx, Bucket& bucket) const {
  if (!options_.enabled) return true;
  const std::string_view caller = Caller(ctx);
  if (caller.empty()) return options_.anonymous_all;
  if (IsRoot(caller)) return true;
  Result<std::shared_ptr<const BucketAccessState>> state = State(bucket);
  return state.ok() && (*state)->owner == caller;
}

Status AccessControl::ApplyWriteAcl(const RequestContext& ctx, Bucket& bucket,
                                    WriteOptions* options) const {
  options->user_metadata.erase(std::string(kMetaAcl));
  if (!options_.enabled) return Status::OK();
  ASSIGN_OR_RETURN(std::shared_ptr<const BucketAccessState> state, State(bucket));
  std::string writer(Caller(ctx));
  if (writer.empty() || IsRoot(writer)) writer = state->owner;  // the operator writes as owner
  const ObjectOwnership ownership = state->effective_ownership();
  if (ownership == ObjectOwnership::kBucketOwnerEnforced) {
    bool grants = false;
    for (const auto& [h, p] : kGrantHeaders) grants = grants || ctx.http.HasHeader(h);
    if (grants || (ctx.http.HasHeader("x-amz-acl") &&
                   Trim(ctx.H("x-amz-acl")) != "bucket-owner-full-control")) {
      return AclsDisabled();
    }
    return Status::OK();  // every object is the bucket owner's
  }
  std::string owner = writer;
  if (ownership == ObjectOwnership::kBucketOwnerPreferred &&
      Trim(ctx.H("x-amz-acl")) == "bucket-owner-full-control") {
    owner = state->owner;
  }
  ASSIGN_OR_RETURN(std::optional<Acl> acl, AclFromHeaders(ctx, owner, state->owner));
  if (acl && acl->IsPublic() && state->bpa().block_public_acls) {
    return Denied("Block Public Access (BlockPublicAcls) refuses a public ACL on this bucket");
  }
  if (!acl) acl = *CannedAcl("private", owner, state->owner);
  const bool is_default = acl->owner == state->owner && acl->grants.size() == 1 &&
                          acl->grants[0].id == state->owner &&
                          acl->grants[0].permission == AclPermission::kFullControl;
  if (!is_default) options->user_metadata[std::string(kMetaAcl)] = AclGrantsJson(*acl, true);
  return Status::OK();
}

// ---- Fuzzing -------------------------------------------------------------------

Status FuzzS3Acl(const uint8_t* data, size_t size) {
  if (size == 0) return Status::OK();
  std::string_view all(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 4) {
    case 0: {
      ASSIGN_OR_RETURN(Acl acl, ParseAccessControlPolicy(all, "owner"));
      Result<Acl> again = ParseAccessControlPolicy(AccessControlPolicyXml(acl), "owner");
      if (!again.ok() || again->grants != acl.grants) {
        return Status::Internal("an AccessControlPolicy does not round-trip");
      }
      Result<Acl> stored = AclFromJson(AclGrantsJson(acl, true));
      if (!stored.ok() || stored->grants != acl.grants) {
        return Status::Internal("an ACL record does not round-trip");
      }
      return Status::OK();
    }
    case 1: {
      Acl acl;
      for (AclPermission p : {AclPermission::kRead, AclPermission::kFullControl}) {
        RETURN_NOT_OK(ParseGrantList(all, p, &acl));
      }
      return Status::OK();
    }
    case 2:
      return ParsePublicAccessBlock(all).status();
    default:
      if (Result<BucketAccessState> s = ParseBucketAccess(all, "fuzz"); s.ok()) {
        Result<BucketAccessState> again = ParseBucketAccess(BucketAccessJson(*s), "fuzz");
        if (!again.ok() || again->owner != s->owner || again->acl.grants != s->acl.grants) {
          return Status::Internal("a bucket access record does not round-trip");
        }
      }
      return ParseOwnershipControls(all).status();
  }
}

}  // namespace worm::server

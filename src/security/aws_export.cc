#include "security/aws_export.h"

#include <set>

#include "schema/resolver.h"
#include "security/access_internal.h"

namespace worm::security {

namespace {

using internal::CompiledPolicy;
using internal::Layer;
using internal::Rule;

bool ValidBucket(const std::string& b) {
  if (b.size() < 3 || b.size() > 63) return false;
  for (char c : b) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) return false;
  }
  return b.front() != '-' && b.front() != '.' && b.back() != '-' && b.back() != '.';
}

std::string SidOf(const std::string& pointer, const char* suffix) {
  std::string sid;
  bool upper = true;
  for (char c : pointer) {
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum) {
      upper = true;
      continue;
    }
    sid += upper && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
    upper = false;
  }
  return sid + suffix;
}

// "{id}" -> "*" in a template such as ".oplog/org/customers/{id}/".
std::string Starred(const std::string& tmpl) {
  std::string out;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] == '{') {
      size_t close = tmpl.find('}', i);
      if (close == std::string::npos) break;
      out += '*';
      i = close;
    } else {
      out += tmpl[i];
    }
  }
  return out;
}

std::string PatternResource(const internal::AccessPath& p, bool* inner_wildcard) {
  std::string out;
  bool wildcard_seen = false;
  for (size_t i = 0; i < p.segments.size(); ++i) {
    const auto& s = p.segments[i];
    if (!out.empty()) out += '/';
    if (s.kind == internal::PatternSegment::Kind::kLiteral) {
      if (wildcard_seen) *inner_wildcard = true;
      out += s.text;
    } else {
      wildcard_seen = true;
      out += '*';
    }
  }
  if (!p.whole_key && (out.empty() || out.back() != '*')) out += "/*";
  // "a/*/*" -> "a/*": '*' already spans '/'.
  for (size_t at; (at = out.find("*/*")) != std::string::npos;) out.replace(at, 3, "*");
  return out;
}

}  // namespace

Result<std::map<std::string, std::vector<std::string>>> AwsPrincipalsFrom(const Json& doc) {
  std::map<std::string, std::vector<std::string>> out;
  if (!doc.is_object()) return out;
  auto it = doc.find("awsPrincipals");
  if (it == doc.end()) return out;
  if (!it->is_object()) {
    return Status::InvalidArgument("awsPrincipals: expected an object NAME -> ARN or [ARN...]");
  }
  for (auto m = it->begin(); m != it->end(); ++m) {
    std::vector<std::string> arns;
    if (m->is_string()) {
      arns.push_back(m->get<std::string>());
    } else if (m->is_array()) {
      for (const Json& a : *m) {
        if (!a.is_string()) {
          return Status::InvalidArgument("awsPrincipals." + m.key() + ": expected ARN strings");
        }
        arns.push_back(a.get<std::string>());
      }
    } else {
      return Status::InvalidArgument("awsPrincipals." + m.key() + ": expected an ARN or a list");
    }
    out[m.key()] = std::move(arns);
  }
  return out;
}

Result<AwsExport> ExportAwsPolicy(const schema::Schema& schema, const AccessPolicy& policy,
                                  const AwsExportOptions& opt) {
  if (!policy.enabled()) {
    return Status::FailedPrecondition(
        "the schema has no access section: there is nothing to export (without rules, S3WORM "
        "is open and a bucket policy would be the server's default)");
  }
  const auto* p = dynamic_cast<const CompiledPolicy*>(&policy);
  if (p == nullptr) return Status::InvalidArgument("not a compiled access policy");
  std::string prefix = opt.prefix;
  if (!prefix.empty() && prefix.back() != '/') prefix += '/';
  if (!ValidBucket(opt.bucket)) {
    return Status::InvalidArgument("bucket '" + opt.bucket +
                                   "' is not a valid S3 bucket name (3-63 of a-z 0-9 . -)");
  }
  AwsExport out;
  const std::string arn = "arn:aws:s3:::" + opt.bucket;
  schema::StorageResolver resolver(schema);

  // Role index -> ARNs, through inheritance and identities.
  auto arns_for_role = [&](int role, std::set<std::string>* arns, std::set<std::string>* unmapped) {
    bool any = false;
    for (int r : p->RolesIncluding(role)) {
      const std::string& name = p->RoleName(r);
      if (auto it = opt.principals.find(name); it != opt.principals.end()) {
        arns->insert(it->second.begin(), it->second.end());
        any = true;
      }
      for (const auto& [id, roles] : opt.identity_roles) {
        bool holds = false;
        for (const std::string& rn : roles) holds = holds || rn == name;
        if (!holds) continue;
        if (auto it = opt.principals.find(id); it != opt.principals.end()) {
          arns->insert(it->second.begin(), it->second.end());
          any = true;
        }
      }
    }
    if (!any) unmapped->insert("role " + p->RoleName(role));
  };

  Json statements = Json::array();
  for (const Rule& r : p->rules()) {
    std::string where = r.pointer + " (schema.json:" + std::to_string(r.line) + ":" +
                        std::to_string(r.column) + ")";
    if (r.has_where) {
      out.notes.push_back(
          where + ": " + (r.deny ? "deny" : "allow") +
          " rule with a row-level condition: not exported, S3 cannot look into documents" +
          (r.deny ? " (the remote bucket does NOT enforce this deny)" : ""));
      continue;
    }
    std::set<std::string> arns, unmapped;
    bool everyone = r.everyone;
    if (r.authenticated || r.anonymous) {
      if (r.anonymous && !r.deny) {
        everyone = true;
        out.notes.push_back(where + ": $anonymous exported as Principal \"*\" (everyone)");
      } else {
        out.notes.push_back(where + ": " +
                            std::string(r.authenticated ? "$authenticated" : "$anonymous") +
                            " has no bucket-policy principal: left out");
      }
    }
    for (int role : r.roles) arns_for_role(role, &arns, &unmapped);
    for (const std::string& id : r.principals) {
      if (auto it = opt.principals.find(id); it != opt.principals.end()) {
        arns.insert(it->second.begin(), it->second.end());
      } else {
        unmapped.insert("identity " + id);
      }
    }
    for (const std::string& u : unmapped) {
      out.notes.push_back(where + ": " + u +
                          " has no AWS principal (add it to awsPrincipals in "
                          ".worm/identities.json or pass --map NAME=ARN)");
    }
    Json principal;
    if (everyone || arns.count("*")) {
      principal = "*";
    } else if (!arns.empty()) {
      principal = Json{{"AWS", arns.size() == 1 ? Json(*arns.begin()) : Json(arns)}};
    } else {
      out.notes.push_back(where + ": no principal to name: not exported");
      continue;
    }
    // What the rule covers, as key patterns.
    std::vector<std::string> objects, prefixes;
    if (r.layer == Layer::kBucket) {
      objects.push_back("*");
      prefixes.push_back("");
    } else if (r.layer == Layer::kModel) {
      const schema::Model& m = schema.models[r.model];
      objects.push_back(Starred(resolver.KeyTemplate(m)));
      prefixes.push_back(resolver.CollectionPrefix(m) + "*");
      schema::SystemFolders f = resolver.SystemFolderTemplates(m);
      for (const std::string* folder : {&f.oplog, &f.snapshots, &f.trash}) {
        objects.push_back(Starred(*folder) + "*");
      }
    } else {
      bool inner = false;
      std::string res = PatternResource(*r.path, &inner);
      if (inner) {
        out.notes.push_back(where + ": '" + r.path->source +
                            "' has a wildcard between literal segments; S3's '*' also spans "
                            "'/', so the exported resource " +
                            res + " is broader");
      }
      objects.push_back(res);
      prefixes.push_back(res);
    }
    Json object_actions = Json::array();
    if (r.actions & internal::ActionBit(Action::kRead)) object_actions.push_back("s3:GetObject");
    if (r.actions & (internal::ActionBit(Action::kCreate) | internal::ActionBit(Action::kUpdate))) {
      object_actions.push_back("s3:PutObject");
    }
    if (r.actions & internal::ActionBit(Action::kDelete))
      object_actions.push_back("s3:DeleteObject");
    for (Action a : {Action::kRestore, Action::kAdmin}) {
      if (r.actions & internal::ActionBit(a)) {
        out.notes.push_back(where + ": action " + std::string(ActionName(a)) +
                            " has no S3 equivalent: not exported");
      }
    }
    const char* effect = r.deny ? "Deny" : "Allow";
    if (!object_actions.empty()) {
      Json resources = Json::array();
      for (const std::string& o : objects) resources.push_back(arn + "/" + prefix + o);
      statements.push_back({{"Sid", SidOf(r.pointer, "Objects")},
                            {"Effect", effect},
                            {"Principal", principal},
                            {"Action", object_actions},
                            {"Resource", resources.size() == 1 ? resources[0] : resources}});
    }
    if (r.actions & internal::ActionBit(Action::kList)) {
      Json st = {{"Sid", SidOf(r.pointer, "List")},
                 {"Effect", effect},
                 {"Principal", principal},
                 {"Action", "s3:ListBucket"},
                 {"Resource", arn}};
      if (!(prefixes.size() == 1 && prefixes[0].empty() && prefix.empty())) {
        Json list = Json::array();
        for (const std::string& x : prefixes) list.push_back(prefix + (x.empty() ? "*" : x));
        st["Condition"] = {{"StringLike", {{"s3:prefix", list}}}};
      }
      statements.push_back(std::move(st));
    }
  }
  for (const internal::ModelInfo& m : p->models()) {
    for (const auto& [role, mask] : m.fields) {
      if (!mask.hidden.empty()) {
        std::string list;
        for (const auto& f : mask.hidden) list += (list.empty() ? "" : ", ") + f;
        out.notes.push_back(
            "/access/models/" + m.name + "/fields/" + role + ": hidden fields (" + list +
            ") cannot be hidden by S3: whoever may GetObject reads whole documents");
      }
      if (!mask.read_only.empty()) {
        out.notes.push_back("/access/models/" + m.name + "/fields/" + role +
                            ": read-only fields cannot be enforced by S3: PutObject writes whole "
                            "documents");
      }
    }
    if (m.entity_grants) {
      out.notes.push_back(m.grants_pointer + ": per-entity grants (.worm.acl/) are not exported");
    }
  }
  out.policy = {{"Version", "2012-10-17"}, {"Id", "worm-access-export"}, {"Statement", statements}};
  if (out.policy.dump().size() > 20 * 1024) {
    out.notes.push_back("the policy is over 20 KiB, the limit AWS puts on a bucket policy");
  }
  return out;
}

}  // namespace worm::security

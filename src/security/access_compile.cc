// CompileAccess: the "access" section of schema.json -> CompiledPolicy, with
// every problem collected (JSON pointer, stable code), so that lint and
// CompileAccessPolicy refuse exactly the same sections.
#include <algorithm>
#include <atomic>
#include <functional>
#include <set>

#include "query/filter.h"
#include "schema/json_locator.h"
#include "schema/resolver.h"
#include "security/access_internal.h"

namespace worm::security::internal {

namespace {

using schema::JsonPointerAppend;

bool IsRoleName(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

std::string Short(const std::string& s) {
  std::string out;
  for (char c : s.substr(0, 64)) out += static_cast<unsigned char>(c) < 0x20 ? '?' : c;
  return out;
}

constexpr std::string_view kVarPrefix = "$principal.";

// Finds principal variables in `v`; reports unknown ones.
void ScanVariables(const Json& v, bool* any, bool* uses_id, std::vector<std::string>* unknown,
                   int depth = 0) {
  if (depth > kMaxJsonDepth) return;
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    if (s.compare(0, kVarPrefix.size(), kVarPrefix) != 0) return;
    if (s == "$principal.id") {
      *any = *uses_id = true;
    } else if (s == "$principal.roles") {
      *any = true;
    } else {
      unknown->push_back(s);
    }
    return;
  }
  if (v.is_array() || v.is_object()) {
    for (const Json& e : v) ScanVariables(e, any, uses_id, unknown, depth + 1);
  }
}

class Compiler {
 public:
  Compiler(const schema::Schema& s, const Locator* loc) : schema_(s), loc_(loc) {}

  CompileOutput Run() {
    out_.policy = std::make_shared<CompiledPolicy>();
    p_ = out_.policy.get();
    static std::atomic<uint64_t> serial{0};
    p_->serial_ = ++serial;
    p_->symbols_ = schema_.symbols;
    p_->types_ = schema_.dynamic_types;
    BuildModels();
    const Json& a = schema_.access;
    if (a.is_null()) return std::move(out_);
    p_->enabled_ = true;
    if (!a.is_object()) {
      Error("wrong-type", "/access",
            std::string("\"access\" must be an object, not ") + query::DescribeType(a));
      return std::move(out_);
    }
    if (CheckJsonDepth(a, kMaxJsonDepth - 1, "access").ok() == false) {
      Error("too-deep", "/access", "the access section is nested too deeply");
      return std::move(out_);
    }
    CheckKeys(a, "/access", {"roles", "bucket", "models", "paths", "description", "$comment"},
              "access key");
    LoadRoles(a);
    if (const Json* b = Member(a, "/access", "bucket", 'o')) {
      CheckKeys(*b, "/access/bucket", {"rules", "description"}, "bucket key");
      LoadRuleList(*b, "/access/bucket", Layer::kBucket, -1, &p_->bucket_rules_);
    }
    if (const Json* m = Member(a, "/access", "models", 'o')) LoadModels(*m);
    if (const Json* list = Member(a, "/access", "paths", 'a')) {
      for (size_t i = 0; i < list->size(); ++i) {
        int idx = LoadRule((*list)[i], JsonPointerAppend("/access/paths", i), Layer::kPath, -1);
        if (idx >= 0) p_->path_rules_.push_back(idx);
      }
    }
    return std::move(out_);
  }

 private:
  void Error(std::string code, std::string ptr, std::string msg, bool at_key = false) {
    out_.problems.push_back({true, std::move(code), std::move(ptr), at_key, std::move(msg)});
  }
  void Warn(std::string code, std::string ptr, std::string msg, bool at_key = false) {
    out_.problems.push_back({false, std::move(code), std::move(ptr), at_key, std::move(msg)});
  }

  void CheckKeys(const Json& obj, const std::string& ptr, std::initializer_list<const char*> known,
                 const char* what) {
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      bool ok = false;
      for (const char* k : known) ok = ok || it.key() == k;
      if (ok) continue;
      std::string list;
      for (const char* k : known) list += std::string(list.empty() ? "" : ", ") + k;
      Warn("unknown-key", JsonPointerAppend(ptr, it.key()),
           "unknown " + std::string(what) + " '" + Short(it.key()) +
               "' is ignored (known: " + list + ")",
           true);
    }
  }

  // 'o' object, 'a' array, 's' string, 'b' boolean.
  const Json* Member(const Json& obj, const std::string& ptr, const char* key, char kind) {
    auto it = obj.find(key);
    if (it == obj.end()) return nullptr;
    bool ok = kind == 'o'   ? it->is_object()
              : kind == 'a' ? it->is_array()
              : kind == 's' ? it->is_string()
                            : it->is_boolean();
    if (ok) return &*it;
    const char* want = kind == 'o'   ? "an object"
                       : kind == 'a' ? "an array"
                       : kind == 's' ? "a string"
                                     : "true or false";
    Error("wrong-type", JsonPointerAppend(ptr, key),
          std::string("\"") + key + "\" must be " + want + ", not " + query::DescribeType(*it));
    return nullptr;
  }

  void BuildModels() {
    schema::StorageResolver resolver(schema_);
    for (const schema::Model& m : schema_.models) {
      ModelInfo info;
      info.name = m.name;
      info.singleton = m.singleton;
      int id = 0;
      for (const schema::Segment& s : m.full.segments) {
        if (s.kind == schema::SegmentKind::kDynamic) {
          auto t = p_->types_.find(s.type);
          info.literals.emplace_back();
          info.types.push_back(t == p_->types_.end() ? nullptr : &t->second);
          info.id_index.push_back(id++);
        } else {
          info.literals.push_back(s.kind == schema::SegmentKind::kFile ? s.name + s.extension
                                                                       : s.name);
          info.types.push_back(nullptr);
          info.id_index.push_back(-1);
        }
      }
      info.collection_prefix = resolver.CollectionPrefix(m);
      p_->model_index_[m.name] = static_cast<int>(p_->models_.size());
      p_->models_.push_back(std::move(info));
    }
  }

  void LoadRoles(const Json& a) {
    const Json* roles = Member(a, "/access", "roles", 'o');
    if (roles == nullptr) return;
    for (auto it = roles->begin(); it != roles->end(); ++it) {
      std::string ptr = JsonPointerAppend("/access/roles", it.key());
      if (!IsRoleName(it.key())) {
        Error("invalid-role-name", ptr,
              "role name '" + Short(it.key()) +
                  "' must be 1-64 letters, digits, '-', '_' or '.' (names starting with '$' and "
                  "'*' are reserved)",
              true);
      }
      p_->role_index_[it.key()] = static_cast<int>(p_->role_names_.size());
      p_->role_names_.push_back(it.key());
    }
    size_t n = p_->role_names_.size();
    std::vector<std::vector<int>> parents(n);
    for (auto it = roles->begin(); it != roles->end(); ++it) {
      std::string ptr = JsonPointerAppend("/access/roles", it.key());
      int self = p_->role_index_[it.key()];
      if (!it->is_object()) {
        Error("wrong-type", ptr,
              std::string("a role is an object such as {\"inherits\": [\"viewer\"]}, not ") +
                  query::DescribeType(*it));
        continue;
      }
      CheckKeys(*it, ptr, {"inherits", "description"}, "role key");
      Member(*it, ptr, "description", 's');
      const Json* inh = Member(*it, ptr, "inherits", 'a');
      if (inh == nullptr) continue;
      for (size_t i = 0; i < inh->size(); ++i) {
        std::string at = JsonPointerAppend(JsonPointerAppend(ptr, "inherits"), i);
        const Json& r = (*inh)[i];
        if (!r.is_string()) {
          Error("wrong-type", at, std::string("a role name, not ") + query::DescribeType(r));
          continue;
        }
        auto found = p_->role_index_.find(r.get<std::string>());
        if (found == p_->role_index_.end()) {
          Error("unknown-role", at,
                "role '" + Short(r.get<std::string>()) + "' is not declared in access.roles" +
                    KnownRoles());
          continue;
        }
        parents[self].push_back(found->second);
      }
    }
    // Closure, and cycles (a role inheriting itself through others).
    p_->role_closure_.assign(n, std::vector<uint8_t>(n, 0));
    for (size_t r = 0; r < n; ++r) {
      std::vector<int> stack = {static_cast<int>(r)};
      p_->role_closure_[r][r] = 1;
      while (!stack.empty()) {
        int cur = stack.back();
        stack.pop_back();
        for (int par : parents[cur]) {
          if (par == static_cast<int>(r)) {
            Error("role-cycle",
                  JsonPointerAppend(JsonPointerAppend("/access/roles", p_->role_names_[r]),
                                    "inherits"),
                  "role '" + p_->role_names_[r] + "' inherits itself (through '" +
                      p_->role_names_[cur] + "'): remove one inheritance");
            stack.clear();
            break;
          }
          if (!p_->role_closure_[r][par]) {
            p_->role_closure_[r][par] = 1;
            stack.push_back(par);
          }
        }
      }
    }
  }

  std::string KnownRoles() const {
    if (p_->role_names_.empty()) return " (no roles are declared)";
    std::string s = " (known: ";
    for (size_t i = 0; i < p_->role_names_.size(); ++i) {
      s += (i ? ", " : "") + p_->role_names_[i];
    }
    return s + ")";
  }

  void LoadModels(const Json& models) {
    for (auto it = models.begin(); it != models.end(); ++it) {
      std::string ptr = JsonPointerAppend("/access/models", it.key());
      auto mi = p_->model_index_.find(it.key());
      if (mi == p_->model_index_.end()) {
        std::string known;
        for (const auto& m : p_->models_) known += (known.empty() ? "" : ", ") + m.name;
        Error("unknown-model", ptr,
              "model '" + Short(it.key()) + "' is not declared in models" +
                  (known.empty() ? std::string() : " (known: " + known + ")"),
              true);
        continue;
      }
      if (!it->is_object()) {
        Error("wrong-type", ptr,
              std::string("a model's access is an object, not ") + query::DescribeType(*it));
        continue;
      }
      CheckKeys(*it, ptr, {"rules", "fields", "entityGrants", "description"}, "model access key");
      ModelInfo& info = p_->models_[mi->second];
      std::vector<int> rules;
      LoadRuleList(*it, ptr, Layer::kModel, mi->second, &rules);
      info.rules = std::move(rules);
      if (const Json* g = Member(*it, ptr, "entityGrants", 'b')) {
        info.entity_grants = g->get<bool>();
        info.grants_pointer = JsonPointerAppend(ptr, "entityGrants");
        Place(info.grants_pointer, &info.grants_line, &info.grants_column);
      }
      if (const Json* f = Member(*it, ptr, "fields", 'o')) {
        LoadFields(*f, JsonPointerAppend(ptr, "fields"), mi->second);
      }
    }
  }

  void Place(const std::string& ptr, int* line, int* column) const {
    if (loc_ == nullptr) return;
    TextPosition pos = loc_->Locate(ptr);
    *line = pos.line;
    *column = pos.column;
  }

  const schema::Model& SchemaModel(int model) const { return schema_.models[model]; }

  // Whether `path` (dotted) names something the model has.
  bool KnownField(const schema::Model& m, const std::string& dotted) const {
    std::string first = dotted.substr(0, dotted.find('.'));
    if (first == "id" || first == "createdAt" || first == "updatedAt") return true;
    for (const schema::Segment* s : m.full.dynamic_segments()) {
      if (s->name == first) return true;
    }
    const schema::Field* f = m.FindField(first);
    if (f == nullptr) return !m.strict;
    // Nested members of declared objects.
    size_t pos = first.size();
    while (pos < dotted.size() && f != nullptr) {
      size_t next = dotted.find('.', pos + 1);
      std::string part =
          dotted.substr(pos + 1, next == std::string::npos ? std::string::npos : next - pos - 1);
      pos = next == std::string::npos ? dotted.size() : next;
      if (f->type == schema::FieldType::kArray && f->items) f = f->items.get();
      if (f->type != schema::FieldType::kObject || f->allow_unknown || f->properties.empty()) {
        return true;
      }
      const schema::Field* child = nullptr;
      for (const schema::Field& p : f->properties) {
        if (p.name == part) child = &p;
      }
      f = child;
    }
    return f != nullptr;
  }

  void LoadFields(const Json& fields, const std::string& ptr, int model) {
    ModelInfo& info = p_->models_[model];
    const schema::Model& m = SchemaModel(model);
    for (auto it = fields.begin(); it != fields.end(); ++it) {
      std::string at = JsonPointerAppend(ptr, it.key());
      if (it.key() != "*" && p_->role_index_.find(it.key()) == p_->role_index_.end()) {
        Error("unknown-role", at,
              "field masks name role '" + Short(it.key()) + "', which is not declared" +
                  KnownRoles() + "; \"*\" masks for everyone",
              true);
        continue;
      }
      if (!it->is_object()) {
        Error("wrong-type", at,
              std::string("a field mask is {\"hidden\": [...], \"readOnly\": [...]}, not ") +
                  query::DescribeType(*it));
        continue;
      }
      CheckKeys(*it, at, {"hidden", "readOnly"}, "field mask key");
      FieldMask mask;
      for (const char* key : {"hidden", "readOnly"}) {
        const Json* list = Member(*it, at, key, 'a');
        if (list == nullptr) continue;
        for (size_t i = 0; i < list->size(); ++i) {
          std::string fp = JsonPointerAppend(JsonPointerAppend(at, key), i);
          const Json& v = (*list)[i];
          if (!v.is_string() || v.get_ref<const std::string&>().empty()) {
            Error("wrong-type", fp,
                  std::string("a field name or dotted path, not ") + query::DescribeType(v));
            continue;
          }
          const std::string& name = v.get_ref<const std::string&>();
          bool identity = name == "id";
          for (const schema::Segment* s : m.full.dynamic_segments()) {
            identity = identity || s->name == name;
          }
          if (identity) {
            Error("invalid-field-mask", fp,
                  "'" + Short(name) + "' identifies the entity and cannot be masked");
            continue;
          }
          if (!KnownField(m, name)) {
            Error("unknown-field", fp,
                  "model " + m.name + " has no field '" + Short(name) + "' to mask");
            continue;
          }
          (std::string(key) == "hidden" ? mask.hidden : mask.read_only).push_back(name);
        }
      }
      info.fields[it.key()] = std::move(mask);
    }
  }

  void LoadRuleList(const Json& parent, const std::string& ptr, Layer layer, int model,
                    std::vector<int>* out) {
    const Json* list = Member(parent, ptr, "rules", 'a');
    if (list == nullptr) return;
    std::string lp = JsonPointerAppend(ptr, "rules");
    for (size_t i = 0; i < list->size(); ++i) {
      int idx = LoadRule((*list)[i], JsonPointerAppend(lp, i), layer, model);
      if (idx >= 0) out->push_back(idx);
    }
  }

  // Returns the rule's index, or -1 when it has an error.
  int LoadRule(const Json& j, const std::string& ptr, Layer layer, int model) {
    size_t errors_before = ErrorCount();
    if (!j.is_object()) {
      Error("wrong-type", ptr,
            std::string("a rule is an object such as {\"effect\": \"allow\", \"roles\": "
                        "[\"viewer\"], \"actions\": [\"read\"]}, not ") +
                query::DescribeType(j));
      return -1;
    }
    Rule r;
    r.layer = layer;
    r.pointer = ptr;
    r.model = model;
    Place(ptr, &r.line, &r.column);
    if (layer == Layer::kPath) {
      CheckKeys(j, ptr,
                {"path", "effect", "actions", "roles", "principals", "where", "description"},
                "rule key");
    } else {
      CheckKeys(j, ptr, {"effect", "actions", "roles", "principals", "where", "description"},
                "rule key");
    }
    if (const Json* d = Member(j, ptr, "description", 's')) r.description = d->get<std::string>();
    if (const Json* e = Member(j, ptr, "effect", 's')) {
      const std::string& s = e->get_ref<const std::string&>();
      if (s == "deny") {
        r.deny = true;
      } else if (s != "allow") {
        Error("unknown-effect", JsonPointerAppend(ptr, "effect"),
              "effect '" + Short(s) + "' is not known: write \"allow\" or \"deny\"");
      }
    }
    LoadActions(j, ptr, &r);
    LoadSubjects(j, ptr, &r);
    if (layer == Layer::kPath) LoadRulePath(j, ptr, &r);
    if (j.contains("where")) LoadWhere(j["where"], JsonPointerAppend(ptr, "where"), &r);
    if (ErrorCount() != errors_before) return -1;
    r.allow_reason = "allowed by rule " + r.pointer;
    if (!r.description.empty()) r.allow_reason += " (" + r.description + ")";
    p_->rules_.push_back(std::move(r));
    return static_cast<int>(p_->rules_.size() - 1);
  }

  size_t ErrorCount() const {
    size_t n = 0;
    for (const AccessProblem& p : out_.problems) n += p.error;
    return n;
  }

  void LoadActions(const Json& j, const std::string& ptr, Rule* r) {
    std::string at = JsonPointerAppend(ptr, "actions");
    auto it = j.find("actions");
    if (it == j.end()) {
      Error("missing-key", ptr,
            "a rule needs \"actions\": a list of read, list, create, update, delete, restore, "
            "admin, or \"*\"");
      return;
    }
    if (it->is_string() && *it == "*") {
      r->actions = kAllActionBits;
      return;
    }
    if (!it->is_array() || it->empty()) {
      Error("wrong-type", at, "\"actions\" must be a non-empty array of action names or \"*\"");
      return;
    }
    for (size_t i = 0; i < it->size(); ++i) {
      const Json& a = (*it)[i];
      std::string ap = JsonPointerAppend(at, i);
      if (a.is_string() && a == "*") {
        r->actions = kAllActionBits;
        continue;
      }
      std::optional<Action> act = a.is_string() ? ParseAction(a.get<std::string>()) : std::nullopt;
      if (!act) {
        Error(
            "unknown-action", ap,
            (a.is_string() ? "action '" + Short(a.get<std::string>()) + "' is not known"
                           : std::string("an action is a string, not ") + query::DescribeType(a)) +
                ": use read, list, create, update, delete, restore, admin or \"*\"");
        continue;
      }
      r->actions |= ActionBit(*act);
    }
  }

  void LoadSubjects(const Json& j, const std::string& ptr, Rule* r) {
    bool any = false;
    if (auto it = j.find("roles"); it != j.end()) {
      std::string at = JsonPointerAppend(ptr, "roles");
      if (it->is_string() && *it == "*") {
        r->everyone = any = true;
      } else if (!it->is_array()) {
        Error("wrong-type", at, "\"roles\" must be an array of role names (or \"*\")");
      } else {
        for (size_t i = 0; i < it->size(); ++i) {
          const Json& v = (*it)[i];
          std::string rp = JsonPointerAppend(at, i);
          if (!v.is_string()) {
            Error("wrong-type", rp, std::string("a role name, not ") + query::DescribeType(v));
            continue;
          }
          const std::string& name = v.get_ref<const std::string&>();
          any = true;
          if (name == "*") {
            r->everyone = true;
          } else if (name == "$authenticated") {
            r->authenticated = true;
          } else if (name == "$anonymous") {
            r->anonymous = true;
          } else if (auto f = p_->role_index_.find(name); f != p_->role_index_.end()) {
            r->roles.push_back(f->second);
          } else {
            Error("unknown-role", rp,
                  "role '" + Short(name) + "' is not declared in access.roles" + KnownRoles() +
                      " (also: \"*\" everyone, \"$authenticated\", \"$anonymous\")");
          }
        }
      }
    }
    if (const Json* list = Member(j, ptr, "principals", 'a')) {
      for (size_t i = 0; i < list->size(); ++i) {
        const Json& v = (*list)[i];
        if (!v.is_string() || v.get_ref<const std::string&>().empty()) {
          Error("wrong-type", JsonPointerAppend(JsonPointerAppend(ptr, "principals"), i),
                "a principal id (an identity's id), not " + std::string(query::DescribeType(v)));
          continue;
        }
        r->principals.push_back(v.get<std::string>());
        any = true;
      }
    }
    if (!any && !j.contains("roles") && !j.contains("principals")) {
      Error("no-subject", ptr,
            "a rule names whom it applies to: \"roles\": [...] (\"*\" for everyone) or "
            "\"principals\": [ids]");
    }
  }

  void LoadRulePath(const Json& j, const std::string& ptr, Rule* r) {
    auto it = j.find("path");
    if (it == j.end()) {
      Error("missing-key", ptr,
            "a path rule needs \"path\": a pattern such as \"#org/@customers/*\"");
      return;
    }
    std::string at = JsonPointerAppend(ptr, "path");
    if (!it->is_string()) {
      Error("wrong-type", at,
            std::string("\"path\" must be a string, not ") + query::DescribeType(*it));
      return;
    }
    Result<AccessPath> path = ParseAccessPath(it->get<std::string>(), p_->symbols_, p_->types_);
    if (!path.ok()) {
      Error("bad-path-pattern", at, "path pattern: " + path.status().message());
      return;
    }
    r->path = std::move(*path);
    bool any = false;
    for (const ModelInfo& m : p_->models_) {
      std::vector<KeySegment> segs;
      for (size_t i = 0; i < m.literals.size(); ++i) {
        segs.push_back({m.literals[i], m.id_index[i] >= 0, m.types[i]});
      }
      Match rel = MatchPath(*r->path, segs.data(), segs.size());
      r->path_relation.push_back(static_cast<uint8_t>(rel));
      any = any || rel != Match::kNo;
    }
    if (!any && !p_->models_.empty()) {
      Warn("unmatched-path", at,
           "path pattern '" + Short(r->path->source) +
               "' matches no model's keys; it applies only to other keys (worm serve)");
    }
  }

  void LoadWhere(const Json& where, const std::string& at, Rule* r) {
    if (!where.is_object()) {
      Error("bad-condition", at,
            std::string("\"where\" is a filter object such as {\"ownerId\": \"$principal.id\"}, "
                        "not ") +
                query::DescribeType(where));
      return;
    }
    bool vars = false, uses_id = false;
    std::vector<std::string> unknown;
    ScanVariables(where, &vars, &uses_id, &unknown);
    for (const std::string& u : unknown) {
      Error("unknown-variable", at,
            "unknown variable '" + Short(u) + "': use $principal.id or $principal.roles");
    }
    if (!unknown.empty()) return;
    // Compile once with sample values: the shape is checked even when the
    // real values come per principal.
    Json sample;
    if (!SubstituteVariables(where, "principal", Json::array({"role"}), &sample)) return;
    Result<query::FilterNode> node = query::CompileWhere(sample, "where");
    if (!node.ok()) {
      Error("bad-condition", at, "row-level condition: " + node.status().message());
      return;
    }
    if (r->model >= 0) CheckWhereFields(*node, SchemaModel(r->model), at);
    CollectFields(*node, &r->where_fields);
    std::sort(r->where_fields.begin(), r->where_fields.end());
    r->where_fields.erase(std::unique(r->where_fields.begin(), r->where_fields.end()),
                          r->where_fields.end());
    r->has_where = true;
    r->where_json = where;
    r->where_vars = vars;
    r->where_uses_id = uses_id;
    if (!vars) r->where = std::move(*node);
  }

  static void CollectFields(const query::FilterNode& node, std::vector<std::string>* out) {
    if (node.kind == query::FilterNode::Kind::kField) {
      if (!node.path.segments.empty()) out->push_back(node.path.segments[0].name);
      return;
    }
    for (const auto& c : node.children) CollectFields(c, out);
  }

  void CheckWhereFields(const query::FilterNode& node, const schema::Model& m,
                        const std::string& at) {
    if (node.kind == query::FilterNode::Kind::kField) {
      if (!KnownField(m, node.path.text)) {
        Error("unknown-field", at,
              "row-level condition names '" + Short(node.path.text) + "', which model " + m.name +
                  " does not declare");
      }
      return;
    }
    for (const auto& c : node.children) CheckWhereFields(c, m, at);
  }

  const schema::Schema& schema_;
  const Locator* loc_;
  CompileOutput out_;
  CompiledPolicy* p_ = nullptr;
};

bool Substitute(const Json& v, const std::string& id, const Json& roles, Json* out, int depth) {
  if (depth > kMaxJsonDepth) return false;
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    if (s == "$principal.id") {
      *out = id;
    } else if (s == "$principal.roles") {
      *out = roles;
    } else {
      if (s.compare(0, kVarPrefix.size(), kVarPrefix) == 0) return false;
      *out = v;
    }
    return true;
  }
  if (v.is_object()) {
    *out = Json::object();
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (!Substitute(*it, id, roles, &(*out)[it.key()], depth + 1)) return false;
    }
    return true;
  }
  if (v.is_array()) {
    *out = Json::array();
    for (const Json& e : v) {
      out->push_back(nullptr);
      if (!Substitute(e, id, roles, &out->back(), depth + 1)) return false;
    }
    return true;
  }
  *out = v;
  return true;
}

}  // namespace

bool SubstituteVariables(const Json& where, const std::string& id, const Json& roles, Json* out) {
  return Substitute(where, id, roles, out, 0);
}

CompileOutput CompileAccess(const schema::Schema& schema, const Locator* locate) {
  try {
    return Compiler(schema, locate).Run();
  } catch (const std::exception& e) {
    // Defensive: the compiler checks types before every access.
    CompileOutput out;
    out.problems.push_back(
        {true, "internal", "/access", false, std::string("unexpected error: ") + e.what()});
    return out;
  }
}

}  // namespace worm::security::internal

// The AccessPolicy evaluator: CompiledPolicy::Decide / Fields, the open
// policy, CompileAccessPolicy. Precedence: include/worm/access.h.
#include <algorithm>
#include <array>
#include <set>

#include "schema/json_locator.h"
#include "schema/schema_builder.h"
#include "security/access_internal.h"

namespace worm {

bool FieldAccess::Hides(std::string_view path) const {
  for (const std::string& h : hidden) {
    if (h == path) return true;
    // A parent of a hidden field reveals it; a child of one is inside it.
    if (path.size() > h.size() && path.compare(0, h.size(), h) == 0 && path[h.size()] == '.') {
      return true;
    }
    if (h.size() > path.size() && h.compare(0, path.size(), path) == 0 && h[path.size()] == '.') {
      return true;
    }
  }
  return false;
}

namespace {

class OpenPolicy final : public AccessPolicy {
 public:
  bool enabled() const override { return false; }
  Decision Decide(const AccessRequest&) const override {
    Decision d;
    d.effect = Decision::Effect::kAllow;
    d.reason = "access control is off (the schema has no access section)";
    return d;
  }
  FieldAccess Fields(const Principal&, std::string_view) const override { return {}; }
  bool UsesEntityGrants(std::string_view) const override { return false; }
  std::vector<std::string> Roles() const override { return {}; }
  std::optional<std::vector<std::string>> ConditionFields(const Principal&,
                                                          std::string_view) const override {
    return std::vector<std::string>{};  // no conditions: nothing to read
  }
  RowCheck CompileRowCheck(const Principal&, std::string_view,
                           const std::vector<Action>&) const override {
    return [](const Json&) { return true; };
  }
};

class TextLocator final : public security::internal::Locator {
 public:
  explicit TextLocator(schema::JsonLocator loc) : loc_(std::move(loc)) {}
  TextPosition Locate(const std::string& pointer) const override {
    return loc_.Locate(pointer, false);
  }

 private:
  schema::JsonLocator loc_;
};

}  // namespace

std::shared_ptr<const AccessPolicy> OpenAccessPolicy() {
  static const auto* const kOpen =
      new std::shared_ptr<const AccessPolicy>(std::make_shared<OpenPolicy>());
  return *kOpen;
}

Result<std::shared_ptr<const AccessPolicy>> CompileAccessPolicy(const schema::Schema& schema,
                                                                std::string_view schema_text) {
  if (schema.access.is_null()) return OpenAccessPolicy();
  std::unique_ptr<TextLocator> locator;
  if (!schema_text.empty()) {
    Result<schema::JsonLocator> loc = schema::JsonLocator::Build(schema_text);
    if (loc.ok()) locator = std::make_unique<TextLocator>(std::move(*loc));
  }
  security::internal::CompileOutput out = security::internal::CompileAccess(schema, locator.get());
  for (const auto& p : out.problems) {
    if (p.error) {
      return Status::InvalidArgument(schema::internal::DottedPath(p.pointer) + ": " + p.message);
    }
  }
  return std::shared_ptr<const AccessPolicy>(std::move(out.policy));
}

}  // namespace worm

namespace worm::security::internal {

namespace {

enum class Cond : uint8_t { kEval, kNever, kAlways };

std::string Who(const Principal& p) { return p.anonymous() ? "anonymous" : "'" + p.id + "'"; }

std::string What(const AccessRequest& r) {
  std::string s = r.resource.model.empty() ? "key '" + r.resource.key + "'" : r.resource.model;
  if (!r.resource.model.empty() && !r.resource.ids.empty()) {
    s += " ";
    for (size_t i = 0; i < r.resource.ids.size(); ++i) s += (i ? "/" : "") + r.resource.ids[i];
  }
  return s;
}

// Whether `ids` joined by '/' equals `joined`, without building the join.
bool IdsEqual(const std::vector<std::string>& ids, std::string_view joined) {
  size_t pos = 0;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) {
      if (pos >= joined.size() || joined[pos] != '/') return false;
      ++pos;
    }
    if (joined.compare(pos, ids[i].size(), ids[i]) != 0) return false;
    pos += ids[i].size();
  }
  return pos == joined.size();
}

bool Contains(const std::vector<std::string>& list, std::string_view s) {
  for (const std::string& e : list) {
    if (e == s) return true;
  }
  return false;
}

}  // namespace

// What one principal sees of the policy, computed once per principal (and
// cached per thread), so that a decision per document allocates nothing for
// the rules themselves.
struct CompiledPolicy::PrincipalState {
  uint64_t serial = 0;
  std::string id;
  std::vector<std::string> roles;
  std::vector<uint8_t> role_set;  // effective roles (inheritance closure)
  std::vector<uint8_t> subject;   // per rule: it names this principal
  std::vector<Cond> cond;         // per rule with principal variables
  std::vector<std::optional<query::FilterNode>> where;
  // Token scopes' path patterns, parsed; nullopt: a plain key prefix.
  std::vector<std::vector<std::optional<AccessPath>>> scope_paths;
  std::vector<std::vector<uint8_t>> scope_path_ok;    // parsed (or a prefix)
  std::vector<std::vector<std::string>> scope_texts;  // the scopes' paths as given
  std::string who;                                    // for reasons: "'alice'" or "anonymous"
};

const ModelInfo* CompiledPolicy::FindModel(std::string_view name) const {
  auto it = model_index_.find(name);
  return it == model_index_.end() ? nullptr : &models_[it->second];
}

bool CompiledPolicy::UsesEntityGrants(std::string_view model) const {
  const ModelInfo* m = FindModel(model);
  return enabled_ && m != nullptr && m->entity_grants;
}

std::vector<int> CompiledPolicy::RolesIncluding(int role) const {
  std::vector<int> out;
  for (size_t r = 0; r < role_names_.size(); ++r) {
    if (role_closure_[r][role]) out.push_back(static_cast<int>(r));
  }
  return out;
}

std::shared_ptr<CompiledPolicy::PrincipalState> CompiledPolicy::BuildState(
    const Principal& p) const {
  auto st = std::make_shared<PrincipalState>();
  st->serial = serial_;
  st->id = p.id;
  st->roles = p.roles;
  st->who = Who(p);
  size_t n = role_names_.size();
  st->role_set.assign(n, 0);
  for (const std::string& r : p.roles) {
    auto it = role_index_.find(r);
    if (it == role_index_.end()) continue;  // a role the schema does not declare grants nothing
    for (size_t o = 0; o < n; ++o) st->role_set[o] |= role_closure_[it->second][o];
  }
  Json role_names = Json::array();
  for (size_t r = 0; r < n; ++r) {
    if (st->role_set[r]) role_names.push_back(role_names_[r]);
  }
  st->subject.assign(rules_.size(), 0);
  st->cond.assign(rules_.size(), Cond::kEval);
  st->where.resize(rules_.size());
  for (size_t i = 0; i < rules_.size(); ++i) {
    const Rule& r = rules_[i];
    bool applies = r.everyone || (r.authenticated && !p.anonymous()) ||
                   (r.anonymous && p.anonymous()) ||
                   (!p.anonymous() && Contains(r.principals, p.id));
    for (int role : r.roles) applies = applies || st->role_set[role];
    st->subject[i] = applies;
    if (!applies || !r.has_where || !r.where_vars) continue;
    if (r.where_uses_id && p.anonymous()) {
      // "owner is the caller" never holds for a caller without an id.
      st->cond[i] = r.deny ? Cond::kAlways : Cond::kNever;
      continue;
    }
    Json where;
    Result<query::FilterNode> node = Status::InvalidArgument("variables");
    if (SubstituteVariables(r.where_json, p.id, role_names, &where)) {
      node = query::CompileWhere(where, "where");
    }
    if (!node.ok()) {
      // E.g. an id that is no valid $regex: fail closed.
      st->cond[i] = r.deny ? Cond::kAlways : Cond::kNever;
      continue;
    }
    st->where[i] = std::move(*node);
  }
  for (const Scope& s : p.scopes) {
    std::vector<std::optional<AccessPath>> parsed;
    std::vector<uint8_t> ok;
    for (const std::string& text : s.paths) {
      bool dsl =
          text.find('*') != std::string::npos ||
          text.compare(0, symbols_.namespace_symbol.size(), symbols_.namespace_symbol) == 0 ||
          text.compare(0, symbols_.collection_symbol.size(), symbols_.collection_symbol) == 0;
      if (!dsl) {
        parsed.emplace_back();
        ok.push_back(!text.empty() && text.back() == '/');
        continue;
      }
      Result<AccessPath> path = ParseAccessPath(text, symbols_, types_);
      ok.push_back(path.ok());
      parsed.emplace_back(path.ok() ? std::optional<AccessPath>(std::move(*path)) : std::nullopt);
    }
    st->scope_texts.push_back(s.paths);
    st->scope_paths.push_back(std::move(parsed));
    st->scope_path_ok.push_back(std::move(ok));
  }
  return st;
}

const CompiledPolicy::PrincipalState* CompiledPolicy::StateFor(const Principal& p) const {
  struct Entry {
    uint64_t serial = 0;
    std::shared_ptr<const PrincipalState> state;
  };
  thread_local std::array<Entry, 8> cache;
  thread_local size_t next = 0;
  for (const Entry& e : cache) {
    if (e.serial == serial_ && e.state->id == p.id && e.state->roles == p.roles &&
        e.state->scope_texts.size() == p.scopes.size()) {
      // Scope paths are compared too: two tokens of one principal differ there.
      bool same = true;
      for (size_t i = 0; same && i < p.scopes.size(); ++i) {
        same = e.state->scope_texts[i] == p.scopes[i].paths;
      }
      if (same) return e.state.get();
    }
  }
  std::shared_ptr<const PrincipalState> st = BuildState(p);
  cache[next] = {serial_, st};
  next = (next + 1) % cache.size();
  return st.get();
}

namespace {

// The request's key as segments: a model's template with the ids, the key,
// or the template with placeholders (collection level).
struct Target {
  const ModelInfo* model = nullptr;
  int model_index = -1;
  bool collection = false;  // model known, ids not: use the precomputed relations
  std::array<KeySegment, 32> fixed;
  std::vector<KeySegment> more;
  const KeySegment* segs = nullptr;
  size_t n = 0;
};

bool KeyText(const Target& t, std::string* key) {
  key->clear();
  for (size_t i = 0; i < t.n; ++i) {
    if (t.segs[i].placeholder) return false;
    if (i) *key += '/';
    key->append(t.segs[i].text);
  }
  return true;
}

}  // namespace

Decision CompiledPolicy::Decide(const AccessRequest& req) const {
  Decision d;
  if (!enabled_) {
    d.effect = Decision::Effect::kAllow;
    d.reason = "access control is off (the schema has no access section)";
    return d;
  }
  if (req.principal == nullptr) {
    d.reason = "no principal given";
    return d;
  }
  const Principal& p = *req.principal;
  const PrincipalState* st = StateFor(p);
  const uint32_t bit = ActionBit(req.action);
  const bool doc = req.document != nullptr;

  Target t;
  auto mi = model_index_.find(req.resource.model);
  if (mi != model_index_.end()) {
    t.model_index = mi->second;
    t.model = &models_[mi->second];
  }
  // The key's segments matter only to path rules and path scopes.
  bool need_path = !path_rules_.empty();
  for (const Scope& s : p.scopes) need_path = need_path || !s.paths.empty();
  if (!need_path) {
    // Nothing looks at the key.
  } else if (t.model != nullptr) {
    size_t dyn = 0;
    for (int idx : t.model->id_index) dyn += idx >= 0;
    if (req.resource.ids.size() == dyn) {
      size_t n = t.model->literals.size();
      KeySegment* out = t.fixed.data();
      if (n > t.fixed.size()) {
        t.more.resize(n);
        out = t.more.data();
      }
      for (size_t i = 0; i < n; ++i) {
        int id = t.model->id_index[i];
        out[i] = {id >= 0 ? std::string_view(req.resource.ids[id])
                          : std::string_view(t.model->literals[i]),
                  false, t.model->types[i]};
      }
      t.segs = out;
      t.n = n;
    } else if (!req.resource.key.empty()) {
      t.more = SplitKey(req.resource.key);
      t.segs = t.more.data();
      t.n = t.more.size();
    } else {
      t.collection = true;
    }
  } else if (!req.resource.key.empty()) {
    t.more = SplitKey(req.resource.key);
    t.segs = t.more.data();
    t.n = t.more.size();
  }

  int allow_rule = -1;
  bool pend_allow = false, pend_deny = false;
  const Rule* deny_rule = nullptr;
  auto consider = [&](int i, Match rel) {
    const Rule& r = rules_[i];
    if (!(r.actions & bit) || !st->subject[i]) return;
    bool pending = false;
    if (rel == Match::kMaybe) {
      if (doc) return;  // ids unknown even with the document (create): no path decides
      pending = true;
    }
    bool holds = true;
    if (r.has_where && !pending) {
      if (!doc) {
        pending = true;
      } else if (!r.where_vars) {
        holds = query::EvalFilter(*r.where, *req.document);
      } else if (st->cond[i] != Cond::kEval) {
        holds = st->cond[i] == Cond::kAlways;
      } else {
        holds = query::EvalFilter(*st->where[i], *req.document);
      }
    }
    if (pending) {
      (r.deny ? pend_deny : pend_allow) = true;
      return;
    }
    if (!holds) return;
    if (r.deny) {
      if (deny_rule == nullptr) deny_rule = &r;
    } else if (allow_rule < 0) {
      allow_rule = i;
    }
  };
  for (int i : bucket_rules_) consider(i, Match::kYes);
  if (t.model != nullptr) {
    for (int i : t.model->rules) consider(i, Match::kYes);
  }
  for (int i : path_rules_) {
    if (deny_rule != nullptr) break;
    const Rule& r = rules_[i];
    Match rel = Match::kNo;
    if (t.collection) {
      rel = static_cast<Match>(r.path_relation[t.model_index]);
    } else if (t.n > 0) {
      rel = MatchPath(*r.path, t.segs, t.n);
    }
    if (rel != Match::kNo) consider(i, rel);
  }

  auto from_rule = [&](const Rule& r, Decision::Effect e, std::string reason) {
    d.effect = e;
    d.rule = r.pointer;
    d.line = r.line;
    d.column = r.column;
    d.reason = std::move(reason);
    if (!r.description.empty()) d.reason += " (" + r.description + ")";
    return d;
  };
  if (deny_rule != nullptr) {
    return from_rule(*deny_rule, Decision::Effect::kDeny,
                     "denied by rule " + deny_rule->pointer + ": " +
                         std::string(ActionName(req.action)) + " on " + What(req) + " for " +
                         Who(p));
  }

  // Token scopes only narrow.
  Match scope = Match::kYes;
  std::string scope_why;
  for (size_t si = 0; si < p.scopes.size() && scope != Match::kNo; ++si) {
    const Scope& s = p.scopes[si];
    if (!s.actions.empty() &&
        std::find(s.actions.begin(), s.actions.end(), req.action) == s.actions.end()) {
      scope = Match::kNo;
      scope_why = "token scope does not admit action " + std::string(ActionName(req.action));
      break;
    }
    if (!s.models.empty() && !Contains(s.models, req.resource.model)) {
      scope = Match::kNo;
      scope_why = "token scope does not admit " + (req.resource.model.empty()
                                                       ? std::string("keys outside the models")
                                                       : "model " + req.resource.model);
      break;
    }
    if (!s.ids.empty()) {
      if (req.resource.ids.empty()) {
        scope = std::min(scope, Match::kMaybe);
        scope_why = "token scope admits only some ids";
      } else {
        bool any = false;
        for (const std::string& id : s.ids) any = any || IdsEqual(req.resource.ids, id);
        if (!any) {
          scope = Match::kNo;
          scope_why = "token scope does not admit id " + What(req);
          break;
        }
      }
    }
    if (!s.paths.empty()) {
      Match best = Match::kNo;
      std::string key;
      bool have_key = false, tried_key = false;
      for (size_t j = 0; j < s.paths.size() && best != Match::kYes; ++j) {
        if (!st->scope_path_ok[si][j]) continue;
        const auto& parsed = st->scope_paths[si][j];
        if (parsed) {
          if (t.collection) {
            std::array<KeySegment, 32> segs;
            size_t n = std::min(t.model->literals.size(), segs.size());
            for (size_t k = 0; k < n; ++k) {
              segs[k] = {t.model->literals[k], t.model->id_index[k] >= 0, t.model->types[k]};
            }
            best = std::max(best, MatchPath(*parsed, segs.data(), n));
          } else if (t.n > 0) {
            best = std::max(best, MatchPath(*parsed, t.segs, t.n));
          }
          continue;
        }
        const std::string& prefix = s.paths[j];
        if (t.collection) {
          const std::string& cp = t.model->collection_prefix;
          if (cp.compare(0, prefix.size(), prefix) == 0) {
            best = Match::kYes;
          } else if (prefix.compare(0, cp.size(), cp) == 0) {
            best = std::max(best, Match::kMaybe);
          }
          continue;
        }
        if (!tried_key) {
          have_key = KeyText(t, &key);
          tried_key = true;
        }
        if (have_key && key.compare(0, prefix.size(), prefix) == 0) best = Match::kYes;
      }
      if (best == Match::kNo) {
        scope = Match::kNo;
        scope_why = "token scope does not admit the path of " + What(req);
        break;
      }
      if (best == Match::kMaybe) {
        scope = std::min(scope, Match::kMaybe);
        scope_why = "token scope admits only some paths";
      }
    }
  }
  if (scope == Match::kNo || (scope == Match::kMaybe && doc)) {
    d.effect = Decision::Effect::kDeny;
    d.reason = scope_why.empty() ? "token scope does not admit this request" : scope_why;
    return d;
  }

  // Per-entity grants (allow only).
  bool granted = false;
  std::string grant_why;
  if (allow_rule < 0 && t.model != nullptr && t.model->entity_grants) {
    if (req.entity_grants != nullptr && req.entity_grants->is_object()) {
      auto g = req.entity_grants->find("grants");
      if (g != req.entity_grants->end() && g->is_array()) {
        size_t index = 0;
        for (const Json& e : *g) {
          ++index;
          if (!e.is_object()) continue;
          auto acts = e.find("actions");
          bool act_ok = false;
          if (acts != e.end() && acts->is_array()) {
            for (const Json& a : *acts) {
              act_ok = act_ok || (a.is_string() && (a == "*" || a == ActionName(req.action)));
            }
          }
          if (!act_ok) continue;
          bool who = false;
          if (auto ps = e.find("principals"); ps != e.end() && ps->is_array() && !p.anonymous()) {
            for (const Json& v : *ps) who = who || (v.is_string() && v == p.id);
          }
          if (auto rs = e.find("roles"); rs != e.end() && rs->is_array()) {
            for (const Json& v : *rs) {
              if (!v.is_string()) continue;
              auto ri = role_index_.find(v.get_ref<const std::string&>());
              who = who || (ri != role_index_.end() && st->role_set[ri->second]);
            }
          }
          if (who) {
            granted = true;
            grant_why = "granted by the entity's grant #" + std::to_string(index - 1) + " (" +
                        std::string(ActionName(req.action)) + " for " + Who(p) + ")";
            break;
          }
        }
      }
    } else if (!doc) {
      pend_allow = true;
    }
  }

  if (pend_deny) {
    d.effect = Decision::Effect::kNeedsDocument;
    d.reason = "a row-level deny rule decides: ask again with the document";
    return d;
  }
  if (allow_rule >= 0 || granted) {
    if (scope == Match::kMaybe) {
      d.effect = Decision::Effect::kNeedsDocument;
      d.reason = scope_why + ": ask again per entity";
      return d;
    }
    if (granted) {
      d.effect = Decision::Effect::kAllow;
      d.rule = t.model->grants_pointer;
      d.line = t.model->grants_line;
      d.column = t.model->grants_column;
      d.reason = std::move(grant_why);
      return d;
    }
    const Rule& r = rules_[allow_rule];
    d.effect = Decision::Effect::kAllow;
    d.rule = r.pointer;
    d.line = r.line;
    d.column = r.column;
    d.reason = r.allow_reason;
    return d;
  }
  if (pend_allow) {
    d.effect = Decision::Effect::kNeedsDocument;
    d.reason =
        "only a row-level condition or an entity grant can allow this: ask again with "
        "the document";
    return d;
  }
  // Denials are frequent in filtered listings: one allocation for the reason.
  d.effect = Decision::Effect::kDeny;
  std::string_view action = ActionName(req.action);
  std::string_view what = req.resource.model.empty() ? req.resource.key : req.resource.model;
  d.reason.reserve(40 + action.size() + what.size() + st->who.size());
  d.reason.append("no rule grants ").append(action).append(" on ").append(what);
  d.reason.append(" to ").append(st->who).append(" (default deny)");
  return d;
}

std::optional<std::vector<std::string>> CompiledPolicy::ConditionFields(
    const Principal& p, std::string_view model) const {
  std::vector<std::string> out;
  if (!enabled_) return out;
  auto mi = model_index_.find(model);
  const PrincipalState* st = StateFor(p);
  auto add = [&](int i) {
    const Rule& r = rules_[i];
    if (!r.has_where || !st->subject[i]) return;
    out.insert(out.end(), r.where_fields.begin(), r.where_fields.end());
  };
  for (int i : bucket_rules_) add(i);
  if (mi != model_index_.end()) {
    for (int i : models_[mi->second].rules) add(i);
  }
  for (int i : path_rules_) {
    if (mi == model_index_.end() ||
        static_cast<Match>(rules_[i].path_relation[mi->second]) != Match::kNo) {
      add(i);
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// Decide() for one entity with its document, when nothing but the document
// varies between the entities of a model: every rule that applies is a
// bucket or model rule, or a path rule that covers every key of the model
// (Match::kYes on its template: a concrete key, whose ids are never system
// segments, matches too; kNo on the template: none does); no entity grants;
// token scopes only on actions and models. Then Decide() with a document is
// "no applicable deny holds, and an applicable allow holds" per action.
RowCheck CompiledPolicy::CompileRowCheck(const Principal& p, std::string_view model,
                                         const std::vector<Action>& actions) const {
  if (!enabled_) return [](const Json&) { return true; };
  auto mi = model_index_.find(model);
  if (mi == model_index_.end() || models_[mi->second].entity_grants) return {};
  const ModelInfo& m = models_[mi->second];
  bool admitted = true;  // by the token's scopes
  for (const Scope& s : p.scopes) {
    if (!s.ids.empty() || !s.paths.empty()) return {};
    for (Action a : actions) {
      if (!s.actions.empty() && std::find(s.actions.begin(), s.actions.end(), a) == s.actions.end())
        admitted = false;
    }
    if (!s.models.empty() && !Contains(s.models, model)) admitted = false;
  }
  if (!admitted) return [](const Json&) { return false; };
  // Its own state (not the per-thread cache): the test outlives this call.
  std::shared_ptr<const PrincipalState> st = BuildState(p);
  // A condition: null holds always; `never` rules are left out.
  struct Term {
    int rule;
    const query::FilterNode* node;
  };
  std::vector<Term> denies;
  std::vector<std::vector<Term>> allows;  // per action: any one must hold
  bool always_denied = false;
  for (Action a : actions) {
    const uint32_t bit = ActionBit(a);
    std::vector<Term> any;
    bool always = false;
    bool unknown = false;
    auto take = [&](int i) {
      const Rule& r = rules_[i];
      if (!(r.actions & bit) || !st->subject[i]) return;
      Term c{i, nullptr};
      if (r.has_where) {
        if (!r.where_vars) {
          c.node = &*r.where;
        } else if (st->cond[i] == Cond::kNever) {
          return;
        } else if (st->cond[i] == Cond::kEval) {
          c.node = &*st->where[i];
        }
      }
      if (r.deny) {
        if (c.node == nullptr) always_denied = true;
        bool seen = false;
        for (const Term& d : denies) seen = seen || d.rule == i;
        if (!seen) denies.push_back(c);
      } else if (c.node == nullptr) {
        always = true;
      } else {
        any.push_back(c);
      }
    };
    for (int i : bucket_rules_) take(i);
    for (int i : m.rules) take(i);
    for (int i : path_rules_) {
      const Rule& r = rules_[i];
      Match rel = static_cast<Match>(r.path_relation[mi->second]);
      if (rel == Match::kNo) continue;
      if (rel == Match::kMaybe && (r.actions & bit) && st->subject[i]) unknown = true;
      if (rel == Match::kYes) take(i);
    }
    if (unknown) return {};
    if (always) continue;
    if (any.empty()) return [](const Json&) { return false; };  // nothing allows it
    bool same = false;  // list and read are often granted by the same rules
    for (const auto& group : allows) {
      same = same || (group.size() == any.size() &&
                      std::equal(group.begin(), group.end(), any.begin(),
                                 [](const Term& x, const Term& y) { return x.rule == y.rule; }));
    }
    if (!same) allows.push_back(std::move(any));
  }
  if (always_denied) return [](const Json&) { return false; };
  std::vector<const query::FilterNode*> deny_nodes;
  for (const Term& c : denies) deny_nodes.push_back(c.node);
  std::vector<std::vector<const query::FilterNode*>> allow_nodes;
  for (const auto& group : allows) {
    allow_nodes.emplace_back();
    for (const Term& c : group) allow_nodes.back().push_back(c.node);
  }
  return [st, deny_nodes = std::move(deny_nodes),
          allow_nodes = std::move(allow_nodes)](const Json& doc) {
    for (const query::FilterNode* n : deny_nodes) {
      if (query::EvalFilter(*n, doc)) return false;
    }
    for (const auto& group : allow_nodes) {
      bool holds = false;
      for (size_t i = 0; i < group.size() && !holds; ++i) holds = query::EvalFilter(*group[i], doc);
      if (!holds) return false;
    }
    return true;
  };
}

FieldAccess CompiledPolicy::Fields(const Principal& p, std::string_view model) const {
  FieldAccess out;
  const ModelInfo* m = FindModel(model);
  if (!enabled_ || m == nullptr || m->fields.empty()) return out;
  const PrincipalState* st = StateFor(p);
  std::set<std::string> hidden, read_only;
  auto add = [&](const FieldMask& mask) {
    hidden.insert(mask.hidden.begin(), mask.hidden.end());
    read_only.insert(mask.read_only.begin(), mask.read_only.end());
  };
  // Masks add up: the strictest wins, as for rules.
  for (size_t r = 0; r < role_names_.size(); ++r) {
    if (!st->role_set[r]) continue;
    auto it = m->fields.find(role_names_[r]);
    if (it != m->fields.end()) add(it->second);
  }
  if (auto it = m->fields.find("*"); it != m->fields.end()) add(it->second);
  out.hidden.assign(hidden.begin(), hidden.end());
  out.read_only.assign(read_only.begin(), read_only.end());
  return out;
}

}  // namespace worm::security::internal

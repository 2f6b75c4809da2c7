#include "server/bucket_policy.h"

#include <arpa/inet.h>
#include <strings.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>
#include <set>

#include "core/strings.h"
#include "server/s3_errors.h"

namespace worm::server {

namespace {

constexpr std::string_view kActionNames[] = {
    "s3:ListAllMyBuckets",
    "s3:CreateBucket",
    "s3:DeleteBucket",
    "s3:ListBucket",
    "s3:ListBucketVersions",
    "s3:ListBucketMultipartUploads",
    "s3:GetBucketLocation",
    "s3:GetBucketVersioning",
    "s3:PutBucketVersioning",
    "s3:GetBucketPolicy",
    "s3:PutBucketPolicy",
    "s3:DeleteBucketPolicy",
    "s3:GetBucketPolicyStatus",
    "s3:GetBucketAcl",
    "s3:PutBucketAcl",
    "s3:GetBucketPublicAccessBlock",
    "s3:PutBucketPublicAccessBlock",
    "s3:GetBucketOwnershipControls",
    "s3:PutBucketOwnershipControls",
    "s3:GetObject",
    "s3:GetObjectVersion",
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:AbortMultipartUpload",
    "s3:ListMultipartUploadParts",
    "s3:GetObjectAcl",
    "s3:PutObjectAcl",
    "s3:GetObjectTagging",
    "s3:PutObjectTagging",
};
static_assert(std::size(kActionNames) == kS3ActionCount);

}  // namespace

std::string_view S3ActionName(S3Action action) {
  return kActionNames[static_cast<int>(action)];
}

std::optional<S3Action> ParseS3Action(std::string_view name) {
  for (int i = 0; i < kS3ActionCount; ++i) {
    if (name.size() == kActionNames[i].size() &&
        strncasecmp(name.data(), kActionNames[i].data(), name.size()) == 0) {
      return static_cast<S3Action>(i);
    }
  }
  return std::nullopt;
}

bool IsObjectAction(S3Action a) { return a >= S3Action::kGetObject; }

bool WildcardMatch(std::string_view p, std::string_view t, bool fold) {
  auto eq = [fold](char a, char b) {
    return fold ? std::tolower(static_cast<unsigned char>(a)) ==
                      std::tolower(static_cast<unsigned char>(b))
                : a == b;
  };
  // Iterative glob with one backtrack point: linear in practice, never
  // exponential (fuzzed patterns hold many stars).
  size_t pi = 0, ti = 0, star = std::string_view::npos, mark = 0;
  while (ti < t.size()) {
    if (pi < p.size() && (p[pi] == '?' || (p[pi] != '*' && eq(p[pi], t[ti])))) {
      ++pi;
      ++ti;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = ti;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

std::string PrincipalIdentity(std::string_view p) {
  auto account = [](std::string_view s) {
    return s.size() == 12 && s.find_first_not_of("0123456789") == std::string_view::npos;
  };
  constexpr std::string_view kIam = "arn:aws:iam::";
  if (p.substr(0, kIam.size()) == kIam) {
    std::string_view rest = p.substr(kIam.size());
    size_t colon = rest.find(':');
    if (colon == std::string_view::npos || !account(rest.substr(0, colon))) return "";
    std::string_view what = rest.substr(colon + 1);
    if (what == "root") return std::string(kRootIdentity);
    if (what.substr(0, 5) == "user/" && what.size() > 5) {
      std::string_view id = what.substr(5);
      size_t slash = id.rfind('/');  // user paths: user/division/alice
      return std::string(slash == std::string_view::npos ? id : id.substr(slash + 1));
    }
    return "";
  }
  if (account(p)) return std::string(kRootIdentity);
  if (p.empty() || p.find_first_of(":/*? ") != std::string_view::npos) return "";
  return std::string(p);
}

// ---- Compiled form ------------------------------------------------------------

namespace {

enum class Op {
  kStringEquals,
  kStringNotEquals,
  kStringEqualsIgnoreCase,
  kStringNotEqualsIgnoreCase,
  kStringLike,
  kStringNotLike,
  kNumericEquals,
  kNumericNotEquals,
  kNumericLessThan,
  kNumericLessThanEquals,
  kNumericGreaterThan,
  kNumericGreaterThanEquals,
  kDateEquals,
  kDateNotEquals,
  kDateLessThan,
  kDateLessThanEquals,
  kDateGreaterThan,
  kDateGreaterThanEquals,
  kBool,
  kIpAddress,
  kNotIpAddress,
  kArnEquals,
  kArnLike,
  kArnNotEquals,
  kArnNotLike,
  kNull,
};

struct OpName {
  std::string_view name;
  Op op;
  bool negated;
};
constexpr OpName kOps[] = {
    {"StringEquals", Op::kStringEquals, false},
    {"StringNotEquals", Op::kStringNotEquals, true},
    {"StringEqualsIgnoreCase", Op::kStringEqualsIgnoreCase, false},
    {"StringNotEqualsIgnoreCase", Op::kStringNotEqualsIgnoreCase, true},
    {"StringLike", Op::kStringLike, false},
    {"StringNotLike", Op::kStringNotLike, true},
    {"NumericEquals", Op::kNumericEquals, false},
    {"NumericNotEquals", Op::kNumericNotEquals, true},
    {"NumericLessThan", Op::kNumericLessThan, false},
    {"NumericLessThanEquals", Op::kNumericLessThanEquals, false},
    {"NumericGreaterThan", Op::kNumericGreaterThan, false},
    {"NumericGreaterThanEquals", Op::kNumericGreaterThanEquals, false},
    {"DateEquals", Op::kDateEquals, false},
    {"DateNotEquals", Op::kDateNotEquals, true},
    {"DateLessThan", Op::kDateLessThan, false},
    {"DateLessThanEquals", Op::kDateLessThanEquals, false},
    {"DateGreaterThan", Op::kDateGreaterThan, false},
    {"DateGreaterThanEquals", Op::kDateGreaterThanEquals, false},
    {"Bool", Op::kBool, false},
    {"IpAddress", Op::kIpAddress, false},
    {"NotIpAddress", Op::kNotIpAddress, true},
    {"ArnEquals", Op::kArnEquals, false},
    {"ArnLike", Op::kArnLike, false},
    {"ArnNotEquals", Op::kArnNotEquals, true},
    {"ArnNotLike", Op::kArnNotLike, true},
    {"Null", Op::kNull, false},
};

enum class SetQualifier { kNone, kForAnyValue, kForAllValues };

// An IPv4 or IPv6 network (IPv4 kept as IPv4-mapped IPv6).
struct Cidr {
  uint8_t addr[16] = {};
  int bits = 128;
};

bool ParseIp(std::string_view text, uint8_t out[16], bool* v4) {
  std::string s(text);
  in_addr a4;
  if (inet_pton(AF_INET, s.c_str(), &a4) == 1) {
    std::memset(out, 0, 10);
    out[10] = out[11] = 0xff;
    std::memcpy(out + 12, &a4, 4);
    *v4 = true;
    return true;
  }
  in6_addr a6;
  if (inet_pton(AF_INET6, s.c_str(), &a6) == 1) {
    std::memcpy(out, &a6, 16);
    *v4 = false;
    return true;
  }
  return false;
}

bool ParseCidr(std::string_view text, Cidr* c) {
  size_t slash = text.find('/');
  bool v4 = false;
  if (!ParseIp(text.substr(0, slash), c->addr, &v4)) return false;
  int max = v4 ? 32 : 128;
  int bits = max;
  if (slash != std::string_view::npos) {
    std::string_view b = text.substr(slash + 1);
    if (b.empty() || b.size() > 3 || b.find_first_not_of("0123456789") != std::string_view::npos)
      return false;
    bits = std::stoi(std::string(b));
    if (bits > max) return false;
  }
  c->bits = v4 ? bits + 96 : bits;
  return true;
}

bool InCidr(const Cidr& c, std::string_view ip) {
  uint8_t a[16];
  bool v4 = false;
  if (!ParseIp(ip, a, &v4)) return false;
  int full = c.bits / 8, rest = c.bits % 8;
  if (std::memcmp(a, c.addr, full) != 0) return false;
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (a[full] & mask) == (c.addr[full] & mask);
}

// Seconds since the epoch from ISO 8601 ("2026-01-01", "2026-01-01T10:00:00Z",
// fractions and offsets tolerated as AWS does) or a plain epoch number.
std::optional<double> ParseDate(std::string_view text) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos &&
      text.size() <= 12) {
    return static_cast<double>(std::stoll(std::string(text)));
  }
  std::string s(text);
  std::tm tm{};
  const char* end = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (end == nullptr) {
    tm = {};
    end = strptime(s.c_str(), "%Y-%m-%d", &tm);
    if (end == nullptr || *end != '\0') return std::nullopt;
  }
  double secs = static_cast<double>(timegm(&tm));
  if (*end == '.') {
    ++end;
    while (std::isdigit(static_cast<unsigned char>(*end))) ++end;
  }
  if (*end == 'Z' || *end == '\0') return secs;
  if ((*end == '+' || *end == '-') && std::strlen(end) == 6 && end[3] == ':') {
    int sign = *end == '+' ? 1 : -1;
    int h = std::atoi(std::string(end + 1, 2).c_str());
    int m = std::atoi(std::string(end + 4, 2).c_str());
    return secs - sign * (h * 3600 + m * 60);
  }
  return std::nullopt;
}

std::optional<double> ParseNumber(std::string_view text) {
  if (text.empty() || text.size() > 40) return std::nullopt;
  std::string s(text);
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || *end != '\0') return std::nullopt;
  return v;
}

struct Condition {
  Op op;
  bool negated = false;
  bool if_exists = false;
  SetQualifier set = SetQualifier::kNone;
  std::string key;  // lowercase
  std::vector<std::string> values;
  std::vector<Cidr> cidrs;      // IpAddress/NotIpAddress
  std::vector<double> numbers;  // Numeric*/Date*
};

bool IsPublicRestrictingKey(std::string_view key) {
  // Keys whose fixed value pins the caller, so the statement is not public.
  return key == "aws:sourceip" || key == "aws:userid" || key == "aws:username" ||
         key == "aws:principalarn" || key == "aws:principalaccount" ||
         key == "aws:sourcearn" || key == "aws:sourcevpc" || key == "aws:sourcevpce" ||
         key == "aws:sourceaccount" || key == "aws:principalorgid";
}

}  // namespace

struct CompiledPolicy::Statement {
  std::string sid;
  bool deny = false;
  bool any_principal = false;      // "*": everyone, anonymous too
  bool not_principal = false;      // NotPrincipal: everyone but these
  std::vector<std::string> principals;  // identity ids
  bool not_action = false;
  std::vector<std::string> actions;  // patterns, for the index only
  bool not_resource = false;
  std::vector<std::string> resources;  // ARN patterns
  std::vector<Condition> conditions;
  bool is_public = false;
};

CompiledPolicy::CompiledPolicy() = default;
CompiledPolicy::~CompiledPolicy() = default;

size_t CompiledPolicy::statement_count() const { return statements_.size(); }

std::string_view CompiledPolicy::sid(int statement) const {
  if (statement < 0 || static_cast<size_t>(statement) >= statements_.size()) return {};
  return statements_[statement].sid;
}

namespace {

bool MatchOne(const Condition& c, std::string_view v, std::string_view policy_value, size_t i) {
  switch (c.op) {
    case Op::kStringEquals:
    case Op::kStringNotEquals:
    case Op::kArnEquals:
    case Op::kArnNotEquals:
      return v == policy_value;
    case Op::kStringEqualsIgnoreCase:
    case Op::kStringNotEqualsIgnoreCase:
      return v.size() == policy_value.size() &&
             strncasecmp(v.data(), policy_value.data(), v.size()) == 0;
    case Op::kStringLike:
    case Op::kStringNotLike:
    case Op::kArnLike:
    case Op::kArnNotLike:
      return WildcardMatch(policy_value, v, false);
    case Op::kBool:
      return strcasecmp(std::string(v).c_str(), std::string(policy_value).c_str()) == 0;
    case Op::kIpAddress:
    case Op::kNotIpAddress:
      return InCidr(c.cidrs[i], v);
    case Op::kNumericEquals:
    case Op::kNumericNotEquals:
    case Op::kNumericLessThan:
    case Op::kNumericLessThanEquals:
    case Op::kNumericGreaterThan:
    case Op::kNumericGreaterThanEquals:
    case Op::kDateEquals:
    case Op::kDateNotEquals:
    case Op::kDateLessThan:
    case Op::kDateLessThanEquals:
    case Op::kDateGreaterThan:
    case Op::kDateGreaterThanEquals: {
      const bool date = c.op >= Op::kDateEquals;
      std::optional<double> x = date ? ParseDate(v) : ParseNumber(v);
      if (!x) return false;
      const double y = c.numbers[i];
      switch (c.op) {
        case Op::kNumericEquals:
        case Op::kNumericNotEquals:
        case Op::kDateEquals:
        case Op::kDateNotEquals:
          return *x == y;
        case Op::kNumericLessThan:
        case Op::kDateLessThan:
          return *x < y;
        case Op::kNumericLessThanEquals:
        case Op::kDateLessThanEquals:
          return *x <= y;
        case Op::kNumericGreaterThan:
        case Op::kDateGreaterThan:
          return *x > y;
        default:
          return *x >= y;
      }
    }
    case Op::kNull:
      return false;  // handled by the caller
  }
  return false;
}

// One request value against the condition's values: matches any of them.
bool MatchesAny(const Condition& c, std::string_view v) {
  for (size_t i = 0; i < c.values.size(); ++i) {
    if (MatchOne(c, v, c.values[i], i)) return true;
  }
  return false;
}

// IAM semantics: values of one key are ORed; a negated operator holds when no
// value matches; a missing key fails a positive operator and passes a
// negated one (and ...IfExists passes either way).
bool Holds(const Condition& c, const ConditionKeys* keys, std::vector<std::string>* scratch) {
  scratch->clear();
  const bool present = keys != nullptr && keys->Get(c.key, scratch) && !scratch->empty();
  if (c.op == Op::kNull) {
    const bool want_absent = strcasecmp(c.values.empty() ? "" : c.values[0].c_str(), "true") == 0;
    return want_absent != present;
  }
  if (!present) {
    if (c.if_exists) return true;
    if (c.set == SetQualifier::kForAllValues) return true;
    return c.negated && c.set == SetQualifier::kNone;
  }
  switch (c.set) {
    case SetQualifier::kForAllValues:
      for (const std::string& v : *scratch) {
        if (MatchesAny(c, v) == c.negated) return false;
      }
      return true;
    case SetQualifier::kForAnyValue:
      for (const std::string& v : *scratch) {
        if (MatchesAny(c, v) != c.negated) return true;
      }
      return false;
    case SetQualifier::kNone:
      break;
  }
  bool any = false;
  for (const std::string& v : *scratch) any = any || MatchesAny(c, v);
  return c.negated ? !any : any;
}

bool PrincipalMatches(const CompiledPolicy::Statement& s, std::string_view principal) {
  bool listed = s.any_principal;
  if (!listed) {
    for (const std::string& p : s.principals) {
      if (p == principal) {
        listed = true;
        break;
      }
    }
  }
  return s.not_principal ? !listed : listed;
}

bool ResourceMatches(const CompiledPolicy::Statement& s, std::string_view resource) {
  bool any = false;
  for (const std::string& r : s.resources) {
    if (WildcardMatch(r, resource, false)) {
      any = true;
      break;
    }
  }
  return s.not_resource ? !any : any;
}

}  // namespace

PolicyDecision CompiledPolicy::Evaluate(const PolicyRequest& request, bool ignore_public) const {
  PolicyDecision out;
  const auto& index = by_action_[static_cast<int>(request.action)];
  std::vector<std::string> scratch;
  for (uint16_t i : index) {
    const Statement& s = statements_[i];
    // Deny statements come first in the index: once an allow is found, only
    // a deny could still change the outcome, and none follows.
    if (!s.deny && out.effect == PolicyEffect::kAllow) break;
    if (!s.deny && ignore_public && s.is_public) continue;
    if (!PrincipalMatches(s, request.principal)) continue;
    if (!ResourceMatches(s, request.resource)) continue;
    bool ok = true;
    for (const Condition& c : s.conditions) {
      if (!Holds(c, request.keys, &scratch)) {
        ok = false;
        break;
      }
    }
    if (!ok) continue;
    if (s.deny) return {PolicyEffect::kDeny, static_cast<int>(i)};
    out = {PolicyEffect::kAllow, static_cast<int>(i)};
  }
  return out;
}

// ---- Parsing ------------------------------------------------------------------

namespace {

using nlohmann::json;

Status Malformed(std::string message) {
  return S3Error(S3Code::kMalformedPolicy, std::move(message));
}

// A string or a non-empty list of strings.
Result<std::vector<std::string>> Strings(const json& v, std::string_view what) {
  std::vector<std::string> out;
  if (v.is_string()) {
    out.push_back(v.get<std::string>());
  } else if (v.is_array() && !v.empty()) {
    for (const json& e : v) {
      if (!e.is_string()) return Malformed(std::string(what) + " must be a string or strings");
      out.push_back(e.get<std::string>());
    }
  } else {
    return Malformed(std::string(what) + " must be a string or a non-empty list of strings");
  }
  return out;
}

std::string ConditionValue(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  return v.dump();  // numbers
}

Status ParsePrincipal(const json& v, CompiledPolicy::Statement* s) {
  if (v.is_string()) {
    if (v.get<std::string>() != "*") return Malformed("Invalid principal in policy");
    s->any_principal = true;
    return Status::OK();
  }
  if (!v.is_object() || v.empty()) return Malformed("Invalid principal in policy");
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (it.key() != "AWS" && it.key() != "CanonicalUser") {
      return Malformed("Invalid principal in policy: principal type '" + it.key() +
                       "' (use \"AWS\" or \"CanonicalUser\")");
    }
    ASSIGN_OR_RETURN(std::vector<std::string> ids, Strings(it.value(), "Principal"));
    for (const std::string& p : ids) {
      if (p == "*") {
        s->any_principal = true;
        continue;
      }
      std::string id = it.key() == "CanonicalUser" ? p : PrincipalIdentity(p);
      if (id.empty()) return Malformed("Invalid principal in policy: '" + p + "'");
      s->principals.push_back(std::move(id));
    }
  }
  return Status::OK();
}

Status ParseCondition(const json& v, CompiledPolicy::Statement* s) {
  if (!v.is_object()) return Malformed("Condition must be an object of operators");
  for (auto it = v.begin(); it != v.end(); ++it) {
    std::string_view name = it.key();
    SetQualifier set = SetQualifier::kNone;
    if (name.substr(0, 12) == "ForAnyValue:") {
      set = SetQualifier::kForAnyValue;
      name.remove_prefix(12);
    } else if (name.substr(0, 13) == "ForAllValues:") {
      set = SetQualifier::kForAllValues;
      name.remove_prefix(13);
    }
    bool if_exists = false;
    if (name.size() > 8 && name.substr(name.size() - 8) == "IfExists") {
      if_exists = true;
      name.remove_suffix(8);
    }
    const OpName* op = nullptr;
    for (const OpName& o : kOps) {
      if (o.name == name) op = &o;
    }
    if (op == nullptr || (op->op == Op::kNull && (if_exists || set != SetQualifier::kNone))) {
      return Malformed("Invalid Condition type: " + it.key());
    }
    if (!it.value().is_object() || it.value().empty()) {
      return Malformed("Condition " + it.key() + " must be an object of keys");
    }
    for (auto k = it.value().begin(); k != it.value().end(); ++k) {
      Condition c;
      c.op = op->op;
      c.negated = op->negated;
      c.if_exists = if_exists;
      c.set = set;
      c.key = AsciiLower(k.key());
      if (c.key.empty() || c.key.find(':') == std::string::npos) {
        return Malformed("Invalid Condition key: '" + k.key() + "'");
      }
      const json& vals = k.value();
      if (vals.is_array()) {
        if (vals.empty()) return Malformed("Condition " + k.key() + " has no values");
        for (const json& e : vals) {
          if (e.is_object() || e.is_array() || e.is_null())
            return Malformed("Condition " + k.key() + ": values must be strings");
          c.values.push_back(ConditionValue(e));
        }
      } else if (vals.is_object() || vals.is_null()) {
        return Malformed("Condition " + k.key() + ": values must be strings");
      } else {
        c.values.push_back(ConditionValue(vals));
      }
      for (const std::string& val : c.values) {
        if (c.op == Op::kIpAddress || c.op == Op::kNotIpAddress) {
          Cidr cidr;
          if (!ParseCidr(val, &cidr)) {
            return Malformed("Invalid IP address in Condition " + k.key() + ": '" + val + "'");
          }
          c.cidrs.push_back(cidr);
        } else if (c.op >= Op::kNumericEquals && c.op <= Op::kDateGreaterThanEquals) {
          const bool date = c.op >= Op::kDateEquals;
          std::optional<double> n = date ? ParseDate(val) : ParseNumber(val);
          if (!n) {
            return Malformed(std::string(date ? "Invalid date" : "Invalid number") +
                             " in Condition " + k.key() + ": '" + val + "'");
          }
          c.numbers.push_back(*n);
        } else if (c.op == Op::kBool || c.op == Op::kNull) {
          if (strcasecmp(val.c_str(), "true") != 0 && strcasecmp(val.c_str(), "false") != 0) {
            return Malformed("Condition " + it.key() + " " + k.key() +
                             " takes true or false, not '" + val + "'");
          }
        }
      }
      s->conditions.push_back(std::move(c));
    }
  }
  return Status::OK();
}

bool StatementIsPublic(const CompiledPolicy::Statement& s) {
  if (s.deny) return false;
  if (!s.any_principal && !s.not_principal) return false;
  for (const Condition& c : s.conditions) {
    if (c.negated || c.if_exists) continue;
    if (!IsPublicRestrictingKey(c.key)) continue;
    if (c.op == Op::kIpAddress) {
      // A network of at most 2^24 addresses (IPv4 /8, as AWS) pins callers.
      bool narrow = true;
      for (const Cidr& n : c.cidrs) narrow = narrow && n.bits >= 104;
      if (narrow) return false;
      continue;
    }
    bool fixed = true;  // no wildcard in a value
    for (const std::string& v : c.values) fixed = fixed && v.find_first_of("*?") == std::string::npos;
    if (fixed && c.op != Op::kNull) return false;
  }
  return true;
}

}  // namespace

Result<std::shared_ptr<const CompiledPolicy>> CompileBucketPolicy(std::string_view text,
                                                                  std::string_view bucket) {
  if (text.size() > kMaxPolicyBytes) {
    return Malformed("Policies must be smaller than 20 KB (this one is " +
                     std::to_string(text.size()) + " bytes)");
  }
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos || text[first] != '{') {
    return Malformed("Policies must be valid JSON and the first byte must be '{'");
  }
  json doc = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Malformed("This policy contains invalid JSON");
  }
  auto policy = std::make_shared<CompiledPolicy>();
  policy->text_ = std::string(text);
  const json* statements = nullptr;
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    if (it.key() == "Version") {
      if (!it.value().is_string() ||
          (it.value() != "2012-10-17" && it.value() != "2008-10-17")) {
        return Malformed("The policy must contain a valid version string (2012-10-17)");
      }
    } else if (it.key() == "Id") {
      if (!it.value().is_string()) return Malformed("Id must be a string");
    } else if (it.key() == "Statement") {
      statements = &it.value();
    } else {
      return Malformed("Unknown field " + it.key());
    }
  }
  if (statements == nullptr) return Malformed("Missing required field Statement");
  std::vector<const json*> list;
  if (statements->is_object()) {
    list.push_back(statements);
  } else if (statements->is_array() && !statements->empty()) {
    for (const json& s : *statements) list.push_back(&s);
  } else {
    return Malformed("Statement must be an object or a non-empty list of objects");
  }
  if (list.size() > 0xffff) return Malformed("Too many statements");
  const std::string bucket_arn = "arn:aws:s3:::" + std::string(bucket);
  std::set<std::string> sids;
  for (size_t n = 0; n < list.size(); ++n) {
    const json& js = *list[n];
    const std::string where = "Statement " + std::to_string(n + 1);
    if (!js.is_object()) return Malformed(where + " must be an object");
    CompiledPolicy::Statement s;
    bool has_effect = false, has_principal = false, has_action = false, has_resource = false;
    for (auto it = js.begin(); it != js.end(); ++it) {
      const std::string& k = it.key();
      const json& v = it.value();
      if (k == "Sid") {
        if (!v.is_string()) return Malformed(where + ": Sid must be a string");
        s.sid = v.get<std::string>();
        if (!s.sid.empty() && !sids.insert(s.sid).second) {
          return Malformed("Statement IDs (SID) in a single policy must be unique: '" + s.sid +
                           "'");
        }
      } else if (k == "Effect") {
        if (v != "Allow" && v != "Deny") {
          return Malformed(where + ": Effect must be \"Allow\" or \"Deny\"");
        }
        s.deny = v == "Deny";
        has_effect = true;
      } else if (k == "Principal" || k == "NotPrincipal") {
        if (has_principal) return Malformed(where + ": give Principal or NotPrincipal, not both");
        has_principal = true;
        s.not_principal = k == "NotPrincipal";
        RETURN_NOT_OK(ParsePrincipal(v, &s).WithContext(where));
      } else if (k == "Action" || k == "NotAction") {
        if (has_action) return Malformed(where + ": give Action or NotAction, not both");
        has_action = true;
        s.not_action = k == "NotAction";
        ASSIGN_OR_RETURN(s.actions, Strings(v, k));
        for (const std::string& a : s.actions) {
          bool any = a == "*";
          for (int i = 0; i < kS3ActionCount && !any; ++i) {
            any = WildcardMatch(a, kActionNames[i], true);
          }
          // Actions of S3 this server does not answer are valid all the same.
          if (!any && (a.size() < 4 || strncasecmp(a.c_str(), "s3:", 3) != 0 ||
                       a.find_first_of(" \t\"") != std::string::npos)) {
            return Malformed("Policy has invalid action: '" + a + "'");
          }
        }
      } else if (k == "Resource" || k == "NotResource") {
        if (has_resource) return Malformed(where + ": give Resource or NotResource, not both");
        has_resource = true;
        s.not_resource = k == "NotResource";
        ASSIGN_OR_RETURN(s.resources, Strings(v, k));
        for (const std::string& r : s.resources) {
          // AWS refuses a resource outside the bucket the policy is put on.
          const bool in_bucket =
              r == "*" || r == bucket_arn ||
              (r.size() > bucket_arn.size() && r.compare(0, bucket_arn.size(), bucket_arn) == 0 &&
               r[bucket_arn.size()] == '/') ||
              (r.size() > 13 && r.compare(0, 13, "arn:aws:s3:::") == 0 &&
               r.find_first_of("*?") != std::string::npos &&
               WildcardMatch(r.substr(0, r.find('/')), bucket_arn, false));
          if (!in_bucket) {
            return Malformed("Policy has invalid resource: '" + r +
                             "' (a resource must be in bucket '" + std::string(bucket) + "')");
          }
        }
      } else if (k == "Condition") {
        RETURN_NOT_OK(ParseCondition(v, &s).WithContext(where));
      } else {
        return Malformed(where + ": unknown field " + k);
      }
    }
    if (!has_effect) return Malformed(where + ": missing required field Effect");
    if (!has_principal) return Malformed(where + ": missing required field Principal");
    if (!has_action) return Malformed(where + ": missing required field Action");
    if (!has_resource) return Malformed(where + ": missing required field Resource");
    s.is_public = StatementIsPublic(s);
    policy->is_public_ = policy->is_public_ || s.is_public;
    policy->statements_.push_back(std::move(s));
  }
  // Index: for each action, the statements that can apply, denies first.
  policy->by_action_.assign(kS3ActionCount, {});
  for (int a = 0; a < kS3ActionCount; ++a) {
    for (int pass = 0; pass < 2; ++pass) {
      for (size_t i = 0; i < policy->statements_.size(); ++i) {
        const CompiledPolicy::Statement& s = policy->statements_[i];
        if (s.deny != (pass == 0)) continue;
        bool named = false;
        for (const std::string& p : s.actions) {
          named = named || WildcardMatch(p, kActionNames[a], true);
        }
        if (named != s.not_action) policy->by_action_[a].push_back(static_cast<uint16_t>(i));
      }
    }
  }
  return std::shared_ptr<const CompiledPolicy>(std::move(policy));
}

// ---- Fuzzing -------------------------------------------------------------------

namespace {

class FuzzKeys : public ConditionKeys {
 public:
  bool Get(std::string_view key, std::vector<std::string>* out) const override {
    if (key == "aws:sourceip") out->push_back("127.0.0.1");
    else if (key == "aws:securetransport") out->push_back("false");
    else if (key == "s3:prefix") out->push_back("docs/");
    else if (key == "aws:currenttime") out->push_back("2026-01-01T00:00:00Z");
    else if (key == "s3:max-keys") out->push_back("10");
    else return false;
    return true;
  }
};

}  // namespace

Status FuzzBucketPolicy(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  Result<std::shared_ptr<const CompiledPolicy>> p = CompileBucketPolicy(text, "fuzz");
  if (!p.ok()) {
    if (ToS3Error(p.status()).code != "MalformedPolicy") {
      return Status::Internal("a refused policy must be MalformedPolicy");
    }
    return p.status();
  }
  FuzzKeys keys;
  for (int a = 0; a < kS3ActionCount; ++a) {
    PolicyRequest r;
    r.action = static_cast<S3Action>(a);
    r.resource = IsObjectAction(r.action) ? "arn:aws:s3:::fuzz/docs/a.txt" : "arn:aws:s3:::fuzz";
    r.principal = (a % 3 == 0) ? "" : "alice";
    r.keys = (a % 2 == 0) ? &keys : nullptr;
    (void)(*p)->Evaluate(r, a % 5 == 0);
  }
  (void)(*p)->is_public();
  return Status::OK();
}

}  // namespace worm::server

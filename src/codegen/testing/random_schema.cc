// The generators of random_schema.h. Schemas are built as JSON, loaded with
// schema::LoadSchema (retrying another sub-seed when a combination does not
// load), and documents are built from the loaded model: a valid base per
// document, then one mutation aimed at one rule.
#include "codegen/testing/random_schema.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>

namespace worm::codegen::testing {
namespace {

using schema::Field;
using schema::FieldType;

// Deterministic on every platform: only mt19937_64's raw output is used.
class Rng {
 public:
  explicit Rng(uint64_t seed) : gen_(seed) {}
  uint64_t U64() { return gen_(); }
  // 0..n-1 (n > 0).
  size_t Below(size_t n) { return static_cast<size_t>(gen_() % n); }
  // lo..hi inclusive.
  int64_t Range(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(gen_() % static_cast<uint64_t>(hi - lo + 1));
  }
  bool Percent(int p) { return static_cast<int>(gen_() % 100) < p; }
  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return v[Below(v.size())];
  }

 private:
  std::mt19937_64 gen_;
};

// ---- schemas ------------------------------------------------------------------

struct PatternCase {
  std::string pattern;
  std::vector<std::string> good, bad;
};

// Patterns whose meaning RE2 (the engine), ECMAScript with and without the
// u flag (Zod, ajv) agree on, as full matches...
const std::vector<PatternCase>& SafePatterns() {
  static const auto* v = new std::vector<PatternCase>{
      {"[a-z]+", {"abc", "z", "hello"}, {"ABC", "", "a1", "abc "}},
      {"[A-Z]{2}[0-9]{3}", {"AB123", "ZZ000"}, {"AB12", "ab123", "AB1234", "XAB123"}},
      {"(foo|bar)-[0-9]+", {"foo-1", "bar-42"}, {"baz-1", "foo-", "xfoo-1", "foo-1x"}},
      {"a|bc", {"a", "bc"}, {"ab", "abc", "c", "xbc", "ax"}},
      {"[^@ ]+@[^@ ]+\\.[a-z]{2,}", {"a@b.io", "me@example.com"}, {"a@b", "a b@c.de", "@x.io"}},
      {"\\d{4}", {"2024", "0000"}, {"202", "20245", "\xd9\xa2\xd9\xa0\xd9\xa2\xd9\xa4"}},
      {"[a-zA-Z0-9_]{2,10}", {"ab", "A_1", "x123456789"}, {"a", "a-b", "\xc3\xa9t\xc3\xa9"}},
      {"x*", {"", "x", "xxx"}, {"y", "xy"}},
  };
  return *v;
}

// ... and some whose meaning differs between readers on purpose (any
// character versus UTF-16 units, Unicode spaces): they find targets that
// pass RE2 patterns to JavaScript unchanged.
const std::vector<PatternCase>& TrickyPatterns() {
  static const auto* v = new std::vector<PatternCase>{
      {".{2}",
       {"ab", "\xc3\xa9\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80\xf0\x9f\x98\x80"},
       {"a", "abc"}},
      {"[^x]{1,3}", {"\xf0\x9f\x98\x80", "ab"}, {"x", "abcd"}},
      {"\\s*[a-z]+",
       {" a", "abc"},
       {"\xc2\xa0"
        "a",
        "\xe2\x80\x83"
        "b",
        "1"}},
      {"[a-z]+\\b", {"abc"}, {"abc!"}},
  };
  return *v;
}

struct IdType {
  std::string name;
  std::string op;  // "" = none given (the default for the type)
};

const std::vector<std::string> kFieldNames = {
    "name",  "title", "count", "price", "active", "born",  "seenAt", "tags",  "address",
    "meta",  "score", "level", "note",  "code",   "ratio", "items",  "flags", "when",
    "label", "size",  "kind",  "email", "amount", "dims",  "owner",  "parts"};
// Names that stress code generators (keywords, spaces, prototype members,
// non-ASCII); a few schemas get one.
const std::vector<std::string> kOddNames = {
    "class",       "default",  "two words", "with-dash", "\xc3\xbcn\xc3\xaf", "1st",
    "constructor", "toString", "__proto__", "delete",    "namespace",         "x y.z"};

class SchemaGen {
 public:
  explicit SchemaGen(uint64_t seed) : r_(seed) {}

  Json Build() {
    Json s;
    s["schemaVersion"] = "1.0";
    if (r_.Percent(40)) {
      s["dynamicTypes"]["slug"] = {{"regex", "^[a-z0-9-]+$"}};
      s["dynamicTypes"]["code"] = {{"regex", "^[A-Z]{2}[0-9]{3,6}$"}};
      custom_types_ = true;
    }
    if (r_.Percent(30)) {
      s["operators"]["seq10"] = {{"strategy", "increment"}, {"startAt", 10}, {"step", 5}};
      seq10_ = true;
    }
    static const std::vector<std::string> kLayouts = {"root", "collection", "inline"};
    s["storage"]["layout"] = r_.Pick(kLayouts);
    odd_names_ = r_.Percent(25);
    int n = static_cast<int>(r_.Range(1, 6));
    Json models = Json::object();
    for (int i = 0; i < n; ++i) {
      std::string name = "M" + std::to_string(i) +
                         r_.Pick(std::vector<std::string>{"Item", "Customer", "Order", "Team",
                                                          "Note", "Setting", "Event"});
      models[name] = Model(i, name);
      names_.push_back(name);
    }
    s["models"] = models;
    return s;
  }

 private:
  Json Model(int index, const std::string& name) {
    Json m = Json::object();
    std::string ns = "#" + std::string(index % 2 ? "app" : "org");
    std::string coll = "@c" + std::to_string(index);
    int shape = static_cast<int>(r_.Below(10));  // 0-5 flat, 6-7 nested 2, 8 nested 3, 9 singleton
    std::string path;
    std::pair<std::string, std::string> own_target;
    dyn_names_.clear();
    bool singleton = shape == 9 && index > 0;
    if (singleton) {
      path = ns + "/@s" + std::to_string(index);
      m["singleton"] = true;
    } else {
      int depth = shape == 8 ? 3 : shape >= 6 ? 2 : 1;
      static const std::vector<std::string> kParents = {"orgId", "deptId", "teamId", "userId"};
      path = ns;
      IdType last = PickIdType();
      for (int d = 0; d < depth; ++d) {
        bool is_last = d + 1 == depth;
        std::string seg = is_last ? (depth == 1 || r_.Percent(50) ? "id" : "itemId") : kParents[d];
        std::string type = is_last ? last.name : PickParentType();
        path += (d == 0 ? "/" + coll : "/@sub" + std::to_string(d)) + "/(" + seg + ":" + type + ")";
        dyn_names_.insert(seg);
      }
      if (!last.op.empty()) m["idOperator"] = last.op;
      if (r_.Percent(30)) m["idType"] = last.name;
      if (depth == 1) own_target = {name, last.name};
    }
    if (r_.Percent(40)) {
      path += "/[data].json";
    } else {
      m["file"] = r_.Percent(50) ? "[data].json" : "[doc" + std::to_string(index) + "].json";
    }
    m["path"] = path;
    if (r_.Percent(20)) m["allowUnknownFields"] = r_.Percent(70);
    if (r_.Percent(20)) {
      m["layout"] = r_.Pick(std::vector<std::string>{"root", "collection", "inline"});
    }
    if (r_.Percent(15)) m["oplog"] = true;
    if (r_.Percent(15)) m["softDelete"] = true;
    if (!singleton && r_.Percent(10)) m["mode"] = "appendonly";
    if (r_.Percent(10)) m["description"] = "Model " + name;
    m["fields"] = Fields(static_cast<int>(r_.Range(0, 8)), 0, true);
    // Refs go to earlier models only, so their entities can be made first.
    if (!own_target.first.empty()) ref_targets_.push_back(own_target);
    return m;
  }

  IdType PickIdType() {
    std::vector<IdType> types = {{"uuid", ""},   {"uuid", "auto"}, {"uuid7", ""}, {"int", ""},
                                 {"int", "seq"}, {"evm", ""},      {"sol", ""}};
    if (seq10_) types.push_back({"int", "seq10"});
    if (custom_types_) {
      types.push_back({"slug", ""});
      types.push_back({"code", ""});
    }
    return r_.Pick(types);
  }
  std::string PickParentType() {
    std::vector<std::string> types = {"uuid", "int", "evm"};
    if (custom_types_) types.push_back("slug");
    return r_.Pick(types);
  }

  std::string FieldName(const std::set<std::string>& taken, bool top) {
    for (int attempt = 0; attempt < 50; ++attempt) {
      std::string n;
      if (odd_names_ && r_.Percent(8)) {
        n = r_.Pick(kOddNames);
        if (n.find('.') != std::string::npos) continue;
      } else {
        n = r_.Pick(kFieldNames);
      }
      if (taken.count(n)) continue;
      if (top && (dyn_names_.count(n) || n == "id" || n == "createdAt" || n == "updatedAt")) {
        continue;
      }
      return n;
    }
    return "f" + std::to_string(taken.size());
  }

  Json Fields(int n, int depth, bool top) {
    Json fields = Json::object();
    std::set<std::string> taken;
    for (int i = 0; i < n; ++i) {
      std::string name = FieldName(taken, top);
      taken.insert(name);
      Json f = Field(depth, /*in_items=*/false);
      fields[name] = f;
    }
    return fields;
  }

  Json Field(int depth, bool in_items) {
    Json f = Json::object();
    int w = static_cast<int>(r_.Below(100));
    bool can_nest = depth < 3;
    bool can_ref = !ref_targets_.empty();
    if (w < 22) {
      String(f);
    } else if (w < 32) {
      f["type"] = "number";
      Bounds(f, false);
    } else if (w < 44) {
      f["type"] = "integer";
      Bounds(f, true);
    } else if (w < 51) {
      f["type"] = "boolean";
      if (r_.Percent(5)) f["enum"] = {true};
    } else if (w < 58) {
      f["type"] = "date";
      if (r_.Percent(8)) f["enum"] = {"2024-01-01", "2024-02-29"};
    } else if (w < 65) {
      f["type"] = "datetime";
      if (r_.Percent(5)) f["enum"] = {"2024-01-01T00:00:00Z"};
    } else if (w < 78 && can_nest) {
      f["type"] = "array";
      if (r_.Percent(85)) f["items"] = Field(depth + 1, true);
      if (r_.Percent(25)) f["minLength"] = r_.Range(0, 2);
      if (r_.Percent(25)) f["maxLength"] = f.value("minLength", 0) + r_.Range(0, 4);
    } else if (w < 90 && can_nest) {
      f["type"] = "object";
      int kind = static_cast<int>(r_.Below(10));
      if (kind < 7) f["properties"] = Fields(static_cast<int>(r_.Range(1, 4)), depth + 1, false);
      if (kind >= 5) f["allowUnknownFields"] = r_.Percent(50);
    } else if (can_ref) {
      const auto& [target, type] = r_.Pick(ref_targets_);
      f["type"] = type == "int" && r_.Percent(50) ? "integer" : "string";
      f["ref"] = target;
      if (r_.Percent(40)) {
        f["onDelete"] = r_.Pick(std::vector<std::string>{"cascade", "restrict", "setNull"});
      }
    } else {
      String(f);
    }
    if (!in_items && r_.Percent(28)) {
      f["required"] = true;
      if (f.value("onDelete", "") == "setNull") f.erase("onDelete");
    }
    if (!in_items && r_.Percent(18)) f["x-default"] = true;  // filled after loading
    return f;
  }

  void String(Json& f) {
    f["type"] = "string";
    int k = static_cast<int>(r_.Below(100));
    if (k < 18) {
      static const std::vector<std::vector<std::string>> kEnums = {
          {"active", "inactive"},
          {"draft", "sent", "paid"},
          {"\xc3\xbcn\xc3\xaf", "\xf0\x9f\x98\x80", "plain"},
          {"", "a"},
          {"A", "a"}};
      f["enum"] = r_.Pick(kEnums);
      return;
    }
    if (k < 38) {
      const auto& list = r_.Percent(70) ? SafePatterns() : TrickyPatterns();
      f["pattern"] = r_.Pick(list).pattern;
    }
    if (r_.Percent(35)) f["minLength"] = r_.Range(0, 3);
    if (r_.Percent(35)) f["maxLength"] = f.value("minLength", 0) + r_.Range(0, 6);
  }

  void Bounds(Json& f, bool integer) {
    if (r_.Percent(12)) {
      f["enum"] = integer ? Json{1, 2, 3, -7} : Json{1.5, 2, -0.25, 0};
      return;
    }
    static const std::vector<double> kMins = {-10, 0, 0.5, 1e-3, -1e6, 1, 100};
    static const std::vector<double> kSpans = {0, 1, 2.5, 10, 1e3, 1e15};
    std::optional<double> min;
    if (r_.Percent(45)) {
      min = r_.Pick(kMins);
      if (integer) min = std::floor(*min);
      f["minimum"] = *min;
      if (integer || *min == std::floor(*min)) f["minimum"] = static_cast<int64_t>(*min);
    }
    if (r_.Percent(45)) {
      double max = min.value_or(0) + r_.Pick(kSpans);
      if (integer || max == std::floor(max)) {
        f["maximum"] = static_cast<int64_t>(std::floor(max));
      } else {
        f["maximum"] = max;
      }
    }
  }

  Rng r_;
  bool custom_types_ = false, seq10_ = false, odd_names_ = false;
  std::vector<std::string> names_;
  std::set<std::string> dyn_names_;
  std::vector<std::pair<std::string, std::string>> ref_targets_;  // model, id type
};

// ---- documents ----------------------------------------------------------------

// Numbers spelled in the document text exactly as written ("5.0", "-0",
// "9007199254740993"): a string member "\u0001RAW:<text>\u0001" in the JSON
// that Dump() replaces by the bare text.
const std::string kRawOpen = "\x01RAW:", kRawClose = "\x01";
Json Raw(const std::string& text) { return kRawOpen + text + kRawClose; }

std::string Dump(const Json& doc) {
  std::string s = doc.dump();
  const std::string open = "\"\\u0001RAW:", close = "\\u0001\"";
  for (size_t at = s.find(open); at != std::string::npos; at = s.find(open, at)) {
    size_t end = s.find(close, at);
    if (end == std::string::npos) break;
    std::string text = s.substr(at + open.size(), end - at - open.size());
    s.replace(at, end + close.size() - at, text);
    at += text.size();
  }
  return s;
}

const char* const kHex = "0123456789abcdef";
const char* const kBase58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

class DocGen {
 public:
  DocGen(const schema::Schema& schema, const schema::Model& model, const ExistingIds& existing,
         uint64_t seed)
      : schema_(schema),
        model_(model),
        existing_(existing),
        r_(seed),
        counter_(static_cast<int64_t>(seed % 100000) * 1000) {}

  std::string NewId(const std::string& type) {
    ++counter_;
    auto hex = [&](int n) {
      std::string s;
      for (int i = 0; i < n; ++i) s += kHex[r_.Below(16)];
      return s;
    };
    if (type == "uuid")
      return hex(8) + "-" + hex(4) + "-4" + hex(3) + "-a" + hex(3) + "-" + hex(12);
    if (type == "uuid7") {
      return "0190" + hex(4) + "-" + hex(4) + "-7" + hex(3) + "-8" + hex(3) + "-" + hex(12);
    }
    if (type == "int") return std::to_string(100000 + counter_ * 7 + r_.Below(7));
    if (type == "evm") return "0x" + hex(40);
    if (type == "sol") {
      std::string s;
      for (int i = 0; i < 44; ++i) s += kBase58[r_.Below(58)];
      return s;
    }
    std::vector<std::string> candidates = {
        "id-" + std::to_string(counter_) + "-" + hex(4), "AB" + std::to_string(1000 + counter_),
        std::to_string(counter_ + 1000), "x" + hex(6), "Id" + std::to_string(counter_)};
    auto it = schema_.dynamic_types.find(type);
    for (const std::string& c : candidates) {
      if (it == schema_.dynamic_types.end() || it->second.Matches(c)) return c;
    }
    return candidates[0];
  }

  EntityIds CreateIds(bool with_last) {
    EntityIds ids;
    auto dyn = model_.full.dynamic_segments();
    for (size_t i = 0; i < dyn.size(); ++i) {
      bool last = i + 1 == dyn.size();
      if (last && !with_last) break;
      ids.push_back(NewId(dyn[i]->type));
    }
    return ids;
  }
  bool NeedsLastId() const { return !model_.singleton && model_.id_operator.empty(); }

  // A value `f` accepts (or the best candidate found).
  Json Valid(const Field& f, int depth = 0) {
    std::vector<Json> candidates;
    for (int i = 0; i < 8; ++i) candidates.push_back(Candidate(f, depth));
    for (const Json& c : candidates) {
      if (schema::CheckFieldValue(f, c, "x").ok()) return c;
    }
    if (f.default_value) return *f.default_value;
    return candidates[0];
  }

  std::string RandomString(size_t len) {
    static const std::vector<std::string> kChars = {"a",
                                                    "b",
                                                    "z",
                                                    "Q",
                                                    "0",
                                                    "7",
                                                    " ",
                                                    "-",
                                                    "_",
                                                    "\xc3\xa9",
                                                    "\xe6\x97\xa5",
                                                    "\xf0\x9f\x98\x80",
                                                    "\xf0\x90\x8d\x88",
                                                    "e\xcc\x81",
                                                    "\"",
                                                    "\\",
                                                    "/"};
    std::string s;
    bool plain = r_.Percent(50);
    for (size_t i = 0; i < len; ++i)
      s += plain ? std::string(1, 'a' + r_.Below(26)) : r_.Pick(kChars);
    return s;
  }

  Json Candidate(const Field& f, int depth) {
    if (!f.enum_values.empty() && r_.Percent(90)) return r_.Pick(f.enum_values);
    switch (f.type) {
      case FieldType::kString: {
        if (!f.ref.empty()) return RefValue(f.ref);
        if (!f.pattern.empty()) {
          for (const auto* list : {&SafePatterns(), &TrickyPatterns()}) {
            for (const PatternCase& p : *list) {
              if (p.pattern == f.pattern) return r_.Pick(p.good);
            }
          }
        }
        size_t lo = f.min_length.value_or(0), hi = f.max_length.value_or(lo + 8);
        return RandomString(lo + r_.Below(hi - lo + 1));
      }
      case FieldType::kNumber: {
        double lo = f.minimum.value_or(-1e3), hi = f.maximum.value_or(lo + 2e3);
        switch (r_.Below(4)) {
          case 0:
            return lo;
          case 1:
            return hi;
          case 2:
            return std::floor(lo + (hi - lo) * (r_.Below(1000) / 1000.0));
          default:
            return lo + (hi - lo) * (r_.Below(1000) / 1000.0);
        }
      }
      case FieldType::kInteger: {
        if (!f.ref.empty()) return static_cast<int64_t>(r_.Range(1, 999));
        double lo = std::ceil(f.minimum.value_or(-1000)),
               hi = std::floor(f.maximum.value_or(lo + 2000));
        if (hi < lo) return static_cast<int64_t>(lo);
        double span = std::min(hi - lo, 1e12);
        return static_cast<int64_t>(lo + std::floor(span * (r_.Below(1001) / 1000.0)));
      }
      case FieldType::kBoolean:
        return r_.Percent(50);
      case FieldType::kDate: {
        static const std::vector<std::string> kDates = {"2024-02-29", "2023-12-31", "1970-01-01",
                                                        "2000-02-29", "9999-12-31", "0001-01-01"};
        return r_.Pick(kDates);
      }
      case FieldType::kDateTime: {
        static const std::vector<std::string> kTimes = {
            "2024-02-29T10:11:12Z",          "2024-01-01T00:00:00.123Z",
            "2024-06-30T23:59:59+05:30",     "2024-06-30T23:59:59-08:00",
            "2024-03-03t01:02:03z",          "2016-12-31T23:59:60Z",
            "2024-01-01T00:00:00.123456789Z"};
        return r_.Pick(kTimes);
      }
      case FieldType::kArray: {
        size_t lo = f.min_length.value_or(0), hi = f.max_length.value_or(lo + 3);
        size_t n = lo + r_.Below(std::min<size_t>(hi - lo, 4) + 1);
        Json a = Json::array();
        for (size_t i = 0; i < n; ++i) {
          a.push_back(f.items ? Valid(*f.items, depth + 1) : AnyValue(depth + 1));
        }
        return a;
      }
      case FieldType::kObject: {
        Json o = Json::object();
        if (f.properties.empty()) {
          int n = static_cast<int>(r_.Below(3));
          for (int i = 0; i < n; ++i) o["k" + std::to_string(i)] = AnyValue(depth + 1);
          return o;
        }
        for (const Field& p : f.properties) {
          if (p.required || r_.Percent(60)) o[p.name] = Valid(p, depth + 1);
        }
        return o;
      }
    }
    return nullptr;
  }

  Json AnyValue(int depth) {
    switch (r_.Below(depth > 2 ? 5 : 7)) {
      case 0:
        return "s" + std::to_string(r_.Below(100));
      case 1:
        return static_cast<int64_t>(r_.Range(-5, 5));
      case 2:
        return 2.5;
      case 3:
        return true;
      case 4:
        return nullptr;
      case 5:
        return Json::array({1, "two"});
      default:
        return Json{{"nested", AnyValue(depth + 1)}};
    }
  }

  Json RefValue(const std::string& target) {
    auto it = existing_.find(target);
    if (it != existing_.end() && !it->second.empty()) return r_.Pick(it->second);
    missing_ref_ = true;
    const schema::Model* m = schema_.FindModel(target);
    return m ? NewId(m->id_type) : "missing";
  }

  Json Base() {
    Json doc = Json::object();
    for (const Field& f : model_.fields) {
      bool present = f.required ? !(f.default_value && r_.Percent(20)) : r_.Percent(65);
      if (present)
        doc[f.name] = Valid(f);
      else if (!f.required && r_.Percent(10))
        doc[f.name] = nullptr;
    }
    return doc;
  }

  // Where a mutation can land: a member of an object (`key`) or an array
  // item (`index`), with the field that governs it (null: free-form).
  struct Site {
    Json* parent;
    std::string key;
    size_t index = 0;
    bool item = false;
    const Field* field;
    std::string where;
  };

  void Sites(Json& obj, const std::vector<Field>& fields, const std::string& prefix,
             std::vector<Site>* out) {
    for (const Field& f : fields) {
      auto it = obj.find(f.name);
      std::string where = prefix.empty() ? f.name : prefix + "." + f.name;
      if (it == obj.end()) continue;
      out->push_back({&obj, f.name, 0, false, &f, where});
      if (it->is_object() && !f.properties.empty()) Sites(*it, f.properties, where, out);
      if (it->is_array() && f.items) {
        for (size_t i = 0; i < it->size(); ++i) {
          std::string iw = where + "[" + std::to_string(i) + "]";
          out->push_back({&*it, "", i, true, f.items.get(), iw});
          Json& item = (*it)[i];
          if (item.is_object() && !f.items->properties.empty()) {
            Sites(item, f.items->properties, iw, out);
          }
        }
      }
    }
  }
  Json& At(const Site& s) { return s.item ? (*s.parent)[s.index] : (*s.parent)[s.key]; }

  // Objects with declared members, and the fields declaring them.
  struct Container {
    Json* obj;
    const std::vector<Field>* fields;
    bool strict;
    std::string where;
  };
  void Containers(Json& doc, std::vector<Container>* out) {
    out->push_back({&doc, &model_.fields, model_.strict, "(document)"});
    std::vector<Site> sites;
    Sites(doc, model_.fields, "", &sites);
    for (const Site& s : sites) {
      Json& v = At(s);
      if (v.is_object() && s.field->type == FieldType::kObject) {
        out->push_back({&v, &s.field->properties, !s.field->allow_unknown, s.where});
      }
    }
  }

  std::vector<TestDocument> Generate(int count) {
    std::vector<TestDocument> docs;
    std::vector<KindDef> kinds = Kinds();
    int valid = std::max(count / 4, 1);
    for (int i = 0; i < valid; ++i) docs.push_back(Finish("valid", Base()));
    // Each kind once, then at random, until `count`.
    for (size_t i = 0; static_cast<int>(docs.size()) < count && i < kinds.size() * 40; ++i) {
      const KindDef& k = i < kinds.size() ? kinds[i] : r_.Pick(kinds);
      Json doc = Base();
      std::string label = k.name;
      if (!k.apply(doc, &label)) continue;
      docs.push_back(Finish(label, std::move(doc)));
    }
    for (int i = 0; i < 3; ++i) docs.push_back(IdsInDocument(i));
    for (const Json& top : {Json::array(), Json("text"), Json(5), Json(nullptr)}) {
      TestDocument d = Finish("not-an-object", Json::object());
      d.text = top.dump();
      docs.push_back(d);
    }
    docs.push_back(DuplicateKey());
    return docs;
  }

  TestDocument Finish(const std::string& kind, const Json& doc) {
    TestDocument d;
    d.kind = kind;
    d.text = Dump(doc);
    d.create_ids = CreateIds(NeedsLastId());
    d.dynamic = missing_ref_;
    missing_ref_ = false;
    return d;
  }

  TestDocument IdsInDocument(int variant) {
    Json doc = Base();
    EntityIds ids = CreateIds(true);
    auto dyn = model_.full.dynamic_segments();
    std::string kind = "ids-in-document";
    for (size_t i = 0; i < dyn.size(); ++i) doc[dyn[i]->name] = ids[i];
    if (!dyn.empty() && variant == 1) {
      doc[dyn.back()->name] = "not an id/..";
      kind = "bad-id-in-document";
    }
    if (!dyn.empty() && variant == 2 && dyn.back()->type == "int") {
      doc[dyn.back()->name] = std::stoll(ids.back());
      kind = "numeric-id-in-document";
    }
    TestDocument d;
    d.kind = kind;
    d.text = Dump(doc);
    if (model_.singleton) d.kind = "valid";
    d.dynamic = missing_ref_;
    missing_ref_ = false;
    return d;
  }

  TestDocument DuplicateKey() {
    Json doc = Base();
    TestDocument d = Finish("duplicate-key", doc);
    if (doc.empty()) return d;
    // {"k": <wrong>, ...}: every JSON reader here keeps the last one.
    std::string k = doc.begin().key();
    d.text = "{" + Json(k).dump() + ":{\"wrong\":[1]}," + d.text.substr(1);
    return d;
  }

  std::vector<Site> AllSites(Json& doc) {
    std::vector<Site> sites;
    Sites(doc, model_.fields, "", &sites);
    return sites;
  }

  template <typename Pred>
  Site* PickSite(std::vector<Site>& sites, Pred pred) {
    std::vector<Site*> ok;
    for (Site& s : sites)
      if (pred(s)) ok.push_back(&s);
    return ok.empty() ? nullptr : ok[r_.Below(ok.size())];
  }

  struct KindDef {
    std::string name;
    std::function<bool(Json&, std::string*)> apply;
  };

  std::vector<KindDef> Kinds();

  const schema::Schema& schema_;
  const schema::Model& model_;
  const ExistingIds& existing_;
  Rng r_;
  int64_t counter_;
  bool missing_ref_ = false;
};

bool IsNumeric(FieldType t) { return t == FieldType::kNumber || t == FieldType::kInteger; }

std::vector<DocGen::KindDef> DocGen::Kinds() {
  std::vector<KindDef> k;
  auto label = [](std::string* l, const std::string& what) { *l += " " + what; };
  k.push_back({"wrong-type", [this, label](Json& doc, std::string* l) {
                 auto sites = AllSites(doc);
                 Site* s = PickSite(sites, [](const Site&) { return true; });
                 if (!s) return false;
                 static const std::vector<Json> kValues = {
                     "str",          42,  4.5,    true,         Json::array(),
                     Json::object(), "5", "true", "2024-01-01", Json::array({"x"}),
                     Json{{"a", 1}}, 0,   ""};
                 Json v = r_.Pick(kValues);
                 At(*s) = v;
                 label(l, s->where + "=" + v.dump());
                 return true;
               }});
  k.push_back({"null", [this, label](Json& doc, std::string* l) {
                 auto sites = AllSites(doc);
                 Site* s = PickSite(sites, [](const Site&) { return true; });
                 if (!s) return false;
                 At(*s) = nullptr;
                 label(l, s->where);
                 return true;
               }});
  k.push_back({"missing-required", [this, label](Json& doc, std::string* l) {
                 std::vector<Container> cs;
                 Containers(doc, &cs);
                 std::vector<std::pair<Json*, const Field*>> options;
                 std::vector<std::string> wheres;
                 for (const Container& c : cs) {
                   for (const Field& f : *c.fields) {
                     if (f.required && c.obj->contains(f.name)) {
                       options.push_back({c.obj, &f});
                       wheres.push_back(c.where + "/" + f.name);
                     }
                   }
                 }
                 if (options.empty()) return false;
                 size_t i = r_.Below(options.size());
                 options[i].first->erase(options[i].second->name);
                 label(l, wheres[i] + (options[i].second->default_value ? " (has default)" : ""));
                 return true;
               }});
  k.push_back({"enum", [this, label](Json& doc, std::string* l) {
                 auto sites = AllSites(doc);
                 Site* s =
                     PickSite(sites, [](const Site& s) { return !s.field->enum_values.empty(); });
                 if (!s) return false;
                 Json e = r_.Pick(s->field->enum_values);
                 Json v;
                 if (e.is_string()) {
                   std::string str = e.get<std::string>();
                   static const std::vector<std::string> kSuffix = {"x", " ", "\xc3\xa9"};
                   v = r_.Percent(50) && !str.empty() && str[0] >= 'a' && str[0] <= 'z'
                           ? std::string(1, static_cast<char>(str[0] - 32)) + str.substr(1)
                           : str + r_.Pick(kSuffix);
                 } else if (e.is_number()) {
                   v = r_.Percent(50) ? Json(e.get<double>() + 1) : Json(e.get<double>() + 0.5);
                   if (r_.Percent(30)) v = Raw(e.dump() + ".0");  // the same value: accepted
                 } else if (e.is_boolean()) {
                   v = !e.get<bool>();
                 } else {
                   return false;
                 }
                 At(*s) = v;
                 label(l, s->where + "=" + v.dump());
                 return true;
               }});
  k.push_back(
      {"unknown-field", [this, label](Json& doc, std::string* l) {
         std::vector<Container> cs;
         Containers(doc, &cs);
         const Container& c = cs[r_.Below(cs.size())];
         static const std::vector<std::string> kKeys = {
             "extra",          "__proto__", "constructor", "toString", "Name", "\xc3\xbcnknown",
             "hasOwnProperty", "",          "a.b",         "$x"};
         std::string key = r_.Pick(kKeys);
         if (c.obj->contains(key)) return false;
         (*c.obj)[key] = r_.Percent(50) ? Json(1) : Json{{"x", 1}};
         label(l, c.where + "/" + key + (c.strict ? " (strict)" : " (open)"));
         return true;
       }});
  k.push_back({"engine-field", [this, label](Json& doc, std::string* l) {
                 std::vector<Container> cs;
                 Containers(doc, &cs);
                 const Container& c = r_.Percent(70) ? cs[0] : cs[r_.Below(cs.size())];
                 std::string key = r_.Percent(50) ? "createdAt" : "updatedAt";
                 static const std::vector<Json> kValues = {"2024-01-01T00:00:00Z", 5, "garbage",
                                                           nullptr, Json::object()};
                 Json v = r_.Pick(kValues);
                 (*c.obj)[key] = v;
                 label(l, c.where + "/" + key + "=" + v.dump());
                 return true;
               }});
  k.push_back({"bounds", [this, label](Json& doc, std::string* l) {
                 auto sites = AllSites(doc);
                 Site* s = PickSite(sites, [](const Site& s) {
                   return IsNumeric(s.field->type) && (s.field->minimum || s.field->maximum);
                 });
                 if (!s) return false;
                 bool lower = s->field->minimum && (!s->field->maximum || r_.Percent(50));
                 double b = lower ? *s->field->minimum : *s->field->maximum;
                 static const std::vector<double> kDelta = {0, 1, 0.5, 1e-9, 1e6};
                 double d = r_.Pick(kDelta);
                 Json v = lower ? b - d : b + d;
                 if (s->field->type == FieldType::kInteger && d == std::floor(d) &&
                     b == std::floor(b) && std::fabs(b) < 1e15) {
                   v = static_cast<int64_t>(lower ? b - d : b + d);
                 }
                 At(*s) = v;
                 label(l, s->where + "=" + v.dump() + (lower ? " (minimum " : " (maximum ") +
                              Json(b).dump() + ")");
                 return true;
               }});
  k.push_back({"length", [this, label](Json& doc, std::string* l) {
                 auto sites = AllSites(doc);
                 Site* s = PickSite(sites, [](const Site& s) {
                   return (s.field->min_length || s.field->max_length) &&
                          s.field->enum_values.empty();
                 });
                 if (!s) return false;
                 bool lower = s->field->min_length && (!s->field->max_length || r_.Percent(50));
                 size_t b = lower ? *s->field->min_length : *s->field->max_length;
                 int delta = static_cast<int>(r_.Below(3)) - 1;  // -1, 0, +1
                 if (b == 0 && delta < 0) delta = 0;
                 size_t n = b + delta;
                 if (s->field->type == FieldType::kArray) {
                   Json a = Json::array();
                   for (size_t i = 0; i < n; ++i) {
                     a.push_back(s->field->items ? Valid(*s->field->items) : Json(i));
                   }
                   At(*s) = a;
                 } else {
                   // Astral code points are 1 in the engine (code points), 2 in UTF-16.
                   static const std::vector<std::string> kUnits = {
                       "a", "\xf0\x9f\x98\x80", "\xc3\xa9", "e\xcc\x81", "\xe6\x97\xa5"};
                   std::string unit = r_.Pick(kUnits);
                   std::string str;
                   for (size_t i = 0; i < n; ++i) str += unit;
                   At(*s) = str;
                 }
                 label(l, s->where + " " + std::to_string(n) +
                              (lower ? " vs minLength " : " vs maxLength ") + std::to_string(b) +
                              " " + At(*s).dump());
                 return true;
               }});
  k.push_back({"pattern", [this, label](Json& doc, std::string* l) {
                 auto sites = AllSites(doc);
                 Site* s = PickSite(sites, [](const Site& s) { return !s.field->pattern.empty(); });
                 if (!s) return false;
                 std::vector<std::string> pool = {"", "zz", "A", "abc def", "\xf0\x9f\x98\x80"};
                 for (const auto* list : {&SafePatterns(), &TrickyPatterns()}) {
                   for (const PatternCase& p : *list) {
                     if (p.pattern != s->field->pattern) continue;
                     pool = p.bad;
                     pool.insert(pool.end(), p.good.begin(), p.good.end());
                   }
                 }
                 Json v = r_.Pick(pool);
                 At(*s) = v;
                 label(l, s->where + "=" + v.dump() + " /" + s->field->pattern + "/");
                 return true;
               }});
  k.push_back({"date", [this, label](Json& doc, std::string* l) {
                 auto sites = AllSites(doc);
                 Site* s = PickSite(sites, [](const Site& s) {
                   return s.field->type == FieldType::kDate ||
                          s.field->type == FieldType::kDateTime;
                 });
                 if (!s) return false;
                 static const std::vector<std::string> kDates = {"2024-02-30",
                                                                 "2023-02-29",
                                                                 "2024-13-01",
                                                                 "2024-1-01",
                                                                 "24-01-01",
                                                                 "2024-01-01T00:00:00Z",
                                                                 "2024-00-10",
                                                                 "2024-04-31",
                                                                 "1900-02-29",
                                                                 "2000-02-29",
                                                                 "20240101",
                                                                 " 2024-01-01",
                                                                 "2024-01-01\n",
                                                                 "\xd9\xa2"
                                                                 "024-01-01"};
                 static const std::vector<std::string> kTimes = {"2024-01-01T10:00:00",
                                                                 "2024-01-01 10:00:00Z",
                                                                 "2024-01-01T24:00:00Z",
                                                                 "2024-01-01T10:00:00+24:00",
                                                                 "2024-01-01T10:00:00.Z",
                                                                 "2024-02-30T10:00:00Z",
                                                                 "2024-01-01T10:11:60Z",
                                                                 "2016-12-31T23:59:60Z",
                                                                 "2024-01-01t10:00:00z",
                                                                 "2024-01-01T10:00:00+0530",
                                                                 "2024-01-01T10:00Z",
                                                                 "2024-01-01T10:00:00.5+01:00",
                                                                 "2024-01-01",
                                                                 "2024-06-30T23:59:60+05:30",
                                                                 "2024-01-01T10:00:00-00:00",
                                                                 "2024-01-01T10:00:00+23:59"};
                 Json v = r_.Pick(s->field->type == FieldType::kDate ? kDates : kTimes);
                 At(*s) = v;
                 label(l, s->where + "=" + v.dump());
                 return true;
               }});
  k.push_back({"number-spelling", [this, label](Json& doc, std::string* l) {
                 auto sites = AllSites(doc);
                 Site* s = PickSite(sites, [this](const Site& s) {
                   return IsNumeric(s.field->type) && At(s).is_number_integer();
                 });
                 if (!s) return false;
                 std::string n = At(*s).dump();
                 std::vector<std::string> forms = {n + ".0", n + "e0", n + ".000", n + "E+0"};
                 if (n == "0") forms = {"-0", "-0.0", "0e5", "0.0"};
                 std::string text = r_.Pick(forms);
                 At(*s) = Raw(text);
                 label(l, s->where + "=" + text);
                 return true;
               }});
  k.push_back({"large-number", [this, label](Json& doc, std::string* l) {
                 auto sites = AllSites(doc);
                 Site* s = PickSite(sites, [](const Site& s) { return IsNumeric(s.field->type); });
                 if (!s) return false;
                 static const std::vector<std::string> kNumbers = {"9007199254740993",
                                                                   "9007199254740992",
                                                                   "18446744073709551615",
                                                                   "18446744073709551616",
                                                                   "-9223372036854775808",
                                                                   "-9223372036854775809",
                                                                   "1e308",
                                                                   "-1.7976931348623157e308",
                                                                   "123456789012345678901234567890",
                                                                   "1e-320",
                                                                   "4.9e-324",
                                                                   "0.30000000000000004",
                                                                   "1.5e300",
                                                                   "2e0",
                                                                   "1E2"};
                 std::string text = r_.Pick(kNumbers);
                 At(*s) = Raw(text);
                 label(l, s->where + "=" + text);
                 return true;
               }});
  k.push_back({"unicode", [this, label](Json& doc, std::string* l) {
                 auto sites = AllSites(doc);
                 Site* s = PickSite(sites, [](const Site& s) {
                   return s.field->type == FieldType::kString && s.field->ref.empty();
                 });
                 if (!s) return false;
                 static const std::vector<std::string> kStrings = {
                     std::string("a\0b", 3),
                     "\xe2\x80\xa8",
                     "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9",
                     "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d",
                     "\xef\xbb\xbf",
                     "\xf4\x8f\xbf\xbf",
                     "\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80",
                     "\\u0041",
                     "\t\n\r"};
                 Json v = r_.Pick(kStrings);
                 At(*s) = v;
                 label(l, s->where + "=" + v.dump());
                 return true;
               }});
  k.push_back({"array-item", [this, label](Json& doc, std::string* l) {
                 auto sites = AllSites(doc);
                 Site* s = PickSite(sites, [this](const Site& s) {
                   return !s.item && s.field->type == FieldType::kArray && At(s).is_array();
                 });
                 if (!s) return false;
                 static const std::vector<Json> kItems = {
                     nullptr, "x", 3, 2.5, false, Json::object(), Json::array()};
                 Json v = r_.Pick(kItems);
                 At(*s).push_back(v);
                 label(l, s->where + "[+]=" + v.dump());
                 return true;
               }});
  k.push_back({"deep", [this, label](Json& doc, std::string* l) {
                 std::vector<Container> cs;
                 Containers(doc, &cs);
                 std::vector<const Container*> open;
                 for (const Container& c : cs)
                   if (!c.strict || c.fields->empty()) open.push_back(&c);
                 auto sites = AllSites(doc);
                 Site* freeform = PickSite(sites, [](const Site& s) {
                   return s.field->type == FieldType::kObject && s.field->properties.empty();
                 });
                 int depth = r_.Percent(50) ? 101 : 60;
                 Json v = 1;
                 for (int i = 0; i < depth; ++i)
                   v = r_.Percent(50) ? Json::array({v}) : Json{{"d", v}};
                 if (freeform) {
                   At(*freeform) = Json{{"d", v}};
                   label(l, freeform->where + " nested " + std::to_string(depth));
                   return true;
                 }
                 if (open.empty()) return false;
                 (*open[0]->obj)["deep"] = v;
                 label(l, open[0]->where + "/deep nested " + std::to_string(depth));
                 return true;
               }});
  k.push_back({"ref", [this, label](Json& doc, std::string* l) {
                 auto sites = AllSites(doc);
                 Site* s = PickSite(sites, [](const Site& s) {
                   return !s.field->ref.empty() && s.field->type == FieldType::kString;
                 });
                 if (!s) return false;
                 const schema::Model* target = schema_.FindModel(s->field->ref);
                 if (r_.Percent(50) && target) {
                   At(*s) = NewId(target->id_type);  // well formed, no such entity
                   missing_ref_ = true;
                   label(l, s->where + " missing " + At(*s).dump());
                 } else {
                   static const std::vector<std::string> kBad = {"not an id", "", "../x", "a/b/c"};
                   At(*s) = r_.Pick(kBad);
                   label(l, s->where + " malformed " + At(*s).dump());
                 }
                 return true;
               }});
  return k;
}

// Removes the "x-default" markers Field() leaves for RandomSchema.
void StripMarkers(Json& j) {
  if (j.is_object()) {
    j.erase("x-default");
    for (auto& [k, v] : j.items()) StripMarkers(v);
  } else if (j.is_array()) {
    for (Json& v : j) StripMarkers(v);
  }
}

// Puts a default on each field marked "x-default": a value the loaded field
// accepts (found by the document generator).
void FillDefaults(Json& fields, const std::vector<Field>& parsed, const schema::Schema& schema,
                  const schema::Model& model, Rng& r) {
  static const ExistingIds kNone;
  for (const Field& f : parsed) {
    if (!fields.contains(f.name)) continue;
    Json& j = fields[f.name];
    if (j.contains("x-default") && f.ref.empty()) {
      DocGen g(schema, model, kNone, r.U64());
      Json v = g.Valid(f);
      if (schema::CheckFieldValue(f, v, "x").ok()) j["default"] = v;
    }
    if (j.contains("properties")) FillDefaults(j["properties"], f.properties, schema, model, r);
    if (f.items && j.contains("items") && j["items"].contains("properties")) {
      FillDefaults(j["items"]["properties"], f.items->properties, schema, model, r);
    }
  }
}

}  // namespace

Json RandomSchema(uint64_t seed) {
  Json plain;
  for (uint64_t attempt = 0; attempt < 100; ++attempt) {
    Json marked = SchemaGen(seed * 7919 + attempt).Build();
    plain = marked;
    StripMarkers(plain);
    auto loaded = schema::LoadSchema(plain);
    if (!loaded.ok()) continue;
    Rng r(seed);
    for (const schema::Model& m : loaded->models) {
      FillDefaults(marked["models"][m.name]["fields"], m.fields, *loaded, m, r);
    }
    StripMarkers(marked);
    if (schema::LoadSchema(marked).ok()) return marked;
    return plain;
  }
  return plain;  // does not load: the caller's test reports it
}

std::vector<TestDocument> RandomDocuments(const schema::Schema& schema, const schema::Model& model,
                                          const ExistingIds& existing, uint64_t seed, int count) {
  return DocGen(schema, model, existing, seed).Generate(count);
}

TestDocument MinimalDocument(const schema::Schema& schema, const schema::Model& model,
                             const ExistingIds& existing, uint64_t seed) {
  DocGen g(schema, model, existing, seed);
  Json doc = Json::object();
  for (const Field& f : model.fields) {
    if (f.required) doc[f.name] = g.Valid(f);
  }
  return g.Finish("minimal", doc);
}

}  // namespace worm::codegen::testing

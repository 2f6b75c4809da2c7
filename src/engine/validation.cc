// Document validation against a model: types, required, enum, bounds,
// patterns (RE2), nested objects and arrays, unknown fields, defaults, refs.
#include <re2/re2.h>

#include <cmath>
#include <mutex>
#include <unordered_map>

#include "engine/engine_internal.h"

namespace worm::engine {
namespace {

using schema::Field;
using schema::FieldType;

// Compiled patterns, shared process-wide (patterns come from schemas, few).
std::shared_ptr<const re2::RE2> CompiledPattern(const std::string& pattern) {
  static std::mutex mu;
  static auto* cache = new std::unordered_map<std::string, std::shared_ptr<const re2::RE2>>();
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache->find(pattern);
  if (it != cache->end()) return it->second;
  re2::RE2::Options opts;
  opts.set_log_errors(false);
  auto re = std::make_shared<const re2::RE2>(pattern, opts);
  if (cache->size() > 1024) cache->clear();
  (*cache)[pattern] = re;
  return re;
}

size_t Utf8Length(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

bool ValidYmd(int y, int m, int d) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return false;
  int max = kDays[m - 1] + (m == 2 && IsLeap(y) ? 1 : 0);
  return d <= max;
}

bool IsDate(const std::string& s) {
  static const re2::RE2 kRe(R"((\d{4})-(\d{2})-(\d{2}))");
  int y, m, d;
  return re2::RE2::FullMatch(s, kRe, &y, &m, &d) && ValidYmd(y, m, d);
}

bool IsDateTime(const std::string& s) {
  static const re2::RE2 kRe(
      R"((\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|([+-])(\d{2}):(\d{2})))");
  int y, mo, d, h, mi, se;
  // The offset groups are strings: after "Z" they match nothing, which RE2
  // cannot parse as an int (FullMatch would then refuse every "...Z").
  std::string sign, oh, om;
  if (!re2::RE2::FullMatch(s, kRe, &y, &mo, &d, &h, &mi, &se, &sign, &oh, &om)) return false;
  bool offset_ok = sign.empty() || (std::stoi(oh) < 24 && std::stoi(om) < 60);
  return ValidYmd(y, mo, d) && h < 24 && mi < 60 && se <= 60 && offset_ok;
}

class Validator {
 public:
  Validator(std::string who, std::vector<RefUse>* refs) : who_(std::move(who)), refs_(refs) {}

  Status Fail(const std::string& path, const std::string& why) const {
    return Status::InvalidArgument(who_ + ": field \"" + path + "\": " + why);
  }

  Status Fields(const std::vector<Field>& fields, const Json& obj, const std::string& prefix,
                bool strict, const std::set<std::string>& engine_fields) {
    for (const Field& f : fields) {
      std::string path = prefix.empty() ? f.name : prefix + "." + f.name;
      auto it = obj.find(f.name);
      if (it == obj.end() || it->is_null()) {
        if (f.required) return Fail(path, "required but missing");
        continue;
      }
      RETURN_NOT_OK(Value(f, *it, path));
    }
    if (!strict) return Status::OK();
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      if (engine_fields.count(it.key())) continue;
      bool known = false;
      for (const Field& f : fields) known = known || f.name == it.key();
      if (!known) {
        std::string path = prefix.empty() ? it.key() : prefix + "." + it.key();
        return Fail(path, "unknown field (the model is strict; declare it in the schema)");
      }
    }
    return Status::OK();
  }

  Status Value(const Field& f, const Json& v, const std::string& path) {
    RETURN_NOT_OK(Type(f, v, path));
    if (!f.enum_values.empty()) {
      bool found = false;
      for (const Json& e : f.enum_values) found = found || e == v;
      if (!found) {
        Json allowed = f.enum_values;
        return Fail(path, "value " + v.dump() + " is not one of " + allowed.dump() + " (enum)");
      }
    }
    if (!f.ref.empty() && v.is_string()) refs_->push_back({path, f.ref, v.get<std::string>()});
    return Status::OK();
  }

  Status Type(const Field& f, const Json& v, const std::string& path) {
    auto expected = [&](std::string_view what) {
      return Fail(path, "expected " + std::string(what) + ", got " + TypeNameOf(v));
    };
    switch (f.type) {
      case FieldType::kString:
        if (!v.is_string()) return expected("string");
        return StringRules(f, v.get<std::string>(), path);
      case FieldType::kDate:
        if (!v.is_string()) return expected("date string (YYYY-MM-DD)");
        if (!IsDate(v.get<std::string>())) {
          return Fail(path, "\"" + v.get<std::string>() + "\" is not a date (YYYY-MM-DD)");
        }
        return Status::OK();
      case FieldType::kDateTime:
        if (!v.is_string()) return expected("datetime string (RFC 3339)");
        if (!IsDateTime(v.get<std::string>())) {
          return Fail(path, "\"" + v.get<std::string>() +
                                "\" is not an RFC 3339 datetime (2026-02-24T10:11:12Z)");
        }
        return Status::OK();
      case FieldType::kNumber:
        if (!v.is_number()) return expected("number");
        return Bounds(f, v.get<double>(), path);
      case FieldType::kInteger: {
        if (!v.is_number()) return expected("integer");
        double d = v.get<double>();
        if (!v.is_number_integer() && std::floor(d) != d) return expected("integer");
        return Bounds(f, d, path);
      }
      case FieldType::kBoolean:
        if (!v.is_boolean()) return expected("boolean");
        return Status::OK();
      case FieldType::kArray:
        if (!v.is_array()) return expected("array");
        return Array(f, v, path);
      case FieldType::kObject:
        if (!v.is_object()) return expected("object");
        if (f.properties.empty()) return Status::OK();
        return Fields(f.properties, v, path, !f.allow_unknown, {});
    }
    return Status::OK();
  }

  Status StringRules(const Field& f, const std::string& s, const std::string& path) {
    size_t len = Utf8Length(s);
    if (f.min_length && len < *f.min_length) {
      return Fail(path, "length " + std::to_string(len) + " is below minLength " +
                            std::to_string(*f.min_length));
    }
    if (f.max_length && len > *f.max_length) {
      return Fail(path, "length " + std::to_string(len) + " is above maxLength " +
                            std::to_string(*f.max_length));
    }
    if (!f.pattern.empty()) {
      auto re = CompiledPattern(f.pattern);
      if (!re->ok()) return Fail(path, "schema pattern /" + f.pattern + "/ does not compile");
      if (!re2::RE2::FullMatch(s, *re)) {
        return Fail(path, "\"" + s + "\" does not match pattern /" + f.pattern + "/");
      }
    }
    return Status::OK();
  }

  Status Bounds(const Field& f, double d, const std::string& path) {
    auto num = [](double x) { return Json(x).dump(); };
    if (f.minimum && d < *f.minimum) {
      return Fail(path, num(d) + " is below minimum " + num(*f.minimum));
    }
    if (f.maximum && d > *f.maximum) {
      return Fail(path, num(d) + " is above maximum " + num(*f.maximum));
    }
    return Status::OK();
  }

  Status Array(const Field& f, const Json& v, const std::string& path) {
    if (f.min_length && v.size() < *f.min_length) {
      return Fail(path, std::to_string(v.size()) + " items, below minLength " +
                            std::to_string(*f.min_length));
    }
    if (f.max_length && v.size() > *f.max_length) {
      return Fail(path, std::to_string(v.size()) + " items, above maxLength " +
                            std::to_string(*f.max_length));
    }
    if (!f.items) return Status::OK();
    for (size_t i = 0; i < v.size(); ++i) {
      std::string item_path = path + "[" + std::to_string(i) + "]";
      if (v[i].is_null()) return Fail(item_path, "null item in an array");
      RETURN_NOT_OK(Value(*f.items, v[i], item_path));
    }
    return Status::OK();
  }

 private:
  std::string who_;
  std::vector<RefUse>* refs_;
};

void Defaults(const std::vector<Field>& fields, Json& obj) {
  for (const Field& f : fields) {
    auto it = obj.find(f.name);
    if ((it == obj.end() || it->is_null()) && f.default_value) {
      obj[f.name] = *f.default_value;
    } else if (it != obj.end() && it->is_object() && !f.properties.empty()) {
      Defaults(f.properties, *it);
    }
  }
}

}  // namespace

Status ModelStore::Validate(const EntityIds& ids, const Json& doc,
                            std::vector<RefUse>* refs) const {
  if (!doc.is_object()) {
    return Status::InvalidArgument(Describe(ids) + ": document must be a JSON object, got " +
                                   TypeNameOf(doc));
  }
  // The result of a mutation or hook too, before it is hashed and stored.
  RETURN_NOT_OK(CheckJsonDepth(doc, kMaxDocumentDepth, Describe(ids) + ": document"));
  std::set<std::string> engine_fields = {"createdAt", "updatedAt"};
  for (const std::string& n : IdFieldNames()) engine_fields.insert(n);
  Validator v(Describe(ids), refs);
  return v.Fields(model_->fields, doc, "", model_->strict, engine_fields);
}

void ModelStore::ApplyDefaults(Json& doc) const { Defaults(model_->fields, doc); }

Status ModelStore::CheckRefs(const EntityIds& ids, const std::vector<RefUse>& refs) const {
  for (const RefUse& ref : refs) {
    ASSIGN_OR_RETURN(ModelStore * target, project_->Store(ref.model));
    EntityIds target_ids = SplitIds(ref.value);
    auto key = target->KeyOf(target_ids);
    if (!key.ok()) {
      return Status::InvalidArgument(Describe(ids) + ": field \"" + ref.path + "\": '" + ref.value +
                                     "' is not a valid " + ref.model +
                                     " id: " + key.status().message());
    }
    auto head = transport()->Head(*key, {});
    if (head.status().IsNotFound()) {
      return Status::InvalidArgument(Describe(ids) + ": field \"" + ref.path + "\": references " +
                                     ref.model + " " + ref.value + ", which does not exist (ref)");
    }
    if (!head.ok()) return head.status().WithContext(Describe(ids) + ": checking ref " + ref.path);
  }
  return Status::OK();
}

}  // namespace worm::engine

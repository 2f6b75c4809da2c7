#include "sync/schema_infer.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>

#include "core/parallel.h"
#include "core/strings.h"

namespace worm::sync {

namespace {

bool AllOf(std::string_view s, int (*pred)(int)) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [&](char c) {
    return pred(static_cast<unsigned char>(c)) != 0;
  });
}

bool IsUuid(std::string_view v) {
  if (v.size() != 36) return false;
  for (size_t i = 0; i < 36; ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash != (v[i] == '-')) return false;
    if (!dash && !std::isxdigit(static_cast<unsigned char>(v[i]))) return false;
  }
  return true;
}

bool IsEvm(std::string_view v) {
  return v.size() == 42 && v[0] == '0' && v[1] == 'x' && AllOf(v.substr(2), ::isxdigit);
}

bool IsSol(std::string_view v) {
  static constexpr std::string_view kBase58 =
      "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  if (v.size() < 32 || v.size() > 44) return false;
  bool has_digit = false, has_upper = false;
  for (char c : v) {
    if (kBase58.find(c) == std::string_view::npos) return false;
    has_digit |= std::isdigit(static_cast<unsigned char>(c)) != 0;
    has_upper |= std::isupper(static_cast<unsigned char>(c)) != 0;
  }
  return has_digit && has_upper;  // plain words are not base58 keys
}

bool IsDate(std::string_view v) {
  return v.size() == 10 && v[4] == '-' && v[7] == '-' && AllOf(v.substr(0, 4), ::isdigit) &&
         AllOf(v.substr(5, 2), ::isdigit) && AllOf(v.substr(8, 2), ::isdigit);
}

bool IsDateTime(std::string_view v) {
  return v.size() >= 20 && IsDate(v.substr(0, 10)) && (v[10] == 'T' || v[10] == 't') &&
         v[13] == ':' && (v.back() == 'Z' || v.back() == 'z' || v[v.size() - 3] == ':');
}

bool IsSlug(std::string_view v) {
  if (v.empty() || v.front() == '-' || v.back() == '-') return false;
  for (char c : v) {
    if (!(std::islower(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '-')) {
      return false;
    }
  }
  return v.find("--") == std::string_view::npos;
}

// Ids whose shape alone says "dynamic", even with a single value.
bool IsStrongShape(const std::string& shape) {
  return shape == "uuid" || shape == "evm" || shape == "sol";
}

using Segments = std::vector<std::string>;

// The common id shape of every value, or "".
std::string CommonShape(const std::set<std::string>& values) {
  std::string shape;
  for (const std::string& v : values) {
    std::string s = IdShapeOf(v);
    if (s.empty() || (!shape.empty() && s != shape)) {
      // int and slug mix into slug (e.g. "2024" among "my-post")
      if ((s == "int" && shape == "slug") || (s == "slug" && shape == "int")) {
        shape = "slug";
        continue;
      }
      return "";
    }
    shape = s;
  }
  return shape;
}

// Whether a position with these values (over `n` keys) is a dynamic segment.
std::string DynamicShape(const std::set<std::string>& values, size_t n) {
  std::string shape = CommonShape(values);
  if (shape.empty()) return "";
  if (IsStrongShape(shape)) return shape;
  if (shape == "int" || shape == "date") return values.size() >= 2 ? shape : "";
  // Slugs: only when they are many and mostly distinct (names of
  // collections are few).
  return values.size() >= 5 && values.size() * 2 >= n ? shape : "";
}

struct Node {
  bool dynamic = false;
  std::string value;  // static value, or dynamic type
};

struct Walker {
  std::vector<InferredModel>* out;
  std::string file;

  void Walk(size_t pos, const std::vector<const Segments*>& group, std::vector<Node>& prefix) {
    size_t depth = group[0]->size();
    if (pos + 1 == depth) return Emit(group, prefix);
    std::set<std::string> values;
    for (const Segments* s : group) values.insert((*s)[pos]);
    std::string shape = DynamicShape(values, group.size());
    if (!shape.empty()) {
      prefix.push_back({true, shape});
      Walk(pos + 1, group, prefix);
      prefix.pop_back();
      return;
    }
    std::map<std::string, std::vector<const Segments*>> by_value;
    for (const Segments* s : group) by_value[(*s)[pos]].push_back(s);
    for (auto& [value, sub] : by_value) {
      prefix.push_back({false, value});
      Walk(pos + 1, sub, prefix);
      prefix.pop_back();
    }
  }

  void Emit(const std::vector<const Segments*>& group, const std::vector<Node>& prefix);
};

std::string Singular(std::string s) {
  if (s.size() > 3 && s.compare(s.size() - 3, 3, "ies") == 0)
    return s.substr(0, s.size() - 3) + "y";
  if (s.size() > 3 && s.compare(s.size() - 3, 3, "ses") == 0) return s.substr(0, s.size() - 2);
  if (s.size() > 1 && s.back() == 's' && s[s.size() - 2] != 's') s.pop_back();
  return s;
}

std::string Pascal(std::string_view s) {
  std::string out;
  bool up = true;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c))) {
      up = true;
      continue;
    }
    out += up ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    up = false;
  }
  if (out.empty() || std::isdigit(static_cast<unsigned char>(out[0]))) out = "M" + out;
  return out;
}

void Walker::Emit(const std::vector<const Segments*>& group, const std::vector<Node>& prefix) {
  InferredModel m;
  // The collection: the static segment right before the first dynamic one
  // (or the last static one for a singleton).
  size_t first_dyn = prefix.size();
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (prefix[i].dynamic) {
      first_dyn = i;
      break;
    }
  }
  std::string path;
  std::string last_static = "root";
  for (size_t i = 0; i < prefix.size(); ++i) {
    const Node& n = prefix[i];
    std::string seg;
    if (n.dynamic) {
      bool last = true;
      for (size_t j = i + 1; j < prefix.size(); ++j) last = last && !prefix[j].dynamic;
      std::string name = last ? "id" : Singular(last_static) + "Id";
      for (char& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
      m.dynamic_names.push_back(name);
      seg = "(" + name + ":" + n.value + ")";
      m.id_type = n.value;
    } else {
      bool collection =
          (first_dyn < prefix.size())
              ? (i + 1 == first_dyn || (i + 1 < prefix.size() && prefix[i + 1].dynamic))
              : i + 1 == prefix.size();
      seg = (collection ? "@" : "#") + n.value;
      last_static = n.value;
    }
    path += (path.empty() ? "" : "/") + seg;
  }
  m.path = path;
  size_t dot = file.rfind('.');
  m.file = dot == std::string::npos || dot == 0
               ? "[" + file + "]"
               : "[" + file.substr(0, dot) + "]" + file.substr(dot);
  m.name = Pascal(Singular(last_static));
  for (const Segments* s : group) {
    std::string key;
    for (const std::string& part : *s) key += (key.empty() ? "" : "/") + part;
    m.keys.push_back(std::move(key));
  }
  out->push_back(std::move(m));
}

std::string JsonTypeOf(const Json& v) {
  if (v.is_boolean()) return "boolean";
  if (v.is_number_integer() || v.is_number_unsigned()) return "integer";
  if (v.is_number()) return "number";
  if (v.is_array()) return "array";
  if (v.is_object()) return "object";
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    if (IsDateTime(s)) return "datetime";
    if (IsDate(s)) return "date";
  }
  return "string";
}

}  // namespace

std::string IdShapeOf(std::string_view v) {
  if (IsUuid(v)) return "uuid";
  if (IsEvm(v)) return "evm";
  if (AllOf(v, ::isdigit) && v.size() <= 18) return "int";
  if (IsDate(v)) return "date";
  if (IsSol(v)) return "sol";
  if (IsSlug(v)) return "slug";
  return "";
}

std::vector<InferredModel> InferModels(const std::vector<std::string>& keys) {
  std::map<std::pair<size_t, std::string>, std::vector<Segments>> groups;
  for (const std::string& key : keys) {
    Segments s = Split(key, '/');
    bool system = false;
    for (const std::string& part : s) system = system || part.empty() || part[0] == '.';
    if (system || s.size() < 2) continue;  // root files are not entities
    groups[{s.size(), s.back()}].push_back(std::move(s));
  }
  std::vector<InferredModel> out;
  for (auto& [shape, segs] : groups) {
    std::vector<const Segments*> group;
    for (const Segments& s : segs) group.push_back(&s);
    Walker w{&out, shape.second};
    std::vector<Node> prefix;
    w.Walk(0, group, prefix);
  }
  // Unique names: a second model of a collection takes its file name too.
  std::map<std::string, int> seen;
  for (InferredModel& m : out) seen[m.name]++;
  std::set<std::string> used;
  for (InferredModel& m : out) {
    std::string name = m.name;
    if (seen[m.name] > 1) {
      std::string base = m.file.substr(1, m.file.find(']') - 1);
      name = m.name + Pascal(base);
    }
    while (used.count(name)) name += "2";
    used.insert(name);
    m.name = name;
  }
  return out;
}

Json InferFields(const std::vector<Json>& samples, const std::vector<std::string>& skip) {
  struct Stats {
    std::map<std::string, size_t> types;
    size_t present = 0;  // non-null
    std::set<std::string> strings;
    bool only_strings = true;
  };
  std::map<std::string, Stats> stats;
  size_t docs = 0;
  for (const Json& doc : samples) {
    if (!doc.is_object()) continue;
    ++docs;
    for (auto it = doc.begin(); it != doc.end(); ++it) {
      if (std::find(skip.begin(), skip.end(), it.key()) != skip.end()) continue;
      Stats& s = stats[it.key()];
      if (it->is_null()) continue;
      ++s.present;
      s.types[JsonTypeOf(*it)]++;
      if (it->is_string() && s.strings.size() <= kMaxEnumValues) {
        s.strings.insert(it->get<std::string>());
      }
      s.only_strings = s.only_strings && it->is_string();
    }
  }
  Json fields = Json::object();
  for (auto& [name, s] : stats) {
    if (s.present == 0) continue;
    std::string type = std::max_element(s.types.begin(), s.types.end(), [](auto& a, auto& b) {
                         return a.second < b.second;
                       })->first;
    if (s.types.size() == 2 && s.types.count("integer") && s.types.count("number")) type = "number";
    Json f = {{"type", type}};
    if (s.present == docs) f["required"] = true;
    if (type == "string" && s.only_strings && s.present >= kMinEnumSamples &&
        s.strings.size() <= kMaxEnumValues) {
      f["enum"] = Json(std::vector<std::string>(s.strings.begin(), s.strings.end()));
    }
    fields[name] = std::move(f);
  }
  return fields;
}

Json BuildSchema(const std::vector<InferredModel>& models,
                 const std::function<std::vector<Json>(const InferredModel&)>& samples) {
  Json doc = {{"schemaVersion", "1.0"}, {"sourceOfTruth", "remote"}};
  Json types = Json::object();
  Json paths = Json::array();
  Json out_models = Json::object();
  for (const InferredModel& m : models) {
    paths.push_back(m.path + "/" + m.file);
    Json j = {{"path", m.path}, {"file", m.file}};
    if (m.id_type.empty()) {
      j["singleton"] = true;
    } else {
      j["idType"] = m.id_type;
    }
    if (m.path.find(":slug)") != std::string::npos) {
      types["slug"] = {{"regex", "^[a-z0-9]+(-[a-z0-9]+)*$"}};
    }
    if (m.path.find(":date)") != std::string::npos) {
      types["date"] = {{"regex", "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}};
    }
    std::vector<std::string> skip = {"id", "createdAt", "updatedAt"};
    skip.insert(skip.end(), m.dynamic_names.begin(), m.dynamic_names.end());
    j["fields"] = InferFields(samples(m), skip);
    j["allowUnknownFields"] = true;  // samples may not show every field
    out_models[m.name] = std::move(j);
  }
  if (!types.empty()) doc["dynamicTypes"] = types;
  doc["storage"] = {{"layout", "root"}};
  doc["paths"] = paths;
  doc["models"] = out_models;
  return doc;
}

std::vector<std::string> SampleKeys(const InferredModel& model) {
  const std::vector<std::string>& keys = model.keys;
  size_t n = std::min(keys.size(), kSamplesPerModel);
  std::vector<std::string> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) out.push_back(keys[i * keys.size() / n]);
  return out;
}

std::map<std::string, std::vector<Json>> SampleDocuments(Transport& remote,
                                                         const std::vector<InferredModel>& models,
                                                         int threads) {
  std::vector<std::pair<std::string, std::string>> work;  // model, key
  for (const InferredModel& m : models) {
    for (std::string& key : SampleKeys(m)) work.emplace_back(m.name, std::move(key));
  }
  std::vector<std::optional<Json>> docs(work.size());
  ParallelFor(work.size(), threads, [&](size_t i) {
    auto obj = remote.Get(work[i].second, {});
    if (!obj.ok()) return;
    auto doc = ParseJson(obj->data, work[i].second);
    if (doc.ok()) docs[i] = std::move(*doc);
  });
  std::map<std::string, std::vector<Json>> out;
  for (size_t i = 0; i < work.size(); ++i) {
    if (docs[i]) out[work[i].first].push_back(std::move(*docs[i]));
  }
  return out;
}

}  // namespace worm::sync

#include "sync/json_diff.h"

#include <set>

namespace worm::sync {

namespace {

// JSON Pointer escaping (RFC 6901): '~' -> "~0", '/' -> "~1".
std::string Escape(const std::string& token) {
  std::string out;
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

void Diff(const Json& a, const Json& b, const std::string& path, std::vector<JsonChange>* out) {
  if (a == b) return;
  if (a.is_object() && b.is_object()) {
    std::set<std::string> keys;
    for (auto it = a.begin(); it != a.end(); ++it) keys.insert(it.key());
    for (auto it = b.begin(); it != b.end(); ++it) keys.insert(it.key());
    for (const std::string& k : keys) {
      std::string p = path + "/" + Escape(k);
      bool in_a = a.contains(k), in_b = b.contains(k);
      if (in_a && in_b) {
        Diff(a[k], b[k], p, out);
      } else if (in_a) {
        out->push_back({"remove", p, a[k], nullptr});
      } else {
        out->push_back({"add", p, nullptr, b[k]});
      }
    }
    return;
  }
  if (a.is_array() && b.is_array()) {
    size_t n = std::max(a.size(), b.size());
    for (size_t i = 0; i < n; ++i) {
      std::string p = path + "/" + std::to_string(i);
      if (i < a.size() && i < b.size()) {
        Diff(a[i], b[i], p, out);
      } else if (i < a.size()) {
        out->push_back({"remove", p, a[i], nullptr});
      } else {
        out->push_back({"add", p, nullptr, b[i]});
      }
    }
    return;
  }
  out->push_back({"replace", path, a, b});
}

}  // namespace

std::vector<JsonChange> DiffJson(const Json& before, const Json& after) {
  std::vector<JsonChange> out;
  Diff(before, after, "", &out);
  return out;
}

Json ChangesToJson(const std::vector<JsonChange>& changes) {
  Json list = Json::array();
  for (const JsonChange& c : changes) {
    Json item = {{"op", c.op}, {"path", c.path}};
    if (c.op != "add") item["from"] = c.old_value;
    if (c.op != "remove") item["value"] = c.new_value;
    list.push_back(std::move(item));
  }
  return list;
}

std::string RenderChanges(const std::vector<JsonChange>& changes) {
  std::string out;
  for (const JsonChange& c : changes) {
    std::string path = c.path.empty() ? "/" : c.path;
    if (c.op == "add") {
      out += "  + " + path + ": " + c.new_value.dump() + "\n";
    } else if (c.op == "remove") {
      out += "  - " + path + ": " + c.old_value.dump() + "\n";
    } else {
      out += "  ~ " + path + ": " + c.old_value.dump() + " -> " + c.new_value.dump() + "\n";
    }
  }
  return out;
}

}  // namespace worm::sync

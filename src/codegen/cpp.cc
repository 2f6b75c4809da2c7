// The C++ target (codegen.h, kCpp): one header, "models.h", with a struct per
// model, nested structs for objects with properties, nlohmann to_json /
// from_json (so Project::Typed<T> works), and a static FromJson that judges a
// document as the engine's Create does (src/engine/validation.cc and the id
// rules of src/engine/store.cc), mirrored rule by rule.
//
// Compiling the output (what tests/codegen/ does; any C++20 compiler):
//   c++ -std=c++20 -Wall -Wextra -Werror -I<repo>/include $(pkg-config --cflags re2) your.cc
// (plus nlohmann_json's include dir when not in /usr/include); cpp_test.cc
// builds a -shared -fPIC driver that way and dlopens it from a test binary
// that exports the worm libraries (ENABLE_EXPORTS, whole archives).
// The header includes <nlohmann/json.hpp>, worm/result.h and worm/schema.h
// (MakeDynamicType checks ids exactly as the resolver does), and <re2/re2.h>
// only when a field has a "pattern" (the engine matches patterns with RE2, so
// the header does too); link the worm libraries (worm_engine and its deps,
// which bring RE2) as for any TypedRepository user.
#include <cmath>
#include <cstdio>
#include <memory>
#include <set>
#include <string>

#include "codegen/codegen_internal.h"

namespace worm::codegen::internal {
namespace {

using schema::Field;
using schema::FieldType;
using schema::Model;

// ---- names ------------------------------------------------------------------

const std::set<std::string>& Keywords() {
  static const std::set<std::string> kWords = {
      // C++20 keywords and alternative tokens.
      "alignas", "alignof", "and", "and_eq", "asm", "auto", "bitand", "bitor", "bool", "break",
      "case", "catch", "char", "char8_t", "char16_t", "char32_t", "class", "compl", "concept",
      "const", "consteval", "constexpr", "constinit", "const_cast", "continue", "co_await",
      "co_return", "co_yield", "decltype", "default", "delete", "do", "double", "dynamic_cast",
      "else", "enum", "explicit", "export", "extern", "false", "float", "for", "friend", "goto",
      "if", "inline", "int", "long", "mutable", "namespace", "new", "noexcept", "not", "not_eq",
      "nullptr", "operator", "or", "or_eq", "private", "protected", "public", "register",
      "reinterpret_cast", "requires", "return", "short", "signed", "sizeof", "static",
      "static_assert", "static_cast", "struct", "switch", "template", "this", "thread_local",
      "throw", "true", "try", "typedef", "typeid", "typename", "union", "unsigned", "using",
      "virtual", "void", "volatile", "wchar_t", "while", "xor", "xor_eq",
      // Identifiers with special meaning, and macros the standard headers define.
      "final", "override", "import", "module", "errno", "NULL", "EOF", "stdin", "stdout", "stderr",
      "assert", "offsetof", "setjmp", "va_arg", "va_start", "va_end", "va_copy", "EXIT_SUCCESS",
      "EXIT_FAILURE", "RAND_MAX", "CHAR_BIT", "MB_LEN_MAX", "BUFSIZ", "FILENAME_MAX", "L_tmpnam",
      "TMP_MAX", "SEEK_SET", "SEEK_CUR", "SEEK_END", "EDOM", "ERANGE", "EILSEQ", "HUGE_VAL",
      "INFINITY", "NAN", "unix", "linux", "major", "minor",
      // Names the generated code itself uses inside each struct.
      "FromJson", "ToJson", "Decode_", "Check_", "Defaults_", "extra", "nlohmann", "std", "worm",
      "re2", "detail"};
  return kWords;
}

// A C++ identifier for `name`: bytes outside [A-Za-z0-9_] become "_xx" (two
// lowercase hex digits), a leading digit gets a "_" before it, a keyword (or
// a name the header uses) a "_" after it, and then "_" is appended until the
// result is unlike every name in `taken`, which it joins.
std::string Mangle(const std::string& name, std::set<std::string>* taken) {
  std::string out;
  for (unsigned char c : name) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "_%02x", c);
      out += buf;
    }
  }
  if (out.empty() || (out[0] >= '0' && out[0] <= '9')) out = "_" + out;
  if (Keywords().count(out)) out += "_";
  while (taken->count(out)) out += "_";
  taken->insert(out);
  return out;
}

std::string Pascal(std::string s) {
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

// A C++ string literal holding exactly `s`: printable ASCII as is, every
// other byte as a three-digit octal escape (never swallows what follows).
std::string Lit(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7F && c != '?') {
      out += static_cast<char>(c);
    } else {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\%03o", c);
      out += buf;
    }
  }
  return out + "\"";
}

// A std::string_view of `s` with its length (keeps embedded NULs).
std::string LitView(std::string_view s) {
  return "std::string_view(" + Lit(s) + ", " + std::to_string(s.size()) + ")";
}

// A double literal that reads back as exactly `d`.
std::string DoubleLit(double d) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", d);
  std::string s = buf;
  if (s.find_first_of(".en") == std::string::npos) s += ".0";
  return s;
}

// Single-line, ASCII-only text for a // comment.
std::string CommentJson(const Json& v) {
  std::string s = v.dump(-1, ' ', true, Json::error_handler_t::replace);
  if (s.size() > 200) s = s.substr(0, 200) + "...";
  while (!s.empty() && s.back() == '\\') s.pop_back();
  return s;
}

// ---- the type tree ----------------------------------------------------------

// One struct to emit: a model, an object field with properties, or the
// items of an array that are such objects.
struct StructPlan;

struct MemberPlan {
  const Field* field = nullptr;
  std::string member;                   // C++ member name
  std::string type;                     // C++ type of the value (without optional)
  bool optional = false;                // std::optional<type>
  std::unique_ptr<StructPlan> nested;   // the field's own struct (object with properties)
  std::vector<std::string> item_types;  // array nesting: type of each level's items
};

struct StructPlan {
  std::string name;
  const std::vector<Field>* fields = nullptr;
  bool keep_extra = false;  // allowUnknownFields: unknown members kept in `extra`
  bool model = false;
  std::vector<std::unique_ptr<StructPlan>> nested;  // in declaration order
  std::vector<MemberPlan> members;
};

bool HasDefault(const Field& f) { return f.default_value && !f.default_value->is_null(); }

bool IsStruct(const Field& f) { return f.type == FieldType::kObject && !f.properties.empty(); }

class Planner {
 public:
  // The C++ type for values of `f`; struct types are added to `parent`.
  std::string TypeOf(const Field& f, const std::string& base_name, StructPlan* parent,
                     std::set<std::string>* taken) {
    switch (f.type) {
      case FieldType::kString:
      case FieldType::kDate:
      case FieldType::kDateTime:
        return "std::string";
      case FieldType::kNumber:
        return "double";
      case FieldType::kInteger:
        return "std::int64_t";
      case FieldType::kBoolean:
        return "bool";
      case FieldType::kArray:
        if (!f.items) return "std::vector<nlohmann::json>";
        return "std::vector<" + TypeOf(*f.items, base_name + "Item", parent, taken) + ">";
      case FieldType::kObject: {
        if (!IsStruct(f)) return "nlohmann::json";
        auto plan = std::make_unique<StructPlan>();
        plan->name = Mangle(Pascal(base_name), taken);
        Plan(plan.get(), f.properties, f.allow_unknown, {});
        std::string name = plan->name;
        parent->nested.push_back(std::move(plan));
        return name;
      }
    }
    return "nlohmann::json";
  }

  void Plan(StructPlan* s, const std::vector<Field>& fields, bool keep_extra,
            const std::set<std::string>& engine_members) {
    s->fields = &fields;
    s->keep_extra = keep_extra;
    std::set<std::string> taken = engine_members;
    taken.insert(s->name);
    for (const Field& f : fields) {
      MemberPlan m;
      m.field = &f;
      m.member = Mangle(f.name, &taken);
      m.type = TypeOf(f, m.member, s, &taken);
      m.optional = !f.required && !HasDefault(f);
      s->members.push_back(std::move(m));
    }
  }
};

// ---- emitting ---------------------------------------------------------------

class Emitter {
 public:
  Emitter(const schema::Schema& schema, std::string* out) : schema_(schema), out_(*out) {}

  void Line(int indent, const std::string& text) {
    out_.append(static_cast<size_t>(indent) * 2, ' ');
    out_ += text;
    out_ += '\n';
  }

  // Code checking the (non-null) JSON value `v` against `f` (Validator::Value).
  void Value(int ind, const Field& f, const std::string& v, const std::string& path, int depth,
             const std::string& type) {
    std::string fail = "return detail::Fail(who, " + path + ", ";
    auto expected = [&](const std::string& what) {
      return fail + "\"expected " + what + ", got \" + detail::TypeName(" + v + "));";
    };
    switch (f.type) {
      case FieldType::kString:
        Line(ind, "if (!" + v + ".is_string()) " + expected("string"));
        StringRules(ind, f, v, path);
        break;
      case FieldType::kDate:
        Line(ind, "if (!" + v + ".is_string()) " + expected("date string (YYYY-MM-DD)"));
        Line(ind, "if (!detail::IsDate(" + v + ".get_ref<const std::string&>())) " + fail +
                      "\"\\\"\" + " + v +
                      ".get<std::string>() + \"\\\" is not a date (YYYY-MM-DD)\");");
        break;
      case FieldType::kDateTime:
        Line(ind, "if (!" + v + ".is_string()) " + expected("datetime string (RFC 3339)"));
        Line(ind, "if (!detail::IsDateTime(" + v + ".get_ref<const std::string&>())) " + fail +
                      "\"\\\"\" + " + v +
                      ".get<std::string>() + \"\\\" is not an RFC 3339 datetime "
                      "(2026-02-24T10:11:12Z)\");");
        break;
      case FieldType::kNumber:
        Line(ind, "if (!" + v + ".is_number()) " + expected("number"));
        Bounds(ind, f, v, path);
        break;
      case FieldType::kInteger:
        Line(ind, "if (!" + v + ".is_number()) " + expected("integer"));
        Line(ind, "if (!" + v + ".is_number_integer() && std::floor(" + v +
                      ".get<double>()) != " + v + ".get<double>()) " + expected("integer"));
        Bounds(ind, f, v, path);
        break;
      case FieldType::kBoolean:
        Line(ind, "if (!" + v + ".is_boolean()) " + expected("boolean"));
        break;
      case FieldType::kArray: {
        Line(ind, "if (!" + v + ".is_array()) " + expected("array"));
        if (f.min_length) {
          Line(ind, "if (" + v + ".size() < " + std::to_string(*f.min_length) + "u) " + fail +
                        "std::to_string(" + v + ".size()) + \" items, below minLength " +
                        std::to_string(*f.min_length) + "\");");
        }
        if (f.max_length) {
          Line(ind, "if (" + v + ".size() > " + std::to_string(*f.max_length) + "u) " + fail +
                        "std::to_string(" + v + ".size()) + \" items, above maxLength " +
                        std::to_string(*f.max_length) + "\");");
        }
        if (!f.items) break;
        std::string i = "i" + std::to_string(depth);
        std::string item = "item" + std::to_string(depth);
        std::string item_path = "path" + std::to_string(depth);
        // The element type of `type` ("std::vector<X>" -> "X").
        std::string item_type = type.substr(12, type.size() - 13);
        Line(ind, "for (std::size_t " + i + " = 0; " + i + " < " + v + ".size(); ++" + i + ") {");
        Line(ind + 1, "const nlohmann::json& " + item + " = " + v + "[" + i + "];");
        Line(ind + 1, "const std::string " + item_path + " = " + path +
                          " + \"[\" + std::to_string(" + i + ") + \"]\";");
        Line(ind + 1, "if (" + item + ".is_null()) return detail::Fail(who, " + item_path +
                          ", \"null item in an array\");");
        Value(ind + 1, *f.items, item, item_path, depth + 1, item_type);
        Line(ind, "}");
        break;
      }
      case FieldType::kObject:
        Line(ind, "if (!" + v + ".is_object()) " + expected("object"));
        if (IsStruct(f)) {
          Line(ind, "if (worm::Status st = " + type + "::Check_(" + v + ", who, " + path +
                        "); !st.ok()) return st;");
        }
        break;
    }
    if (!f.enum_values.empty()) {
      Json allowed = f.enum_values;
      Line(ind, "{");
      Line(ind + 1, "static const nlohmann::json kEnum = nlohmann::json::parse(" +
                        Lit(allowed.dump()) + ");");
      Line(ind + 1, "bool found = false;");
      Line(ind + 1, "for (const nlohmann::json& e : kEnum) found = found || e == " + v + ";");
      Line(ind + 1, "if (!found) " + fail + "\"value \" + " + v +
                        ".dump() + \" is not one of \" + kEnum.dump() + \" (enum)\");");
      Line(ind, "}");
    }
  }

  void StringRules(int ind, const Field& f, const std::string& v, const std::string& path) {
    std::string fail = "return detail::Fail(who, " + path + ", ";
    if (f.min_length || f.max_length) {
      Line(ind, "{");
      Line(ind + 1,
           "const std::size_t len = detail::Utf8Length(" + v + ".get_ref<const std::string&>());");
      if (f.min_length) {
        Line(ind + 1, "if (len < " + std::to_string(*f.min_length) + "u) " + fail +
                          "\"length \" + std::to_string(len) + \" is below minLength " +
                          std::to_string(*f.min_length) + "\");");
      }
      if (f.max_length) {
        Line(ind + 1, "if (len > " + std::to_string(*f.max_length) + "u) " + fail +
                          "\"length \" + std::to_string(len) + \" is above maxLength " +
                          std::to_string(*f.max_length) + "\");");
      }
      Line(ind, "}");
    }
    if (!f.pattern.empty()) {
      uses_re2_ = true;
      Line(ind, "{");
      Line(ind + 1,
           "static const re2::RE2 kRe(" + LitView(f.pattern) + ", detail::QuietRe2Options());");
      Line(ind + 1, "if (!kRe.ok()) " + fail +
                        Lit("schema pattern /" + f.pattern + "/ does not compile") + ");");
      Line(ind + 1, "if (!re2::RE2::FullMatch(" + v + ".get_ref<const std::string&>(), kRe)) " +
                        fail + "\"\\\"\" + " + v + ".get<std::string>() + " +
                        Lit("\" does not match pattern /" + f.pattern + "/") + ");");
      Line(ind, "}");
    }
  }

  void Bounds(int ind, const Field& f, const std::string& v, const std::string& path) {
    std::string fail = "return detail::Fail(who, " + path + ", ";
    if (f.minimum) {
      Line(ind, "if (" + v + ".get<double>() < " + DoubleLit(*f.minimum) + ") " + fail +
                    "detail::Num(" + v + ".get<double>()) + \" is below minimum " +
                    Json(*f.minimum).dump() + "\");");
    }
    if (f.maximum) {
      Line(ind, "if (" + v + ".get<double>() > " + DoubleLit(*f.maximum) + ") " + fail +
                    "detail::Num(" + v + ".get<double>()) + \" is above maximum " +
                    Json(*f.maximum).dump() + "\");");
    }
  }

  // Decode: the C++ value of checked JSON `v` of type `type`.
  std::string Decode(const Field& f, const std::string& v, const std::string& type, int depth) {
    switch (f.type) {
      case FieldType::kString:
      case FieldType::kDate:
      case FieldType::kDateTime:
        return v + ".get<std::string>()";
      case FieldType::kNumber:
        return v + ".get<double>()";
      case FieldType::kInteger:
        return "detail::ToInt64(" + v + ")";
      case FieldType::kBoolean:
        return v + ".get<bool>()";
      case FieldType::kArray: {
        if (!f.items) return "std::vector<nlohmann::json>(" + v + ".begin(), " + v + ".end())";
        std::string item_type = type.substr(12, type.size() - 13);
        std::string e = "e" + std::to_string(depth);
        return "[&] { " + type + " out; out.reserve(" + v +
               ".size()); for (const nlohmann::json& " + e + " : " + v + ") out.push_back(" +
               Decode(*f.items, e, item_type, depth + 1) + "); return out; }()";
      }
      case FieldType::kObject:
        if (IsStruct(f)) return type + "::Decode_(" + v + ")";
        return "nlohmann::json(" + v + ")";
    }
    return v;
  }

  // Encode: the JSON of C++ value `x` of type `type`.
  std::string Encode(const Field& f, const std::string& x, int depth) {
    switch (f.type) {
      case FieldType::kArray: {
        if (!f.items) return "nlohmann::json(" + x + ")";
        std::string e = "e" + std::to_string(depth);
        return "[&] { nlohmann::json out = nlohmann::json::array(); for (const auto& " + e + " : " +
               x + ") out.push_back(" + Encode(*f.items, e, depth + 1) + "); return out; }()";
      }
      case FieldType::kObject:
        if (IsStruct(f)) return x + ".ToJson()";
        return "nlohmann::json(" + x + ")";
      default:
        return "nlohmann::json(" + x + ")";
    }
  }

  void Struct(int ind, const StructPlan& s, const Model* model,
              const std::vector<std::pair<std::string, std::string>>& ids) {
    Line(ind, "struct " + s.name + " {");
    for (const auto& n : s.nested) Struct(ind + 1, *n, nullptr, {});
    for (const MemberPlan& m : s.members) {
      const Field& f = *m.field;
      std::string note = std::string(schema::FieldTypeName(f.type));
      if (f.required) note += ", required";
      if (f.default_value) note += ", default " + CommentJson(*f.default_value);
      if (!f.enum_values.empty()) note += ", one of " + CommentJson(Json(f.enum_values));
      if (!f.ref.empty()) note += ", ref -> " + f.ref + " id";
      if (m.member != f.name) note += ", JSON \"" + CommentJson(Json(f.name)) + "\"";
      std::string init;
      if (!m.optional && HasDefault(f)) {
        init = " = " + Decode(f, "detail::Parse(" + Lit(f.default_value->dump()) + ")", m.type, 0);
      } else if (!m.optional && (f.type == FieldType::kNumber || f.type == FieldType::kInteger ||
                                 f.type == FieldType::kBoolean)) {
        init = "{}";
      } else if (!m.optional && f.type == FieldType::kObject && !IsStruct(f)) {
        init = " = nlohmann::json::object()";
      }
      std::string type = m.optional ? "std::optional<" + m.type + ">" : m.type;
      Line(ind + 1, type + " " + m.member + init + ";  // " + note);
    }
    for (const auto& [json_name, member] : ids) {
      Line(ind + 1, "std::string " + member + ";  // id segment \"" + json_name +
                        "\" (set by the engine; empty: generate one)");
    }
    if (model != nullptr) {
      Line(ind + 1, "std::string " + created_ + ";  // RFC 3339, set by the engine");
      Line(ind + 1, "std::string " + updated_ + ";  // RFC 3339, set by the engine");
    }
    if (s.keep_extra) {
      Line(ind + 1,
           "nlohmann::json extra = nlohmann::json::object();  // undeclared members, kept");
    }
    out_ += "\n";
    if (model != nullptr) {
      Line(ind + 1, "// What Repository::Create refuses (InvalidArgument naming the field), with");
      Line(ind + 1, "// the defaults applied; ref targets are not looked up.");
      Line(ind + 1, "static worm::Result<" + s.name + "> FromJson(const nlohmann::json& doc);");
    }
    Line(ind + 1, "nlohmann::json ToJson() const;");
    Line(ind + 1, "// Internals of FromJson.");
    Line(ind + 1, "static void Defaults_(nlohmann::json& j);");
    Line(ind + 1, "static worm::Status Check_(const nlohmann::json& j, const std::string& who,");
    Line(ind + 1, "                           const std::string& prefix);");
    Line(ind + 1, "static " + s.name + " Decode_(const nlohmann::json& j);");
    Line(ind, "};");
  }

  // Member function definitions, outside the structs. `scope` is the
  // qualified name ("Customer::Address").
  void Methods(const StructPlan& s, const std::string& scope, const Model* model,
               const std::vector<std::pair<std::string, std::string>>& ids) {
    for (const auto& n : s.nested) Methods(*n, scope + "::" + n->name, nullptr, {});
    std::set<std::string> engine_fields;
    for (const auto& id : ids) engine_fields.insert(id.first);
    if (model != nullptr) engine_fields.insert({"createdAt", "updatedAt"});

    // Defaults (validation.cc Defaults).
    bool any_default = false;
    for (const MemberPlan& m : s.members)
      any_default |= m.field->default_value || IsStruct(*m.field);
    Line(0, "inline void " + scope + "::Defaults_(" +
                std::string(any_default ? "" : "[[maybe_unused]] ") + "nlohmann::json& j) {");
    for (const MemberPlan& m : s.members) {
      const Field& f = *m.field;
      if (!f.default_value && !IsStruct(f)) continue;
      Line(1, "{");
      Line(2, "auto it = j.find(" + Lit(f.name) + ");");
      if (f.default_value) {
        Line(2, "if (it == j.end() || it->is_null()) {");
        Line(3, "static const nlohmann::json kDefault = detail::Parse(" +
                    Lit(f.default_value->dump()) + ");");
        Line(3, "j[" + Lit(f.name) + "] = kDefault;");
        Line(2, IsStruct(f) ? "} else if (it->is_object()) {" : "}");
      } else {
        Line(2, "if (it != j.end() && it->is_object()) {");
      }
      if (IsStruct(f)) {
        Line(3, m.type + "::Defaults_(*it);");
        Line(2, "}");
      }
      Line(1, "}");
    }
    Line(0, "}");

    // Check_ (Validator::Fields).
    Line(0, "inline worm::Status " + scope + "::Check_([[maybe_unused]] const nlohmann::json& j,");
    Line(0, "                                [[maybe_unused]] const std::string& who,");
    Line(0, "                                [[maybe_unused]] const std::string& prefix) {");
    for (const MemberPlan& m : s.members) {
      const Field& f = *m.field;
      Line(1, "{");
      Line(2, "const std::string path = prefix.empty() ? std::string(" + Lit(f.name) +
                  ") : prefix + \".\" + " + Lit(f.name) + ";");
      Line(2, "auto it = j.find(" + Lit(f.name) + ");");
      Line(2, "if (it == j.end() || it->is_null()) {");
      if (f.required) Line(3, "return detail::Fail(who, path, \"required but missing\");");
      Line(2, f.required ? "}" : "} else {");
      if (!f.required) {
        Line(3, "const nlohmann::json& v = *it;");
        Value(3, f, "v", "path", 0, m.type);
        Line(2, "}");
      } else {
        Line(2, "const nlohmann::json& v = *it;");
        Value(2, f, "v", "path", 0, m.type);
      }
      Line(1, "}");
    }
    if (!s.keep_extra) {
      Line(1, "for (auto it = j.begin(); it != j.end(); ++it) {");
      for (const std::string& e : engine_fields)
        Line(2, "if (it.key() == " + Lit(e) + ") continue;");
      std::string known;
      for (const MemberPlan& m : s.members) {
        known += (known.empty() ? "" : " || ") + std::string("it.key() == ") + Lit(m.field->name);
      }
      if (!known.empty()) Line(2, "if (" + known + ") continue;");
      Line(2, "return detail::Fail(who, prefix.empty() ? it.key() : prefix + \".\" + it.key(),");
      Line(2,
           "                    \"unknown field (the model is strict; declare it in the "
           "schema)\");");
      Line(1, "}");
    }
    Line(1, "return worm::Status::OK();");
    Line(0, "}");

    // Decode_.
    Line(0, "inline " + scope + " " + scope + "::Decode_(const nlohmann::json& j) {");
    Line(1, s.name + " out;");
    for (const MemberPlan& m : s.members) {
      const Field& f = *m.field;
      Line(1, "if (auto it = j.find(" + Lit(f.name) + "); it != j.end() && !it->is_null()) {");
      Line(2, "out." + m.member + " = " + Decode(f, "(*it)", m.type, 0) + ";");
      Line(1, "}");
    }
    for (const auto& [json_name, member] : ids) {
      Line(1, "if (auto it = j.find(" + Lit(json_name) + "); it != j.end() && !it->is_null()) {");
      Line(2, "out." + member + " = it->is_string() ? it->get<std::string>() : it->dump();");
      Line(1, "}");
    }
    if (model != nullptr) {
      for (const auto& [json_name, member] :
           {std::pair<std::string, std::string>{"createdAt", created_}, {"updatedAt", updated_}}) {
        Line(1,
             "if (auto it = j.find(" + Lit(json_name) + "); it != j.end() && it->is_string()) {");
        Line(2, "out." + member + " = it->get<std::string>();");
        Line(1, "}");
      }
    }
    if (s.keep_extra) {
      Line(1, "for (auto it = j.begin(); it != j.end(); ++it) {");
      for (const std::string& e : engine_fields)
        Line(2, "if (it.key() == " + Lit(e) + ") continue;");
      std::string known;
      for (const MemberPlan& m : s.members) {
        known += (known.empty() ? "" : " || ") + std::string("it.key() == ") + Lit(m.field->name);
      }
      if (!known.empty()) Line(2, "if (" + known + ") continue;");
      Line(2, "out.extra[it.key()] = it.value();");
      Line(1, "}");
    }
    Line(1, "return out;");
    Line(0, "}");

    // ToJson.
    Line(0, "inline nlohmann::json " + scope + "::ToJson() const {");
    Line(1, std::string("nlohmann::json j = ") +
                (s.keep_extra ? "extra.is_object() ? extra : nlohmann::json::object();"
                              : "nlohmann::json::object();"));
    for (const auto& [json_name, member] : ids) {
      Line(1, "if (!" + member + ".empty()) j[" + Lit(json_name) + "] = " + member + ";");
    }
    for (const MemberPlan& m : s.members) {
      const Field& f = *m.field;
      if (m.optional) {
        Line(1, "if (" + m.member + ") j[" + Lit(f.name) +
                    "] = " + Encode(f, "(*" + m.member + ")", 0) + ";");
      } else {
        Line(1, "j[" + Lit(f.name) + "] = " + Encode(f, m.member, 0) + ";");
      }
    }
    if (model != nullptr) {
      Line(1, "if (!" + created_ + ".empty()) j[\"createdAt\"] = " + created_ + ";");
      Line(1, "if (!" + updated_ + ".empty()) j[\"updatedAt\"] = " + updated_ + ";");
    }
    Line(1, "return j;");
    Line(0, "}");

    if (model == nullptr) {
      out_ += "\n";
      return;
    }
    // FromJson: the engine's Create, step by step.
    const Model& m = *model;
    Line(0,
         "inline worm::Result<" + scope + "> " + scope + "::FromJson(const nlohmann::json& doc) {");
    Line(1, "const std::string who = " + Lit(m.name) + ";");
    Line(1, "if (!doc.is_object()) {");
    Line(2,
         "return worm::Status::InvalidArgument(who + \": document must be a JSON object, got \" +");
    Line(2, "                                     detail::TypeName(doc));");
    Line(1, "}");
    Line(1, "if (detail::Depth(doc, 100) > 100) {");
    Line(2,
         "return worm::Status::InvalidArgument(who + \": document: nested deeper than the limit of "
         "100 levels\");");
    Line(1, "}");
    if (!ids.empty()) {
      // ResolveCreateIds: ids come from the document's id fields, in order.
      Line(1, "{");
      Line(2, "static const char* const kNames[] = {");
      for (const auto& id : ids) Line(3, Lit(id.first) + ",");
      Line(2, "};");
      Line(2, "std::vector<std::string> ids;");
      Line(2, "for (const char* n : kNames) {");
      Line(3, "auto it = doc.find(n);");
      Line(3, "if (it == doc.end() || it->is_null()) break;");
      Line(3, "ids.push_back(it->is_string() ? it->get<std::string>() : it->dump());");
      Line(2, "}");
      std::string count = std::to_string(ids.size());
      Line(2, "if (ids.size() + 1 < " + count + "u) {");
      Line(3, "return worm::Status::InvalidArgument(who + \": create needs the parent ids (" +
                  std::to_string(ids.size() - 1) + " of " + count +
                  "), got \" + std::to_string(ids.size()));");
      Line(2, "}");
      if (!CanGenerateId(m)) {
        Line(2, "if (ids.size() < " + count + "u) {");
        Line(3, "return worm::Status::InvalidArgument(who + " +
                    Lit(": no id given and the model has no id operator ('" + m.id_operator +
                        "'); pass an id") +
                    ");");
        Line(2, "}");
      }
      auto segs = m.path.dynamic_segments();
      for (size_t i = 0; i < segs.size(); ++i) {
        const schema::Segment& seg = *segs[i];
        Line(2, "if (ids.size() > " + std::to_string(i) + "u) {");
        Line(3, "if (std::string why = detail::IdSegmentProblem(ids[" + std::to_string(i) +
                    "]); !why.empty()) {");
        Line(4, "return worm::Status::InvalidArgument(who + \": \" + " + Lit(seg.name) +
                    " + \" '\" + ids[" + std::to_string(i) + "] + \"': \" + why);");
        Line(3, "}");
        auto t = schema_.dynamic_types.find(seg.type);
        if (t == schema_.dynamic_types.end()) {
          Line(3, "return worm::Status::InvalidArgument(who + " +
                      Lit(": dynamic type '" + seg.type + "' of " + seg.name +
                          " is not defined in the schema") +
                      ");");
        } else {
          Line(3, "static const worm::schema::DynamicType kType = detail::MakeType(" +
                      Lit(t->second.name) + ", " + Lit(t->second.regex) + ");");
          Line(3, "if (!kType.Matches(ids[" + std::to_string(i) + "])) {");
          Line(4, "return worm::Status::InvalidArgument(who + \": \" + " + Lit(seg.name) +
                      " + \" '\" + ids[" + std::to_string(i) + "] + " +
                      Lit("' is not a valid " + seg.type + ": it must match " + t->second.regex) +
                      ");");
          Line(3, "}");
        }
        Line(2, "}");
      }
      Line(1, "}");
    }
    Line(1, "nlohmann::json j = doc;");
    Line(1, "Defaults_(j);");
    Line(1, "if (detail::Depth(j, 100) > 100) {");
    Line(2,
         "return worm::Status::InvalidArgument(who + \": document: nested deeper than the limit of "
         "100 levels\");");
    Line(1, "}");
    Line(1, "if (worm::Status st = Check_(j, who, \"\"); !st.ok()) return st;");
    Line(1, "return Decode_(j);");
    Line(0, "}");
    Line(0, "inline void to_json(nlohmann::json& j, const " + scope + "& v) { j = v.ToJson(); }");
    Line(0, "inline void from_json(const nlohmann::json& j, " + scope + "& v) {");
    Line(1, "worm::Result<" + scope + "> r = " + scope + "::FromJson(j);");
    Line(1, "if (!r.ok()) throw std::invalid_argument(r.status().message());");
    Line(1, "v = std::move(r).value();");
    Line(0, "}");
    out_ += "\n";
  }

  bool CanGenerateId(const Model& m) const {
    auto op = schema_.operators.find(m.id_operator);
    if (op != schema_.operators.end()) return op->second.strategy != schema::IdStrategy::kNone;
    if (m.id_operator.empty() || m.id_operator == "auto") {
      return m.id_type == "uuid" || m.id_type == "uuid7";
    }
    return m.id_operator == "seq";
  }

  bool uses_re2() const { return uses_re2_; }

 private:
  const schema::Schema& schema_;
  std::string& out_;
  bool uses_re2_ = false;
  std::string created_ = "createdAt", updated_ = "updatedAt";
};

// The helpers every generated header carries (in <ns>::detail).
constexpr std::string_view kDetail =
    R"cpp(namespace detail {

          inline worm::Status Fail(const std::string& who, const std::string& path, const std::string& why) {
            return worm::Status::InvalidArgument(who + ": field \"" + path + "\": " + why);
          }

          inline std::string TypeName(const nlohmann::json& v) {
            if (v.is_number_integer()) return "integer";
            if (v.is_number()) return "number";
            return v.type_name();
          }

          inline std::string Num(double x) { return nlohmann::json(x).dump(); }

          inline nlohmann::json Parse(const char* text) { return nlohmann::json::parse(text); }

          // Code points of UTF-8 text (bytes that do not continue a sequence).
          inline std::size_t Utf8Length(const std::string& s) {
            std::size_t n = 0;
            for (unsigned char c : s) n += (c & 0xC0) != 0x80;
            return n;
          }

          inline bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

          inline bool ValidYmd(int y, int m, int d) {
            static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
            if (m < 1 || m > 12 || d < 1) return false;
            return d <= kDays[m - 1] + (m == 2 && IsLeap(y) ? 1 : 0);
          }

          // `n` ASCII digits at `at` as a number, or -1.
          inline int Digits(const std::string& s, std::size_t at, std::size_t n) {
            if (at + n > s.size()) return -1;
            int v = 0;
            for (std::size_t i = at; i < at + n; ++i) {
              if (s[i] < '0' || s[i] > '9') return -1;
              v = v * 10 + (s[i] - '0');
            }
            return v;
          }

          // YYYY-MM-DD.
          inline bool IsDate(const std::string& s) {
            if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
            int y = Digits(s, 0, 4), m = Digits(s, 5, 2), d = Digits(s, 8, 2);
            return y >= 0 && m >= 0 && d >= 0 && ValidYmd(y, m, d);
          }

          // RFC 3339: YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM), 'T' and 'Z' in
          // either case.
          inline bool IsDateTime(const std::string& s) {
            if (s.size() < 20 || !IsDate(s.substr(0, 10))) return false;
            if ((s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':') return false;
            int h = Digits(s, 11, 2), mi = Digits(s, 14, 2), se = Digits(s, 17, 2);
            if (h < 0 || mi < 0 || se < 0) return false;
            std::size_t at = 19;
            if (s[at] == '.') {
              std::size_t start = ++at;
              while (at < s.size() && s[at] >= '0' && s[at] <= '9') ++at;
              if (at == start) return false;
            }
            int oh = 0, om = 0;
            if (at + 1 == s.size() && (s[at] == 'Z' || s[at] == 'z')) {
            } else if (at + 6 == s.size() && (s[at] == '+' || s[at] == '-') && s[at + 3] == ':') {
              oh = Digits(s, at + 1, 2);
              om = Digits(s, at + 4, 2);
              if (oh < 0 || om < 0) return false;
            } else {
              return false;
            }
            return h < 24 && mi < 60 && se <= 60 && oh < 24 && om < 60;
          }

          // Container nesting of `v` (a scalar is 0), walked without recursion; stops
          // counting once past `limit`.
          inline int Depth(const nlohmann::json& v, int limit) {
            if (!v.is_structured()) return 0;
            std::vector<std::pair<nlohmann::json::const_iterator, nlohmann::json::const_iterator>> open;
            open.emplace_back(v.cbegin(), v.cend());
            int deepest = 1;
            while (!open.empty()) {
              auto& top = open.back();
              if (top.first == top.second) {
                open.pop_back();
                continue;
              }
              const nlohmann::json& child = *top.first;
              ++top.first;
              if (!child.is_structured()) continue;
              int depth = static_cast<int>(open.size()) + 1;
              if (depth > deepest) deepest = depth;
              if (deepest > limit) return deepest;
              open.emplace_back(child.cbegin(), child.cend());
            }
            return deepest;
          }

          // Integer fields are std::int64_t; a value the engine accepts beyond its
          // range (an integral double like 1e300, an unsigned above INT64_MAX) is
          // clamped to the nearest end.
          inline std::int64_t ToInt64(const nlohmann::json& v) {
            if (v.is_number_unsigned()) {
              auto u = v.get<std::uint64_t>();
              return u > static_cast<std::uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<std::int64_t>(u);
            }
            if (v.is_number_integer()) return v.get<std::int64_t>();
            double d = v.get<double>();
            if (!(d > -9223372036854775808.0)) return INT64_MIN;
            if (!(d < 9223372036854775808.0)) return INT64_MAX;
            return static_cast<std::int64_t>(d);
          }

          // Why `id` cannot be one key segment (the resolver's rules), or "".
          inline std::string IdSegmentProblem(const std::string& id) {
            if (id.empty()) return "is empty";
            if (id.size() > 1024) return "is " + std::to_string(id.size()) + " bytes; the limit is 1024";
            for (std::size_t i = 0; i < id.size();) {
              unsigned char c = static_cast<unsigned char>(id[i]);
              if (c >= 0x20 && c < 0x7F) {
                ++i;
                continue;
              }
              std::uint32_t cp = 0;
              std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
              if (n == 0 || i + n > id.size())
                return "is not valid UTF-8 (byte " + std::to_string(i + 1) + ")";
              cp = n == 1 ? c : c & (0x7F >> n);
              for (std::size_t k = 1; k < n; ++k) {
                unsigned char cc = static_cast<unsigned char>(id[i + k]);
                if ((cc & 0xC0) != 0x80) return "is not valid UTF-8 (byte " + std::to_string(i + 1) + ")";
                cp = (cp << 6) | (cc & 0x3F);
              }
              if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
                  cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
                return "is not valid UTF-8 (byte " + std::to_string(i + 1) + ")";
              }
              if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) return "contains a control character";
              i += n;
            }
            if (id == "." || id == "..")
              return "is a relative path segment; ids cannot be '.' or "
                     "'..'";
            if (id.front() == '.') return "starts with '.', which marks system entries";
            if (id.find('/') != std::string::npos) return "contains '/'; an id is one key segment";
            if (id.find('\\') != std::string::npos)
              return "contains '\\'; an id is one key "
                     "segment";
            return "";
          }

          inline worm::schema::DynamicType MakeType(const char* name, const char* regex) {
            worm::Result<worm::schema::DynamicType> t = worm::schema::MakeDynamicType(name, regex);
            return t.ok() ? std::move(t).value() : worm::schema::DynamicType{};
          }
    )cpp";

constexpr std::string_view kRe2Options = R"cpp(
  inline re2::RE2::Options QuietRe2Options() {
    re2::RE2::Options opts;
    opts.set_log_errors(false);
    return opts;
  }
)cpp";

bool ValidNamespace(const std::string& ns) {
  if (ns.empty()) return false;
  size_t start = 0;
  while (true) {
    size_t end = ns.find("::", start);
    std::string part = ns.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (part.empty() || (part[0] >= '0' && part[0] <= '9') || Keywords().count(part)) return false;
    for (char c : part) {
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
        return false;
    }
    if (end == std::string::npos) return true;
    start = end + 2;
  }
}

}  // namespace

Result<std::vector<GeneratedFile>> GenerateCpp(const schema::Schema& schema,
                                               const Options& options) {
  if (!ValidNamespace(options.cpp_namespace)) {
    return Status::InvalidArgument("codegen cpp: namespace '" + options.cpp_namespace +
                                   "' is not a C++ namespace name (identifiers joined by ::)");
  }
  std::string body;
  Emitter emitter(schema, &body);
  std::set<std::string> type_names = {"detail"};
  std::vector<std::unique_ptr<StructPlan>> plans;
  std::vector<std::vector<std::pair<std::string, std::string>>> model_ids;
  for (const Model& m : schema.models) {
    std::set<std::string> engine = {"createdAt", "updatedAt"};
    std::vector<std::string> id_names;
    for (const schema::Segment* s : m.path.dynamic_segments()) {
      id_names.push_back(s->name);
      engine.insert(s->name);
    }
    for (const Field& f : m.fields) {
      if (engine.count(f.name)) {
        return Status::InvalidArgument(
            "codegen cpp: model " + m.name + " field '" + f.name +
            "': the engine sets this field on every document (an id or createdAt/updatedAt), "
            "so no declaration of it can be mirrored faithfully; rename the field");
      }
    }
    auto plan = std::make_unique<StructPlan>();
    plan->name = Mangle(m.name, &type_names);
    plan->model = true;
    // Engine members are named first so user fields yield to them.
    std::set<std::string> taken = {plan->name};
    std::vector<std::pair<std::string, std::string>> ids;
    for (const std::string& n : id_names) ids.emplace_back(n, Mangle(n, &taken));
    // createdAt/updatedAt: fields of that name are refused above, so never mangled.
    taken.insert({"createdAt", "updatedAt"});
    Planner planner;
    planner.Plan(plan.get(), m.fields, !m.strict, taken);
    plans.push_back(std::move(plan));
    model_ids.push_back(std::move(ids));
  }
  for (size_t i = 0; i < plans.size(); ++i) {
    emitter.Struct(0, *plans[i], &schema.models[i], model_ids[i]);
    body += "\n";
  }
  for (size_t i = 0; i < plans.size(); ++i) {
    emitter.Methods(*plans[i], plans[i]->name, &schema.models[i], model_ids[i]);
  }

  std::string out;
  out += "// Generated by `worm codegen --lang cpp` from .worm/schema.json. Do not edit.\n";
  out += "//\n";
  out += "// One struct per model: its fields (optional ones as std::optional, those\n";
  out += "// with a default as plain members holding it), the id of each dynamic path\n";
  out += "// segment, createdAt/updatedAt, and `extra` (undeclared members) where the\n";
  out += "// schema allows unknown fields. Objects with properties are nested structs,\n";
  out += "// arrays std::vector, enums strings checked against their values, refs the\n";
  out += "// referenced entity's id. Use with worm::Project::Typed<T>(\"<Model>\").\n";
  out += "//\n";
  out += "// T::FromJson(doc) refuses (InvalidArgument naming the field) what\n";
  out += "// Repository::Create refuses for the document as given (ids taken from its\n";
  out += "// id fields, defaults applied), and accepts the rest; it does not look up\n";
  out += "// ref targets, check the whole key's length or the model's mode. from_json\n";
  out += "// throws std::invalid_argument where FromJson refuses.\n";
  out += "//\n";
  out += "// Names that are not C++ identifiers are mangled: a byte outside\n";
  out += "// [A-Za-z0-9_] becomes _xx (hex), a leading digit gets a leading _, a C++\n";
  out += "// keyword (or a name this header uses: FromJson, ToJson, extra, ...) a\n";
  out += "// trailing _, and a name already taken in the same struct trailing _ until\n";
  out += "// unique. Nested struct types are the field name with its first letter\n";
  out += "// upper-cased (+ \"Item\" for array items).\n";
  out += "//\n";
  out += "// Needs: C++20, nlohmann/json, the worm public headers";
  out += emitter.uses_re2()
             ? " and RE2 (<re2/re2.h>,\n// for field patterns, as the engine matches them)"
             : "";
  out += "; link the worm libraries.\n";
  out += "#pragma once\n\n";
  out += "#include <cmath>\n#include <cstddef>\n#include <cstdint>\n#include <nlohmann/json.hpp>\n";
  out += "#include <optional>\n";
  if (emitter.uses_re2()) out += "#include <re2/re2.h>\n";
  out += "#include <stdexcept>\n#include <string>\n#include <string_view>\n#include <utility>\n";
  out += "#include <vector>\n\n#include \"worm/result.h\"\n#include \"worm/schema.h\"\n\n";
  out += "namespace " + options.cpp_namespace + " {\n\n";
  out += kDetail;
  if (emitter.uses_re2()) out += kRe2Options;
  out += "\n}  // namespace detail\n\n";
  out += body;
  out += "}  // namespace " + options.cpp_namespace + "\n";
  return std::vector<GeneratedFile>{{"models.h", std::move(out)}};
}

}  // namespace worm::codegen::internal

// Checking values against field declarations: defaults and enum values at
// load time, documents (ValidateDocument) at write time.
#include <cmath>
#include <set>

#include "schema/internal.h"
#include "schema/schema.h"

namespace worm::schema {

namespace internal {

namespace {

bool Digits(std::string_view s, size_t pos, size_t n) {
  if (pos + n > s.size()) return false;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

int Num(std::string_view s, size_t pos, size_t n) {
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) v = v * 10 + (s[i] - '0');
  return v;
}

bool ValidDay(int year, int month, int day) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1) return false;
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  int max = kDays[month - 1] + (month == 2 && leap ? 1 : 0);
  return day <= max;
}

// "HH:MM:SS[.frac](Z|+HH:MM|-HH:MM)" at `pos`, to the end of `s`.
bool IsTimeWithOffset(std::string_view s, size_t pos) {
  if (!Digits(s, pos, 2) || s.size() < pos + 8 || s[pos + 2] != ':' || !Digits(s, pos + 3, 2) ||
      s[pos + 5] != ':' || !Digits(s, pos + 6, 2)) {
    return false;
  }
  // Seconds up to 60 for leap seconds, as RFC 3339 allows.
  if (Num(s, pos, 2) > 23 || Num(s, pos + 3, 2) > 59 || Num(s, pos + 6, 2) > 60) return false;
  size_t i = pos + 8;
  if (i < s.size() && s[i] == '.') {
    size_t start = ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == start) return false;
  }
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) return i + 1 == s.size();
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    return s.size() == i + 6 && Digits(s, i + 1, 2) && s[i + 3] == ':' && Digits(s, i + 4, 2) &&
           Num(s, i + 1, 2) <= 23 && Num(s, i + 4, 2) <= 59;
  }
  return false;
}

std::string TypeOf(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return "a boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "an integer";
    case Json::value_t::number_float:
      return "a number";
    case Json::value_t::string:
      return "a string";
    case Json::value_t::array:
      return "an array";
    case Json::value_t::object:
      return "an object";
    default:
      return "an unsupported value";
  }
}

size_t CodePoints(const std::string& s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

ValueCheck Issue(ValueIssue issue, std::string message) { return {issue, std::move(message)}; }

ValueCheck TypeIssue(const Field& f, const Json& v, std::string_view expected) {
  (void)f;
  return Issue(ValueIssue::kType,
               "expected " + std::string(expected) + ", got " + TypeOf(v) + " " + Brief(v));
}

bool IsIntegral(const Json& v) {
  if (v.is_number_integer() || v.is_number_unsigned()) return true;
  if (!v.is_number_float()) return false;
  double d = v.get<double>();
  return std::isfinite(d) && std::trunc(d) == d;
}

ValueCheck CheckType(const Field& f, const Json& v) {
  switch (f.type) {
    case FieldType::kString:
      return v.is_string() ? ValueCheck{} : TypeIssue(f, v, "a string");
    case FieldType::kNumber:
      return v.is_number() ? ValueCheck{} : TypeIssue(f, v, "a number");
    case FieldType::kInteger:
      return IsIntegral(v) ? ValueCheck{} : TypeIssue(f, v, "an integer");
    case FieldType::kBoolean:
      return v.is_boolean() ? ValueCheck{} : TypeIssue(f, v, "true or false");
    case FieldType::kDate:
      return v.is_string() && IsDate(v.get_ref<const std::string&>())
                 ? ValueCheck{}
                 : TypeIssue(f, v, "a date \"YYYY-MM-DD\"");
    case FieldType::kDateTime:
      return v.is_string() && IsDateTime(v.get_ref<const std::string&>())
                 ? ValueCheck{}
                 : TypeIssue(f, v, "an RFC 3339 date-time \"2026-02-24T10:00:00Z\"");
    case FieldType::kArray:
      return v.is_array() ? ValueCheck{} : TypeIssue(f, v, "an array");
    case FieldType::kObject:
      return v.is_object() ? ValueCheck{} : TypeIssue(f, v, "an object");
  }
  return {};
}

ValueCheck CheckBounds(const Field& f, const Json& v) {
  if (v.is_number()) {
    double d = v.get<double>();
    if (f.minimum && d < *f.minimum) {
      return Issue(ValueIssue::kConstraint,
                   Brief(v) + " is below the minimum " + Brief(*f.minimum));
    }
    if (f.maximum && d > *f.maximum) {
      return Issue(ValueIssue::kConstraint,
                   Brief(v) + " is above the maximum " + Brief(*f.maximum));
    }
  }
  size_t len = v.is_string()  ? CodePoints(v.get_ref<const std::string&>())
               : v.is_array() ? v.size()
                              : 0;
  if ((v.is_string() || v.is_array()) && f.min_length && len < *f.min_length) {
    return Issue(ValueIssue::kConstraint, "length " + std::to_string(len) + " is below minLength " +
                                              std::to_string(*f.min_length));
  }
  if ((v.is_string() || v.is_array()) && f.max_length && len > *f.max_length) {
    return Issue(ValueIssue::kConstraint, "length " + std::to_string(len) + " is above maxLength " +
                                              std::to_string(*f.max_length));
  }
  if (v.is_string() && f.compiled_pattern &&
      !FullMatch(*f.compiled_pattern, v.get_ref<const std::string&>())) {
    return Issue(ValueIssue::kConstraint, Brief(v) + " does not match pattern " + f.pattern);
  }
  return {};
}

ValueCheck CheckMembers(const Field& f, const Json& v) {
  if (v.is_array() && f.items) {
    for (size_t i = 0; i < v.size(); ++i) {
      ValueCheck c = CheckValue(*f.items, v[i], true);
      if (c.issue != ValueIssue::kNone) {
        c.message = "item " + std::to_string(i) + ": " + c.message;
        return c;
      }
    }
  }
  if (v.is_object() && (!f.properties.empty() || !f.allow_unknown)) {
    std::set<std::string_view> known;
    for (const Field& p : f.properties) {
      known.insert(p.name);
      auto it = v.find(p.name);
      if (it == v.end()) {
        if (p.required) return Issue(ValueIssue::kConstraint, "missing required '" + p.name + "'");
        continue;
      }
      ValueCheck c = CheckValue(p, *it, true);
      if (c.issue != ValueIssue::kNone) {
        c.message = p.name + ": " + c.message;
        return c;
      }
    }
    if (!f.allow_unknown) {
      for (auto it = v.begin(); it != v.end(); ++it) {
        if (!known.count(it.key())) {
          return Issue(ValueIssue::kConstraint, "unknown member '" + it.key() + "'");
        }
      }
    }
  }
  return {};
}

}  // namespace

bool IsDate(std::string_view s) {
  return s.size() == 10 && Digits(s, 0, 4) && s[4] == '-' && Digits(s, 5, 2) && s[7] == '-' &&
         Digits(s, 8, 2) && ValidDay(Num(s, 0, 4), Num(s, 5, 2), Num(s, 8, 2));
}

bool IsDateTime(std::string_view s) {
  return s.size() > 11 && IsDate(s.substr(0, 10)) &&
         (s[10] == 'T' || s[10] == 't' || s[10] == ' ') && IsTimeWithOffset(s, 11);
}

std::string Brief(const Json& value) {
  constexpr size_t kMax = 60;  // characters of a value shown in a message
  std::string s = value.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (s.size() > kMax) s = s.substr(0, kMax) + "...";
  return s;
}

ValueCheck CheckValue(const Field& field, const Json& value, bool check_enum) {
  if (value.is_null()) {
    if (!field.required) return {};
    return Issue(ValueIssue::kType, "is required; null is not allowed");
  }
  ValueCheck c = CheckType(field, value);
  if (c.issue != ValueIssue::kNone) return c;
  if (check_enum && !field.enum_values.empty()) {
    bool found = false;
    for (const Json& e : field.enum_values) found = found || e == value;
    if (!found) {
      std::string allowed;
      for (const Json& e : field.enum_values) allowed += (allowed.empty() ? "" : ", ") + Brief(e);
      return Issue(ValueIssue::kEnum, Brief(value) + " is not one of " + allowed);
    }
  }
  c = CheckBounds(field, value);
  if (c.issue != ValueIssue::kNone) return c;
  return CheckMembers(field, value);
}

}  // namespace internal

Status CheckFieldValue(const Field& field, const Json& value, std::string_view where) {
  internal::ValueCheck c = internal::CheckValue(field, value, true);
  if (c.issue == internal::ValueIssue::kNone) return Status::OK();
  return Status::InvalidArgument(std::string(where) + ": " + c.message);
}

Status ValidateDocument(const Model& model, const Json& doc) {
  if (!doc.is_object()) {
    return Status::InvalidArgument(model.name + ": a document must be a JSON object, got " +
                                   internal::Brief(doc));
  }
  std::set<std::string_view> known = {"id", "createdAt", "updatedAt"};
  for (const Segment* s : model.full.dynamic_segments()) known.insert(s->name);
  for (const Segment* s : model.path.dynamic_segments()) known.insert(s->name);
  for (const Field& f : model.fields) {
    known.insert(f.name);
    auto it = doc.find(f.name);
    if (it == doc.end()) {
      if (f.required) {
        return Status::InvalidArgument(model.name + "." + f.name +
                                       ": is required; add it to the document");
      }
      continue;
    }
    RETURN_NOT_OK(CheckFieldValue(f, *it, model.name + "." + f.name));
  }
  if (model.strict) {
    for (auto it = doc.begin(); it != doc.end(); ++it) {
      if (!known.count(it.key())) {
        return Status::InvalidArgument(model.name + "." + it.key() +
                                       ": not a declared field; declare it under \"fields\" or "
                                       "set \"allowUnknownFields\": true");
      }
    }
  }
  return Status::OK();
}

}  // namespace worm::schema

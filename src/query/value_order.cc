#include "query/value_order.h"

#include <cmath>
#include <cstdint>

#include "worm/query.h"

namespace worm::query {

namespace {

constexpr double kTwo63 = 9223372036854775808.0;   // 2^63
constexpr double kTwo64 = 18446744073709551616.0;  // 2^64

int Sign(bool less, bool greater) { return less ? -1 : (greater ? 1 : 0); }

// NaN sorts below every other number and equals itself.
int CompareDoubles(double a, double b) {
  bool an = std::isnan(a), bn = std::isnan(b);
  if (an || bn) return Sign(an && !bn, bn && !an);
  return Sign(a<b, a> b);
}

// The sign of (fraction of d), i.e. d - trunc(d), seen from the integer side.
int FractionSign(double d, double t) {
  double frac = d - t;
  return Sign(frac > 0, frac < 0);  // i == trunc(d): i < d iff frac > 0
}

int CompareIntDouble(int64_t i, double d) {
  if (std::isnan(d)) return 1;
  if (d >= kTwo63) return -1;
  if (d < -kTwo63) return 1;
  double t = std::trunc(d);
  auto ti = static_cast<int64_t>(t);
  if (i != ti) return Sign(i<ti, i> ti);
  return FractionSign(d, t);
}

int CompareUintDouble(uint64_t u, double d) {
  if (std::isnan(d)) return 1;
  if (d < 0) return 1;
  if (d >= kTwo64) return -1;
  double t = std::trunc(d);
  auto tu = static_cast<uint64_t>(t);
  if (u != tu) return Sign(u<tu, u> tu);
  return FractionSign(d, t);
}

int CompareIntUint(int64_t i, uint64_t u) {
  if (i < 0) return -1;
  auto iu = static_cast<uint64_t>(i);
  return Sign(iu<u, iu> u);
}

int CompareStrings(const std::string& a, const std::string& b) {
  int c = a.compare(b);  // char_traits<char>::compare is memcmp: unsigned bytes
  return Sign(c<0, c> 0);
}

int CompareArrays(const Json& a, const Json& b) {
  const auto& x = a.get_ref<const Json::array_t&>();
  const auto& y = b.get_ref<const Json::array_t&>();
  size_t n = std::min(x.size(), y.size());
  for (size_t i = 0; i < n; ++i) {
    if (int c = CompareValues(x[i], y[i]); c != 0) return c;
  }
  return Sign(x.size() < y.size(), x.size() > y.size());
}

int CompareObjects(const Json& a, const Json& b) {
  const auto& x = a.get_ref<const Json::object_t&>();  // std::map: sorted by key bytes
  const auto& y = b.get_ref<const Json::object_t&>();
  auto i = x.begin(), j = y.begin();
  for (; i != x.end() && j != y.end(); ++i, ++j) {
    if (int c = CompareStrings(i->first, j->first); c != 0) return c;
    if (int c = CompareValues(i->second, j->second); c != 0) return c;
  }
  return Sign(i == x.end() && j != y.end(), i != x.end() && j == y.end());
}

int CompareBinary(const Json& a, const Json& b) {
  const auto& x = a.get_binary();
  const auto& y = b.get_binary();
  return Sign(x < y, y < x);
}

}  // namespace

const Json& MissingValue() {
  static const Json* const kMissing = new Json(Json::value_t::discarded);
  return *kMissing;
}

TypeRank RankOf(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null:
      return TypeRank::kNull;
    case Json::value_t::boolean:
      return TypeRank::kBoolean;
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      return TypeRank::kNumber;
    case Json::value_t::string:
      return TypeRank::kString;
    case Json::value_t::array:
      return TypeRank::kArray;
    case Json::value_t::object:
      return TypeRank::kObject;
    case Json::value_t::binary:
      return TypeRank::kBinary;
    case Json::value_t::discarded:
      return TypeRank::kMissing;
  }
  return TypeRank::kMissing;
}

int CompareNumbers(const Json& a, const Json& b) {
  using T = Json::value_t;
  T ta = a.type(), tb = b.type();
  if (ta == T::number_float && tb == T::number_float) {
    return CompareDoubles(a.get<double>(), b.get<double>());
  }
  if (ta == T::number_float) return -CompareNumbers(b, a);
  // a is an integer from here on.
  if (tb == T::number_float) {
    double d = b.get<double>();
    return ta == T::number_integer ? CompareIntDouble(a.get<int64_t>(), d)
                                   : CompareUintDouble(a.get<uint64_t>(), d);
  }
  if (ta == T::number_integer && tb == T::number_integer) {
    auto x = a.get<int64_t>(), y = b.get<int64_t>();
    return Sign(x<y, x> y);
  }
  if (ta == T::number_unsigned && tb == T::number_unsigned) {
    auto x = a.get<uint64_t>(), y = b.get<uint64_t>();
    return Sign(x<y, x> y);
  }
  if (ta == T::number_integer) return CompareIntUint(a.get<int64_t>(), b.get<uint64_t>());
  return -CompareIntUint(b.get<int64_t>(), a.get<uint64_t>());
}

int CompareValues(const Json& a, const Json& b) {
  TypeRank ra = RankOf(a), rb = RankOf(b);
  if (ra != rb) return Sign(ra<rb, ra> rb);
  switch (ra) {
    case TypeRank::kMissing:
    case TypeRank::kNull:
      return 0;
    case TypeRank::kBoolean: {
      bool x = a.get<bool>(), y = b.get<bool>();
      return Sign(!x && y, x && !y);
    }
    case TypeRank::kNumber:
      return CompareNumbers(a, b);
    case TypeRank::kString:
      return CompareStrings(a.get_ref<const std::string&>(), b.get_ref<const std::string&>());
    case TypeRank::kArray:
      return CompareArrays(a, b);
    case TypeRank::kObject:
      return CompareObjects(a, b);
    case TypeRank::kBinary:
      return CompareBinary(a, b);
  }
  return 0;
}

}  // namespace worm::query

namespace worm {

int CompareJson(const Json& a, const Json& b) { return query::CompareValues(a, b); }

int CompareJson(const Json* a, const Json* b) {
  return query::CompareValues(a ? *a : query::MissingValue(), b ? *b : query::MissingValue());
}

}  // namespace worm

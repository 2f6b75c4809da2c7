// Result<T>: either a value of type T or an error Status (never an OK Status
// without a value). Modelled on Arrow's Result and absl::StatusOr.
//
//   Result<Object> r = transport.Get(key, {});
//   if (!r.ok()) return r.status();
//   Use(*r);
//
// or, inside a function returning Status or Result<U>:
//   ASSIGN_OR_RETURN(Object obj, transport.Get(key, {}));
#pragma once

#include <cassert>
#include <utility>
#include <variant>

#include "worm/status.h"

namespace worm {

template <typename T>
class [[nodiscard]] Result {
 public:
  // REQUIRES: !status.ok()
  Result(Status status) : v_(std::move(status)) {  // NOLINT: implicit by design
    assert(!std::get<Status>(v_).ok() && "Result constructed from an OK Status");
  }
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  template <typename U, typename = std::enable_if_t<std::is_constructible_v<T, U&&> &&
                                                    !std::is_same_v<std::decay_t<U>, Status> &&
                                                    !std::is_same_v<std::decay_t<U>, Result>>>
  Result(U&& value) : v_(T(std::forward<U>(value))) {}  // NOLINT

  bool ok() const { return std::holds_alternative<T>(v_); }
  // OK when a value is held.
  Status status() const& { return ok() ? Status::OK() : std::get<Status>(v_); }
  Status status() && { return ok() ? Status::OK() : std::move(std::get<Status>(v_)); }

  // REQUIRES: ok()
  const T& value() const& {
    assert(ok());
    return std::get<T>(v_);
  }
  T& value() & {
    assert(ok());
    return std::get<T>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<T>(std::move(v_));
  }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  T ValueOr(T fallback) const& { return ok() ? value() : std::move(fallback); }

 private:
  std::variant<Status, T> v_;
};

template <typename T>
inline Status ToStatus(const Result<T>& r) {
  return r.status();
}
template <typename T>
inline Status ToStatus(Result<T>&& r) {
  return std::move(r).status();
}

}  // namespace worm

#define WORM_CONCAT_INNER(a, b) a##b
#define WORM_CONCAT(a, b) WORM_CONCAT_INNER(a, b)

#define WORM_ASSIGN_OR_RETURN_IMPL(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                               \
  if (!tmp.ok()) return std::move(tmp).status();    \
  lhs = std::move(tmp).value();

// Evaluates `rexpr` (a Result<T>); on error returns its Status from the
// enclosing function, otherwise assigns the value to `lhs` (which may declare).
#define ASSIGN_OR_RETURN(lhs, rexpr) \
  WORM_ASSIGN_OR_RETURN_IMPL(WORM_CONCAT(_worm_result_, __LINE__), lhs, rexpr)

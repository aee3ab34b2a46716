// The host's error as a value: a Refusal says which field is wrong and why, in text built at run
// time (a JSON path, an allowed range), which the implant's itdd::Error (static literals only)
// cannot hold. Host readers return Checked<T>; none throws across its module's boundary.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace itdd::host {

// Why an input was refused: `field` names what to fix (a JSON path such as
// "drugs[2].limits.hard_max.value", a command-line flag, or empty when the caller adds it).
struct Refusal {
  std::string field;
  std::string message;

  // "field: message", or the message alone.
  std::string text() const { return field.empty() ? message : field + ": " + message; }
  bool operator==(const Refusal&) const = default;
};

// A value or a Refusal.
template <class T>
class [[nodiscard]] Checked {
 public:
  Checked(T value) : v_(std::in_place_index<0>, std::move(value)) {}            // NOLINT: implicit
  Checked(Refusal refusal) : v_(std::in_place_index<1>, std::move(refusal)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const T& operator*() const& { return value(); }
  const T* operator->() const { return &std::get<0>(v_); }
  const Refusal& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Refusal> v_;
};

}  // namespace itdd::host

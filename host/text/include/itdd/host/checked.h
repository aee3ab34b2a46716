// The host's error as a value, built on the implant's itdd::Error (firmware/core/result.h): a
// Refusal says which field is wrong (a path), what is wrong with it in a sentence for people,
// and what kind of problem it is. Its text is built at run time (a JSON path, an allowed range,
// a file's name), which the implant's Error (static literals only) cannot hold; an implant's
// Error becomes one with host::refusal_of (error_text.h), and a kind maps back to the implant's
// ErrorCode. Every host module returns Checked<T> (Checked<void> for a call with no value): the
// readers of outside input on both sides, the clinic database, the virtual implant, the
// programmer's use cases. None throws across its module's boundary. People see it one way, text():
// "field: message". What a kind means for a command's exit status is programmer/outcome.h's
// outcome_of, the one mapping.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace itdd::host {

enum class RefusalKind : std::uint8_t {
  // The implant's ErrorCode, one for one.
  kInvalidArgument,  // an input refused: `field` names what to fix
  kMismatch,         // a value inconsistent with the state (a concentration not in the pump)
  kRefused,          // a valid request the current state does not allow
  kCapacity,         // a fixed-size table is full
  kCorrupt,          // stored data failed its check: what was kept is damaged
  kIo,               // a storage device or file failed an operation
  // What only the host meets.
  kNotFound,        // an id, MRN, serial or name that is not held
  kConflict,        // would duplicate something unique or contradict a record
  kNotInitialised,  // no clinic database there yet, or its schema is older: run migrate/init
  kSchemaTooNew,    // written by a newer itdd: refused, not touched
  kUnavailable,     // cannot open or reach (a database, a directory, a port), or it failed
  // What only a workflow on the host meets (programmer/use_cases), after it sent a command.
  kUncertain,    // a command was sent and whether the implant applied it is not known (its
                 // reply was lost, or what it holds is not what was sent): interrogate first
  kNotRecorded,  // the implant applied it, but its record could not be written or completed
};

// Why something was refused (or did not come to what was asked): `field` names what to fix (a
// JSON path such as "drugs[2].limits.hard_max.value", a command-line flag, a file, a use case's
// input, or empty when the caller adds it), `message` says what is wrong and what is allowed.
// `detail`, seldom set, explains it further for a person before the message (a refill's
// discrepancy: what it may mean for the patient).
struct Refusal {
  Refusal() = default;
  Refusal(std::string f, std::string m, RefusalKind k = RefusalKind::kInvalidArgument,
          std::string d = {})
      : field(std::move(f)), message(std::move(m)), kind(k), detail(std::move(d)) {}

  std::string field;
  std::string message;
  RefusalKind kind = RefusalKind::kInvalidArgument;
  std::string detail;

  // "field: message", or the message alone: the one way a refusal is shown to people.
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
  T& value() & { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &std::get<0>(v_); }
  T* operator->() { return &std::get<0>(v_); }
  const Refusal& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Refusal> v_;
};

// Done, or a Refusal: for a call that returns no value.
template <>
class [[nodiscard]] Checked<void> {
 public:
  Checked() = default;
  Checked(Refusal refusal) : error_(std::move(refusal)) {}  // NOLINT: implicit by design
  static Checked Ok() { return Checked(); }

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Refusal& error() const { return *error_; }

 private:
  std::optional<Refusal> error_;
};

}  // namespace itdd::host

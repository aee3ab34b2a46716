// Errors as values for the implant. std::expected would do, but clang 14 (our fuzzing
// compiler) cannot use libstdc++'s <expected>, so the firmware carries this small one.
#pragma once

#include <cstdint>
#include <new>
#include <type_traits>
#include <utility>

namespace itdd {

enum class ErrorCode : std::uint8_t {
  kInvalidArgument,  // a value out of range or malformed
  kMismatch,         // a value inconsistent with the implant's state (e.g. wrong concentration)
  kRefused,          // a valid request the current state does not allow
  kCapacity,         // a fixed-size table is full
  kCorrupt,          // stored data failed its check (CRC, sequence): what was kept is damaged
  kIo,               // the storage device failed an operation (power lost, fault, not erased)
};

// How many codes there are, for tables and exhaustive tests over them.
inline constexpr int kErrorCodeCount = static_cast<int>(ErrorCode::kIo) + 1;

// The quantities of a refusal about a limit: what was asked for and what the limit allows, so
// that whoever reads the refusal can say both (the implant formats no text; the host does, and
// the wire carries them in ErrorDetail). kNone: the refusal names no quantity.
enum class ErrorLimit : std::uint8_t { kNone, kMinimum, kMaximum };
enum class ErrorUnit : std::uint8_t { kNone, kNanolitresPerDay };
struct ErrorValues {
  ErrorLimit limit = ErrorLimit::kNone;
  ErrorUnit unit = ErrorUnit::kNone;
  std::int64_t requested = 0;
  std::int64_t allowed = 0;
};

// Why something was refused. `field` names the offending input as a path ("flex.steps", with
// `index` set for array items); strings are static literals so no formatting runs on the implant.
struct Error {
  ErrorCode code = ErrorCode::kInvalidArgument;
  const char* field = "";
  std::int32_t index = -1;
  const char* message = "";
  std::int32_t sub_index = -1;  // second array level, e.g. weekday then step
  ErrorValues values{};         // for a limit: the value asked for and the one allowed
};

namespace detail {
// One function that fills an Error in, called where a refusal is made at run time: built in place
// at each call site instead, every refusal kept its own 48-byte copy of the Error in the image's
// constants (GCC copies an aggregate of constants from one), about 6 KiB of the implant's flash
// (docs/footprint.md). The same values. Most refusals name no array item: for them a function
// without the index and sub-index, whose arguments all go in registers (on the Cortex-M4 the
// returned Error's address takes the first, so those two went on the stack: the two -1s cost
// each of about a hundred call sites 8 bytes of flash).
[[gnu::noinline]] inline Error error_at_run_time(ErrorCode code, const char* field,
                                                 const char* message) {
  Error e;
  e.code = code;
  e.field = field;
  e.message = message;
  return e;
}
[[gnu::noinline]] inline Error error_at_run_time(ErrorCode code, const char* field,
                                                 const char* message, std::int32_t index,
                                                 std::int32_t sub_index) {
  Error e;
  e.code = code;
  e.field = field;
  e.index = index;
  e.message = message;
  e.sub_index = sub_index;
  return e;
}

// What a Result<T> made from an Error does, whatever T: its flag cleared and the Error copied into
// its storage. One function for all of them, not a copy a T (34 B of flash each).
[[gnu::noinline]] inline void construct_error(bool& ok, Error* storage, const Error& error) {
  ok = false;
  new (storage) Error(error);
}
}  // namespace detail

// A refusal that names no array item (index and sub-index -1).
inline constexpr Error make_error(ErrorCode code, const char* field, const char* message) {
  if (std::is_constant_evaluated()) return Error{code, field, -1, message, -1};
  return detail::error_at_run_time(code, field, message);
}

inline constexpr Error make_error(ErrorCode code, const char* field, const char* message,
                                  std::int32_t index, std::int32_t sub_index = -1) {
  if (std::is_constant_evaluated()) return Error{code, field, index, message, sub_index};
  return detail::error_at_run_time(code, field, message, index, sub_index);
}

// `error`, naming the limit it met: `requested` (in `unit`) is below the minimum or above the
// maximum `allowed`.
inline constexpr Error with_limit(Error error, ErrorLimit limit, ErrorUnit unit,
                                  std::int64_t requested, std::int64_t allowed) {
  error.values = ErrorValues{limit, unit, requested, allowed};
  return error;
}

// A value or an Error. Holds one of the two; asking for the wrong one is a programming error
// (checked in debug builds by the caller's tests, never by throwing).
template <class T>
class [[nodiscard]] Result {
 public:
  Result(const T& value) : ok_(true) { new (&value_) T(value); }  // NOLINT: implicit by design
  Result(T&& value) : ok_(true) { new (&value_) T(std::move(value)); }          // NOLINT
  Result(const Error& error) { detail::construct_error(ok_, &error_, error); }  // NOLINT
  Result(const Result& other) : ok_(other.ok_) {
    if (ok_) {
      new (&value_) T(other.value_);
    } else {
      new (&error_) Error(other.error_);
    }
  }
  Result& operator=(const Result& other) {
    if (this != &other) {
      destroy();
      ok_ = other.ok_;
      if (ok_) {
        new (&value_) T(other.value_);
      } else {
        new (&error_) Error(other.error_);
      }
    }
    return *this;
  }
  ~Result() { destroy(); }

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const T& value() const { return value_; }
  T& value() { return value_; }
  const T& operator*() const { return value_; }
  const T* operator->() const { return &value_; }
  const Error& error() const { return error_; }

 private:
  void destroy() {
    if (ok_) {
      value_.~T();
    }
  }
  bool ok_;
  union {
    T value_;
    Error error_;
  };
};

// The outcome of an operation with no value to return.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(const Error& error) : ok_(false), error_(error) {}  // NOLINT: implicit by design
  static Status Ok() { return Status(); }
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  bool ok_ = true;
  Error error_{};
};

}  // namespace itdd

// Implant time. The implant keeps a monotonic millisecond count (never set, never goes back);
// the wall clock is that count plus an offset the programmer sets. Wall time is local time
// expressed as milliseconds since 1970-01-01 00:00 local, so a time-of-day and weekday follow
// from plain integer division with no time-zone tables on the implant.
#pragma once

#include <compare>
#include <cstdint>

#include "itdd/core/units.h"

namespace itdd {

// A point on the implant's monotonic clock.
class ImplantTime {
 public:
  constexpr ImplantTime() = default;
  constexpr explicit ImplantTime(std::int64_t ms) : ms_(ms) {}
  constexpr std::int64_t ms() const { return ms_; }
  constexpr ImplantTime operator+(Duration d) const { return ImplantTime(ms_ + d.count()); }
  constexpr ImplantTime operator-(Duration d) const { return ImplantTime(ms_ - d.count()); }
  constexpr Duration operator-(ImplantTime o) const { return Duration(ms_ - o.ms_); }
  constexpr auto operator<=>(const ImplantTime&) const = default;
  static constexpr ImplantTime never() { return ImplantTime(INT64_MAX); }
  constexpr bool is_never() const { return ms_ == INT64_MAX; }

 private:
  std::int64_t ms_ = 0;
};

// Local wall-clock time, ms since 1970-01-01 00:00 local.
class WallTime {
 public:
  constexpr WallTime() = default;
  constexpr explicit WallTime(std::int64_t ms) : ms_(ms) {}
  constexpr std::int64_t ms() const { return ms_; }
  constexpr auto operator<=>(const WallTime&) const = default;

 private:
  std::int64_t ms_ = 0;
};

enum class Weekday : std::uint8_t { kMon, kTue, kWed, kThu, kFri, kSat, kSun };

constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}
constexpr std::int64_t floor_mod(std::int64_t a, std::int64_t b) {
  return a - floor_div(a, b) * b;
}

// 1970-01-01 was a Thursday.
constexpr Weekday weekday_of_day(std::int64_t day_since_epoch) {
  return static_cast<Weekday>(floor_mod(day_since_epoch + 3, 7));
}

}  // namespace itdd

// Clinical numbers as people type and read them. A dose typed as "3.5" becomes an exact count
// of base units (ng, nL, ms) by integer arithmetic, never through a double, so "0.048" mL/day is
// exactly 48,000 nL/day; and base units go back to text without rounding surprises. Errors here
// carry text built at run time (a path into a file, the allowed decimals), which the implant's
// Error (static literals only) cannot: host code returns them as `Checked<T>`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "itdd/core/time.h"
#include "itdd/core/units.h"

namespace itdd::programmer {

// Why an input was refused: `field` names what to fix (a JSON path such as
// "drugs[2].limits.hard_max.value", a command-line flag, or empty when the caller adds it).
struct Refusal {
  std::string field;
  std::string message;

  // "field: message", or the message alone.
  std::string text() const;
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

// Parses a plain, non-negative decimal ("3.5", "0.048", "12") into an exact count of 1/scale
// units: parse_decimal("0.048", 1'000'000) == 48'000. `scale` is a power of ten (1, 10, ...,
// 10^18). Refuses signs, exponents, separators, spaces, a missing leading zero (".5") or
// trailing digits after the point ("5."), more significant decimals than the scale holds (zeros
// beyond it are fine: "1.50" at scale 10), and values that do not fit in 64 bits.
Checked<std::int64_t> parse_decimal(std::string_view text, std::int64_t scale);

// The exact decimal text of count/scale ("0.048", "20", "-1.5"), with no trailing zeros. With
// `max_decimals` >= 0, digits beyond it are cut off (toward zero: a shown dose is never more
// than the real one).
std::string format_decimal(std::int64_t count, std::int64_t scale, int max_decimals = -1);

// "mg" / "mcg", and back ("mg", "mcg"; nothing else).
const char* unit_name(DoseUnit unit);
std::optional<DoseUnit> parse_dose_unit(std::string_view text);

// Quantities in the drug's unit, exact: "2.4 mcg", "2.4 mcg/day", "25 mcg/mL".
std::string format_amount(DrugAmount amount, DoseUnit unit);
std::string format_dose(DoseRate dose, DoseUnit unit);
std::string format_concentration(Concentration c, DoseUnit unit);
// "0.096 mL/day" and "18 mL" (exact), "4.166 uL/h" (cut off at the nL/h), "1.5 h" (cut off at
// the hundredth of an hour).
std::string format_flow_ml_per_day(FlowRate flow);
std::string format_flow_ul_per_hour(FlowRate flow);
std::string format_volume_ml(Volume volume);
std::string format_hours(Duration duration);

// Local wall time "2025-03-01 09:00" (seconds dropped), and back from "YYYY-MM-DD HH:MM" or
// "YYYY-MM-DDTHH:MM".
std::string format_wall_time(WallTime time);
std::optional<WallTime> parse_wall_time(std::string_view text);

}  // namespace itdd::programmer

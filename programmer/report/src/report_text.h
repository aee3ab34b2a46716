// Helpers the report's files share (not part of its public interface).
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <optional>
#include <string>

#include "itdd/protocol/messages.h"
#include "itdd/therapy/prescription.h"

namespace itdd::programmer::detail {

inline constexpr std::int64_t kMsPerHour = 3'600'000;
inline constexpr std::int64_t kMsPerDay = 86'400'000;
inline constexpr double kMsPerYear = 365.25 * kMsPerDay;

inline std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

inline double ml(std::int64_t nl) {
  return static_cast<double>(nl) / 1e6;
}

// A drug amount's display unit and its size in ng.
struct AmountUnit {
  const char* name;  // "mg", "mcg", "ng"
  double ng;
};
inline AmountUnit amount_unit(itdd_DoseUnit unit) {
  switch (unit) {
    case itdd_DoseUnit_DOSE_UNIT_MILLIGRAM:
      return {"mg", 1e6};
    case itdd_DoseUnit_DOSE_UNIT_MICROGRAM:
      return {"mcg", 1e3};
    default:
      return {"ng", 1.0};
  }
}

// The unit of a drug the implant may not have named ("ng" then).
inline AmountUnit amount_unit(DoseUnit unit) {
  return unit == DoseUnit::kMicrogram ? AmountUnit{"mcg", 1e3} : AmountUnit{"mg", 1e6};
}
inline AmountUnit amount_unit(const std::optional<therapy::Drug>& drug) {
  return drug ? amount_unit(drug->unit) : AmountUnit{"ng", 1.0};
}

inline std::string amount(std::int64_t ng, AmountUnit u, const char* per = "") {
  return fmt::format("{:.3f} {}{}", static_cast<double>(ng) / u.ng, u.name, per);
}

// "30 min", "1 h 30 min", "12.5 s".
std::string duration_text(std::int64_t ms);
const char* activity_name(itdd_Activity a);
const char* alarm_class_name(itdd_AlarmClass c);

}  // namespace itdd::programmer::detail

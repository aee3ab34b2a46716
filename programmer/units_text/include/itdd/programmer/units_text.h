// Clinical quantities as text for people: the unit beside every number ("2.4 mcg/day",
// "0.048 mL/day", "18 mL", "1.5 h"), exact or cut toward zero, never rounded up. The numbers are
// written by host::format_decimal and read by host::parse_decimal (host/text), the one reader and
// writer of decimals.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "itdd/core/time.h"
#include "itdd/core/units.h"

namespace itdd::programmer {

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

}  // namespace itdd::programmer

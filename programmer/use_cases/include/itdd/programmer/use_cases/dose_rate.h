// The dose calculator: a daily dose at a concentration turned into the pump's rate, checked
// against a pump model's rates and the drug library (the same check a program gets), with the
// dose in force now as the library's "previous therapy" when one is given. No implant, no
// database: `itdd dose rate` (and any other face) parses, calls this and prints.
#pragma once

#include <optional>

#include "itdd/core/units.h"
#include "itdd/host/checked.h"
#include "itdd/programmer/dose_check.h"
#include "itdd/programmer/dosing.h"
#include "itdd/programmer/drug_library.h"

namespace itdd::programmer {

struct DoseRateInput {
  DoseRate dose_per_day{};
  Concentration concentration{};           // above zero
  std::optional<DoseRate> current;         // the dose in force now
  std::optional<Duration> since_increase;  // since its last increase (needs `current`)
  std::optional<PumpRateLimits> pump;      // the pump model's rates, when one is named
};

struct DoseRateOutcome {
  FlowRate flow{};  // rounded down: never more drug than prescribed
  std::optional<host::Checked<FlowRate>> pump_check;  // when DoseRateInput::pump
  DoseCheck library_check;
};

DoseRateOutcome calculate_dose_rate(const DrugLibrary& library, const DrugSpec& drug,
                                    const DoseRateInput& input);

}  // namespace itdd::programmer

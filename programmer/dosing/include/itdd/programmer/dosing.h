// Dose to pump rate: the clinician prescribes a daily dose at a concentration, the pump runs a
// flow. The flow is rounded down (never more drug than prescribed) and checked against what the
// pump can run. The pump's figures come from data/pump-models.json through the caller.
// The other calculators: opioid_conversion.h, screening.h, refill_date.h.
#pragma once

#include "itdd/core/units.h"
#include "itdd/host/checked.h"
#include "itdd/programmer/units_text.h"

namespace itdd::programmer {

// The flow that delivers `dose` at `concentration`, rounded down to the nL/day; 0 when the
// concentration is not positive.
FlowRate flow_for_dose(DoseRate dose, Concentration concentration);

// What the pump can run (from its model).
struct PumpRateLimits {
  FlowRate min_rate{};  // lowest non-zero programmable rate
  FlowRate max_rate{};
};

// The flow for a dose, refused when the pump cannot run it: a concentration not above zero
// (field "concentration"), a negative dose, a flow below the minimum programmable rate or above
// the maximum (field "dose", saying the lowest or highest dose this concentration allows). A
// zero dose is a stopped pump: flow 0. `unit` is for the messages.
host::Checked<FlowRate> programmable_flow(DoseRate dose, Concentration concentration,
                                          const PumpRateLimits& pump, DoseUnit unit);

}  // namespace itdd::programmer

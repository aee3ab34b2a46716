// A scenario's trumpet curve: the scenario run (a programmable pump on its simulated mechanism,
// a gas pump on its physics), the volume out of the pump binned every 0.5 min over the analysis
// period, against the set rate: a gas pump's nominal flow, a programmable pump's continuous
// prescription.
#pragma once

#include "itdd/host/checked.h"
#include "itdd/scenario/gas_scenario.h"
#include "itdd/sim/trumpet.h"

namespace itdd::sim {

struct TrumpetPeriod {
  Duration from = hours(1);     // the standard's first hour lets the flow settle
  Duration length = hours(48);  // long enough for the 24 h window to slide over a day
};

// The samples, or a refusal: a period past the scenario's end (field "--hours"), a period not a
// whole number of samples ("--from-hours", "--hours"), a programmable pump whose first
// prescription is not continuous ("prescription").
host::Checked<TrumpetInput> trumpet_input(const scenario::AnyScenario& scenario,
                                          const TrumpetPeriod& period);

}  // namespace itdd::sim

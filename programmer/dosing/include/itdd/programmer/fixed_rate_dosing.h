// The two calculators of a fixed-rate gas-driven pump (docs/gas-pump.md, "The clinic"): its
// flow is set by its restrictor, so the clinic doses it by the concentration it puts in at a
// refill, and it has no alarm, so the next refill is planned from the flow it may run at.
//
// - concentration_for_daily_dose: concentration = dose / nominal flow, rounded down to the
//   pharmacy's step (a hundredth of the drug's unit per mL) so the dose at the nominal flow is
//   never more than wanted; refused when the dose is above the library's hard maximum or the
//   concentration above the highest the library lists (a pharmacy dilutes, it cannot
//   concentrate), each refusal naming the limit and its source.
// - fixed_rate_next_refill: the worst case is the flow at the label's +tolerance, which empties
//   the reservoir soonest; the refill date is the earliest of the library's rules
//   (refill_date.h) with the low-reservoir date taken at that flow, and is a bound: the whole of
//   its local day ends before the reservoir can run empty at that flow.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "itdd/core/units.h"
#include "itdd/host/checked.h"
#include "itdd/host/wall_time.h"
#include "itdd/programmer/drug_library.h"
#include "itdd/programmer/refill_date.h"

namespace itdd::programmer {

// A fixed-rate pump's figures the clinic plans with (from data/pump-models.json through the
// clinic database or the pump catalog).
struct FixedRateFigures {
  FlowRate nominal_flow{};                   // the label's, at body temperature
  std::int32_t flow_tolerance_permille = 0;  // the label's ± on it
  Volume residual_volume{};                  // left when the bellows is collapsed: flow stops
  Volume refill_margin{};                    // refill before only this much is usable
};

// The flow at the label's +tolerance, rounded up (the worst case for running dry).
FlowRate worst_case_flow(const FixedRateFigures& pump);

// The smallest step a concentration is prepared to: 0.01 mg/mL or 0.01 mcg/mL.
Concentration concentration_step(DoseUnit unit);

struct FixedRateConcentration {
  Concentration concentration{};  // rounded down to concentration_step
  DoseRate delivered{};           // at the nominal flow: never more than wanted
  DoseRate delivered_at_worst{};  // at the +tolerance flow (what a fast pump gives)
  Concentration highest_listed{};
  // Soft findings, said beside the result: a dose above the library's soft maximum or below its
  // soft minimum (the clinician's reason is needed), the flow's tolerance.
  std::vector<std::string> notes;
};

// Refusals: a dose not above 0 (field "dose"), a nominal flow not above 0 ("nominal_flow"), a
// dose above the hard maximum ("dose": the limit and its source), a concentration above the
// highest listed ("concentration": the limit, its source, and the highest dose it gives at this
// flow), a concentration below the step ("dose": the lowest dose this flow can give).
host::Checked<FixedRateConcentration> concentration_for_daily_dose(DoseRate wanted,
                                                                   FlowRate nominal_flow,
                                                                   std::int32_t tolerance_permille,
                                                                   const DrugSpec& drug);

struct FixedRateRefillPlan {
  // When the reservoir reaches its residual volume: at the +tolerance flow (the earliest it can)
  // and at the nominal flow. Epoch ms UTC.
  std::int64_t empty_at_worst_utc_ms = 0;
  std::int64_t empty_at_nominal_utc_ms = 0;
  // The next refill, in the clinic's time zone (due_utc_ms, local.reason "due DATE: why").
  ClinicRefillDate refill;
};

// After a fill of `in_reservoir` at `filled_at_utc_ms`.
FixedRateRefillPlan fixed_rate_next_refill(const host::TimeZone& zone,
                                           std::int64_t filled_at_utc_ms, Volume in_reservoir,
                                           const FixedRateFigures& pump, const RefillRules& rules);

}  // namespace itdd::programmer

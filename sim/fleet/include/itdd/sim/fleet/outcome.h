// What one pump of a campaign came to: whole numbers only, so that records gathered from any
// number of ranks, merged in pump order, add up to the same totals bit for bit.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "itdd/host/pump_catalog.h"
#include "itdd/sim/fleet/campaign.h"
#include "itdd/sim/fleet/pump_plan.h"
#include "itdd/sim/patient_params.h"

namespace itdd::sim::fleet {

// Invariants a pump may break (bits of PumpOutcome::broken); each such pump is written out as a
// scenario that replays it.
enum Invariant : std::int64_t {
  // The real reservoir ran dry during a fill without the low-reservoir alarm before it.
  kDryWithoutLowAlarm = 1,
  // A runaway motor the safety monitor did not trip on.
  kRunawayWithoutTrip = 2,
  // End of service without an elective-replacement warning before it.
  kEndOfServiceWithoutEri = 4,
  // End of service less than 90 days after the elective-replacement warning.
  kEriLeadUnder90Days = 8,
};

// The fields, in the order they are gathered and written (pumps.csv's columns).
#define ITDD_FLEET_OUTCOME_FIELDS(X)                                                               \
  X(index)    /* the pump's index in the campaign */                                               \
  X(practice) /* which practice (0, or 1 in comparison mode) */                                    \
  X(model)    /* in population.pump_models */                                                      \
  X(drug)     /* in population.drugs */                                                            \
  X(gas)      /* 1: a fixed-rate gas-driven pump */                                                \
  X(patient)  /* 1: a virtual patient was modelled */                                              \
  X(refills)                                                                                       \
  X(dry_fills)          /* fills during which the real reservoir ran dry */                        \
  X(dry_with_low_alarm) /* of them, with the low-reservoir alarm raised first */                   \
  X(pocket_fills)                                                                                  \
  X(pocket_fills_caught)    /* the next refill's check found the reservoir off */                  \
  X(pocket_fills_unchecked) /* no refill after it within the campaign */                           \
  X(pocket_catch_minutes)  /* from each caught pocket fill to the refill that caught it, summed */ \
  X(refill_checks_flagged) /* refill checks that needed the clinician's acknowledgement */         \
  X(safety_trips)          /* safety-monitor trips raised */                                       \
  X(runaway_faults)                                                                                \
  X(stall_faults)                                                                                  \
  X(stall_alarms)                                                                                  \
  X(occlusion_faults)                                                                              \
  X(occlusion_alarms)                                                                              \
  X(cell_faults)                                                                                   \
  X(drift_faults)                                                                                  \
  X(power_cuts)                                                                                    \
  X(eri_minute) /* first elective-replacement warning, elapsed minutes; -1 none */                 \
  X(eos_minute) /* first end of service, elapsed minutes; -1 none */                               \
  X(missed_alarms)                                                                                 \
  X(withdrawal_minutes) /* the virtual patient's withdrawal-risk time */                           \
  X(broken)             /* Invariant bits */                                                       \
  X(strokes)

struct PumpOutcome {
#define ITDD_FLEET_FIELD(name) std::int64_t name = 0;
  ITDD_FLEET_OUTCOME_FIELDS(ITDD_FLEET_FIELD)
#undef ITDD_FLEET_FIELD
};

inline constexpr std::size_t kOutcomeFields = 29;
using OutcomeWords = std::array<std::int64_t, kOutcomeFields>;
OutcomeWords to_words(const PumpOutcome& o);
PumpOutcome from_words(const OutcomeWords& w);
// The field names, in order.
const std::array<const char*, kOutcomeFields>& outcome_field_names();

// Reads the plan's scenario, runs it (the whole implant, or the gas pump; with its virtual
// patient) and judges it. A scenario the reader refuses is a fault of the planner: a
// std::logic_error naming the pump.
PumpOutcome run_pump(const PumpPlan& plan, std::size_t practice, const host::PumpCatalog& models,
                     const CsfCatalog& csf);

}  // namespace itdd::sim::fleet

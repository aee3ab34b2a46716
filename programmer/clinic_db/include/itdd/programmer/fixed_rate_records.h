// What the clinic database keeps of a fixed-rate gas-driven pump (migration 8; docs/gas-pump.md,
// "The clinic"): the pump model's flow figures as recorded with the pump, and its refills, each
// of which may put in another concentration. Such a pump has no electronics: no programming
// session, prescription, implant key, event log or delivery history is ever recorded for it
// (the database refuses them, naming the pump's kind), and its dose is the concentration times
// its flow. Plain records, as in clinic_db.h; the decisions (dose, refill date) are in
// programmer/dosing and programmer/fixed_rate.
#pragma once

#include <cstdint>
#include <string>

#include "itdd/core/units.h"

namespace itdd::programmer {

// The model's figures, copied from the pump model file when the pump was recorded (a later
// edit of the file does not change what this pump was implanted as).
struct FixedRatePumpRecord {
  std::int64_t pump_id = 0;
  FlowRate nominal_flow{};                   // the label's, at body temperature
  std::int32_t flow_tolerance_permille = 0;  // the label's ± on it, 0..999
  Volume residual_volume{};                  // left when the bellows is collapsed
  Volume refill_margin{};                    // refill before only this much is usable
};

// A fill (the first, at implant) or a refill.
struct FixedRateRefillRecord {
  std::int64_t id = 0;
  std::int64_t pump_id = 0;
  std::int64_t at_ms = 0;
  std::string clinician;
  std::string drug;
  Concentration concentration{};
  Volume withdrawn{};  // what was withdrawn before filling (0 for the first fill)
  Volume volume{};     // in the reservoir after the fill
  // The next refill (programmer/dosing's fixed_rate_next_refill): its instant, the rule in
  // words, and the earliest the reservoir can run empty (at the label's +tolerance).
  std::int64_t next_refill_ms = 0;
  std::string next_refill_rule;
  std::int64_t empty_at_worst_ms = 0;
};

}  // namespace itdd::programmer

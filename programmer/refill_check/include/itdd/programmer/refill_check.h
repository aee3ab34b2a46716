// The refill check: at every refill the clinician withdraws what is left in the reservoir and
// the programmer compares it with what the implant expects to be left. The implant cannot sense
// its own stroke volume or where the drug went, so this comparison is what makes a stroke-volume
// drift, a leak upstream of the catheter, or a pocket fill at the last refill visible
// (docs/intrathecal-facts.md, Known failures: a discrepancy above ~1 mL for a 20 mL pump or
// ~2 mL for a 40 mL pump can matter; pocket fill is a Class I recall).
//
// It cannot see a catheter disconnected or torn downstream of the pump: the drug still leaves
// the reservoir at the programmed rate, only into the tissue. That shows as clinical signs
// (withdrawal, loss of effect) and is checked through the catheter access port and imaging.
#pragma once

#include "itdd/core/result.h"
#include "itdd/core/units.h"

namespace itdd::programmer {

enum class RefillFinding : std::uint8_t {
  kAsExpected,
  // Less withdrawn than expected: more left the reservoir than was programmed (stroke-volume
  // drift, over-infusion, a leak), or less went in at the last refill (pocket fill).
  kLessThanExpected,
  // More withdrawn than expected: less was delivered than programmed (stalls, occlusion, a
  // pump stopped), or more was filled than recorded.
  kMoreThanExpected,
};

struct RefillCheck {
  Volume expected{};    // what the implant expects to be left
  Volume withdrawn{};   // what the clinician withdrew
  Volume difference{};  // withdrawn - expected
  Volume threshold{};   // a difference beyond this needs the clinician's acknowledgement
  RefillFinding finding = RefillFinding::kAsExpected;
  bool needs_acknowledgement() const { return finding != RefillFinding::kAsExpected; }
};

// The discrepancy that matters for a reservoir: 5 % of its capacity (1 mL for 20 mL, 2 mL for
// 40 mL), never less than 0.5 mL.
Volume discrepancy_threshold(Volume reservoir_capacity);

// Refuses a withdrawn or expected volume below zero or above the reservoir's capacity (a typo
// such as 180 for 18.0 mL), naming the field.
Result<RefillCheck> check_refill(Volume expected, Volume withdrawn, Volume reservoir_capacity);

const char* describe(RefillFinding finding);

}  // namespace itdd::programmer

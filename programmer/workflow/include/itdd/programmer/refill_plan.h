// A refill as the clinic does it, checked before anything is sent. The clinician withdraws what
// is left and enters it; the programmer compares it with what the implant expects (refill_check:
// beyond ~1 mL for a 20 mL pump, 2 mL for 40 mL, a pocket fill at the last refill, over- or
// under-infusion is possible and the clinician must acknowledge it with a reason); then the new
// drug, concentration and volume (never above the reservoir's capacity), the low-reservoir alarm
// volume, and, when the concentration of the same drug changes, whether to run the bridge bolus
// that pushes the old solution out of the pump and catheter at a rate that keeps the dose.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "itdd/core/result.h"
#include "itdd/core/units.h"
#include "itdd/programmer/implant_status.h"
#include "itdd/programmer/ran_dry.h"
#include "itdd/programmer/refill_check.h"
#include "itdd/protocol/messages.h"
#include "itdd/therapy/prescription.h"

namespace itdd::programmer {

struct RefillEntry {
  std::optional<Volume> withdrawn;  // required unless the reservoir was never filled
  therapy::Drug drug{};
  Concentration concentration{};
  Volume volume{};                  // what the reservoir holds after the refill
  std::optional<Volume> low_alarm;  // nullopt: the pump model's default
  std::optional<bool> bridge;       // required when the same drug's concentration changes
  std::string acknowledgement;      // required (a reason) when the withdrawn volume is off
};

enum class RefillKind : std::uint8_t {
  kFirstFill,            // the reservoir was never filled: therapy is programmed afterwards
  kSameDrug,             // doses carry on unchanged
  kConcentrationChange,  // same drug, new concentration: the rate changes to keep each dose
  kDrugChange,           // another drug: therapy stops until a prescription is programmed for it
};
const char* describe(RefillKind kind);

struct RefillPlan {
  RefillKind kind = RefillKind::kFirstFill;
  std::optional<RefillCheck> check;  // absent at a first fill
  bool bridge = false;
  std::vector<std::string> notes;  // what the clinician must know before confirming
  std::optional<RanDry> ran_dry;   // the pump ran empty: what it means, what to do first
};

// `before`: an interrogation just taken; `capacity`: the reservoir's (the implant reports it; the
// clinic's record of the pump model is the fallback). Refuses, naming the entry to fix:
//   withdrawn        missing (the reservoir holds drug), negative or above the capacity;
//   acknowledge      the withdrawn volume is off and no reason was given;
//   volume           not positive, or above the capacity;
//   low_alarm        negative, or not below the volume;
//   bridge           the concentration changes and no decision was given;
//   drug             a drug in another unit than the reservoir's under the same name.
// `ran_dry` (ran_dry.h), when the pump ran empty, is kept in the plan: the withdrawn volume is
// then "as expected" only because nothing was left.
Result<RefillPlan> plan_refill(const ImplantStatus& before, Volume capacity,
                               const RefillEntry& entry,
                               const std::optional<RanDry>& ran_dry = std::nullopt);

// "withdrawn 0.4 mL against 0.5 mL expected: as expected", saying, for a pump that ran dry,
// that nothing was left because it ran empty. Empty when nothing was withdrawn (a first fill).
std::string withdrawal_text(const RefillPlan& plan);

// The minimum length of an acknowledgement or override reason (non-blank characters).
inline constexpr std::size_t kMinReasonLength = 5;
bool is_reason(const std::string& text);

}  // namespace itdd::programmer

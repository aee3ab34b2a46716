// A proposed prescription checked against the drug library before it is sent: the first of the
// three checks every prescription gets (docs/design.md: programmer, implant, safety monitor).
// Each finding is hard (blocks: no reason overrides it), soft (needs the clinician's override
// reason) or info, names the field to change, says what is wrong with units, and shows the limit
// and where the library has it from.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "itdd/core/result.h"
#include "itdd/core/time.h"
#include "itdd/programmer/drug_library.h"
#include "itdd/therapy/prescription.h"

namespace itdd::programmer {

// Finding fields (static, so a Status can name them).
namespace finding_field {
inline constexpr const char* kDrug = "drug";
inline constexpr const char* kUnit = "drug.unit";
inline constexpr const char* kConcentration = "concentration";
inline constexpr const char* kDailyDose = "daily_dose";
inline constexpr const char* kStartDose = "daily_dose.start";
inline constexpr const char* kTitrationStep = "titration.step";
inline constexpr const char* kTitrationInterval = "titration.interval";
}  // namespace finding_field

struct Finding {
  Level level = Level::kInfo;
  const char* field = "";
  std::string message;  // a sentence for the clinician, with units
  std::string limit;    // the limit with its unit ("19.2 mcg/day", "24 h"), empty if none
  std::string source;   // "source: ..." or "unconfirmed: ...", empty if none
};

// The therapy in force before the change.
struct PreviousTherapy {
  therapy::Prescription prescription;
  std::optional<WallTime> last_increase_at;  // of the daily dose; nullopt: unknown
};

struct DoseCheck {
  std::string drug;                 // as proposed
  std::string display_name;         // from the library, empty when unknown
  std::optional<DoseUnit> unit;     // the library's unit, when the drug is known
  DoseRate max_daily_dose{};        // basal plus every allowed patient bolus
  DoseRate basal_max_daily_dose{};  // the heaviest 24 h of the basal program
  std::int64_t patient_boluses_per_day = 0;
  DrugAmount patient_bolus_dose{};
  std::optional<DoseRate> previous_max_daily_dose;  // same drug only
  std::vector<Finding> findings;

  bool blocked() const;         // a hard finding
  bool needs_override() const;  // soft findings and no hard one
  const Finding* first(Level level) const;
};

// The most drug the prescription can give in any 24 hours: the heaviest 24 h of the basal
// program (continuous; or flex, the exact integral of its steps over any 24 h of the week,
// rounded up to the ng, so a program that differs per weekday is also counted across midnight)
// plus every patient bolus the limits allow in a day (therapy::max_patient_boluses_per_day).
DoseRate max_daily_dose(const therapy::Prescription& rx);
DoseRate basal_max_daily_dose(const therapy::Prescription& rx);

// Checks: drug in the library (hard), its unit (hard), the concentration in the allowed list
// (hard), the maximum daily dose against soft_min / soft_max / hard_max and, when the drug is
// started or restarted, start_max; against `previous` (same drug): the increase of the maximum
// daily dose (absolute and percent) and the time since the last increase (hard and soft
// intervals; unknown time: soft). Stopping a drug with a high withdrawal risk is soft.
// `previous` may be null (a new therapy).
DoseCheck check_prescription(const DrugLibrary& library, const therapy::Prescription& proposed,
                             const PreviousTherapy* previous, WallTime now);

// The clinician's decision: refused (naming the hard finding's field) when blocked, and when
// soft findings exist without a reason of at least 5 non-blank characters
// (field "override_reason").
inline constexpr std::size_t kMinOverrideReasonLength = 5;
Status accept(const DoseCheck& check, const std::optional<std::string>& reason);

std::string format_dose_check(const DoseCheck& check);
nlohmann::ordered_json dose_check_json(const DoseCheck& check);

}  // namespace itdd::programmer

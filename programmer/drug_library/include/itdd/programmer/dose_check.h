// A proposed prescription, or a clinician bolus, checked against the drug library before it is
// sent: the first of the three checks every prescription gets (docs/design.md: programmer,
// implant, safety monitor).
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

// The clinician bolus terms of a check (check_bolus): this bolus, and the earlier clinician
// boluses counted in the same 24 hours.
struct BolusTerms {
  DrugAmount dose{};
  Duration duration{};
  DrugAmount earlier{};  // clinician boluses already given that reach into the last 24 h
  std::int64_t earlier_count = 0;
};

// The therapy in force before the change.
struct PreviousTherapy {
  therapy::Prescription prescription;
  std::optional<WallTime> last_increase_at;  // of the daily dose; nullopt: unknown
};

struct DoseCheck {
  std::string drug;              // as proposed
  std::string display_name;      // from the library, empty when unknown
  std::optional<DoseUnit> unit;  // the library's unit, when the drug is known
  // The heaviest 24 h: basal plus every allowed patient bolus (and, for a clinician bolus, the
  // earlier clinician boluses and this one).
  DoseRate max_daily_dose{};
  DoseRate basal_max_daily_dose{};  // the heaviest 24 h of the basal program
  std::int64_t patient_boluses_per_day = 0;
  DrugAmount patient_bolus_dose{};
  std::optional<DoseRate> previous_max_daily_dose;  // same drug only
  std::optional<BolusTerms> clinician_bolus;        // a check of a clinician bolus
  std::optional<DoseLimits> limits;                 // the library's, when the drug is known
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

// A clinician bolus as check_bolus sees it: the reservoir's drug and concentration, the dose
// and its duration, and the clinician boluses the implant's event log shows reaching into the
// last 24 hours (programmer/workflow's earlier_clinician_boluses).
struct ClinicianBolus {
  therapy::Drug drug{};
  Concentration concentration{};
  DrugAmount dose{};
  Duration duration{};
  DrugAmount earlier{};
  std::int64_t earlier_count = 0;
};

// A clinician bolus checked like a program, with the same heaviest-24-hours computation
// (max_daily_dose): the heaviest 24 h of `running`'s basal program and every patient bolus it
// allows (when `running` is for the bolus's drug; nothing otherwise), plus the earlier clinician
// boluses and this one, against the drug's soft_max (soft) and hard_max (hard). The basal is
// counted as if it ran on through the bolus: it pauses meanwhile (docs/therapy-engine.md), so
// the real heaviest 24 h is at most this. Also the drug in the library (hard), its unit (hard)
// and the concentration in the allowed list (hard). Not checked for a one-off bolus: soft_min,
// start_max and titration, which are about the program's daily dose.
DoseCheck check_bolus(const DrugLibrary& library, const therapy::Prescription& running,
                      const ClinicianBolus& bolus);

// The clinician's decision: refused (naming the hard finding's field) when blocked, and when
// soft findings exist without a reason of at least 5 non-blank characters
// (field "override_reason").
inline constexpr std::size_t kMinOverrideReasonLength = 5;
Status accept(const DoseCheck& check, const std::optional<std::string>& reason);

// The check for people, a unit beside every number, ending with the verdict in words: blocked,
// needs a reason, or within the limits, naming the limit and its source in the library.
std::string format_dose_check(const DoseCheck& check);
nlohmann::ordered_json dose_check_json(const DoseCheck& check);

}  // namespace itdd::programmer

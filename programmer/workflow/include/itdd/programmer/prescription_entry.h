// A prescription as a clinician enters it at the programmer: a daily dose in the drug's unit
// (continuous), or steps "from HH:MM, this dose per day" for every day or per weekday
// (flexible), or stop; and the patient-bolus limits. The drug and its concentration are the
// reservoir's: the clinician names them again and the programmer checks both against what the
// implant holds, so a wrong concentration in the clinician's head is caught before any rate is
// computed (a wrong concentration entered is a known cause of overdose: docs/intrathecal-facts.md,
// Known failures).
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "itdd/core/result.h"
#include "itdd/core/time.h"
#include "itdd/core/units.h"
#include "itdd/therapy/prescription.h"

namespace itdd::programmer {

struct StepEntry {
  std::optional<Weekday> day;  // nullopt: every day
  std::int32_t start_minute = 0;
  DoseRate dose{};
};

// "08:00=3.5" or "mon@08:00=3.5": the day, the start and the dose's text (parsed by the caller
// in the drug's unit). Refuses, naming "step", anything else.
struct StepText {
  std::optional<Weekday> day;
  std::int32_t start_minute = 0;
  std::string_view dose;
};
Result<StepText> split_step(std::string_view text);

enum class EntryMode : std::uint8_t { kStop, kContinuous, kFlexible };

struct PrescriptionEntry {
  therapy::Drug drug{};
  Concentration concentration{};
  EntryMode mode = EntryMode::kContinuous;
  DoseRate dose{};               // kContinuous
  std::vector<StepEntry> steps;  // kFlexible, in any order
  std::optional<therapy::PatientBolusSettings> patient_bolus;
};

// The implant's prescription from an entry. Refuses, naming what to fix: "step" (two steps at
// the same start, a day without a step at 00:00, days given for some steps and not others, more
// than 48 steps a day), "dose" (negative), "patient_bolus".
Result<therapy::Prescription> build_prescription(const PrescriptionEntry& entry);

// The reservoir must hold the drug and concentration the clinician names.
Status check_against_reservoir(const PrescriptionEntry& entry, const therapy::Drug& reservoir_drug,
                               Concentration reservoir_concentration);

}  // namespace itdd::programmer

// A screening trial (test doses before an implant): what the clinic database holds of a
// patient's trial as the screening rule reads it, the next step the rule suggests (and the
// starting infusion once effective), and recording one more bolus, checked against the rule
// with the ones before it before anything is written.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "itdd/programmer/screening.h"
#include "itdd/programmer/use_cases/session.h"

namespace itdd::programmer {

// The patient's boluses of `drug` from the clinic database's trial records, oldest first, their
// times local to the clinic's zone.
std::vector<ScreeningBolus> screening_history(const std::vector<TrialRecord>& trials,
                                              const host::TimeZone& zone, const DrugSpec& drug);
// The patient's history read from the clinic database (a Stop with clinic_db set when it
// cannot be read).
Step<std::vector<ScreeningBolus>> read_screening_history(ClinicDb& db, std::int64_t patient_id,
                                                         const host::TimeZone& zone,
                                                         const DrugSpec& drug);

struct TrialSuggestion {
  ScreeningStep step;
  std::optional<StartingDose> start;  // once the trial was effective (or no rule applies)
};
// The next step; a Stop (invalid input, the history's field) when the history breaks the rule.
Step<TrialSuggestion> suggest_screening(const DrugSpec& drug,
                                        const std::vector<ScreeningBolus>& history);

struct TrialEntry {
  ScreeningBolus given;  // with its response; no time: now
  std::string route;
  std::string notes;
};
struct TrialRecorded {
  TrialRecord record;
  std::vector<ScreeningBolus> history;  // with the new bolus
};
// Checks the new bolus against the rule with `history` (a time the clocks skipped in the
// clinic's zone, or a step the rule does not allow: a Stop, "(nothing recorded)"), then adds
// it to the clinic database.
Step<TrialRecorded> record_screening_bolus(ClinicDb& db, const PatientRecord& patient,
                                           const host::TimeZone& zone, const DrugSpec& drug,
                                           std::vector<ScreeningBolus> history,
                                           const TrialEntry& entry, std::int64_t now_utc_ms);

}  // namespace itdd::programmer

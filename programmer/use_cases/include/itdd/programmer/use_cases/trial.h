// A screening trial (test doses before an implant): what the clinic database holds of a
// patient's trial as the screening rule reads it, the next step the rule suggests (and the
// starting infusion once effective), and recording one more bolus in two steps: checked
// against the rule with the ones before it (prepare, nothing written), then written.
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
// The patient's history read from the clinic database (its refusal when it cannot be read).
host::Checked<std::vector<ScreeningBolus>> read_screening_history(ClinicDb& db,
                                                                  std::int64_t patient_id,
                                                                  const host::TimeZone& zone,
                                                                  const DrugSpec& drug);

struct TrialSuggestion {
  ScreeningStep step;
  std::optional<StartingDose> start;  // once the trial was effective (or no rule applies)
};
// The next step; invalid input (the history's field) when the history breaks the rule.
host::Checked<TrialSuggestion> suggest_screening(const DrugSpec& drug,
                                                 const std::vector<ScreeningBolus>& history);

struct TrialEntry {
  ScreeningBolus given;  // with its response; no time: now
  std::string route;
  std::string notes;
};
struct TrialPlan {
  TrialRecord record;                   // what will be added (its id not yet given)
  std::vector<ScreeningBolus> history;  // with the new bolus
};
// Checks the new bolus against the rule with `history` before anything is written: a time the
// clocks skipped in the clinic's zone, or a step the rule does not allow, is invalid input
// ("(nothing recorded)"; the field the rule's, e.g. "history[2].dose", or "given_at",
// "response").
host::Checked<TrialPlan> prepare_screening_bolus(const PatientRecord& patient,
                                                 const host::TimeZone& zone, const DrugSpec& drug,
                                                 std::vector<ScreeningBolus> history,
                                                 const TrialEntry& entry, std::int64_t now_utc_ms);

struct TrialRecorded {
  TrialRecord record;                   // with its id
  std::vector<ScreeningBolus> history;  // with the new bolus
};
// Adds a prepared bolus to the clinic database: recorded, or the database's refusal as it is
// (its field the record's).
host::Checked<TrialRecorded> record_screening_bolus(ClinicDb& db, const TrialPlan& plan);

}  // namespace itdd::programmer

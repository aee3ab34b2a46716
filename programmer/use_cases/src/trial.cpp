#include "itdd/programmer/use_cases/trial.h"

#include <fmt/format.h>

namespace itdd::programmer {

std::vector<ScreeningBolus> screening_history(const std::vector<TrialRecord>& trials,
                                              const host::TimeZone& zone, const DrugSpec& drug) {
  std::vector<ScreeningBolus> history;
  for (const TrialRecord& t : trials) {
    if (t.drug != drug.name) continue;
    ScreeningBolus b;
    b.dose = t.dose;
    b.given_at = zone.local(t.at_ms);
    b.effective = t.effective;
    if (t.effect.count() > 0) b.effect_duration = t.effect;
    b.response = ScreeningResponse{
        t.score_kind == ScoreKind::kAshworth ? ResponseScale::kAshworth : ResponseScale::kPain,
        static_cast<int>(t.score_before), static_cast<int>(t.score_after)};
    history.push_back(b);
  }
  return history;
}

host::Checked<std::vector<ScreeningBolus>> read_screening_history(ClinicDb& db,
                                                                  std::int64_t patient_id,
                                                                  const host::TimeZone& zone,
                                                                  const DrugSpec& drug) {
  auto trials = db.trials(patient_id);
  if (!trials.ok()) return trials.error();
  return screening_history(trials.value(), zone, drug);
}

host::Checked<TrialSuggestion> suggest_screening(const DrugSpec& drug,
                                                 const std::vector<ScreeningBolus>& history) {
  const host::Checked<ScreeningStep> step = next_screening_step(drug, history);
  if (!step.ok()) {
    return host::Refusal{step.error().field, step.error().message,
                         host::RefusalKind::kInvalidArgument};
  }
  TrialSuggestion out{step.value(), std::nullopt};
  if (step->outcome == ScreeningOutcome::kEffective || step->outcome == ScreeningOutcome::kNoRule) {
    const host::Checked<StartingDose> suggested = suggested_starting_dose(drug, history);
    if (!suggested.ok()) {
      return host::Refusal{suggested.error().field, suggested.error().message,
                           host::RefusalKind::kInvalidArgument};
    }
    out.start = suggested.value();
  }
  return out;
}

host::Checked<TrialPlan> prepare_screening_bolus(const PatientRecord& patient,
                                                 const host::TimeZone& zone, const DrugSpec& drug,
                                                 std::vector<ScreeningBolus> history,
                                                 const TrialEntry& entry, std::int64_t now_utc_ms) {
  ScreeningBolus given = entry.given;
  if (!given.response) {
    return host::Refusal{"response", "record the response too",
                         host::RefusalKind::kInvalidArgument};
  }
  // The time given is the clinic's local time: one the clocks skipped is refused, one they
  // showed twice is the first (host::TimeZone::instant_typed).
  std::int64_t given_at_ms = now_utc_ms;
  if (given.given_at) {
    const host::Checked<std::int64_t> at = zone.instant_typed(*given.given_at);
    if (!at.ok()) {
      return host::Refusal{"given_at", fmt::format("{} (nothing recorded)", at.error().message),
                           host::RefusalKind::kInvalidArgument};
    }
    given_at_ms = *at;
  } else {
    given.given_at = zone.local(given_at_ms);
  }
  history.push_back(given);
  if (const host::Checked<ScreeningStep> step = next_screening_step(drug, history); !step.ok()) {
    return host::Refusal{step.error().field,
                         fmt::format("{} (nothing recorded)", step.error().message),
                         host::RefusalKind::kInvalidArgument};
  }
  TrialPlan out;
  TrialRecord& t = out.record;
  t.patient_id = patient.id;
  t.at_ms = given_at_ms;
  t.drug = drug.name;
  t.dose = given.dose;
  t.route = entry.route;
  t.score_kind =
      given.response->scale == ResponseScale::kAshworth ? ScoreKind::kAshworth : ScoreKind::kPain;
  t.score_before = given.response->before;
  t.score_after = given.response->after;
  t.effect = given.effect_duration.value_or(Duration(0));
  t.effective = given.effective;
  t.notes = entry.notes;
  out.history = std::move(history);
  return out;
}

host::Checked<TrialRecorded> record_screening_bolus(ClinicDb& db, const TrialPlan& plan) {
  TrialRecorded out{plan.record, plan.history};
  const auto added = db.add_trial(out.record);
  if (!added.ok()) return added.error();
  out.record.id = added.value();
  return out;
}

}  // namespace itdd::programmer

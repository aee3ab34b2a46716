// Prescriptions used across firmware tests.
#pragma once

#include <gtest/gtest.h>

#include <initializer_list>
#include <utility>

#include "itdd/therapy/prescription.h"

namespace itdd::therapy::testing {

// A step the test means to fit (FlexStep::make); a refusal fails the test and gives an empty
// step.
inline FlexStep flex_step(std::int64_t start_minute, DoseRate dose) {
  const Result<FlexStep> step = FlexStep::make(start_minute, dose);
  if (!step) {
    ADD_FAILURE() << "flex step refused: " << step.error().field << ": " << step.error().message;
    return FlexStep{};
  }
  return *step;
}

inline constexpr Concentration kMorphine25{25 * kNanogramsPerMilligram};  // 25 mg/mL

inline Prescription morphine_continuous(DoseRate per_day, Concentration c = kMorphine25) {
  Prescription rx;
  rx.drug = make_drug("morphine", DoseUnit::kMilligram);
  rx.concentration = c;
  rx.mode = BasalMode::kContinuous;
  rx.continuous_dose = per_day;
  return rx;
}

// Steps given as (start minute, dose per day).
inline Prescription morphine_flex(std::initializer_list<std::pair<int, std::int64_t>> steps,
                                  Concentration c = kMorphine25) {
  Prescription rx = morphine_continuous(DoseRate(0), c);
  rx.mode = BasalMode::kFlexible;
  DayProgram& day = rx.flex.days[0];
  for (const auto& [start, dose] : steps) {
    day.steps[day.step_count++] = flex_step(start, DoseRate(dose));
  }
  return rx;
}

inline PatientBolusSettings patient_bolus(DrugAmount dose, Duration duration, std::uint8_t max,
                                          Duration lockout) {
  return PatientBolusSettings{true, dose, duration, max, lockout};
}

inline bool same_prescription(const Prescription& a, const Prescription& b) {
  return first_difference(a, b) == nullptr;
}

}  // namespace itdd::therapy::testing

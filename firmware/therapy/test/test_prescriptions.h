// Prescriptions used across firmware tests.
#pragma once

#include <initializer_list>
#include <utility>

#include "itdd/therapy/prescription.h"

namespace itdd::therapy::testing {

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
    day.steps[day.step_count++] = FlexStep{start, DoseRate(dose)};
  }
  return rx;
}

inline PatientBolusSettings patient_bolus(DrugAmount dose, Duration duration, std::uint8_t max,
                                          Duration lockout) {
  return PatientBolusSettings{true, dose, duration, max, lockout};
}

// Field by field: the bytes between fields (padding) and the steps past a day's count are not
// part of the value.
inline bool same_prescription(const Prescription& a, const Prescription& b) {
  if (!(a.drug == b.drug) || a.concentration != b.concentration || a.mode != b.mode ||
      a.continuous_dose != b.continuous_dose || a.flex.per_weekday != b.flex.per_weekday) {
    return false;
  }
  for (std::size_t d = 0; d < a.flex.days.size(); ++d) {
    const DayProgram& x = a.flex.days[d];
    const DayProgram& y = b.flex.days[d];
    if (x.step_count != y.step_count) return false;
    for (std::size_t i = 0; i < x.step_count && i < kMaxStepsPerDay; ++i) {
      if (x.steps[i].start_minute != y.steps[i].start_minute ||
          x.steps[i].dose_rate != y.steps[i].dose_rate) {
        return false;
      }
    }
  }
  const PatientBolusSettings& p = a.patient_bolus;
  const PatientBolusSettings& q = b.patient_bolus;
  return p.enabled == q.enabled && p.dose == q.dose && p.duration == q.duration &&
         p.max_per_24h == q.max_per_24h && p.lockout == q.lockout;
}

}  // namespace itdd::therapy::testing

// What the dose-check tests share: the shipped drug library, doses in mg or mcg a day,
// prescriptions of the library's drugs, and the findings that need a decision.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "../../../firmware/therapy/test/test_prescriptions.h"
#include "itdd/programmer/dose_check.h"

namespace itdd::programmer::fixtures {

using therapy::BasalMode;
using therapy::Prescription;

inline const DrugLibrary& library() {
  static const DrugLibrary lib = [] {
    host::Checked<DrugLibrary> l =
        DrugLibrary::load(std::string(ITDD_SOURCE_DIR) + "/data/drug-library.json");
    if (!l.ok()) throw std::runtime_error(l.error().text());
    return std::move(l).value();
  }();
  return lib;
}

inline constexpr DoseRate mg_per_day(double mg) {
  return DoseRate(static_cast<std::int64_t>(mg * 1'000'000 + 0.5));
}
inline constexpr DoseRate mcg_per_day(double mcg) {
  return DoseRate(static_cast<std::int64_t>(mcg * 1'000 + 0.5));
}

inline Prescription continuous(const char* drug, DoseUnit unit, Concentration c, DoseRate dose) {
  Prescription rx;
  rx.drug = therapy::make_drug(drug, unit);
  rx.concentration = c;
  rx.mode = BasalMode::kContinuous;
  rx.continuous_dose = dose;
  return rx;
}

inline Prescription morphine(DoseRate dose) {
  return continuous("morphine", DoseUnit::kMilligram, Concentration(25'000'000), dose);
}

// The findings that are not info, as "level field".
inline std::vector<std::string> problems(const DoseCheck& c) {
  std::vector<std::string> out;
  for (const Finding& f : c.findings) {
    if (f.level != Level::kInfo) out.push_back(std::string(level_name(f.level)) + " " + f.field);
  }
  return out;
}
using Problems = std::vector<std::string>;

inline Prescription with_boluses(Prescription rx, DrugAmount dose, int per_24h, Duration lockout) {
  rx.patient_bolus.enabled = true;
  rx.patient_bolus.dose = dose;
  rx.patient_bolus.duration = minutes(10);
  rx.patient_bolus.max_per_24h = static_cast<std::uint8_t>(per_24h);
  rx.patient_bolus.lockout = lockout;
  return rx;
}

inline void set_day(therapy::DayProgram& day, std::vector<std::pair<int, DoseRate>> steps) {
  day.step_count = static_cast<std::uint8_t>(steps.size());
  for (std::size_t i = 0; i < steps.size(); ++i) {
    day.steps[i] = therapy::testing::flex_step(steps[i].first, steps[i].second);
  }
}

}  // namespace itdd::programmer::fixtures

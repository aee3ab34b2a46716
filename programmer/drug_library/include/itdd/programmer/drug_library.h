// The clinician programmer's drug library (data/drug-library.json): per drug its unit, the
// concentrations a clinic stocks, daily dose limits, titration rules, stability in the pump,
// refill interval, withdrawal risk and screening rules, every number with its source or an
// "unconfirmed" note. Clinics edit the file; loading re-validates everything and refuses with
// the JSON path of the first problem; export writes the same format back (load(export) is the
// library exported). The checks of a prescription against it are in dose_check.h.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "itdd/core/units.h"
#include "itdd/host/checked.h"
#include "itdd/host/figures.h"
#include "itdd/programmer/units_text.h"

namespace itdd::programmer {

// What a finding or a data limit does: hard blocks, soft needs an override reason, info tells.
enum class Level : std::uint8_t { kInfo, kSoft, kHard };
const char* level_name(Level level);  // "info", "soft", "hard"

// A limit whose level the data chooses (hard or soft).
template <class T>
struct LeveledFigure {
  T value{};
  Level level = Level::kHard;
  host::Provenance note;
  bool operator==(const LeveledFigure&) const = default;
};

// How dangerous it is to run out (sorts the refill calendar: high first).
enum class WithdrawalRisk : std::uint8_t { kLow, kModerate, kHigh };
const char* withdrawal_risk_name(WithdrawalRisk risk);  // "low", "moderate", "high"

struct DoseLimits {
  std::optional<host::Figure<DoseRate>> soft_min;
  host::Figure<DoseRate> soft_max;
  host::Figure<DoseRate> hard_max;
  // Highest daily dose to start (or restart) the drug with.
  std::optional<LeveledFigure<DoseRate>> start_max;
  bool operator==(const DoseLimits&) const = default;
};

struct Titration {
  std::optional<LeveledFigure<DoseRate>> max_step;  // absolute increase of the daily dose
  // Increase relative to the current daily dose, in hundredths of a percent (1500 = 15 %).
  std::optional<LeveledFigure<std::int64_t>> max_step_percent_hundredths;
  std::optional<host::Figure<Duration>> min_interval_hard;  // between two increases
  std::optional<host::Figure<Duration>> min_interval_soft;
  bool operator==(const Titration&) const = default;
};

// Days a filled solution may stay in the pump.
struct Stability {
  host::Figure<std::int64_t> days;  // diluted, or dilution not recorded (the shorter figure)
  std::optional<host::Figure<std::int64_t>> undiluted_days;
  std::optional<host::Figure<std::int64_t>>
      first_fill_days;  // the first fill of the drug in a pump
  bool operator==(const Stability&) const = default;
};

// Starting infusion after an effective screening bolus: `multiplier` times that dose per day,
// or `long_effect_multiplier` times it when its effect lasted over `long_effect_over`.
// Multipliers in hundredths (200 = twice).
struct StartingDoseRule {
  host::Figure<std::int64_t> multiplier_hundredths;
  host::Figure<Duration> long_effect_over;
  host::Figure<std::int64_t> long_effect_multiplier_hundredths;
  bool operator==(const StartingDoseRule&) const = default;
};

// Screening (trial) boluses: the doses in order, given at least `min_interval` apart; when the
// last one fails, no pump.
struct ScreeningRule {
  host::Figure<std::vector<DrugAmount>> doses;
  host::Figure<Duration> min_interval;
  std::optional<StartingDoseRule> starting_dose;
  bool operator==(const ScreeningRule&) const = default;
};

struct DrugSpec {
  std::string name;  // wire name: a-z, 0-9, '-', '_', at most 23 characters
  std::string display_name;
  DoseUnit unit = DoseUnit::kMilligram;
  bool opioid = false;
  host::Figure<WithdrawalRisk> withdrawal_risk;
  host::Figure<std::vector<Concentration>> concentrations;  // allowed, in ng/mL
  DoseLimits limits;
  Titration titration;
  Stability stability;
  host::Figure<std::int64_t> max_refill_interval_days;
  std::optional<ScreeningRule> screening;

  bool allows(Concentration c) const;
  bool operator==(const DrugSpec&) const = default;
};

class DrugLibrary {
 public:
  // The file, or the refusal of its first problem (its JSON path and what is wrong); a file that
  // cannot be read and invalid JSON ("line 4, column 7: ...") have an empty field.
  static host::Checked<DrugLibrary> load(const std::filesystem::path& file);
  static host::Checked<DrugLibrary> from_text(std::string_view text);
  nlohmann::ordered_json to_json() const;

  const DrugSpec* find(std::string_view name) const;
  const std::vector<DrugSpec>& drugs() const { return drugs_; }
  // Names, comma separated, for "known: ..." messages.
  std::string names() const;
  // Days before the predicted low-reservoir date that a refill is planned.
  const host::Figure<std::int64_t>& refill_safety_margin_days() const {
    return refill_margin_days_;
  }
  const std::string& notes() const { return notes_; }

  bool operator==(const DrugLibrary&) const = default;

 private:
  static DrugLibrary read(const host::JsonValue& root);

  std::string notes_;
  host::Figure<std::int64_t> refill_margin_days_;
  std::vector<DrugSpec> drugs_;
};

}  // namespace itdd::programmer

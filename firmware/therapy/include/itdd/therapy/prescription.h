// A prescription as the implant stores it: the drug and its concentration, the basal mode, and
// the patient-bolus limits. Doses are drug amounts per day; the implant turns them into flows
// with the concentration. Fixed-size arrays only: a prescription is a plain value.
#pragma once

#include <array>
#include <cstdint>
#include <limits>

#include "itdd/core/result.h"
#include "itdd/core/time.h"
#include "itdd/core/units.h"
#include "itdd/therapy/pump_model.h"

namespace itdd::therapy {

inline constexpr std::size_t kMaxStepsPerDay = 48;
inline constexpr std::size_t kDrugNameLength = 24;
inline constexpr std::int32_t kMinutesPerDay = 24 * 60;

// A drug identity: a short lowercase name ("morphine") and the unit it is prescribed in.
struct Drug {
  std::array<char, kDrugNameLength> name{};  // NUL-terminated
  DoseUnit unit = DoseUnit::kMilligram;

  bool operator==(const Drug& o) const;
};

Drug make_drug(const char* name, DoseUnit unit);

enum class BasalMode : std::uint8_t { kStopped, kContinuous, kFlexible };

// One step of a flexible day: from `start_minute()` (minutes after local midnight) until the
// next step's start, deliver at `dose_rate()` (expressed per day, as clinicians and SynchroMed
// do).
//
// Eight bytes, 4-byte aligned: a prescription holds 336 steps and the implant three
// prescriptions (the engine's, the safety monitor's, the one a program command brings), most of
// its RAM. The start is a 16-bit minute and the dose a 32-bit count of ng/day; a packed layout
// is not used because the Cortex-M4 faults on an unaligned `ldrd`. A step is made or changed
// only through `make` and `set`, which refuse what does not fit (nothing is rounded or
// wrapped). The two bytes of padding are named and kept zero: the settings copy in flash holds
// the steps' bytes as they lie in RAM (docs/storage.md).
class FlexStep {
 public:
  // The largest dose a step holds: 4,294,967,295 ng/day (4.29 g/day), far above any intrathecal
  // dose (the reference pump's 24 mL/day at the implant's highest concentration, 100 mg/mL, is
  // 2.4 g/day).
  static constexpr std::int64_t kMaxDoseNgPerDay = std::numeric_limits<std::uint32_t>::max();

  constexpr FlexStep() = default;

  // A step from `start_minute` (0..1439) at `dose` (0..kMaxDoseNgPerDay ng/day). Refuses,
  // naming "flex.steps.start" or "flex.steps.dose_per_day" (no index: the caller adds the day's
  // and the step's), anything else.
  static Result<FlexStep> make(std::int64_t start_minute, DoseRate dose);

  // This step made anew as `make` would; on a refusal the step is unchanged and the error
  // names `day_index` and `step_index` (-1: none) as its index and sub-index.
  Status set(std::int64_t start_minute, DoseRate dose, std::int32_t day_index = -1,
             std::int32_t step_index = -1);

  constexpr std::int32_t start_minute() const { return start_minute_; }
  constexpr DoseRate dose_rate() const { return DoseRate(dose_ng_per_day_); }

  friend constexpr bool operator==(const FlexStep& a, const FlexStep& b) {
    return a.start_minute_ == b.start_minute_ && a.dose_ng_per_day_ == b.dose_ng_per_day_;
  }

 private:
  std::uint16_t start_minute_ = 0;
  [[maybe_unused]] std::uint16_t reserved_ =
      0;  // always zero: the step's bytes are stored (see above)
  std::uint32_t dose_ng_per_day_ = 0;
};
static_assert(sizeof(FlexStep) == 8 && alignof(FlexStep) == 4,
              "a flex step is 8 bytes, 4-byte aligned (docs/footprint.md)");

struct DayProgram {
  std::uint8_t step_count = 0;
  std::array<FlexStep, kMaxStepsPerDay> steps{};

  // Sets step `i` (< kMaxStepsPerDay) as FlexStep::set does; a refusal names the day
  // (`day_index`, -1 for a program that holds one day for all) and the step `i`.
  Status set_step(std::size_t i, std::int64_t start_minute, DoseRate dose, std::int32_t day_index) {
    return steps[i].set(start_minute, dose, day_index, static_cast<std::int32_t>(i));
  }
};

struct FlexProgram {
  bool per_weekday = false;          // false: days[0] is used every day
  std::array<DayProgram, 7> days{};  // indexed by Weekday (Monday = 0)

  const DayProgram& day(Weekday wd) const {
    return per_weekday ? days[static_cast<std::size_t>(wd)] : days[0];
  }
};

struct PatientBolusSettings {
  bool enabled = false;
  DrugAmount dose{};             // per bolus
  Duration duration{};           // over which one bolus is delivered
  std::uint8_t max_per_24h = 0;  // in any rolling 24 hours
  Duration lockout{};            // from the start of one bolus to the next allowed
};

struct Prescription {
  Drug drug{};
  Concentration concentration{};
  BasalMode mode = BasalMode::kStopped;
  DoseRate continuous_dose{};  // for kContinuous
  FlexProgram flex{};          // for kFlexible
  PatientBolusSettings patient_bolus{};

  // The fields beside the week of steps: saved and put back around a check in place (a whole
  // Prescription is kilobytes).
  struct Header {
    Drug drug{};
    Concentration concentration{};
    BasalMode mode = BasalMode::kStopped;
    PatientBolusSettings patient_bolus{};
  };
  Header header() const { return Header{drug, concentration, mode, patient_bolus}; }
  void set_header(const Header& h) {
    drug = h.drug;
    concentration = h.concentration;
    mode = h.mode;
    patient_bolus = h.patient_bolus;
  }
};

// The limits the implant itself enforces, whatever the programmer checked.
inline constexpr std::uint8_t kMaxPatientBolusesPer24h = 24;
inline constexpr Duration kMinBolusDuration = minutes(1);
inline constexpr Duration kMaxBolusDuration = hours(24);

// Checks a prescription against its own consistency and the pump's hard limits. The first
// problem found is returned with the field that causes it.
Status validate(const Prescription& rx, const PumpModel& pump);

// Flow of a flex step or continuous dose at the prescription's concentration.
FlowRate flow_of(const Prescription& rx, DoseRate dose);

// Volume one patient bolus takes from the reservoir.
Volume patient_bolus_volume(const Prescription& rx);

// Flow during a patient bolus, on top of basal.
FlowRate patient_bolus_flow(const Prescription& rx);

// Volume the basal program delivers over one whole day that follows `wd`'s day program.
Volume basal_volume_per_day(const Prescription& rx, Weekday wd);

// Drug amount the basal program gives over one day (the mean daily dose for flex programs).
DoseRate basal_daily_dose(const Prescription& rx, Weekday wd);

// The most patient boluses that can be taken in one day under these limits.
std::int64_t max_patient_boluses_per_day(const PatientBolusSettings& pb);

// The first field in which two prescriptions differ ("drug", "concentration", "mode",
// "continuous_dose", "flex.per_weekday", "flex.days.steps", "patient_bolus"), or nullptr when
// they hold the same value. Field by field: padding and the steps past a day's count are not
// part of the value. A programmer reads back what it programmed with it.
const char* first_difference(const Prescription& a, const Prescription& b);

}  // namespace itdd::therapy

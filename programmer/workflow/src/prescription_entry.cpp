#include "itdd/programmer/prescription_entry.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "itdd/host/wall_time.h"

namespace itdd::programmer {
namespace {

constexpr std::array<std::string_view, 7> kDays = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

Error step_error(const char* message, std::int32_t index = -1) {
  Error e = make_error(ErrorCode::kInvalidArgument, "step", message);
  e.index = index;
  return e;
}

}  // namespace

Result<StepText> split_step(std::string_view text) {
  StepText out;
  const std::size_t at = text.find('@');
  if (at != std::string_view::npos) {
    const std::string_view day = text.substr(0, at);
    const auto it = std::find(kDays.begin(), kDays.end(), day);
    if (it == kDays.end()) {
      return step_error(
          "the day is one of mon, tue, wed, thu, fri, sat, sun (as in mon@08:00=3.5)");
    }
    out.day = static_cast<Weekday>(it - kDays.begin());
    text.remove_prefix(at + 1);
  }
  const std::size_t eq = text.find('=');
  // The time of day by host/text's one reader of them.
  const host::Checked<int> start =
      eq == 5 ? host::parse_time_of_day(text.substr(0, 5)) : host::Checked<int>(host::Refusal{});
  if (!start.ok()) {
    return step_error("a step is HH:MM=DOSE (e.g. 08:00=3.5), optionally after a day (mon@)");
  }
  out.start_minute = *start;
  out.dose = text.substr(eq + 1);
  if (out.dose.empty()) return step_error("the dose after '=' is missing");
  return out;
}

Result<therapy::Prescription> build_prescription(const PrescriptionEntry& entry) {
  therapy::Prescription rx;
  rx.drug = entry.drug;
  rx.concentration = entry.concentration;
  switch (entry.mode) {
    case EntryMode::kStop:
      rx.mode = therapy::BasalMode::kStopped;
      break;
    case EntryMode::kContinuous:
      if (entry.dose.count() < 0) {
        return make_error(ErrorCode::kInvalidArgument, "dose", "must not be negative");
      }
      rx.mode = therapy::BasalMode::kContinuous;
      rx.continuous_dose = entry.dose;
      break;
    case EntryMode::kFlexible: {
      rx.mode = therapy::BasalMode::kFlexible;
      if (entry.steps.empty()) return step_error("a flexible program needs at least one step");
      const bool per_day = entry.steps.front().day.has_value();
      std::vector<StepEntry> steps = entry.steps;
      for (std::size_t i = 0; i < steps.size(); ++i) {
        if (steps[i].day.has_value() != per_day) {
          return step_error("give a day for every step or for none", static_cast<std::int32_t>(i));
        }
        if (steps[i].dose.count() < 0) {
          return step_error("a step's dose must not be negative", static_cast<std::int32_t>(i));
        }
        if (steps[i].dose.count() > therapy::FlexStep::kMaxDoseNgPerDay) {
          // The implant holds a step's dose as a 32-bit count of ng/day (therapy::FlexStep).
          return with_limit(
              step_error("a step's dose is above 4,294,967,295 ng/day (4,294.967295 mg/day), "
                         "the most the implant holds for a step",
                         static_cast<std::int32_t>(i)),
              ErrorLimit::kMaximum, ErrorUnit::kNone, steps[i].dose.count(),
              therapy::FlexStep::kMaxDoseNgPerDay);
        }
      }
      std::stable_sort(steps.begin(), steps.end(), [](const StepEntry& a, const StepEntry& b) {
        const int da = a.day ? static_cast<int>(*a.day) : 0;
        const int db = b.day ? static_cast<int>(*b.day) : 0;
        return da != db ? da < db : a.start_minute < b.start_minute;
      });
      rx.flex.per_weekday = per_day;
      for (const StepEntry& s : steps) {
        therapy::DayProgram& day = rx.flex.days[s.day ? static_cast<std::size_t>(*s.day) : 0];
        if (day.step_count > 0 && day.steps[day.step_count - 1].start_minute() == s.start_minute) {
          return step_error("two steps start at the same time");
        }
        if (day.step_count == therapy::kMaxStepsPerDay) {
          return step_error("at most 48 steps a day");
        }
        // The dose was checked above; the start is a time of day from split_step, and any
        // other start is refused here rather than wrapped.
        Status set = day.steps[day.step_count].set(s.start_minute, s.dose);
        if (!set) return step_error(set.error().message);
        ++day.step_count;
      }
      const std::size_t days = per_day ? 7 : 1;
      for (std::size_t d = 0; d < days; ++d) {
        const therapy::DayProgram& day = rx.flex.days[d];
        if (day.step_count == 0 || day.steps[0].start_minute() != 0) {
          Error e = step_error(per_day ? "every day needs a step at 00:00 (as in mon@00:00=DOSE)"
                                       : "the first step starts at 00:00");
          e.index = static_cast<std::int32_t>(d);
          return e;
        }
      }
      break;
    }
  }
  if (entry.patient_bolus) {
    const therapy::PatientBolusSettings& b = *entry.patient_bolus;
    if (b.enabled && (b.dose.count() <= 0 || b.max_per_24h == 0 || b.duration.count() <= 0 ||
                      b.lockout.count() < 0)) {
      return make_error(ErrorCode::kInvalidArgument, "patient_bolus",
                        "a patient bolus needs a dose, a duration, a lockout and at least one "
                        "bolus per 24 h");
    }
    rx.patient_bolus = b;
  }
  return rx;
}

Status check_against_reservoir(const PrescriptionEntry& entry, const therapy::Drug& reservoir_drug,
                               Concentration reservoir_concentration) {
  if (std::strcmp(entry.drug.name.data(), reservoir_drug.name.data()) != 0 ||
      entry.drug.unit != reservoir_drug.unit) {
    return make_error(ErrorCode::kMismatch, "drug",
                      "is not the drug in the reservoir: another drug is put in by a refill");
  }
  if (entry.concentration != reservoir_concentration) {
    return make_error(ErrorCode::kMismatch, "concentration",
                      "is not the concentration in the reservoir: check the refill record; a "
                      "new concentration is put in by a refill");
  }
  return Status::Ok();
}

}  // namespace itdd::programmer

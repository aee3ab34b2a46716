#include "itdd/therapy/prescription.h"

namespace itdd::therapy {
namespace {

// Highest concentration the implant accepts for any drug (100 mg/mL); above that a typo is far
// more likely than a real solution.
constexpr Concentration kMaxConcentration{100 * kNanogramsPerMilligram};

// Flex rates may run 5/4 as fast while the schedule re-aligns after a clock change
// (see delivery/stroke_scheduler.h), so their headroom is checked at that speed.
constexpr std::int64_t kSlewNumerator = 5;
constexpr std::int64_t kSlewDenominator = 4;

bool valid_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

Status validate_drug(const Drug& drug) {
  std::size_t length = 0;
  while (length < drug.name.size() && drug.name[length] != '\0') {
    if (!valid_name_char(drug.name[length])) {
      return make_error(ErrorCode::kInvalidArgument, "drug",
                        "drug name may hold only a-z, 0-9, '-' and '_'");
    }
    ++length;
  }
  if (length == 0) return make_error(ErrorCode::kInvalidArgument, "drug", "drug name is empty");
  if (length == drug.name.size()) {
    return make_error(ErrorCode::kInvalidArgument, "drug", "drug name is too long");
  }
  if (drug.unit != DoseUnit::kMilligram && drug.unit != DoseUnit::kMicrogram) {
    return make_error(ErrorCode::kInvalidArgument, "drug", "unknown dose unit");
  }
  return Status::Ok();
}

Status validate_flow(FlowRate flow, const PumpModel& pump, const char* field, std::int32_t index,
                     std::int32_t sub_index) {
  if (flow.count() == 0) return Status::Ok();
  if (flow < pump.min_rate) {
    return with_limit(
        make_error(ErrorCode::kInvalidArgument, field,
                   "rate is below the pump's minimum programmable rate", index, sub_index),
        ErrorLimit::kMinimum, ErrorUnit::kNanolitresPerDay, flow.count(), pump.min_rate.count());
  }
  if (flow * kSlewNumerator > pump.max_rate * kSlewDenominator) {
    // A step's highest rate leaves room for the 5/4 re-alignment after a clock change: the
    // step allowed is the maximum x 4/5, rounded down.
    return with_limit(make_error(ErrorCode::kInvalidArgument, field,
                                 "rate is above the pump's maximum rate", index, sub_index),
                      ErrorLimit::kMaximum, ErrorUnit::kNanolitresPerDay, flow.count(),
                      pump.max_rate.count() * kSlewDenominator / kSlewNumerator);
  }
  return Status::Ok();
}

Status validate_day(const Prescription& rx, const DayProgram& day, const PumpModel& pump,
                    std::int32_t day_index) {
  if (day.step_count == 0) {
    return make_error(ErrorCode::kInvalidArgument, "flex.steps", "a day needs at least one step",
                      day_index);
  }
  if (day.step_count > kMaxStepsPerDay) {
    return make_error(ErrorCode::kInvalidArgument, "flex.steps", "more than 48 steps in a day",
                      day_index);
  }
  if (day.steps[0].start_minute() != 0) {
    return make_error(ErrorCode::kInvalidArgument, "flex.steps.start",
                      "the first step of a day must start at 00:00", day_index, 0);
  }
  for (std::int32_t i = 0; i < day.step_count; ++i) {
    const FlexStep& step = day.steps[static_cast<std::size_t>(i)];
    // A step made by FlexStep::make always starts within the day; one restored from flash is
    // bytes, checked here too.
    if (step.start_minute() < 0 || step.start_minute() >= kMinutesPerDay) {
      return make_error(ErrorCode::kInvalidArgument, "flex.steps.start",
                        "start must be between 00:00 and 23:59", day_index, i);
    }
    if (i > 0 && step.start_minute() <= day.steps[static_cast<std::size_t>(i - 1)].start_minute()) {
      return make_error(ErrorCode::kInvalidArgument, "flex.steps.start",
                        "steps must be in increasing order of start time", day_index, i);
    }
    if (step.dose_rate().count() > 0 && flow_of(rx, step.dose_rate()).count() == 0) {
      return make_error(ErrorCode::kInvalidArgument, "flex.steps.dose_per_day",
                        "dose is too small to deliver at this concentration", day_index, i);
    }
    Status s =
        validate_flow(flow_of(rx, step.dose_rate()), pump, "flex.steps.dose_per_day", day_index, i);
    if (!s) return s;
  }
  return Status::Ok();
}

FlowRate highest_basal_flow(const Prescription& rx) {
  if (rx.mode == BasalMode::kContinuous) return flow_of(rx, rx.continuous_dose);
  if (rx.mode != BasalMode::kFlexible) return FlowRate(0);
  FlowRate highest{0};
  const int day_count = rx.flex.per_weekday ? 7 : 1;
  for (int d = 0; d < day_count; ++d) {
    const DayProgram& day = rx.flex.days[static_cast<std::size_t>(d)];
    for (std::size_t i = 0; i < day.step_count && i < kMaxStepsPerDay; ++i) {
      const FlowRate f = flow_of(rx, day.steps[i].dose_rate());
      if (f > highest) highest = f;
    }
  }
  return highest;
}

Status validate_patient_bolus(const Prescription& rx, const PumpModel& pump) {
  const PatientBolusSettings& pb = rx.patient_bolus;
  if (!pb.enabled) return Status::Ok();
  if (pb.dose.count() <= 0) {
    return make_error(ErrorCode::kInvalidArgument, "patient_bolus.dose", "dose must be positive");
  }
  if (patient_bolus_volume(rx) < pump.stroke_volume) {
    return make_error(ErrorCode::kInvalidArgument, "patient_bolus.dose",
                      "dose is smaller than one pump stroke at this concentration");
  }
  if (pb.duration < kMinBolusDuration || pb.duration > kMaxBolusDuration) {
    return make_error(ErrorCode::kInvalidArgument, "patient_bolus.duration",
                      "duration must be between 1 minute and 24 hours");
  }
  const std::uint8_t cap = pump.max_patient_boluses_per_day < kMaxPatientBolusesPer24h
                               ? pump.max_patient_boluses_per_day
                               : kMaxPatientBolusesPer24h;
  if (pb.max_per_24h == 0 || pb.max_per_24h > cap) {
    return make_error(ErrorCode::kInvalidArgument, "patient_bolus.max_per_24h",
                      "must be at least 1 and at most the pump's limit");
  }
  if (pb.lockout < pb.duration) {
    return make_error(ErrorCode::kInvalidArgument, "patient_bolus.lockout",
                      "lockout must be at least the bolus duration");
  }
  if (pb.lockout > hours(24)) {
    return make_error(ErrorCode::kInvalidArgument, "patient_bolus.lockout",
                      "lockout must be at most 24 hours");
  }
  const FlowRate total = highest_basal_flow(rx) * kSlewNumerator + patient_bolus_flow(rx) * 4;
  if (total > pump.max_rate * kSlewDenominator) {
    return make_error(ErrorCode::kInvalidArgument, "patient_bolus.duration",
                      "bolus on top of the basal rate exceeds the pump's maximum rate");
  }
  return Status::Ok();
}

}  // namespace

Status FlexStep::set(std::int64_t start_minute, DoseRate dose, std::int32_t day_index,
                     std::int32_t step_index) {
  if (start_minute < 0 || start_minute >= kMinutesPerDay) {
    return make_error(ErrorCode::kInvalidArgument, "flex.steps.start",
                      "start must be between 00:00 and 23:59", day_index, step_index);
  }
  if (dose.count() < 0) {
    return make_error(ErrorCode::kInvalidArgument, "flex.steps.dose_per_day",
                      "dose must not be negative", day_index, step_index);
  }
  if (dose.count() > kMaxDoseNgPerDay) {
    // The values travel with the refusal; the text names the maximum itself, as the unit of
    // the values (ng/day of any drug) is not one the host prints. Filled in in one Error (not
    // with_limit's copy of it): this runs under a program command's decoding, on the image's
    // deepest stack path (docs/footprint.md).
    Error e = make_error(ErrorCode::kInvalidArgument, "flex.steps.dose_per_day",
                         "dose is above 4,294,967,295 ng/day (4.29 g/day), the most a step holds",
                         day_index, step_index);
    e.values = ErrorValues{ErrorLimit::kMaximum, ErrorUnit::kNone, dose.count(), kMaxDoseNgPerDay};
    return e;
  }
  start_minute_ = static_cast<std::uint16_t>(start_minute);
  dose_ng_per_day_ = static_cast<std::uint32_t>(dose.count());
  return Status::Ok();
}

Result<FlexStep> FlexStep::make(std::int64_t start_minute, DoseRate dose) {
  FlexStep step;
  if (Status s = step.set(start_minute, dose); !s) return s.error();
  return step;
}

bool Drug::operator==(const Drug& o) const {
  if (unit != o.unit) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (name[i] != o.name[i]) return false;
    if (name[i] == '\0') return true;
  }
  return true;
}

Drug make_drug(const char* name, DoseUnit unit) {
  Drug d;
  d.unit = unit;
  std::size_t i = 0;
  for (; name != nullptr && name[i] != '\0' && i + 1 < d.name.size(); ++i) d.name[i] = name[i];
  // A name that does not fit is kept one character too long so validation refuses it.
  if (name != nullptr && name[i] != '\0') d.name.fill('x');
  return d;
}

FlowRate flow_of(const Prescription& rx, DoseRate dose) {
  return flow_for(dose, rx.concentration);
}

Volume patient_bolus_volume(const Prescription& rx) {
  return volume_holding(rx.patient_bolus.dose, rx.concentration);
}

FlowRate patient_bolus_flow(const Prescription& rx) {
  const std::int64_t ms = rx.patient_bolus.duration.count();
  if (ms <= 0) return FlowRate(0);
  return FlowRate(detail::mul_div(patient_bolus_volume(rx).count(), kMillisPerDay, ms));
}

Volume basal_volume_per_day(const Prescription& rx, Weekday wd) {
  if (rx.mode == BasalMode::kContinuous)
    return volume_over(flow_of(rx, rx.continuous_dose), days(1));
  if (rx.mode != BasalMode::kFlexible) return Volume(0);
  const DayProgram& day = rx.flex.day(wd);
  Volume total{0};
  for (std::size_t i = 0; i < day.step_count && i < kMaxStepsPerDay; ++i) {
    const std::int32_t end =
        i + 1 < day.step_count ? day.steps[i + 1].start_minute() : kMinutesPerDay;
    total += volume_over(flow_of(rx, day.steps[i].dose_rate()),
                         minutes(end - day.steps[i].start_minute()));
  }
  return total;
}

DoseRate basal_daily_dose(const Prescription& rx, Weekday wd) {
  if (rx.mode == BasalMode::kContinuous) return rx.continuous_dose;
  if (rx.mode != BasalMode::kFlexible) return DoseRate(0);
  const DayProgram& day = rx.flex.day(wd);
  Int128 ng_minutes = 0;
  for (std::size_t i = 0; i < day.step_count && i < kMaxStepsPerDay; ++i) {
    const std::int32_t end =
        i + 1 < day.step_count ? day.steps[i + 1].start_minute() : kMinutesPerDay;
    ng_minutes +=
        static_cast<Int128>(day.steps[i].dose_rate().count()) * (end - day.steps[i].start_minute());
  }
  return DoseRate(static_cast<std::int64_t>(ng_minutes / kMinutesPerDay));
}

std::int64_t max_patient_boluses_per_day(const PatientBolusSettings& pb) {
  if (!pb.enabled || pb.max_per_24h == 0) return 0;
  const std::int64_t by_lockout =
      pb.lockout.count() > 0 ? (kMillisPerDay + pb.lockout.count() - 1) / pb.lockout.count()
                             : pb.max_per_24h;
  return by_lockout < pb.max_per_24h ? by_lockout : pb.max_per_24h;
}

const char* first_difference(const Prescription& a, const Prescription& b) {
  if (!(a.drug == b.drug)) return "drug";
  if (a.concentration != b.concentration) return "concentration";
  if (a.mode != b.mode) return "mode";
  if (a.continuous_dose != b.continuous_dose) return "continuous_dose";
  if (a.flex.per_weekday != b.flex.per_weekday) return "flex.per_weekday";
  for (std::size_t d = 0; d < a.flex.days.size(); ++d) {
    const DayProgram& x = a.flex.days[d];
    const DayProgram& y = b.flex.days[d];
    if (x.step_count != y.step_count) return "flex.days.steps";
    for (std::size_t i = 0; i < x.step_count && i < kMaxStepsPerDay; ++i) {
      if (!(x.steps[i] == y.steps[i])) {
        return "flex.days.steps";
      }
    }
  }
  const PatientBolusSettings& p = a.patient_bolus;
  const PatientBolusSettings& q = b.patient_bolus;
  if (p.enabled != q.enabled || p.dose != q.dose || p.duration != q.duration ||
      p.max_per_24h != q.max_per_24h || p.lockout != q.lockout) {
    return "patient_bolus";
  }
  return nullptr;
}

Status validate(const Prescription& rx, const PumpModel& pump) {
  if (Status s = validate_drug(rx.drug); !s) return s;
  if (rx.concentration.count() <= 0) {
    return make_error(ErrorCode::kInvalidArgument, "concentration", "must be positive");
  }
  if (rx.concentration > kMaxConcentration) {
    return make_error(ErrorCode::kInvalidArgument, "concentration",
                      "above 100 mg/mL, the implant's hard limit");
  }
  switch (rx.mode) {
    case BasalMode::kStopped:
      break;
    case BasalMode::kContinuous: {
      if (rx.continuous_dose.count() <= 0) {
        return make_error(ErrorCode::kInvalidArgument, "dose_per_day", "dose must be positive");
      }
      const FlowRate flow = flow_of(rx, rx.continuous_dose);
      if (flow < pump.min_rate) {
        return with_limit(make_error(ErrorCode::kInvalidArgument, "dose_per_day",
                                     "rate is below the pump's minimum programmable rate"),
                          ErrorLimit::kMinimum, ErrorUnit::kNanolitresPerDay, flow.count(),
                          pump.min_rate.count());
      }
      if (flow > pump.max_rate) {
        return with_limit(make_error(ErrorCode::kInvalidArgument, "dose_per_day",
                                     "rate is above the pump's maximum rate"),
                          ErrorLimit::kMaximum, ErrorUnit::kNanolitresPerDay, flow.count(),
                          pump.max_rate.count());
      }
      break;
    }
    case BasalMode::kFlexible: {
      const int day_count = rx.flex.per_weekday ? 7 : 1;
      for (int d = 0; d < day_count; ++d) {
        Status s = validate_day(rx, rx.flex.days[static_cast<std::size_t>(d)], pump,
                                rx.flex.per_weekday ? d : -1);
        if (!s) return s;
      }
      break;
    }
    default:
      return make_error(ErrorCode::kInvalidArgument, "mode", "unknown mode");
  }
  return validate_patient_bolus(rx, pump);
}

}  // namespace itdd::therapy

#include "itdd/protocol/prescription_wire.h"

#include <limits>

namespace itdd::protocol {
namespace {

using therapy::BasalMode;
using therapy::kDrugNameLength;
using therapy::kMaxStepsPerDay;

constexpr std::size_t kDays = 7;
static_assert(sizeof(itdd_Drug::name) == kDrugNameLength, "drug name sizes must agree");
static_assert(sizeof(itdd_DayProgram::steps) / sizeof(itdd_FlexStep) == kMaxStepsPerDay,
              "steps per day must agree");
static_assert(sizeof(itdd_FlexProgram::days) / sizeof(itdd_DayProgram) == kDays,
              "one day program per weekday");

Error invalid(const char* field, const char* message, std::int32_t index = -1,
              std::int32_t sub_index = -1) {
  return make_error(ErrorCode::kInvalidArgument, field, message, index, sub_index);
}

// Copies a NUL-terminated name of at most kDrugNameLength - 1 characters, zero-filling the
// rest; false if there is no NUL.
bool copy_name(const char* from, char* to) {
  std::size_t n = 0;
  while (n < kDrugNameLength && from[n] != '\0') ++n;
  if (n == kDrugNameLength) return false;
  for (std::size_t i = 0; i < kDrugNameLength; ++i) to[i] = i < n ? from[i] : '\0';
  return true;
}

}  // namespace

Status drug_to_wire(const therapy::Drug& drug, itdd_Drug& out) {
  out = itdd_Drug{};
  if (!copy_name(drug.name.data(), out.name)) {
    return invalid("drug.name", "drug name has no terminating NUL");
  }
  switch (drug.unit) {
    case DoseUnit::kMilligram:
      out.unit = itdd_DoseUnit_DOSE_UNIT_MILLIGRAM;
      return Status::Ok();
    case DoseUnit::kMicrogram:
      out.unit = itdd_DoseUnit_DOSE_UNIT_MICROGRAM;
      return Status::Ok();
  }
  return invalid("drug.unit", "unknown dose unit");
}

Status drug_from_wire(const itdd_Drug& wire, therapy::Drug& out) {
  out = therapy::Drug{};
  if (!copy_name(wire.name, out.name.data())) return invalid("drug.name", "drug name is too long");
  switch (raw_enum(wire.unit)) {
    case itdd_DoseUnit_DOSE_UNIT_MILLIGRAM:
      out.unit = DoseUnit::kMilligram;
      return Status::Ok();
    case itdd_DoseUnit_DOSE_UNIT_MICROGRAM:
      out.unit = DoseUnit::kMicrogram;
      return Status::Ok();
    default:
      return invalid("drug.unit", "unknown dose unit");
  }
}

Status prescription_to_wire(const therapy::Prescription& rx, WirePrescription& out) {
  out = WirePrescription{};
  out.has_drug = true;
  if (Status s = drug_to_wire(rx.drug, out.drug); !s) return s;
  out.concentration_ng_per_ml = rx.concentration.count();
  switch (rx.mode) {
    case BasalMode::kStopped:
      out.mode = itdd_BasalMode_BASAL_MODE_STOPPED;
      break;
    case BasalMode::kContinuous:
      out.mode = itdd_BasalMode_BASAL_MODE_CONTINUOUS;
      break;
    case BasalMode::kFlexible:
      out.mode = itdd_BasalMode_BASAL_MODE_FLEXIBLE;
      break;
    default:
      return invalid("mode", "unknown basal mode");
  }
  out.continuous_dose_ng_per_day = rx.continuous_dose.count();

  out.has_flex = true;
  out.flex.per_weekday = rx.flex.per_weekday;
  // Days up to the last one that has steps; the receiver takes missing days as empty.
  std::size_t days = 0;
  for (std::size_t d = 0; d < kDays; ++d) {
    const therapy::DayProgram& day = rx.flex.days[d];
    if (day.step_count > kMaxStepsPerDay) {
      return invalid("flex.days.steps", "more steps than a day can hold",
                     static_cast<std::int32_t>(d));
    }
    itdd_DayProgram& wire_day = out.flex.days[d];
    wire_day.steps_count = day.step_count;
    for (std::size_t i = 0; i < day.step_count; ++i) {
      wire_day.steps[i].start_minute = day.steps[i].start_minute();
      wire_day.steps[i].dose_ng_per_day = day.steps[i].dose_rate().count();
    }
    if (day.step_count > 0) days = d + 1;
  }
  out.flex.days_count = static_cast<pb_size_t>(days);

  const therapy::PatientBolusSettings& pb = rx.patient_bolus;
  out.has_patient_bolus = true;
  out.patient_bolus.enabled = pb.enabled;
  out.patient_bolus.dose_ng = pb.dose.count();
  out.patient_bolus.duration_ms = pb.duration.count();
  out.patient_bolus.max_per_24h = pb.max_per_24h;
  out.patient_bolus.lockout_ms = pb.lockout.count();
  return Status::Ok();
}

Result<WirePrescription> prescription_to_wire(const therapy::Prescription& rx) {
  WirePrescription wire{};
  if (Status s = prescription_to_wire(rx, wire); !s) return s.error();
  return wire;
}

Status prescription_from_wire(const WirePrescription& wire, therapy::Prescription& out) {
  out = therapy::Prescription{};
  if (!wire.has_drug) return invalid("drug", "the prescription names no drug");
  if (Status s = drug_from_wire(wire.drug, out.drug); !s) return s;
  out.concentration = Concentration(wire.concentration_ng_per_ml);
  switch (raw_enum(wire.mode)) {
    case itdd_BasalMode_BASAL_MODE_STOPPED:
      out.mode = BasalMode::kStopped;
      break;
    case itdd_BasalMode_BASAL_MODE_CONTINUOUS:
      out.mode = BasalMode::kContinuous;
      break;
    case itdd_BasalMode_BASAL_MODE_FLEXIBLE:
      out.mode = BasalMode::kFlexible;
      break;
    default:
      return invalid("mode", "unknown basal mode");
  }
  out.continuous_dose = DoseRate(wire.continuous_dose_ng_per_day);

  if (wire.has_flex) {
    out.flex.per_weekday = wire.flex.per_weekday;
    if (wire.flex.days_count > kDays) return invalid("flex.days", "more than seven days");
    for (std::size_t d = 0; d < wire.flex.days_count; ++d) {
      const itdd_DayProgram& wire_day = wire.flex.days[d];
      if (wire_day.steps_count > kMaxStepsPerDay) {
        return invalid("flex.days.steps", "more than 48 steps in a day",
                       static_cast<std::int32_t>(d));
      }
      therapy::DayProgram& day = out.flex.days[d];
      day.step_count = static_cast<std::uint8_t>(wire_day.steps_count);
      // A step that does not fit the implant's (a start outside the day, a negative dose or
      // one above FlexStep::kMaxDoseNgPerDay) is refused here, naming the day and the step.
      const std::int32_t day_index =
          wire.flex.per_weekday || d > 0 ? static_cast<std::int32_t>(d) : -1;
      for (std::size_t i = 0; i < wire_day.steps_count; ++i) {
        if (Status s = day.set_step(i, wire_day.steps[i].start_minute,
                                    DoseRate(wire_day.steps[i].dose_ng_per_day), day_index);
            !s) {
          return s;
        }
      }
    }
  }

  if (wire.has_patient_bolus) {
    const itdd_PatientBolusSettings& pb = wire.patient_bolus;
    if (pb.max_per_24h > std::numeric_limits<std::uint8_t>::max()) {
      return invalid("patient_bolus.max_per_24h", "more boluses a day than the implant counts");
    }
    out.patient_bolus.enabled = pb.enabled;
    out.patient_bolus.dose = DrugAmount(pb.dose_ng);
    out.patient_bolus.duration = Duration(pb.duration_ms);
    out.patient_bolus.max_per_24h = static_cast<std::uint8_t>(pb.max_per_24h);
    out.patient_bolus.lockout = Duration(pb.lockout_ms);
  }
  return Status::Ok();
}

Result<therapy::Prescription> prescription_from_wire(const WirePrescription& wire) {
  therapy::Prescription rx{};
  if (Status s = prescription_from_wire(wire, rx); !s) return s.error();
  return rx;
}

Status validated_prescription_from_wire(const WirePrescription& wire,
                                        const therapy::PumpModel& pump,
                                        therapy::Prescription& out) {
  if (Status s = prescription_from_wire(wire, out); !s) return s;
  return therapy::validate(out, pump);
}

Result<therapy::Prescription> validated_prescription_from_wire(const WirePrescription& wire,
                                                               const therapy::PumpModel& pump) {
  therapy::Prescription rx{};
  if (Status s = validated_prescription_from_wire(wire, pump, rx); !s) return s.error();
  return rx;
}

}  // namespace itdd::protocol

#include "itdd/protocol/prescription_wire.h"

#include <limits>

#include "itdd/protocol/implant_messages.h"

namespace itdd::protocol {
namespace {

using therapy::BasalMode;
using therapy::kDrugNameLength;
using therapy::kMaxStepsPerDay;

constexpr std::size_t kDays = 7;
static_assert(sizeof(itdd_Drug::name) == kDrugNameLength, "drug name sizes must agree");
static_assert(sizeof(itdd_implant_Drug::name) == kDrugNameLength, "drug name sizes must agree");
static_assert(sizeof(itdd_DayProgram::steps) / sizeof(itdd_FlexStep) == kMaxStepsPerDay,
              "steps per day must agree");
static_assert(sizeof(itdd_FlexProgram::days) / sizeof(itdd_DayProgram) == kDays,
              "one day program per weekday");
// The implant's view names the same enum values (one schema): the conversions below read and
// write both views through the host's names.
static_assert(int{itdd_implant_DoseUnit_DOSE_UNIT_MILLIGRAM} ==
                  int{itdd_DoseUnit_DOSE_UNIT_MILLIGRAM} &&
              int{itdd_implant_DoseUnit_DOSE_UNIT_MICROGRAM} ==
                  int{itdd_DoseUnit_DOSE_UNIT_MICROGRAM});
static_assert(int{itdd_implant_BasalMode_BASAL_MODE_STOPPED} ==
                  int{itdd_BasalMode_BASAL_MODE_STOPPED} &&
              int{itdd_implant_BasalMode_BASAL_MODE_CONTINUOUS} ==
                  int{itdd_BasalMode_BASAL_MODE_CONTINUOUS} &&
              int{itdd_implant_BasalMode_BASAL_MODE_FLEXIBLE} ==
                  int{itdd_BasalMode_BASAL_MODE_FLEXIBLE});

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

// The conversions of both views (itdd_* and itdd_implant_*: the same fields), all but the days.
template <class WireDrug>
Status drug_to(const therapy::Drug& drug, WireDrug& out) {
  out = WireDrug{};
  if (!copy_name(drug.name.data(), out.name)) {
    return invalid("drug.name", "drug name has no terminating NUL");
  }
  switch (drug.unit) {
    case DoseUnit::kMilligram:
      set_raw_enum(out.unit, itdd_DoseUnit_DOSE_UNIT_MILLIGRAM);
      return Status::Ok();
    case DoseUnit::kMicrogram:
      set_raw_enum(out.unit, itdd_DoseUnit_DOSE_UNIT_MICROGRAM);
      return Status::Ok();
  }
  return invalid("drug.unit", "unknown dose unit");
}

template <class WireDrug>
Status drug_from(const WireDrug& wire, therapy::Drug& out) {
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

// The drug, concentration, mode and continuous dose; `out` cleared first but for its flex
// program (the days, which each view writes its own way).
template <class WireRx>
Status head_to(const therapy::Prescription& rx, WireRx& out) {
  out.has_drug = true;
  if (Status s = drug_to(rx.drug, out.drug); !s) return s;
  out.concentration_ng_per_ml = rx.concentration.count();
  switch (rx.mode) {
    case BasalMode::kStopped:
      set_raw_enum(out.mode, itdd_BasalMode_BASAL_MODE_STOPPED);
      break;
    case BasalMode::kContinuous:
      set_raw_enum(out.mode, itdd_BasalMode_BASAL_MODE_CONTINUOUS);
      break;
    case BasalMode::kFlexible:
      set_raw_enum(out.mode, itdd_BasalMode_BASAL_MODE_FLEXIBLE);
      break;
    default:
      return invalid("mode", "unknown basal mode");
  }
  out.continuous_dose_ng_per_day = rx.continuous_dose.count();
  out.has_flex = true;
  out.flex.per_weekday = rx.flex.per_weekday;
  return Status::Ok();
}

template <class WireRx>
void bolus_to(const therapy::Prescription& rx, WireRx& out) {
  const therapy::PatientBolusSettings& pb = rx.patient_bolus;
  out.has_patient_bolus = true;
  out.patient_bolus.enabled = pb.enabled;
  out.patient_bolus.dose_ng = pb.dose.count();
  out.patient_bolus.duration_ms = pb.duration.count();
  out.patient_bolus.max_per_24h = pb.max_per_24h;
  out.patient_bolus.lockout_ms = pb.lockout.count();
}

// The first day with more steps than the wire can carry (-1: none).
std::int32_t overfull_day(const therapy::FlexProgram& flex) {
  for (std::size_t d = 0; d < kDays; ++d) {
    if (flex.days[d].step_count > kMaxStepsPerDay) return static_cast<std::int32_t>(d);
  }
  return -1;
}

Error too_many_steps(std::int32_t day) {
  return invalid("flex.days.steps", "more steps than a day can hold", day);
}

// The drug to the continuous dose from the wire, into an `out` whose other fields are as they
// were cleared (the flex program and the patient bolus are read after).
template <class WireRx>
Status head_from(const WireRx& wire, therapy::Prescription& out) {
  if (!wire.has_drug) return invalid("drug", "the prescription names no drug");
  if (Status s = drug_from(wire.drug, out.drug); !s) return s;
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
  return Status::Ok();
}

template <class WireRx>
Status bolus_from(const WireRx& wire, therapy::Prescription& out) {
  if (wire.has_patient_bolus) {
    const auto& pb = wire.patient_bolus;
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

}  // namespace

Status drug_to_wire(const therapy::Drug& drug, itdd_Drug& out) {
  return drug_to(drug, out);
}
Status drug_to_wire(const therapy::Drug& drug, itdd_implant_Drug& out) {
  return drug_to(drug, out);
}
Status drug_from_wire(const itdd_Drug& wire, therapy::Drug& out) {
  return drug_from(wire, out);
}
Status drug_from_wire(const itdd_implant_Drug& wire, therapy::Drug& out) {
  return drug_from(wire, out);
}

Status prescription_to_wire(const therapy::Prescription& rx, WirePrescription& out) {
  out = WirePrescription{};
  if (Status s = head_to(rx, out); !s) return s;
  if (const std::int32_t d = overfull_day(rx.flex); d >= 0) return too_many_steps(d);
  // Days up to the last one that has steps; the receiver takes missing days as empty.
  std::size_t days = 0;
  for (std::size_t d = 0; d < kDays; ++d) {
    const therapy::DayProgram& day = rx.flex.days[d];
    itdd_DayProgram& wire_day = out.flex.days[d];
    wire_day.steps_count = day.step_count;
    for (std::size_t i = 0; i < day.step_count; ++i) {
      wire_day.steps[i].start_minute = day.steps[i].start_minute();
      wire_day.steps[i].dose_ng_per_day = day.steps[i].dose_rate().count();
    }
    if (day.step_count > 0) days = d + 1;
  }
  out.flex.days_count = static_cast<pb_size_t>(days);
  bolus_to(rx, out);
  return Status::Ok();
}

Status prescription_to_wire(const therapy::Prescription& rx, itdd_implant_Prescription& out) {
  out = itdd_implant_Prescription{};
  if (Status s = head_to(rx, out); !s) return s;
  if (const std::int32_t d = overfull_day(rx.flex); d >= 0) return too_many_steps(d);
  // The same days, written when the message is (nanopb's argument is not const; the callback
  // only reads through it).
  out.flex.days.funcs.encode = &encode_implant_days;
  out.flex.days.arg = const_cast<therapy::FlexProgram*>(&rx.flex);
  bolus_to(rx, out);
  return Status::Ok();
}

Result<WirePrescription> prescription_to_wire(const therapy::Prescription& rx) {
  WirePrescription wire{};
  if (Status s = prescription_to_wire(rx, wire); !s) return s.error();
  return wire;
}

Status prescription_from_wire(const WirePrescription& wire, therapy::Prescription& out) {
  out = therapy::Prescription{};
  if (Status s = head_from(wire, out); !s) return s;
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
  return bolus_from(wire, out);
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

Status validated_prescription_from_wire(const itdd_implant_Prescription& wire,
                                        const RefusedStep& refused_step,
                                        const therapy::PumpModel& pump, therapy::Prescription& rx) {
  // prescription_from_wire()'s steps in its order, but in place: everything cleared except the
  // days and steps, which were decoded into `rx` (the decoder refused more than seven days or
  // 48 steps a day, as nanopb does for the host's view, so the count checks have passed).
  // (head_from() writes the drug, concentration, mode and continuous dose whenever it succeeds.)
  rx.patient_bolus = therapy::PatientBolusSettings{};
  if (Status s = head_from(wire, rx); !s) return s;
  rx.flex.per_weekday = wire.has_flex && wire.flex.per_weekday;
  if (refused_step.any) {
    // Refused again, as prescription_from_wire() refuses it (its day named unless the program
    // holds one day for all).
    const std::int32_t day_index =
        rx.flex.per_weekday || refused_step.day > 0 ? std::int32_t{refused_step.day} : -1;
    const Status s = rx.flex.days[refused_step.day % kDays].set_step(
        refused_step.step % kMaxStepsPerDay, refused_step.start_minute,
        DoseRate(refused_step.dose_ng_per_day), day_index);
    if (!s) return s;
  }
  if (Status s = bolus_from(wire, rx); !s) return s;
  return therapy::validate(rx, pump);
}

Result<therapy::Prescription> validated_prescription_from_wire(const WirePrescription& wire,
                                                               const therapy::PumpModel& pump) {
  therapy::Prescription rx{};
  if (Status s = validated_prescription_from_wire(wire, pump, rx); !s) return s.error();
  return rx;
}

}  // namespace itdd::protocol

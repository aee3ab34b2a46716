// The prescription between the implant's form (itdd::therapy::Prescription) and the wire's
// (itdd_Prescription). Usable on the implant: no heap, no exceptions, bounded loops.
//
// From the wire nothing is trusted: enums out of range, counts over the implant's arrays and
// values that do not fit its types are refused with the field at fault (paths relative to the
// Prescription message: "drug.unit", "mode", "flex.days", "flex.days.steps" with the day as
// index, "patient_bolus.max_per_24h"), and validated_prescription_from_wire() then applies the
// implant's own therapy::validate against its pump model.
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>

#include "itdd/core/result.h"
#include "itdd/protocol/itdd.pb.h"
#include "itdd/therapy/prescription.h"
#include "itdd/therapy/pump_model.h"

namespace itdd::protocol {

using WirePrescription = itdd_Prescription;

// A drug (name and dose unit) both ways; from the wire a name without its NUL or an unknown
// unit is refused ("drug.name", "drug.unit").
Status drug_to_wire(const therapy::Drug& drug, itdd_Drug& out);
Status drug_from_wire(const itdd_Drug& wire, therapy::Drug& out);

// The implant's prescription on the wire. Refuses only what the wire cannot carry: a day with
// more steps than kMaxStepsPerDay, an unknown mode or dose unit, a drug name without its NUL.
Status prescription_to_wire(const therapy::Prescription& rx, WirePrescription& out);
Result<WirePrescription> prescription_to_wire(const therapy::Prescription& rx);

// The wire's prescription in the implant's form, checked for structure only (what a programmer
// uses to show an implant's prescription).
Status prescription_from_wire(const WirePrescription& wire, therapy::Prescription& out);
Result<therapy::Prescription> prescription_from_wire(const WirePrescription& wire);

// The same, then therapy::validate against `pump`: what the implant accepts to program.
Status validated_prescription_from_wire(const WirePrescription& wire,
                                        const therapy::PumpModel& pump, therapy::Prescription& out);
Result<therapy::Prescription> validated_prescription_from_wire(const WirePrescription& wire,
                                                               const therapy::PumpModel& pump);

// An enum field of a nanopb struct as the integer it holds. Decoding may leave any value the
// wire carried in an enum field; reading it as its enum type would then be undefined in C++.
template <class Enum>
std::int64_t raw_enum(const Enum& field) {
  static_assert(std::is_enum_v<Enum>);
  std::underlying_type_t<Enum> value{};
  static_assert(sizeof(value) == sizeof(field));
  std::memcpy(&value, &field, sizeof(value));
  return static_cast<std::int64_t>(value);
}

// Stores any integer in an enum field, as decoding from the wire may (tests and fuzzers).
template <class Enum>
void set_raw_enum(Enum& field, std::int64_t raw) {
  static_assert(std::is_enum_v<Enum>);
  const auto value = static_cast<std::underlying_type_t<Enum>>(raw);
  static_assert(sizeof(value) == sizeof(field));
  std::memcpy(&field, &value, sizeof(value));
}

}  // namespace itdd::protocol

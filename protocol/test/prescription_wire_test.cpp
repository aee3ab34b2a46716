#include "itdd/protocol/prescription_wire.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cstring>
#include <vector>

#include "../../firmware/therapy/test/test_prescriptions.h"
#include "itdd/protocol/messages.h"
#include "sample_messages.h"
#include "test_support.h"

namespace itdd::protocol {
namespace {

using testing::expect_error;

const therapy::PumpModel kPump{};

// Field by field: a Prescription has no operator== (the name too, byte by byte).
bool same(const therapy::Prescription& a, const therapy::Prescription& b) {
  return a.drug.name == b.drug.name && therapy::testing::same_prescription(a, b);
}

// The implant's prescription through a ProgramPrescription request on the wire and back.
Result<therapy::Prescription> through_the_wire(const therapy::Prescription& rx,
                                               const therapy::PumpModel* pump) {
  Request request{};
  request.which_payload = itdd_Request_program_tag;
  request.payload.program.has_prescription = true;
  if (Status s = prescription_to_wire(rx, request.payload.program.prescription); !s) {
    return s.error();
  }
  std::vector<std::uint8_t> buffer(kMaxPayload);
  const Result<std::size_t> n = encode(request, buffer);
  if (!n) return n.error();
  buffer.resize(*n);
  const Result<Request> back = decode_request(buffer);
  if (!back) return back.error();
  const WirePrescription& wire = back->payload.program.prescription;
  return pump != nullptr ? validated_prescription_from_wire(wire, *pump)
                         : prescription_from_wire(wire);
}

TEST(PrescriptionWire, ValidPrescriptionsRoundTripAndValidate) {
  for (const therapy::Prescription& rx :
       {samples::continuous_prescription(), samples::weekday_prescription()}) {
    ASSERT_TRUE(therapy::validate(rx, kPump).ok());
    const Result<therapy::Prescription> back = through_the_wire(rx, &kPump);
    ASSERT_TRUE(back.ok()) << back.error().field << ": " << back.error().message;
    EXPECT_TRUE(same(rx, back.value()));
  }
}

TEST(PrescriptionWire, TheWidestPrescriptionRoundTripsStructurally) {
  const therapy::Prescription rx = samples::widest_prescription();
  const Result<therapy::Prescription> back = through_the_wire(rx, nullptr);
  ASSERT_TRUE(back.ok()) << back.error().field << ": " << back.error().message;
  EXPECT_TRUE(same(rx, back.value()));
  // ...and the implant refuses it, naming a field.
  const Result<therapy::Prescription> validated = through_the_wire(rx, &kPump);
  ASSERT_FALSE(validated.ok());
  EXPECT_GT(std::strlen(validated.error().field), 0u);
}

TEST(PrescriptionWire, OnlyDaysUpToTheLastWithStepsAreSent) {
  therapy::Prescription rx = samples::continuous_prescription();
  const Result<WirePrescription> none = prescription_to_wire(rx);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->flex.days_count, 0);
  rx.flex.days[2].step_count = 1;
  const Result<WirePrescription> three = prescription_to_wire(rx);
  ASSERT_TRUE(three.ok());
  EXPECT_EQ(three->flex.days_count, 3);
}

TEST(PrescriptionWire, ToWireRefusesWhatTheWireCannotCarry) {
  therapy::Prescription rx = samples::weekday_prescription();
  rx.flex.days[4].step_count = therapy::kMaxStepsPerDay + 1;
  const Result<WirePrescription> steps = prescription_to_wire(rx);
  expect_error(steps, "flex.days.steps");
  EXPECT_EQ(steps.error().index, 4);

  rx = samples::continuous_prescription();
  rx.drug.name.fill('a');  // no NUL
  expect_error(prescription_to_wire(rx), "drug.name");

  rx = samples::continuous_prescription();
  rx.mode = static_cast<therapy::BasalMode>(9);
  expect_error(prescription_to_wire(rx), "mode");
  rx = samples::continuous_prescription();
  rx.drug.unit = static_cast<DoseUnit>(9);
  expect_error(prescription_to_wire(rx), "drug.unit");
}

WirePrescription good_wire() {
  const Result<WirePrescription> w = prescription_to_wire(samples::weekday_prescription());
  EXPECT_TRUE(w.ok());
  return w.value();
}

TEST(PrescriptionWire, FromWireRefusesOutOfRangeEnumsNamingTheField) {
  for (const std::int64_t unit : {0, 3, 1000}) {
    WirePrescription w = good_wire();
    set_raw_enum(w.drug.unit, unit);
    expect_error(prescription_from_wire(w), "drug.unit");
  }
  for (const std::int64_t mode : {0, 4, 0x7FFFFFFF}) {
    WirePrescription w = good_wire();
    set_raw_enum(w.mode, mode);
    expect_error(prescription_from_wire(w), "mode");
  }
}

TEST(PrescriptionWire, AnUnknownEnumFromTheWireIsRefusedAfterDecoding) {
  // The value travels (proto3 enums are open) and the conversion refuses it.
  Request request{};
  request.which_payload = itdd_Request_program_tag;
  request.payload.program.has_prescription = true;
  request.payload.program.prescription = good_wire();
  set_raw_enum(request.payload.program.prescription.mode, 42);
  std::vector<std::uint8_t> buffer(kMaxPayload);
  const Result<std::size_t> n = encode(request, buffer);
  ASSERT_TRUE(n.ok());
  buffer.resize(*n);
  const Result<Request> back = decode_request(buffer);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(raw_enum(back->payload.program.prescription.mode), 42);
  expect_error(validated_prescription_from_wire(back->payload.program.prescription, kPump), "mode");
}

TEST(PrescriptionWire, FromWireRefusesCountsAndValuesTheImplantCannotHold) {
  WirePrescription w = good_wire();
  w.flex.days_count = 8;
  expect_error(prescription_from_wire(w), "flex.days");

  w = good_wire();
  w.flex.days[3].steps_count = 49;
  const Result<therapy::Prescription> steps = prescription_from_wire(w);
  expect_error(steps, "flex.days.steps");
  EXPECT_EQ(steps.error().index, 3);

  w = good_wire();
  w.patient_bolus.max_per_24h = 256;
  expect_error(prescription_from_wire(w), "patient_bolus.max_per_24h");

  w = good_wire();
  w.has_drug = false;
  expect_error(prescription_from_wire(w), "drug");

  w = good_wire();
  std::memset(w.drug.name, 'a', sizeof w.drug.name);
  expect_error(prescription_from_wire(w), "drug.name");
}

TEST(PrescriptionWire, FromWireAppliesTheImplantsOwnValidation) {
  // Structurally fine, clinically not: the implant's validate names the field.
  WirePrescription w = good_wire();
  w.flex.days[1].steps[1].start_minute = 0;  // not after the first step
  ASSERT_TRUE(prescription_from_wire(w).ok());
  const Result<therapy::Prescription> r = validated_prescription_from_wire(w, kPump);
  expect_error(r, "flex.steps.start");
  EXPECT_EQ(r.error().index, 1);
  EXPECT_EQ(r.error().sub_index, 1);

  w = good_wire();
  std::strcpy(w.drug.name, "Morphine!");
  expect_error(validated_prescription_from_wire(w, kPump), "drug");

  w = good_wire();
  w.concentration_ng_per_ml = -1;
  expect_error(validated_prescription_from_wire(w, kPump), "concentration");

  Result<WirePrescription> c = prescription_to_wire(samples::continuous_prescription());
  ASSERT_TRUE(c.ok());
  c.value().continuous_dose_ng_per_day = 1;  // below the pump's minimum rate
  expect_error(validated_prescription_from_wire(c.value(), kPump), "dose_per_day");
  c.value().continuous_dose_ng_per_day = 2'000'000;
  c.value().patient_bolus.max_per_24h = 0;
  expect_error(validated_prescription_from_wire(c.value(), kPump), "patient_bolus.max_per_24h");
}

TEST(PrescriptionWire, FromWireRefusesAStepThatDoesNotFitTheImplants) {
  // A step's dose is a 32-bit count of ng/day on the implant: one above is refused, naming the
  // step and the maximum, never wrapped; the same for a negative dose and a start outside the
  // day.
  const std::int64_t max = therapy::FlexStep::kMaxDoseNgPerDay;
  WirePrescription w = good_wire();
  w.flex.days[1].steps[1].dose_ng_per_day = max;
  const Result<therapy::Prescription> at_max = prescription_from_wire(w);
  ASSERT_TRUE(at_max.ok());
  EXPECT_EQ(at_max->flex.days[1].steps[1].dose_rate(), DoseRate(max));

  w.flex.days[1].steps[1].dose_ng_per_day = max + 1;
  Result<therapy::Prescription> r = prescription_from_wire(w);
  expect_error(r, "flex.steps.dose_per_day");
  EXPECT_EQ(r.error().index, 1);
  EXPECT_EQ(r.error().sub_index, 1);
  EXPECT_NE(std::strstr(r.error().message, "4,294,967,295 ng/day"), nullptr) << r.error().message;
  EXPECT_EQ(r.error().values.limit, ErrorLimit::kMaximum);
  EXPECT_EQ(r.error().values.requested, max + 1);
  EXPECT_EQ(r.error().values.allowed, max);
  // 2^32 + 5 would wrap to 5 ng/day in 32 bits.
  w.flex.days[1].steps[1].dose_ng_per_day = (std::int64_t{1} << 32) + 5;
  expect_error(prescription_from_wire(w), "flex.steps.dose_per_day");

  w = good_wire();
  w.flex.days[1].steps[0].dose_ng_per_day = -1;
  r = prescription_from_wire(w);
  expect_error(r, "flex.steps.dose_per_day");
  EXPECT_EQ(r.error().sub_index, 0);

  w = good_wire();
  w.flex.days[2].steps[1].start_minute = therapy::kMinutesPerDay;
  r = prescription_from_wire(w);
  expect_error(r, "flex.steps.start");
  EXPECT_EQ(r.error().index, 2);
  EXPECT_EQ(r.error().sub_index, 1);
  w.flex.days[2].steps[1].start_minute = 65'536 + 60;  // 01:00 in 16 bits
  expect_error(prescription_from_wire(w), "flex.steps.start");
}

// Any prescription the implant's types can hold (names from a-z, steps within the arrays and
// within what a step holds, other values of any sign) comes back the same.
RC_GTEST_PROP(PrescriptionWireProperties, AnyStructurallyValidPrescriptionRoundTrips, ()) {
  const therapy::Prescription rx = testing::gen_prescription_in_the_implants_form(false);

  const Result<therapy::Prescription> back = through_the_wire(rx, nullptr);
  RC_ASSERT(back.ok());
  RC_ASSERT(same(rx, back.value()));
  // The implant's verdict is the same on both sides of the wire.
  RC_ASSERT(therapy::validate(rx, kPump).ok() == therapy::validate(back.value(), kPump).ok());
}

}  // namespace
}  // namespace itdd::protocol

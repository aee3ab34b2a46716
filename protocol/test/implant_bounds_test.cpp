// The implant's bounds (implant_bounds.h) are real bounds, and exact: the widest program command
// and the widest interrogation the implant's types hold encode to exactly those sizes, one value
// wider does not fit, every request and answer kind of the schema is counted, and any
// prescription in the implant's form goes in a request that fits.
#include "itdd/protocol/implant_bounds.h"

#include <gtest/gtest.h>
#include <pb_common.h>
#include <rapidcheck/gtest.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <set>
#include <vector>

#include "../../firmware/therapy/test/test_prescriptions.h"
#include "itdd/protocol/implant_messages.h"
#include "itdd/protocol/messages.h"
#include "itdd/protocol/prescription_wire.h"
#include "sample_messages.h"
#include "test_support.h"

namespace itdd::protocol {
namespace {

constexpr std::int64_t kWide = std::numeric_limits<std::int64_t>::min();      // a 10-byte varint
constexpr std::uint32_t kWide32 = std::numeric_limits<std::uint32_t>::max();  // 5 bytes

// The figures docs/footprint.md and app::kLinkBufferSize's comment give.
static_assert(kMaxImplantStepSize == 9);
static_assert(kMaxImplantFlexSize == 3'719);
static_assert(kMaxImplantRequestSize == 3'848);
static_assert(kMaxImplantAnswerSize == 4'356);

// The oneof members of `fields` (a Request's or a Response's payload kinds).
template <class Message>
std::set<std::uint32_t> oneof_tags(const pb_msgdesc_t* fields) {
  static Message m{};
  std::set<std::uint32_t> tags;
  pb_field_iter_t it;
  if (!pb_field_iter_begin(&it, fields, &m)) return tags;
  do {
    if (PB_HTYPE(it.type) == PB_HTYPE_ONEOF) tags.insert(it.tag);
  } while (pb_field_iter_next(&it));
  return tags;
}

template <std::size_t N>
std::set<std::uint32_t> counted_tags(const std::array<PayloadBound, N>& payloads) {
  std::set<std::uint32_t> tags;
  for (const PayloadBound& p : payloads) tags.insert(p.tag);
  return tags;
}

TEST(ImplantBounds, EveryKindOfRequestAndAnswerIsCounted) {
  EXPECT_EQ(oneof_tags<Request>(itdd_Request_fields), counted_tags(kImplantRequestPayloads));
  EXPECT_EQ(oneof_tags<Response>(itdd_Response_fields), counted_tags(kImplantAnswerPayloads));
}

std::size_t encoded_size(const Request& r) {
  std::vector<std::uint8_t> b(kMaxPayload);
  const Result<std::size_t> n = encode(r, b);
  EXPECT_TRUE(n.ok());
  return n.ok() ? n.value() : 0;
}

std::size_t encoded_size(const Response& r) {
  std::vector<std::uint8_t> b(kMaxPayload);
  const Result<std::size_t> n = encode(r, b);
  EXPECT_TRUE(n.ok());
  return n.ok() ? n.value() : 0;
}

// A step as FlexStep holds it at its widest: 9 bytes, 11 with its tag and length; a start of
// 1440 it does not hold, and the next varint width (a start of 16,384) only the wire carries.
TEST(ImplantBounds, TheWidestStepTheImplantHoldsIsElevenBytes) {
  const therapy::FlexStep widest = therapy::testing::flex_step(
      therapy::kMinutesPerDay - 1, DoseRate(therapy::FlexStep::kMaxDoseNgPerDay));
  EXPECT_FALSE(therapy::FlexStep::make(therapy::kMinutesPerDay, DoseRate(1)).ok());
  EXPECT_FALSE(therapy::FlexStep::make(0, DoseRate(therapy::FlexStep::kMaxDoseNgPerDay + 1)).ok());
  Request r{};
  r.which_payload = itdd_Request_program_tag;
  r.payload.program.has_prescription = true;
  itdd_FlexProgram& flex = r.payload.program.prescription.flex;
  r.payload.program.prescription.has_flex = true;
  flex.days_count = 1;
  flex.days[0].steps_count = 1;
  flex.days[0].steps[0].start_minute = widest.start_minute();
  flex.days[0].steps[0].dose_ng_per_day = widest.dose_rate().count();
  // Request: program (1 + 1), prescription (1 + 1), flex (1 + 1), day (1 + 1), step (1 + 1).
  EXPECT_EQ(encoded_size(r), 10 + kMaxImplantStepSize);
  flex.days[0].steps[0].start_minute = 16'384;
  EXPECT_EQ(encoded_size(r), 10 + kMaxImplantStepSize + 1);
}

// The widest program command the implant reads: every step as FlexStep holds it at its widest,
// every other field at the widest its nanopb struct holds (a patient bolus's daily maximum, a
// byte in the implant's form, as a full uint32: a hand-built request may carry it; the implant
// reads it and refuses it with its error).
Request widest_program() {
  Request r{};
  r.request_id = kWide32;
  r.which_payload = itdd_Request_program_tag;
  r.payload.program.command_id = ~std::uint64_t{0};
  r.payload.program.replaces_token = ~std::uint64_t{0};
  r.payload.program.has_prescription = true;
  EXPECT_TRUE(
      prescription_to_wire(samples::widest_prescription(), r.payload.program.prescription).ok());
  r.payload.program.prescription.patient_bolus.max_per_24h = kWide32;
  return r;
}

TEST(ImplantBounds, TheWidestProgramCommandIsExactlyTheBound) {
  Request r = widest_program();
  EXPECT_EQ(encoded_size(r), kMaxImplantRequestSize);
  EXPECT_TRUE(fits_an_implant(r).ok());
  std::vector<std::uint8_t> out(kMaxPayload);
  const Result<std::size_t> n = encode_for_implant(r, out);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n.value(), kMaxImplantRequestSize);
  // And the implant reads it, into its form (then refuses the prescription's values).
  static ImplantRequest implant{};
  ASSERT_TRUE(decode_request(std::span(out.data(), n.value()), implant).ok());
  EXPECT_EQ(implant.message.which_payload, itdd_implant_Request_program_tag);
  EXPECT_FALSE(implant.refused_step.any);
  EXPECT_EQ(implant.prescription.flex.days[6].step_count, therapy::kMaxStepsPerDay);

  // One step's start a byte wider (a value the implant's form does not hold): over, refused
  // before it is sent, naming the bound.
  r.payload.program.prescription.flex.days[6].steps[47].start_minute = 16'384;
  EXPECT_EQ(encoded_size(r), kMaxImplantRequestSize + 1);
  const Status s = fits_an_implant(r);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
  EXPECT_STREQ(s.error().field, "request");
  EXPECT_NE(std::strstr(s.error().message, "3,848 bytes"), nullptr) << s.error().message;
  EXPECT_EQ(s.error().values.limit, ErrorLimit::kMaximum);
  EXPECT_EQ(s.error().values.requested, static_cast<std::int64_t>(kMaxImplantRequestSize + 1));
  EXPECT_EQ(s.error().values.allowed, static_cast<std::int64_t>(kMaxImplantRequestSize));
  out.assign(out.size(), 0xEE);
  EXPECT_FALSE(encode_for_implant(r, out).ok());
  EXPECT_EQ(out[0], 0xEE);  // nothing written
  // A dose a byte wider, likewise.
  r = widest_program();
  r.payload.program.prescription.flex.days[0].steps[0].dose_ng_per_day =
      therapy::FlexStep::kMaxDoseNgPerDay + 1;
  EXPECT_EQ(encoded_size(r), kMaxImplantRequestSize);  // 2^32 is 5 bytes too
  r.payload.program.prescription.flex.days[0].steps[0].dose_ng_per_day = std::int64_t{1} << 35;
  EXPECT_EQ(encoded_size(r), kMaxImplantRequestSize + 1);
  EXPECT_FALSE(fits_an_implant(r).ok());
  // The schema's widest (a step at 22 bytes) is far over.
  Request schema_widest = samples::requests()[2];
  for (itdd_DayProgram& day : schema_widest.payload.program.prescription.flex.days) {
    day.steps_count = therapy::kMaxStepsPerDay;
    for (itdd_FlexStep& step : day.steps) {
      step.start_minute = -1;
      step.dose_ng_per_day = kWide;
    }
  }
  schema_widest.payload.program.prescription.flex.days_count = kDaysPerWeek;
  EXPECT_FALSE(fits_an_implant(schema_widest).ok());
}

// Any prescription the implant's types hold, in a program command with any ids: it fits (the
// programmer's program_request never refuses one for its size).
RC_GTEST_PROP(ImplantBoundsProperties, AnyPrescriptionInTheImplantsFormFits, ()) {
  // Mostly full days (the widest case), sometimes any count.
  const therapy::Prescription rx =
      testing::gen_prescription_in_the_implants_form(*rc::gen::arbitrary<bool>());

  static Request r{};
  r = Request{};
  r.request_id = *rc::gen::arbitrary<std::uint32_t>();
  r.which_payload = itdd_Request_program_tag;
  r.payload.program.command_id = *rc::gen::arbitrary<std::uint64_t>();
  r.payload.program.replaces_token = *rc::gen::arbitrary<std::uint64_t>();
  r.payload.program.has_prescription = true;
  RC_ASSERT(prescription_to_wire(rx, r.payload.program.prescription).ok());
  RC_ASSERT(fits_an_implant(r).ok());
  // Within the bound by at least what a daily maximum of one byte leaves (3 bytes of the uint32).
  RC_ASSERT(encoded_size(r) + 3 <= kMaxImplantRequestSize);
}

// Every field of an interrogation's status but its prescription, at the widest its nanopb
// struct holds (the same names in both views): int64s negative (10 bytes), uint32s full, enums
// at their largest named value (the implant writes only named values: commands.cpp's
// *_to_wire), every optional present, the alarm list full (one per kind: the implant's
// ActiveAlarms), strings full.
template <class Status, class Drug>
void widest_status_but_the_prescription(Status& s, const Drug& drug) {
  set_raw_enum(s.activity, _itdd_Activity_MAX);
  s.prescription_token = ~std::uint64_t{0};
  s.has_reservoir = true;
  s.reservoir.filled = true;
  s.reservoir.has_drug = true;
  s.reservoir.drug = drug;
  s.reservoir.concentration_ng_per_ml = kWide;
  s.reservoir.remaining_nl = kWide;
  s.reservoir.low_threshold_nl = kWide;
  s.reservoir.has_low_at_wall_ms = true;
  s.reservoir.low_at_wall_ms = kWide;
  s.reservoir.has_empty_at_wall_ms = true;
  s.reservoir.empty_at_wall_ms = kWide;
  s.reservoir.capacity_nl = kWide;
  s.has_battery = true;
  set_raw_enum(s.battery.status, _itdd_BatteryStatus_MAX);
  s.battery.remaining_permille = kWide32;
  s.battery.longevity_ms = kWide;
  s.battery.has_eri_wall_ms = true;
  s.battery.eri_wall_ms = kWide;
  s.battery.faulty_cell = true;
  s.alarms_count = sizeof(s.alarms) / sizeof(s.alarms[0]);
  for (pb_size_t i = 0; i < s.alarms_count; ++i) {
    set_raw_enum(s.alarms[i].kind, _itdd_AlarmKind_MAX);
    set_raw_enum(s.alarms[i].alarm_class, _itdd_AlarmClass_MAX);
    s.alarms[i].silenced = true;
    s.alarms[i].has_silenced_until_wall_ms = true;
    s.alarms[i].silenced_until_wall_ms = kWide;
  }
  s.implant_ms = kWide;
  s.wall_ms = kWide;
  s.clock_valid = true;
  s.delivered_nl = kWide;
  s.current_flow_nl_per_day = kWide;
  s.has_patient_bolus = true;
  s.patient_bolus.used_in_24h = kWide32;
  s.patient_bolus.max_per_24h = kWide32;
  s.patient_bolus.left_in_24h = kWide32;
  s.patient_bolus.allowed_now = true;
  set_raw_enum(s.patient_bolus.refusal, _itdd_BolusRefusal_MAX);
  s.patient_bolus.has_next_allowed_wall_ms = true;
  s.patient_bolus.next_allowed_wall_ms = kWide;
  s.catheter_volume_nl = kWide;
  s.pump_dead_volume_nl = kWide;
  s.priming_rate_nl_per_day = kWide;
}

// The alarm list's length is the implant's count of alarm kinds, one entry each at most.
static_assert(sizeof(itdd_implant_ImplantStatus{}.alarms) / sizeof(itdd_implant_ActiveAlarm) ==
              _itdd_AlarmKind_MAX);

// The widest interrogation the implant can answer, in its own view (the days encoded from its
// live prescription's form): exactly the bound; the host's view of the same answer, the same
// bytes.
TEST(ImplantBounds, TheWidestInterrogationIsExactlyTheBound) {
  const therapy::Prescription rx = samples::widest_prescription();
  static ImplantResponse implant{};
  implant = ImplantResponse{};
  implant.request_id = kWide32;
  set_raw_enum(implant.result, _itdd_ResultCode_MAX);
  implant.which_payload = itdd_implant_Response_status_tag;
  itdd_implant_ImplantStatus& st = implant.payload.status;
  st.has_prescription = true;
  ASSERT_TRUE(prescription_to_wire(rx, st.prescription).ok());
  st.prescription.patient_bolus.max_per_24h = kWide32;
  widest_status_but_the_prescription(st, st.prescription.drug);
  std::vector<std::uint8_t> b(kMaxPayload);
  const Result<std::size_t> n = encode(implant, b);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n.value(), kMaxImplantAnswerSize);
  // It fits the bound's bytes exactly, and not one fewer.
  EXPECT_TRUE(encode(implant, std::span(b.data(), kMaxImplantAnswerSize)).ok());
  EXPECT_FALSE(encode(implant, std::span(b.data(), kMaxImplantAnswerSize - 1)).ok());

  static Response host{};
  host = Response{};
  host.request_id = kWide32;
  set_raw_enum(host.result, _itdd_ResultCode_MAX);
  host.which_payload = itdd_Response_status_tag;
  host.payload.status.has_prescription = true;
  ASSERT_TRUE(prescription_to_wire(rx, host.payload.status.prescription).ok());
  host.payload.status.prescription.patient_bolus.max_per_24h = kWide32;
  widest_status_but_the_prescription(host.payload.status, host.payload.status.prescription.drug);
  EXPECT_EQ(encoded_size(host), kMaxImplantAnswerSize);

  // One step a byte wider than FlexStep holds, or an error detail beside the payload (which
  // the implant never sends): over.
  host.payload.status.prescription.flex.days[3].steps[0].start_minute = 16'384;
  EXPECT_EQ(encoded_size(host), kMaxImplantAnswerSize + 1);
  host.payload.status.prescription.flex.days[3].steps[0].start_minute = 0;
  host.has_error = true;
  host.error.index = 1;
  EXPECT_GT(encoded_size(host), kMaxImplantAnswerSize);
}

// The largest answer of every other kind, and a refusal at its widest, are within the bound.
TEST(ImplantBounds, EveryOtherAnswerAndARefusalFit) {
  for (const Response& r : samples::responses()) {
    if (r.which_payload == itdd_Response_status_tag) continue;
    EXPECT_LE(encoded_size(r), kMaxImplantAnswerSize) << r.which_payload;
  }
  Response refusal = samples::largest_response();
  refusal.which_payload = 0;
  refusal.request_id = kWide32;
  EXPECT_LE(encoded_size(refusal), kAnswerHeadSize + kErrorDetailFieldSize);
  EXPECT_LE(kAnswerHeadSize + kErrorDetailFieldSize, kMaxImplantAnswerSize);
}

}  // namespace
}  // namespace itdd::protocol

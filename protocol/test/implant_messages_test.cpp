// The implant's view of the schema (implant_messages.h) against the host's (messages.h): the
// same bytes read alike, a program command's prescription decoded straight into its place and
// taken or refused as the host's conversion takes or refuses it, an interrogation's prescription
// encoded from the implant's own to the same bytes.
#include "itdd/protocol/implant_messages.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "../../firmware/therapy/test/test_prescriptions.h"
#include "sample_messages.h"

namespace itdd::protocol {
namespace {

const therapy::PumpModel kPump{};

std::vector<std::uint8_t> bytes_of(const Request& r) {
  std::vector<std::uint8_t> b(kMaxPayload);
  const Result<std::size_t> n = encode(r, b);
  EXPECT_TRUE(n.ok());
  b.resize(n.ok() ? n.value() : 0);
  return b;
}

Request program(const therapy::Prescription& rx) {
  Request r{};
  r.request_id = 7;
  r.which_payload = itdd_Request_program_tag;
  r.payload.program.command_id = 11;
  r.payload.program.replaces_token = 12;
  r.payload.program.has_prescription =
      prescription_to_wire(rx, r.payload.program.prescription).ok();
  return r;
}

// Both views of `bytes`: read alike; a program command's prescription taken alike.
void expect_same_reading(const std::vector<std::uint8_t>& bytes) {
  static Request host{};
  static ImplantRequest implant{};
  const Status h = decode_request(bytes, host);
  const Status i = decode_request(bytes, implant);
  ASSERT_EQ(h.ok(), i.ok());
  if (!h.ok()) return;
  ASSERT_EQ(host.which_payload, implant.message.which_payload);
  EXPECT_EQ(host.request_id, implant.message.request_id);
  if (host.which_payload != itdd_Request_program_tag) return;
  static therapy::Prescription host_rx{};
  const Status ht =
      validated_prescription_from_wire(host.payload.program.prescription, kPump, host_rx);
  const Status it =
      validated_prescription_from_wire(implant.message.payload.program.prescription,
                                       implant.refused_step, kPump, implant.prescription);
  ASSERT_EQ(ht.ok(), it.ok());
  if (!ht.ok()) {
    EXPECT_STREQ(ht.error().field, it.error().field);
    EXPECT_EQ(ht.error().index, it.error().index);
    return;
  }
  EXPECT_TRUE(implant.prescription.drug.name == host_rx.drug.name);
  EXPECT_TRUE(therapy::testing::same_prescription(implant.prescription, host_rx));
}

TEST(ImplantMessages, EveryRequestReadsAsTheHostReadsIt) {
  for (const Request& r : samples::requests()) expect_same_reading(bytes_of(r));
  for (const therapy::Prescription& rx :
       {samples::continuous_prescription(), samples::weekday_prescription(),
        samples::widest_prescription()}) {
    expect_same_reading(bytes_of(program(rx)));
  }
}

TEST(ImplantMessages, AProgramsDaysGoStraightIntoItsPrescription) {
  const therapy::Prescription rx = samples::weekday_prescription();
  static ImplantRequest implant{};
  ASSERT_TRUE(decode_request(bytes_of(program(rx)), implant).ok());
  ASSERT_EQ(implant.message.which_payload, itdd_implant_Request_program_tag);
  for (std::size_t d = 0; d < 7; ++d) {
    ASSERT_EQ(implant.prescription.flex.days[d].step_count, rx.flex.days[d].step_count) << d;
    for (std::size_t i = 0; i < rx.flex.days[d].step_count; ++i) {
      EXPECT_EQ(implant.prescription.flex.days[d].steps[i], rx.flex.days[d].steps[i]);
    }
  }
  // The callbacks pointed at the decoder's own state: not left in the message.
  EXPECT_EQ(implant.message.payload.program.prescription.flex.days.funcs.decode, nullptr);
  EXPECT_EQ(implant.message.cb_payload.funcs.decode, nullptr);
}

// A program command's prescription refused as the host's is (a refusal that names a field).
TEST(ImplantMessages, ABadPrescriptionIsRefusedWithTheHostsError) {
  therapy::Prescription rx = samples::weekday_prescription();
  // Not increasing: the second step starts where the first does.
  ASSERT_TRUE(rx.flex.days[2]
                  .set_step(1, rx.flex.days[2].steps[0].start_minute(),
                            rx.flex.days[2].steps[1].dose_rate(), 2)
                  .ok());
  expect_same_reading(bytes_of(program(rx)));
  Request r = program(samples::continuous_prescription());
  set_raw_enum(r.payload.program.prescription.mode, 42);
  expect_same_reading(bytes_of(r));
  r = program(samples::continuous_prescription());
  r.payload.program.prescription.patient_bolus.max_per_24h = 300;
  expect_same_reading(bytes_of(r));
  r = program(samples::continuous_prescription());
  r.payload.program.prescription.has_drug = false;
  expect_same_reading(bytes_of(r));
  // Steps the implant's form does not hold: the first refused, naming its day and step.
  r = program(samples::weekday_prescription());
  r.payload.program.prescription.flex.days[2].steps[1].start_minute = 1500;
  r.payload.program.prescription.flex.days[4].steps[0].dose_ng_per_day = -1;
  expect_same_reading(bytes_of(r));
  r.payload.program.prescription.flex.per_weekday = false;
  r.payload.program.prescription.flex.days[0].steps[0].dose_ng_per_day = 1LL << 40;
  expect_same_reading(bytes_of(r));
}

// Bytes nanopb refuses for the host's static days, refused alike (an eighth day, a 49th step, a
// day or a step of another wire type, a zero tag inside a step) and bytes it takes (an unknown
// field inside a day, two program commands merged, a program command replaced by another kind
// and back).
TEST(ImplantMessages, MalformedDaysAreRefusedAsTheHostRefusesThem) {
  const std::vector<std::uint8_t> good = bytes_of(program(samples::weekday_prescription()));
  // Hand-made: Request{request_id 1, program{prescription{flex{days...}}}}.
  const auto wrap = [](std::vector<std::uint8_t> flex) {
    std::vector<std::uint8_t> rx = {0x2A, static_cast<std::uint8_t>(flex.size())};  // flex = 5
    rx.insert(rx.end(), flex.begin(), flex.end());
    std::vector<std::uint8_t> prog = {0x1A, static_cast<std::uint8_t>(rx.size())};  // rx = 3
    prog.insert(prog.end(), rx.begin(), rx.end());
    std::vector<std::uint8_t> req = {0x08, 0x01, 0x62, static_cast<std::uint8_t>(prog.size())};
    req.insert(req.end(), prog.begin(), prog.end());  // program = 12
    return req;
  };
  const std::vector<std::uint8_t> day = {0x12, 0x06, 0x0A, 0x04, 0x08, 0x00, 0x10, 0x05};
  std::vector<std::uint8_t> eight;
  for (int d = 0; d < 8; ++d) eight.insert(eight.end(), day.begin(), day.end());
  expect_same_reading(wrap(eight));
  std::vector<std::uint8_t> seven(eight.begin(), eight.begin() + 7 * 8);
  expect_same_reading(wrap(seven));
  std::vector<std::uint8_t> steps = {0x12, 49 * 2};
  for (int i = 0; i < 49; ++i) steps.insert(steps.end(), {0x0A, 0x00});
  expect_same_reading(wrap(steps));
  expect_same_reading(wrap({0x10, 0x05}));                                // a day as a varint
  expect_same_reading(wrap({0x11, 1, 2, 3, 4, 5, 6, 7, 8}));              // a day as 64 bits
  expect_same_reading(wrap({0x12, 0x02, 0x08, 0x01}));                    // a step as a varint
  expect_same_reading(wrap({0x12, 0x04, 0x0A, 0x02, 0x00, 0x00}));        // a zero tag in a step
  expect_same_reading(wrap({0x12, 0x04, 0x0A, 0x02, 0x10, 0xFF}));        // a truncated varint
  expect_same_reading(wrap({0x12, 0x05, 0x18, 0x07, 0x0A, 0x01, 0x08}));  // unknown field
  expect_same_reading(wrap({0x12, 0x03, 0x0A, 0x01, 0x08}));              // a truncated step
  // Two program commands in one message (merged), and one replaced by a refill and back.
  std::vector<std::uint8_t> twice = good;
  twice.insert(twice.end(), good.begin(), good.end());
  expect_same_reading(twice);
  std::vector<std::uint8_t> replaced = good;
  const std::vector<std::uint8_t> refill = {0x6A, 0x02, 0x10, 0x05};  // refill = 13
  replaced.insert(replaced.end(), refill.begin(), refill.end());
  expect_same_reading(replaced);
  replaced.insert(replaced.end(), good.begin(), good.end());
  expect_same_reading(replaced);
}

// An interrogation's prescription from the implant's own: the bytes the host's view writes.
TEST(ImplantMessages, AStatusPrescriptionIsEncodedAsTheHostEncodesIt) {
  for (const therapy::Prescription& rx :
       {samples::continuous_prescription(), samples::weekday_prescription(),
        samples::widest_prescription()}) {
    static Response host{};
    static ImplantResponse implant{};
    host = Response{};
    implant = ImplantResponse{};
    host.request_id = implant.request_id = 3;
    host.result = itdd_ResultCode_RESULT_OK;
    implant.result = itdd_implant_ResultCode_RESULT_OK;
    host.which_payload = itdd_Response_status_tag;
    implant.which_payload = itdd_implant_Response_status_tag;
    ASSERT_TRUE(prescription_to_wire(rx, host.payload.status.prescription).ok());
    ASSERT_TRUE(prescription_to_wire(rx, implant.payload.status.prescription).ok());
    host.payload.status.has_prescription = implant.payload.status.has_prescription = true;
    std::vector<std::uint8_t> a(kMaxPayload);
    std::vector<std::uint8_t> b(kMaxPayload);
    const Result<std::size_t> x = encode(host, a);
    const Result<std::size_t> y = encode(implant, b);
    ASSERT_TRUE(x.ok() && y.ok());
    ASSERT_EQ(x.value(), y.value());
    EXPECT_EQ(0, std::memcmp(a.data(), b.data(), x.value()));
    // Too small a buffer: refused as the host's encoder refuses it.
    const Result<std::size_t> small = encode(implant, std::span(b.data(), x.value() - 1));
    ASSERT_FALSE(small.ok());
    EXPECT_EQ(small.error().code, ErrorCode::kCapacity);
  }
  // What the wire cannot carry is refused alike (and an interrogation then says no prescription).
  therapy::Prescription rx = samples::weekday_prescription();
  rx.flex.days[3].step_count = 49;
  itdd_implant_Prescription w{};
  const Status s = prescription_to_wire(rx, w);
  ASSERT_FALSE(s.ok());
  EXPECT_STREQ(s.error().field, "flex.days.steps");
  EXPECT_EQ(s.error().index, 3);
}

}  // namespace
}  // namespace itdd::protocol

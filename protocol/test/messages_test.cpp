#include "itdd/protocol/messages.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "itdd/protocol/frame.h"
#include "itdd/protocol/prescription_wire.h"
#include "sample_messages.h"
#include "test_support.h"

namespace itdd::protocol {
namespace {

using testing::expect_error;

template <class Message>
std::vector<std::uint8_t> bytes(const Message& m) {
  std::vector<std::uint8_t> out(kMaxPayload);
  const Result<std::size_t> n = encode(m, out);
  EXPECT_TRUE(n.ok()) << (n.ok() ? "" : n.error().message);
  out.resize(n.ok() ? *n : 0);
  return out;
}

TEST(Messages, EveryRequestKindRoundTrips) {
  const std::vector<Request> all = samples::requests();
  ASSERT_EQ(all.size(), 16u);  // one per member of Request.payload
  for (const Request& r : all) {
    const std::vector<std::uint8_t> wire = bytes(r);
    const Result<Request> back = decode_request(wire);
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(back->request_id, r.request_id);
    EXPECT_EQ(back->which_payload, r.which_payload);
    EXPECT_EQ(bytes(back.value()), wire) << "request " << r.which_payload;
  }
}

TEST(Messages, EveryResponseKindRoundTrips) {
  const std::vector<Response> all = samples::responses();
  ASSERT_EQ(all.size(), 12u);  // one per member of Response.payload, and a refusal
  for (const Response& r : all) {
    const std::vector<std::uint8_t> wire = bytes(r);
    Response back{};
    const Status s = decode_response(wire, back);
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(back.which_payload, r.which_payload);
    EXPECT_EQ(raw_enum(back.result), raw_enum(r.result));
    EXPECT_EQ(bytes(back), wire) << "response " << r.which_payload;
  }
}

TEST(Messages, FieldsSurviveTheWire) {
  const std::vector<Request> requests = samples::requests();
  const Request& program = requests[2];
  const Result<Request> r = decode_request(bytes(program));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->payload.program.command_id, 0xFEEDFACECAFEBEEFull);
  EXPECT_EQ(r->payload.program.replaces_token, 0x0123456789ABCDEFull);
  EXPECT_EQ(r->payload.program.prescription.flex.days_count, 7);
  EXPECT_EQ(r->payload.program.prescription.flex.days[6].steps_count, 8);
  EXPECT_STREQ(r->payload.program.prescription.drug.name, "baclofen");

  const Response refusal = samples::responses().back();
  const Result<Response> e = decode_response(bytes(refusal));
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(raw_enum(e->result), itdd_ResultCode_RESULT_INVALID);
  EXPECT_TRUE(e->has_error);
  EXPECT_STREQ(e->error.field, "flex.steps.start");
  EXPECT_EQ(e->error.index, 2);
  EXPECT_EQ(e->error.sub_index, 5);
  EXPECT_EQ(e->which_payload, 0);
}

// A refusal at a limit carries the rate asked for and the one allowed, so the programmer can
// print both; a limit or unit this build does not know names no quantity.
TEST(Messages, ARefusalsLimitTravelsWithIt) {
  const Error refused = with_limit(
      make_error(ErrorCode::kInvalidArgument, "flex.steps.dose_per_day",
                 "rate is below the pump's minimum programmable rate", 3, 7),
      ErrorLimit::kMinimum, ErrorUnit::kNanolitresPerDay, 40'000, 48'000);
  Response r{};
  r.result = itdd_ResultCode_RESULT_INVALID;
  r.has_error = true;
  error_to_wire(refused, r.error);
  const Result<Response> back = decode_response(bytes(r));
  ASSERT_TRUE(back.ok());
  const Error e = error_from_wire(back->error);
  EXPECT_STREQ(e.field, "flex.steps.dose_per_day");
  EXPECT_STREQ(e.message, "rate is below the pump's minimum programmable rate");
  EXPECT_EQ(e.index, 3);
  EXPECT_EQ(e.sub_index, 7);
  EXPECT_EQ(e.values.limit, ErrorLimit::kMinimum);
  EXPECT_EQ(e.values.unit, ErrorUnit::kNanolitresPerDay);
  EXPECT_EQ(e.values.requested, 40'000);
  EXPECT_EQ(e.values.allowed, 48'000);

  itdd_ErrorDetail unknown = back->error;
  set_raw_enum(unknown.unit, 99);
  EXPECT_EQ(error_from_wire(unknown).values.limit, ErrorLimit::kNone);
  unknown = back->error;
  set_raw_enum(unknown.limit, 99);
  EXPECT_EQ(error_from_wire(unknown).values.limit, ErrorLimit::kNone);
  // Without a limit, no quantities go on the wire.
  itdd_ErrorDetail plain{};
  error_to_wire(make_error(ErrorCode::kRefused, "mode", "not filled"), plain);
  EXPECT_EQ(plain.limit, itdd_ErrorLimit_ERROR_LIMIT_NONE);
  EXPECT_EQ(plain.requested, 0);
}

TEST(Messages, LinkErrorRoundTrips) {
  const std::vector<std::uint8_t> wire = bytes(samples::link_error());
  const Result<LinkError> e = decode_link_error(wire);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->max_version, kProtocolVersion);
  EXPECT_STREQ(e->message, "this implant speaks protocol version 1");
}

TEST(Messages, TheLargestResponseFitsTheLimitsExactly) {
  const Response largest = samples::largest_response();
  const std::vector<std::uint8_t> wire = bytes(largest);
  // The widest values make the encoding as long as nanopb's bound, less nothing that matters.
  EXPECT_LE(wire.size(), kMaxResponseSize);
  EXPECT_GT(wire.size(), kMaxResponseSize * 95 / 100) << "the sample is not the widest";
  EXPECT_LE(wire.size() + kRecordOverheadReserve, kMaxPayload);
  const Result<Response> back = decode_response(wire);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(bytes(back.value()), wire);
}

TEST(Messages, EncoderRefusesASmallBufferAndAnUnterminatedString) {
  const Request r = samples::requests()[2];
  std::vector<std::uint8_t> small(16);
  const Result<std::size_t> n = encode(r, small);
  expect_error(n, "message");
  EXPECT_EQ(n.error().code, ErrorCode::kCapacity);

  Response bad = samples::responses().back();
  std::memset(bad.error.field, 'x', sizeof bad.error.field);  // no NUL
  std::vector<std::uint8_t> out(kMaxPayload);
  const Result<std::size_t> m = encode(bad, out);
  expect_error(m, "message");
  EXPECT_EQ(m.error().code, ErrorCode::kInvalidArgument);
}

TEST(Messages, DecoderRefusesMalformedInput) {
  const std::vector<std::uint8_t> wire = bytes(samples::requests()[2]);
  // Every proper prefix that cuts a field short is refused; none crashes.
  std::size_t refused = 0;
  for (std::size_t n = 0; n < wire.size(); ++n) {
    const Result<Request> r = decode_request(std::span<const std::uint8_t>(wire.data(), n));
    if (!r.ok()) {
      ++refused;
      EXPECT_STREQ(r.error().field, "message");
    }
  }
  EXPECT_GT(refused, wire.size() / 2);

  // A wire type that does not match the field's.
  const std::vector<std::uint8_t> wrong_type = {0x08 | 0x05, 0, 0, 0, 0};  // request_id as fixed32
  expect_error(decode_request(wrong_type), "message");
  // A varint that never ends.
  const std::vector<std::uint8_t> endless(12, 0xFF);
  expect_error(decode_response(endless), "message");
}

TEST(Messages, DecoderRefusesWhatIsOverTheSchemaLimits) {
  // Request { refill { drug { name: 30 x 'a' } } }: the limit is 23 characters.
  std::vector<std::uint8_t> long_name = {0x6A, 34, 0x1A, 32, 0x0A, 30};
  long_name.insert(long_name.end(), 30, 'a');
  expect_error(decode_request(long_name), "message");

  // 49 steps in one day of a program request.
  std::vector<std::uint8_t> day;
  for (int i = 0; i < 49; ++i) {
    day.insert(day.end(), {0x0A, 2, 0x08, static_cast<std::uint8_t>(i)});  // steps { start }
  }
  std::vector<std::uint8_t> flex = {0x12, static_cast<std::uint8_t>(day.size() | 0x80),
                                    static_cast<std::uint8_t>(day.size() >> 7)};
  flex.insert(flex.end(), day.begin(), day.end());  // FlexProgram.days[0]
  std::vector<std::uint8_t> rx = {0x2A, static_cast<std::uint8_t>(flex.size() | 0x80),
                                  static_cast<std::uint8_t>(flex.size() >> 7)};
  rx.insert(rx.end(), flex.begin(), flex.end());  // Prescription.flex
  std::vector<std::uint8_t> program = {0x1A, static_cast<std::uint8_t>(rx.size() | 0x80),
                                       static_cast<std::uint8_t>(rx.size() >> 7)};
  program.insert(program.end(), rx.begin(), rx.end());  // ProgramPrescription.prescription
  std::vector<std::uint8_t> request = {0x62, static_cast<std::uint8_t>(program.size() | 0x80),
                                       static_cast<std::uint8_t>(program.size() >> 7)};
  request.insert(request.end(), program.begin(), program.end());  // Request.program
  const Result<Request> too_many = decode_request(request);
  expect_error(too_many, "message");

  // The same with 48 steps is taken.
  day.resize(day.size() - 4);
  flex = {0x12, static_cast<std::uint8_t>(day.size() | 0x80),
          static_cast<std::uint8_t>(day.size() >> 7)};
  flex.insert(flex.end(), day.begin(), day.end());
  rx = {0x2A, static_cast<std::uint8_t>(flex.size() | 0x80),
        static_cast<std::uint8_t>(flex.size() >> 7)};
  rx.insert(rx.end(), flex.begin(), flex.end());
  program = {0x1A, static_cast<std::uint8_t>(rx.size() | 0x80),
             static_cast<std::uint8_t>(rx.size() >> 7)};
  program.insert(program.end(), rx.begin(), rx.end());
  request = {0x62, static_cast<std::uint8_t>(program.size() | 0x80),
             static_cast<std::uint8_t>(program.size() >> 7)};
  request.insert(request.end(), program.begin(), program.end());
  const Result<Request> ok = decode_request(request);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->payload.program.prescription.flex.days[0].steps_count, 48);
}

TEST(Messages, ARequestKindFromANewerPeerDecodesAsNoPayload) {
  // Request { request_id: 7, <field 99>: {} }: the implant answers RESULT_UNKNOWN_COMMAND.
  const std::vector<std::uint8_t> wire = {0x08, 7, 0x9A, 0x06, 0};
  const Result<Request> r = decode_request(wire);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->request_id, 7u);
  EXPECT_EQ(r->which_payload, 0);
}

TEST(Messages, ARequestTravelsInAFrameThroughTheReassembler) {
  const Request sent = samples::requests()[2];
  const std::vector<std::uint8_t> payload = bytes(sent);
  const std::vector<std::uint8_t> frame = testing::encoded_frame(FrameType::kRecord, payload);
  FrameReassembler reassembler;
  ASSERT_EQ(reassembler.feed(frame), frame.size());
  const Result<std::optional<FrameView>> got = reassembler.next();
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got.value().has_value());
  const Result<Request> r = decode_request(got.value()->payload);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(bytes(r.value()), payload);
}

// The one mapping from the firmware's error codes to the wire's result codes: every code has
// one, malformed input alone is RESULT_INVALID, and the storage codes (damaged data, a failing
// device) are refusals rather than blamed on the request.
TEST(Messages, EveryErrorCodeHasAWireResult) {
  for (int c = 0; c < kErrorCodeCount; ++c) {
    const auto code = static_cast<ErrorCode>(c);
    const itdd_ResultCode wire = result_code_for(code);
    if (code == ErrorCode::kInvalidArgument) {
      EXPECT_EQ(wire, itdd_ResultCode_RESULT_INVALID);
    } else {
      EXPECT_EQ(wire, itdd_ResultCode_RESULT_REFUSED) << "code " << c;
    }
  }
  EXPECT_EQ(result_code_for(ErrorCode::kCorrupt), itdd_ResultCode_RESULT_REFUSED);
  EXPECT_EQ(result_code_for(ErrorCode::kIo), itdd_ResultCode_RESULT_REFUSED);
}

}  // namespace
}  // namespace itdd::protocol

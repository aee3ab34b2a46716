// The implant's side of the messages: the same schema and the same bytes as messages.h, in the
// implant's view of the schema (itdd_implant.pb.h, generated from the same itdd.proto with
// schema/itdd_implant.options), where a prescription's week of steps never sits in a nanopb
// struct. A program command's days and steps are decoded straight into the therapy::Prescription
// beside its request (the one the command brings: nothing is converted on the stack), and an
// interrogation's are encoded by callback from the implant's live prescription. The rest of each
// message is nanopb's static struct, as on the host; the host (programmer, tests) keeps
// messages.h.
//
// Decoding refuses what decode_request() of messages.h refuses for the same bytes (over seven
// days or 48 steps a day, a wrong wire type, a bad varint, a zero tag: "message"), and takes
// the same values; encoding writes the bytes encode() writes for the same answer. Both are
// checked against messages.h by protocol_test and the frame fuzzer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "itdd/core/result.h"
#include "itdd/protocol/implant_bounds.h"
#include "itdd/protocol/itdd_implant.pb.h"
#include "itdd/protocol/messages.h"
#include "itdd/protocol/prescription_wire.h"
#include "itdd/therapy/prescription.h"
#include "itdd/therapy/pump_model.h"

namespace itdd::protocol {

using ImplantResponse = itdd_implant_Response;

// The bounds of what the implant reads and sends (kMaxImplantRequestSize,
// kMaxImplantAnswerSize) are in implant_bounds.h.

// A request as the implant decodes it: the message and, for a program command, the
// prescription it brings (its days and steps as decoded; the rest is filled in from the message
// by validated_prescription_from_wire()). For any other request `prescription` is left as it was.
// The first step of a program command the implant's form does not hold (FlexStep::set refused
// it as the wire brought it: a start outside the day, a dose out of range): kept as it came, so
// the conversion refuses it where prescription_from_wire() would, with its error.
struct RefusedStep {
  bool any = false;
  std::uint8_t day = 0;
  std::uint8_t step = 0;
  std::int64_t start_minute = 0;
  std::int64_t dose_ng_per_day = 0;
};

struct ImplantRequest {
  itdd_implant_Request message;
  therapy::Prescription prescription;
  RefusedStep refused_step;
};

// Into `out` (a program command's days into out.prescription). On failure `out` holds no
// meaningful value; "message" names the refusal, with nanopb's reason.
Status decode_request(std::span<const std::uint8_t> bytes, ImplantRequest& out);

// The encoded size; refuses a buffer too small (kCapacity) as encode() does (messages.cpp).
Result<std::size_t> encode(const ImplantResponse& response, std::span<std::uint8_t> out);

// messages.h's helpers for the implant's view (the same values; the enums are the same numbers
// under the implant's names).
inline itdd_implant_ResultCode implant_result_code_for(ErrorCode code) {
  return static_cast<itdd_implant_ResultCode>(result_code_for(code));
}
void error_to_wire(const Error& error, itdd_implant_ErrorDetail& detail);
Status drug_to_wire(const therapy::Drug& drug, itdd_implant_Drug& out);
Status drug_from_wire(const itdd_implant_Drug& wire, therapy::Drug& out);

// The implant's prescription on the wire, as prescription_to_wire() of prescription_wire.h
// writes it and refusing what it refuses; the days are encoded from `rx` itself when the
// message is, so `rx` must outlive the encoding (the engine's live prescription does).
Status prescription_to_wire(const therapy::Prescription& rx, itdd_implant_Prescription& out);
// The callback that encodes a prescription's days (prescription_to_wire() sets it, with the
// therapy::FlexProgram as its argument): the days up to the last one that has steps.
bool encode_implant_days(pb_ostream_t* stream, const pb_field_t* field, void* const* arg);

// A program command's prescription in the implant's form, in place: `rx` holds the days and
// steps decode_request() put there; the rest is read from `wire` with the checks and errors of
// validated_prescription_from_wire() (prescription_wire.h), in its order, then therapy::validate
// against `pump`.
Status validated_prescription_from_wire(const itdd_implant_Prescription& wire,
                                        const RefusedStep& refused_step,
                                        const therapy::PumpModel& pump, therapy::Prescription& rx);

}  // namespace itdd::protocol

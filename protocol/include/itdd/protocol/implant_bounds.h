// The largest messages an implant reads and sends: the bounds of the wire between an implant
// and its devices, and so of the implant's one link buffer (app::kLinkBufferSize).
//
// The schema's own bounds (nanopb's _size macros, messages.h) are for any message a peer could
// build: a flex step's start is an int32 and its dose an int64, each up to a 10-byte varint, 22
// bytes a step with their tags. The implant's form of a step (therapy::FlexStep) holds a start
// below kMinutesPerDay and a dose within 32 bits, never negative: 2 and 5 bytes, 9 with the tags.
// A program command's steps are decoded into that form, and an interrogation's are encoded from
// it, so a prescription on the wire between an implant and its devices is bounded by its steps
// as FlexStep holds them, its other fields by the schema (the implant's nanopb structs hold them
// at the schema's widths: nanopb's macros count an enum at its largest named value, and the
// implant writes only named values). A week of steps is then 3,722 bytes instead of 8,090.
//
// Both ways this is a rule of the protocol: a device refuses, before sending, a request longer
// than kMaxImplantRequestSize (the programmer: it cannot happen for a prescription in the
// implant's form, programmer/client), and the implant does not read a frame longer than its
// buffer (the board's receiver refuses it, "frame.length"; app::ImplantRadio::on_frame). Every
// answer the implant produces fits kMaxImplantAnswerSize (the command fuzzer checks each one).
//
// The constants are computed from nanopb's macros with each narrowed part replaced; the static
// asserts check that the schema's bounds decompose as assumed, and protocol_test encodes the
// widest request and answer (exactly these sizes) and checks every payload kind is counted.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <tuple>

#include "itdd/protocol/itdd.pb.h"
#include "itdd/therapy/prescription.h"

namespace itdd::protocol {

constexpr std::size_t varint_size(std::uint64_t value) {
  std::size_t n = 1;
  for (; value >= 0x80 && n < 10; value >>= 7) ++n;
  return n;
}
constexpr std::size_t tag_size(std::uint32_t field_number) {
  return varint_size(std::uint64_t{field_number} << 3);
}
// A length-delimited field (a submessage, a string): tag, length, contents.
constexpr std::size_t field_size(std::uint32_t field_number, std::size_t contents) {
  return tag_size(field_number) + varint_size(contents) + contents;
}
// A submessage field of number below 16 (a one-byte tag).
constexpr std::size_t submessage_size(std::size_t size) {
  return field_size(1, size);
}
// A message's bound `outer` with its one submessage field `field` (bound `schema`) taking at most
// `narrow` bytes instead.
constexpr std::size_t narrowed(std::size_t outer, std::uint32_t field, std::size_t schema,
                               std::size_t narrow) {
  return outer - field_size(field, schema) + field_size(field, narrow);
}

// ---- a prescription as the implant holds it ----

// A step: its start (below kMinutesPerDay) and dose (FlexStep's 32 bits), each with its tag; a
// zero one is left out (proto3), so this is the widest.
inline constexpr std::size_t kMaxImplantStepSize =
    tag_size(itdd_FlexStep_start_minute_tag) + varint_size(therapy::kMinutesPerDay - 1) +
    tag_size(itdd_FlexStep_dose_ng_per_day_tag) +
    varint_size(static_cast<std::uint64_t>(therapy::FlexStep::kMaxDoseNgPerDay));
static_assert(therapy::FlexStep::kMaxDoseNgPerDay > 0 &&
                  therapy::FlexStep::kMaxDoseNgPerDay <= 0xFFFFFFFFLL,
              "a step's dose is a non-negative 32-bit value (FlexStep's dose_ng_per_day_)");
static_assert(kMaxImplantStepSize == 9 && itdd_FlexStep_size == 22,
              "a step: 2 + 5 bytes and two tags (the schema's: 10 + 10 and two tags)");

// The schema's days and steps are the implant's counts, and its bounds decompose into them.
inline constexpr std::size_t kDaysPerWeek =
    std::tuple_size_v<decltype(therapy::FlexProgram{}.days)>;
static_assert(sizeof(itdd_DayProgram{}.steps) / sizeof(itdd_FlexStep) == therapy::kMaxStepsPerDay &&
              sizeof(itdd_FlexProgram{}.days) / sizeof(itdd_DayProgram) == kDaysPerWeek);
static_assert(itdd_DayProgram_size ==
              therapy::kMaxStepsPerDay * field_size(itdd_DayProgram_steps_tag, itdd_FlexStep_size));
inline constexpr std::size_t kFlexPerWeekdaySize =
    itdd_FlexProgram_size -
    kDaysPerWeek * field_size(itdd_FlexProgram_days_tag, itdd_DayProgram_size);
static_assert(kFlexPerWeekdaySize == 2, "FlexProgram: per_weekday and the days, nothing else");

inline constexpr std::size_t kMaxImplantDaySize =
    therapy::kMaxStepsPerDay * field_size(itdd_DayProgram_steps_tag, kMaxImplantStepSize);
inline constexpr std::size_t kMaxImplantFlexSize =
    kFlexPerWeekdaySize + kDaysPerWeek * field_size(itdd_FlexProgram_days_tag, kMaxImplantDaySize);
inline constexpr std::size_t kMaxImplantPrescriptionSize = narrowed(
    itdd_Prescription_size, itdd_Prescription_flex_tag, itdd_FlexProgram_size, kMaxImplantFlexSize);

// ---- requests ----

// A payload of the Request or Response oneof: its field number and bound.
struct PayloadBound {
  std::uint32_t tag = 0;
  std::size_t size = 0;
};
template <std::size_t N>
constexpr std::size_t largest_payload(const std::array<PayloadBound, N>& payloads) {
  std::size_t largest = 0;
  for (const PayloadBound& p : payloads) {
    const std::size_t s = field_size(p.tag, p.size);
    if (s > largest) largest = s;
  }
  return largest;
}

inline constexpr std::size_t kMaxImplantProgramSize =
    narrowed(itdd_ProgramPrescription_size, itdd_ProgramPrescription_prescription_tag,
             itdd_Prescription_size, kMaxImplantPrescriptionSize);

// Every kind of request (protocol_test checks the list against the schema's descriptor), a
// program command's at the implant's bound.
inline constexpr std::array<PayloadBound, 16> kImplantRequestPayloads = {{
    {itdd_Request_close_session_tag, itdd_CloseSession_size},
    {itdd_Request_interrogate_tag, itdd_Interrogate_size},
    {itdd_Request_program_tag, kMaxImplantProgramSize},
    {itdd_Request_refill_tag, itdd_Refill_size},
    {itdd_Request_clinician_bolus_tag, itdd_ClinicianBolus_size},
    {itdd_Request_patient_bolus_tag, itdd_PatientBolusRequest_size},
    {itdd_Request_silence_alarm_tag, itdd_SilenceAlarm_size},
    {itdd_Request_alarm_test_tag, itdd_AlarmTest_size},
    {itdd_Request_set_clock_tag, itdd_SetClock_size},
    {itdd_Request_read_event_log_tag, itdd_ReadEventLog_size},
    {itdd_Request_read_delivery_history_tag, itdd_ReadDeliveryHistory_size},
    {itdd_Request_query_command_status_tag, itdd_QueryCommandStatus_size},
    {itdd_Request_open_pairing_window_tag, itdd_OpenPairingWindow_size},
    {itdd_Request_list_paired_devices_tag, itdd_ListPairedDevices_size},
    {itdd_Request_revoke_paired_device_tag, itdd_RevokePairedDevice_size},
    {itdd_Request_prime_catheter_tag, itdd_PrimeCatheter_size},
}};
// The request id: a uint32.
inline constexpr std::size_t kRequestIdSize = tag_size(itdd_Request_request_id_tag) + 5;
static_assert(itdd_Request_size ==
                  kRequestIdSize + largest_payload(kImplantRequestPayloads) -
                      field_size(itdd_Request_program_tag, kMaxImplantProgramSize) +
                      field_size(itdd_Request_program_tag, itdd_ProgramPrescription_size),
              "the schema's largest Request: the request id and a program command");

// The largest request an implant reads: a program command of 7 days of 48 steps, each as
// FlexStep holds it.
inline constexpr std::size_t kMaxImplantRequestSize =
    kRequestIdSize + largest_payload(kImplantRequestPayloads);
static_assert(kMaxImplantRequestSize ==
                  kRequestIdSize + field_size(itdd_Request_program_tag, kMaxImplantProgramSize),
              "a program command is the largest request");

// ---- answers ----

inline constexpr std::size_t kMaxImplantStatusSize =
    narrowed(itdd_ImplantStatus_size, itdd_ImplantStatus_prescription_tag, itdd_Prescription_size,
             kMaxImplantPrescriptionSize);

// Every kind of answer's payload (checked against the descriptor as the requests'), an
// interrogation's status at the implant's bound.
inline constexpr std::array<PayloadBound, 11> kImplantAnswerPayloads = {{
    {itdd_Response_status_tag, kMaxImplantStatusSize},
    {itdd_Response_programmed_tag, itdd_Programmed_size},
    {itdd_Response_refilled_tag, itdd_Refilled_size},
    {itdd_Response_bolus_started_tag, itdd_BolusStarted_size},
    {itdd_Response_patient_bolus_tag, itdd_PatientBolusDecision_size},
    {itdd_Response_event_log_tag, itdd_EventLogPage_size},
    {itdd_Response_delivery_history_tag, itdd_DeliveryHistoryPage_size},
    {itdd_Response_command_status_tag, itdd_CommandStatus_size},
    {itdd_Response_pairing_window_tag, itdd_PairingWindow_size},
    {itdd_Response_paired_devices_tag, itdd_PairedDevices_size},
    {itdd_Response_priming_tag, itdd_Priming_size},
}};
// The request id (a uint32) and the result code (an enum of one-byte values).
inline constexpr std::size_t kAnswerHeadSize =
    kRequestIdSize + tag_size(itdd_Response_result_tag) + 1;
inline constexpr std::size_t kErrorDetailFieldSize =
    field_size(itdd_Response_error_tag, itdd_ErrorDetail_size);
static_assert(itdd_Response_size ==
                  kAnswerHeadSize + kErrorDetailFieldSize +
                      largest_payload(kImplantAnswerPayloads) -
                      field_size(itdd_Response_status_tag, kMaxImplantStatusSize) +
                      field_size(itdd_Response_status_tag, itdd_ImplantStatus_size),
              "the schema's largest Response: request id, result, error detail and a status");

// The largest answer the implant sends: an answer carries an error detail or a payload, never
// both (the command layer's refuse() clears the payload and ok() the error; the command fuzzer
// checks every answer), so the larger of a refusal and the largest payload's answer: an
// interrogation of 7 days of 48 steps as FlexStep holds them, every other field at its widest.
inline constexpr std::size_t kMaxImplantAnswerSize =
    kAnswerHeadSize + largest_payload(kImplantAnswerPayloads);
static_assert(kMaxImplantAnswerSize ==
                  kAnswerHeadSize + field_size(itdd_Response_status_tag, kMaxImplantStatusSize),
              "an interrogation is the largest answer");
static_assert(kErrorDetailFieldSize <= largest_payload(kImplantAnswerPayloads),
              "a refusal is no larger than the largest answer with a payload");

}  // namespace itdd::protocol

#include "itdd/protocol/implant_messages.h"

#include <pb_decode.h>
#include <pb_encode.h>

#include <array>
#include <cstdint>

namespace itdd::protocol {
namespace {

using therapy::kMaxStepsPerDay;
constexpr std::size_t kDays = 7;

static_assert(int{itdd_implant_ResultCode_RESULT_INVALID} == int{itdd_ResultCode_RESULT_INVALID} &&
              int{itdd_implant_ResultCode_RESULT_REFUSED} == int{itdd_ResultCode_RESULT_REFUSED});
static_assert(int{itdd_implant_ErrorLimit_ERROR_LIMIT_MAXIMUM} ==
                  int{itdd_ErrorLimit_ERROR_LIMIT_MAXIMUM} &&
              int{itdd_implant_ErrorUnit_ERROR_UNIT_NANOLITRES_PER_DAY} ==
                  int{itdd_ErrorUnit_ERROR_UNIT_NANOLITRES_PER_DAY});

// ---- decoding: a program command's days straight into its therapy::Prescription ----
//
// By hand, with nanopb's stream functions, what nanopb's decoder does for the host's static
// DayProgram and FlexStep (pb_decode.c, 0.4.7): fields in any order, the last value of a field
// kept, repeated steps appended, unknown fields skipped, a zero tag, a wrong wire type, a bad
// varint or a 49th step refused. (Not through pb_decode: a decoder called from a callback would
// make nanopb's submessage recursion unbounded for the static stack bound,
// scripts/stack_bound.py.)

struct DaysInto {
  therapy::Prescription* rx = nullptr;
  RefusedStep* refused = nullptr;       // the first step the implant's form does not hold
  std::span<const std::uint8_t> bytes;  // the request's: a day's bytes lie within them
  std::size_t days = 0;                 // days decoded so far
};

// The next field's tag and wire type: false at the end of `stream` (`end` set) or on an error,
// a zero tag refused as nanopb refuses it.
bool next_field(pb_istream_t* stream, pb_wire_type_t& wire_type, std::uint32_t& tag, bool& end) {
  if (!pb_decode_tag(stream, &wire_type, &tag, &end)) return false;
  if (tag == 0) PB_RETURN_ERROR(stream, "zero tag");
  return true;
}

bool read_varint_field(pb_istream_t* stream, pb_wire_type_t wire_type, std::uint64_t& value) {
  if (wire_type != PB_WT_VARINT) PB_RETURN_ERROR(stream, "wrong wire type");
  return pb_decode_varint(stream, &value);
}

// One FlexStep message (all of `stream`), as nanopb decodes int32 start_minute and int64
// dose_ng_per_day (an int32 from the low 32 bits of the varint).
bool decode_step(pb_istream_t* stream, std::int32_t& start_minute, std::int64_t& dose) {
  static_assert(itdd_implant_FlexStep_start_minute_tag == 1 &&
                itdd_implant_FlexStep_dose_ng_per_day_tag == 2);
  std::array<std::uint64_t, 3> value{};  // by field number: start_minute, dose_ng_per_day
  pb_wire_type_t wire_type{};
  std::uint32_t tag = 0;
  for (bool end = false; stream->bytes_left > 0;) {
    if (!next_field(stream, wire_type, tag, end)) {
      if (end) break;
      return false;
    }
    if (tag < value.size()) {
      if (!read_varint_field(stream, wire_type, value[tag])) return false;
    } else if (!pb_skip_field(stream, wire_type)) {
      return false;
    }
  }
  start_minute = static_cast<std::int32_t>(static_cast<std::uint32_t>(value[1]));
  dose = static_cast<std::int64_t>(value[2]);
  return true;
}

// One DayProgram message (all of `stream`): its steps appended to day `d`.
bool decode_day_program(pb_istream_t* stream, DaysInto& into, std::size_t d) {
  therapy::DayProgram& day = into.rx->flex.days[d];
  pb_wire_type_t wire_type{};
  std::uint32_t tag = 0;
  for (bool end = false; stream->bytes_left > 0;) {
    if (!next_field(stream, wire_type, tag, end)) {
      if (end) break;
      return false;
    }
    if (tag != itdd_implant_DayProgram_steps_tag) {
      if (!pb_skip_field(stream, wire_type)) return false;
      continue;
    }
    if (day.step_count >= kMaxStepsPerDay) PB_RETURN_ERROR(stream, "array overflow");
    if (wire_type != PB_WT_STRING) PB_RETURN_ERROR(stream, "wrong wire type");
    pb_istream_t step_stream;
    if (!pb_make_string_substream(stream, &step_stream)) return false;
    // As nanopb's submessages: the step's error (if any) becomes the day's when it is closed.
    std::int32_t start_minute = 0;
    std::int64_t dose = 0;
    const bool decoded = decode_step(&step_stream, start_minute, dose);
    if (!pb_close_string_substream(stream, &step_stream) || !decoded) return false;
    // A step the implant's form does not hold is left empty and kept as it came: the
    // conversion refuses the program there (the first such step, as prescription_from_wire()).
    if (!day.set_step(day.step_count, start_minute, DoseRate(dose), -1) && !into.refused->any) {
      *into.refused =
          RefusedStep{true, static_cast<std::uint8_t>(d), day.step_count, start_minute, dose};
    }
    ++day.step_count;
  }
  return true;
}

// FlexProgram.days: one day, the next of the week.
bool decode_day(pb_istream_t* stream, const pb_field_t* /*field*/, void** arg) {
  DaysInto& into = *static_cast<DaysInto*>(*arg);
  // A day is a submessage, its bytes a part of the request's. nanopb hands a callback a value
  // of another wire type in a buffer of its own (a local of its decoder's frame), without
  // saying so; for the host's static field it refuses such a value ("wrong wire type"), and so
  // does this. That buffer is never within the request's bytes nor at their end: they lie in
  // the caller's memory (a frame above the decoder's, or static), never right below a deeper
  // frame.
  const std::uintptr_t offset = reinterpret_cast<std::uintptr_t>(stream->state) -
                                reinterpret_cast<std::uintptr_t>(into.bytes.data());
  if (offset > into.bytes.size()) PB_RETURN_ERROR(stream, "wrong wire type");
  if (into.days >= kDays) PB_RETURN_ERROR(stream, "array overflow");
  return decode_day_program(stream, into, into.days++);
}

// Called before each program command's fields are decoded: its days go into the prescription.
// (The program command is the one submessage with this callback: itdd_implant.options.)
bool program_starts(pb_istream_t* /*stream*/, const pb_field_t* field, void** arg) {
  DaysInto& into = *static_cast<DaysInto*>(*arg);
  auto& program = *static_cast<itdd_implant_ProgramPrescription*>(field->pData);
  pb_callback_t& days = program.prescription.flex.days;
  if (days.funcs.decode == nullptr) {
    // A program command's first fields (nanopb cleared its place: it is new, or follows another
    // kind of request in the same message, which it replaces). A repeated one merges, as
    // nanopb merges the host's: its days are added to those decoded.
    *into.rx = therapy::Prescription{};
    *into.refused = RefusedStep{};
    into.days = 0;
    days.funcs.decode = &decode_day;
    days.arg = &into;
  }
  return true;
}

// ---- encoding: the days from the implant's prescription ----
// As nanopb encodes the host's static DayProgram and FlexStep: a step's zero fields left out
// (proto3), an int32 as its 64-bit sign extension.

bool encode_step_fields(pb_ostream_t* stream, const therapy::FlexStep& step) {
  if (step.start_minute() != 0) {
    if (!pb_encode_tag(stream, PB_WT_VARINT, itdd_implant_FlexStep_start_minute_tag) ||
        !pb_encode_varint(
            stream, static_cast<std::uint64_t>(static_cast<std::int64_t>(step.start_minute())))) {
      return false;
    }
  }
  if (step.dose_rate().count() != 0) {
    if (!pb_encode_tag(stream, PB_WT_VARINT, itdd_implant_FlexStep_dose_ng_per_day_tag) ||
        !pb_encode_varint(stream, static_cast<std::uint64_t>(step.dose_rate().count()))) {
      return false;
    }
  }
  return true;
}

bool encode_day_fields(pb_ostream_t* stream, const therapy::DayProgram& day) {
  const std::size_t steps = day.step_count < kMaxStepsPerDay ? day.step_count : kMaxStepsPerDay;
  for (std::size_t i = 0; i < steps; ++i) {
    pb_ostream_t sizing = PB_OSTREAM_SIZING;
    if (!encode_step_fields(&sizing, day.steps[i])) return false;
    if (!pb_encode_tag(stream, PB_WT_STRING, itdd_implant_DayProgram_steps_tag) ||
        !pb_encode_varint(stream, sizing.bytes_written) ||
        !encode_step_fields(stream, day.steps[i])) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool encode_implant_days(pb_ostream_t* stream, const pb_field_t* field, void* const* arg) {
  const therapy::FlexProgram& flex = *static_cast<const therapy::FlexProgram*>(*arg);
  // Up to the last day that has steps (prescription_to_wire checked the counts).
  std::size_t days = 0;
  for (std::size_t d = 0; d < kDays; ++d) {
    if (flex.days[d].step_count > 0) days = d + 1;
  }
  for (std::size_t d = 0; d < days; ++d) {
    pb_ostream_t sizing = PB_OSTREAM_SIZING;
    if (!encode_day_fields(&sizing, flex.days[d])) return false;
    if (!pb_encode_tag_for_field(stream, field) ||
        !pb_encode_varint(stream, sizing.bytes_written) ||
        !encode_day_fields(stream, flex.days[d])) {
      return false;
    }
  }
  return true;
}

Status decode_request(std::span<const std::uint8_t> bytes, ImplantRequest& out) {
  DaysInto into;
  into.rx = &out.prescription;
  into.refused = &out.refused_step;
  into.bytes = bytes;
  // (pb_decode sets every field to its default first; the callback is no field.)
  out.message.cb_payload.funcs.decode = &program_starts;
  out.message.cb_payload.arg = &into;
  pb_istream_t stream = pb_istream_from_buffer(bytes.data(), bytes.size());
  const bool decoded = pb_decode(&stream, itdd_implant_Request_fields, &out.message);
  // The callbacks point at this frame's `into`: taken out of the message. (A program
  // command's place that another kind of request took over is cleared by nanopb before it is a
  // program command's again.)
  out.message.cb_payload = pb_callback_t{};
  if (out.message.which_payload == itdd_implant_Request_program_tag) {
    out.message.payload.program.prescription.flex.days = pb_callback_t{};
  }
  if (!decoded) return make_error(ErrorCode::kInvalidArgument, "message", PB_GET_ERROR(&stream));
  return Status::Ok();
}

}  // namespace itdd::protocol

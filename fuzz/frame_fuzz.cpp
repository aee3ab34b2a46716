// libFuzzer harness for everything the implant reads from the radio before any session checks
// it: the stream reassembler, the frame decoder, the Request/Response/LinkError decoders and
// the prescription conversion. Any input must be taken or refused with a named reason; a
// crash, a sanitizer report or a broken invariant (__builtin_trap) is a bug.
//
// The input is used three ways: as a byte stream fed to the reassembler in chunks (sizes taken
// from the input itself), as one frame for decode_frame, and as a message payload for the
// decoders directly (so mutations reach the decoders without having to fix a CRC).
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "itdd/board/frame_receiver.h"
#include "itdd/protocol/frame.h"
#include "itdd/protocol/implant_messages.h"
#include "itdd/protocol/messages.h"
#include "itdd/protocol/prescription_wire.h"

namespace {

using namespace itdd::protocol;

void check(bool condition) {
  if (!condition) __builtin_trap();
}

void check_error(const itdd::Error& e) {
  check(e.field != nullptr && e.field[0] != '\0');
  check(e.message != nullptr && e.message[0] != '\0');
}

// Encoded bytes of a message, into a static buffer (one per use so two can be compared).
template <class Message>
std::span<const std::uint8_t> encoded(const Message& m, std::span<std::uint8_t> buffer) {
  const itdd::Result<std::size_t> n = encode(m, buffer);
  check(n.ok());  // whatever decoded must encode again
  return buffer.first(n.value());
}

void compare_views(const itdd::therapy::Prescription& rx);

// A prescription from the wire: if the implant's form takes it, it goes back to the wire and
// returns the same.
void exercise_prescription(const WirePrescription& wire) {
  static const itdd::therapy::PumpModel pump{};
  itdd::therapy::Prescription rx{};
  const itdd::Status structural = prescription_from_wire(wire, rx);
  itdd::therapy::Prescription validated{};
  const itdd::Status valid = validated_prescription_from_wire(wire, pump, validated);
  if (!structural.ok()) {
    check_error(structural.error());
    check(!valid.ok());
    return;
  }
  if (!valid.ok()) check_error(valid.error());
  compare_views(rx);

  static Request first{};
  static Request second{};
  first = Request{};
  first.which_payload = itdd_Request_program_tag;
  first.payload.program.has_prescription = true;
  check(prescription_to_wire(rx, first.payload.program.prescription).ok());
  itdd::therapy::Prescription again{};
  check(prescription_from_wire(first.payload.program.prescription, again).ok());
  second = first;
  check(prescription_to_wire(again, second.payload.program.prescription).ok());
  static std::uint8_t a[kMaxPayload];
  static std::uint8_t b[kMaxPayload];
  const auto x = encoded(first, a);
  const auto y = encoded(second, b);
  check(x.size() == y.size() && std::memcmp(x.data(), y.data(), x.size()) == 0);
  // A prescription in the implant's form always goes in a request an implant reads
  // (implant_bounds.h): a programmer never has to refuse one for its size.
  check(x.size() <= kMaxImplantRequestSize && fits_an_implant(first).ok());
}

// The implant's view of a prescription (implant_messages.h) against the host's: the same bytes
// for a status that carries it (its days encoded by callback from `rx`).
void compare_views(const itdd::therapy::Prescription& rx) {
  static Response host{};
  static ImplantResponse implant{};
  host = Response{};
  implant = ImplantResponse{};
  host.which_payload = itdd_Response_status_tag;
  implant.which_payload = itdd_implant_Response_status_tag;
  host.payload.status.has_prescription =
      prescription_to_wire(rx, host.payload.status.prescription).ok();
  implant.payload.status.has_prescription =
      prescription_to_wire(rx, implant.payload.status.prescription).ok();
  check(host.payload.status.has_prescription == implant.payload.status.has_prescription);
  static std::uint8_t a[kMaxPayload];
  static std::uint8_t b[kMaxPayload];
  const auto x = encoded(host, a);
  const itdd::Result<std::size_t> y = encode(implant, b);
  check(y.ok() && x.size() == y.value() && std::memcmp(x.data(), b, x.size()) == 0);
  // The implant's answer with it is within its bound (the link buffer's).
  check(y.value() <= kMaxImplantAnswerSize);
}

// A request in the implant's view (a program command's days decoded straight into its
// prescription) against the host's: read or refused alike, and a program command's
// prescription taken or refused alike (the same error), the same when taken.
void compare_request_views(std::span<const std::uint8_t> bytes, bool host_read,
                           const Request& request) {
  static ImplantRequest implant{};
  const itdd::Status read = decode_request(bytes, implant);
  check(read.ok() == host_read);
  if (!host_read) return;
  check(implant.message.which_payload == request.which_payload);
  if (request.which_payload != itdd_Request_program_tag) return;
  const auto& program = implant.message.payload.program;
  check(program.command_id == request.payload.program.command_id &&
        program.replaces_token == request.payload.program.replaces_token &&
        program.has_prescription == request.payload.program.has_prescription);
  static const itdd::therapy::PumpModel pump{};
  static itdd::therapy::Prescription host_rx{};
  const itdd::Status host_taken =
      validated_prescription_from_wire(request.payload.program.prescription, pump, host_rx);
  const itdd::Status implant_taken = validated_prescription_from_wire(
      program.prescription, implant.refused_step, pump, implant.prescription);
  check(host_taken.ok() == implant_taken.ok());
  if (!host_taken.ok()) {
    check(std::strcmp(host_taken.error().field, implant_taken.error().field) == 0 &&
          host_taken.error().index == implant_taken.error().index);
    return;
  }
  static Request host_again{};
  static Request implant_again{};
  host_again = Request{};
  implant_again = Request{};
  check(prescription_to_wire(host_rx, host_again.payload.program.prescription).ok());
  check(
      prescription_to_wire(implant.prescription, implant_again.payload.program.prescription).ok());
  static std::uint8_t a[kMaxPayload];
  static std::uint8_t b[kMaxPayload];
  const auto x = encoded(host_again, a);
  const auto y = encoded(implant_again, b);
  check(x.size() == y.size() && std::memcmp(x.data(), y.data(), x.size()) == 0);
}

void exercise_payload(std::span<const std::uint8_t> bytes) {
  static std::uint8_t a[kMaxPayload];
  static std::uint8_t b[kMaxPayload];

  static Request request{};
  const itdd::Status request_read = decode_request(bytes, request);
  compare_request_views(bytes, request_read.ok(), request);
  if (const itdd::Status& s = request_read; s.ok()) {
    // Decode, encode, decode, encode: the two encodings agree.
    const auto once = encoded(request, a);
    static Request again{};
    check(decode_request(once, again).ok());
    const auto twice = encoded(again, b);
    check(once.size() == twice.size() && std::memcmp(once.data(), twice.data(), once.size()) == 0);
    if (request.which_payload == itdd_Request_program_tag) {
      exercise_prescription(request.payload.program.prescription);
    }
  } else {
    check_error(s.error());
  }

  static Response response{};
  if (const itdd::Status s = decode_response(bytes, response); s.ok()) {
    const auto once = encoded(response, a);
    static Response again{};
    check(decode_response(once, again).ok());
    const auto twice = encoded(again, b);
    check(once.size() == twice.size() && std::memcmp(once.data(), twice.data(), once.size()) == 0);
    if (response.which_payload == itdd_Response_status_tag) {
      exercise_prescription(response.payload.status.prescription);
    }
  } else {
    check_error(s.error());
  }

  const itdd::Result<LinkError> link = decode_link_error(bytes);
  if (link.ok()) {
    encoded(link.value(), a);
  } else {
    check_error(link.error());
  }
}

void exercise_stream(std::span<const std::uint8_t> input) {
  static FrameReassembler reassembler;
  reassembler = FrameReassembler{};
  std::size_t pos = 0;
  std::size_t taken_by_frames = 0;
  std::size_t fed = 0;
  // Every call either feeds a byte, yields a frame or drops a byte: bounded by the input.
  for (std::size_t guard = 0; guard < 4 * input.size() + 16; ++guard) {
    const auto next = reassembler.next();
    if (!next.ok()) {
      check_error(next.error());
      check(next.error().index > 0);
      continue;
    }
    if (next.value().has_value()) {
      const FrameView& frame = *next.value();
      // The reassembler's frame is one decode_frame takes as it is.
      const std::span<const std::uint8_t> whole(frame.payload.data() - kFrameHeaderSize,
                                                frame.size);
      const itdd::Result<FrameView> again = decode_frame(whole);
      check(again.ok());
      check(again->type == frame.type && again->payload.size() == frame.payload.size());
      taken_by_frames += frame.size;
      exercise_payload(frame.payload);
      continue;
    }
    if (pos == input.size()) break;
    const std::size_t chunk = 1 + (input[pos] % 64);
    const std::size_t want = chunk < input.size() - pos ? chunk : input.size() - pos;
    const std::size_t n = reassembler.feed(input.subspan(pos, want));
    pos += n;
    fed += n;
  }
  check(pos == input.size());
  // Every byte fed is in a frame, dropped, or still buffered.
  check(taken_by_frames + reassembler.dropped_bytes() + reassembler.buffered() == fed);
}

}  // namespace

// The board's link UART (board/common's FrameReceiver), byte by byte into a small buffer so that
// headers announcing more than it holds occur: a frame it hands over decodes (or is the header
// of another version, for the radio to answer), fits its buffer, and every byte pushed is in a
// frame taken, dropped or still buffered.
void exercise_receiver(std::span<const std::uint8_t> input) {
  static std::array<std::uint8_t, 512> buffer{};
  itdd::board::FrameReceiver receiver(buffer);
  std::size_t taken = 0;
  for (std::uint8_t b : input) {
    const itdd::board::FrameReceiver::Took t = receiver.push(b);
    if (t == itdd::board::FrameReceiver::Took::kRefused) check_error(receiver.last_refusal());
    if (t != itdd::board::FrameReceiver::Took::kFrame) continue;
    const std::span<std::uint8_t> f = receiver.frame();
    check(f.size() <= buffer.size());
    const itdd::Result<FrameView> v = decode_frame(f);
    check(v.ok() || (f.size() == kFrameHeaderSize && f[2] != kProtocolVersion));
    taken += f.size();
    receiver.clear();
  }
  check(taken + receiver.dropped_bytes() + receiver.buffered() == input.size());
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  exercise_stream(input);
  exercise_receiver(input);
  const itdd::Result<FrameView> frame = decode_frame(input);
  if (frame.ok()) {
    check(frame->size == size);
    exercise_payload(frame->payload);
  } else {
    check_error(frame.error());
  }
  exercise_payload(input);
  return 0;
}

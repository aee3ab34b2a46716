// The link's frames from a byte stream (a board's UART), one byte at a time, into one buffer the
// caller owns: the same buffer then holds the implant's reply (app::ImplantRadio answers in
// place), so a board keeps a single frame buffer, sized by the largest frame it must handle.
//
// The frame format is protocol/frame.h's, the one the virtual implant reads over TCP: the host's
// programmer needs no special case for a board. Bytes that cannot start a frame are dropped; a
// header of an unknown type or announcing more than the buffer holds, or a whole frame whose CRC
// fails (damaged, or a truncated frame that swallowed the start of the next one), is refused and
// reading resumes at the next magic inside what was buffered, so a frame that followed it is
// still found. A truncated frame that announced more than followed it does not stall the line
// either: a frame that begins inside it and completes with a good CRC before it would is taken
// and the truncated one refused (no idle timer: under the emulator's skipped sleep a timer
// would fire between any two bytes). A header of another protocol version is handed over alone
// (the radio answers it with the versions it speaks). Work per byte is bounded by the buffer's
// size; nothing is allocated.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "itdd/core/result.h"

namespace itdd::board {

class FrameReceiver {
 public:
  explicit FrameReceiver(std::span<std::uint8_t> buffer) : buffer_(buffer) {}

  enum class Took : std::uint8_t {
    kMore,     // the byte was kept (or dropped as noise): more are needed
    kFrame,    // a whole frame is in the buffer: frame() until clear()
    kRefused,  // a frame was refused: last_refusal() says why; reading goes on
  };
  Took push(std::uint8_t byte);

  // The whole frame, after push() said kFrame. The caller may overwrite the buffer (with the
  // reply) and then calls clear().
  std::span<std::uint8_t> frame() { return buffer_.first(size_); }
  std::span<std::uint8_t> buffer() { return buffer_; }
  void clear() {
    size_ = 0;
    candidates_ = 0;
  }

  // The largest frame this receiver takes: its buffer.
  std::size_t capacity() const { return buffer_.size(); }
  std::size_t buffered() const { return size_; }
  std::uint64_t frames() const { return frames_; }
  std::uint64_t refused() const { return refused_; }
  std::uint64_t dropped_bytes() const { return dropped_; }
  // Why the last frame was refused ("frame.length": larger than the buffer; "frame.crc").
  const Error& last_refusal() const { return last_refusal_; }

 private:
  // Drops the buffered bytes before the next magic after the first byte (or all of them).
  void resync();
  Took refuse(Error why);
  void add_candidate(std::size_t at);
  // Where a candidate frame completed with a good CRC at the last byte (0: none); drops the
  // candidates that can no longer complete.
  std::size_t complete_candidate();

  std::span<std::uint8_t> buffer_;
  std::size_t size_ = 0;
  // Where magics inside the frame being received are (newest last), at most 8.
  std::array<std::size_t, 8> candidate_{};
  std::size_t candidates_ = 0;
  std::uint64_t frames_ = 0;
  std::uint64_t refused_ = 0;
  std::uint64_t dropped_ = 0;
  Error last_refusal_{};
};

}  // namespace itdd::board

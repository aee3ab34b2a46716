// The bench image of the emulated board (QEMU mps2-an386): the implant on the board's ports
// (board.h), the bench on UART1 (a test's text commands: board/README.md), the link (the
// implant's radio: protocol/frame.h's frames, as the virtual implant takes them over TCP) on
// UART2. The bench holds the implant's clock between its commands. The product image
// (product_main.cpp) is the same implant without the bench.
#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "board.h"
#include "cmsdk.h"
#include "itdd/board/bench.h"

using namespace itdd;
using namespace itdd::board;
using namespace itdd::board::mps2;

namespace {

Bench bench(implant_ports(), config);

// A byte from either UART, whichever has one (the link's first). Checked with interrupts
// masked: a byte arriving between the check and the WFI leaves its interrupt pending, which WFI
// wakes on (unmasked, its handler could run first and the core would sleep on with nothing
// left to wake it).
struct Received {
  bool link;
  std::uint8_t byte;
};
Received read_byte() {
  for (;;) {
    disable_irq();
    const bool link = link_byte_waiting();
    const bool bench_byte = (uart1().state & 2u) != 0;
    if (!link && !bench_byte) wait_for_interrupt();
    enable_irq();
    if (link) return {true, read_link_byte()};
    if (bench_byte) return {false, static_cast<std::uint8_t>(uart1().data & 0xFFu)};
  }
}

}  // namespace

extern "C" int board_main() {
  const hal::ResetCause cause = start_board(/*bench_input=*/true);
  bench.power_up(cause, WallTime(0));
  std::array<char, Bench::kMaxLine> line{};
  std::size_t size = 0;
  bool too_long = false;
  for (;;) {
    const Received r = read_byte();
    if (r.link) {
      if (!bench.link_byte(r.byte)) continue;
      // The implant's clock runs while it answers (a frame is handled at its own time, and
      // what it costs is counted).
      platform.release();
      const std::span<const std::uint8_t> reply = bench.answer_frame();
      platform.hold();
      Mps2Platform::send_frame(reply);
      continue;
    }
    const char c = static_cast<char>(r.byte);
    if (c != '\n') {
      // A line longer than the buffer: the rest of it read and dropped, then refused.
      if (size == line.size()) {
        too_long = true;
      } else {
        line[size++] = c;
      }
      continue;
    }
    const std::string_view text(line.data(), size);
    size = 0;
    if (too_long) {
      too_long = false;
      bench.line_too_long();
      continue;
    }
    if (text.starts_with("run-until")) platform.release();
    bench.handle_line(text);
    platform.hold();
  }
}

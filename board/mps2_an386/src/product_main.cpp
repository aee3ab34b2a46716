// The product image of the emulated board (QEMU mps2-an386): the implant on the board's ports
// (board.h) with the link on UART2 as its only way in (the implant's radio: protocol/frame.h's
// frames, as the virtual implant takes them over TCP), and no bench. The implant's clock runs
// from power-up; the core sleeps (WFI) until the implant's next wake-up or a byte on the link.
//
// What the bench's `seed` and `provision` give the bench image comes from the factory record
// (board/common/include/itdd/board/provisioning.h), written at manufacture into the linker
// script's FACTORY page and checked at every power-up: the random source's seed and the clinic's
// first programmer. Without a good record the radio stays off, the therapy goes on, and UART1
// (the board's text output, not connected on a product) says why in one line.
#include <cstdint>
#include <span>

#include "board.h"
#include "itdd/board/implant_node.h"
#include "itdd/board/line.h"
#include "itdd/board/provisioning.h"

using namespace itdd;
using namespace itdd::board;
using namespace itdd::board::mps2;

namespace {

ImplantNode node(implant_ports(), config);

// "radio on key=HEX peers=N" or "radio off", and if the factory path failed ": FIELD: why" (a
// bad record; or the radio on but the record's programmer refused). Apart from the loop (the
// line's buffer on the stack only while it is said).
__attribute__((noinline)) void say_radio(const Status& started) {
  Line l;
  l << "radio ";
  node.describe_radio(l);
  if (!started.ok()) l << ": " << started.error().field << ": " << started.error().message;
  platform.send_line(l.view());
}

// The implant powered up, and its radio if the factory record is good: the record's seed and
// programmer (ImplantNode::start_radio). Apart from the loop (the record on the stack only here).
__attribute__((noinline)) void power_up(hal::ResetCause cause) {
  const Result<ProvisioningRecord> record = read_provisioning_record(factory_page());
  node.power_up(cause, WallTime(0), /*radio=*/record.ok());
  say_radio(record.ok() ? node.start_radio(record.value()) : Status(record.error()));
}

}  // namespace

extern "C" int board_main() {
  const hal::ResetCause cause = start_board(/*bench_input=*/false);
  platform.wake_on_link();
  platform.release();
  power_up(cause);
  WakeGuard guard;
  for (;;) {
    platform.kick_watchdog();
    if (link_byte_waiting()) {
      if (!node.link_byte(read_link_byte())) continue;
      const std::span<const std::uint8_t> reply = node.answer_frame();
      if (node.radio() == nullptr)
        platform.send_line("link: a frame, not answered: the radio is off");
      Mps2Platform::send_frame(reply);
      continue;
    }
    const ImplantTime now = platform.now();
    platform.keep_clock(now);
    node.wake_radio(now);
    app::Implant& implant = *node.implant();
    if (implant.next_wake() <= now) {
      if (guard.allow(now)) {
        implant.on_wake(now);
        continue;
      }
      platform.sleep_until(now + Duration(1));
      continue;
    }
    platform.sleep_until(node.next_wake(now));
  }
}

// What both images of the emulated board share (board.cpp): the Platform on its peripherals
// (TIMER0 the implant's clock, TIMER1 the wake-up, the watchdog, UART1 the text line, UART2 the
// link), the implant's ports, the backup domain that survives a reset (the clock, the reset's
// cause, the random source's seed and its starts) and the start-up both run before the implant
// powers up. The bench image (main.cpp) adds the bench on UART1; the product image
// (product_main.cpp) has only the link, and its factory record.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "itdd/app/implant.h"
#include "itdd/board/implant_node.h"
#include "itdd/hal/reset_cause.h"

namespace itdd::board::mps2 {

class Mps2Platform final : public Platform {
 public:
  ImplantTime now() override;
  // Sleeps (WFI) until `t`, at most a minute (the watchdog), or an interrupt. With
  // wake_on_link(): not at all while a byte waits on the link's UART.
  void sleep_until(ImplantTime t) override;
  void power_cut(Duration off) override;
  std::uint64_t instructions() override;
  std::uint32_t stack_used() override;
  void kick_watchdog() override;
  void send_line(std::string_view line) override;
  // The seed kept in the backup domain; the random source installed on it (stream 0).
  void seed_random(std::span<const std::uint8_t, 32> seed) override;
  bool random_seeded() override;

  // The reply frame on the link's UART.
  static void send_frame(std::span<const std::uint8_t> frame);
  // The product image answers the link while it runs: a byte waiting there ends a sleep.
  void wake_on_link() { wake_on_link_ = true; }

  // The bench holds the implant's clock while it is not running the implant (a debugger's halt):
  // the timers and the watchdog stop, so the emulator has nothing to wake for. release() runs
  // them (the product image from power-up on).
  void hold();
  void release();
  void set_clock(std::int64_t ms) { held_at_ = ImplantTime(ms); }
  // Keeps `now` in the backup domain: after a reset the board did not record (the emulator's
  // own), the clock resumes from the last time kept, as an RTC's would nearly.
  void keep_clock(ImplantTime now);

 private:
  std::int64_t base_ms_ = 0;
  ImplantTime held_at_{};
  bool held_ = true;
  bool wake_on_link_ = false;
};

extern Mps2Platform platform;
extern const app::ImplantConfig config;
// The implant's ports on this board: the platform, the counting motor, the silent buzzer, the
// NOR part, the nominal cell, libsodium and the link's one frame buffer.
ImplantPorts implant_ports();

// Before the implant powers up: the stack painted, the UARTs (UART1's receiver only with
// `bench_input`) and their interrupts, the backup domain read (a factory-fresh board: the NOR
// part erased), the clock set where the last reset left it, and the random source installed on
// the kept seed with a stream of this start's own. The cause of this reset.
hal::ResetCause start_board(bool bench_input);

// A byte waiting on the link's UART (UART2), if any.
bool link_byte_waiting();
std::uint8_t read_link_byte();

// The factory page (the linker script's FACTORY region): the product image's provisioning
// record.
std::span<const std::uint8_t> factory_page();

}  // namespace itdd::board::mps2

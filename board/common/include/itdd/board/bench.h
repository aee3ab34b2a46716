// The bench: how a host drives a board in a test, over the board's bench UART, one text line
// per command and one or more lines per answer (the protocol is in board/README.md). It runs
// the whole implant (app::Implant) on the board's ports, wakes it exactly when it asks with the
// board's timer and sleep, and between commands holds the implant's clock, as a debugger
// halting the core would, so a run is the same whatever the host's own speed.
//
// Portable: the target build (board/mps2_an386) and the host build (board/host) run this same
// code, and a test compares their answers line for line.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "itdd/app/implant.h"
#include "itdd/board/counting_motor.h"
#include "itdd/core/time.h"
#include "itdd/hal/buzzer.h"
#include "itdd/hal/nvm.h"
#include "itdd/hal/power_sense.h"
#include "itdd/hal/reset_cause.h"
#include "itdd/therapy/prescription.h"

namespace itdd::board {

// What differs between the emulated board and the host build.
class Platform {
 public:
  // The implant's monotonic clock (the board's timer), ms.
  virtual ImplantTime now() = 0;
  // Sleeps (WFI) until `t` or an interrupt, whichever is first.
  virtual void sleep_until(ImplantTime t) = 0;
  // The bench cuts the supply for `off` and restores it: RAM is lost, the NVM and the real-time
  // clock keep running. On the target it resets the processor and does not return; on the host
  // it advances the clock and returns, and the bench powers the implant up again.
  virtual void power_cut(Duration off) = 0;
  virtual void kick_watchdog() = 0;
  // One line of output to the bench (without its newline).
  virtual void send_line(std::string_view line) = 0;
  // Instructions the core has executed since power-up, where the platform can count them (the
  // emulator with one instruction per nanosecond of its clock); 0 where it cannot (the host).
  virtual std::uint64_t instructions() = 0;
  // The most stack the board has used since power-up (its high-water mark), bytes; 0 where it
  // cannot tell (the host).
  virtual std::uint32_t stack_used() = 0;

 protected:
  ~Platform() = default;
};

// What the implant's wake-ups cost, by kind, in instructions (board/README.md, docs/footprint.md).
struct WakeupCost {
  std::uint64_t count = 0;
  std::uint64_t instructions = 0;
  std::uint64_t most = 0;  // the dearest one
  void add(std::uint64_t n) {
    ++count;
    instructions += n;
    if (n > most) most = n;
  }
};
enum class WakeupKind : std::uint8_t { kStroke, kDaily, kHourly, kOther, kCount };

struct BenchPorts {
  Platform& platform;
  CountingMotor& motor;
  hal::Buzzer& buzzer;
  hal::Nvm& nvm;
  hal::PowerSense& power_sense;
};

class Bench {
 public:
  Bench(BenchPorts ports, const app::ImplantConfig& config) : ports_(ports), config_(config) {}

  // After a reset: builds the implant on the NVM's contents and boots it; says so on the bench.
  void power_up(hal::ResetCause cause, WallTime wall);
  // One command line (without its newline). Every line gets an answer ending in "ok ..." or
  // "error ...", and a line that is not a command changes nothing.
  void handle_line(std::string_view line);
  // A line longer than the bench's buffer (kMaxLine) arrived: refused, its rest dropped.
  void line_too_long();
  static constexpr std::size_t kMaxLine = 160;
  // Runs the implant until implant time `end`: it sleeps until each wake-up it asks for.
  void run_until(ImplantTime end);

  std::uint32_t refused_lines() const { return refused_; }
  app::Implant* implant() { return implant_ ? &*implant_ : nullptr; }

 private:
  void refuse(std::string_view what);
  void answer_status();
  void dump_log();

  BenchPorts ports_;
  const app::ImplantConfig& config_;
  std::optional<app::Implant> implant_;
  Status program_continuous(const therapy::Drug& drug, Concentration concentration, DoseRate dose,
                            ImplantTime now);
  void answer_cost();

  std::uint32_t refused_ = 0;
  std::uint64_t wakeups_ = 0;
  std::array<WakeupCost, static_cast<std::size_t>(WakeupKind::kCount)> costs_{};
  ImplantTime last_wake_{};
};

// A line of text built without printf or the heap.
class Line {
 public:
  Line& operator<<(std::string_view s);
  Line& operator<<(std::int64_t v);
  std::string_view view() const { return {buffer_, size_}; }

 private:
  char buffer_[160]{};
  std::size_t size_ = 0;
};

}  // namespace itdd::board

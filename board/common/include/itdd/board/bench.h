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
#include "itdd/app/radio.h"
#include "itdd/board/counting_motor.h"
#include "itdd/board/frame_receiver.h"
#include "itdd/core/time.h"
#include "itdd/hal/buzzer.h"
#include "itdd/hal/crypto.h"
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
  // The entropy the radio's keys come from. A board without a random number generator is
  // given a 32-byte seed at manufacture (the bench's `seed`), which it keeps across resets;
  // until then the radio stays off. A platform with its own entropy (the host's OS) ignores
  // the seed but still waits for it, so a bench run reads the same on both.
  virtual void seed_random(std::span<const std::uint8_t, 32> seed) = 0;
  virtual bool random_seeded() = 0;

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
// kHello, kRecord and kPairing are not wake-ups of the implant's own: a frame on the link (a
// handshake Hello; a record: a sealed request and its sealed answer; a PairHello or PairProof).
enum class WakeupKind : std::uint8_t {
  kStroke,
  kDaily,
  kHourly,
  kOther,
  kHello,
  kRecord,
  kPairing,
  kCount
};

struct BenchPorts {
  Platform& platform;
  CountingMotor& motor;
  hal::Buzzer& buzzer;
  hal::Nvm& nvm;
  hal::PowerSense& power_sense;
  // The radio's cryptography (hal::Crypto on libsodium); null: a board without the link.
  hal::Crypto* crypto = nullptr;
  // The link's one frame buffer (received frame, then the reply in its place): at least
  // app::kMaxReplyFrameSize bytes.
  std::span<std::uint8_t> link_buffer{};
};

class Bench {
 public:
  Bench(BenchPorts ports, const app::ImplantConfig& config)
      : ports_(ports), config_(config), link_(ports.link_buffer) {}

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

  // One byte from the link's UART (the implant's radio): true when it completed a frame, which
  // answer_frame() then answers.
  bool link_byte(std::uint8_t byte);
  // The implant's radio answers the frame received, in the link buffer; the reply to send
  // (empty: none).
  std::span<const std::uint8_t> answer_frame();

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
  // The implant's radio (after the implant, which it refers to); on once the board is seeded.
  std::optional<app::ImplantRadio> radio_;
  FrameReceiver link_;
  std::uint64_t replies_ = 0;
  void answer_cost();
  void answer_radio();
  void boot_radio(ImplantTime now);
  void seed(std::string_view hex);
  void provision(std::string_view role, std::string_view hex);

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
  char buffer_[240]{};  // the radio's line: a 64-digit key and its counters
  std::size_t size_ = 0;
};

}  // namespace itdd::board

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

#include "itdd/board/implant_node.h"
#include "itdd/board/line.h"
#include "itdd/therapy/prescription.h"

namespace itdd::board {

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

// The bench runs the implant on the same ports as the product image (implant_node.h).
using BenchPorts = ImplantPorts;

class Bench {
 public:
  Bench(BenchPorts ports, const app::ImplantConfig& config) : ports_(ports), node_(ports, config) {}

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
  bool link_byte(std::uint8_t byte) { return node_.link_byte(byte); }
  // The implant's radio answers the frame received, in the link buffer; the reply to send
  // (empty: none).
  std::span<const std::uint8_t> answer_frame();

  std::uint32_t refused_lines() const { return refused_; }
  app::Implant* implant() { return node_.implant(); }

 private:
  void refuse(std::string_view what);
  void answer_status();
  void dump_log();

  BenchPorts ports_;
  // The implant, its radio and the link's receiver, as the product image runs them.
  ImplantNode node_;
  Status program_continuous(const therapy::Drug& drug, Concentration concentration, DoseRate dose,
                            ImplantTime now);
  void answer_cost();
  void answer_radio();
  void seed(std::string_view hex);
  void provision(std::string_view role, std::string_view hex);

  std::uint32_t refused_ = 0;
  std::uint64_t wakeups_ = 0;
  std::array<WakeupCost, static_cast<std::size_t>(WakeupKind::kCount)> costs_{};
  ImplantTime last_wake_{};
};

}  // namespace itdd::board

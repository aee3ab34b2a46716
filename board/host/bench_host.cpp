// The board's bench run on the PC: the same Bench (board/common) and ports as the emulated
// board, with a clock that jumps to each wake-up at once, reading the bench's lines on stdin and
// answering on stdout. A board run is compared with it line for line
// (board/test/board_therapy_run.py).
#include <array>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "itdd/board/bench.h"
#include "itdd/board/counting_motor.h"
#include "itdd/board/fixed_ports.h"
#include "itdd/board/ram_nvm.h"
#include "itdd/host/sodium_crypto.h"
#include "itdd/storage/layout.h"

namespace {

using namespace itdd;

class HostPlatform final : public board::Platform {
 public:
  ImplantTime now() override { return now_; }
  void sleep_until(ImplantTime t) override {
    if (t > now_) now_ = t;
  }
  void power_cut(Duration off) override { now_ = now_ + off; }
  void kick_watchdog() override {}
  std::uint64_t instructions() override { return 0; }  // not counted on the host
  std::uint32_t stack_used() override { return 0; }
  void send_line(std::string_view line) override { std::cout << line << '\n' << std::flush; }
  // The host's libsodium draws on the OS; the seed only switches the radio on, as on the board.
  void seed_random(std::span<const std::uint8_t, 32>) override { seeded_ = true; }
  bool random_seeded() override { return seeded_; }

 private:
  ImplantTime now_{};
  bool seeded_ = false;
};

}  // namespace

int main() {
  HostPlatform platform;
  board::CountingMotor motor;
  board::SilentBuzzer buzzer;
  board::NominalPowerSense power_sense;
  std::vector<std::uint8_t> bytes(storage::kImplantFlash.size());
  board::RamNvm nvm(storage::kImplantFlash, bytes);
  nvm.erase_all();
  const app::ImplantConfig config{};
  host::SodiumCrypto crypto;
  std::vector<std::uint8_t> link_buffer(app::kLinkBufferSize);
  board::Bench bench({platform, motor, buzzer, nvm, power_sense, &crypto, link_buffer}, config);
  bench.power_up(hal::ResetCause::kPowerOn, WallTime(0));
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.size() > board::Bench::kMaxLine) {
      bench.line_too_long();
      continue;
    }
    bench.handle_line(line);
  }
  return 0;
}

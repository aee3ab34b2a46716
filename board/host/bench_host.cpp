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
#include "itdd/board/ram_nvm.h"
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
  void send_line(std::string_view line) override { std::cout << line << '\n' << std::flush; }

 private:
  ImplantTime now_{};
};

// The emulated board's fixed readings (board/mps2_an386/src/main.cpp): the same here.
class NominalPowerSense final : public hal::PowerSense {
 public:
  Result<hal::BatteryReading> read_battery() override { return hal::BatteryReading{3000, 0}; }
};
class SilentBuzzer final : public hal::Buzzer {
 public:
  hal::BuzzerOutcome play(std::span<const hal::ToneSegment>) override {
    return hal::BuzzerOutcome::kStarted;
  }
  void stop() override {}
};

}  // namespace

int main() {
  HostPlatform platform;
  board::CountingMotor motor;
  SilentBuzzer buzzer;
  NominalPowerSense power_sense;
  std::vector<std::uint8_t> bytes(storage::kImplantFlash.size());
  board::RamNvm nvm(storage::kImplantFlash, bytes);
  nvm.erase_all();
  const app::ImplantConfig config{};
  board::Bench bench({platform, motor, buzzer, nvm, power_sense}, config);
  bench.power_up(hal::ResetCause::kPowerOn, WallTime(0));
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.size() > 160) {
      platform.send_line("error line longer than 160 characters");
      continue;
    }
    bench.handle_line(line);
  }
  return 0;
}

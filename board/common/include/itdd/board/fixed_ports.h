// The emulated board's fixed ports, shared by its image (board/mps2_an386), the host build of its
// bench (board/host) and the board's tests, so all three read the same battery and play the same
// silence.
#pragma once

#include <span>

#include "itdd/hal/buzzer.h"
#include "itdd/hal/power_sense.h"

namespace itdd::board {

// The emulated board has no battery ADC: the cell reads its nominal loaded voltage.
class NominalPowerSense final : public hal::PowerSense {
 public:
  Result<hal::BatteryReading> read_battery() override { return hal::BatteryReading{3000, 0}; }
};

// Nor a piezo: a pattern "plays" for its duration on a PWM the emulator does not have.
class SilentBuzzer final : public hal::Buzzer {
 public:
  hal::BuzzerOutcome play(std::span<const hal::ToneSegment>) override {
    return hal::BuzzerOutcome::kStarted;
  }
  void stop() override {}
};

}  // namespace itdd::board

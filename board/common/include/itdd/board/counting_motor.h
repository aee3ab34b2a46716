// The pump motor as the emulated board drives it: each commanded stroke is counted (the rotor
// sensor's count), or refused when the driver is off or the rotor is held (a stall: an MRI
// field, a blockage; set by the bench, as the simulator's mechanism does). The emulated board
// has no coil to measure, so the drive load is the nominal one.
#pragma once

#include <cstdint>

#include "itdd/hal/motor.h"

namespace itdd::board {

inline constexpr std::uint16_t kNominalLoadPermille = 400;  // as the simulator's mechanism

class CountingMotor final : public hal::Motor {
 public:
  hal::StrokeFeedback stroke() override {
    if (!enabled_ || stalled_)
      return {hal::StrokeOutcome::kStalled, 1000};  // a held rotor: full load
    ++sensed_;
    ++completed_;
    return {hal::StrokeOutcome::kCompleted, kNominalLoadPermille};
  }
  std::uint32_t sensed_strokes() const override { return sensed_; }
  void set_enabled(bool enabled) override { enabled_ = enabled; }

  // The bench's controls and readings.
  void set_stalled(bool stalled) { stalled_ = stalled; }
  bool stalled() const { return stalled_; }
  bool enabled() const { return enabled_; }
  // Strokes completed since power-up.
  std::uint32_t completed() const { return completed_; }

 private:
  std::uint32_t sensed_ = 0;
  std::uint32_t completed_ = 0;
  bool enabled_ = true;  // the driver is powered at power-up
  bool stalled_ = false;
};

}  // namespace itdd::board

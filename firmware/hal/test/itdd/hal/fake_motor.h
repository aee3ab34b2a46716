// A Motor for host tests: counts strokes, stalls and loads on demand, and can run away.
#pragma once

#include <cstdint>

#include "itdd/hal/motor.h"

namespace itdd::hal {

class FakeMotor final : public Motor {
 public:
  StrokeFeedback stroke() override {
    ++attempts;
    if (stalled || !enabled) return StrokeFeedback{StrokeOutcome::kStalled, 1000};
    ++completed;
    ++sensed;
    return StrokeFeedback{StrokeOutcome::kCompleted, load_permille};
  }
  std::uint32_t sensed_strokes() const override { return sensed; }
  void set_enabled(bool on) override { enabled = on; }

  // An uncommanded stroke, as a runaway motor makes (only while powered).
  void run_away(std::uint32_t strokes) {
    if (enabled) sensed += strokes;
  }

  std::int64_t attempts = 0;
  std::int64_t completed = 0;
  std::uint32_t sensed = 0;
  bool stalled = false;
  bool enabled = true;
  std::uint16_t load_permille = 400;
};

}  // namespace itdd::hal

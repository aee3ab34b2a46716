// A Motor for host tests: counts strokes and stalls on demand.
#pragma once

#include <cstdint>

#include "itdd/hal/motor.h"

namespace itdd::hal {

class FakeMotor final : public Motor {
 public:
  StrokeOutcome stroke() override {
    ++attempts;
    if (stalled) return StrokeOutcome::kStalled;
    ++completed;
    return StrokeOutcome::kCompleted;
  }
  std::int64_t attempts = 0;
  std::int64_t completed = 0;
  bool stalled = false;
};

}  // namespace itdd::hal

// A Buzzer for host tests: records every pattern it was asked to play, and can be made busy or
// faulty on demand. It keeps no time of its own; tests know when they called.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "itdd/hal/buzzer.h"

namespace itdd::hal {

class FakeBuzzer final : public Buzzer {
 public:
  BuzzerOutcome play(std::span<const ToneSegment> pattern) override {
    ++requests;
    if (busy) return BuzzerOutcome::kBusy;
    if (faulty) return BuzzerOutcome::kFault;
    plays.emplace_back(pattern.begin(), pattern.end());
    return BuzzerOutcome::kStarted;
  }
  void stop() override { ++stops; }

  std::vector<std::vector<ToneSegment>> plays;  // every pattern started, in order
  std::int64_t requests = 0;
  std::int64_t stops = 0;
  bool busy = false;
  bool faulty = false;
};

}  // namespace itdd::hal

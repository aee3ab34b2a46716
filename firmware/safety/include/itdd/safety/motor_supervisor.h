// Watches the motor's feedback for the two mechanical faults the implant can sense:
//   stall      a stroke that would not turn even after retries (MRI, worn gear): raised at the
//              first missed stroke, cleared at the first stroke that turns again;
//   occlusion  the drive effort per stroke rising well above what this pump normally needs
//              (a kinked or blocked catheter): raised after several consecutive strokes above
//              the threshold, cleared after several back below the clear level.
// The baseline is learned from the pump's own first strokes, so it follows the individual
// mechanism. A catheter disconnection or leak *lowers* resistance and cannot be told from
// normal running: that is the programmer's refill check's job (docs/hazards.md).
#pragma once

#include <cstdint>

namespace itdd::safety {

struct MotorChange {
  bool stall_raised = false;
  bool stall_cleared = false;
  bool occlusion_raised = false;
  bool occlusion_cleared = false;
};

class MotorSupervisor {
 public:
  static constexpr std::uint16_t kLearningStrokes = 32;
  static constexpr std::uint16_t kOcclusionPercent = 150;  // of baseline, to raise
  static constexpr std::uint16_t kClearPercent = 120;      // of baseline, to clear
  static constexpr std::uint16_t kConsecutive = 5;

  struct State {
    std::uint32_t learned = 0;  // strokes in the baseline so far
    std::uint32_t baseline_sum = 0;
    std::uint16_t baseline = 0;  // per mille
    std::uint16_t above = 0;     // consecutive strokes above the occlusion level
    std::uint16_t below = 0;     // consecutive strokes below the clear level
    bool stalled = false;
    bool occluded = false;
  };

  MotorChange on_stroke(bool turned, std::uint16_t load_permille);

  bool stalled() const { return state_.stalled; }
  bool occluded() const { return state_.occluded; }
  std::uint16_t baseline() const { return state_.baseline; }
  const State& state() const { return state_; }
  void restore(const State& state) { state_ = state; }

 private:
  State state_{};
};

}  // namespace itdd::safety

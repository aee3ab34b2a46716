#include "itdd/safety/motor_supervisor.h"

namespace itdd::safety {

MotorChange MotorSupervisor::on_stroke(bool turned, std::uint16_t load_permille) {
  MotorChange change;
  if (!turned) {
    if (!state_.stalled) {
      state_.stalled = true;
      change.stall_raised = true;
    }
    return change;
  }
  if (state_.stalled) {
    state_.stalled = false;
    change.stall_cleared = true;
  }
  if (state_.learned < kLearningStrokes) {
    state_.baseline_sum += load_permille;
    ++state_.learned;
    state_.baseline = static_cast<std::uint16_t>(state_.baseline_sum / state_.learned);
    return change;
  }
  // load >= baseline x 150 % and load < baseline x 120 %, compared in hundredths (no division
  // on every stroke).
  const std::uint32_t load = static_cast<std::uint32_t>(load_permille) * 100;
  const std::uint32_t raise_level = static_cast<std::uint32_t>(state_.baseline) * kOcclusionPercent;
  const std::uint32_t clear_level = static_cast<std::uint32_t>(state_.baseline) * kClearPercent;
  state_.above = load >= raise_level ? static_cast<std::uint16_t>(state_.above + 1) : 0;
  state_.below = load < clear_level ? static_cast<std::uint16_t>(state_.below + 1) : 0;
  if (state_.above > kConsecutive) state_.above = kConsecutive;
  if (state_.below > kConsecutive) state_.below = kConsecutive;
  if (!state_.occluded && state_.above >= kConsecutive) {
    state_.occluded = true;
    change.occlusion_raised = true;
  } else if (state_.occluded && state_.below >= kConsecutive) {
    state_.occluded = false;
    change.occlusion_cleared = true;
  }
  return change;
}

}  // namespace itdd::safety

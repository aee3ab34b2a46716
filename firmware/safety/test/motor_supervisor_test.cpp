#include "itdd/safety/motor_supervisor.h"

#include <gtest/gtest.h>

namespace itdd::safety {
namespace {

void strokes(MotorSupervisor& s, int n, std::uint16_t load) {
  for (int i = 0; i < n; ++i) (void)s.on_stroke(true, load);
}

TEST(MotorSupervisor, StallRaisedAtOnceAndClearedOnRecovery) {
  MotorSupervisor s;
  strokes(s, 40, 400);
  MotorChange c = s.on_stroke(false, 1000);
  EXPECT_TRUE(c.stall_raised);
  c = s.on_stroke(false, 1000);
  EXPECT_FALSE(c.stall_raised);  // raised once
  c = s.on_stroke(true, 400);
  EXPECT_TRUE(c.stall_cleared);
  EXPECT_FALSE(s.stalled());
}

TEST(MotorSupervisor, OcclusionAfterConsecutiveHighLoads) {
  MotorSupervisor s;
  strokes(s, MotorSupervisor::kLearningStrokes, 400);
  EXPECT_EQ(s.baseline(), 400);
  // A single spike is not an occlusion.
  EXPECT_FALSE(s.on_stroke(true, 900).occlusion_raised);
  strokes(s, 1, 400);
  // A rising load: 4 strokes at 600 (150 %) are not enough, the 5th is.
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(s.on_stroke(true, 600).occlusion_raised);
  EXPECT_TRUE(s.on_stroke(true, 600).occlusion_raised);
  EXPECT_TRUE(s.occluded());
  // Cleared only after 5 strokes back under 120 %.
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(s.on_stroke(true, 450).occlusion_cleared);
  EXPECT_TRUE(s.on_stroke(true, 450).occlusion_cleared);
}

TEST(MotorSupervisor, BaselineFollowsThePump) {
  MotorSupervisor s;
  strokes(s, MotorSupervisor::kLearningStrokes, 200);
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(s.on_stroke(true, 280).occlusion_raised);
  for (int i = 0; i < 5; ++i) (void)s.on_stroke(true, 300);
  EXPECT_TRUE(s.occluded());
}

}  // namespace
}  // namespace itdd::safety

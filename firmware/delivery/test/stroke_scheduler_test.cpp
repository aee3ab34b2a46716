#include "itdd/delivery/stroke_scheduler.h"

#include <gtest/gtest.h>

#include "../../therapy/test/test_prescriptions.h"

namespace itdd::delivery {
namespace {

using therapy::testing::kMorphine25;
using therapy::testing::morphine_flex;

constexpr Volume kStroke = microlitres(1);
// Monday 2026-01-05 00:00 local, in ms since 1970.
constexpr std::int64_t kMonday = 20458LL * kMillisPerDay;

// Runs the scheduler as the engine does, taking every stroke when due; returns strokes taken.
std::int64_t run(StrokeScheduler& s, ImplantTime until) {
  std::int64_t taken = 0;
  for (int guard = 0; guard < 10'000'000; ++guard) {
    const ImplantTime wake = s.next_wake();
    if (wake > until) break;
    s.advance(wake);
    if (s.stroke_due()) {
      s.take_stroke();
      ++taken;
    }
  }
  s.advance(until);
  return taken;
}

TEST(StrokeScheduler, ContinuousDeliversExactlyOnSchedule) {
  StrokeScheduler s(kStroke, ImplantTime(0), Duration(kMonday));
  s.set_continuous(FlowRate(1'000'000), ImplantTime(0));  // 1 mL/day: a stroke every 86.4 s
  EXPECT_EQ(s.next_wake(), ImplantTime(86'400));
  EXPECT_EQ(run(s, ImplantTime(0) + days(1)), 1000);
  EXPECT_EQ(s.programmed_volume(), millilitres(1));
  EXPECT_EQ(s.pending_units(), 0);
}

TEST(StrokeScheduler, RemainderCarriesAcrossRateChanges) {
  StrokeScheduler s(kStroke, ImplantTime(0), Duration(kMonday));
  s.set_continuous(FlowRate(333'333), ImplantTime(0));
  const std::int64_t a = run(s, ImplantTime(0) + hours(7));
  s.set_continuous(FlowRate(777'777), ImplantTime(0) + hours(7));
  const std::int64_t b = run(s, ImplantTime(0) + hours(31));
  // Exact integral: 333,333 * 7/24 + 777,777 * 24/24 nL.
  const double programmed = 333'333.0 * 7 / 24 + 777'777.0;
  const double delivered = static_cast<double>((a + b) * kStroke.count());
  EXPECT_LE(delivered, programmed);
  EXPECT_GT(delivered, programmed - static_cast<double>(kStroke.count()));
}

TEST(StrokeScheduler, TimedDeliveryIsExactAndBasalResumes) {
  StrokeScheduler s(kStroke, ImplantTime(0), Duration(kMonday));
  s.set_continuous(FlowRate(480'000), ImplantTime(0));
  s.start_override(microlitres(123) + nanolitres(457), minutes(37), ImplantTime(0));
  EXPECT_TRUE(s.override_active());
  run(s, ImplantTime(0) + minutes(37));
  EXPECT_FALSE(s.override_active());
  // Basal was paused during the override: exactly the bolus volume is programmed.
  EXPECT_EQ(s.programmed_volume(), microlitres(123) + nanolitres(457));
  run(s, ImplantTime(0) + minutes(37) + hours(1));
  EXPECT_EQ(s.programmed_volume(), microlitres(123) + nanolitres(457) + microlitres(20));
}

TEST(StrokeScheduler, AdditiveBolusAddsToBasal) {
  StrokeScheduler s(kStroke, ImplantTime(0), Duration(kMonday));
  s.set_continuous(FlowRate(240'000), ImplantTime(0));  // 10 uL/h
  s.start_additive(microlitres(50), minutes(10), ImplantTime(0));
  run(s, ImplantTime(0) + hours(1));
  EXPECT_EQ(s.programmed_volume(), microlitres(60));
}

TEST(StrokeScheduler, FlexStepsFollowTimeOfDay) {
  // 2.4 mg/day (96 uL/day) until 12:00, then 4.8 mg/day (192 uL/day).
  const therapy::Prescription rx = morphine_flex({{0, 2'400'000}, {720, 4'800'000}});
  StrokeScheduler s(kStroke, ImplantTime(0), Duration(kMonday));
  s.set_flexible(&rx.flex, kMorphine25, ImplantTime(0));
  run(s, ImplantTime(0) + hours(12));
  EXPECT_EQ(s.programmed_volume(), microlitres(48));
  run(s, ImplantTime(0) + hours(24));
  EXPECT_EQ(s.programmed_volume(), microlitres(144));
}

// Volume the program delivers between two schedule times, computed independently.
double flex_integral(const therapy::Prescription& rx, std::int64_t from_ms, std::int64_t to_ms) {
  double total = 0;
  for (std::int64_t t = from_ms; t < to_ms; t += kMillisPerMinute) {
    const std::int64_t minute = floor_mod(t, kMillisPerDay) / kMillisPerMinute;
    const therapy::DayProgram& day = rx.flex.days[0];
    std::size_t i = 0;
    while (i + 1 < day.step_count && day.steps[i + 1].start_minute() <= minute) ++i;
    total += static_cast<double>(flow_for(day.steps[i].dose_rate(), kMorphine25).count()) / 1440.0;
  }
  return total;
}

TEST(StrokeScheduler, ClockSetBackDoesNotRepeatAStep) {
  const therapy::Prescription rx =
      morphine_flex({{0, 1'200'000}, {120, 24'000'000}, {180, 1'200'000}});
  StrokeScheduler s(kStroke, ImplantTime(0), Duration(kMonday));
  s.set_flexible(&rx.flex, kMorphine25, ImplantTime(0));
  // At 02:30 (mid high step) the clock goes back to 01:30.
  run(s, ImplantTime(0) + minutes(150));
  s.set_wall_offset(Duration(kMonday) - hours(1), false, ImplantTime(0) + minutes(150));
  EXPECT_TRUE(s.realigning());
  // After a day of real time schedule time has realigned; it covered 23 h of the program,
  // each step once.
  run(s, ImplantTime(0) + hours(24));
  EXPECT_FALSE(s.realigning());
  EXPECT_EQ(s.schedule_ms(), kMonday + 23 * kMillisPerHour);
  const double expected = flex_integral(rx, kMonday, kMonday + 23 * kMillisPerHour);
  const double programmed = static_cast<double>(s.programmed_volume().count());
  EXPECT_NEAR(programmed, expected, 1.0);
  // Naively replaying 01:30-02:30 would have added ~half the high step's hour again.
  EXPECT_LT(programmed, flex_integral(rx, kMonday, kMonday + 24 * kMillisPerHour));
}

TEST(StrokeScheduler, ClockSetForwardDoesNotSkipAStep) {
  const therapy::Prescription rx =
      morphine_flex({{0, 1'200'000}, {120, 24'000'000}, {180, 1'200'000}});
  StrokeScheduler s(kStroke, ImplantTime(0), Duration(kMonday));
  s.set_flexible(&rx.flex, kMorphine25, ImplantTime(0));
  // At 01:30 the clock jumps to 03:30: the 02:00-03:00 step must still be delivered.
  run(s, ImplantTime(0) + minutes(90));
  s.set_wall_offset(Duration(kMonday) + hours(2), false, ImplantTime(0) + minutes(90));
  run(s, ImplantTime(0) + hours(20));
  EXPECT_FALSE(s.realigning());
  EXPECT_EQ(s.schedule_ms(), kMonday + 22 * kMillisPerHour);
  const double expected = flex_integral(rx, kMonday, kMonday + 22 * kMillisPerHour);
  EXPECT_NEAR(static_cast<double>(s.programmed_volume().count()), expected, 1.0);
}

TEST(StrokeScheduler, RestoreContinuesTheRemainder) {
  StrokeScheduler a(kStroke, ImplantTime(0), Duration(kMonday));
  a.set_continuous(FlowRate(700'001), ImplantTime(0));
  run(a, ImplantTime(0) + hours(5) + milliseconds(17));
  StrokeScheduler b;
  b.restore(a.state(), nullptr);
  run(a, ImplantTime(0) + days(3));
  run(b, ImplantTime(0) + days(3));
  EXPECT_EQ(a.strokes(), b.strokes());
  EXPECT_EQ(a.pending_units(), b.pending_units());
}

TEST(StrokeScheduler, SuspendDropsPendingAndNeverCatchesUp) {
  StrokeScheduler s(kStroke, ImplantTime(0), Duration(kMonday));
  s.set_continuous(FlowRate(1'000'000), ImplantTime(0));
  run(s, ImplantTime(0) + hours(1));
  s.suspend(ImplantTime(0) + hours(1));
  EXPECT_TRUE(s.next_wake().is_never());
  run(s, ImplantTime(0) + hours(10));
  const std::int64_t before = s.strokes();
  s.resume(ImplantTime(0) + hours(10));
  // The first stroke after resuming comes one full stroke interval later.
  EXPECT_EQ(s.next_wake(), ImplantTime(0) + hours(10) + milliseconds(86'400));
  EXPECT_EQ(s.strokes(), before);
}

}  // namespace
}  // namespace itdd::delivery

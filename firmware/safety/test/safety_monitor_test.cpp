#include "itdd/safety/safety_monitor.h"

#include <gtest/gtest.h>

#include "../../therapy/test/test_prescriptions.h"

namespace itdd::safety {
namespace {

using therapy::testing::morphine_continuous;
using therapy::testing::morphine_flex;

// Feeds the monitor a constant stroke rate (strokes per hour) from `from` for `length`,
// one observation per stroke, as the implant does. Returns the first trip, if any. The interval
// is rounded up, so no hour holds more than `strokes_per_hour`.
struct Feeder {
  SafetyMonitor& monitor;
  std::uint32_t sensed = 0;
  Verdict run(ImplantTime from, Duration length, std::int64_t strokes_per_hour) {
    if (strokes_per_hour <= 0) return Verdict{};
    const std::int64_t interval = (kMillisPerHour + strokes_per_hour - 1) / strokes_per_hour;
    for (std::int64_t t = from.ms() + interval; t <= from.ms() + length.count(); t += interval) {
      ++sensed;
      const Verdict v = monitor.observe(sensed, ImplantTime(t));
      if (v.tripped) return v;
    }
    return Verdict{};
  }
};

SafetyMonitor monitor_with(const therapy::Prescription& rx) {
  SafetyMonitor m{therapy::PumpModel{}};
  m.set_prescription(rx, ImplantTime(0));
  m.set_wall_offset(Duration(20458LL * kMillisPerDay));
  (void)m.observe(0, ImplantTime(0));
  return m;
}

TEST(SafetyMonitor, ProgrammedDeliveryNeverTrips) {
  // 24 mg/day at 25 mg/mL: 0.96 mL/day = 40 strokes an hour, for two days.
  SafetyMonitor m = monitor_with(morphine_continuous(DoseRate(24'000'000)));
  Feeder f{m};
  EXPECT_FALSE(f.run(ImplantTime(0), days(2), 40).tripped);
  // The hour is a true sliding window; the day is 288 buckets and the part of the oldest one.
  EXPECT_EQ(m.delivered_last_hour(), microlitres(40));
  EXPECT_GE(m.delivered_last_day(), microlitres(960));
  EXPECT_LE(m.delivered_last_day(), microlitres(964));
}

TEST(SafetyMonitor, RunawayTripsWithinTheHour) {
  SafetyMonitor m = monitor_with(morphine_continuous(DoseRate(24'000'000)));
  Feeder f{m};
  ASSERT_FALSE(f.run(ImplantTime(0), hours(5), 40).tripped);
  // The motor runs away at 10x: the 1-hour window trips within minutes.
  const Verdict v = f.run(ImplantTime(0) + hours(5), hours(1), 400);
  ASSERT_TRUE(v.tripped);
  EXPECT_EQ(v.window, TripWindow::kOneHour);
  EXPECT_GT(v.delivered, v.allowed);
  // The hour allows its 40 strokes and one of slack: caught at the next.
  EXPECT_EQ(v.delivered, microlitres(42));
  EXPECT_EQ(v.allowed, microlitres(41));
  EXPECT_TRUE(m.tripped());
}

TEST(SafetyMonitor, SlowOverInfusionTripsTheDayWindow) {
  // 40 strokes/h programmed; 41/h stays within every hour's allowance (40 and one of slack)
  // but not within the day's (960 and one).
  SafetyMonitor m = monitor_with(morphine_continuous(DoseRate(24'000'000)));
  Feeder f{m};
  const Verdict v = f.run(ImplantTime(0), days(2), 41);
  ASSERT_TRUE(v.tripped);
  EXPECT_EQ(v.window, TripWindow::kOneDay);
}

TEST(SafetyMonitor, AuthorisedBolusAndPatientLimitsAreAllowed) {
  therapy::Prescription rx = morphine_continuous(DoseRate(24'000'000));
  rx.patient_bolus = therapy::testing::patient_bolus(milligrams(1), minutes(10), 4, hours(3));
  SafetyMonitor m = monitor_with(rx);
  Feeder f{m};
  ASSERT_FALSE(f.run(ImplantTime(0), hours(2), 40).tripped);
  // A clinician bolus of 200 uL over 30 min is authorised by the command layer.
  m.authorise(microlitres(200), ImplantTime(0) + hours(2), minutes(30));
  EXPECT_FALSE(f.run(ImplantTime(0) + hours(2), minutes(30), 400).tripped);
  // A patient bolus (40 uL in 10 minutes) on top of basal.
  EXPECT_FALSE(f.run(ImplantTime(0) + hours(2) + minutes(30), minutes(10), 240 + 40).tripped);
}

TEST(SafetyMonitor, EarlierProgramsPatientBolusesStayAllowedOnlyWhenTheProgramChanged) {
  therapy::Prescription rx = morphine_continuous(DoseRate(24'000'000));
  rx.patient_bolus = therapy::testing::patient_bolus(milligrams(1), minutes(10), 4, hours(3));
  SafetyMonitor m = monitor_with(rx);
  Feeder f{m};
  ASSERT_FALSE(f.run(ImplantTime(0), hours(2), 40).tripped);
  const ImplantTime now = ImplantTime(0) + hours(2);
  // 40 an hour, one 40 uL patient bolus, one of slack.
  EXPECT_EQ(m.allowed_strokes(now - hours(1), now), 81);
  // Told the same program again (a refill, a boot): nothing more.
  m.set_prescription(rx, now);
  EXPECT_EQ(m.allowed_strokes(now - hours(1), now), 81);
  // A new program: a bolus the old one granted may still be running, so both are allowed in
  // windows reaching back before the change and its bolus duration, and only the new after.
  therapy::Prescription next = rx;
  next.patient_bolus.dose = milligrams(2);
  m.set_prescription(next, now);
  EXPECT_EQ(m.allowed_strokes(now - hours(1), now), 40 + 40 + 80 + 1);
  EXPECT_EQ(m.allowed_strokes(now + minutes(11), now + hours(1) + minutes(11)), 40 + 80 + 1);
}

TEST(SafetyMonitor, UnauthorisedBolusTrips) {
  SafetyMonitor m = monitor_with(morphine_continuous(DoseRate(24'000'000)));
  Feeder f{m};
  ASSERT_FALSE(f.run(ImplantTime(0), hours(2), 40).tripped);
  EXPECT_TRUE(f.run(ImplantTime(0) + hours(2), minutes(30), 400).tripped);
}

TEST(SafetyMonitor, FlexProgramIsJudgedStepByStep) {
  // Night 0.48 mL/day (20/h), day 1.92 mL/day (80/h) from 08:00.
  SafetyMonitor m = monitor_with(morphine_flex({{0, 12'000'000}, {480, 48'000'000}}));
  Feeder f{m};
  ASSERT_FALSE(f.run(ImplantTime(0), hours(8), 20).tripped);
  ASSERT_FALSE(f.run(ImplantTime(0) + hours(8), hours(16), 80).tripped);
  // The day rate at night is 4x the night program: caught by the hour window although it
  // never exceeds the program's highest step.
  const Verdict v = f.run(ImplantTime(0) + hours(24), hours(2), 80);
  ASSERT_TRUE(v.tripped);
  EXPECT_EQ(v.window, TripWindow::kOneHour);
}

TEST(SafetyMonitor, PrescriptionChangeInsideTheWindowDoesNotTrip) {
  SafetyMonitor m = monitor_with(morphine_continuous(DoseRate(48'000'000)));  // 80/h
  Feeder f{m};
  ASSERT_FALSE(f.run(ImplantTime(0), hours(5), 80).tripped);
  m.set_prescription(morphine_continuous(DoseRate(12'000'000)), ImplantTime(0) + hours(5));
  EXPECT_FALSE(f.run(ImplantTime(0) + hours(5), hours(30), 20).tripped);
}

TEST(SafetyMonitor, StoppedPumpMayNotMove) {
  therapy::Prescription stopped = morphine_continuous(DoseRate(24'000'000));
  stopped.mode = therapy::BasalMode::kStopped;
  SafetyMonitor m = monitor_with(stopped);
  Feeder f{m};
  const Verdict v = f.run(ImplantTime(0), hours(1), 10);
  EXPECT_TRUE(v.tripped);
  EXPECT_EQ(v.delivered, microlitres(2));  // one stroke of slack, tripped on the second
}

TEST(SafetyMonitor, SensorWrapIsHandled) {
  SafetyMonitor m = monitor_with(morphine_continuous(DoseRate(24'000'000)));
  m.resync_sensor(0xFFFFFFF0u);
  // 18 strokes in the first half hour (40 an hour are programmed), across the wrap.
  EXPECT_FALSE(m.observe(0x00000002u, ImplantTime(0) + minutes(30)).tripped);
  EXPECT_EQ(m.delivered_last_hour(), microlitres(18));
}

TEST(SafetyMonitor, WindowsForgetOldStrokes) {
  SafetyMonitor m = monitor_with(morphine_continuous(DoseRate(24'000'000)));
  Feeder f{m};
  ASSERT_FALSE(f.run(ImplantTime(0), hours(3), 40).tripped);
  (void)m.observe(f.sensed, ImplantTime(0) + hours(4) + minutes(1));
  EXPECT_EQ(m.delivered_last_hour(), Volume(0));
  EXPECT_EQ(m.delivered_last_day(), microlitres(120));
  // Strokes leave the day window with their bucket: at 25:05 it starts at 01:05, and the strokes
  // from 01:06 to 03:00 (every 1.5 minutes) are left.
  (void)m.observe(f.sensed, ImplantTime(0) + days(1) + hours(1) + minutes(5));
  EXPECT_EQ(m.delivered_last_day(), microlitres(77));
  (void)m.observe(f.sensed, ImplantTime(0) + days(2));
  EXPECT_EQ(m.delivered_last_day(), Volume(0));
}

}  // namespace
}  // namespace itdd::safety

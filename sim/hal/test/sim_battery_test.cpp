// The simulated cell: energy arithmetic, the voltage curve with its internal resistance, the
// resistive-film fault, the PowerSense reading, and a whole life in bulk against the implant's
// monitor. (The monitor's own rules are tested in firmware/power/test.)
#include "itdd/sim/sim_battery.h"

#include <gtest/gtest.h>

namespace itdd::sim {
namespace {

// A small cell with round numbers: 1000 J, flat 3.6 V then a knee, 10 ohm rising to 50 ohm.
BatteryParams round_cell() {
  BatteryParams p;
  p.capacity_uj = 1'000'000'000;
  p.stroke_energy_uj = 1000;
  p.sleep_current_na = 1000;  // 3.6 uW: 0.311 J a day
  p.nominal_voltage_mv = 3600;
  p.radio_session_energy_uj = 2'000'000;
  p.tone_power_uw = 20'000;
  p.load_ua = 5000;
  p.cutoff_mv = 3000;
  p.curve = {{{0, 3700, 10'000}, {500, 3600, 10'000}, {900, 3500, 20'000}, {1000, 3000, 50'000}}};
  p.curve_points = 4;
  return p;
}

TEST(SimBattery, SleepAndStrokeEnergy) {
  // 8 uA at 3 V for a day = 24 uW x 86,400 s = 2.0736 J; 1000 strokes of 5 mJ = 5 J.
  SimBattery b(BatteryParams{21'600'000'000, 5000, 8000, 3000});
  b.sleep(days(1));
  for (int i = 0; i < 1000; ++i) b.on_stroke();
  EXPECT_EQ(b.sleep_energy_uj(), 2'073'600);
  EXPECT_EQ(b.stroke_energy_uj(), 5'000'000);
  EXPECT_EQ(b.remaining_uj(), 21'600'000'000 - 7'073'600);
  EXPECT_NEAR(b.remaining_percent(), 99.967, 0.001);
  // No curve: the nominal voltage, no resistance; it can deliver while energy remains.
  EXPECT_EQ(b.voltage_mv(), 3000);
  EXPECT_TRUE(b.can_deliver());
}

TEST(SimBattery, TheProcessorsWakeUpsCostAStrokesShareAndACurrent) {
  BatteryParams p = round_cell();
  p.processor_stroke_uj = 4;
  p.processor_idle_na = 1;  // 3.6 nW: 311,040 uJ over 1000 days
  SimBattery b(p);
  b.sleep(days(1000));
  b.on_strokes(500'000);
  EXPECT_EQ(b.processor_energy_uj(), 2'000'000 + 311'040);
  EXPECT_EQ(b.stroke_energy_uj(), 500'000'000);
  EXPECT_EQ(b.used_uj(), b.sleep_energy_uj() + b.stroke_energy_uj() + 2'311'040);
}

// The energy sums are divided in 64 bits when they fit (src/sim_battery.cpp): past that, the
// same figures in 128 bits. 1 A at 3.6 V for 100 years is 3.6e21 pW x ms, beyond int64.
TEST(SimBattery, EnergyBeyondSixtyFourBitsIsExact) {
  BatteryParams p = round_cell();
  p.capacity_uj = std::int64_t{4'000'000'000'000'000};
  p.sleep_current_na = 1'000'000'000;
  p.processor_idle_na = 999'999'999;
  p.tone_power_uw = 2'000'000'000;
  SimBattery b(p);
  b.sleep(days(36'525));
  b.on_tone(days(36'525));
  const Int128 ms = static_cast<Int128>(days(36'525).count());
  EXPECT_EQ(b.sleep_energy_uj(),
            static_cast<std::int64_t>(Int128{1'000'000'000} * 3600 * ms / 1'000'000'000));
  EXPECT_EQ(b.processor_energy_uj(),
            static_cast<std::int64_t>(Int128{999'999'999} * 3600 * ms / 1'000'000'000));
  EXPECT_EQ(b.tone_energy_uj(), static_cast<std::int64_t>(Int128{2'000'000'000} * ms / 1000));
  const std::int64_t used = b.used_uj();
  EXPECT_GT(used, p.capacity_uj);
  EXPECT_EQ(b.depth_ppm(),
            static_cast<std::int64_t>(static_cast<Int128>(used) * 1'000'000 / p.capacity_uj));
  EXPECT_EQ(b.remaining_uj(), 0);
}

TEST(SimBattery, NeverBelowZero) {
  SimBattery b(BatteryParams{1000, 600, 0, 3000});
  b.on_stroke();
  b.on_stroke();
  EXPECT_EQ(b.remaining_uj(), 0);
  EXPECT_EQ(b.remaining_percent(), 0.0);
  EXPECT_FALSE(b.can_deliver());
}

TEST(SimBattery, RadioSessionsAndTonesCost) {
  SimBattery b(round_cell());
  b.on_radio_session();
  b.on_radio_session();
  b.on_tone(seconds(3));
  b.on_tone(Duration(-5));  // ignored
  b.on_strokes(10);
  EXPECT_EQ(b.radio_energy_uj(), 4'000'000);
  EXPECT_EQ(b.tone_energy_uj(), 60'000);  // 20 mW x 3 s
  EXPECT_EQ(b.used_uj(), 4'000'000 + 60'000 + 10'000);
  EXPECT_EQ(b.radio_sessions(), 2);
  EXPECT_EQ(b.tone_time(), seconds(3));
}

TEST(SimBattery, VoltageFollowsTheCurveLinearlyBetweenPoints) {
  const BatteryParams p = round_cell();
  EXPECT_EQ(SimBattery::open_circuit_mv_at(p, 0), 3700);
  EXPECT_EQ(SimBattery::open_circuit_mv_at(p, 250'000), 3650);
  EXPECT_EQ(SimBattery::open_circuit_mv_at(p, 700'000), 3550);
  EXPECT_EQ(SimBattery::open_circuit_mv_at(p, 950'000), 3250);
  EXPECT_EQ(SimBattery::open_circuit_mv_at(p, 1'500'000), 3000);  // flat past the end
  EXPECT_EQ(SimBattery::resistance_mohm_at(p, 950'000), 35'000);
  // Under 5 mA: 10 ohm drops 50 mV, 35 ohm 175 mV.
  EXPECT_EQ(SimBattery::loaded_mv_at(p, 0), 3650);
  EXPECT_EQ(SimBattery::loaded_mv_at(p, 950'000), 3075);

  SimBattery b(p);
  EXPECT_EQ(b.voltage_mv(), 3650);
  EXPECT_EQ(b.voltage_under_mv(0), 3700);
  b.on_strokes(700'000);  // 700 J of 1000: 70%
  EXPECT_EQ(b.depth_ppm(), 700'000);
  EXPECT_EQ(b.open_circuit_mv(), 3550);
  EXPECT_EQ(b.internal_resistance_mohm(), 15'000);
  EXPECT_EQ(b.voltage_mv(), 3550 - 75);
  EXPECT_TRUE(b.can_deliver());
}

TEST(SimBattery, VoltageFallsThroughTheCutoffBeforeTheEnergyIsGone) {
  SimBattery b(round_cell());
  std::int64_t strokes = 0;
  while (b.can_deliver() && strokes < 2'000'000) {
    b.on_strokes(1000);
    strokes += 1000;
  }
  EXPECT_FALSE(b.can_deliver());
  EXPECT_GT(b.remaining_uj(), 0);  // stopped by the voltage, not by an empty cell
  EXPECT_LT(b.voltage_mv(), 3000);
  EXPECT_GT(b.depth_ppm(), 900'000);
}

TEST(SimBattery, FaultyCellLosesCapacityFromItsOnsetOverItsRamp) {
  SimBattery healthy(round_cell());
  SimBattery faulty(round_cell());
  faulty.inject_fault(CellFault{days(100), 400, days(200), 0});
  for (int day = 0; day < 400; ++day) {
    for (SimBattery* b : {&healthy, &faulty}) {
      b->sleep(days(1));
      b->on_strokes(500);
    }
    if (day + 1 == 100) {
      EXPECT_EQ(faulty.effective_capacity_uj(), 1'000'000'000);
    }
    if (day + 1 == 200) {
      EXPECT_EQ(faulty.effective_capacity_uj(), 800'000'000);  // half the ramp
    }
  }
  EXPECT_EQ(faulty.effective_capacity_uj(), 600'000'000);
  EXPECT_EQ(healthy.used_uj(), faulty.used_uj());
  // The same energy spent, a deeper discharge: the voltage falls early.
  EXPECT_NEAR(faulty.depth_ppm(), healthy.depth_ppm() * 1000 / 600, 1);
  EXPECT_LT(faulty.voltage_mv(), healthy.voltage_mv());
  EXPECT_LT(faulty.remaining_uj(), healthy.remaining_uj() - 390'000'000);
}

TEST(SimBattery, SuddenCapacityLossAndRisingResistance) {
  SimBattery b(round_cell());
  b.sleep(days(10));
  b.inject_fault(CellFault{days(10), 900, Duration(0), 0});  // 90% gone at once
  EXPECT_EQ(b.effective_capacity_uj(), 100'000'000);
  SimBattery r(round_cell());
  r.inject_fault(CellFault{days(0), 0, Duration(0), 2000});  // +2 ohm a day
  const std::int32_t fresh = r.voltage_mv();
  r.sleep(days(100));
  EXPECT_EQ(r.internal_resistance_mohm(), 10'000 + 200'000);
  // Sleep used 3% of the energy, but the 200 ohm of film drop 1 V under 5 mA.
  EXPECT_LT(r.voltage_mv(), fresh - 1000);
  EXPECT_GT(r.voltage_under_mv(0), fresh);  // open circuit, the film does not show
  EXPECT_FALSE(r.can_deliver());
}

TEST(SimPowerSense, ReadsTheLoadedVoltageAndCanFail) {
  SimBattery b(round_cell());
  SimPowerSense sense(b);
  Result<hal::BatteryReading> r = sense.read_battery();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->millivolts, 3650);
  EXPECT_EQ(r->load_ua, 5000);
  sense.set_failing(true);
  r = sense.read_battery();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kRefused);
  EXPECT_EQ(sense.reads(), 2);
}

TEST(ConsumptionOf, RefillsAveragedOverAYearRoundedUp) {
  LifeProgram program;
  program.strokes_per_day = 500;
  const power::Consumption c = consumption_of(program, false);
  EXPECT_EQ(c.strokes_per_day, 500);
  EXPECT_EQ(c.radio_sessions_per_year, 9);  // 2 x 365.25 / 90 = 8.1
  EXPECT_EQ(c.tone_ms_per_year, 16'234);    // 4 s x 4.058
  EXPECT_EQ(consumption_of(program, true).tone_ms_per_year, 16'234 + 8'766'000);  // 1 s an hour
}

}  // namespace
}  // namespace itdd::sim

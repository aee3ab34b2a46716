// The implant's battery monitor against the simulated cell, with the real pump-model figures:
// years of a cell's life in bulk (sim::simulate_life, a check at a time), healthy and faulty.
// The property: for any program and any cell fault that develops no faster than the detection
// envelope in docs/battery.md, ERI comes at least 90 days of therapy before the cell can no
// longer deliver, never after, and EOS comes before the cell fails.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "itdd/power/battery_monitor.h"
#include "itdd/sim/sim_battery.h"
#include "scenario_test_support.h"

namespace itdd::power {
namespace {

using sim::CellFault;
using sim::LifeProgram;
using sim::LifeResult;

const host::PumpModelSpec& model() {
  const host::PumpModelSpec* m = testing::pump_catalog().find("peristaltic-20");
  EXPECT_NE(m, nullptr);
  return *m;
}

LifeProgram at_ml_per_day(double ml) {
  LifeProgram p;
  p.strokes_per_day = static_cast<std::int64_t>(ml * 1000);  // 1 uL a stroke
  return p;
}

LifeResult life(const LifeProgram& p, const CellFault* fault = nullptr) {
  return sim::simulate_life(model().battery, model().battery_monitor, p, fault);
}

double years(Duration d) {
  return static_cast<double>(d.count()) / (365.25 * kMillisPerDay);
}

std::string describe(const LifeResult& r) {
  std::ostringstream out;
  out << "ERI " << years(r.eri_at) << " y, EOS " << years(r.eos_at) << " y, cell fails "
      << years(r.dead_at) << " y, fault flagged " << years(r.fault_flagged_at) << " y, ERI reason "
      << static_cast<int>(r.eri_reason) << ", EOS reason " << static_cast<int>(r.eos_reason);
  return out.str();
}

TEST(BatteryData, TheImplantsCurveIsTheCellsUnderItsLoad) {
  const MonitorConfig& m = model().battery_monitor;
  const sim::BatteryParams& cell = model().battery;
  ASSERT_TRUE(validate(m).ok());
  ASSERT_EQ(m.curve_points, cell.curve_points);
  for (std::size_t i = 0; i < m.curve_points; ++i) {
    const std::int64_t depth = m.curve[i].depth_permille * 1000LL;
    EXPECT_EQ(m.curve[i].loaded_mv, sim::SimBattery::loaded_mv_at(cell, depth));
    // Between points too: the loaded voltage is linear wherever both columns are.
    const std::int64_t next =
        i + 1 < m.curve_points ? m.curve[i + 1].depth_permille * 1000LL : depth;
    EXPECT_NEAR(loaded_mv_at(m, (depth + next) / 2),
                sim::SimBattery::loaded_mv_at(cell, (depth + next) / 2), 1);
  }
  EXPECT_EQ(m.load_ua, cell.load_ua);
  EXPECT_EQ(m.capacity_uj, cell.capacity_uj);
  EXPECT_EQ(m.service_life, days(2556));  // 7 x 365.25 days, rounded down to the day
  EXPECT_EQ(m.eri_notice, days(90));
  // A fresh cell reads as fresh.
  sim::SimBattery fresh(cell);
  EXPECT_EQ(depth_ppm_at(m, fresh.voltage_mv()), 0);
}

// The loader refuses battery data the implant could not work with, naming the field.
std::string refusal(const std::function<void(nlohmann::json&)>& edit) {
  nlohmann::json doc = testing::load_source_json("data/pump-models.json");
  edit(doc["models"]["peristaltic-20"]["battery"]);
  const host::Checked<host::PumpCatalog> catalog = host::PumpCatalog::from_text(doc.dump());
  return catalog.ok() ? "(loaded)" : catalog.error().field;
}

TEST(BatteryData, RefusesWhatTheImplantCouldNotWorkWith) {
  const std::string base = "models.peristaltic-20.battery.";
  EXPECT_EQ(refusal([](nlohmann::json&) {}), "(loaded)");
  EXPECT_EQ(refusal([](nlohmann::json& b) { b["eri_voltage_v"].erase("unconfirmed"); }),
            base + "eri_voltage_v");
  EXPECT_EQ(refusal([](nlohmann::json& b) { b["eos_voltage_v"]["value"] = 3.5; }),
            base + "eos_voltage_v.value");
  EXPECT_EQ(refusal([](nlohmann::json& b) { b["cutoff_voltage_v"]["value"] = 3.25; }),
            base + "cutoff_voltage_v.value");
  EXPECT_EQ(refusal([](nlohmann::json& b) { b["service_life_years"]["value"] = 0.2; }),
            base + "service_life_years.value");
  EXPECT_EQ(refusal([](nlohmann::json& b) {
              b["discharge_curve"]["value"][3]["open_circuit_v"] = 3.8;  // rises
            }),
            base + "discharge_curve.value[3]");
  EXPECT_EQ(
      refusal([](nlohmann::json& b) { b["discharge_curve"]["value"][0]["depth_percent"] = 1; }),
      base + "discharge_curve.value[0].depth_percent");
  EXPECT_EQ(
      refusal([](nlohmann::json& b) { b["discharge_curve"]["value"] = nlohmann::json::array(); }),
      base + "discharge_curve.value");
  EXPECT_EQ(refusal([](nlohmann::json& b) { b["discharge_curve"]["value"][2]["ohms"] = 1; }),
            base + "discharge_curve.value[2].ohms");
  // A service life of 0 means none.
  EXPECT_EQ(refusal([](nlohmann::json& b) { b["service_life_years"]["value"] = 0; }), "(loaded)");
}

TEST(BatteryLife, HealthyCellAtHalfAMillilitreADay) {
  const LifeResult r = life(at_ml_per_day(0.5));
  SCOPED_TRACE(describe(r));
  ASSERT_GE(r.eri_at.count(), 0);
  ASSERT_GE(r.eos_at.count(), 0);
  ASSERT_GE(r.dead_at.count(), 0);
  EXPECT_LT(r.fault_flagged_at.count(), 0);  // the counters and the voltage agree
  EXPECT_GE(r.eos_at - r.eri_at, days(90));  // 90 days of therapy after ERI
  EXPECT_LE(r.eos_at, r.dead_at);            // and the implant stops before the cell fails
  EXPECT_GE(r.at_eri.longevity, days(90));
  // SynchroMed II-like: between 5 and 7 years, the service life capping it at 7.
  EXPECT_GE(years(r.eos_at), 5.0);
  EXPECT_LE(years(r.eos_at), 7.01);
}

TEST(BatteryLife, HigherRatesShortenTheLife) {
  double previous_eos = 100;
  for (double ml : {1.0, 2.0, 4.0}) {
    const LifeResult r = life(at_ml_per_day(ml));
    SCOPED_TRACE(describe(r));
    EXPECT_LT(years(r.eos_at), previous_eos) << ml;
    EXPECT_GE(r.eos_at - r.eri_at, days(90)) << ml;
    EXPECT_LE(r.eos_at, r.dead_at) << ml;
    EXPECT_EQ(r.eos_reason, BatteryReason::kEnergy) << ml;
    previous_eos = years(r.eos_at);
  }
}

TEST(BatteryLife, LostCapacityIsSeenInTheVoltageAndRaisesEriEarly) {
  // Two years in, the film starts eating the cell: 40% of it over a year.
  const CellFault fault{days(730), 400, days(365), 0};
  const LifeResult healthy = life(at_ml_per_day(1.0));
  const LifeResult r = life(at_ml_per_day(1.0), &fault);
  SCOPED_TRACE(describe(r));
  ASSERT_GE(r.fault_flagged_at.count(), 0);
  EXPECT_EQ(r.eri_reason, BatteryReason::kFaultyCell);
  EXPECT_EQ(r.eri_at, r.fault_flagged_at);
  EXPECT_LT(r.eri_at, healthy.eri_at - days(365));  // premature ERI, as on real pumps
  EXPECT_LT(r.eri_at, days(730 + 120));             // seen within months of the onset
  EXPECT_GE(r.dead_at - r.eri_at, days(90));
  EXPECT_LE(r.eos_at, r.dead_at);
  EXPECT_TRUE(r.at_eri.faulty_cell);
  EXPECT_EQ(r.at_eri.limited_by, Limit::kVoltage);
}

TEST(BatteryLife, ARisingResistanceIsSeenInTheLoadedVoltage) {
  // Three years in, the film adds 0.1 ohm a day: 0.5 mV a day under the 5 mA load.
  const CellFault fault{days(1095), 0, Duration(0), 100};
  const LifeResult r = life(at_ml_per_day(0.5), &fault);
  SCOPED_TRACE(describe(r));
  EXPECT_EQ(r.eri_reason, BatteryReason::kFaultyCell);
  EXPECT_LT(r.eri_at, days(1095 + 60));
  EXPECT_GE(r.dead_at - r.eri_at, days(90));
  EXPECT_LE(r.eos_at, r.dead_at);
  EXPECT_EQ(r.eos_reason, BatteryReason::kVoltage);
}

TEST(BatteryLife, ASuddenCollapseIsAnnouncedAtTheNextCheck) {
  // What no monitor can announce 90 days ahead: 90% of the cell gone at once. The implant
  // raises ERI and EOS as soon as its confirmations allow (hours), not months later.
  const CellFault fault{days(1000), 900, Duration(0), 0};
  const LifeResult r = life(at_ml_per_day(1.0), &fault);
  SCOPED_TRACE(describe(r));
  ASSERT_GE(r.eos_at.count(), 0);
  EXPECT_GE(r.eri_at, days(1000));
  EXPECT_LE(r.eos_at, days(1000) + days(1) + hours(3));
  EXPECT_LE(r.eri_at, r.eos_at);
}

TEST(BatteryLife, DeterministicAndBounded) {
  const CellFault fault{days(500), 300, days(400), 50};
  const LifeResult a = life(at_ml_per_day(0.7), &fault);
  const LifeResult b = life(at_ml_per_day(0.7), &fault);
  EXPECT_EQ(a.eri_at, b.eri_at);
  EXPECT_EQ(a.eos_at, b.eos_at);
  EXPECT_EQ(a.dead_at, b.dead_at);
  EXPECT_EQ(a.checks, b.checks);
  // About a check a day until both EOS and the cell's end, and a few hourly rechecks.
  EXPECT_LT(a.checks, std::max(a.eos_at, a.dead_at).count() / kMillisPerDay + 50);
}

// The property, over the fault envelope of docs/battery.md. A fault is one of:
//  - a resistive film: internal resistance rising up to 0.2 ohm a day (1 mV a day under the
//    5 mA load), from any cell age: the counters cannot see it, the voltage must;
//  - a slow capacity loss (up to 60%) whose extra drain stays within a third of the program's,
//    which the 30-day safety margin absorbs whenever it starts;
//  - a fast capacity loss (up to 0.5 per mille of the capacity a day, about 18% a year) that
//    starts at least a year before the healthy cell's ERI: the voltage must see it in time;
//  - a slow loss and a film together.
// What lies outside (a cell collapsing within weeks, or a fast loss starting in the last year)
// no monitor can announce 90 days ahead; ASuddenCollapseIsAnnouncedAtTheNextCheck shows what
// the implant does then.
RC_GTEST_PROP(BatteryLifeProperty, EriComesNinetyDaysBeforeTheCellFailsNeverAfter, ()) {
  LifeProgram program;
  program.strokes_per_day = *rc::gen::inRange<std::int64_t>(48, 4000);  // 0.048 to 4 mL/day
  program.refill_interval = days(*rc::gen::inRange<std::int64_t>(30, 181));
  const MonitorConfig& config = model().battery_monitor;
  // The program's drain, per mille of the capacity a day.
  const BatteryMonitor probe = BatteryMonitor::start(config, ImplantTime(0)).value();
  const double drain_permille =
      1000.0 * static_cast<double>(probe.daily_energy_uj(sim::consumption_of(program, false))) /
      static_cast<double>(config.capacity_uj);

  const int family = *rc::gen::element(0, 1, 2, 3, 4);
  CellFault fault;
  if (family == 1 || family == 4) {
    fault.resistance_rise_mohm_per_day = *rc::gen::inRange<std::int64_t>(1, 201);
  }
  if (family == 2 || family == 4) {
    fault.capacity_loss_permille = *rc::gen::inRange<std::int32_t>(1, 601);
    // Extra drain = depth x loss rate / (1 - loss)^2 <= drain / 3.
    const double kept = 1.0 - fault.capacity_loss_permille / 1000.0;
    const double max_rate = drain_permille * kept * kept / 3.0;
    const auto min_ramp = static_cast<std::int64_t>(fault.capacity_loss_permille / max_rate) + 1;
    fault.loss_ramp = days(*rc::gen::inRange<std::int64_t>(min_ramp, min_ramp + 2000));
  }
  if (family == 3) {
    fault.capacity_loss_permille = *rc::gen::inRange<std::int32_t>(1, 601);
    const std::int64_t min_ramp = fault.capacity_loss_permille * 2;
    fault.loss_ramp = days(*rc::gen::inRange<std::int64_t>(min_ramp, min_ramp + 1500));
  }
  if (family == 3) {
    const LifeResult healthy = life(program);
    const std::int64_t latest = healthy.eri_at.count() / kMillisPerDay - 365;
    RC_PRE(latest >= 0);
    fault.onset = days(*rc::gen::inRange<std::int64_t>(0, latest + 1));
  } else {
    fault.onset = days(*rc::gen::inRange<std::int64_t>(0, 2600));
  }
  const LifeResult r = life(program, family == 0 ? nullptr : &fault);
  RC_TAG(family, r.fault_flagged_at.count() >= 0);
  RC_LOG() << "family " << family << ": " << describe(r) << "\n";
  RC_ASSERT(r.eri_at.count() >= 0);
  RC_ASSERT(r.eos_at.count() >= 0);
  RC_ASSERT(r.dead_at.count() >= 0);
  RC_ASSERT(r.eri_at <= r.eos_at);
  RC_ASSERT(r.eri_at + days(90) <= r.dead_at);  // at least 90 days of therapy after ERI
  RC_ASSERT(r.eos_at <= r.dead_at);             // the implant stops before the cell fails
  if (family == 0) RC_ASSERT(r.eos_at - r.eri_at >= days(90));
}

}  // namespace
}  // namespace itdd::power

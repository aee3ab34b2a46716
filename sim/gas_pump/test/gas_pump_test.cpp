// The gas pump's physics against hand arithmetic on the data file's curves (docs/gas-pump.md):
// flow rises with temperature and falls with ambient pressure in the documented proportions,
// falls slightly as the reservoir empties and stops at its residual volume; the integration
// loses and creates no volume (property-tested).
#include "itdd/sim/gas_pump.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <string>

#include "itdd/host/pump_catalog.h"

namespace itdd::sim {
namespace {

const host::PumpCatalog& catalog() {
  static const host::PumpCatalog c = [] {
    host::Checked<host::PumpCatalog> loaded =
        host::PumpCatalog::load(std::string(ITDD_SOURCE_DIR) + "/data/pump-models.json");
    if (!loaded.ok()) throw std::runtime_error(loaded.error().text());
    return std::move(loaded).value();
  }();
  return c;
}

const host::GasPumpSpec& codman() {
  return *catalog().find_gas("gas-fixed-30");
}

// Half way between the residual volume and the capacity: the bellows adds nothing.
Volume half_full(const host::GasPumpSpec& s) {
  return s.residual_volume + Volume((s.reservoir_capacity - s.residual_volume).count() / 2);
}

GasConditions at(std::int64_t temperature_mc, std::int64_t ambient_pa = 101'325) {
  return GasConditions{temperature_mc, ambient_pa, 1'300};
}

// The flow the model's formula gives, from the table's own values at whole degrees (n-butane's
// vapour pressure and water's viscosity, data/pump-models.json), as the test computes it.
std::int64_t expected_flow(std::int64_t vap_pa, std::int64_t mu_npas, std::int64_t ambient_pa) {
  const std::int64_t ref_drive = 346'700 - 101'325 - 1'300;  // 244,075 Pa at 37 °C
  const std::int64_t drive = vap_pa - ambient_pa - 1'300;
  return static_cast<std::int64_t>(static_cast<Int128>(1'000'000) * drive * 691'000 /
                                   (static_cast<Int128>(ref_drive) * mu_npas));
}

TEST(GasPump, AtTheReferenceConditionsTheFlowIsTheLabels) {
  EXPECT_EQ(gas_flow(codman(), reference_conditions(codman()), half_full(codman())),
            FlowRate(1'000'000));
  EXPECT_EQ(drive_pressure_pa(codman(), at(37'000), half_full(codman())), 244'075);
}

// Near 37 °C the propellant's pressure rises by about 10 kPa a degree, 4.1 % of the drive, and
// the solution's viscosity falls by 1.9 %: about +6 % of flow per degree (docs/gas-pump.md).
TEST(GasPump, FeverRaisesTheFlowInTheDocumentedProportion) {
  const Volume v = half_full(codman());
  const std::int64_t f38 = gas_flow(codman(), at(38'000), v).count();
  const std::int64_t f39 = gas_flow(codman(), at(39'000), v).count();
  const std::int64_t f40 = gas_flow(codman(), at(40'000), v).count();
  EXPECT_EQ(f38, expected_flow(356'700, 677'600, 101'325));
  EXPECT_EQ(f39, expected_flow(366'900, 664'700, 101'325));
  EXPECT_EQ(f40, expected_flow(377'300, 652'200, 101'325));
  EXPECT_GT(f38, 1'055'000);  // +5.5 % to +7 % for one degree of fever
  EXPECT_LT(f38, 1'070'000);
  EXPECT_GT(f40, 1'180'000);  // a hot bath warming the pump to 40 °C: about +20 %
  EXPECT_LT(f40, 1'220'000);
  // Between whole degrees the curves are interpolated: 38.5 °C lies between 38 and 39.
  const std::int64_t f385 = gas_flow(codman(), at(38'500), v).count();
  EXPECT_GT(f385, f38);
  EXPECT_LT(f385, f39);
  // A cool pump (35 °C) runs slow.
  EXPECT_EQ(gas_flow(codman(), at(35'000), v).count(), expected_flow(327'300, 719'000, 101'325));
  EXPECT_LT(gas_flow(codman(), at(35'000), v).count(), 900'000);
}

// The ambient pressure is subtracted from the drive: a cabin at 2,438 m (8,000 ft, 75.3 kPa)
// raises the flow by about 11 %, 10 m of seawater halves the drive's margin (-41 %).
TEST(GasPump, FlowRisesAtAltitudeAndFallsWhenDiving) {
  const Volume v = half_full(codman());
  const host::Environment& env = catalog().environment();
  const std::int64_t cabin = env.pressure_at_altitude_pa(2'438);
  EXPECT_EQ(cabin, 75'279);
  const std::int64_t flying = gas_flow(codman(), at(37'000, cabin), v).count();
  EXPECT_EQ(flying, expected_flow(346'700, 691'000, cabin));
  EXPECT_GT(flying, 1'100'000);
  EXPECT_LT(flying, 1'115'000);
  const std::int64_t alps =
      gas_flow(codman(), at(37'000, env.pressure_at_altitude_pa(3'000)), v).count();
  EXPECT_EQ(alps, expected_flow(346'700, 691'000, 70'109));
  const std::int64_t dive =
      gas_flow(codman(), at(37'000, env.pressure_at_depth_pa(1'000)), v).count();
  EXPECT_EQ(dive, expected_flow(346'700, 691'000, 201'845));
  EXPECT_GT(dive, 580'000);
  EXPECT_LT(dive, 600'000);
  // Deep enough, the propellant cannot push at all: no flow, never a negative one.
  EXPECT_EQ(gas_flow(codman(), at(37'000, env.pressure_at_depth_pa(2'500)), v), FlowRate(0));
}

// The bellows: +2 kPa full, -2 kPa at the residual volume, so the flow falls by 1.6 % from a
// full reservoir to an empty one, and stops at the residual volume.
TEST(GasPump, FlowFallsAsTheReservoirEmptiesAndStopsAtTheResidualVolume) {
  const host::GasPumpSpec& s = codman();
  EXPECT_EQ(bellows_pressure_pa(s, s.reservoir_capacity), 2'000);
  EXPECT_EQ(bellows_pressure_pa(s, s.residual_volume), -2'000);
  EXPECT_EQ(bellows_pressure_pa(s, half_full(s)), 0);
  const std::int64_t full = gas_flow(s, at(37'000), s.reservoir_capacity).count();
  // One nanolitre above the residual volume the spring is still -2 kPa (to the pascal).
  EXPECT_EQ(gas_flow(s, at(37'000), s.residual_volume + Volume(1)).count(),
            1'000'000LL * 242'075 / 244'075);
  EXPECT_EQ(full, 1'000'000LL * 246'075 / 244'075);
  EXPECT_EQ(gas_flow(s, at(37'000), s.residual_volume), FlowRate(0));
}

// A full reservoir at body temperature runs dry in (30 - 1) mL / about 1 mL/day: 29 days, a
// little less because the bellows pushes harder while the reservoir is fuller than half.
TEST(GasPump, AFullReservoirRunsDownToItsResidualVolume) {
  const host::GasPumpSpec& s = codman();
  GasPump pump(s, s.reservoir_capacity, at(37'000));
  std::int64_t out = 0;
  Duration elapsed{};
  while (pump.flow().count() > 0 && elapsed < days(40)) {
    out += pump.advance(seconds(30)).count();
    elapsed = elapsed + seconds(30);
  }
  EXPECT_EQ(pump.reservoir(), s.residual_volume);
  EXPECT_EQ(out, (s.reservoir_capacity - s.residual_volume).count());
  EXPECT_GT(elapsed, days(28) + hours(20));
  EXPECT_LT(elapsed, days(29) + hours(4));
  EXPECT_EQ(pump.advance(hours(1)), Volume(0));
  // A refill gives back what was left and starts again.
  EXPECT_EQ(pump.refill(millilitres(20)), s.residual_volume);
  EXPECT_GT(pump.advance(hours(1)).count(), 0);
}

// What left plus what is in the reservoir is always what was filled, whatever the steps and
// conditions; with constant conditions and no bellows term the steps do not matter at all.
RC_GTEST_PROP(GasPumpProperty, VolumeIsConserved, ()) {
  const host::GasPumpSpec& s = codman();
  const std::int64_t fill = *rc::gen::inRange<std::int64_t>(0, s.reservoir_capacity.count() + 1);
  GasPump pump(s, Volume(fill), at(37'000));
  std::int64_t out = 0;
  const int steps = *rc::gen::inRange(1, 200);
  for (int i = 0; i < steps; ++i) {
    pump.set_conditions(at(*rc::gen::inRange<std::int64_t>(30'000, 45'001),
                           *rc::gen::inRange<std::int64_t>(35'000, 300'001)));
    out += pump.advance(Duration(*rc::gen::inRange<std::int64_t>(0, 3 * kMillisPerDay))).count();
    RC_ASSERT(out + pump.reservoir().count() == fill);
    RC_ASSERT(pump.flow() == gas_flow(s, pump.conditions(), pump.reservoir()));
    RC_ASSERT(pump.reservoir() >= std::min(Volume(fill), s.residual_volume));
  }
}

RC_GTEST_PROP(GasPumpProperty, StepsDoNotChangeAConstantFlowsTotal, ()) {
  host::GasPumpSpec s = codman();
  s.bellows_swing_pa = 0;
  const GasConditions c = at(*rc::gen::inRange<std::int64_t>(30'000, 45'001));
  GasPump pump(s, s.reservoir_capacity, c);
  const std::int64_t flow = pump.flow().count();
  std::int64_t out = 0;
  std::int64_t total_ms = 0;
  const int steps = *rc::gen::inRange(1, 100);
  for (int i = 0; i < steps; ++i) {
    const std::int64_t dt = *rc::gen::inRange<std::int64_t>(1, kMillisPerHour);
    out += pump.advance(Duration(dt)).count();
    total_ms += dt;
  }
  RC_ASSERT(out == flow * total_ms / kMillisPerDay);
}

// Warmer never slower, higher ambient pressure never faster.
RC_GTEST_PROP(GasPumpProperty, FlowIsMonotoneInTemperatureAndPressure, ()) {
  const host::GasPumpSpec& s = codman();
  const Volume v = Volume(*rc::gen::inRange<std::int64_t>(s.residual_volume.count() + 1,
                                                          s.reservoir_capacity.count() + 1));
  const std::int64_t t1 = *rc::gen::inRange<std::int64_t>(30'000, 45'001);
  const std::int64_t t2 = *rc::gen::inRange<std::int64_t>(t1, 45'001);
  const std::int64_t p1 = *rc::gen::inRange<std::int64_t>(30'000, 500'001);
  const std::int64_t p2 = *rc::gen::inRange<std::int64_t>(p1, 500'001);
  RC_ASSERT(gas_flow(s, at(t1, p1), v) <= gas_flow(s, at(t2, p1), v));
  RC_ASSERT(gas_flow(s, at(t1, p1), v) >= gas_flow(s, at(t1, p2), v));
}

}  // namespace
}  // namespace itdd::sim

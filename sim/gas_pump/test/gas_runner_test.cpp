// A gas-pump scenario run end to end: volume conserved, the dose following concentration x flow,
// each event's effect on the flow in the physics' proportion, a reservoir running empty.
#include "itdd/sim/gas_runner.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "itdd/sim/gas_summary.h"
#include "scenario_test_support.h"

namespace itdd::sim {
namespace {

using nlohmann::json;
using scenario::GasScenario;

json base(int duration_days) {
  json doc = json::parse(R"({
    "name": "gas",
    "pump": {"model": "gas-fixed-30"},
    "catheter": {"volume_ml": 0.2, "starts_with": "drug"},
    "drug": {"name": "morphine", "unit": "mg", "concentration": 4},
    "initial_fill_ml": 30,
    "start": "2026-01-05T00:00",
    "events": []
  })");
  doc["duration_days"] = duration_days;
  return doc;
}

GasScenario parse(const json& doc) {
  host::Checked<scenario::GasScenario> r =
      scenario::parse_gas_scenario_text(doc.dump(), testing::pump_catalog());
  if (!r.ok()) throw std::runtime_error(r.error().text());
  return std::move(r).value();
}

std::int64_t day_volume(const GasRunResult& r, int day) {
  std::int64_t v = 0;
  for (int h = day * 24; h < day * 24 + 24; ++h)
    v += r.hourly[static_cast<std::size_t>(h)].volume_nl;
  return v;
}

TEST(GasRun, AtRestTheNominalFlowAndEveryNanolitreAccountedFor) {
  const GasScenario s = parse(base(10));
  const GasRunResult r = run_gas_scenario(s, {seconds(30), true});
  EXPECT_EQ((r.moved + r.final_reservoir).count(), s.initial_fill.count());
  // 1 mL/day, a little more while the reservoir is fuller than half (the bellows).
  EXPECT_GT(r.moved.count(), 10'000'000);
  EXPECT_LT(r.moved.count(), 10'090'000);
  // The line held the same solution: the drug is the volume times the concentration, exactly.
  EXPECT_EQ(r.tip_drug_fg, r.moved.count() * 4'000'000);
  std::int64_t sampled = 0;
  for (std::int64_t v : r.step_volume_nl) sampled += v;
  EXPECT_EQ(sampled, r.moved.count());
  EXPECT_EQ(r.step_volume_nl.size(), 10u * 24 * 120);
  ASSERT_EQ(r.conditions.size(), 1u);
  EXPECT_EQ(r.daily_reservoir.size(), 11u);
}

// A week of fever at 39 °C: the flow rises by the physics' proportion (about +12.6 %), and
// falls back when it ends.
TEST(GasRun, AFeverRaisesTheDailyVolume) {
  json doc = base(12);
  doc["events"] = json::parse(
      R"([{"at": "day 2 00:00", "type": "body_temperature", "celsius": 39, "duration_days": 7}])");
  const GasScenario s = parse(doc);
  const GasRunResult r = run_gas_scenario(s);
  ASSERT_EQ(r.conditions.size(), 3u);
  EXPECT_EQ(r.conditions[1].source, "events[0]");
  EXPECT_EQ(r.conditions[1].conditions.temperature_mc, 39'000);
  EXPECT_EQ(r.conditions[2].source, "events[0] (end)");
  EXPECT_EQ(r.conditions[2].conditions.temperature_mc, 37'000);
  // Against the flow at 37 °C just before (the reservoir two days emptier than at the start).
  const double ratio = static_cast<double>(r.conditions[1].flow.count()) /
                       static_cast<double>(r.conditions[0].flow.count());
  EXPECT_GT(ratio, 1.11);
  EXPECT_LT(ratio, 1.14);
  const double day_ratio =
      static_cast<double>(day_volume(r, 3)) / static_cast<double>(day_volume(r, 1));
  EXPECT_GT(day_ratio, 1.11);
  EXPECT_LT(day_ratio, 1.14);
  EXPECT_NEAR(static_cast<double>(day_volume(r, 10)) / static_cast<double>(day_volume(r, 1)), 1.0,
              0.01);
}

// A dive to 10 m for an hour cuts that hour's flow by about 41 %; a flight raises it by 11 %.
TEST(GasRun, ADiveLowersAndAFlightRaisesTheHoursVolume) {
  json doc = base(3);
  doc["events"] = json::parse(R"([
    {"at": "day 1 10:00", "type": "ambient_pressure", "depth_m": 10, "duration_min": 60},
    {"at": "day 2 10:00", "type": "ambient_pressure", "altitude_m": 2438, "duration_min": 60}
  ])");
  const GasRunResult r = run_gas_scenario(parse(doc));
  const auto hour = [&r](int h) {
    return static_cast<double>(r.hourly[static_cast<std::size_t>(h)].volume_nl);
  };
  EXPECT_NEAR(hour(34) / hour(33), 0.588, 0.01);
  EXPECT_NEAR(hour(58) / hour(57), 1.107, 0.01);
  EXPECT_NEAR(hour(35) / hour(33), 1.0, 0.01);
}

// Overlapping periods: the one that began last holds, and the earlier resumes when it ends.
TEST(GasRun, ADiveDuringAHolidayAtAltitude) {
  json doc = base(5);
  doc["events"] = json::parse(R"([
    {"at": "day 1 00:00", "type": "ambient_pressure", "altitude_m": 2500, "duration_days": 3},
    {"at": "day 2 10:00", "type": "ambient_pressure", "depth_m": 10, "duration_min": 45}
  ])");
  const GasRunResult r = run_gas_scenario(parse(doc));
  ASSERT_EQ(r.conditions.size(), 5u);
  EXPECT_EQ(r.conditions[1].conditions.ambient_pa, 74'683);
  EXPECT_EQ(r.conditions[2].conditions.ambient_pa, 101'325 + 100'520);
  EXPECT_EQ(r.conditions[3].conditions.ambient_pa, 74'683);  // back at altitude
  EXPECT_EQ(r.conditions[3].at, days(2) + hours(10) + minutes(45));
  EXPECT_EQ(r.conditions[4].conditions.ambient_pa, 101'325);
}

// The dose follows concentration x flow: after a refill at twice the concentration, once the
// line has turned over, a day gives twice the drug for the same volume.
TEST(GasRun, ARefillWithANewConcentrationChangesTheDose) {
  json doc = base(8);
  doc["initial_fill_ml"] = 10;
  doc["events"] = json::parse(
      R"([{"at": "day 3 00:00", "type": "refill", "volume_ml": 10, "concentration": 8}])");
  const GasScenario s = parse(doc);
  const GasRunResult r = run_gas_scenario(s);
  ASSERT_EQ(r.fills.size(), 2u);
  // Withdrawn: what was left; the nominal flow would have left 10 - 3 = 7 mL.
  EXPECT_EQ(*r.fills[1].expected_left, millilitres(7));
  EXPECT_NEAR(static_cast<double>(r.fills[1].withdrawn->count()), 7'000'000, 30'000);
  // Day 5 lies after the line's 0.2 mL has turned over: all of it at 8 mg/mL.
  std::int64_t fg = 0;
  for (int h = 5 * 24; h < 6 * 24; ++h) fg += r.hourly[static_cast<std::size_t>(h)].drug_fg;
  EXPECT_EQ(fg, day_volume(r, 5) * 8'000'000);
  // Day 3 mixes: the 0.2 mL in the line at 4 mg/mL first.
  std::int64_t fg3 = 0;
  for (int h = 3 * 24; h < 4 * 24; ++h) fg3 += r.hourly[static_cast<std::size_t>(h)].drug_fg;
  EXPECT_EQ(fg3, 200'000LL * 4'000'000 + (day_volume(r, 3) - 200'000) * 8'000'000);
}

// A full reservoir at body temperature runs dry in about 29 days (29 mL above the residual at
// 1 mL/day); the nominal projection says so, the simulation agrees within the bellows' effect.
TEST(GasRun, AReservoirRunsDry) {
  const GasScenario s = parse(base(35));
  const GasRunResult r = run_gas_scenario(s);
  const GasFillRecord& f = r.fills.front();
  EXPECT_EQ(*f.projected_empty, days(29));
  EXPECT_EQ(*f.projected_low, days(28));
  ASSERT_TRUE(f.actual_empty.has_value());
  EXPECT_GT(*f.actual_empty, days(28) + hours(20));
  EXPECT_LT(*f.actual_empty, days(29) + hours(4));
  EXPECT_EQ(r.final_reservoir, millilitres(1));
  // Empty from the first step that found the bellows collapsed to the end.
  EXPECT_GE(r.time_empty, days(35) - *f.actual_empty);
  EXPECT_LE(r.time_empty, days(35) - *f.actual_empty + seconds(30));
}

TEST(GasRun, TheSummariesSayWhatHappened) {
  json doc = base(3);
  doc["events"] = json::parse(
      R"([{"at": "day 1 00:00", "type": "body_temperature", "celsius": 40, "duration_min": 30}])");
  const GasScenario s = parse(doc);
  const GasRunResult r = run_gas_scenario(s);
  const json j = gas_summary_json(s, r);
  EXPECT_EQ(j["scenario"]["pump_kind"], "gas-fixed-rate");
  EXPECT_EQ(j["totals"]["delivered_volume_nl"], r.moved.count());
  EXPECT_EQ(j["conditions"].size(), 3u);
  EXPECT_EQ(j["conditions"][1]["temperature_c"], 40.0);
  EXPECT_EQ(j["daily"].size(), 3u);
  const std::string text = format_gas_text_summary(s, r);
  EXPECT_NE(text.find("40.0 °C"), std::string::npos) << text;
  EXPECT_NE(text.find("not programmable"), std::string::npos);
  std::ostringstream csv;
  write_gas_hourly_csv(csv, s, r);
  EXPECT_EQ(csv.str().rfind("hour_start,volume_nl,drug_ng\n2026-01-05 00:00,", 0), 0u) << csv.str();
}

}  // namespace
}  // namespace itdd::sim

// A harmless power cut months into therapy must not stop it. At low rates the safety ledger's
// day ring (2,210 slots, 2,125 packs always kept) has wrapped by then and, after the reset, the
// pack holding the start of the monitor's day window is further from the oldest pack than the
// ring always keeps: the lookup gave up there, the monitor kept the whole day before its open
// pack counted for another day and tripped on the 24 h window about 15 minutes after the cut,
// halting therapy to the end (found by the fleet campaigns: 5 mg/day of morphine 25 mg/mL, cut
// at day 140). Each run is the scenario a user would run with `itdd sim run`.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "scenario_outcome.h"

namespace itdd::sim {
namespace {

using nlohmann::json;
using test_runs::Outcome;
using test_runs::run;

// peristaltic-20 (1 uL strokes) with morphine 25 mg/mL: 5 mg/day is 200 strokes a day (15 packs
// of 13), so the day ring wraps after about 140 days.
json cut_at(double dose_per_day, int refill_day, int cut_day) {
  return json{{"name", "power cut after the safety ledger wrapped"},
              {"pump", {{"model", "peristaltic-20"}}},
              {"catheter", {{"volume_ml", 0.2}}},
              {"drug", {{"name", "morphine"}, {"unit", "mg"}, {"concentration", 25}}},
              {"initial_fill_ml", 20},
              {"prime", true},
              {"start", "2027-01-04T00:00"},
              {"duration_days", cut_day + 3},
              {"prescription", {{"mode", "continuous"}, {"dose_per_day", dose_per_day}}},
              {"events", json::array({{{"at", "day " + std::to_string(refill_day) + " 10:00"},
                                       {"type", "refill"},
                                       {"volume_ml", 20}},
                                      {{"at", "day " + std::to_string(cut_day) + " 21:00"},
                                       {"type", "power_cut"},
                                       {"duration_min", 1}}})}};
}

// The days after the cut each deliver the day's dose, less at most a stroke.
void expect_therapy_goes_on(const Outcome& r, double dose_per_day, int cut_day) {
  ASSERT_EQ(r.summary["boots"].size(), 1u) << "the power cut must have reset the implant";
  EXPECT_TRUE(r.summary["boots"][0]["resumed"].get<bool>());
  for (const json& alarm : r.summary["alarms"]) {
    EXPECT_NE(alarm["alarm"], "safety_monitor_trip") << alarm.dump();
    EXPECT_NE(alarm["alarm"], "pump_stopped") << alarm.dump();
  }
  const auto day_nl = static_cast<std::int64_t>(dose_per_day / 25 * 1'000'000);  // 25 mg/mL
  int days_after = 0;
  for (const json& day : r.summary["daily"]) {
    if (day["day"].get<int>() <= cut_day) continue;
    ++days_after;
    EXPECT_GE(day["volume_nl"].get<std::int64_t>(), day_nl - 1'000) << day.dump();
  }
  EXPECT_EQ(days_after, 2);
}

TEST(PowerCut, AfterTheSafetyLedgerWrappedTherapyGoesOn) {
  // The campaigns' case: it tripped at 21:15 and therapy stayed halted.
  expect_therapy_goes_on(run(cut_at(5, 80, 140)), 5, 140);
}

TEST(PowerCut, AfterTheSafetyLedgerWrappedAtOtherRatesTherapyGoesOn) {
  // Cuts that tripped before the fix, each where the pack a day back lay past the ring's
  // capacity from its oldest (a sweep of 172 runs: 2.5 to 20 mg/day, cuts every 7 days).
  expect_therapy_goes_on(run(cut_at(5, 90, 145)), 5, 145);
  expect_therapy_goes_on(run(cut_at(10, 40, 75)), 10, 75);
  expect_therapy_goes_on(run(cut_at(20, 20, 40)), 20, 40);
}

}  // namespace
}  // namespace itdd::sim

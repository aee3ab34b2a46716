// A refill with another drug: what reaches the patient is totalled per drug, each in its own
// unit, and the old drug still in the pump and catheter after the change is counted as the old
// drug when it leaves the tip. The figures are worked out by hand from the pump's stroke and
// dead volume; the run must match them to the femtogram.
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "itdd/sim/runner.h"
#include "itdd/sim/summary.h"
#include "scenario_outcome.h"
#include "scenario_test_support.h"

namespace itdd::sim {
namespace {

using nlohmann::json;

// tests/data/drug-change.json: peristaltic-20 (1 uL strokes, 0.2 mL of pump dead volume) with a
// 0.05 mL catheter: the line holds 250 uL, 250 strokes. Morphine 10 mg/mL at 2.4 mg/day and
// then hydromorphone 2 mg/mL at 0.48 mg/day are both 0.24 mL/day: 240 strokes a day, one every
// 6 minutes. The catheter starts full of morphine (no priming), strokes never vary. The refill
// at day 2 08:03 falls between two strokes (08:00 and 08:06).
json morphine_then_hydromorphone(int duration_days) {
  json doc = testing::load_source_json("tests/data/drug-change.json");
  doc["duration_days"] = duration_days;
  return doc;
}

using test_runs::Outcome;
using test_runs::run;

constexpr std::int64_t kFgPerUlAtOneMgPerMl = 1'000 * 1'000'000;  // 1000 nL x 1e6 ng/mL

// Strokes of each drug: before the refill, one every 6 minutes from 00:06 on day 0 to 08:00 on
// day 2: 56 h x 10 = 560. After it, hydromorphone from 08:09 (the new prescription's first
// 6 minutes) to the end of the run.
constexpr std::int64_t kMorphineStrokes = 560;
constexpr std::int64_t kLineStrokes = 250;

TEST(DrugChange, TheOldDrugInTheLineIsStillTheOldDrug) {
  // Three days: 08:03 on day 2 to 24:00 on day 2 is 957 minutes, 159 strokes of hydromorphone,
  // fewer than the line holds: everything that left the tip is morphine.
  const Outcome r = run(morphine_then_hydromorphone(3));
  const std::int64_t hydromorphone_strokes = 159;
  ASSERT_EQ(r.result.moved.count(), (kMorphineStrokes + hydromorphone_strokes) * 1000);
  ASSERT_EQ(r.result.drugs.size(), 2u);
  const DrugTotal& morphine = r.result.drugs[0];
  const DrugTotal& hydromorphone = r.result.drugs[1];
  EXPECT_EQ(morphine.name, "morphine");
  EXPECT_EQ(hydromorphone.name, "hydromorphone");
  // 719 uL of morphine at 10 mg/mL left the tip: 7.19 mg; 91 uL of it is still in the line
  // (0.91 mg) ahead of 159 uL of hydromorphone at 2 mg/mL (0.318 mg).
  EXPECT_EQ(morphine.tip_drug_fg, 719 * 10 * kFgPerUlAtOneMgPerMl);
  EXPECT_EQ(hydromorphone.tip_drug_fg, 0);
  EXPECT_EQ(morphine.catheter_drug_fg_at_end, 91 * 10 * kFgPerUlAtOneMgPerMl);
  EXPECT_EQ(hydromorphone.catheter_drug_fg_at_end, 159 * 2 * kFgPerUlAtOneMgPerMl);
  EXPECT_EQ(r.result.tip_drug_fg, morphine.tip_drug_fg + hydromorphone.tip_drug_fg);

  const json& by_drug = r.summary["totals"]["by_drug"];
  ASSERT_EQ(by_drug.size(), 2u);
  EXPECT_EQ(by_drug[0]["name"], "morphine");
  EXPECT_EQ(by_drug[0]["unit"], "mg");
  EXPECT_DOUBLE_EQ(by_drug[0]["delivered_drug"].get<double>(), 7.19);
  EXPECT_DOUBLE_EQ(by_drug[0]["in_line_at_end_ng"].get<double>(), 910'000);
  EXPECT_EQ(by_drug[1]["name"], "hydromorphone");
  EXPECT_DOUBLE_EQ(by_drug[1]["delivered_drug"].get<double>(), 0);
  // Different drugs do not add up: the all-drug figures are null.
  EXPECT_TRUE(r.summary["totals"]["delivered_drug"].is_null());
  EXPECT_TRUE(r.summary["totals"]["delivered_drug_ng"].is_null());
  EXPECT_TRUE(r.summary["totals"]["mean_drug_per_day"].is_null());
}

TEST(DrugChange, OnceTheLineHasTurnedOverTheNewDrugArrives) {
  // Five days: 08:03 on day 2 to the end of day 4 is 3837 minutes, 639 strokes of
  // hydromorphone: the first 250 push out the line's morphine, 389 deliver hydromorphone.
  const Outcome r = run(morphine_then_hydromorphone(5));
  const std::int64_t hydromorphone_strokes = 639;
  ASSERT_EQ(r.result.moved.count(), (kMorphineStrokes + hydromorphone_strokes) * 1000);
  const DrugTotal& morphine = r.result.drugs[0];
  const DrugTotal& hydromorphone = r.result.drugs[1];
  // Morphine: the 250 uL the line started with and the 560 uL pumped, 810 uL at 10 mg/mL.
  EXPECT_EQ(morphine.tip_drug_fg, (kLineStrokes + kMorphineStrokes) * 10 * kFgPerUlAtOneMgPerMl);
  EXPECT_EQ(hydromorphone.tip_drug_fg,
            (hydromorphone_strokes - kLineStrokes) * 2 * kFgPerUlAtOneMgPerMl);  // 0.778 mg
  EXPECT_EQ(morphine.catheter_drug_fg_at_end, 0);
  EXPECT_EQ(hydromorphone.catheter_drug_fg_at_end, kLineStrokes * 2 * kFgPerUlAtOneMgPerMl);

  // Per day, each drug in its unit (a stroke at midnight counts in the day it starts). Day 2:
  // 81 strokes of morphine (00:00 to 08:00) and hydromorphone's 159 to 23:57 still push
  // morphine out: 240 uL, 2.4 mg. Day 0 had 239 strokes (00:06 to 23:54), day 1 240: 719 uL
  // by the end of day 2. Day 3: the line's last 91 uL of morphine (0.91 mg), then 149 uL of
  // hydromorphone (0.298 mg). Day 4: 240 strokes of hydromorphone, 0.48 mg.
  const json& daily = r.summary["daily"];
  ASSERT_EQ(daily.size(), 5u);
  const auto amount = [&](std::size_t day, std::size_t drug) {
    return daily[day]["by_drug"][drug]["drug"].get<double>();
  };
  EXPECT_EQ(daily[2]["by_drug"][1]["name"], "hydromorphone");
  EXPECT_EQ(daily[2]["by_drug"][1]["unit"], "mg");
  EXPECT_DOUBLE_EQ(amount(0, 0), 2.39);
  EXPECT_DOUBLE_EQ(amount(1, 0), 2.4);
  EXPECT_DOUBLE_EQ(amount(2, 0), 2.4);
  EXPECT_DOUBLE_EQ(amount(2, 1), 0);
  EXPECT_DOUBLE_EQ(amount(3, 0), 0.91);
  EXPECT_DOUBLE_EQ(amount(3, 1), 0.298);
  EXPECT_DOUBLE_EQ(amount(4, 0), 0);
  EXPECT_DOUBLE_EQ(amount(4, 1), 0.48);
  EXPECT_TRUE(daily[3]["drug"].is_null());
  // The days add up to the run's totals, drug by drug.
  const std::vector<DayTotal> days = daily_totals(r.scenario, r.result);
  std::int64_t morphine_days = 0;
  std::int64_t hydromorphone_days = 0;
  for (const DayTotal& d : days) {
    morphine_days += d.drug_fg_by_drug[0];
    hydromorphone_days += d.drug_fg_by_drug[1];
    EXPECT_EQ(d.drug_fg, d.drug_fg_by_drug[0] + d.drug_fg_by_drug[1]);
  }
  EXPECT_EQ(morphine_days, morphine.tip_drug_fg);
  EXPECT_EQ(hydromorphone_days, hydromorphone.tip_drug_fg);

  // The text gives each drug in its unit instead of a sum; the CSV a column per drug.
  const std::string text = format_text_summary(r.scenario, r.result);
  EXPECT_NE(text.find("drug delivered, per drug (the scenario changes drug):"), std::string::npos)
      << text;
  EXPECT_NE(text.find("morphine             8.100 mg  (0.000 mg still in the line at the end)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("hydromorphone        0.778 mg  (0.500 mg still in the line at the end)"),
            std::string::npos)
      << text;
  std::ostringstream csv;
  write_hourly_csv(csv, r.scenario, r.result);
  EXPECT_TRUE(csv.str().starts_with("hour_start,volume_nl,morphine_ng,hydromorphone_ng\n"));
  // Day 4 00:00-01:00: 10 strokes of hydromorphone, 20,000 ng.
  EXPECT_NE(csv.str().find("\n2026-01-09 00:00,10000,0.000000,20000.000000\n"), std::string::npos);
}

TEST(DrugChange, OneDrugKeepsTheAllDrugFigures) {
  json doc = morphine_then_hydromorphone(3);
  doc["events"] = json::array();
  const Outcome r = run(doc);
  ASSERT_EQ(r.result.drugs.size(), 1u);
  EXPECT_EQ(r.result.drugs[0].tip_drug_fg, r.result.tip_drug_fg);
  EXPECT_DOUBLE_EQ(r.summary["totals"]["delivered_drug"].get<double>(),
                   r.summary["totals"]["by_drug"][0]["delivered_drug"].get<double>());
  EXPECT_FALSE(r.summary["daily"][1]["drug"].is_null());
  std::ostringstream csv;
  write_hourly_csv(csv, r.scenario, r.result);
  EXPECT_TRUE(csv.str().starts_with("hour_start,volume_nl,drug_ng\n"));
}

}  // namespace
}  // namespace itdd::sim

// Campaign files: the examples read as written; every kind of bad file refused with its field's
// path and what is allowed (unknown fields, negative rates, probabilities above 1, zero pumps,
// shares that do not add up, unknown models, doses a pump cannot give).
#include "itdd/sim/fleet/campaign.h"

#include <gtest/gtest.h>

#include <string>

#include "fleet_support.h"

namespace itdd::sim::fleet {
namespace {

using test::csf;
using test::models;

host::Checked<Campaign> parse(const std::string& text) {
  return parse_campaign_text(text, models(), csf());
}

// The small test campaign with `from` replaced by `to` (which must occur).
std::string edited(const std::string& from, const std::string& to) {
  std::string text = test::test_data("small-campaign.json");
  const std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

void expect_refused(const std::string& text, const std::string& field, const std::string& words) {
  const host::Checked<Campaign> c = parse(text);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().field, field) << c.error().text();
  EXPECT_NE(c.error().message.find(words), std::string::npos) << c.error().text();
}

TEST(Campaign, SmallCampaignReadsExactly) {
  const host::Checked<Campaign> c = parse(test::test_data("small-campaign.json"));
  ASSERT_TRUE(c.ok()) << c.error().text();
  EXPECT_EQ(c->pumps, 6);
  EXPECT_EQ(c->years, 1);
  EXPECT_EQ(c->seed, 7u);
  ASSERT_EQ(c->population.models.size(), 3u);
  EXPECT_TRUE(c->population.models[2].gas);
  EXPECT_EQ(c->population.models[0].share, kProbabilityScale / 2);
  ASSERT_EQ(c->population.drugs.size(), 2u);
  EXPECT_EQ(c->population.drugs[0].dose_ng_per_day.min, 1'500'000);  // 1.5 mg
  EXPECT_EQ(c->population.drugs[1].concentrations[1], 2'000'000);    // 2000 mcg/mL
  EXPECT_EQ(c->population.catheter_length_mm.max, 900);
  ASSERT_EQ(c->practices.size(), 2u);
  EXPECT_EQ(c->practices[1].refill_margin_days, 3);
  EXPECT_EQ(c->practices[0].late_probability, kProbabilityScale * 3 / 10);
  EXPECT_EQ(c->faults.pocket_fill_per_refill, kProbabilityScale / 5);
  EXPECT_EQ(c->faults.mri_stall.per_pump_year, 2 * kRateScale);
  EXPECT_EQ(c->duration(), days(365) + hours(6));
}

TEST(Campaign, ExamplesRead) {
  for (const char* file : {"/examples/fleet/refill-margin-3-vs-7.json"}) {
    const host::Checked<Campaign> c = parse(test::read_text(std::string(ITDD_SOURCE_DIR) + file));
    EXPECT_TRUE(c.ok()) << file << ": " << c.error().text();
  }
  EXPECT_TRUE(parse(test::test_data("drift-campaign.json")).ok());
}

TEST(Campaign, UnknownFieldsRefused) {
  expect_refused(edited("\"seed\": 7", "\"seed\": 7, \"sead\": 8"), "sead", "");
  expect_refused(edited("\"refill_margin_days\": 7,", "\"refill_margin_days\": 7, \"margin\": 1,"),
                 "practice.margin", "");
  expect_refused(edited("\"mri_stall\": {\"per_pump_year\": 2,",
                        "\"mri_stall\": {\"per_pump_year\": 2, \"per_year\": 2,"),
                 "faults.mri_stall.per_year", "");
  expect_refused(edited("\"power_cut\"", "\"power_cuts\""), "faults.power_cuts", "");
}

TEST(Campaign, NegativeRatesRefused) {
  expect_refused(
      edited("\"mri_stall\": {\"per_pump_year\": 2", "\"mri_stall\": {\"per_pump_year\": -2"),
      "faults.mri_stall.per_pump_year", "negative");
}

TEST(Campaign, RatesAboveADailyChanceOfATenthRefused) {
  expect_refused(edited("\"runaway_motor\": {\"per_pump_year\": 1",
                        "\"runaway_motor\": {\"per_pump_year\": 40"),
                 "faults.runaway_motor.per_pump_year", "36.5");
}

TEST(Campaign, ProbabilitiesAboveOneRefused) {
  expect_refused(edited("\"per_refill\": 0.2", "\"per_refill\": 1.2"),
                 "faults.pocket_fill.per_refill", "1");
  expect_refused(
      edited("\"late\": {\"probability\": 0.3", "\"late\": {\"probability\": 1.000000001"),
      "practice.late.probability", "");
  expect_refused(
      edited("\"virtual_patient\": {\"share\": 0.5", "\"virtual_patient\": {\"share\": 2"),
      "population.virtual_patient.share", "");
}

TEST(Campaign, ZeroPumpsRefused) {
  expect_refused(edited("\"pumps\": 6", "\"pumps\": 0"), "pumps", "");
  expect_refused(edited("\"years\": 1", "\"years\": 0"), "years", "");
  expect_refused(edited("\"years\": 1", "\"years\": 21"), "years", "");
}

TEST(Campaign, SharesMustAddUpToOne) {
  expect_refused(edited("{\"model\": \"peristaltic-20\", \"share\": 0.5}",
                        "{\"model\": \"peristaltic-20\", \"share\": 0.4}"),
                 "population.pump_models", "add up to 0.9");
  expect_refused(edited("\"share\": 0.5, \"concentrations\": [10, 25]",
                        "\"share\": 0.6, \"concentrations\": [10, 25]"),
                 "population.drugs", "add up to 1.1");
}

TEST(Campaign, UnknownModelNamesTheKnownOnes) {
  expect_refused(edited("\"model\": \"peristaltic-40\"", "\"model\": \"peristaltic-30\""),
                 "population.pump_models[1].model", "gas-fixed-30");
}

TEST(Campaign, DosesAPumpCannotGiveRefused) {
  // 1 mg/day at 25 mg/mL is 0.04 mL/day, below the pumps' 0.048 mL/day.
  expect_refused(edited("\"dose_per_day\": {\"min\": 1.5, \"max\": 5}",
                        "\"dose_per_day\": {\"min\": 1, \"max\": 5}"),
                 "population.drugs[0].dose_per_day", "0.048");
  expect_refused(edited("\"dose_per_day\": {\"min\": 1.5, \"max\": 5}",
                        "\"dose_per_day\": {\"min\": 6, \"max\": 5}"),
                 "population.drugs[0].dose_per_day.max", "at least min");
}

TEST(Campaign, OtherRefusals) {
  expect_refused(edited("\"start\": \"2027-01-04T00:00\"", "\"start\": \"2027-13-04T00:00\""),
                 "start", "YYYY");
  expect_refused(edited("\"name\": \"3-day margin\"", "\"name\": \"7-day margin\""), "compare_with",
                 "differ");
  expect_refused(edited("\"name\": \"baclofen\"", "\"name\": \"clonidine\""),
                 "population.drugs[1].name", "virtual patient");
  expect_refused(edited("\"percent\": {\"min\": 103", "\"percent\": {\"min\": 30"),
                 "faults.stroke_drift.percent.min", "");
  expect_refused("{\"name\": 1", "", "line 1");
}

}  // namespace
}  // namespace itdd::sim::fleet

#include "itdd/programmer/refill_date.h"

#include <gtest/gtest.h>

#include <string>

#include "itdd/host/wall_time.h"

namespace itdd::programmer {
namespace {

using host::Checked;

const WallTime kFilled = host::parse_wall_time("2025-03-03 10:00").value();

WallTime after(std::int64_t d) {
  return WallTime(kFilled.ms() + days(d).count());
}

TEST(RefillDate, LowReservoirLessTheMarginDecides) {
  const RefillDate r = next_refill_date(after(30), days(5), kFilled, 40, std::nullopt, 180);
  EXPECT_EQ(r.due, after(25));
  EXPECT_EQ(r.decided_by, RefillRule::kLowReservoir);
  EXPECT_EQ(r.reason,
            "due 2025-03-28 10:00: the reservoir is predicted low on 2025-04-02 10:00, less the "
            "5-day safety margin");
}

TEST(RefillDate, StabilityDecides) {
  const RefillDate r = next_refill_date(after(60), days(5), kFilled, 40, std::nullopt, 180);
  EXPECT_EQ(r.due, after(40));
  EXPECT_EQ(r.decided_by, RefillRule::kStability);
  EXPECT_STREQ(refill_rule_name(r.decided_by), "stability");
  // No predicted low reservoir (a stopped pump): stability still applies.
  EXPECT_EQ(next_refill_date(std::nullopt, days(5), kFilled, 40, std::nullopt, 180).due, after(40));
}

TEST(RefillDate, FirstFillStabilityDecides) {
  const RefillDate r = next_refill_date(after(60), days(5), kFilled, 84, 14, 180);
  EXPECT_EQ(r.due, after(14));
  EXPECT_EQ(r.decided_by, RefillRule::kFirstFillStability);
  EXPECT_NE(r.reason.find("within 14 days of 2025-03-03 10:00"), std::string::npos);
}

TEST(RefillDate, MaximumIntervalDecides) {
  const RefillDate r = next_refill_date(after(400), days(5), kFilled, 365, std::nullopt, 180);
  EXPECT_EQ(r.due, after(180));
  EXPECT_EQ(r.decided_by, RefillRule::kMaxInterval);
  EXPECT_STREQ(refill_rule_name(r.decided_by), "max-refill-interval");
}

TEST(RefillDate, OnATieTheReservoirIsNamed) {
  const RefillDate r = next_refill_date(after(45), days(5), kFilled, 40, std::nullopt, 40);
  EXPECT_EQ(r.due, after(40));
  EXPECT_EQ(r.decided_by, RefillRule::kLowReservoir);
}

TEST(RefillDate, RulesFromTheLibrary) {
  const Checked<DrugLibrary> lib =
      DrugLibrary::load(std::string(ITDD_SOURCE_DIR) + "/data/drug-library.json");
  ASSERT_TRUE(lib.ok());
  const DrugSpec& zic = *lib->find("ziconotide");
  const RefillRules first = refill_rules(lib.value(), zic, true, Dilution::kUndiluted);
  EXPECT_EQ(first.safety_margin, days(5));
  EXPECT_EQ(first.stability_days, 84);
  EXPECT_EQ(first.first_fill_stability_days, 14);
  EXPECT_EQ(first.max_refill_interval_days, 180);
  EXPECT_EQ(first.sources.size(), 4u);
  const RefillRules diluted = refill_rules(lib.value(), zic, false, Dilution::kDilutedOrUnknown);
  EXPECT_EQ(diluted.stability_days, 40);
  EXPECT_FALSE(diluted.first_fill_stability_days);
  const RefillRules bac =
      refill_rules(lib.value(), *lib->find("baclofen"), true, Dilution::kUndiluted);
  EXPECT_EQ(bac.stability_days, 180);
  EXPECT_FALSE(bac.first_fill_stability_days);  // no first-fill figure for baclofen
  EXPECT_EQ(bac.max_refill_interval_days, 180);
  EXPECT_NE(bac.sources[0].find("Clinics refill 3-5 days before the alarm date"),
            std::string::npos);
  // The rules feed the date: a ziconotide first fill with the reservoir low in 60 days.
  const RefillDate r =
      next_refill_date(after(60), first.safety_margin, kFilled, first.stability_days,
                       first.first_fill_stability_days, first.max_refill_interval_days);
  EXPECT_EQ(r.decided_by, RefillRule::kFirstFillStability);
}

}  // namespace
}  // namespace itdd::programmer

#include "itdd/core/units.h"

#include <gtest/gtest.h>

#include <type_traits>

#include "itdd/core/result.h"
#include "itdd/core/time.h"

namespace itdd {
namespace {

TEST(Units, ConstructorsUseBaseUnits) {
  EXPECT_EQ(millilitres(1).count(), 1'000'000);
  EXPECT_EQ(microlitres(3).count(), 3'000);
  EXPECT_EQ(milligrams(2).count(), 2'000'000);
  EXPECT_EQ(micrograms(5).count(), 5'000);
  EXPECT_EQ(days(1).count(), 86'400'000);
}

TEST(Units, DrugInVolume) {
  // 1 mL of 25 mg/mL morphine holds 25 mg.
  EXPECT_EQ(drug_in(millilitres(1), Concentration(25 * kNanogramsPerMilligram)), milligrams(25));
  // 48 uL of 25 mcg/mL ziconotide holds 1.2 mcg.
  EXPECT_EQ(drug_in(microlitres(48), Concentration(25'000)), nanograms(1'200));
}

TEST(Units, FlowForDoseRoundsDown) {
  // 2.4 mcg/day of 25 mcg/mL ziconotide: exactly 0.096 mL/day.
  EXPECT_EQ(flow_for(DoseRate(2'400), Concentration(25'000)).count(), 96'000);
  // 1 mg/day at 3 mg/mL is 333,333.33 nL/day: rounded toward less.
  EXPECT_EQ(flow_for(DoseRate(1'000'000), Concentration(3'000'000)).count(), 333'333);
  EXPECT_EQ(flow_for(DoseRate(1'000'000), Concentration(0)).count(), 0);
}

TEST(Units, VolumeHoldingRoundsDown) {
  EXPECT_EQ(volume_holding(micrograms(50), Concentration(500'000)), microlitres(100));
  EXPECT_EQ(volume_holding(nanograms(1), Concentration(3'000'000)).count(), 0);
}

TEST(Units, VolumeOverAndTimeToDeliverAreInverse) {
  const FlowRate flow(1'000'000);  // 1 mL/day
  EXPECT_EQ(volume_over(flow, hours(12)), microlitres(500));
  EXPECT_EQ(time_to_deliver(microlitres(500), flow), hours(12));
  // Rounded up so the volume is complete at the end.
  EXPECT_EQ(time_to_deliver(nanolitres(1), flow).count(), 87);
  EXPECT_EQ(time_to_deliver(nanolitres(1), FlowRate(0)).count(), 0);
}

TEST(Units, NoOverflowAtExtremes) {
  // A year at 24 mL/day of 100 mg/mL.
  const Volume year = volume_over(FlowRate(24'000'000), days(365));
  EXPECT_EQ(year, millilitres(24 * 365));
  EXPECT_EQ(drug_in(year, Concentration(100'000'000)), milligrams(100LL * 24 * 365));
}

TEST(Time, WeekdayOfEpochDays) {
  EXPECT_EQ(weekday_of_day(0), Weekday::kThu);
  EXPECT_EQ(weekday_of_day(4), Weekday::kMon);
  EXPECT_EQ(weekday_of_day(-1), Weekday::kWed);
  EXPECT_EQ(floor_div(-1, 7), -1);
  EXPECT_EQ(floor_mod(-1, 7), 6);
}

}  // namespace
}  // namespace itdd

namespace itdd {
namespace {
TEST(Error, WithLimitKeepsTheRefusalAndAddsItsQuantities) {
  const Error plain = make_error(ErrorCode::kInvalidArgument, "dose_per_day", "too low", 2, 3);
  EXPECT_EQ(plain.values.limit, ErrorLimit::kNone);
  const Error e = with_limit(plain, ErrorLimit::kMinimum, ErrorUnit::kNanolitresPerDay, 40'000,
                             48'000);
  EXPECT_STREQ(e.field, "dose_per_day");
  EXPECT_STREQ(e.message, "too low");
  EXPECT_EQ(e.index, 2);
  EXPECT_EQ(e.sub_index, 3);
  EXPECT_EQ(e.values.limit, ErrorLimit::kMinimum);
  EXPECT_EQ(e.values.unit, ErrorUnit::kNanolitresPerDay);
  EXPECT_EQ(e.values.requested, 40'000);
  EXPECT_EQ(e.values.allowed, 48'000);
  // A plain value: no heap, copied whole.
  static_assert(std::is_trivially_copyable_v<Error>);
}
}  // namespace
}  // namespace itdd

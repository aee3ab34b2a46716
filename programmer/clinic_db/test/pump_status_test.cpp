// The reservoir estimate `itdd clinic pump list` shows: exact, rounded toward less left, and
// following each prescription in force since the refill.
#include "itdd/programmer/pump_status.h"

#include <gtest/gtest.h>

namespace itdd::programmer {
namespace {

constexpr std::int64_t kDay = kMillisPerDay;
constexpr std::int64_t kRefillAt = 1'740'787'200'000;  // 2025-03-01 00:00 UTC

PrescriptionRecord rx(std::int64_t at, std::int64_t mg_per_day, std::int64_t mg_per_ml) {
  PrescriptionRecord p;
  p.at_ms = at;
  p.drug = "morphine";
  p.max_daily_dose = DoseRate(mg_per_day * kNanogramsPerMilligram);
  p.concentration = Concentration(mg_per_ml * kNanogramsPerMilligram);
  return p;
}

RefillRecord refill(std::int64_t ml) {
  RefillRecord r;
  r.at_ms = kRefillAt;
  r.volume = millilitres(ml);
  return r;
}

TEST(DeliveredVolume, IsExactAndRoundsUpSoWhatIsLeftRoundsDown) {
  // 4 mg/day at 2 mg/mL is 2 mL/day.
  EXPECT_EQ(delivered_volume(DoseRate(4'000'000), Concentration(2'000'000), kDay),
            millilitres(2));
  // 1 ng/day at 3 ng/mL for a day: 1/3 mL = 333333.33 nL, rounded up.
  EXPECT_EQ(delivered_volume(DoseRate(1), Concentration(3), kDay), Volume(333'334));
  EXPECT_EQ(delivered_volume(DoseRate(0), Concentration(3), kDay), Volume(0));
  EXPECT_EQ(delivered_volume(DoseRate(5), Concentration(3), -kDay), Volume(0));
}

TEST(ReservoirEstimate, FollowsEachPrescriptionSinceTheRefill) {
  // 2 mL/day for 3 days, then 1 mL/day for 2 days: 20 - 6 - 2 = 12 mL.
  const std::vector<PrescriptionRecord> history = {rx(kRefillAt - 10 * kDay, 4, 2),
                                                   rx(kRefillAt + 3 * kDay, 2, 2)};
  EXPECT_EQ(estimate_reservoir(refill(20), history, kRefillAt + 5 * kDay), millilitres(12));
  // Never below empty.
  EXPECT_EQ(estimate_reservoir(refill(20), history, kRefillAt + 100 * kDay), Volume(0));
}

TEST(ReservoirEstimate, APumpProgrammedAfterItsFillCountsFromTheFill) {
  const std::vector<PrescriptionRecord> history = {rx(kRefillAt + 60'000, 4, 2)};
  EXPECT_EQ(estimate_reservoir(refill(20), history, kRefillAt + 2 * kDay), millilitres(16));
}

TEST(ReservoirEstimate, WithoutAPrescriptionThereIsNoEstimate) {
  EXPECT_EQ(estimate_reservoir(refill(20), {}, kRefillAt + kDay), std::nullopt);
}

}  // namespace
}  // namespace itdd::programmer

// The drug identity of what leaves the catheter tip: each segment keeps its drug, merges never
// create, lose or move a drug's mass, and the mechanism totals each drug apart.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <deque>
#include <numeric>
#include <vector>

#include "itdd/sim/sim_battery.h"
#include "itdd/sim/sim_catheter.h"
#include "itdd/sim/sim_clock.h"
#include "itdd/sim/sim_mechanism.h"
#include "itdd/sim/sim_reservoir.h"

namespace itdd::sim {
namespace {

constexpr DrugIndex kMorphine = 0;
constexpr DrugIndex kHydromorphone = 1;
constexpr Concentration kMorphine10{10 * kNanogramsPerMilligram};
constexpr Concentration kHydromorphone2{2 * kNanogramsPerMilligram};

std::int64_t sum(const DrugAmounts& a) {
  return std::accumulate(a.begin(), a.end(), std::int64_t{0});
}

TEST(SimCatheterDrugs, TheOldDrugLeavesFirstAndKeepsItsName) {
  // 10 uL of morphine in the line, then 1 uL strokes of hydromorphone: ten strokes of morphine
  // come out (10 ug each), then hydromorphone (2 ug each).
  SimCatheter line(microlitres(10), kMorphine10, kMorphine);
  DrugAmounts tip{};
  for (int i = 0; i < 25; ++i) line.push(microlitres(1), kHydromorphone2, kHydromorphone, tip);
  EXPECT_EQ(tip[kMorphine], 10 * 10'000 * kDrugUnitsPerNanogram);
  EXPECT_EQ(tip[kHydromorphone], 15 * 2'000 * kDrugUnitsPerNanogram);
  EXPECT_EQ(line.drug_inside_by_drug()[kMorphine], 0);
  EXPECT_EQ(line.drug_inside_by_drug()[kHydromorphone], 10 * 2'000 * kDrugUnitsPerNanogram);
}

TEST(SimCatheterDrugs, AStrokeAcrossTheBoundaryGivesEachDrugItsPart) {
  SimCatheter line(nanolitres(1500), kMorphine10, kMorphine);
  DrugAmounts tip{};
  const std::int64_t out = line.push(nanolitres(2000), kHydromorphone2, kHydromorphone, tip);
  // 1500 nL of morphine at 10'000 ng/mL, 500 nL of hydromorphone at 2'000 ng/mL.
  EXPECT_EQ(tip[kMorphine], std::int64_t{1500} * 10'000'000);
  EXPECT_EQ(tip[kHydromorphone], std::int64_t{500} * 2'000'000);
  EXPECT_EQ(out, sum(tip));
}

TEST(SimCatheterDrugs, MergesJoinTheOldestPairOfOneDrug) {
  // 16 segments: morphine at 16 concentrations... then hydromorphone: the two oldest (both
  // morphine) merge exactly, the new drug gets its own segment.
  SimCatheter line(microlitres(100), Concentration(1), kMorphine);
  DrugAmounts tip{};
  for (int i = 2; i <= 16; ++i) line.push(nanolitres(100), Concentration(i), kMorphine, tip);
  ASSERT_EQ(line.segment_count(), SimCatheter::kMaxSegments);
  const std::int64_t inside = line.drug_inside();
  const std::int64_t out_before = sum(tip);
  line.push(nanolitres(100), kHydromorphone2, kHydromorphone, tip);
  EXPECT_EQ(line.segment_count(), SimCatheter::kMaxSegments);
  EXPECT_EQ(line.segment(0).drug, kMorphine);
  EXPECT_EQ(line.segment(0).concentration, SimCatheter::kVaried);
  EXPECT_EQ(line.segment(SimCatheter::kMaxSegments - 1).drug, kHydromorphone);
  // The merged segment: 98,500 nL at 1 ng/mL (15 strokes of 100 nL taken) and 100 nL at 2,
  // 98,700 fg in 98,600 nL; the stroke took 100 nL of it: 98,700 x 100 / 98,600 = 100.1,
  // rounded down to 100 fg, the 0.1 left in the line.
  EXPECT_EQ(line.segment(0).volume_nl, 98'500);
  EXPECT_EQ(line.segment(0).drug_fg, 98'600);
  EXPECT_EQ(sum(tip) - out_before, 100);
  EXPECT_EQ(inside + std::int64_t{100} * 2'000'000, line.drug_inside() + sum(tip) - out_before);
}

TEST(SimCatheterDrugs, AlternatingDrugsMixOnlyAtTheTipAndKeepEachMass) {
  // No two neighbours share a drug: the two oldest become the one mixed segment, each drug's
  // mass kept apart, and it leaves with each drug's share rounded down and the rest at its end.
  SimCatheter line(nanolitres(1600), Concentration(3), kMorphine);
  DrugAmounts tip{};
  for (int i = 1; i < 16; ++i) {
    line.push(nanolitres(1), Concentration(7), i % 2 ? kHydromorphone : kMorphine, tip);
  }
  ASSERT_EQ(line.segment_count(), SimCatheter::kMaxSegments);
  const DrugAmounts before = line.drug_inside_by_drug();
  const DrugAmounts tip_before = tip;
  line.push(nanolitres(1), Concentration(7), kMorphine, tip);  // ...H M: no pair of one drug
  EXPECT_EQ(line.segment(0).drug, SimCatheter::kSeveralDrugs);
  EXPECT_EQ(line.segment(0).concentration, SimCatheter::kVaried);
  // The mixed segment: 1585 nL of morphine at 3 (15 strokes of 1 nL taken), 4755 fg, and 1 nL
  // of hydromorphone at 7; this push took 1 nL of its 1586: 4755 / 1586 = 2.998 and
  // 7 / 1586 = 0.004, each rounded down.
  EXPECT_EQ(line.segment(0).volume_nl, 1585);
  EXPECT_EQ(line.mixed_drug_fg()[kMorphine], 4755 - 2);
  EXPECT_EQ(line.mixed_drug_fg()[kHydromorphone], 7);
  EXPECT_EQ(tip[kMorphine] - tip_before[kMorphine], 2);
  EXPECT_EQ(tip[kHydromorphone] - tip_before[kHydromorphone], 0);
  for (std::size_t d = 0; d < kMaxDrugs; ++d) {
    const std::int64_t in = d == kMorphine ? 7 : 0;
    EXPECT_EQ(before[d] + in, line.drug_inside_by_drug()[d] + tip[d] - tip_before[d]) << d;
  }
  // Flush it with 2 uL of saline (drug 2): everything comes out, each drug whole: morphine
  // 1600 nL at 3 and eight 1 nL pushes at 7, hydromorphone eight 1 nL pushes at 7.
  for (int i = 0; i < 2000; ++i) line.push(nanolitres(1), Concentration(0), 2, tip);
  EXPECT_EQ(line.drug_inside(), 0);
  EXPECT_EQ(tip[kMorphine], 1600 * 3 + 8 * 7);
  EXPECT_EQ(tip[kHydromorphone], 8 * 7);
  EXPECT_EQ(tip[2], 0);
}

// Any pushes of up to 4 drugs at up to 4 concentrations each, in any order and any volume: for
// every drug, what was in the line plus what went in equals what left the tip plus what is in
// the line now (no merge creates, loses or moves drug), and the per-drug tip totals add up to
// the all-drug total the catheter returns.
RC_GTEST_PROP(SimCatheterDrugProperty, EachDrugIsConservedAndTheTotalsAddUp, ()) {
  const auto dead = *rc::gen::inRange<std::int64_t>(0, 200'000);
  const auto initial = *rc::gen::inRange<std::int64_t>(0, 100'000'000);
  const auto initial_drug = *rc::gen::inRange<int>(0, 4);
  SimCatheter line{Volume(dead), Concentration(initial), static_cast<DrugIndex>(initial_drug)};
  const DrugAmounts before = line.drug_inside_by_drug();
  RC_ASSERT(sum(before) == line.drug_inside());
  struct Push {
    std::int64_t volume;
    int drug;
    int concentration;
  };
  const auto pushes = *rc::gen::container<std::vector<Push>>(rc::gen::construct<Push>(
      rc::gen::inRange<std::int64_t>(0, 5'000), rc::gen::inRange(0, 4), rc::gen::inRange(0, 4)));
  DrugAmounts in{};
  DrugAmounts tip{};
  std::int64_t out = 0;
  for (const Push& p : pushes) {
    const Concentration c(p.concentration * 12'345'677 + p.drug);
    in[static_cast<std::size_t>(p.drug)] += p.volume * c.count();
    out += line.push(Volume(p.volume), c, static_cast<DrugIndex>(p.drug), tip);
    RC_ASSERT(line.segment_count() <= SimCatheter::kMaxSegments);
  }
  RC_ASSERT(sum(tip) == out);
  const DrugAmounts inside = line.drug_inside_by_drug();
  for (std::size_t d = 0; d < kMaxDrugs; ++d) {
    RC_ASSERT(before[d] + in[d] == tip[d] + inside[d]);
    RC_ASSERT(tip[d] >= 0);
    RC_ASSERT(inside[d] >= 0);
  }
  std::int64_t volume_inside = 0;
  for (std::size_t i = 0; i < line.segment_count(); ++i) volume_inside += line.segment(i).volume_nl;
  RC_ASSERT(volume_inside == dead);
}

// An unbounded FIFO, nanolitre by nanolitre in runs: the line as it physically is.
struct ReferenceLine {
  struct Run {
    std::int64_t volume_nl;
    std::int64_t concentration;
    std::size_t drug;
  };
  std::deque<Run> runs;
  DrugAmounts tip{};
  void push(std::int64_t volume_nl, std::int64_t concentration, std::size_t drug) {
    if (volume_nl <= 0) return;
    runs.push_back({volume_nl, concentration, drug});
    while (volume_nl > 0) {
      Run& front = runs.front();
      const std::int64_t taken = std::min(front.volume_nl, volume_nl);
      tip[front.drug] += taken * front.concentration;
      front.volume_nl -= taken;
      volume_nl -= taken;
      if (front.volume_nl == 0) runs.pop_front();
    }
  }
};

// While the line needs no merge (at most 15 pushes after the first fill: 16 segments), what
// leaves the tip is, drug by drug and push by push, what an unbounded line gives: the drug of
// every nanolitre is the drug that went in.
RC_GTEST_PROP(SimCatheterDrugProperty, WithoutMergesEachDrugLeavesAsItWentIn, ()) {
  const auto dead = *rc::gen::inRange<std::int64_t>(1, 20'000);
  const auto initial = *rc::gen::inRange<std::int64_t>(0, 100'000'000);
  SimCatheter line{Volume(dead), Concentration(initial), 0};
  ReferenceLine reference;
  reference.runs.push_back({dead, initial, 0});
  const auto count = *rc::gen::inRange<std::size_t>(0, SimCatheter::kMaxSegments);
  DrugAmounts tip{};
  for (std::size_t i = 0; i < count; ++i) {
    const auto volume = *rc::gen::inRange<std::int64_t>(0, 30'000);
    const auto drug = *rc::gen::inRange<std::size_t>(0, kMaxDrugs);
    const auto concentration = *rc::gen::inRange<std::int64_t>(0, 100'000'000);
    line.push(Volume(volume), Concentration(concentration), static_cast<DrugIndex>(drug), tip);
    reference.push(volume, concentration, drug);
    RC_ASSERT(tip == reference.tip);
  }
}

TEST(SimReservoirDrug, AFillSetsTheDrugAndAnUnknownOneIsRefused) {
  SimReservoir r(millilitres(20));
  ASSERT_TRUE(r.refill(millilitres(10), kMorphine10, kMorphine));
  EXPECT_FALSE(r.refill(millilitres(10), kHydromorphone2, static_cast<DrugIndex>(kMaxDrugs)));
  EXPECT_EQ(r.drug(), kMorphine);
  EXPECT_EQ(r.concentration(), kMorphine10);
  ASSERT_TRUE(r.refill(millilitres(10), kHydromorphone2, kHydromorphone));
  EXPECT_EQ(r.drug(), kHydromorphone);
}

TEST(SimMechanismDrug, StrokesAddToTheDrugLeavingTheTip) {
  SimClock clock;
  SimReservoir reservoir(millilitres(20));
  SimCatheter catheter(microlitres(5), kMorphine10, kMorphine);
  SimBattery battery(BatteryParams{21'600'000'000, 5000, 8000, 3000});
  SimMechanism mechanism({microlitres(1), 0.0, StrokeDistribution::kUniform, 1}, clock, reservoir,
                         catheter, battery);
  ASSERT_TRUE(reservoir.refill(millilitres(1), kHydromorphone2, kHydromorphone));
  for (int i = 0; i < 8; ++i) mechanism.stroke();
  const MechanismTotals& t = mechanism.totals();
  EXPECT_EQ(t.tip_drug_fg_by_drug[kMorphine], 5 * 10'000 * kDrugUnitsPerNanogram);
  EXPECT_EQ(t.tip_drug_fg_by_drug[kHydromorphone], 3 * 2'000 * kDrugUnitsPerNanogram);
  EXPECT_EQ(sum(t.tip_drug_fg_by_drug), t.tip_drug_fg);
}

}  // namespace
}  // namespace itdd::sim

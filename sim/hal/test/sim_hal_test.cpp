// The simulated hardware: deterministic randomness, the real reservoir, the catheter's FIFO of
// solutions (drug is conserved), stroke volume spreads and the battery's arithmetic.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <vector>

#include "itdd/sim/sim_battery.h"
#include "itdd/sim/sim_catheter.h"
#include "itdd/sim/sim_clock.h"
#include "itdd/sim/sim_mechanism.h"
#include "itdd/sim/sim_reservoir.h"
#include "itdd/sim/xorshift.h"

namespace itdd::sim {
namespace {

constexpr Concentration kMorphine25{25 * kNanogramsPerMilligram};
constexpr Concentration kMorphine50{50 * kNanogramsPerMilligram};

// One drug through the line: what left the tip (femtograms).
std::int64_t push(SimCatheter& line, Volume volume, Concentration concentration) {
  DrugAmounts tip{};
  const std::int64_t out = line.push(volume, concentration, 0, tip);
  EXPECT_EQ(tip[0], out);
  return out;
}

TEST(Xorshift, SameSeedSameSequenceOtherSeedOther) {
  Xorshift64Star a(1), b(1), c(2);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    const std::uint64_t x = a.next();
    EXPECT_EQ(x, b.next());
    differs = differs || x != c.next();
  }
  EXPECT_TRUE(differs);
}

TEST(Xorshift, ZeroSeedStillRandom) {
  Xorshift64Star z(0);
  EXPECT_NE(z.next(), z.next());
}

TEST(Xorshift, BelowStaysInRangeAndCoversIt) {
  Xorshift64Star r(9);
  std::vector<int> seen(7, 0);
  for (int i = 0; i < 7000; ++i) {
    const std::uint64_t v = r.below(7);
    ASSERT_LT(v, 7u);
    ++seen[v];
  }
  for (int n : seen) EXPECT_GT(n, 800);  // about 1000 each
}

TEST(SimReservoir, RefillRefusesAboveCapacity) {
  SimReservoir r(millilitres(20));
  EXPECT_FALSE(r.refill(millilitres(21), kMorphine25, 0));
  EXPECT_EQ(r.actual(), Volume(0));
  EXPECT_TRUE(r.refill(millilitres(18), kMorphine25, 0));
  EXPECT_EQ(r.actual(), millilitres(18));
  EXPECT_EQ(r.concentration(), kMorphine25);
  EXPECT_FALSE(r.refill(Volume(-1), kMorphine25, 0));
}

TEST(SimReservoir, DrawTakesWhatIsLeft) {
  SimReservoir r(millilitres(20));
  ASSERT_TRUE(r.refill(nanolitres(1500), kMorphine25, 0));
  EXPECT_EQ(r.draw(nanolitres(1000)), nanolitres(1000));
  EXPECT_EQ(r.draw(nanolitres(1000)), nanolitres(500));
  EXPECT_EQ(r.draw(nanolitres(1000)), Volume(0));
  EXPECT_EQ(r.actual(), Volume(0));
}

TEST(SimCatheter, SalineComesOutFirstThenDrug) {
  // 0.45 mL of saline in the line: the first 450 strokes of 1 uL deliver no drug.
  SimCatheter line(microlitres(450), Concentration(0));
  std::int64_t drug = 0;
  for (int i = 0; i < 450; ++i) drug += push(line, microlitres(1), kMorphine25);
  EXPECT_EQ(drug, 0);
  EXPECT_EQ(line.segment(0).concentration, kMorphine25.count());
  // The next stroke delivers 1 uL at 25 mg/mL = 25 ug = 25,000 ng.
  EXPECT_EQ(push(line, microlitres(1), kMorphine25), 25'000 * kDrugUnitsPerNanogram);
}

TEST(SimCatheter, ConcentrationChangeArrivesAfterTheDeadVolume) {
  SimCatheter line(microlitres(10), kMorphine25);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(push(line, microlitres(1), kMorphine50), 25'000 * kDrugUnitsPerNanogram) << i;
  }
  EXPECT_EQ(push(line, microlitres(1), kMorphine50), 50'000 * kDrugUnitsPerNanogram);
}

TEST(SimCatheter, PartialSegmentsSplitExactly) {
  SimCatheter line(nanolitres(1000), Concentration(0));
  // 300 nL of drug pushes 300 nL of saline out; pushing 1200 nL of saline behind it then
  // delivers the remaining 700 nL of saline, the 300 nL of drug and 200 nL of the new saline.
  EXPECT_EQ(push(line, nanolitres(300), kMorphine25), 0);
  EXPECT_EQ(push(line, nanolitres(1200), Concentration(0)), 300 * kMorphine25.count());
  EXPECT_EQ(push(line, nanolitres(100), Concentration(0)), 0);
}

TEST(SimCatheter, NoDeadVolumePassesStraightThrough) {
  SimCatheter line(Volume(0), Concentration(0));
  EXPECT_EQ(push(line, nanolitres(1000), kMorphine25), 1000 * kMorphine25.count());
}

TEST(SimCatheter, ManySolutionsStayBounded) {
  SimCatheter line(microlitres(100), Concentration(0));
  for (int i = 1; i <= 100; ++i) push(line, nanolitres(500), Concentration(i * 1000));
  EXPECT_LE(line.segment_count(), SimCatheter::kMaxSegments);
  std::int64_t volume = 0;
  for (std::size_t i = 0; i < line.segment_count(); ++i) volume += line.segment(i).volume_nl;
  EXPECT_EQ(volume, microlitres(100).count());
}

// Drug is conserved: what was in the line plus what went in equals what came out plus what is
// in the line now, exactly, however many solutions share the line (merges add drug exactly).
RC_GTEST_PROP(SimCatheterProperty, ConservesDrug, ()) {
  const auto dead = *rc::gen::inRange<std::int64_t>(0, 2'000'000);
  const auto initial = *rc::gen::inRange<std::int64_t>(0, 100'000'000);
  SimCatheter line{Volume(dead), Concentration(initial)};
  const std::int64_t before = line.drug_inside();
  const auto pushes = *rc::gen::container<std::vector<std::pair<std::int64_t, int>>>(
      rc::gen::pair(rc::gen::inRange<std::int64_t>(0, 50'000), rc::gen::inRange(0, 8)));
  std::int64_t in = 0;
  std::int64_t out = 0;
  for (const auto& [volume, which] : pushes) {
    // At most 8 distinct concentrations, but in any order: merges keep volumes and drug exact.
    const Concentration c(which * 12'500'000);
    in += volume * c.count();
    out += push(line, Volume(volume), c);
  }
  RC_ASSERT(line.dead_volume().count() == dead);
  std::int64_t volume_inside = 0;
  for (std::size_t i = 0; i < line.segment_count(); ++i) volume_inside += line.segment(i).volume_nl;
  RC_ASSERT(volume_inside == dead);
  RC_ASSERT(before + in == out + line.drug_inside());
}

struct Rig {
  explicit Rig(StrokeVolumeParams params, Volume fill = millilitres(18))
      : reservoir(millilitres(20)),
        catheter(microlitres(450), Concentration(0)),
        battery(BatteryParams{21'600'000'000, 5000, 8000, 3000}),
        mechanism(params, clock, reservoir, catheter, battery) {
    reservoir.refill(fill, kMorphine25, 0);
  }
  SimClock clock;
  SimReservoir reservoir;
  SimCatheter catheter;
  SimBattery battery;
  SimMechanism mechanism;
};

TEST(SimMechanism, DeterministicStrokesMoveTheMean) {
  Rig rig({microlitres(1), 0.0, StrokeDistribution::kUniform, 1});
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(rig.mechanism.stroke().outcome, hal::StrokeOutcome::kCompleted);
  }
  EXPECT_EQ(rig.mechanism.totals().moved, millilitres(1));
  EXPECT_EQ(rig.reservoir.actual(), millilitres(17));
  EXPECT_EQ(rig.battery.strokes(), 1000);
  // 450 strokes push saline out; 550 deliver 25 ug each.
  EXPECT_EQ(rig.mechanism.totals().tip_drug_fg, 550 * 25'000 * kDrugUnitsPerNanogram);
}

void expect_spread(StrokeDistribution distribution) {
  Rig rig({microlitres(1), 5.0, distribution, 3}, millilitres(20));
  const int n = 15'000;
  Volume previous = rig.mechanism.totals().moved;
  std::int64_t near_edges = 0;
  for (int i = 0; i < n; ++i) {
    rig.mechanism.stroke();
    const Volume v = rig.mechanism.totals().moved - previous;
    previous = rig.mechanism.totals().moved;
    ASSERT_GE(v.count(), 950);
    ASSERT_LE(v.count(), 1050);
    if (v.count() < 960 || v.count() > 1040) ++near_edges;
  }
  const double mean = static_cast<double>(rig.mechanism.totals().moved.count()) / n;
  EXPECT_NEAR(mean, 1000.0, 1.0);
  // Uniform puts 20% of strokes in the outer fifth of the range, triangular about 4%.
  if (distribution == StrokeDistribution::kUniform) {
    EXPECT_GT(near_edges, n * 15 / 100);
  } else {
    EXPECT_LT(near_edges, n * 8 / 100);
  }
}

TEST(SimMechanism, UniformSpread) {
  expect_spread(StrokeDistribution::kUniform);
}
TEST(SimMechanism, TriangularSpread) {
  expect_spread(StrokeDistribution::kTriangular);
}

TEST(SimMechanism, SameSeedSameRun) {
  Rig a({microlitres(1), 10.0, StrokeDistribution::kUniform, 5});
  Rig b({microlitres(1), 10.0, StrokeDistribution::kUniform, 5});
  for (int i = 0; i < 500; ++i) {
    a.mechanism.stroke();
    b.mechanism.stroke();
  }
  EXPECT_EQ(a.mechanism.totals().moved, b.mechanism.totals().moved);
  EXPECT_NE(a.mechanism.totals().moved, millilitres(0) + microlitres(500));
}

TEST(SimMechanism, DryReservoirMovesWhatIsLeftAndRecordsWhen) {
  Rig rig({microlitres(1), 0.0, StrokeDistribution::kUniform, 1}, nanolitres(3500));
  rig.mechanism.watch_reservoir(nanolitres(1500));
  rig.clock.advance_to(ImplantTime(10));
  rig.mechanism.stroke();  // 2500 left
  EXPECT_TRUE(rig.mechanism.actual_low_at().is_never());
  rig.clock.advance_to(ImplantTime(20));
  rig.mechanism.stroke();  // 1500 left: the watched level
  EXPECT_EQ(rig.mechanism.actual_low_at(), ImplantTime(20));
  rig.clock.advance_to(ImplantTime(30));
  rig.mechanism.stroke();  // 500 left
  rig.clock.advance_to(ImplantTime(40));
  // The rotor turns even with nothing to move: the implant cannot tell.
  EXPECT_EQ(rig.mechanism.stroke().outcome, hal::StrokeOutcome::kCompleted);
  EXPECT_EQ(rig.mechanism.actual_dry_at(), ImplantTime(40));
  EXPECT_EQ(rig.mechanism.totals().moved, nanolitres(3500));
  EXPECT_EQ(rig.mechanism.totals().short_by, nanolitres(500));
  rig.mechanism.stroke();
  EXPECT_EQ(rig.mechanism.totals().short_by, nanolitres(1500));
  EXPECT_EQ(rig.reservoir.actual(), Volume(0));
}

TEST(SimClock, JumpsForward) {
  SimClock c;
  EXPECT_EQ(c.now(), ImplantTime(0));
  c.advance_to(ImplantTime(days(365).count()));
  EXPECT_EQ(c.now(), ImplantTime(days(365).count()));
}

}  // namespace
}  // namespace itdd::sim

// The counter-based streams: the same key gives the same numbers, in any order of reading;
// another pump, seed or purpose gives others; the draws are uniform enough to be what they say.
#include "itdd/sim/fleet/pump_stream.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace itdd::sim::fleet {
namespace {

TEST(PumpStream, SameKeySameNumbersInAnyOrder) {
  const PumpStream a(42, 7);
  std::vector<std::uint64_t> forward;
  for (std::uint64_t n = 0; n < 64; ++n) forward.push_back(a.word(Purpose::kMriStall, 3, n));
  std::vector<std::uint64_t> order(64);
  for (std::uint64_t i = 0; i < 64; ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), std::mt19937_64(1));
  const PumpStream b(42, 7);  // another object, the same key
  for (std::uint64_t n : order) EXPECT_EQ(b.word(Purpose::kMriStall, 3, n), forward[n]);
}

TEST(PumpStream, KnownValuesDoNotChange) {
  // Pinned: a change of generator, key or counter layout changes every campaign's results (and
  // a campaign's replay files would no longer be its pumps).
  const PumpStream s(20261207, 0);
  EXPECT_EQ(s.word(Purpose::kPopulation, 0, 0), 7406881661019614547ULL);
  EXPECT_EQ(s.word(Purpose::kPopulation, 0, 5), 8785996607058325976ULL);
  EXPECT_EQ(PumpStream(1, 2).word(Purpose::kMriStall, 3, 4), 14838310370753799846ULL);
}

TEST(PumpStream, OtherKeysAndPurposesGiveOtherNumbers) {
  const PumpStream s(20261207, 0);
  const std::uint64_t w = s.word(Purpose::kPopulation, 0, 0);
  EXPECT_NE(w, s.word(Purpose::kPopulation, 0, 1));
  EXPECT_NE(w, PumpStream(20261207, 1).word(Purpose::kPopulation, 0, 0));
  EXPECT_NE(w, PumpStream(20261208, 0).word(Purpose::kPopulation, 0, 0));
  EXPECT_NE(w, s.word(Purpose::kPractice, 0, 0));
  EXPECT_NE(w, s.word(Purpose::kPopulation, 1, 0));
}

RC_GTEST_PROP(PumpStream, ReadingOtherPumpsOrPurposesFirstChangesNothing,
              (std::uint64_t seed, std::uint32_t pump, std::uint32_t other, std::uint16_t item)) {
  const std::uint64_t before = PumpStream(seed, pump).word(Purpose::kPocketFill, item, 5);
  // Whatever else is read in between (another pump's, another purpose's) leaves it alone.
  (void)PumpStream(seed, other).word(Purpose::kPocketFill, item, 5);
  (void)PumpStream(seed, pump).word(Purpose::kPractice, item, 5);
  RC_ASSERT(PumpStream(seed, pump).word(Purpose::kPocketFill, item, 5) == before);
}

RC_GTEST_PROP(PumpStream, InStaysWithinItsSpan,
              (std::uint64_t seed, std::int32_t lo, std::uint16_t width)) {
  const Span span{lo, static_cast<std::int64_t>(lo) + width};
  const PumpStream s(seed, 1);
  for (std::uint64_t n = 0; n < 20; ++n) {
    const std::int64_t v = s.in(Purpose::kOcclusion, 0, n, span);
    RC_ASSERT(v >= span.min);
    RC_ASSERT(v <= span.max);
  }
}

TEST(PumpStream, ChanceHitsItsProbability) {
  const PumpStream s(9, 9);
  int hits = 0;
  constexpr int kDraws = 100'000;
  for (int i = 0; i < kDraws; ++i) {
    hits += s.chance(Purpose::kPocketFill, static_cast<std::uint64_t>(i), 0, kProbabilityScale / 10)
                ? 1
                : 0;
  }
  // 10 % of 100,000: 10,000 with a standard deviation of about 95.
  EXPECT_NEAR(hits, 10'000, 500);
  EXPECT_TRUE(s.chance(Purpose::kPocketFill, 0, 0, kProbabilityScale));
  EXPECT_FALSE(s.chance(Purpose::kPocketFill, 0, 0, 0));
}

TEST(PumpStream, DailyProbabilityOfARate) {
  // 365.25 a pump-year is one a day; 0.1 a pump-year is 0.1 / 365.25 a day, rounded down.
  EXPECT_EQ(daily_probability(365'250'000), kProbabilityScale);
  EXPECT_EQ(daily_probability(100'000), 273'785);  // 0.1 / 365.25 = 0.000273785...
  EXPECT_EQ(daily_probability(0), 0);
}

}  // namespace
}  // namespace itdd::sim::fleet

#include "itdd/programmer/refill_check.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <string>

namespace itdd::programmer {
namespace {

TEST(RefillCheck, ThresholdFollowsTheReservoir) {
  EXPECT_EQ(discrepancy_threshold(millilitres(20)), millilitres(1));
  EXPECT_EQ(discrepancy_threshold(millilitres(40)), millilitres(2));
  EXPECT_EQ(discrepancy_threshold(millilitres(5)), microlitres(500));
}

TEST(RefillCheck, WithinTheThresholdIsAsExpected) {
  const Result<RefillCheck> c = check_refill(millilitres(4), microlitres(3'100), millilitres(20));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->difference, microlitres(-900));
  EXPECT_EQ(c->finding, RefillFinding::kAsExpected);
  EXPECT_FALSE(c->needs_acknowledgement());
}

TEST(RefillCheck, DriftOrPocketFillShowsAsLessWithdrawn) {
  // +15 % stroke volume over 20 days at 0.96 mL/day: 2.9 mL more left than programmed.
  const Result<RefillCheck> c = check_refill(microlitres(3'500), microlitres(620), millilitres(20));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->finding, RefillFinding::kLessThanExpected);
  EXPECT_TRUE(c->needs_acknowledgement());
  EXPECT_NE(std::string(describe(c->finding)).find("pocket fill"), std::string::npos);
}

TEST(RefillCheck, UnderInfusionShowsAsMoreWithdrawn) {
  const Result<RefillCheck> c = check_refill(millilitres(10), millilitres(13), millilitres(40));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->finding, RefillFinding::kMoreThanExpected);
}

TEST(RefillCheck, RefusesImpossibleVolumes) {
  const auto field = [](Volume e, Volume w, Volume cap) {
    const Result<RefillCheck> c = check_refill(e, w, cap);
    return c.ok() ? std::string() : std::string(c.error().field);
  };
  EXPECT_EQ(field(millilitres(2), millilitres(180), millilitres(20)), "withdrawn");
  EXPECT_EQ(field(millilitres(2), microlitres(-1), millilitres(20)), "withdrawn");
  EXPECT_EQ(field(millilitres(21), millilitres(2), millilitres(20)), "expected");
  EXPECT_EQ(field(millilitres(2), millilitres(2), Volume(0)), "reservoir_capacity");
}

RC_GTEST_PROP(RefillCheck, FlagsExactlyTheDifferencesBeyondTheThreshold, ()) {
  const std::int64_t cap_ml = *rc::gen::element<std::int64_t>(20, 40);
  const Volume cap = millilitres(cap_ml);
  const Volume expected(*rc::gen::inRange<std::int64_t>(0, cap.count() + 1));
  const Volume withdrawn(*rc::gen::inRange<std::int64_t>(0, cap.count() + 1));
  const Result<RefillCheck> c = check_refill(expected, withdrawn, cap);
  RC_ASSERT(c.ok());
  const std::int64_t diff = withdrawn.count() - expected.count();
  const std::int64_t limit = cap.count() / 20;
  RC_ASSERT(c->needs_acknowledgement() == (diff > limit || diff < -limit));
}

}  // namespace
}  // namespace itdd::programmer

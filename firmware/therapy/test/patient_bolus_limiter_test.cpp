#include "itdd/therapy/patient_bolus_limiter.h"

#include <gtest/gtest.h>

#include "test_prescriptions.h"

namespace itdd::therapy {
namespace {

const PatientBolusSettings kSettings =
    testing::patient_bolus(micrograms(100), minutes(10), 3, hours(2));

TEST(PatientBolusLimiter, FirstBolusIsGranted) {
  PatientBolusLimiter limiter;
  const BolusDecision d = limiter.check(kSettings, ImplantTime(0));
  EXPECT_TRUE(d.granted);
}

TEST(PatientBolusLimiter, DisabledIsRefusedWithoutATime) {
  PatientBolusLimiter limiter;
  const BolusDecision d = limiter.check(PatientBolusSettings{}, ImplantTime(0));
  EXPECT_FALSE(d.granted);
  EXPECT_EQ(d.reason, BolusRefusal::kNotEnabled);
  EXPECT_TRUE(d.next_allowed.is_never());
}

TEST(PatientBolusLimiter, LockoutSaysWhenTheNextIsAllowed) {
  PatientBolusLimiter limiter;
  limiter.record_grant(ImplantTime(0) + hours(1));
  const BolusDecision d = limiter.check(kSettings, ImplantTime(0) + hours(2));
  EXPECT_FALSE(d.granted);
  EXPECT_EQ(d.reason, BolusRefusal::kLockout);
  EXPECT_EQ(d.next_allowed, ImplantTime(0) + hours(3));
  EXPECT_TRUE(limiter.check(kSettings, ImplantTime(0) + hours(3)).granted);
}

TEST(PatientBolusLimiter, RollingDailyLimit) {
  PatientBolusLimiter limiter;
  const ImplantTime t0(0);
  limiter.record_grant(t0);
  limiter.record_grant(t0 + hours(2));
  limiter.record_grant(t0 + hours(4));
  BolusDecision d = limiter.check(kSettings, t0 + hours(10));
  EXPECT_FALSE(d.granted);
  EXPECT_EQ(d.reason, BolusRefusal::kDailyLimit);
  EXPECT_EQ(d.next_allowed, t0 + hours(24));  // when the first one leaves the window
  EXPECT_EQ(limiter.granted_in_last_24h(t0 + hours(10)), 3);
  EXPECT_FALSE(limiter.check(kSettings, t0 + hours(24) - milliseconds(1)).granted);
  EXPECT_TRUE(limiter.check(kSettings, t0 + hours(24)).granted);
}

TEST(PatientBolusLimiter, RingKeepsTheNewestGrants) {
  PatientBolusLimiter limiter;
  const PatientBolusSettings many =
      testing::patient_bolus(micrograms(100), minutes(10), 24, minutes(10));
  ImplantTime t(0);
  for (int i = 0; i < 60; ++i) {
    ASSERT_TRUE(limiter.check(many, t).granted) << i;
    limiter.record_grant(t);
    t = t + hours(1);
  }
  EXPECT_EQ(limiter.granted_in_last_24h(t), 23);
}

}  // namespace
}  // namespace itdd::therapy

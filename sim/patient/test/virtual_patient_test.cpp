// The virtual patient fed by hand: the level against the prescribed steady state, the
// withdrawal flag after a stop (and none while therapy starts, none for ziconotide), the
// overdose flag after a large bolus, the hourly samples.
#include "itdd/sim/virtual_patient.h"

#include <gtest/gtest.h>

namespace itdd::sim {
namespace {

PatientSetup setup_of(std::vector<std::string> names) {
  PatientSetup s;
  s.physiology = CsfPhysiology{200'000, 300};
  s.risk = RiskThresholds{500, hours(12), 2000};
  for (const std::string& n : names) {
    CsfDrug d;
    d.name = n;
    if (n == "ziconotide") {
      d.params = CsfDrugParams{380'000, 155'000'000, 4000};
    } else {
      d.params = CsfDrugParams{340'000, 42'000'000, 7000};
      d.withdrawal_syndrome = true;
    }
    s.drugs.push_back(d);
  }
  return s;
}

// Drives a patient minute by minute at a daily dose of drug 0, which may change.
struct Feed {
  VirtualPatient patient;
  DrugAmounts tip{};
  ImplantTime now{};
  explicit Feed(const PatientSetup& s, std::size_t hours) : patient(s, hours) {}
  void run(Duration d, std::int64_t ng_per_day, std::size_t drug = 0) {
    const ImplantTime until = now + d;
    while (now < until) {
      now = now + minutes(1);
      patient.advance_to(now, tip);
      tip[drug] += ng_per_day * 1'000'000 / 1440;  // what leaves the tip at `now`
    }
  }
};

TEST(VirtualPatient, StartingTherapyRaisesNoFlagAndReachesTheSteadyState) {
  Feed f(setup_of({"morphine"}), 24 * 3);
  f.patient.prescribe(0, 2'000'000);
  f.run(hours(20), 0);  // the catheter still filling: nothing at the tip yet
  f.run(days(3) - hours(20), 2'000'000);
  const PatientReport r = f.patient.finish(f.now, f.tip);
  EXPECT_TRUE(r.flags.empty());
  EXPECT_EQ(r.drugs[0].steady_state_pg_per_ml, 4'084'967);
  EXPECT_NEAR(static_cast<double>(r.drugs[0].lumbar_pg_per_ml_at_end), 4'084'967.0, 4'085.0);
  // The hourly samples: nothing for the first 20 hours, then rising to the steady state.
  EXPECT_EQ(r.hourly_lumbar_pg_per_ml[19], 0);
  EXPECT_GT(r.hourly_lumbar_pg_per_ml[21], 0);
  // The last hour's mean, rising no more: within a part in a thousand of the level at its end.
  EXPECT_NEAR(static_cast<double>(r.hourly_lumbar_pg_per_ml.back()),
              static_cast<double>(r.drugs[0].lumbar_pg_per_ml_at_end), 4'085.0);
  EXPECT_EQ(r.drugs[0].entered_fg,
            r.drugs[0].cleared_fg + r.drugs[0].lumbar_fg_at_end + r.drugs[0].cisternal_fg_at_end);
}

TEST(VirtualPatient, AStoppedOpioidRaisesWithdrawalAfterTheStatedTime) {
  Feed f(setup_of({"morphine"}), 24 * 5);
  f.patient.prescribe(0, 2'000'000);
  f.run(days(3), 2'000'000);
  const ImplantTime dry = f.now;
  f.run(days(2), 0);  // the reservoir ran dry
  const PatientReport r = f.patient.finish(f.now, f.tip);
  ASSERT_EQ(r.flags.size(), 1u);
  const RiskFlag& w = r.flags[0];
  EXPECT_EQ(w.kind, RiskKind::kWithdrawal);
  EXPECT_EQ(w.drug, 0u);
  // An hour's mean below half within a few half-lives of the stop; judged hourly, flagged at
  // the end of the hour that makes it more than 12 h.
  EXPECT_GE(w.began, dry);
  EXPECT_LT(w.began, dry + hours(6));
  EXPECT_EQ(w.began.ms() % kMillisPerHour, 0);
  EXPECT_EQ(w.flagged - w.began, hours(13));
  EXPECT_TRUE(w.ended.is_never());
  EXPECT_LT(w.extreme_pg_per_ml, w.steady_state_pg_per_ml / 10);
}

TEST(VirtualPatient, ZiconotideHasNoWithdrawalFlag) {
  Feed f(setup_of({"ziconotide"}), 24 * 5);
  f.patient.prescribe(0, 2'400);
  f.run(days(3), 2'400);
  f.run(days(2), 0);
  EXPECT_TRUE(f.patient.finish(f.now, f.tip).flags.empty());
}

TEST(VirtualPatient, ALargeBolusRaisesOverdoseUntilTheLevelFalls) {
  Feed f(setup_of({"morphine"}), 24 * 4);
  f.patient.prescribe(0, 2'000'000);
  f.run(days(2), 2'000'000);
  f.run(hours(1), 2'000'000 * 24 * 2);  // two days' dose in an hour
  f.run(days(1), 2'000'000);
  const PatientReport r = f.patient.finish(f.now, f.tip);
  ASSERT_EQ(r.flags.size(), 1u);
  EXPECT_EQ(r.flags[0].kind, RiskKind::kOverdose);
  EXPECT_GT(r.flags[0].extreme_pg_per_ml, 2 * r.flags[0].steady_state_pg_per_ml);
  EXPECT_EQ(r.flags[0].extreme_pg_per_ml, r.drugs[0].highest_pg_per_ml);
  EXPECT_GT(r.drugs[0].peak_pg_per_ml, r.drugs[0].highest_pg_per_ml);
  EXPECT_FALSE(r.flags[0].ended.is_never());
  EXPECT_LT(r.flags[0].ended, f.now);
}

TEST(VirtualPatient, OnlyThePrescribedDrugIsWatchedForWithdrawal) {
  // Morphine replaced by hydromorphone: morphine's fall is the rotation, not withdrawal.
  Feed f(setup_of({"morphine", "hydromorphone"}), 24 * 5);
  f.patient.prescribe(0, 2'000'000);
  f.run(days(2), 2'000'000, 0);
  f.patient.prescribe(1, 400'000);
  f.run(days(3), 400'000, 1);
  const PatientReport r = f.patient.finish(f.now, f.tip);
  EXPECT_TRUE(r.flags.empty());
  EXPECT_LT(r.drugs[0].lumbar_pg_per_ml_at_end, 1000);
}

}  // namespace
}  // namespace itdd::sim

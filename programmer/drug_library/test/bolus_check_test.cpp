// A clinician bolus checked against the drug library like a program: the heaviest 24 h of the
// running basal, every allowed patient bolus, the earlier clinician boluses and this bolus,
// against the drug's soft and hard maxima, each tested exactly at the limit and one ng above.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <string>

#include "dose_check_fixtures.h"
#include "itdd/programmer/dose_check.h"

namespace itdd::programmer {
namespace {

using namespace fixtures;
using therapy::BasalMode;
using therapy::Prescription;

const therapy::Drug kMorphine = therapy::make_drug("morphine", DoseUnit::kMilligram);
constexpr Concentration kMorphine25(25'000'000);

ClinicianBolus bolus(DrugAmount dose, Duration duration = hours(1),
                     DrugAmount earlier = DrugAmount(0), std::int64_t earlier_count = 0) {
  return ClinicianBolus{kMorphine, kMorphine25, dose, duration, earlier, earlier_count};
}

DoseCheck check(const Prescription& running, const ClinicianBolus& b) {
  return check_bolus(library(), running, b);
}

// Morphine's soft maximum is 10 mg/day, its hard maximum 20 mg/day (data/drug-library.json).
TEST(BolusCheck, BasalAndBolusAgainstTheMaximaExactly) {
  const Prescription basal5 = morphine(mg_per_day(5));
  // 5 mg/day + 5 mg: the soft maximum exactly; one ng more needs a reason.
  const DoseCheck at_soft = check(basal5, bolus(milligrams(5)));
  EXPECT_EQ(at_soft.max_daily_dose, mg_per_day(10));
  EXPECT_EQ(problems(at_soft), Problems{});
  EXPECT_TRUE(accept(at_soft, std::nullopt).ok());
  const DoseCheck over_soft = check(basal5, bolus(milligrams(5) + DrugAmount(1)));
  EXPECT_EQ(problems(over_soft), Problems{"soft daily_dose"});
  EXPECT_TRUE(over_soft.needs_override());
  EXPECT_FALSE(accept(over_soft, std::nullopt).ok());
  EXPECT_TRUE(accept(over_soft, std::string("breakthrough pain, reviewed")).ok());
  // 5 mg/day + 15 mg: the hard maximum exactly (still a reason); one ng more is blocked.
  const DoseCheck at_hard = check(basal5, bolus(milligrams(15)));
  EXPECT_EQ(problems(at_hard), Problems{"soft daily_dose"});
  EXPECT_FALSE(at_hard.blocked());
  const DoseCheck over_hard = check(basal5, bolus(milligrams(15) + DrugAmount(1)));
  EXPECT_EQ(problems(over_hard), Problems{"hard daily_dose"});
  EXPECT_TRUE(over_hard.blocked());
  const Status refused = accept(over_hard, std::string("patient opioid-tolerant for years"));
  ASSERT_FALSE(refused.ok());
  EXPECT_STREQ(refused.error().field, "daily_dose");
  EXPECT_EQ(over_hard.findings[0].limit, "20 mg/day");
  EXPECT_NE(over_hard.findings[0].message.find(
                "with this bolus the heaviest 24 h gives 20.000001 mg/day, above the hard maximum"),
            std::string::npos)
      << over_hard.findings[0].message;
  EXPECT_NE(over_hard.findings[0].source.find("caution above 20 mg/day"), std::string::npos);
}

// The case: 30 mg over 24 h into a day whose hard maximum is 20 mg; and 10 mg over an
// hour on top of 1 mg/day.
TEST(BolusCheck, ThirtyMilligramsInADayIsBlockedTenNeedsAReason) {
  const Prescription basal1 = morphine(mg_per_day(1));
  EXPECT_TRUE(check(basal1, bolus(milligrams(30), hours(24))).blocked());
  // Even with nothing running: the bolus alone is above the hard maximum.
  Prescription stopped = morphine(DoseRate(0));
  stopped.mode = BasalMode::kStopped;
  EXPECT_TRUE(check(stopped, bolus(milligrams(30), hours(24))).blocked());
  const DoseCheck ten = check(basal1, bolus(milligrams(10)));
  EXPECT_EQ(ten.max_daily_dose, mg_per_day(11));
  EXPECT_EQ(problems(ten), Problems{"soft daily_dose"});
}

TEST(BolusCheck, EveryAllowedPatientBolusCounts) {
  // 8 mg/day + 4 x 0.5 mg (every 6 h) = 10 mg: a 10 mg bolus reaches the hard maximum exactly.
  const Prescription rx = with_boluses(morphine(mg_per_day(8)), micrograms(500), 4, hours(6));
  const DoseCheck at = check(rx, bolus(milligrams(10)));
  EXPECT_EQ(at.max_daily_dose, mg_per_day(20));
  EXPECT_EQ(at.patient_boluses_per_day, 4);
  EXPECT_EQ(problems(at), Problems{"soft daily_dose"});
  EXPECT_EQ(problems(check(rx, bolus(milligrams(10) + DrugAmount(1)))),
            Problems{"hard daily_dose"});
  // Without the patient boluses the same bolus leaves 2 mg of room.
  Prescription without = rx;
  without.patient_bolus.enabled = false;
  EXPECT_EQ(check(without, bolus(milligrams(10) + DrugAmount(1))).max_daily_dose,
            mg_per_day(18) + DoseRate(1));
  EXPECT_FALSE(check(without, bolus(milligrams(12))).blocked());
  EXPECT_TRUE(check(without, bolus(milligrams(12) + DrugAmount(1))).blocked());
}

TEST(BolusCheck, DuringAFlexProgramItsHeaviestTwentyFourHoursCount) {
  // Monday noon to Tuesday noon at 16 mg/day, the rest of the week at 4: the heaviest 24 h of
  // the basal is 16 mg (across midnight), though no single day gives more than 10.
  Prescription rx = morphine(DoseRate(0));
  rx.mode = BasalMode::kFlexible;
  rx.flex.per_weekday = true;
  for (auto& day : rx.flex.days) set_day(day, {{0, mg_per_day(4)}});
  set_day(rx.flex.days[0], {{0, mg_per_day(4)}, {12 * 60, mg_per_day(16)}});
  set_day(rx.flex.days[1], {{0, mg_per_day(16)}, {12 * 60, mg_per_day(4)}});
  ASSERT_EQ(basal_max_daily_dose(rx), mg_per_day(16));
  const DoseCheck at = check(rx, bolus(milligrams(4)));
  EXPECT_EQ(at.basal_max_daily_dose, mg_per_day(16));
  EXPECT_EQ(at.max_daily_dose, mg_per_day(20));
  EXPECT_FALSE(at.blocked());
  EXPECT_TRUE(check(rx, bolus(milligrams(4) + DrugAmount(1))).blocked());
}

TEST(BolusCheck, EarlierClinicianBolusesInTheSameDayCount) {
  const Prescription basal5 = morphine(mg_per_day(5));
  // Two 7.5 mg boluses an hour apart: each alone is below the hard maximum, together above it.
  EXPECT_FALSE(check(basal5, bolus(micrograms(7'500))).blocked());
  const DoseCheck second = check(basal5, bolus(micrograms(7'500), hours(1), micrograms(7'500), 1));
  EXPECT_EQ(second.max_daily_dose, mg_per_day(20));
  EXPECT_FALSE(second.blocked());
  EXPECT_TRUE(
      check(basal5, bolus(micrograms(7'500) + DrugAmount(1), hours(1), micrograms(7'500), 1))
          .blocked());
}

TEST(BolusCheck, AnotherDrugsProgramDoesNotCount) {
  // After a change of drug the program in force is the old drug's (therapy stopped).
  const Prescription baclofen =
      continuous("baclofen", DoseUnit::kMicrogram, Concentration(500'000), mcg_per_day(500));
  const DoseCheck c = check(baclofen, bolus(milligrams(2)));
  EXPECT_EQ(c.basal_max_daily_dose, DoseRate(0));
  EXPECT_EQ(c.max_daily_dose, mg_per_day(2));
  EXPECT_EQ(problems(c), Problems{});
}

TEST(BolusCheck, DrugUnitAndConcentrationAreCheckedToo) {
  ClinicianBolus unknown = bolus(milligrams(1));
  unknown.drug = therapy::make_drug("morphin", DoseUnit::kMilligram);
  EXPECT_EQ(problems(check(morphine(mg_per_day(1)), unknown)), Problems{"hard drug"});
  ClinicianBolus odd = bolus(milligrams(1));
  odd.concentration = Concentration(20'000'000);
  EXPECT_EQ(problems(check(morphine(mg_per_day(1)), odd)), Problems{"hard concentration"});
  ClinicianBolus mcg = bolus(milligrams(1));
  mcg.drug = therapy::make_drug("morphine", DoseUnit::kMicrogram);
  EXPECT_EQ(problems(check(morphine(mg_per_day(1)), mcg)), Problems{"hard drug.unit"});
}

TEST(BolusCheck, TheReviewSaysWhatCountsAndTheVerdictNamesTheLimitAndItsSource) {
  const Prescription rx = with_boluses(morphine(mg_per_day(5)), micrograms(500), 4, hours(6));
  const DoseCheck blocked = check(rx, bolus(milligrams(30), hours(24), milligrams(1), 1));
  const std::string text = format_dose_check(blocked);
  EXPECT_NE(text.find("Drug library check: Morphine"), std::string::npos) << text;
  EXPECT_NE(text.find("heaviest 24 h        38 mg/day (basal 5 mg/day + 4 patient boluses of "
                      "0.5 mg + 1 earlier clinician bolus of 1 mg in all + this bolus 30 mg over "
                      "24 h)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("verdict: BLOCKED by a hard limit of the drug library on daily_dose "
                      "(limit 20 mg/day; source: Infumorph label: caution above 20 mg/day"),
            std::string::npos)
      << text;
  const std::string soft = format_dose_check(check(rx, bolus(milligrams(4))));
  EXPECT_NE(soft.find("verdict: needs the clinician's override reason: a soft limit of the drug "
                      "library on daily_dose (limit 10 mg/day; source: Infumorph label"),
            std::string::npos)
      << soft;
  const std::string within =
      format_dose_check(check(morphine(mg_per_day(1)), bolus(micrograms(500))));
  EXPECT_NE(within.find("verdict: within the library's limits: at most the soft maximum 10 mg/day "
                        "(source: Infumorph label"),
            std::string::npos)
      << within;
  EXPECT_NE(within.find("hard maximum 20 mg/day (source: "), std::string::npos) << within;

  const nlohmann::ordered_json j = dose_check_json(blocked);
  EXPECT_EQ(j["max_daily_dose_ng_per_day"], 38'000'000);
  EXPECT_EQ(j["clinician_bolus"]["dose_ng"], 30'000'000);
  EXPECT_EQ(j["clinician_bolus"]["dose"], 30);
  EXPECT_EQ(j["clinician_bolus"]["duration_ms"], 86'400'000);
  EXPECT_EQ(j["clinician_bolus"]["earlier_ng"], 1'000'000);
  EXPECT_EQ(j["clinician_bolus"]["earlier_count"], 1);
  EXPECT_EQ(j["limits"]["hard_max"]["ng_per_day"], 20'000'000);
  EXPECT_EQ(j["verdict"], "blocked");
  EXPECT_EQ(j["blocked"], true);
  EXPECT_EQ(dose_check_json(check(morphine(mg_per_day(1)), bolus(micrograms(500))))["verdict"],
            "within");
}

// The same heaviest 24 h as a program's (max_daily_dose), plus the clinician boluses; the
// verdict flips from allowed to blocked exactly one ng above the hard maximum.
RC_GTEST_PROP(BolusCheck, HeaviestDayIsTheProgramsPlusTheBolusesAndBlocksExactlyAboveTheHardMax,
              ()) {
  Prescription rx = morphine(DoseRate(*rc::gen::inRange<std::int64_t>(0, 20'000'001)));
  if (*rc::gen::arbitrary<bool>()) {
    rx.mode = BasalMode::kFlexible;
    rx.flex.per_weekday = *rc::gen::arbitrary<bool>();
    for (auto& day : rx.flex.days) {
      const int split = *rc::gen::inRange(1, 1440);
      set_day(day, {{0, DoseRate(*rc::gen::inRange<std::int64_t>(0, 20'000'001))},
                    {split, DoseRate(*rc::gen::inRange<std::int64_t>(0, 20'000'001))}});
    }
  }
  if (*rc::gen::arbitrary<bool>()) {
    rx = with_boluses(rx, DrugAmount(*rc::gen::inRange<std::int64_t>(1, 2'000'000)),
                      *rc::gen::inRange(1, 25), minutes(*rc::gen::inRange(10, 24 * 60 + 1)));
  }
  const DrugAmount earlier(*rc::gen::inRange<std::int64_t>(0, 10'000'000));
  const DrugAmount dose(*rc::gen::inRange<std::int64_t>(1, 30'000'000));
  const DoseCheck c = check(rx, bolus(dose, hours(1), earlier, earlier.count() > 0 ? 1 : 0));
  const DoseRate expected = max_daily_dose(rx) + DoseRate(earlier.count() + dose.count());
  RC_ASSERT(c.max_daily_dose == expected);
  RC_ASSERT(c.blocked() == (expected > mg_per_day(20)));
  RC_ASSERT(c.needs_override() == (expected > mg_per_day(10) && expected <= mg_per_day(20)));
}

}  // namespace
}  // namespace itdd::programmer

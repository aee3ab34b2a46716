#include "itdd/programmer/dose_check.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <string>

#include "dose_check_fixtures.h"

namespace itdd::programmer {
namespace {

using namespace fixtures;
using therapy::BasalMode;
using therapy::Prescription;

Prescription ziconotide(DoseRate dose) {
  return continuous("ziconotide", DoseUnit::kMicrogram, Concentration(100'000), dose);
}
Prescription baclofen(DoseRate dose) {
  return continuous("baclofen", DoseUnit::kMicrogram, Concentration(500'000), dose);
}

const WallTime kNow(days(20'000).count());
WallTime ago(Duration d) {
  return WallTime(kNow.ms() - d.count());
}

DoseCheck check(const Prescription& rx, const PreviousTherapy* previous = nullptr,
                WallTime now = kNow) {
  return check_prescription(library(), rx, previous, now);
}

TEST(DoseCheck, UnknownDrugIsHardAndListsTheKnownOnes) {
  const DoseCheck c =
      check(continuous("morphin", DoseUnit::kMilligram, Concentration(25'000'000), mg_per_day(1)));
  EXPECT_EQ(problems(c), Problems{"hard drug"});
  EXPECT_TRUE(c.blocked());
  EXPECT_NE(c.findings[0].message.find("\"morphin\" is not in the drug library (known: morphine, "),
            std::string::npos);
  EXPECT_EQ(problems(check(morphine(mg_per_day(1)))), Problems{});
}

TEST(DoseCheck, UnitMustMatchTheLibrary) {
  const DoseCheck c =
      check(continuous("morphine", DoseUnit::kMicrogram, Concentration(25'000'000), mg_per_day(1)));
  EXPECT_EQ(problems(c), Problems{"hard drug.unit"});
  EXPECT_NE(c.findings[0].message.find("in mg in the library, not mcg"), std::string::npos);
}

TEST(DoseCheck, ConcentrationMustBeInTheAllowedList) {
  EXPECT_EQ(problems(check(continuous("morphine", DoseUnit::kMilligram, Concentration(10'000'000),
                                      mg_per_day(1)))),
            Problems{});
  for (const std::int64_t ng_per_ml : {24'999'999LL, 25'000'001LL, 50'000'000LL}) {
    const DoseCheck c = check(
        continuous("morphine", DoseUnit::kMilligram, Concentration(ng_per_ml), mg_per_day(1)));
    ASSERT_EQ(problems(c), Problems{"hard concentration"}) << ng_per_ml;
    EXPECT_EQ(c.findings[0].limit, "10 mg/mL, 25 mg/mL");
    EXPECT_NE(c.findings[0].source.find("source: Morphine (Infumorph label): 10 and 25 mg/mL"),
              std::string::npos);
  }
}

TEST(DoseCheck, MorphineDailyDoseAtAndAboveItsLimits) {
  EXPECT_EQ(problems(check(morphine(mg_per_day(10)))), Problems{});
  EXPECT_EQ(problems(check(morphine(mg_per_day(10) + DoseRate(1)))), Problems{"soft daily_dose"});
  EXPECT_EQ(problems(check(morphine(mg_per_day(20)))), Problems{"soft daily_dose"});
  const DoseCheck hard = check(morphine(mg_per_day(20) + DoseRate(1)));
  EXPECT_EQ(problems(hard), Problems{"hard daily_dose"});
  EXPECT_EQ(hard.findings[0].limit, "20 mg/day");
  EXPECT_NE(hard.findings[0].message.find("20.000001 mg/day is above the hard maximum"),
            std::string::npos);
  EXPECT_NE(hard.findings[0].source.find("caution above 20 mg/day"), std::string::npos);
}

TEST(DoseCheck, SoftNeedsAReasonAndHardBlocksWhateverTheReason) {
  const DoseCheck soft = check(morphine(mg_per_day(15)));
  EXPECT_TRUE(soft.needs_override());
  EXPECT_FALSE(soft.blocked());
  for (const std::optional<std::string>& weak :
       {std::optional<std::string>(), std::optional<std::string>(""),
        std::optional<std::string>("ok"), std::optional<std::string>("  a b\tc d \n")}) {
    const Status s = accept(soft, weak);
    ASSERT_FALSE(s.ok());
    EXPECT_STREQ(s.error().field, "override_reason");
  }
  EXPECT_TRUE(accept(soft, std::string("a b c d e")).ok());
  EXPECT_TRUE(accept(soft, std::string("breakthrough pain on 10 mg/day")).ok());

  const DoseCheck hard = check(morphine(mg_per_day(25)));
  EXPECT_TRUE(hard.blocked());
  EXPECT_FALSE(hard.needs_override());
  const Status s = accept(hard, std::string("the patient is opioid-tolerant, discussed"));
  ASSERT_FALSE(s.ok());
  EXPECT_STREQ(s.error().field, "daily_dose");
  EXPECT_TRUE(accept(check(morphine(mg_per_day(5))), std::nullopt).ok());
}

TEST(DoseCheck, SoftMinimum) {
  const auto hydromorphone = [](DoseRate d) {
    return continuous("hydromorphone", DoseUnit::kMilligram, Concentration(2'000'000), d);
  };
  EXPECT_EQ(problems(check(hydromorphone(mg_per_day(0.5)))), Problems{});
  EXPECT_EQ(problems(check(hydromorphone(mg_per_day(0.5) - DoseRate(1)))),
            Problems{"soft daily_dose"});
  // A stopped prescription has no dose to be too low.
  Prescription stopped = hydromorphone(DoseRate(0));
  stopped.mode = BasalMode::kStopped;
  EXPECT_EQ(problems(check(stopped)), Problems{});
}

TEST(DoseCheck, ZiconotideStartsAtMost2Point4McgPerDay) {
  EXPECT_EQ(problems(check(ziconotide(mcg_per_day(2.4)))), Problems{});
  EXPECT_EQ(problems(check(ziconotide(mcg_per_day(2.4) + DoseRate(1)))),
            Problems{"hard daily_dose.start"});
  // Switching from another drug, or restarting a stopped one, is a start too.
  const PreviousTherapy from_morphine{morphine(mg_per_day(5)), std::nullopt};
  EXPECT_EQ(problems(check(ziconotide(mcg_per_day(3.6)), &from_morphine)),
            Problems{"hard daily_dose.start"});
  Prescription stopped = ziconotide(DoseRate(0));
  stopped.mode = BasalMode::kStopped;
  const PreviousTherapy restart{stopped, ago(days(30))};
  EXPECT_EQ(problems(check(ziconotide(mcg_per_day(3.6)), &restart)),
            Problems{"hard daily_dose.start"});
}

TEST(DoseCheck, ZiconotideMaximaUsSoftEuHard) {
  const PreviousTherapy at_19{ziconotide(mcg_per_day(19.2)), ago(days(3))};
  EXPECT_EQ(problems(check(ziconotide(mcg_per_day(19.2)), &at_19)), Problems{});
  EXPECT_EQ(problems(check(ziconotide(mcg_per_day(19.2) + DoseRate(1)), &at_19)),
            Problems{"soft daily_dose"});
  const PreviousTherapy at_20{ziconotide(mcg_per_day(20)), ago(days(3))};
  EXPECT_EQ(problems(check(ziconotide(mcg_per_day(21.6)), &at_20)), Problems{"soft daily_dose"});
  EXPECT_EQ(problems(check(ziconotide(mcg_per_day(21.6) + DoseRate(1)), &at_20)),
            Problems{"hard daily_dose"});
}

TEST(DoseCheck, ZiconotideTitrationStepAndInterval) {
  const WallTime last = ago(hours(48));
  const PreviousTherapy prev{ziconotide(mcg_per_day(2.4)), last};
  const auto at = [&](DoseRate dose, Duration since_last) {
    return check(ziconotide(dose), &prev, WallTime(last.ms() + since_last.count()));
  };
  // +2.4 mcg/day after 48 h: nothing to override; the info says by how much.
  const DoseCheck fine = at(mcg_per_day(4.8), hours(48));
  EXPECT_EQ(problems(fine), Problems{});
  ASSERT_FALSE(fine.findings.empty());
  EXPECT_EQ(fine.findings[0].message,
            "the maximum daily dose rises from 2.4 mcg/day to 4.8 mcg/day (+2.4 mcg/day, +100 %)");
  // The step: +2.4 passes, +2.401 (one ng above) and +2.5 are blocked.
  EXPECT_EQ(problems(at(mcg_per_day(4.8) + DoseRate(1), hours(48))),
            Problems{"hard titration.step"});
  const DoseCheck big = at(mcg_per_day(4.9), hours(48));
  EXPECT_EQ(problems(big), Problems{"hard titration.step"});
  EXPECT_TRUE(big.blocked());
  // The interval: 24 h passes the hard rule (still short of the 48 h recommended), 24 h less a
  // millisecond and 12 h are blocked, 30 h needs a reason, 48 h is clean.
  const DoseCheck day = at(mcg_per_day(4.8), hours(24));
  EXPECT_EQ(problems(day), Problems{"soft titration.interval"});
  EXPECT_FALSE(day.blocked());
  EXPECT_EQ(problems(at(mcg_per_day(4.8), hours(24) - milliseconds(1))),
            Problems{"hard titration.interval"});
  const DoseCheck half_day = at(mcg_per_day(4.8), hours(12));
  EXPECT_EQ(problems(half_day), Problems{"hard titration.interval"});
  const Finding& blocked = *half_day.first(Level::kHard);
  EXPECT_EQ(blocked.message,
            "only 12 h since the last increase; increases must be at least 24 h apart");
  EXPECT_EQ(blocked.limit, "24 h");
  EXPECT_NE(blocked.source.find("at least 24 h apart"), std::string::npos);
  const DoseCheck thirty = at(mcg_per_day(4.8), hours(30));
  EXPECT_EQ(problems(thirty), Problems{"soft titration.interval"});
  EXPECT_TRUE(thirty.needs_override());
  EXPECT_EQ(thirty.first(Level::kSoft)->limit, "48 h");
  EXPECT_EQ(problems(at(mcg_per_day(4.8), hours(48) - milliseconds(1))),
            Problems{"soft titration.interval"});
}

TEST(DoseCheck, UnknownTimeOfTheLastIncreaseNeedsConfirmation) {
  const PreviousTherapy prev{ziconotide(mcg_per_day(2.4)), std::nullopt};
  const DoseCheck c = check(ziconotide(mcg_per_day(4.8)), &prev);
  EXPECT_EQ(problems(c), Problems{"soft titration.interval"});
  EXPECT_NE(c.first(Level::kSoft)->message.find("not known"), std::string::npos);
}

TEST(DoseCheck, DecreasesAreNotTitrationSteps) {
  const PreviousTherapy prev{ziconotide(mcg_per_day(9.6)), ago(hours(1))};
  EXPECT_EQ(problems(check(ziconotide(mcg_per_day(2.4)), &prev)), Problems{});
}

TEST(DoseCheck, BaclofenPercentStepIsSoftAndItsIntervalHard) {
  const PreviousTherapy prev{baclofen(mcg_per_day(200)), ago(hours(25))};
  EXPECT_EQ(problems(check(baclofen(mcg_per_day(230)), &prev)), Problems{});
  const DoseCheck over = check(baclofen(mcg_per_day(230) + DoseRate(1)), &prev);
  EXPECT_EQ(problems(over), Problems{"soft titration.step"});
  EXPECT_EQ(over.first(Level::kSoft)->limit, "15 %");
  EXPECT_NE(over.first(Level::kSoft)->message.find("15.01 %"), std::string::npos);
  const PreviousTherapy recent{baclofen(mcg_per_day(200)), ago(hours(23))};
  EXPECT_EQ(problems(check(baclofen(mcg_per_day(210)), &recent)),
            Problems{"hard titration.interval"});
}

TEST(DoseCheck, StoppingBaclofenNeedsAReason) {
  const PreviousTherapy prev{baclofen(mcg_per_day(300)), std::nullopt};
  Prescription stopped = baclofen(DoseRate(0));
  stopped.mode = BasalMode::kStopped;
  const DoseCheck c = check(stopped, &prev);
  EXPECT_EQ(problems(c), Problems{"soft daily_dose"});
  EXPECT_NE(c.first(Level::kSoft)->message.find("withdrawal risk is high"), std::string::npos);
  // Stopping morphine (moderate risk) is not flagged by the library.
  Prescription morphine_stopped = morphine(DoseRate(0));
  morphine_stopped.mode = BasalMode::kStopped;
  const PreviousTherapy on_morphine{morphine(mg_per_day(3)), std::nullopt};
  EXPECT_EQ(problems(check(morphine_stopped, &on_morphine)), Problems{});
}

TEST(DoseCheck, DrugsWithoutTitrationRulesSayTheIncreaseIsNotChecked) {
  const PreviousTherapy prev{morphine(mg_per_day(2)), ago(hours(1))};
  const DoseCheck c = check(morphine(mg_per_day(6)), &prev);
  EXPECT_EQ(problems(c), Problems{});
  ASSERT_EQ(c.findings.size(), 2u);
  EXPECT_STREQ(c.findings[1].field, "titration.step");
  EXPECT_NE(c.findings[1].message.find("no titration rule"), std::string::npos);
}

TEST(DoseCheck, PatientBolusesCountTowardTheDailyMaximum) {
  const Prescription at_soft = with_boluses(morphine(mg_per_day(8)), micrograms(500), 4, hours(1));
  EXPECT_EQ(max_daily_dose(at_soft), mg_per_day(10));
  EXPECT_EQ(problems(check(at_soft)), Problems{});
  const Prescription over = with_boluses(morphine(mg_per_day(8)), micrograms(500), 5, hours(1));
  EXPECT_EQ(max_daily_dose(over), mg_per_day(10.5));
  const DoseCheck c = check(over);
  EXPECT_EQ(problems(c), Problems{"soft daily_dose"});
  EXPECT_NE(format_dose_check(c).find("10.5 mg/day (basal 8 mg/day + 5 patient boluses of 0.5 mg)"),
            std::string::npos);
  // The lockout allows only 4 in a day (every 6 h), whatever max_per_24h says.
  EXPECT_EQ(max_daily_dose(with_boluses(morphine(mg_per_day(8)), micrograms(500), 24, hours(6))),
            mg_per_day(10));
  // Disabled boluses count for nothing.
  Prescription disabled = over;
  disabled.patient_bolus.enabled = false;
  EXPECT_EQ(max_daily_dose(disabled), mg_per_day(8));
}

TEST(DoseCheck, FlexDaysAreIntegratedExactly) {
  Prescription rx = morphine(DoseRate(0));
  rx.mode = BasalMode::kFlexible;
  set_day(rx.flex.days[0], {{0, mg_per_day(6)}, {12 * 60, mg_per_day(18)}});
  EXPECT_EQ(max_daily_dose(rx), mg_per_day(12));
  EXPECT_EQ(problems(check(rx)), Problems{"soft daily_dose"});
  // One minute at 1000 ng/day is 0.69 ng: rounded up, never under-counted.
  set_day(rx.flex.days[0], {{0, DoseRate(1'000)}, {1, DoseRate(0)}});
  EXPECT_EQ(max_daily_dose(rx), DoseRate(1));
}

TEST(DoseCheck, FlexWeekdaysAreCountedAcrossMidnight) {
  Prescription rx = morphine(DoseRate(0));
  rx.mode = BasalMode::kFlexible;
  rx.flex.per_weekday = true;
  for (auto& day : rx.flex.days) set_day(day, {{0, DoseRate(0)}});
  // Monday evening and Tuesday morning at 20 mg/day: each day gives 10 mg, but the 24 hours
  // from Monday noon give 20 mg.
  set_day(rx.flex.days[0], {{0, DoseRate(0)}, {12 * 60, mg_per_day(20)}});
  set_day(rx.flex.days[1], {{0, mg_per_day(20)}, {12 * 60, DoseRate(0)}});
  EXPECT_EQ(max_daily_dose(rx), mg_per_day(20));
  // Sunday night into Monday morning wraps around the week.
  for (auto& day : rx.flex.days) set_day(day, {{0, DoseRate(0)}});
  set_day(rx.flex.days[6], {{0, DoseRate(0)}, {18 * 60, mg_per_day(16)}});
  set_day(rx.flex.days[0], {{0, mg_per_day(16)}, {6 * 60, DoseRate(0)}});
  EXPECT_EQ(max_daily_dose(rx), mg_per_day(8));
}

// An independent computation: windows of 24 h that start or end at a step boundary (where the
// heaviest one must lie), each integrated from the overlap with every step.
DoseRate reference_max(const Prescription& rx) {
  std::int64_t basal = 0;
  if (rx.mode == BasalMode::kContinuous) basal = rx.continuous_dose.count();
  if (rx.mode == BasalMode::kFlexible) {
    struct Segment {
      std::int64_t start, end, rate;
    };
    std::vector<Segment> week;
    for (std::int64_t d = 0; d < 7; ++d) {
      const auto& day = rx.flex.days[rx.flex.per_weekday ? static_cast<std::size_t>(d) : 0];
      for (std::size_t i = 0; i < day.step_count; ++i) {
        const std::int64_t end = i + 1 < day.step_count ? day.steps[i + 1].start_minute() : 1440;
        week.push_back({d * 1440 + day.steps[i].start_minute(), d * 1440 + end,
                        day.steps[i].dose_rate().count()});
      }
    }
    Int128 heaviest = 0;
    for (const Segment& b : week) {
      for (const std::int64_t start : {b.start, b.start - 1440}) {
        Int128 sum = 0;
        for (const Segment& s : week) {
          for (const std::int64_t shift : {-10080LL, 0LL, 10080LL}) {
            const std::int64_t lo = std::max(start, s.start + shift);
            const std::int64_t hi = std::min(start + 1440, s.end + shift);
            if (hi > lo) sum += static_cast<Int128>(hi - lo) * s.rate;
          }
        }
        heaviest = std::max(heaviest, sum);
      }
    }
    basal = static_cast<std::int64_t>((heaviest + 1439) / 1440);
  }
  std::int64_t boluses = 0;
  if (rx.patient_bolus.enabled) {
    for (std::int64_t t = 0; t < kMillisPerDay && boluses < rx.patient_bolus.max_per_24h;
         t += rx.patient_bolus.lockout.count()) {
      ++boluses;
    }
  }
  return DoseRate(basal + boluses * rx.patient_bolus.dose.count());
}

RC_GTEST_PROP(DoseCheck, MaxDailyDoseMatchesAnIndependentComputation, ()) {
  Prescription rx = morphine(DoseRate(0));
  rx.mode = *rc::gen::element(BasalMode::kContinuous, BasalMode::kFlexible, BasalMode::kStopped);
  rx.continuous_dose = DoseRate(*rc::gen::inRange<std::int64_t>(0, 20'000'000'000));
  rx.flex.per_weekday = *rc::gen::arbitrary<bool>();
  for (auto& day : rx.flex.days) {
    const int steps = *rc::gen::inRange(1, 49);
    std::vector<int> starts = *rc::gen::unique<std::vector<int>>(
        static_cast<std::size_t>(steps - 1), rc::gen::inRange(1, 1440));
    starts.push_back(0);
    std::sort(starts.begin(), starts.end());
    day.step_count = static_cast<std::uint8_t>(starts.size());
    for (std::size_t i = 0; i < starts.size(); ++i) {
      // A step holds at most FlexStep::kMaxDoseNgPerDay.
      day.steps[i] = therapy::testing::flex_step(
          starts[i],
          DoseRate(*rc::gen::inRange<std::int64_t>(0, therapy::FlexStep::kMaxDoseNgPerDay + 1)));
    }
  }
  rx.patient_bolus.enabled = *rc::gen::arbitrary<bool>();
  rx.patient_bolus.dose = DrugAmount(*rc::gen::inRange<std::int64_t>(1, 5'000'000));
  rx.patient_bolus.max_per_24h = static_cast<std::uint8_t>(*rc::gen::inRange(1, 25));
  rx.patient_bolus.lockout = minutes(*rc::gen::inRange(1, 24 * 60 + 1));
  RC_ASSERT(max_daily_dose(rx) == reference_max(rx));
}

TEST(DoseCheck, TextAndJsonShowTheLimitAndItsSource) {
  const PreviousTherapy prev{ziconotide(mcg_per_day(2.4)), ago(hours(12))};
  const DoseCheck c = check(ziconotide(mcg_per_day(4.8)), &prev);
  const std::string text = format_dose_check(c);
  EXPECT_NE(text.find("Drug library check: Ziconotide (Prialt) (ziconotide)"), std::string::npos);
  EXPECT_NE(text.find("maximum daily dose   4.8 mcg/day"), std::string::npos);
  EXPECT_NE(text.find("current maximum      2.4 mcg/day"), std::string::npos);
  EXPECT_NE(text.find("hard  titration.interval: only 12 h since the last increase"),
            std::string::npos);
  EXPECT_NE(text.find("limit 24 h"), std::string::npos);
  EXPECT_NE(text.find("source: Prialt (EU): increases at least 24 h apart"), std::string::npos);
  EXPECT_NE(text.find("verdict: BLOCKED"), std::string::npos);

  const nlohmann::ordered_json j = dose_check_json(c);
  EXPECT_EQ(j["unit"], "mcg");
  EXPECT_EQ(j["max_daily_dose_per_day"], 4.8);
  EXPECT_EQ(j["max_daily_dose_ng_per_day"], 4'800);
  EXPECT_EQ(j["previous_max_daily_dose_ng_per_day"], 2'400);
  EXPECT_EQ(j["blocked"], true);
  EXPECT_EQ(j["needs_override"], false);
  bool found = false;
  for (const auto& f : j["findings"]) {
    if (f["level"] == "hard") {
      found = true;
      EXPECT_EQ(f["field"], "titration.interval");
      EXPECT_EQ(f["limit"], "24 h");
    }
  }
  EXPECT_TRUE(found);
  EXPECT_NE(format_dose_check(check(morphine(mg_per_day(15))))
                .find("verdict: needs the clinician's override reason"),
            std::string::npos);
}

}  // namespace
}  // namespace itdd::programmer

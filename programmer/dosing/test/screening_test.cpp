#include "itdd/programmer/screening.h"

#include <gtest/gtest.h>

#include <string>

#include "itdd/host/wall_time.h"

namespace itdd::programmer {
namespace {

using host::Checked;

const DrugLibrary& library() {
  static const DrugLibrary lib = [] {
    Checked<DrugLibrary> l =
        DrugLibrary::load(std::string(ITDD_SOURCE_DIR) + "/data/drug-library.json");
    if (!l.ok()) throw std::runtime_error(l.error().text());
    return std::move(l).value();
  }();
  return lib;
}

const DrugSpec& baclofen() {
  return *library().find("baclofen");
}

const WallTime kMonday9 = host::parse_wall_time("2025-03-03 09:00").value();

WallTime day_at_9(int day) {
  return WallTime(kMonday9.ms() + days(day).count());
}

ScreeningBolus failed(std::int64_t mcg, int day) {
  return ScreeningBolus{micrograms(mcg), day_at_9(day), false, std::nullopt,
                        ScreeningResponse{ResponseScale::kAshworth, 3, 3}};
}

ScreeningBolus effective(std::int64_t mcg, int day, std::optional<Duration> lasted) {
  return ScreeningBolus{micrograms(mcg), day_at_9(day), true, lasted,
                        ScreeningResponse{ResponseScale::kAshworth, 3, 1}};
}

ScreeningStep next(const std::vector<ScreeningBolus>& history) {
  const Checked<ScreeningStep> s = next_screening_step(baclofen(), history);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().text());
  return s.ok() ? s.value() : ScreeningStep{};
}

TEST(Screening, BaclofenSequenceFromTheLibrary) {
  const ScreeningStep first = next({});
  EXPECT_EQ(first.outcome, ScreeningOutcome::kNextDose);
  EXPECT_EQ(first.dose, micrograms(50));
  EXPECT_FALSE(first.earliest);
  EXPECT_NE(first.source.find("no pump if 100 mcg fails"), std::string::npos);

  const ScreeningStep second = next({failed(50, 0)});
  EXPECT_EQ(second.outcome, ScreeningOutcome::kNextDose);
  EXPECT_EQ(second.dose, micrograms(75));
  EXPECT_EQ(second.earliest, day_at_9(1));
  EXPECT_EQ(second.explanation,
            "next screening bolus: 75 mcg, not before 2025-03-04 09:00 (at least 24 h after the "
            "last bolus); 50 mcg was not effective");

  const ScreeningStep third = next({failed(50, 0), failed(75, 1)});
  EXPECT_EQ(third.dose, micrograms(100));
  EXPECT_EQ(third.earliest, day_at_9(2));

  // Without recorded times the next step is still known, the time only as a rule.
  ScreeningBolus untimed = failed(50, 0);
  untimed.given_at.reset();
  const ScreeningStep loose = next({untimed});
  EXPECT_FALSE(loose.earliest);
  EXPECT_NE(loose.explanation.find("at least 24 h after the last bolus"), std::string::npos);
}

TEST(Screening, FiftyThenSeventyFiveThenHundredFailedMeansStop) {
  const ScreeningStep s = next({failed(50, 0), failed(75, 1), failed(100, 2)});
  EXPECT_EQ(s.outcome, ScreeningOutcome::kFailed);
  EXPECT_EQ(s.explanation,
            "stop: screening failed: 100 mcg, the last step, was not effective, so no pump");
  const Checked<StartingDose> start =
      suggested_starting_dose(baclofen(), {failed(50, 0), failed(75, 1), failed(100, 2)});
  ASSERT_FALSE(start.ok());
  EXPECT_EQ(start.error().field, "history");
  EXPECT_NE(start.error().message.find("screening failed"), std::string::npos);
}

TEST(Screening, FiftyEffectiveForSixHoursStartsAtHundredPerDay) {
  const std::vector<ScreeningBolus> history = {effective(50, 0, hours(6))};
  const ScreeningStep s = next(history);
  EXPECT_EQ(s.outcome, ScreeningOutcome::kEffective);
  EXPECT_EQ(s.dose, micrograms(50));
  EXPECT_EQ(s.explanation, "done: 50 mcg was effective (step 1 given 2025-03-03 09:00)");
  const Checked<StartingDose> start = suggested_starting_dose(baclofen(), history);
  ASSERT_TRUE(start.ok()) << start.error().text();
  EXPECT_EQ(start->dose_per_day, DoseRate(100'000));
  EXPECT_EQ(start->rule,
            "2 x the effective screening dose (50 mcg) per day = 100 mcg/day: its effect lasted "
            "6 h, not over 8 h");
  EXPECT_NE(start->source.find("twice the effective screening dose over 24 h"), std::string::npos);
  // Issue 11: the over-8-hour rule did not apply, so it is not cited, and "source:" is said once.
  EXPECT_EQ(start->source,
            "source: Baclofen starting infusion: twice the effective screening dose over 24 h");
}

TEST(Screening, SeventyFiveEffectiveForTenHoursStartsAtSeventyFivePerDay) {
  const std::vector<ScreeningBolus> history = {failed(50, 0), effective(75, 1, hours(10))};
  const Checked<StartingDose> start = suggested_starting_dose(baclofen(), history);
  ASSERT_TRUE(start.ok()) << start.error().text();
  EXPECT_EQ(start->dose_per_day, DoseRate(75'000));
  EXPECT_NE(start->rule.find("1 x the effective screening dose (75 mcg) per day = 75 mcg/day: "
                             "its effect lasted 10 h, over 8 h"),
            std::string::npos);
  EXPECT_NE(start->source.find("the screening dose itself"), std::string::npos);
  // Both figures that applied, under one "source:".
  EXPECT_EQ(start->source.find("source:"), 0u);
  EXPECT_EQ(start->source.find("source:", 1), std::string::npos) << start->source;
  EXPECT_NE(start->source.find("if its effect lasted over 8 h"), std::string::npos);
}

TEST(Screening, EightHoursExactlyIsNotOverEightHours) {
  EXPECT_EQ(suggested_starting_dose(baclofen(), {effective(50, 0, hours(8))})->dose_per_day,
            DoseRate(100'000));
  EXPECT_EQ(suggested_starting_dose(baclofen(), {effective(50, 0, hours(8) + milliseconds(1))})
                ->dose_per_day,
            DoseRate(50'000));
}

TEST(Screening, StartingDoseNeedsTheEffectDurationAndAFinishedScreening) {
  const Checked<StartingDose> unknown =
      suggested_starting_dose(baclofen(), {failed(50, 0), effective(75, 1, std::nullopt)});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().field, "history[1].effect_duration");
  EXPECT_NE(unknown.error().message.find("over 8 h"), std::string::npos);
  const Checked<StartingDose> early = suggested_starting_dose(baclofen(), {failed(50, 0)});
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.error().field, "history");
  EXPECT_NE(early.error().message.find("next screening bolus: 75 mcg"), std::string::npos);
}

TEST(Screening, HistoriesThatBreakTheRuleAreRefused) {
  const auto field = [](const std::vector<ScreeningBolus>& history) {
    const Checked<ScreeningStep> s = next_screening_step(baclofen(), history);
    return s.ok() ? std::string("accepted") : s.error().field;
  };
  EXPECT_EQ(field({failed(75, 0)}), "history[0].dose");
  EXPECT_EQ(field({failed(50, 0), failed(100, 1)}), "history[1].dose");
  // 23 h 59 min after the first is too soon; 24 h is fine.
  ScreeningBolus soon = failed(75, 1);
  soon.given_at = WallTime(day_at_9(1).ms() - minutes(1).count());
  EXPECT_EQ(field({failed(50, 0), soon}), "history[1].given_at");
  EXPECT_EQ(field({failed(50, 0), failed(75, 1)}), "accepted");
  EXPECT_EQ(field({effective(50, 0, hours(6)), failed(75, 1)}), "history[1]");
  EXPECT_EQ(field({failed(50, 0), failed(75, 1), failed(100, 2), failed(100, 3)}),
            "history[3].dose");
  ScreeningBolus bad_score = failed(50, 0);
  bad_score.response = ScreeningResponse{ResponseScale::kAshworth, 5, 3};
  EXPECT_EQ(field({bad_score}), "history[0].response");
  bad_score.response = ScreeningResponse{ResponseScale::kPain, 10, 0};
  EXPECT_EQ(field({bad_score}), "accepted");
  bad_score.response = ScreeningResponse{ResponseScale::kPain, 11, 0};
  EXPECT_EQ(field({bad_score}), "history[0].response");
}

TEST(Screening, DrugsWithoutARuleGetNoInventedOne) {
  const DrugSpec& ziconotide = *library().find("ziconotide");
  const Checked<ScreeningStep> s = next_screening_step(ziconotide, {});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->outcome, ScreeningOutcome::kNoRule);
  EXPECT_EQ(s->explanation, "no screening rule in the library for Ziconotide (Prialt)");
  const Checked<StartingDose> start = suggested_starting_dose(ziconotide, {});
  ASSERT_TRUE(start.ok());
  EXPECT_FALSE(start->dose_per_day);
  EXPECT_EQ(start->rule, "no rule in the library for the starting dose of Ziconotide (Prialt)");
}

}  // namespace
}  // namespace itdd::programmer

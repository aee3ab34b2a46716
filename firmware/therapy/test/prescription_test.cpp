#include "itdd/therapy/prescription.h"

#include <gtest/gtest.h>

#include <cstring>

#include "itdd/therapy/flex_schedule.h"
#include "test_prescriptions.h"

namespace itdd::therapy {
namespace {

using testing::kMorphine25;
using testing::morphine_continuous;
using testing::morphine_flex;

const PumpModel kPump{};

void expect_refused(const Prescription& rx, const char* field, int index = -1, int sub_index = -1) {
  const Status s = validate(rx, kPump);
  ASSERT_FALSE(s.ok()) << "expected refusal on " << field;
  EXPECT_STREQ(s.error().field, field) << s.error().message;
  EXPECT_EQ(s.error().index, index);
  EXPECT_EQ(s.error().sub_index, sub_index);
  EXPECT_GT(std::strlen(s.error().message), 0u);
}

TEST(Prescription, ValidContinuousAndFlexAreAccepted) {
  EXPECT_TRUE(validate(morphine_continuous(DoseRate(milligrams(2).count())), kPump).ok());
  EXPECT_TRUE(validate(morphine_flex({{0, 2'000'000}, {480, 3'000'000}, {1200, 0}}), kPump).ok());
  Prescription stopped;
  stopped.drug = make_drug("baclofen", DoseUnit::kMicrogram);
  stopped.concentration = Concentration(500'000);
  EXPECT_TRUE(validate(stopped, kPump).ok());
}

TEST(Prescription, DrugNameIsChecked) {
  Prescription rx = morphine_continuous(DoseRate(2'000'000));
  rx.drug = make_drug("", DoseUnit::kMilligram);
  expect_refused(rx, "drug");
  rx.drug = make_drug("Morphine!", DoseUnit::kMilligram);
  expect_refused(rx, "drug");
  rx.drug = make_drug("a-name-far-too-long-for-the-implant", DoseUnit::kMilligram);
  expect_refused(rx, "drug");
}

TEST(Prescription, ConcentrationMustBePositiveAndPlausible) {
  expect_refused(morphine_continuous(DoseRate(2'000'000), Concentration(0)), "concentration");
  expect_refused(morphine_continuous(DoseRate(2'000'000), Concentration(101'000'000)),
                 "concentration");
}

TEST(Prescription, PumpMinimumAndMaximumRatesAreEnforced) {
  // 0.048 mL/day of 25 mg/mL is 1.2 mg/day: accepted; one ng/day less is not.
  EXPECT_TRUE(validate(morphine_continuous(DoseRate(1'200'000)), kPump).ok());
  expect_refused(morphine_continuous(DoseRate(1'199'999)), "dose_per_day");
  expect_refused(morphine_continuous(DoseRate(0)), "dose_per_day");
  // 24 mL/day is the model's maximum.
  EXPECT_TRUE(validate(morphine_continuous(DoseRate(600'000'000)), kPump).ok());
  expect_refused(morphine_continuous(DoseRate(600'000'025)), "dose_per_day");
  // Flex steps below the minimum (but not zero) are refused with their index.
  expect_refused(morphine_flex({{0, 2'000'000}, {600, 1'000'000}}), "flex.steps.dose_per_day", -1,
                 1);
  EXPECT_TRUE(validate(morphine_flex({{0, 2'000'000}, {600, 0}}), kPump).ok());
}

// A refusal at a rate limit names the rate asked for and the limit, so that the programmer and
// the simulator can say both ("0.047999 mL/day requested, this pump's minimum is 0.048 mL/day").
TEST(Prescription, RateRefusalsNameTheRequestedAndTheAllowedRate) {
  const Status low = validate(morphine_continuous(DoseRate(1'199'975)), kPump);
  ASSERT_FALSE(low.ok());
  EXPECT_EQ(low.error().values.limit, ErrorLimit::kMinimum);
  EXPECT_EQ(low.error().values.unit, ErrorUnit::kNanolitresPerDay);
  EXPECT_EQ(low.error().values.requested, 47'999);  // 1.199975 mg/day at 25 mg/mL
  EXPECT_EQ(low.error().values.allowed, 48'000);
  const Status high = validate(morphine_continuous(DoseRate(600'000'025)), kPump);
  ASSERT_FALSE(high.ok());
  EXPECT_EQ(high.error().values.limit, ErrorLimit::kMaximum);
  EXPECT_EQ(high.error().values.requested, 24'000'001);
  EXPECT_EQ(high.error().values.allowed, 24'000'000);
  // A flexible step keeps room for the 5/4 re-alignment: its maximum is 4/5 of the pump's.
  const Status step = validate(morphine_flex({{0, 2'000'000}, {600, 480'000'025}}), kPump);
  ASSERT_FALSE(step.ok());
  EXPECT_EQ(step.error().sub_index, 1);
  EXPECT_EQ(step.error().values.limit, ErrorLimit::kMaximum);
  EXPECT_EQ(step.error().values.requested, 19'200'001);
  EXPECT_EQ(step.error().values.allowed, 19'200'000);
  const Status slow_step = validate(morphine_flex({{0, 2'000'000}, {600, 1'000'000}}), kPump);
  ASSERT_FALSE(slow_step.ok());
  EXPECT_EQ(slow_step.error().values.limit, ErrorLimit::kMinimum);
  EXPECT_EQ(slow_step.error().values.requested, 40'000);
  EXPECT_EQ(slow_step.error().values.allowed, 48'000);
  // Refusals about anything else name no quantity.
  const Status drug = validate(morphine_continuous(DoseRate(2'000'000), Concentration(0)), kPump);
  ASSERT_FALSE(drug.ok());
  EXPECT_EQ(drug.error().values.limit, ErrorLimit::kNone);
}

TEST(Prescription, FlexStepsMustBeOrderedAndStartAtMidnight) {
  expect_refused(morphine_flex({{60, 2'000'000}}), "flex.steps.start", -1, 0);
  expect_refused(morphine_flex({{0, 2'000'000}, {600, 2'000'000}, {600, 3'000'000}}),
                 "flex.steps.start", -1, 2);
  // A step out of the day cannot be made (FlexStep::make, below) but may come back from flash
  // as bytes: validate refuses it too.
  Prescription late = morphine_flex({{0, 2'000'000}, {600, 2'000'000}});
  const std::uint16_t minute_1440 = 1440;
  std::memcpy(static_cast<void*>(&late.flex.days[0].steps[1]), &minute_1440, sizeof minute_1440);
  ASSERT_EQ(late.flex.days[0].steps[1].start_minute(), 1440);
  expect_refused(late, "flex.steps.start", -1, 1);
  Prescription empty = morphine_flex({});
  expect_refused(empty, "flex.steps");
}

TEST(FlexStep, IsEightBytesAndHoldsEveryStartOfTheDayAndDoseUpToItsMaximum) {
  EXPECT_EQ(sizeof(FlexStep), 8u);
  EXPECT_EQ(alignof(FlexStep), 4u);
  for (const std::int64_t start : {0, 1, 719, 1439}) {
    for (const std::int64_t dose : {std::int64_t{0}, std::int64_t{1}, std::int64_t{2'000'000},
                                    FlexStep::kMaxDoseNgPerDay - 1, FlexStep::kMaxDoseNgPerDay}) {
      const Result<FlexStep> step = FlexStep::make(start, DoseRate(dose));
      ASSERT_TRUE(step.ok()) << start << " " << dose;
      EXPECT_EQ(step->start_minute(), start);
      EXPECT_EQ(step->dose_rate(), DoseRate(dose));
    }
  }
  EXPECT_EQ(FlexStep::kMaxDoseNgPerDay, 4'294'967'295);
}

TEST(FlexStep, RefusesWhatItCannotHoldAndChangesNothing) {
  const std::int64_t max = FlexStep::kMaxDoseNgPerDay;
  // Above the maximum: refused with the maximum, never wrapped (2^32 + 5 would be 5 ng/day).
  for (const std::int64_t dose : {max + 1, (std::int64_t{1} << 32) + 5, std::int64_t{1} << 62}) {
    const Result<FlexStep> step = FlexStep::make(60, DoseRate(dose));
    ASSERT_FALSE(step.ok()) << dose;
    EXPECT_STREQ(step.error().field, "flex.steps.dose_per_day");
    EXPECT_NE(std::strstr(step.error().message, "4,294,967,295 ng/day"), nullptr);
    EXPECT_EQ(step.error().values.limit, ErrorLimit::kMaximum);
    EXPECT_EQ(step.error().values.requested, dose);
    EXPECT_EQ(step.error().values.allowed, max);
  }
  const Result<FlexStep> negative = FlexStep::make(60, DoseRate(-1));
  ASSERT_FALSE(negative.ok());
  EXPECT_STREQ(negative.error().field, "flex.steps.dose_per_day");
  // Outside the day, including what a 16-bit minute would wrap into the day (65,536 + 60).
  for (const std::int64_t start :
       {std::int64_t{-1}, std::int64_t{1440}, std::int64_t{65'596}, std::int64_t{1} << 40}) {
    const Result<FlexStep> step = FlexStep::make(start, DoseRate(1'000));
    ASSERT_FALSE(step.ok()) << start;
    EXPECT_STREQ(step.error().field, "flex.steps.start");
  }

  FlexStep step = testing::flex_step(480, DoseRate(2'000'000));
  EXPECT_FALSE(step.set(480, DoseRate(max + 1)).ok());
  EXPECT_FALSE(step.set(1440, DoseRate(1)).ok());
  EXPECT_EQ(step.start_minute(), 480);
  EXPECT_EQ(step.dose_rate(), DoseRate(2'000'000));
  ASSERT_TRUE(step.set(600, DoseRate(max)).ok());
  EXPECT_EQ(step.start_minute(), 600);
  EXPECT_EQ(step.dose_rate(), DoseRate(max));

  // A day's step names the day and the step.
  DayProgram day;
  const Status s = day.set_step(3, 60, DoseRate(max + 1), 6);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().index, 6);
  EXPECT_EQ(s.error().sub_index, 3);
  EXPECT_EQ(day.steps[3], FlexStep{});
}

TEST(Prescription, FortyEightStepsAllowed) {
  Prescription rx = morphine_flex({});
  for (int i = 0; i < 48; ++i) {
    rx.flex.days[0].steps[static_cast<std::size_t>(i)] =
        therapy::testing::flex_step(i * 30, DoseRate(2'000'000));
  }
  rx.flex.days[0].step_count = 48;
  EXPECT_TRUE(validate(rx, kPump).ok());
  rx.flex.days[0].step_count = 49;
  expect_refused(rx, "flex.steps");
}

TEST(Prescription, WeekdayProgramsAreEachValidated) {
  Prescription rx = morphine_flex({{0, 2'000'000}});
  rx.flex.per_weekday = true;
  for (int d = 1; d < 7; ++d) rx.flex.days[static_cast<std::size_t>(d)] = rx.flex.days[0];
  EXPECT_TRUE(validate(rx, kPump).ok());
  ASSERT_TRUE(rx.flex.days[5].steps[0].set(5, rx.flex.days[5].steps[0].dose_rate()));
  expect_refused(rx, "flex.steps.start", 5, 0);
}

TEST(Prescription, PatientBolusLimits) {
  Prescription rx = morphine_continuous(DoseRate(2'000'000));
  rx.patient_bolus = testing::patient_bolus(micrograms(100), minutes(10), 4, hours(3));
  EXPECT_TRUE(validate(rx, kPump).ok());
  Prescription bad = rx;
  bad.patient_bolus.dose = DrugAmount(0);
  expect_refused(bad, "patient_bolus.dose");
  bad = rx;
  bad.patient_bolus.dose = micrograms(10);  // 0.4 uL: less than a stroke
  expect_refused(bad, "patient_bolus.dose");
  bad = rx;
  bad.patient_bolus.max_per_24h = 0;
  expect_refused(bad, "patient_bolus.max_per_24h");
  bad.patient_bolus.max_per_24h = 25;
  expect_refused(bad, "patient_bolus.max_per_24h");
  bad = rx;
  bad.patient_bolus.lockout = minutes(5);
  expect_refused(bad, "patient_bolus.lockout");
  bad = rx;
  bad.patient_bolus.duration = seconds(30);
  expect_refused(bad, "patient_bolus.duration");
}

TEST(Prescription, DailyVolumesAndDoses) {
  // 1 mg/day for 12 h then 3 mg/day for 12 h: 2 mg/day mean, 80 uL/day at 25 mg/mL.
  const Prescription rx = morphine_flex({{0, 1'000'000}, {720, 3'000'000}});
  EXPECT_EQ(basal_daily_dose(rx, Weekday::kMon), DoseRate(2'000'000));
  EXPECT_EQ(basal_volume_per_day(rx, Weekday::kMon), microlitres(80));
  const Prescription cont = morphine_continuous(DoseRate(5'000'000));
  EXPECT_EQ(basal_volume_per_day(cont, Weekday::kSun), microlitres(200));
}

TEST(Prescription, MaxBolusesPerDayIsTheTighterOfCountAndLockout) {
  EXPECT_EQ(max_patient_boluses_per_day(
                testing::patient_bolus(micrograms(100), minutes(10), 4, hours(3))),
            4);
  EXPECT_EQ(max_patient_boluses_per_day(
                testing::patient_bolus(micrograms(100), minutes(10), 20, hours(3))),
            8);
  EXPECT_EQ(max_patient_boluses_per_day(PatientBolusSettings{}), 0);
}

TEST(FlexSchedule, LocatesStepsAndBoundaries) {
  const Prescription rx = morphine_flex({{0, 1'000'000}, {480, 3'000'000}, {1200, 0}});
  const std::int64_t monday = 4 * kMillisPerDay;
  FlexPosition p = locate(rx.flex, kMorphine25, monday + 7 * kMillisPerHour);
  EXPECT_EQ(p.step_index, 0);
  EXPECT_EQ(p.flow, FlowRate(40'000));
  EXPECT_EQ(p.next_boundary_ms, monday + 8 * kMillisPerHour);
  p = locate(rx.flex, kMorphine25, monday + 8 * kMillisPerHour);
  EXPECT_EQ(p.step_index, 1);
  p = locate(rx.flex, kMorphine25, monday + 23 * kMillisPerHour);
  EXPECT_EQ(p.step_index, 2);
  EXPECT_EQ(p.flow, FlowRate(0));
  EXPECT_EQ(p.next_boundary_ms, monday + kMillisPerDay);
}

TEST(FlexSchedule, WeekdayProgramFollowsTheDay) {
  Prescription rx = morphine_flex({{0, 1'000'000}});
  rx.flex.per_weekday = true;
  for (std::size_t d = 0; d < 7; ++d) {
    rx.flex.days[d] = rx.flex.days[0];
    ASSERT_TRUE(
        rx.flex.days[d].steps[0].set(rx.flex.days[d].steps[0].start_minute(),
                                     DoseRate(static_cast<std::int64_t>(d + 1) * 1'000'000)));
  }
  // Day 0 (1970-01-01) is a Thursday: index 3.
  EXPECT_EQ(locate(rx.flex, kMorphine25, 0).flow, flow_for(DoseRate(4'000'000), kMorphine25));
  EXPECT_EQ(locate(rx.flex, kMorphine25, 3 * kMillisPerDay).flow,
            flow_for(DoseRate(7'000'000), kMorphine25));
}

TEST(Prescription, FirstDifferenceNamesTheFieldThatDiffers) {
  const Prescription a = morphine_flex({{0, 1'000'000}, {480, 2'000'000}});
  EXPECT_EQ(first_difference(a, a), nullptr);

  Prescription b = a;
  ASSERT_TRUE(b.flex.days[0].steps[5].set(b.flex.days[0].steps[5].start_minute(),
                                          DoseRate(9)));  // past the day's count: not part of it
  EXPECT_EQ(first_difference(a, b), nullptr);

  b = a;
  ASSERT_TRUE(b.flex.days[0].steps[1].set(481, b.flex.days[0].steps[1].dose_rate()));
  EXPECT_STREQ(first_difference(a, b), "flex.days.steps");
  b = a;
  b.concentration = Concentration(a.concentration.count() + 1);
  EXPECT_STREQ(first_difference(a, b), "concentration");
  b = a;
  b.drug = make_drug("hydromorphone", DoseUnit::kMilligram);
  EXPECT_STREQ(first_difference(a, b), "drug");
  b = a;
  b.mode = BasalMode::kContinuous;
  EXPECT_STREQ(first_difference(a, b), "mode");
  b = a;
  b.patient_bolus.lockout = hours(1);
  EXPECT_STREQ(first_difference(a, b), "patient_bolus");
  const Prescription c = morphine_continuous(DoseRate(1));
  EXPECT_STREQ(first_difference(c, morphine_continuous(DoseRate(2))), "continuous_dose");
}

}  // namespace
}  // namespace itdd::therapy

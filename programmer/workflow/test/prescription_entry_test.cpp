#include "itdd/programmer/prescription_entry.h"

#include <gtest/gtest.h>

#include <string>

namespace itdd::programmer {
namespace {

PrescriptionEntry morphine_entry() {
  PrescriptionEntry e;
  e.drug = therapy::make_drug("morphine", DoseUnit::kMilligram);
  e.concentration = Concentration(25'000'000);
  return e;
}

const char* refused_field(const Result<therapy::Prescription>& r) {
  return r.ok() ? "(accepted)" : r.error().field;
}

TEST(SplitStep, ReadsDayStartAndDoseText) {
  Result<StepText> s = split_step("08:30=3.5");
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(s->day.has_value());
  EXPECT_EQ(s->start_minute, 8 * 60 + 30);
  EXPECT_EQ(s->dose, "3.5");
  s = split_step("sun@23:59=0.25");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->day, Weekday::kSun);
  EXPECT_EQ(s->start_minute, 23 * 60 + 59);
  for (const char* bad : {"8:00=1", "24:00=1", "08:60=1", "08:00", "08:00=", "noday@08:00=1",
                          "08-00=1", "", "mon@", "08:00:00=1"}) {
    EXPECT_FALSE(split_step(bad).ok()) << bad;
  }
}

TEST(BuildPrescription, ContinuousAndStop) {
  PrescriptionEntry e = morphine_entry();
  e.dose = DoseRate(3'500'000);
  Result<therapy::Prescription> rx = build_prescription(e);
  ASSERT_TRUE(rx.ok());
  EXPECT_EQ(rx->mode, therapy::BasalMode::kContinuous);
  EXPECT_EQ(rx->continuous_dose.count(), 3'500'000);
  e.mode = EntryMode::kStop;
  rx = build_prescription(e);
  ASSERT_TRUE(rx.ok());
  EXPECT_EQ(rx->mode, therapy::BasalMode::kStopped);
  e.mode = EntryMode::kContinuous;
  e.dose = DoseRate(-1);
  EXPECT_STREQ(refused_field(build_prescription(e)), "dose");
}

TEST(BuildPrescription, FlexStepsAreSortedAndChecked) {
  PrescriptionEntry e = morphine_entry();
  e.mode = EntryMode::kFlexible;
  e.steps = {{std::nullopt, 480, DoseRate(2'000'000)}, {std::nullopt, 0, DoseRate(1'000'000)}};
  Result<therapy::Prescription> rx = build_prescription(e);
  ASSERT_TRUE(rx.ok());
  EXPECT_FALSE(rx->flex.per_weekday);
  ASSERT_EQ(rx->flex.days[0].step_count, 2);
  EXPECT_EQ(rx->flex.days[0].steps[0].start_minute(), 0);
  EXPECT_EQ(rx->flex.days[0].steps[1].dose_rate().count(), 2'000'000);

  e.steps.push_back({std::nullopt, 480, DoseRate(1)});
  EXPECT_STREQ(refused_field(build_prescription(e)), "step");  // two at 08:00
  e.steps = {{std::nullopt, 60, DoseRate(1)}};
  EXPECT_STREQ(refused_field(build_prescription(e)), "step");  // none at 00:00
  e.steps = {{std::nullopt, 0, DoseRate(1)}, {Weekday::kMon, 60, DoseRate(1)}};
  EXPECT_STREQ(refused_field(build_prescription(e)), "step");  // mixed
  e.steps.clear();
  EXPECT_STREQ(refused_field(build_prescription(e)), "step");
}

TEST(BuildPrescription, AStepDoseAboveWhatTheImplantHoldsIsRefusedWithTheMaximum) {
  // The implant holds a step's dose as a 32-bit count of ng/day: 4,294,967,295 is the most.
  const std::int64_t max = therapy::FlexStep::kMaxDoseNgPerDay;
  PrescriptionEntry e = morphine_entry();
  e.mode = EntryMode::kFlexible;
  e.steps = {{std::nullopt, 0, DoseRate(1'000'000)}, {std::nullopt, 480, DoseRate(max)}};
  Result<therapy::Prescription> rx = build_prescription(e);
  ASSERT_TRUE(rx.ok());
  EXPECT_EQ(rx->flex.days[0].steps[1].dose_rate(), DoseRate(max));

  e.steps[1].dose = DoseRate(max + 1);
  rx = build_prescription(e);
  ASSERT_FALSE(rx.ok());
  EXPECT_STREQ(rx.error().field, "step");
  EXPECT_EQ(rx.error().index, 1);
  EXPECT_NE(std::string(rx.error().message).find("4,294,967,295 ng/day"), std::string::npos)
      << rx.error().message;
  EXPECT_EQ(rx.error().values.limit, ErrorLimit::kMaximum);
  EXPECT_EQ(rx.error().values.requested, max + 1);
  EXPECT_EQ(rx.error().values.allowed, max);
  // 2^32 + 5 would be 5 ng/day in 32 bits: refused, not wrapped.
  e.steps[1].dose = DoseRate((std::int64_t{1} << 32) + 5);
  EXPECT_STREQ(refused_field(build_prescription(e)), "step");
}

TEST(BuildPrescription, PerWeekdayNeedsEveryDay) {
  PrescriptionEntry e = morphine_entry();
  e.mode = EntryMode::kFlexible;
  for (int d = 0; d < 6; ++d) e.steps.push_back({static_cast<Weekday>(d), 0, DoseRate(1'000'000)});
  const Result<therapy::Prescription> missing_sunday = build_prescription(e);
  ASSERT_FALSE(missing_sunday.ok());
  EXPECT_EQ(missing_sunday.error().index, 6);
  e.steps.push_back({Weekday::kSun, 0, DoseRate(2'000'000)});
  const Result<therapy::Prescription> rx = build_prescription(e);
  ASSERT_TRUE(rx.ok());
  EXPECT_TRUE(rx->flex.per_weekday);
  EXPECT_EQ(rx->flex.days[6].steps[0].dose_rate().count(), 2'000'000);
}

TEST(BuildPrescription, PatientBolusNeedsEveryLimit) {
  PrescriptionEntry e = morphine_entry();
  e.dose = DoseRate(1'000'000);
  e.patient_bolus =
      therapy::PatientBolusSettings{true, DrugAmount(100'000), minutes(10), 4, hours(3)};
  ASSERT_TRUE(build_prescription(e).ok());
  e.patient_bolus->max_per_24h = 0;
  EXPECT_STREQ(refused_field(build_prescription(e)), "patient_bolus");
}

TEST(CheckAgainstReservoir, CatchesAWrongConcentrationOrDrug) {
  const PrescriptionEntry e = morphine_entry();
  const therapy::Drug morphine = therapy::make_drug("morphine", DoseUnit::kMilligram);
  EXPECT_TRUE(check_against_reservoir(e, morphine, Concentration(25'000'000)).ok());
  const Status wrong = check_against_reservoir(e, morphine, Concentration(10'000'000));
  ASSERT_FALSE(wrong.ok());
  EXPECT_STREQ(wrong.error().field, "concentration");
  const Status other = check_against_reservoir(
      e, therapy::make_drug("hydromorphone", DoseUnit::kMilligram), Concentration(25'000'000));
  ASSERT_FALSE(other.ok());
  EXPECT_STREQ(other.error().field, "drug");
}

}  // namespace
}  // namespace itdd::programmer

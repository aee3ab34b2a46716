#include "itdd/programmer/program_review.h"

#include <gtest/gtest.h>

#include "../../../firmware/therapy/test/test_prescriptions.h"
#include "itdd/protocol/prescription_wire.h"

namespace itdd::programmer {
namespace {

// The wire's status in the host's form, as the programmer converts an interrogation.
inline ImplantStatus host(const itdd_ImplantStatus& wire) {
  return implant_status_from_wire(wire).value();
}

using therapy::BasalMode;
using therapy::Prescription;

constexpr Concentration k25MgPerMl{25'000'000};

Prescription morphine(std::int64_t ng_per_day) {
  Prescription rx;
  rx.drug = therapy::make_drug("morphine", DoseUnit::kMilligram);
  rx.concentration = k25MgPerMl;
  rx.mode = BasalMode::kContinuous;
  rx.continuous_dose = DoseRate(ng_per_day);
  return rx;
}

Prescription morphine_flex(std::initializer_list<std::pair<int, std::int64_t>> steps) {
  Prescription rx = morphine(0);
  rx.mode = BasalMode::kFlexible;
  for (const auto& [start, dose] : steps) {
    rx.flex.days[0].steps[rx.flex.days[0].step_count++] =
        therapy::testing::flex_step(start, DoseRate(dose));
  }
  return rx;
}

const ReviewRow* row(const ProgramReview& r, const std::string& item) {
  for (const ReviewRow& x : r.rows) {
    if (x.item == item) return &x;
  }
  return nullptr;
}

TEST(ProgramReview, ShowsOldAndNewSideBySideAndMarksWhatChanges) {
  const ProgramReview r = review_program(morphine(3'000'000), morphine(3'500'000), millilitres(18));
  ASSERT_NE(row(r, "Daily dose"), nullptr);
  EXPECT_EQ(row(r, "Daily dose")->before, "3 mg/day");
  EXPECT_EQ(row(r, "Daily dose")->after, "3.5 mg/day");
  EXPECT_TRUE(row(r, "Daily dose")->changed);
  EXPECT_FALSE(row(r, "Concentration")->changed);
  EXPECT_EQ(row(r, "Concentration")->after, "25 mg/mL");
  // 3.5 mg/day at 25 mg/mL is 0.14 mL/day; 18 mL lasts 128 days.
  EXPECT_EQ(row(r, "Rate on that day")->after, "0.14 mL/day (5.833 uL/h)");
  EXPECT_EQ(row(r, "Reservoir lasts")->after, "at least 128 days");
  EXPECT_TRUE(r.any_change());

  const std::string text = format_review(r);
  EXPECT_NE(text.find("NOW"), std::string::npos);
  EXPECT_NE(text.find("* Daily dose"), std::string::npos) << text;
  EXPECT_NE(text.find("  Concentration"), std::string::npos) << text;
  EXPECT_EQ(review_json(r)[3]["new"], "3.5 mg/day");
}

// Issue 11: the ziconotide review said the reservoir lasts "at least 208 days" when the refill
// was due in 14 (the drug's stability): both are said, and which one decides.
TEST(ProgramReview, ReservoirLastsSaysTheRefillDateWhenItComesFirst) {
  const RefillDue stability{14, "drug stability: ziconotide 14 days in the pump"};
  const ProgramReview r =
      review_program(morphine(3'000'000), morphine(3'500'000), millilitres(18), stability);
  EXPECT_EQ(row(r, "Reservoir lasts")->after,
            "at least 128 days by volume; the refill is due first, in 14 days (drug stability: "
            "ziconotide 14 days in the pump): the refill date decides");
  const ProgramReview tight = review_program(morphine(3'000'000), morphine(3'500'000),
                                             millilitres(1), RefillDue{90, "refill interval"});
  EXPECT_EQ(row(tight, "Reservoir lasts")->after,
            "at least 7 days by volume, before the refill due in 90 days: the volume decides");
  const ProgramReview late = review_program(morphine(3'000'000), morphine(3'500'000),
                                            millilitres(18), RefillDue{-2, "refill interval"});
  EXPECT_EQ(row(late, "Reservoir lasts")->after,
            "at least 128 days by volume; the refill is overdue by 2 days (refill interval): the "
            "refill date decides");
  // Without a clinic record, the volume alone, as before.
  EXPECT_EQ(row(review_program(morphine(3'000'000), morphine(3'500'000), millilitres(18)),
                "Reservoir lasts")
                ->after,
            "at least 128 days");
}

TEST(ProgramReview, FirstProgramHasNothingBefore) {
  const ProgramReview r = review_program(std::nullopt, morphine(1'000'000), millilitres(10));
  EXPECT_EQ(row(r, "Drug")->before, "-");
  EXPECT_TRUE(row(r, "Drug")->changed);
}

TEST(ProgramReview, FlexSegmentsAreTheUnionOfBothProgramsSteps) {
  const ProgramReview r =
      review_program(morphine_flex({{0, 1'000'000}, {1200, 500'000}}),
                     morphine_flex({{0, 1'000'000}, {480, 2'000'000}}), millilitres(18));
  ASSERT_NE(row(r, "00:00-08:00"), nullptr);
  EXPECT_FALSE(row(r, "00:00-08:00")->changed);
  EXPECT_EQ(row(r, "08:00-20:00")->before, "1 mg/day");
  EXPECT_EQ(row(r, "08:00-20:00")->after, "2 mg/day");
  EXPECT_EQ(row(r, "20:00-24:00")->before, "0.5 mg/day");
  EXPECT_EQ(row(r, "20:00-24:00")->after, "2 mg/day");
}

TEST(ProgramReview, PerWeekdayProgramsShowEachDay) {
  Prescription after = morphine_flex({{0, 1'000'000}});
  after.flex.per_weekday = true;
  for (auto& day : after.flex.days) day = after.flex.days[0];
  ASSERT_TRUE(after.flex.days[6].steps[0].set(after.flex.days[6].steps[0].start_minute(),
                                              DoseRate(2'000'000)));
  const ProgramReview r = review_program(morphine(1'000'000), after, millilitres(18));
  EXPECT_FALSE(row(r, "Mon 00:00-24:00")->changed);
  EXPECT_EQ(row(r, "Sun 00:00-24:00")->after, "2 mg/day");
  EXPECT_TRUE(row(r, "Sun 00:00-24:00")->changed);
}

itdd_ImplantStatus status_holding(const Prescription& rx, std::uint64_t token) {
  itdd_ImplantStatus s = itdd_ImplantStatus_init_zero;
  s.has_prescription = true;
  EXPECT_TRUE(protocol::prescription_to_wire(rx, s.prescription).ok());
  s.prescription_token = token;
  return s;
}

TEST(VerifyReadback, AcceptsExactlyWhatWasSentUnderTheConfirmedToken) {
  const Prescription rx = morphine_flex({{0, 1'000'000}, {480, 2'000'000}});
  EXPECT_TRUE(verify_readback(rx, 42, host(status_holding(rx, 42))).ok());

  const Status stale = verify_readback(rx, 42, host(status_holding(rx, 43)));
  ASSERT_FALSE(stale.ok());
  EXPECT_STREQ(stale.error().field, "prescription_token");

  Prescription other = rx;
  ASSERT_TRUE(other.flex.days[0].steps[1].set(other.flex.days[0].steps[1].start_minute(),
                                              DoseRate(2'000'001)));
  const Status changed = verify_readback(rx, 42, host(status_holding(other, 42)));
  ASSERT_FALSE(changed.ok());
  EXPECT_STREQ(changed.error().field, "flex.days.steps");
}

}  // namespace
}  // namespace itdd::programmer

namespace itdd::programmer {
namespace {

TEST(ProgramRecordJson, KeepsTheProgramAsExactIntegers) {
  therapy::Prescription rx = therapy::Prescription{};
  rx.drug = therapy::make_drug("morphine", DoseUnit::kMilligram);
  rx.concentration = Concentration(25'000'000);
  rx.mode = therapy::BasalMode::kFlexible;
  rx.flex.days[0].step_count = 2;
  rx.flex.days[0].steps[0] = therapy::testing::flex_step(0, DoseRate(1'000'000));
  rx.flex.days[0].steps[1] = therapy::testing::flex_step(7 * 60 + 30, DoseRate(1'500'001));
  rx.patient_bolus.enabled = true;
  rx.patient_bolus.dose = DrugAmount(100'000);
  rx.patient_bolus.duration = Duration(600'000);
  rx.patient_bolus.max_per_24h = 3;
  rx.patient_bolus.lockout = Duration(7'200'000);
  const nlohmann::json j = program_record_json(rx);
  EXPECT_EQ(j["mode"], "flex");
  EXPECT_EQ(j["unit"], "mg");
  EXPECT_EQ(j["concentration_ng_per_ml"], 25'000'000);
  EXPECT_EQ(j["flex"]["per_weekday"], false);
  ASSERT_EQ(j["flex"]["days"].size(), 1u);
  EXPECT_EQ(j["flex"]["days"][0][1]["start_minute"], 450);
  EXPECT_EQ(j["flex"]["days"][0][1]["ng_per_day"], 1'500'001);
  EXPECT_EQ(j["patient_bolus"]["dose_ng"], 100'000);
  EXPECT_EQ(j["patient_bolus"]["lockout_ms"], 7'200'000);
  rx.patient_bolus.enabled = false;
  rx.flex.per_weekday = true;
  const nlohmann::json week = program_record_json(rx);
  EXPECT_TRUE(week["patient_bolus"].is_null());
  EXPECT_EQ(week["flex"]["days"].size(), 7u);
}

}  // namespace
}  // namespace itdd::programmer

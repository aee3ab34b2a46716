// A screening trial as a use case on a SQLite clinic database: a baclofen bolus recorded and
// read back as the rule reads it, the next step suggested; a time the clocks skipped and a
// step the rule does not allow are refused with nothing written.
#include "itdd/programmer/use_cases/trial.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>

namespace itdd::programmer {
namespace {

namespace fs = std::filesystem;

constexpr std::int64_t kNow = 1'800'000'000'000;

struct Bench {
  fs::path dir = fs::temp_directory_path() /
                 ("itdd_trial_" + std::to_string(std::random_device{}() % 1'000'000));
  std::unique_ptr<ClinicDb> db;
  PatientRecord patient;
  host::TimeZone paris = host::find_time_zone("Europe/Paris").value();
  DrugLibrary library = DrugLibrary::load(ITDD_SOURCE_DIR "/data/drug-library.json").value();
  const DrugSpec& baclofen = *library.find("baclofen");

  Bench() {
    fs::create_directories(dir);
    db = std::move(
        open_clinic_db("sqlite:" + (dir / "clinic.db").string(), OpenMode::kCreate).value());
    EXPECT_TRUE(db->migrate().ok());
    patient.mrn = "M-1";
    patient.name = "Ada Example";
    patient.birth_date_ms = kNow - 40 * 365 * kMillisPerDay;
    patient.indication = Indication::kSpasticity;
    patient.id = db->add_patient(patient).value();
  }
  ~Bench() {
    db.reset();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  TrialEntry bolus(std::int64_t mcg, bool effective, std::optional<WallTime> at = {}) const {
    ScreeningBolus b;
    b.dose = DrugAmount(mcg * 1000);
    b.given_at = at;
    b.effective = effective;
    b.effect_duration = hours(6);
    b.response = ScreeningResponse{ResponseScale::kAshworth, 3, effective ? 1 : 3};
    return TrialEntry{b, "lumbar puncture", ""};
  }
  std::size_t trials() { return db->trials(patient.id).value().size(); }
  // Prepared, then recorded when the rule allows it.
  host::Checked<TrialRecorded> record(std::vector<ScreeningBolus> history, const TrialEntry& entry,
                                      std::int64_t now) {
    const host::Checked<TrialPlan> plan =
        prepare_screening_bolus(patient, paris, baclofen, std::move(history), entry, now);
    if (!plan.ok()) return plan.error();
    return record_screening_bolus(*db, plan.value());
  }
};

TEST(TrialUseCase, ARecordedBolusIsReadBackAsTheRuleReadsIt) {
  Bench b;
  const host::Checked<TrialRecorded> first = b.record({}, b.bolus(50, false), kNow);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_GT(first->record.id, 0);
  EXPECT_EQ(first->record.at_ms, kNow) << "no time given: now";
  const host::Checked<std::vector<ScreeningBolus>> history =
      read_screening_history(*b.db, b.patient.id, b.paris, b.baclofen);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 1U);
  EXPECT_EQ(history->at(0).given_at, b.paris.local(kNow));
  const host::Checked<TrialSuggestion> next = suggest_screening(b.baclofen, history.value());
  ASSERT_TRUE(next.ok()) << next.error().message;
  EXPECT_EQ(next->step.outcome, ScreeningOutcome::kNextDose);
  EXPECT_GT(next->step.dose.count(), DrugAmount(50'000).count());
  EXPECT_FALSE(next->start.has_value());
}

TEST(TrialUseCase, WhatTheRuleOrTheClocksRefuseIsNotRecorded) {
  Bench b;
  // 02:30 on the night summer time begins in Paris does not exist.
  const WallTime skipped = host::parse_wall_time("2027-03-28 02:30").value();
  const host::Checked<TrialRecorded> refused = b.record({}, b.bolus(50, false, skipped), kNow);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("(nothing recorded)"), std::string::npos);
  // A second step of the same dose is not the rule's next step.
  ASSERT_TRUE(b.record({}, b.bolus(50, false), kNow).ok());
  const host::Checked<std::vector<ScreeningBolus>> history =
      read_screening_history(*b.db, b.patient.id, b.paris, b.baclofen);
  const host::Checked<TrialRecorded> off_rule =
      b.record(history.value(), b.bolus(50, false), kNow + 2 * kMillisPerDay);
  ASSERT_FALSE(off_rule.ok());
  EXPECT_EQ(outcome_of(off_rule.error()), Outcome::kInvalidInput);
  // The rule refused it when it was prepared: nothing reached the database.
  EXPECT_FALSE(prepare_screening_bolus(b.patient, b.paris, b.baclofen, history.value(),
                                       b.bolus(50, false), kNow + 2 * kMillisPerDay)
                   .ok());
  EXPECT_EQ(b.trials(), 1U);
}

}  // namespace
}  // namespace itdd::programmer

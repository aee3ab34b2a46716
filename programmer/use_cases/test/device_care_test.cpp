// Priming, a clinician bolus, the alarms, the clock and the downloads as use cases against the
// implant's firmware and radio in this process (tests/radio_rig.h); one clinic session
// recorded in a SQLite clinic database for each change.
#include "itdd/programmer/use_cases/device_care.h"

#include <gtest/gtest.h>

#include "../../../tests/radio_rig.h"
#include "clinic_fixture.h"
#include "itdd/programmer/requests.h"

namespace itdd::programmer {
namespace {

using testing::Device;
using testing::Implanted;
using use_case_test::Clinic;
using use_case_test::kNow;

constexpr Concentration kMorphine10{10 * kNanogramsPerMilligram};

struct Bench {
  Implanted implanted;
  std::unique_ptr<Device> clinician = testing::provisioned(implanted, link::Role::kClinician);
  Clinic clinic;
  host::TimeZone paris = host::find_time_zone("Europe/Paris").value();
  UseCaseSession session{clinician->client,   implanted.crypto, "the implant", &paris,
                         [] { return kNow; }, &clinic.recorder};

  void fill() {
    const therapy::Drug morphine = therapy::make_drug("morphine", DoseUnit::kMilligram);
    const CommandResult filled = clinician->client.command(
        refill_request(1, morphine, kMorphine10, millilitres(18)).value(), 1);
    ASSERT_EQ(filled.delivery, Delivery::kApplied) << filled.detail;
  }
  void fill_and_program() {
    fill();
    therapy::Prescription rx;
    rx.drug = therapy::make_drug("morphine", DoseUnit::kMilligram);
    rx.concentration = kMorphine10;
    rx.mode = therapy::BasalMode::kContinuous;
    rx.continuous_dose = DoseRate(2 * kNanogramsPerMilligram);
    const CommandResult r = clinician->client.command(
        program_request(2, interrogate(session)->prescription_token, rx).value(), 2);
    ASSERT_EQ(r.delivery, Delivery::kApplied) << r.detail;
  }
};

TEST(DeviceCareUseCases, PrimingSaysWhatItPushesThenPrimesAndIsRecorded) {
  Bench b;
  b.fill();
  const host::Checked<PrimePlan> plan = prepare_prime(b.session, microlitres(150));
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_EQ(plan->total, plan->pump_dead_volume + microlitres(150));
  EXPECT_GT(plan->pump_dead_volume.count(), 0);
  const PrimeOutcome done = commit_prime(b.session, plan.value());
  ASSERT_TRUE(done.sent.applied()) << done.sent.result.detail;
  ASSERT_TRUE(done.started.has_value());
  EXPECT_EQ(done.started->volume_nl, plan->total.count());
  const std::vector<ChangeRecord> changes = b.clinic.changes(done.recorded);
  ASSERT_EQ(changes.size(), 1U);
  EXPECT_EQ(changes[0].kind, ChangeKind::kPrime);
  EXPECT_EQ(changes[0].what, done.what);
}

TEST(DeviceCareUseCases, AClinicianBolusIsReviewedAgainstTheLibraryThenGiven) {
  Bench b;
  b.fill_and_program();
  const DrugLibrary library = DrugLibrary::load(ITDD_SOURCE_DIR "/data/drug-library.json").value();
  BolusInput in{DrugAmount(kNanogramsPerMilligram), DoseUnit::kMilligram, minutes(30), "", ""};
  in.expected_drug = "baclofen";
  EXPECT_EQ(prepare_bolus(b.session, library, in).error().field, "drug");
  in.expected_drug = "morphine";
  in.unit = DoseUnit::kMicrogram;
  EXPECT_EQ(prepare_bolus(b.session, library, in).error().field, "unit");
  in.unit = DoseUnit::kMilligram;
  const host::Checked<BolusPlan> plan = prepare_bolus(b.session, library, in);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_TRUE(plan->accepted.ok());
  EXPECT_EQ(plan->review.volume, microlitres(100)) << "1 mg at 10 mg/mL";
  const host::Checked<BolusOutcome> done = commit_bolus(b.session, plan.value());
  ASSERT_TRUE(done.ok()) << done.error().message;
  ASSERT_TRUE(done->sent.applied()) << done->sent.result.detail;
  ASSERT_TRUE(done->started.has_value());
  const std::vector<ChangeRecord> changes = b.clinic.changes(done->recorded);
  ASSERT_EQ(changes.size(), 1U);
  EXPECT_EQ(changes[0].kind, ChangeKind::kBolus);
  EXPECT_NE(changes[0].what.find("clinician bolus 1 mg of morphine over 30 min"), std::string::npos)
      << changes[0].what;
}

TEST(DeviceCareUseCases, AlarmsAreNamedSilencedOnlyWhenActiveAndTested) {
  Bench b;
  std::string known;
  EXPECT_EQ(alarm_kind_named("low-reservoir", &known), itdd_AlarmKind_ALARM_KIND_LOW_RESERVOIR);
  EXPECT_NE(known.find("motor-stall"), std::string::npos) << known;
  EXPECT_FALSE(alarm_kind_named("low-res", nullptr).has_value());
  // Nothing is active on a new implant: the implant's refusal, in words, nothing recorded.
  const host::Checked<Recorded> silenced =
      silence_alarm(b.session, itdd_AlarmKind_ALARM_KIND_MOTOR_STALL, hours(1));
  ASSERT_FALSE(silenced.ok());
  EXPECT_EQ(outcome_of(silenced.error()), Outcome::kRefused);
  EXPECT_NE(silenced.error().message.find("the implant answered: refused"), std::string::npos)
      << silenced.error().message;
  const host::Checked<Recorded> tested = test_alarm(b.session);
  ASSERT_TRUE(tested.ok()) << tested.error().message;
  const std::vector<ChangeRecord> changes = b.clinic.changes(tested.value());
  ASSERT_EQ(changes.size(), 1U);
  EXPECT_EQ(changes[0].what, "alarm test");
}

TEST(DeviceCareUseCases, TheClockIsSetToTheClinicsTimeWhenSent) {
  Bench b;
  const host::Checked<ClockPlan> plan = prepare_set_clock(b.session, std::nullopt);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_TRUE(plan->clinic_now);
  EXPECT_EQ(plan->to, b.paris.local(kNow));
  const host::Checked<ClockOutcome> done = commit_set_clock(b.session, plan.value());
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_EQ(done->moved_ms, b.paris.local(kNow).ms() - plan->implant_reads.ms());
  EXPECT_EQ(interrogate(b.session)->wall.ms(), b.paris.local(kNow).ms());
  EXPECT_EQ(b.clinic.changes(done->recorded).at(0).kind, ChangeKind::kClock);
  // Without the clinic's zone, "now" is refused: this computer's zone is never assumed.
  UseCaseSession unzoned = b.session;
  unzoned.zone = nullptr;
  const host::Checked<ClockPlan> refused = prepare_set_clock(unzoned, std::nullopt);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(outcome_of(refused.error()), Outcome::kInvalidInput);
}

TEST(DeviceCareUseCases, TheLogAndTheHistoryAreReadWhole) {
  Bench b;
  b.fill_and_program();
  b.implanted.advance(hours(5));
  const host::Checked<EventLogDownload> log = download_event_log(b.session, 1);
  ASSERT_TRUE(log.ok()) << log.error().message;
  ASSERT_FALSE(log->records.empty());
  EXPECT_EQ(log->records.front().seq, 1U);
  EXPECT_EQ(log->records.back().seq, log->newest_seq);
  const host::Checked<HistoryDownload> history = download_history(b.session, 3);
  ASSERT_TRUE(history.ok()) << history.error().message;
  EXPECT_GE(history->newest_hour, 3);
  ASSERT_EQ(history->hours.size(), 3U);
  EXPECT_EQ(history->hours.back().hour_index, history->newest_hour);
}

}  // namespace
}  // namespace itdd::programmer

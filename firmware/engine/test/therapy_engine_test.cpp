#include "itdd/engine/therapy_engine.h"

#include <gtest/gtest.h>

#include <cstring>
#include <utility>

#include "../../therapy/test/test_prescriptions.h"
#include "engine_harness.h"

namespace itdd::engine {
namespace {

using testing::Harness;
using therapy::BolusRefusal;
using therapy::Prescription;
using therapy::testing::kMorphine25;
using therapy::testing::morphine_continuous;
using therapy::testing::morphine_flex;

const therapy::Drug kMorphine = therapy::make_drug("morphine", DoseUnit::kMilligram);

struct Filled : Harness {
  explicit Filled(Volume volume = millilitres(18)) {
    EXPECT_TRUE(fill(volume, kMorphine, kMorphine25).ok());
  }
};

// The low-reservoir alarm and the empty stop came when projected (to the millisecond but for
// the rounding of a step's flow).
void expect_projection_held(const testing::RecordingSink& sink, const Projection& p) {
  const TherapyEvent* low = sink.last(EventKind::kLowReservoir);
  const TherapyEvent* empty = sink.last(EventKind::kReservoirEmpty);
  ASSERT_NE(low, nullptr);
  ASSERT_NE(empty, nullptr);
  EXPECT_NEAR(static_cast<double>(low->at.ms()), static_cast<double>(p.low_reservoir.ms()), 2);
  EXPECT_NEAR(static_cast<double>(empty->at.ms()), static_cast<double>(p.empty.ms()), 2);
}

TEST(TherapyEngine, StartsStoppedAndDeliversNothing) {
  Harness h;
  EXPECT_EQ(h.engine.activity(), Activity::kStopped);
  EXPECT_TRUE(h.engine.next_wake().is_never());
  h.run_for(days(3));
  EXPECT_EQ(h.motor.attempts, 0);
}

TEST(TherapyEngine, RefusesToProgramAnEmptyPumpOrAnotherDrug) {
  Harness h;
  Status s = h.engine.program(morphine_continuous(DoseRate(2'000'000)), h.now);
  ASSERT_FALSE(s.ok());
  EXPECT_STREQ(s.error().field, "mode");
  ASSERT_TRUE(h.fill(millilitres(18), kMorphine, kMorphine25).ok());
  Prescription other = morphine_continuous(DoseRate(2'000'000));
  other.drug = therapy::make_drug("hydromorphone", DoseUnit::kMilligram);
  s = h.engine.program(other, h.now);
  ASSERT_FALSE(s.ok());
  EXPECT_STREQ(s.error().field, "drug");
  // A wrong concentration is the classic fatal mistake: refused, nothing changes.
  s = h.engine.program(morphine_continuous(DoseRate(2'000'000), Concentration(10'000'000)), h.now);
  ASSERT_FALSE(s.ok());
  EXPECT_STREQ(s.error().field, "concentration");
  EXPECT_EQ(h.engine.activity(), Activity::kStopped);
}

TEST(TherapyEngine, ContinuousDeliversTheDailyVolume) {
  Filled h;
  ASSERT_TRUE(h.engine.program(morphine_continuous(DoseRate(25'000'000)), h.now).ok());  // 1 mL/d
  h.run_for(days(10));
  EXPECT_EQ(h.engine.delivered(), millilitres(10));
  EXPECT_EQ(h.motor.completed, 10'000);
  EXPECT_EQ(h.engine.reservoir_remaining(), millilitres(8));
}

TEST(TherapyEngine, InvalidPrescriptionChangesNothing) {
  Filled h;
  ASSERT_TRUE(h.engine.program(morphine_continuous(DoseRate(2'000'000)), h.now).ok());
  const Status s = h.engine.program(morphine_continuous(DoseRate(1)), h.now);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(h.engine.prescription().continuous_dose, DoseRate(2'000'000));
}

TEST(TherapyEngine, PrimingFillsDeadVolumeThenTherapyStarts) {
  Filled h;
  ASSERT_TRUE(h.engine.program(morphine_continuous(DoseRate(25'000'000)), h.now).ok());
  ASSERT_TRUE(h.engine.start_priming(microlitres(250), h.now).ok());
  EXPECT_EQ(h.engine.activity(), Activity::kPriming);
  const Volume prime = h.pump.pump_dead_volume + microlitres(250);
  const Duration priming_time = time_to_deliver(prime, h.pump.priming_rate);
  h.run_for(priming_time);
  EXPECT_EQ(h.engine.activity(), Activity::kBasal);
  EXPECT_EQ(h.engine.delivered(), prime);
  EXPECT_EQ(h.sink.count(EventKind::kPrimingEnded), 1);
  h.run_for(days(1));
  EXPECT_EQ(h.engine.delivered(), prime + millilitres(1));
}

TEST(TherapyEngine, ClinicianBolusThenBackToTheModeBefore) {
  Filled h;
  ASSERT_TRUE(h.engine.program(morphine_continuous(DoseRate(25'000'000)), h.now).ok());
  h.run_for(hours(1));
  const Volume before = h.engine.programmed();
  // 1 mg over 30 min at 25 mg/mL: 40 uL.
  ASSERT_TRUE(h.engine.start_clinician_bolus(milligrams(1), minutes(30), h.now).ok());
  EXPECT_EQ(h.engine.activity(), Activity::kClinicianBolus);
  h.run_for(minutes(30));
  EXPECT_EQ(h.engine.activity(), Activity::kBasal);
  EXPECT_EQ(h.engine.programmed() - before, microlitres(40));
  EXPECT_EQ(h.sink.count(EventKind::kClinicianBolusEnded), 1);
}

TEST(TherapyEngine, ClinicianBolusBadInputIsRefused) {
  Filled h(microlitres(100));
  ASSERT_TRUE(h.engine.program(morphine_continuous(DoseRate(2'000'000)), h.now).ok());
  EXPECT_STREQ(h.engine.start_clinician_bolus(DrugAmount(0), minutes(30), h.now).error().field,
               "amount");
  EXPECT_STREQ(h.engine.start_clinician_bolus(milligrams(1), seconds(10), h.now).error().field,
               "duration");
  // 5 mg is 200 uL: more than the 100 uL left.
  EXPECT_STREQ(h.engine.start_clinician_bolus(milligrams(5), hours(1), h.now).error().field,
               "amount");
  EXPECT_EQ(h.engine.activity(), Activity::kBasal);
}

// The implant's own limits for a clinician bolus, whatever the programmer checked: each bound
// exactly, and the refusal naming it. The default pump runs at most 24 mL/day (1 mL/h).
TEST(TherapyEngine, ClinicianBolusRateIsWithinThePumpsMaximumExactly) {
  {
    Filled h;
    ASSERT_TRUE(h.engine.program(morphine_continuous(DoseRate(4'000'000)), h.now).ok());
    // 25 mg at 25 mg/mL is 1 mL: over an hour, exactly the maximum rate.
    ASSERT_TRUE(h.engine.start_clinician_bolus(milligrams(25), hours(1), h.now).ok());
  }
  {
    Filled h;
    ASSERT_TRUE(h.engine.program(morphine_continuous(DoseRate(4'000'000)), h.now).ok());
    // 25 ng more is one nL more: refused, naming the limit; nothing starts.
    const Status s =
        h.engine.start_clinician_bolus(milligrams(25) + DrugAmount(25), hours(1), h.now);
    ASSERT_FALSE(s.ok());
    EXPECT_STREQ(s.error().field, "duration");
    EXPECT_STREQ(s.error().message, "too short: the bolus would exceed the pump's maximum rate");
    EXPECT_EQ(h.engine.activity(), Activity::kBasal);
  }
  // Compared exactly, not through a rate rounded down: on a pump of at most 1 mL/day, 1 mL over
  // 24 hours less a millisecond is 1.0000000116 mL/day.
  therapy::PumpModel slow;
  slow.max_rate = FlowRate(1'000'000);
  for (const auto& [duration, allowed] :
       {std::pair{hours(24), true}, std::pair{hours(24) - milliseconds(1), false}}) {
    Harness h(slow);
    ASSERT_TRUE(h.fill(millilitres(18), kMorphine, kMorphine25).ok());
    EXPECT_EQ(h.engine.start_clinician_bolus(milligrams(25), duration, h.now).ok(), allowed)
        << duration.count();
  }
}

TEST(TherapyEngine, ClinicianBolusAndARunningPatientBolusStayWithinTheMaximumRate) {
  Prescription rx = morphine_continuous(DoseRate(4'000'000));
  // 0.5 mg over 10 minutes: 20 uL, 2.88 mL/day on top of whatever runs.
  rx.patient_bolus = therapy::testing::patient_bolus(micrograms(500), minutes(10), 4, hours(1));
  const auto with_patient_bolus = [&](Filled& h) {
    ASSERT_TRUE(h.engine.program(rx, h.now).ok());
    ASSERT_TRUE(h.engine.request_patient_bolus(h.now).granted);
    h.run_for(minutes(1));
  };
  {
    // 22 mg over an hour is 21.12 mL/day: with the patient bolus, exactly 24 mL/day.
    Filled h;
    with_patient_bolus(h);
    EXPECT_TRUE(h.engine.start_clinician_bolus(milligrams(22), hours(1), h.now).ok());
  }
  {
    Filled h;
    with_patient_bolus(h);
    const Status s =
        h.engine.start_clinician_bolus(milligrams(22) + DrugAmount(25), hours(1), h.now);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, ErrorCode::kRefused);
    EXPECT_STREQ(s.error().field, "duration");
    EXPECT_NE(std::strstr(s.error().message,
                          "with the patient bolus now running the pump's "
                          "maximum rate would be exceeded"),
              nullptr)
        << s.error().message;
    EXPECT_EQ(h.engine.activity(), Activity::kBasal);
    // The whole mL an hour is refused while the patient bolus runs, allowed once it has ended.
    EXPECT_FALSE(h.engine.start_clinician_bolus(milligrams(25), hours(1), h.now).ok());
    h.run_for(minutes(9));
    EXPECT_TRUE(h.engine.start_clinician_bolus(milligrams(25), hours(1), h.now).ok());
  }
}

TEST(TherapyEngine, ClinicianBolusVolumeIsComparedWithTheReservoirWithoutOverflow) {
  Harness h;
  // At 1 ng/mL, 154030313015474756 ng is about 1.5e23 nL: narrowed to 64 bits first it would
  // wrap to 6.4 uL and pass as a small bolus.
  ASSERT_TRUE(h.fill(millilitres(18), kMorphine, Concentration(1)).ok());
  const Status s =
      h.engine.start_clinician_bolus(DrugAmount(154'030'313'015'474'756), hours(1), h.now);
  ASSERT_FALSE(s.ok());
  EXPECT_STREQ(s.error().field, "amount");
  EXPECT_STREQ(s.error().message, "more than the reservoir holds");
  EXPECT_EQ(h.sink.count(EventKind::kClinicianBolusStarted), 0);
}

TEST(TherapyEngine, ClinicianBolusOnAnEmptyPumpSaysItIsEmpty) {
  Harness h;  // never filled: "empty", not "smaller than one stroke"
  const Status s = h.engine.start_clinician_bolus(milligrams(1), hours(1), h.now);
  ASSERT_FALSE(s.ok());
  EXPECT_STREQ(s.error().message, "the reservoir is empty");
}

TEST(TherapyEngine, PatientBolusGrantedThenRefusedWithReasonAndTime) {
  Filled h;
  Prescription rx = morphine_continuous(DoseRate(2'000'000));
  rx.patient_bolus = therapy::testing::patient_bolus(micrograms(250), minutes(10), 2, hours(4));
  ASSERT_TRUE(h.engine.program(rx, h.now).ok());
  h.run_for(hours(1));
  therapy::BolusDecision d = h.engine.request_patient_bolus(h.now);
  EXPECT_TRUE(d.granted);
  const ImplantTime first = h.now;
  h.run_for(hours(1));
  d = h.engine.request_patient_bolus(h.now);
  EXPECT_FALSE(d.granted);
  EXPECT_EQ(d.reason, BolusRefusal::kLockout);
  EXPECT_EQ(d.next_allowed, first + hours(4));
  h.run_until(first + hours(4));
  EXPECT_TRUE(h.engine.request_patient_bolus(h.now).granted);
  h.run_for(hours(5));
  d = h.engine.request_patient_bolus(h.now);
  EXPECT_EQ(d.reason, BolusRefusal::kDailyLimit);
  EXPECT_EQ(d.next_allowed, first + hours(24));
  EXPECT_EQ(h.sink.count(EventKind::kPatientBolusRefused), 2);
  EXPECT_EQ(h.sink.count(EventKind::kPatientBolusEnded), 2);
}

TEST(TherapyEngine, PatientBolusAddsItsVolume) {
  Filled h;
  Prescription rx = morphine_continuous(DoseRate(25'000'000));
  rx.patient_bolus = therapy::testing::patient_bolus(milligrams(1), minutes(10), 4, hours(2));
  ASSERT_TRUE(h.engine.program(rx, h.now).ok());
  ASSERT_TRUE(h.engine.request_patient_bolus(h.now).granted);
  h.run_for(days(1));
  EXPECT_EQ(h.engine.programmed(), millilitres(1) + microlitres(40));
}

TEST(TherapyEngine, PatientBolusRefusedWhenStoppedOrNotEnabled) {
  Filled h;
  EXPECT_EQ(h.engine.request_patient_bolus(h.now).reason, BolusRefusal::kNotEnabled);
  Prescription rx = morphine_continuous(DoseRate(2'000'000));
  rx.patient_bolus = therapy::testing::patient_bolus(micrograms(250), minutes(10), 2, hours(4));
  rx.mode = therapy::BasalMode::kStopped;
  ASSERT_TRUE(h.engine.program(rx, h.now).ok());
  EXPECT_EQ(h.engine.request_patient_bolus(h.now).reason, BolusRefusal::kTherapyStopped);
}

TEST(TherapyEngine, LowThenEmptyReservoirStopsDeliveryUntilRefill) {
  Filled h(millilitres(3));
  ASSERT_TRUE(h.engine.program(morphine_continuous(DoseRate(25'000'000)), h.now).ok());
  h.run_for(days(1) + minutes(1));
  ASSERT_EQ(h.sink.count(EventKind::kLowReservoir), 1);
  EXPECT_EQ(h.sink.last(EventKind::kLowReservoir)->at, ImplantTime(0) + days(1));
  h.run_for(days(5));
  EXPECT_EQ(h.sink.count(EventKind::kReservoirEmpty), 1);
  EXPECT_EQ(h.engine.activity(), Activity::kReservoirEmpty);
  EXPECT_EQ(h.engine.delivered(), millilitres(3));
  EXPECT_EQ(h.engine.reservoir_remaining(), Volume(0));
  EXPECT_TRUE(h.engine.next_wake().is_never());
  // After a refill therapy resumes without any catch-up of what was missed.
  ASSERT_TRUE(h.fill(millilitres(18), kMorphine, kMorphine25).ok());
  EXPECT_EQ(h.engine.activity(), Activity::kBasal);
  h.run_for(days(1));
  EXPECT_EQ(h.engine.delivered(), millilitres(4));
}

TEST(TherapyEngine, RefillRefusesBadInputAndChangesNothing) {
  Filled h;
  ASSERT_TRUE(h.engine.program(morphine_continuous(DoseRate(2'000'000)), h.now).ok());
  RefillCommand cmd{millilitres(21), kMorphine, kMorphine25, Volume(0), true};
  Result<BridgePlan> r = h.engine.refill(cmd, h.now);
  ASSERT_FALSE(r.ok());
  EXPECT_STREQ(r.error().field, "volume");
  cmd.volume = millilitres(18);
  cmd.concentration = Concentration(0);
  EXPECT_STREQ(h.engine.refill(cmd, h.now).error().field, "concentration");
  // 2 mg/day at 50 mg/mL is below the pump's minimum rate: refused, doses stay as they were.
  cmd.concentration = Concentration(50'000'000);
  const Error undeliverable = h.engine.refill(cmd, h.now).error();
  EXPECT_STREQ(undeliverable.field, "concentration");
  // The programmer reads it whole: the wire's ErrorDetail.message holds 95 characters.
  EXPECT_LE(std::strlen(undeliverable.message), 95U) << undeliverable.message;
  EXPECT_EQ(h.engine.prescription().concentration, kMorphine25);
  EXPECT_EQ(h.engine.reservoir_remaining(), millilitres(18));
}

TEST(BridgePlan, KeepsTheDoseWithTheOldConcentration) {
  // 10 mg/day of 25 mg/mL: 0.4 mL/day. 0.4 mL of dead volume takes exactly one day.
  const BridgePlan plan = plan_bridge(microlitres(400), DoseRate(10'000'000),
                                      Concentration(25'000'000), Concentration(50'000'000));
  EXPECT_EQ(plan.flow, FlowRate(400'000));
  EXPECT_EQ(plan.duration, days(1));
  EXPECT_EQ(plan.volume, microlitres(400));
  EXPECT_EQ(plan_bridge(microlitres(400), DoseRate(10'000'000), Concentration(25'000'000),
                        Concentration(25'000'000))
                .volume,
            Volume(0));
}

TEST(TherapyEngine, ConcentrationChangeRunsTheBridgeThenTheNewRate) {
  Filled h;
  ASSERT_TRUE(h.engine.program(morphine_continuous(DoseRate(10'000'000)), h.now).ok());
  ASSERT_TRUE(h.engine.start_priming(microlitres(200), h.now).ok());
  h.run_for(days(2));
  RefillCommand cmd{millilitres(18), kMorphine, Concentration(50'000'000), Volume(0), true};
  const Result<BridgePlan> r = h.engine.refill(cmd, h.now);
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->started);
  // Dead volume 0.2 mL pump + 0.2 mL catheter at 0.4 mL/day: one day.
  EXPECT_EQ(r->duration, days(1));
  EXPECT_EQ(h.engine.activity(), Activity::kBridgeBolus);
  const Volume before = h.engine.programmed();
  h.run_for(days(1));
  EXPECT_EQ(h.engine.activity(), Activity::kBasal);
  EXPECT_EQ(h.engine.programmed() - before, microlitres(400));
  // Then the new concentration's rate: 0.2 mL/day.
  h.run_for(days(1));
  EXPECT_EQ(h.engine.programmed() - before, microlitres(600));
  EXPECT_EQ(h.engine.prescription().continuous_dose, DoseRate(10'000'000));
}

TEST(TherapyEngine, ProjectionsAssumeEveryAllowedBolus) {
  Filled h(millilitres(10));
  Prescription rx = morphine_continuous(DoseRate(25'000'000));  // 1 mL/day
  ASSERT_TRUE(h.engine.program(rx, h.now).ok());
  Projection p = h.engine.project(h.now);
  EXPECT_EQ(p.low_reservoir, ImplantTime(0) + days(8));  // 10 mL - 2 mL alarm
  rx.patient_bolus = therapy::testing::patient_bolus(milligrams(25), hours(2), 4, hours(6));
  ASSERT_TRUE(h.engine.program(rx, h.now).ok());
  p = h.engine.project(h.now);
  // 1 mL/day basal and 4 x 1 mL boluses over 2 h, taken at 0, 6, 12 and 18 h each day: 5 mL
  // in the first day, then 3 mL more at 24 h + t where t/24 + 2 + (t - 12)/2 = 3 (in hours):
  // t = 168/13 h, during the day's third bolus; an hour and a half before the 8/5 days that
  // spreading the boluses over the day would say.
  EXPECT_EQ(p.low_reservoir, ImplantTime(0) + days(1) + Duration((168 * kMillisPerHour + 12) / 13));
  EXPECT_LT(p.low_reservoir, p.empty);
}

TEST(TherapyEngine, FlexProjectionMatchesWhatHappens) {
  Filled h(millilitres(10));
  const Prescription rx = morphine_flex({{0, 12'500'000}, {480, 50'000'000}, {1200, 12'500'000}});
  ASSERT_TRUE(h.engine.program(rx, h.now).ok());
  const Projection p = h.engine.project(h.now);
  h.run_for(days(30));
  expect_projection_held(h.sink, p);
}

TEST(TherapyEngine, MotorStallIsLoggedAndNotCaughtUp) {
  Filled h;
  ASSERT_TRUE(h.engine.program(morphine_continuous(DoseRate(25'000'000)), h.now).ok());
  h.run_for(hours(6));
  h.motor.stalled = true;
  h.run_for(hours(6));
  h.motor.stalled = false;
  h.run_for(hours(12));
  EXPECT_EQ(h.sink.count(EventKind::kMotorStall), 1);
  EXPECT_EQ(h.sink.count(EventKind::kMotorRecovered), 1);
  EXPECT_EQ(h.engine.delivered() + h.engine.missed(), millilitres(1));
  EXPECT_EQ(h.engine.missed(), microlitres(250));
}

TEST(TherapyEngine, SnapshotRestoreResumesExactly) {
  Filled a;
  Prescription rx = morphine_flex({{0, 12'500'000}, {480, 50'000'000}, {1200, 12'500'000}});
  rx.patient_bolus = therapy::testing::patient_bolus(milligrams(1), minutes(10), 4, hours(2));
  ASSERT_TRUE(a.engine.program(rx, a.now).ok());
  a.run_for(hours(9) + seconds(7));
  ASSERT_TRUE(a.engine.request_patient_bolus(a.now).granted);
  a.run_for(minutes(3));
  Harness b;
  b.now = a.now;
  b.engine.restore(a.engine.snapshot());
  a.run_for(days(3));
  b.run_for(days(3));
  EXPECT_EQ(a.engine.strokes(), b.engine.strokes());
  EXPECT_EQ(a.engine.reservoir_remaining(), b.engine.reservoir_remaining());
  EXPECT_EQ(b.engine.request_patient_bolus(b.now).granted,
            a.engine.request_patient_bolus(a.now).granted);
}

// The implant commits the engine's own state and reads its settings straight back into it
// (docs/footprint.md): the same engine as restore() makes; a read that fails after it wrote
// leaves the engine as it was constructed (nothing half-read runs).
TEST(TherapyEngine, RestoreInPlaceIsRestoreAndAFailedReadLeavesTheEngineAsConstructed) {
  Filled a;
  Prescription rx = morphine_flex({{0, 12'500'000}, {480, 50'000'000}, {1200, 12'500'000}});
  rx.patient_bolus = therapy::testing::patient_bolus(milligrams(1), minutes(10), 4, hours(2));
  ASSERT_TRUE(a.engine.program(rx, a.now).ok());
  a.run_for(hours(9) + seconds(7));
  ASSERT_TRUE(a.engine.request_patient_bolus(a.now).granted);
  a.run_for(minutes(3));
  const TherapyEngine::State& committed = a.engine.state_for_checkpoint();
  Harness b;
  b.now = a.now;
  ASSERT_TRUE(b.engine.restore_in_place([&](TherapyEngine::State& s) {
    s = committed;
    return true;
  }));
  a.run_for(days(3));
  b.run_for(days(3));
  EXPECT_EQ(a.engine.strokes(), b.engine.strokes());
  EXPECT_EQ(a.engine.reservoir_remaining(), b.engine.reservoir_remaining());
  EXPECT_EQ(b.engine.request_patient_bolus(b.now).granted,
            a.engine.request_patient_bolus(a.now).granted);

  Harness c;
  const Harness fresh;
  EXPECT_FALSE(c.engine.restore_in_place([&](TherapyEngine::State& s) {
    s = a.engine.state_for_checkpoint();  // written, then found bad
    return false;
  }));
  EXPECT_EQ(c.engine.activity(), Activity::kStopped);
  EXPECT_FALSE(c.engine.filled());
  EXPECT_EQ(c.engine.reservoir_remaining(), Volume(0));
  EXPECT_EQ(c.engine.prescription().mode, therapy::BasalMode::kStopped);
  EXPECT_EQ(c.engine.low_threshold(), fresh.engine.low_threshold());
  EXPECT_EQ(c.engine.wall_clock(c.now), fresh.engine.wall_clock(c.now));
  c.run_for(days(1));
  EXPECT_EQ(c.engine.strokes(), 0);
}

TEST(TherapyEngine, RefillWithAnotherDrugStopsTherapyUntilProgrammed) {
  Filled h;
  ASSERT_TRUE(h.engine.program(morphine_continuous(DoseRate(2'000'000)), h.now).ok());
  const therapy::Drug hydromorphone = therapy::make_drug("hydromorphone", DoseUnit::kMilligram);
  RefillCommand cmd{millilitres(18), hydromorphone, Concentration(10'000'000), Volume(0), true};
  const Result<BridgePlan> r = h.engine.refill(cmd, h.now);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->started);
  EXPECT_EQ(h.engine.activity(), Activity::kStopped);
  EXPECT_TRUE(h.engine.prescription().drug == hydromorphone);
  Prescription rx = morphine_continuous(DoseRate(1'000'000), Concentration(10'000'000));
  rx.drug = hydromorphone;
  EXPECT_TRUE(h.engine.program(rx, h.now).ok());
  EXPECT_EQ(h.engine.activity(), Activity::kBasal);
}

TEST(TherapyEngine, ZiconotideAtTheMinimumRateStrokesEveryHalfHour) {
  Harness h;
  const therapy::Drug ziconotide = therapy::make_drug("ziconotide", DoseUnit::kMicrogram);
  ASSERT_TRUE(h.fill(millilitres(18), ziconotide, Concentration(25'000)).ok());
  Prescription rx;
  rx.drug = ziconotide;
  rx.concentration = Concentration(25'000);  // 25 mcg/mL
  rx.mode = therapy::BasalMode::kContinuous;
  rx.continuous_dose = DoseRate(1'200);  // 1.2 mcg/day = 0.048 mL/day
  ASSERT_TRUE(h.engine.program(rx, h.now).ok());
  EXPECT_EQ(h.engine.next_wake(), ImplantTime(0) + minutes(30));
  h.run_for(days(40));
  EXPECT_EQ(h.engine.delivered(), microlitres(48 * 40));
  rx.continuous_dose = DoseRate(1'199);
  EXPECT_FALSE(h.engine.program(rx, h.now).ok());
}

TEST(TherapyEngine, WeekdayProgramsDeliverEachDaysOwnVolume) {
  Filled h(millilitres(20));
  Prescription rx = morphine_flex({{0, 25'000'000}});  // 1 mL/day
  rx.flex.per_weekday = true;
  for (std::size_t d = 0; d < 7; ++d) rx.flex.days[d] = rx.flex.days[0];
  ASSERT_TRUE(rx.flex.days[5].steps[0].set(rx.flex.days[5].steps[0].start_minute(),
                                           DoseRate(50'000'000)));  // Saturday: 2 mL
  ASSERT_TRUE(h.engine.program(rx, h.now).ok());                    // Monday 00:00
  h.run_for(days(5));
  EXPECT_EQ(h.engine.delivered(), millilitres(5));
  h.run_for(days(1));
  EXPECT_EQ(h.engine.delivered(), millilitres(7));
  h.run_for(days(1));
  EXPECT_EQ(h.engine.delivered(), millilitres(8));
}

TEST(TherapyEngine, ClockChangeDuringAClinicianBolusLeavesTheBolusExact) {
  Filled h;
  ASSERT_TRUE(h.engine.program(morphine_flex({{0, 12'500'000}, {600, 25'000'000}}), h.now).ok());
  h.run_for(hours(9));
  const Volume before = h.engine.programmed();
  ASSERT_TRUE(h.engine.start_clinician_bolus(milligrams(2), hours(2), h.now).ok());
  h.engine.set_wall_clock(WallTime(h.engine.wall_clock(h.now).ms() + kMillisPerHour), h.now);
  h.run_for(hours(2));
  EXPECT_EQ(h.engine.programmed() - before, microlitres(80));
  EXPECT_EQ(h.sink.count(EventKind::kClockSet), 1);
}

TEST(TherapyEngine, RefillOfLessThanAStrokeIsRefused) {
  Harness h;
  RefillCommand cmd{nanolitres(500), kMorphine, kMorphine25, Volume(0), true};
  const Result<BridgePlan> r = h.engine.refill(cmd, h.now);
  ASSERT_FALSE(r.ok());
  EXPECT_STREQ(r.error().field, "volume");
}

TEST(TherapyEngine, BridgeDisplacesTheCatheterItWasToldOfWithoutPriming) {
  Filled h;
  ASSERT_TRUE(h.engine.set_catheter_volume(microlitres(200)).ok());
  EXPECT_FALSE(h.engine.set_catheter_volume(millilitres(3)).ok());
  ASSERT_TRUE(h.engine.program(morphine_continuous(DoseRate(10'000'000)), h.now).ok());
  h.run_for(days(1));
  RefillCommand cmd{millilitres(18), kMorphine, Concentration(50'000'000), Volume(0), true};
  const Result<BridgePlan> r = h.engine.refill(cmd, h.now);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->volume, h.pump.pump_dead_volume + microlitres(200));
}

TEST(TherapyEngine, ProjectionDuringABridgeMatchesWhatHappens) {
  Filled h;
  ASSERT_TRUE(h.engine.set_catheter_volume(microlitres(200)).ok());
  ASSERT_TRUE(h.engine.program(morphine_continuous(DoseRate(10'000'000)), h.now).ok());
  h.run_for(days(1));
  RefillCommand cmd{millilitres(5), kMorphine, Concentration(50'000'000), Volume(0), true};
  ASSERT_TRUE(h.engine.refill(cmd, h.now).ok());
  h.run_for(hours(3));
  ASSERT_EQ(h.engine.activity(), Activity::kBridgeBolus);  // a one-day bridge
  const Projection p = h.engine.project(h.now);
  h.run_for(days(40));
  expect_projection_held(h.sink, p);
}

TEST(TherapyEngine, HaltStopsEverythingUntilProgrammed) {
  Filled h;
  Prescription rx = morphine_continuous(DoseRate(25'000'000));
  rx.patient_bolus = therapy::testing::patient_bolus(milligrams(1), minutes(10), 4, hours(2));
  ASSERT_TRUE(h.engine.program(rx, h.now).ok());
  ASSERT_TRUE(h.engine.start_clinician_bolus(milligrams(1), minutes(30), h.now).ok());
  h.run_for(minutes(10));
  h.engine.halt(h.now);
  EXPECT_EQ(h.engine.activity(), Activity::kHalted);
  const std::int64_t strokes = h.motor.attempts;
  h.run_for(days(1));
  EXPECT_EQ(h.motor.attempts, strokes);
  EXPECT_EQ(h.engine.request_patient_bolus(h.now).reason, BolusRefusal::kTherapyStopped);
  EXPECT_FALSE(h.engine.start_clinician_bolus(milligrams(1), minutes(30), h.now).ok());
  // A refill does not restart a halted pump; programming does, with no catch-up.
  ASSERT_TRUE(h.fill(millilitres(18), kMorphine, kMorphine25).ok());
  EXPECT_EQ(h.engine.activity(), Activity::kHalted);
  ASSERT_TRUE(h.engine.program(rx, h.now).ok());
  EXPECT_EQ(h.engine.activity(), Activity::kBasal);
  const Volume before = h.engine.delivered();
  h.run_for(days(1));
  EXPECT_EQ(h.engine.delivered() - before, millilitres(1));
}

TEST(TherapyEngine, ResumeAfterResetAssumesTheGapWasDeliveredAndNeverCatchesUp) {
  Filled a;
  ASSERT_TRUE(a.engine.program(morphine_continuous(DoseRate(25'000'000)), a.now).ok());
  a.run_for(hours(5));
  const TherapyEngine::State checkpoint = a.engine.snapshot();
  // Power is lost at some point in the next 3 hours; the implant restarts 3 hours on.
  Harness b;
  b.now = a.now + hours(3);
  b.engine.restore(checkpoint);
  const Volume assumed = b.engine.resume_after_reset(b.now);
  // 3 h at 1 mL/day, plus the part of a stroke pending at the checkpoint.
  EXPECT_GE(assumed, microlitres(125));
  EXPECT_LT(assumed, microlitres(126));
  EXPECT_EQ(b.engine.reservoir_remaining(), checkpoint.reservoir_remaining - assumed);
  EXPECT_EQ(b.sink.count(EventKind::kResumedAfterReset), 1);
  EXPECT_EQ(b.sink.last(EventKind::kResumedAfterReset)->a, hours(3).count());
  // Delivery resumes at the next stroke time, with no burst.
  EXPECT_EQ(b.engine.next_wake(), b.now + milliseconds(86'400));
  EXPECT_EQ(b.engine.programmed() - b.engine.delivered(), Volume(0));
  b.run_for(days(1));
  EXPECT_EQ(b.motor.completed, 1000);
}

}  // namespace
}  // namespace itdd::engine

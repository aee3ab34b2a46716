#include "itdd/app/implant.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "implant_rig.h"
#include "itdd/storage/engine_storage.h"

namespace itdd::app {
namespace {

using alarms::AlarmKind;
using engine::Activity;
using rig::Body;
using rig::fill;
using rig::kMonday;
using rig::kMorphine;
using rig::Rig;
using therapy::testing::kMorphine25;
using therapy::testing::morphine_continuous;
using therapy::testing::same_prescription;

TEST(Implant, FreshBootProgramsAndRecordsHistory) {
  Body body;
  Rig rig(body);
  EXPECT_FALSE(rig.report.resumed);
  rig.start(morphine_continuous(DoseRate(24'000'000)));
  rig.run_for(hours(5));
  EXPECT_EQ(rig.implant->engine().delivered(), microlitres(200));
  std::vector<storage::HourRecord> hours_read(10);
  const Result<std::size_t> n = rig.implant->delivery_history().read_hours(0, 10, hours_read);
  ASSERT_TRUE(n.ok());
  ASSERT_EQ(*n, 5u);
  for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ(hours_read[i].volume, microlitres(40));
  EXPECT_EQ(rig.implant->storage_write_failures(), 0);
}

TEST(Implant, ResetResumesCommittedTherapyAndLogsTheGap) {
  Body body;
  Rig rig(body);
  rig.start(morphine_continuous(DoseRate(24'000'000)));
  rig.run_for(hours(2) + minutes(30));
  // A watchdog reset 30 minutes after the last hourly checkpoint; back up 10 minutes later.
  rig.reset(rig.now + minutes(10));
  EXPECT_TRUE(rig.report.resumed);
  // The gap runs from the last full checkpoint (the program command); the hourly delivery
  // records cover two of its hours, the last 40 minutes are assumed delivered.
  EXPECT_EQ(rig.report.gap, hours(2) + minutes(40));
  EXPECT_NEAR(static_cast<double>(rig.implant->engine().reservoir_remaining().count()),
              static_cast<double>(
                  (millilitres(18) - microlitres(80) - volume_over(FlowRate(960'000), minutes(40)))
                      .count()),
              1000.0);
  EXPECT_EQ(rig.implant->engine().activity(), Activity::kBasal);
  EXPECT_TRUE(rig.has_log(static_cast<std::uint16_t>(engine::EventKind::kResumedAfterReset)));
  EXPECT_TRUE(rig.has_log(static_cast<std::uint16_t>(ImplantLogCode::kBoot)));
  // The first stroke comes one stroke interval after boot (36 s... no burst).
  const std::int64_t strokes_before = body.motor.completed;
  rig.run_for(minutes(1));
  EXPECT_LE(body.motor.completed - strokes_before, 1);
  rig.run_for(days(1));
  EXPECT_NEAR(static_cast<double>(body.motor.completed - strokes_before), 960.0, 1.0);
}

// Issue 10: a lone power cut is not a storage failure. The hours recorded after the checkpoint
// are there at boot; the restored checkpoint's hour must not be recorded again after them (the
// history refuses it, and the boot counted a write failure).
TEST(Implant, ALonePowerCutReportsNoStorageFailureAndRecordsNoHourTwice) {
  Body body;
  Rig rig(body);
  rig.start(morphine_continuous(DoseRate(24'000'000)));
  rig.run_for(hours(2) + minutes(30));
  rig.reset(rig.now + minutes(10), hal::ResetCause::kPowerOn);
  EXPECT_TRUE(rig.report.resumed);
  EXPECT_EQ(rig.implant->storage_write_failures(), 0);
  EXPECT_FALSE(rig.has_log(static_cast<std::uint16_t>(ImplantLogCode::kStorageWriteFailed)));
  rig.run_for(hours(3));
  EXPECT_EQ(rig.implant->storage_write_failures(), 0);
  std::vector<storage::HourRecord> hours_read(20);
  const Result<std::size_t> n = rig.implant->delivery_history().read_hours(0, 20, hours_read);
  ASSERT_TRUE(n.ok());
  // Hours 0 and 1 before the cut, then from the boot's hour on; each once, rising.
  ASSERT_GE(*n, 4u);
  for (std::size_t i = 1; i < *n; ++i) {
    EXPECT_GT(hours_read[i].hour_index, hours_read[i - 1].hour_index);
  }
  EXPECT_EQ(hours_read[0].hour_index, 0);
  EXPECT_EQ(hours_read[1].hour_index, 1);
  EXPECT_EQ(hours_read[2].hour_index, 2);  // the boot's hour (the cut hour had no record)
  EXPECT_EQ(hours_read[*n - 1].hour_index, 4);
}

// The exhaustive test: cut the power at every flash write of a scenario, one run per
// point, restart, and check what must survive.
struct Step {
  Duration run;  // run this long, then do the action
  int action;    // 0 nothing, 1 program A, 2 program B, 3 patient bolus, 4 clinician bolus,
                 // 5 refill
};

therapy::Prescription program_a() {
  therapy::Prescription rx = morphine_continuous(DoseRate(24'000'000));
  rx.patient_bolus = therapy::testing::patient_bolus(micrograms(500), minutes(10), 4, hours(1));
  return rx;
}
therapy::Prescription program_b() {
  therapy::Prescription rx =
      therapy::testing::morphine_flex({{0, 12'000'000}, {480, 36'000'000}, {1200, 12'000'000}});
  rx.patient_bolus = program_a().patient_bolus;
  return rx;
}

struct CutOutcome {
  bool cut = false;
  int committed_program = 0;  // 0 none, 1 A, 2 B
  int program_in_flight = 0;  // the program() during which the cut happened
  std::uint32_t committed_log_seq = 0;
};

CutOutcome run_scenario(Rig& rig, Body& body, std::int64_t cut_after /* -1: no cut */) {
  const std::vector<Step> steps = {
      {Duration(0), 5}, {Duration(0), 1}, {hours(2), 3}, {minutes(90), 4}, {hours(3), 2},
      {minutes(70), 3}, {hours(5), 0},    {hours(1), 5}, {hours(2), 1},    {hours(1), 0}};
  CutOutcome out;
  if (cut_after >= 0) body.flash.cut_power_after(static_cast<std::uint64_t>(cut_after));
  for (const Step& step : steps) {
    rig.run_for(step.run);
    if (!body.flash.powered()) break;
    const std::int64_t failures = rig.implant->storage_write_failures();
    int programmed = 0;
    switch (step.action) {
      case 1:
        programmed = rig.implant->program(program_a(), rig.now).ok() ? 1 : 0;
        break;
      case 2:
        programmed = rig.implant->program(program_b(), rig.now).ok() ? 2 : 0;
        break;
      case 3:
        (void)rig.implant->patient_bolus(rig.now);
        break;
      case 4:
        (void)rig.implant->clinician_bolus(milligrams(1), minutes(30), rig.now);
        break;
      case 5:
        (void)rig.implant->refill(fill(millilitres(18)), rig.now);
        break;
      default:
        break;
    }
    if (!body.flash.powered()) {
      out.program_in_flight = programmed;
      break;
    }
    if (programmed != 0 && rig.implant->storage_write_failures() == failures) {
      out.committed_program = programmed;
    }
    out.committed_log_seq = rig.implant->event_log().newest_seq();
  }
  out.cut = !body.flash.powered();
  return out;
}

TEST(Implant, PowerCutAtEveryWritePointLosesNothingCommitted) {
  std::uint64_t writes = 0;
  {
    Body body;
    Rig rig(body);
    const std::uint64_t at_boot = body.flash.operations();
    const CutOutcome o = run_scenario(rig, body, -1);
    ASSERT_FALSE(o.cut);
    ASSERT_EQ(o.committed_program, 1);
    writes = body.flash.operations() - at_boot;
  }
  ASSERT_GT(writes, 100u);
  int cuts = 0;
  for (std::uint64_t k = 0; k < writes; ++k) {
    SCOPED_TRACE(testing::Message() << "power cut at write " << k << " of " << writes);
    Body body;
    Rig rig(body);
    const CutOutcome o = run_scenario(rig, body, static_cast<std::int64_t>(k));
    ASSERT_TRUE(o.cut);
    ++cuts;
    // Power comes back an hour later.
    body.flash.power_restore();
    rig.reset(rig.now + hours(1));
    // 1. The last committed prescription is intact (or the one being committed, if its copy
    //    was complete when the power went).
    const therapy::Prescription& rx = rig.implant->engine().prescription();
    const bool is_committed = (o.committed_program == 1 && same_prescription(rx, program_a())) ||
                              (o.committed_program == 2 && same_prescription(rx, program_b())) ||
                              (o.committed_program == 0 && rx.mode == therapy::BasalMode::kStopped);
    const bool is_in_flight = (o.program_in_flight == 1 && same_prescription(rx, program_a())) ||
                              (o.program_in_flight == 2 && same_prescription(rx, program_b()));
    ASSERT_TRUE(is_committed || is_in_flight);
    EXPECT_FALSE(rig.report.settings_corrupt);
    // 2. No log record whose append returned Ok is lost.
    std::vector<storage::LogRecord> records(6000);
    const Result<std::size_t> n = rig.implant->event_log().read_from(1, records);
    ASSERT_TRUE(n.ok());
    std::uint32_t expected = 1;
    for (std::size_t i = 0; i < *n && records[i].seq <= o.committed_log_seq; ++i) {
      ASSERT_EQ(records[i].seq, expected);
      ++expected;
    }
    ASSERT_EQ(expected, o.committed_log_seq + 1);
    // 3. The gap is logged, and 4. delivery resumes at the next wake-up if therapy was on.
    EXPECT_TRUE(rig.has_log(static_cast<std::uint16_t>(ImplantLogCode::kBoot)));
    if (rx.mode != therapy::BasalMode::kStopped && rig.report.resumed) {
      EXPECT_TRUE(rig.has_log(static_cast<std::uint16_t>(engine::EventKind::kResumedAfterReset)));
      const std::int64_t before = body.motor.completed;
      ASSERT_FALSE(rig.implant->next_wake().is_never());
      rig.run_for(hours(3));
      EXPECT_GT(body.motor.completed, before);
      EXPECT_FALSE(rig.implant->alarms().is_active(AlarmKind::kCriticalMemoryError));
    }
  }
  EXPECT_EQ(static_cast<std::uint64_t>(cuts), writes);
  std::printf("power cut at each of %llu write points: all recovered\n",
              static_cast<unsigned long long>(writes));
}

TEST(Implant, BitFlipInLivePrescriptionIsCaughtBeforeUse) {
  Body body;
  Rig rig(body);
  rig.start(program_a());
  rig.run_for(minutes(30));
  // A particle flips a bit of the continuous dose in RAM.
  const std::size_t offset = offsetof(therapy::Prescription, continuous_dose);
  rig.implant->live_prescription_ram()[offset + 2] ^= 0x10;
  rig.run_for(hours(24));  // past the daily check (continuous flow is not re-read before)
  EXPECT_EQ(rig.implant->engine().activity(), Activity::kHalted);
  EXPECT_TRUE(rig.implant->alarms().is_active(AlarmKind::kCriticalMemoryError));
  EXPECT_TRUE(rig.has_log(static_cast<std::uint16_t>(ImplantLogCode::kPrescriptionCorrupt)));
  // A command that would use it is checked first, too.
  EXPECT_EQ(rig.implant->patient_bolus(rig.now).reason, therapy::BolusRefusal::kTherapyStopped);
  // Reprogramming restores therapy.
  ASSERT_TRUE(rig.implant->program(morphine_continuous(DoseRate(24'000'000)), rig.now).ok());
  EXPECT_EQ(rig.implant->engine().activity(), Activity::kBasal);
  EXPECT_FALSE(rig.implant->alarms().is_active(AlarmKind::kCriticalMemoryError));
}

TEST(Implant, CorruptSettingsGiveASafeLoggedState) {
  Body body;
  {
    Rig rig(body);
    rig.start(morphine_continuous(DoseRate(24'000'000)));
    rig.run_for(hours(2));
  }
  // Both settings copies damaged.
  const std::uint32_t sector = storage::kImplantFlash.sector_size;
  body.flash.flip_bit(storage::kDefaultLayout.settings_a.first_sector * sector + 100, 3);
  body.flash.flip_bit(storage::kDefaultLayout.settings_b.first_sector * sector + 100, 3);
  Rig rig(body, ImplantTime(0) + hours(3));
  EXPECT_TRUE(rig.report.settings_corrupt);
  EXPECT_FALSE(rig.report.resumed);
  EXPECT_EQ(rig.implant->engine().activity(), Activity::kStopped);
  EXPECT_TRUE(rig.implant->alarms().is_active(AlarmKind::kCriticalMemoryError));
  EXPECT_TRUE(rig.has_log(static_cast<std::uint16_t>(ImplantLogCode::kSettingsCorrupt)));
  // The log itself survived: the earlier records are still there.
  EXPECT_TRUE(rig.has_log(static_cast<std::uint16_t>(engine::EventKind::kPrescriptionProgrammed)));
}

TEST(Implant, OneBadSettingsCopyFallsBackToTheOther) {
  Body body;
  {
    Rig rig(body);
    rig.start(morphine_continuous(DoseRate(24'000'000)));
    rig.run_for(hours(2));
    // Another command: both copies now hold the program.
    rig.implant->set_clock(WallTime(kMonday.ms() + rig.now.ms()), rig.now);
  }
  const std::uint32_t sector = storage::kImplantFlash.sector_size;
  body.flash.flip_bit(storage::kDefaultLayout.settings_a.first_sector * sector + 100, 3);
  Rig rig(body, ImplantTime(0) + hours(3));
  EXPECT_TRUE(rig.report.resumed);
  EXPECT_EQ(rig.implant->engine().activity(), Activity::kBasal);
  // Copy A was the older one: the newest runs, and the bad copy is on record for the clinic.
  EXPECT_FALSE(rig.implant->alarms().is_active(AlarmKind::kCriticalMemoryError));
  EXPECT_TRUE(rig.has_log(static_cast<std::uint16_t>(ImplantLogCode::kSettingsCopyDamaged)));
}

// A settings copy of format 7 (the last before a flex step was 8 bytes: the engine's
// prescription then took 7 x 48 x 8 bytes more) after an update: refused as another format,
// never read as today's layout. The implant starts stopped with the critical memory alarm, as
// for any copy it cannot trust; a clinician's new program restores therapy and is kept.
TEST(Implant, ASettingsCopyOfTheFormatBeforeIsRefusedNotMisread) {
  static_assert(kPersistentStateFormat == 8, "update this test's old format with the format");
  Body body;
  const std::uint32_t old_size =
      static_cast<std::uint32_t>(sizeof(PersistentState)) + 7 * therapy::kMaxStepsPerDay * 8;
  storage::BlobStore old_store(body.flash, storage::kDefaultLayout.settings_a,
                               storage::kDefaultLayout.settings_b, 7, old_size);
  // What the old firmware would have written: here its size in a recognisable pattern (the
  // bytes are never read as a state: the format and size in the trailer refuse it first).
  std::vector<std::uint8_t> old_copy(old_size, 0x5A);
  ASSERT_TRUE(old_store.commit(old_copy).ok());

  Rig rig(body, ImplantTime(0) + hours(1));
  EXPECT_FALSE(rig.report.resumed);
  EXPECT_TRUE(rig.report.settings_corrupt);
  EXPECT_FALSE(rig.report.settings_newest_lost);
  EXPECT_EQ(rig.implant->engine().activity(), Activity::kStopped);
  EXPECT_FALSE(rig.implant->engine().filled());
  EXPECT_TRUE(rig.implant->alarms().is_active(AlarmKind::kCriticalMemoryError));
  EXPECT_TRUE(rig.has_log(static_cast<std::uint16_t>(ImplantLogCode::kSettingsCorrupt)));
  rig.run_for(hours(6));
  EXPECT_EQ(body.motor.completed, 0);

  rig.start(morphine_continuous(DoseRate(3'000'000)));
  EXPECT_EQ(rig.implant->engine().activity(), Activity::kBasal);
  EXPECT_FALSE(rig.implant->alarms().is_active(AlarmKind::kCriticalMemoryError));
  rig.reset(rig.now + minutes(5));
  EXPECT_TRUE(rig.report.resumed);
  EXPECT_FALSE(rig.report.settings_corrupt);
  EXPECT_EQ(rig.implant->engine().prescription().continuous_dose, DoseRate(3'000'000));
}

// Issue 11: 8 mg/day, then 3 mg/day; one bit of the newest copy flips; after a restart the
// implant must not resume 8 mg/day. It stops, raises the critical memory alarm and logs why;
// a clinician's new program restores therapy.
TEST(Implant, DamagedNewestSettingsNeverBringBackTheOlderPrescription) {
  Body body;
  {
    Rig rig(body);
    rig.start(morphine_continuous(DoseRate(8'000'000)));
    rig.run_for(hours(2));
    ASSERT_TRUE(rig.implant->program(morphine_continuous(DoseRate(3'000'000)), rig.now).ok());
  }
  // Which copy is the newest: the one whose damage the store refuses to roll back past.
  storage::SettingsStore<PersistentState> store(body.flash, storage::kDefaultLayout.settings_a,
                                                storage::kDefaultLayout.settings_b,
                                                kPersistentStateFormat);
  auto state = std::make_unique<PersistentState>();
  const Result<storage::SettingsLoad> l = store.load(*state);
  ASSERT_TRUE(l.ok());
  ASSERT_EQ(state->engine.prescription.continuous_dose, DoseRate(3'000'000));
  const storage::Region newest =
      l->copy == 0 ? storage::kDefaultLayout.settings_a : storage::kDefaultLayout.settings_b;
  body.flash.flip_bit(newest.first_sector * storage::kImplantFlash.sector_size + 100, 3);

  Rig rig(body, ImplantTime(0) + hours(3));
  EXPECT_FALSE(rig.report.resumed);
  EXPECT_TRUE(rig.report.settings_corrupt);
  EXPECT_TRUE(rig.report.settings_newest_lost);
  EXPECT_NE(rig.implant->engine().prescription().continuous_dose, DoseRate(8'000'000));
  EXPECT_EQ(rig.implant->engine().activity(), Activity::kStopped);
  EXPECT_TRUE(rig.implant->alarms().is_active(AlarmKind::kCriticalMemoryError));
  EXPECT_TRUE(rig.has_log(static_cast<std::uint16_t>(ImplantLogCode::kSettingsNewestLost)));
  const std::int64_t strokes = body.motor.completed;
  rig.run_for(hours(6));
  EXPECT_EQ(body.motor.completed, strokes);
  // The safe state is committed: a further restart keeps it (and does not log it again).
  rig.reset(rig.now + minutes(5));
  EXPECT_FALSE(rig.report.settings_corrupt);
  EXPECT_TRUE(rig.implant->alarms().is_active(AlarmKind::kCriticalMemoryError));
  EXPECT_EQ(rig.implant->engine().activity(), Activity::kStopped);
  // The clinic refills and programs again: therapy resumes and the alarm clears.
  rig.start(morphine_continuous(DoseRate(3'000'000)));
  EXPECT_EQ(rig.implant->engine().activity(), Activity::kBasal);
  EXPECT_FALSE(rig.implant->alarms().is_active(AlarmKind::kCriticalMemoryError));
}

TEST(Implant, DamagedLogIsReportedAndTherapyGoesOn) {
  Body body;
  {
    Rig rig(body);
    rig.start(morphine_continuous(DoseRate(24'000'000)));
    rig.run_for(hours(2));
  }
  const std::uint32_t sector = storage::kImplantFlash.sector_size;
  body.flash.flip_bit(storage::kDefaultLayout.event_log.first_sector * sector + 12, 1);
  Rig rig(body, ImplantTime(0) + hours(3));
  EXPECT_TRUE(rig.report.resumed);
  EXPECT_EQ(rig.report.damaged_log_slots, 1u);
  EXPECT_TRUE(rig.implant->alarms().is_active(AlarmKind::kNonCriticalMemoryError));
  EXPECT_EQ(rig.implant->engine().activity(), Activity::kBasal);
  // Once the clinic has read the records, the alarm has done its job.
  rig.implant->records_read_by_clinic(rig.now + minutes(5));
  EXPECT_FALSE(rig.implant->alarms().is_active(AlarmKind::kNonCriticalMemoryError));
}

TEST(Implant, ASafetyMonitorResetRemembersTheHourBeforeIt) {
  // Runaway, reset, runaway again: the monitor rebuilt from its flash ledger still counts the
  // strokes before the reset, so the hour holds no more than with no reset at all.
  Body body;
  Rig rig(body);
  rig.start(morphine_continuous(DoseRate(24'000'000)));  // 40 strokes an hour
  rig.run_for(hours(3));
  // One uncommanded stroke: the hour holds 41, its whole allowance (40 and one of slack).
  body.motor.run_away(1);
  rig.run_for(minutes(20));
  ASSERT_FALSE(rig.implant->alarms().is_active(AlarmKind::kSafetyMonitorTrip));
  rig.reset(rig.now + minutes(1));
  EXPECT_EQ(rig.implant->safety().delivered_last_hour(), microlitres(40));
  EXPECT_GE(rig.implant->safety().delivered_last_day(), microlitres(121));
  // Two more uncommanded strokes within the hour of the first: caught at once (a monitor that
  // started empty would allow them and more: the reset dropped what was pending).
  body.motor.run_away(2);
  rig.run_for(minutes(1));
  EXPECT_TRUE(rig.implant->alarms().is_active(AlarmKind::kSafetyMonitorTrip));
  EXPECT_EQ(rig.implant->safety().trip().window, safety::TripWindow::kOneHour);
  EXPECT_LE(rig.implant->safety().trip().delivered, microlitres(42));
  EXPECT_FALSE(body.motor.enabled);
}

TEST(Implant, ASafetyMonitorResetKeepsTheExactDay) {
  // Uncommanded strokes one every two hours, too slow for the hour (41 allowed, 40 programmed),
  // and a reset among them: the monitor rebuilt from its ledger's packs counts the same 24 h as
  // before it, and cuts the motor at the stroke that takes a day beyond its allowance (960 and
  // one of slack), not one later.
  Body body;
  Rig rig(body);
  rig.start(morphine_continuous(DoseRate(24'000'000)));  // 40 strokes an hour
  rig.run_for(hours(30));
  body.motor.run_away(1);  // the day holds 961: its whole allowance
  rig.run_for(hours(2));
  ASSERT_FALSE(rig.implant->alarms().is_active(AlarmKind::kSafetyMonitorTrip));
  const Volume day_before = rig.implant->safety().delivered_last_day();
  EXPECT_EQ(day_before, microlitres(961));
  rig.reset(rig.now + Duration(1));
  // The same strokes, less any that left the window in the millisecond of the reset.
  EXPECT_LE(rig.implant->safety().delivered_last_day(), day_before);
  EXPECT_GE(rig.implant->safety().delivered_last_day(), day_before - microlitres(1));
  // The reset dropped what the scheduler had pending (less than a stroke): the second or third
  // uncommanded stroke after it is the one beyond the allowance.
  int uncommanded = 0;
  for (; uncommanded < 12 && !rig.implant->alarms().is_active(AlarmKind::kSafetyMonitorTrip);
       ++uncommanded) {
    body.motor.run_away(1);
    rig.run_for(hours(2));
  }
  EXPECT_LE(uncommanded, 2);
  ASSERT_TRUE(rig.implant->alarms().is_active(AlarmKind::kSafetyMonitorTrip));
  EXPECT_EQ(rig.implant->safety().trip().window, safety::TripWindow::kOneDay);
  EXPECT_EQ(rig.implant->safety().trip().allowed, microlitres(961));
  EXPECT_EQ(rig.implant->safety().trip().delivered, microlitres(962));
  EXPECT_FALSE(body.motor.enabled);
}

TEST(Implant, ACorrectDeliveryAcrossResetsNeverTripsTheSafetyMonitor) {
  Body body;
  Rig rig(body);
  rig.start(morphine_continuous(DoseRate(24'000'000)));
  for (int i = 0; i < 6; ++i) {
    rig.run_for(hours(3) + minutes(17 * i));
    rig.reset(rig.now + minutes(i));
  }
  rig.run_for(days(2));
  EXPECT_FALSE(rig.implant->alarms().is_active(AlarmKind::kSafetyMonitorTrip));
  EXPECT_FALSE(rig.has_log(static_cast<std::uint16_t>(ImplantLogCode::kSafetyTrip)));
}

TEST(Implant, AResetAfterTheLedgerWrappedDoesNotTripTheSafetyMonitor) {
  // Days of one continuous program: the ledger's rings have wrapped past the program's own rate
  // record; the rate told again every hour still gives the rebuilt monitor the day before it.
  Body body;
  Rig rig(body);
  rig.start(morphine_continuous(DoseRate(24'000'000)));
  rig.run_for(days(4) + hours(3));
  rig.reset(rig.now + minutes(30));
  rig.run_for(days(2));
  EXPECT_FALSE(rig.implant->alarms().is_active(AlarmKind::kSafetyMonitorTrip));
  EXPECT_FALSE(rig.has_log(static_cast<std::uint16_t>(ImplantLogCode::kSafetyTrip)));
}

TEST(Implant, AResetAfterTheDayRingWrappedFindsTheDaysStartAndDoesNotTrip) {
  // 5 mg/day of 25 mg/mL: 200 strokes a day, 16 packs. By day 140 the day ring (2,210 slots,
  // 2,125 packs always kept) has wrapped and holds more packs than it always keeps, and the pack
  // a day back is further from the oldest than that: after the reset the monitor must still find
  // it. The lookup gave up at the capacity, kept the whole day before the open pack counted for
  // another day and tripped the 24 h window 15 minutes later, halting therapy (found by the
  // fleet campaigns with this very program and cut).
  Body body;
  Rig rig(body);
  rig.start(morphine_continuous(DoseRate(5'000'000)));
  rig.run_until(ImplantTime(days(80).count() + hours(10).count()));
  ASSERT_TRUE(rig.implant->refill(fill(millilitres(18)), rig.now).ok());
  rig.run_until(ImplantTime(days(140).count() + hours(21).count()));
  const Volume day_before = rig.implant->safety().delivered_last_day();
  EXPECT_EQ(day_before, microlitres(200));
  rig.reset(rig.now + minutes(1), hal::ResetCause::kPowerOn);
  ASSERT_TRUE(rig.report.resumed);
  // The same day as before the reset, less what left it in the minute.
  EXPECT_LE(rig.implant->safety().delivered_last_day(), day_before);
  EXPECT_GE(rig.implant->safety().delivered_last_day(), day_before - microlitres(1));
  // Strokes leave the window as they did before: never more than a day's 200 and one.
  for (int hour = 0; hour < 26; ++hour) {
    rig.run_for(hours(1));
    EXPECT_LE(rig.implant->safety().delivered_last_day().count(), microlitres(201).count())
        << "nL in the day window, hour " << hour << " after the reset";
  }
  EXPECT_FALSE(rig.implant->alarms().is_active(AlarmKind::kSafetyMonitorTrip));
  EXPECT_FALSE(rig.has_log(static_cast<std::uint16_t>(ImplantLogCode::kSafetyTrip)));
  EXPECT_NE(rig.implant->engine().activity(), Activity::kHalted);
}

TEST(Implant, AFlashReadErrorAtTheFirstLookUpAfterAResetIsAskedAgainAndDoesNotTrip) {
  // 5 mg/day of 25 mg/mL: 200 strokes a day. After a reset the first read of the flash (the
  // day window's look-up of its start) fails. The monitor stood in its open pack for the day's
  // start and never asked again: the day before the open pack stayed counted beside the new
  // strokes and the 24 h window tripped within minutes, halting therapy.
  Body body;
  Rig rig(body);
  rig.start(morphine_continuous(DoseRate(5'000'000)));
  rig.run_until(ImplantTime(days(3).count() + hours(5).count()));
  const Volume day_before = rig.implant->safety().delivered_last_day();
  EXPECT_EQ(day_before, microlitres(200));
  rig.reset(rig.now + minutes(1), hal::ResetCause::kPowerOn);
  ASSERT_TRUE(rig.report.resumed);
  body.flash.fail_reads(1);
  for (int hour = 0; hour < 26; ++hour) {
    rig.run_for(hours(1));
    EXPECT_LE(rig.implant->safety().delivered_last_day().count(), microlitres(201).count())
        << "nL in the day window, hour " << hour << " after the reset";
  }
  EXPECT_EQ(body.flash.failed_reads(), 1u);
  EXPECT_FALSE(rig.implant->alarms().is_active(AlarmKind::kSafetyMonitorTrip));
  EXPECT_FALSE(rig.has_log(static_cast<std::uint16_t>(ImplantLogCode::kSafetyTrip)));
  EXPECT_NE(rig.implant->engine().activity(), Activity::kHalted);
}

// A reset during priming: the priming resumes and the safety monitor, rebuilt from its ledger
// (the authorised priming included), lets it through (it tripped and halted therapy before the
// ledger: found by issue 11's demo, a virtual implant stopped and started while it primed).
TEST(Implant, APrimingInterruptedByAResetResumesWithoutTrippingTheSafetyMonitor) {
  Body body;
  Rig rig(body);
  ASSERT_TRUE(rig.implant->refill(fill(millilitres(18)), rig.now).ok());
  ASSERT_TRUE(rig.implant->prime(microlitres(160), rig.now).ok());
  ASSERT_EQ(rig.implant->engine().activity(), Activity::kPriming);
  rig.run_for(minutes(5));
  rig.reset(rig.now + seconds(3));
  ASSERT_TRUE(rig.report.resumed);
  rig.run_for(hours(2));  // past the priming's end and through the monitor's hour
  EXPECT_FALSE(rig.implant->alarms().is_active(AlarmKind::kSafetyMonitorTrip));
  EXPECT_FALSE(rig.has_log(static_cast<std::uint16_t>(ImplantLogCode::kSafetyTrip)));
  EXPECT_NE(rig.implant->engine().activity(), Activity::kHalted);
  // What was primed stays within what was authorised: dead volume and catheter, and a stroke.
  EXPECT_LE(rig.implant->engine().delivered(),
            body.config.pump.pump_dead_volume + microlitres(160) + body.config.pump.stroke_volume);
}

TEST(Implant, RunawayMotorTripsTheSafetyMonitor) {
  Body body;
  Rig rig(body);
  rig.start(morphine_continuous(DoseRate(24'000'000)));
  rig.run_for(hours(3));
  // The driver runs the motor by itself: 10 uncommanded strokes a minute, each waking the
  // implant through the rotor sensor.
  for (int i = 0; i < 60 && !rig.implant->alarms().is_active(AlarmKind::kSafetyMonitorTrip); ++i) {
    body.motor.run_away(10);
    rig.run_for(minutes(1));
  }
  EXPECT_TRUE(rig.implant->alarms().is_active(AlarmKind::kSafetyMonitorTrip));
  EXPECT_FALSE(body.motor.enabled);
  EXPECT_EQ(rig.implant->engine().activity(), Activity::kHalted);
  EXPECT_TRUE(rig.has_log(static_cast<std::uint16_t>(ImplantLogCode::kSafetyTrip)));
  // Powered off, the motor moves no more.
  const std::uint32_t sensed = body.motor.sensed;
  body.motor.run_away(10);
  EXPECT_EQ(body.motor.sensed, sensed);
  // A clinician who has dealt with the cause programs again: the trip clears, the driver is on.
  rig.now = rig.now + hours(1);
  ASSERT_TRUE(rig.implant->program(morphine_continuous(DoseRate(24'000'000)), rig.now).ok());
  EXPECT_FALSE(rig.implant->alarms().is_active(AlarmKind::kSafetyMonitorTrip));
  EXPECT_TRUE(body.motor.enabled);
  rig.run_for(hours(2));
  EXPECT_FALSE(rig.implant->alarms().is_active(AlarmKind::kSafetyMonitorTrip));
}

TEST(Implant, SchedulerFaultTripsTheSafetyMonitor) {
  Body body;
  Rig rig(body);
  rig.start(morphine_continuous(DoseRate(24'000'000)));
  rig.run_for(hours(3));
  // The scheduler's cached flow is corrupted to 10x: it will call for ten times the strokes.
  delivery::StrokeScheduler::State corrupted{};
  std::span<std::uint8_t> ram = rig.implant->live_scheduler_ram();
  std::memcpy(&corrupted, ram.data(), sizeof(corrupted));
  corrupted.continuous_flow = corrupted.continuous_flow * 10;
  std::memcpy(ram.data(), &corrupted, sizeof(corrupted));
  rig.run_for(hours(1));
  EXPECT_TRUE(rig.implant->alarms().is_active(AlarmKind::kSafetyMonitorTrip));
  EXPECT_EQ(rig.implant->engine().activity(), Activity::kHalted);
  // Caught within the hour: far less than an hour at 10x was delivered.
  EXPECT_LT(rig.implant->safety().delivered_last_hour(), microlitres(120));
}

TEST(Implant, StallAndOcclusionAlarms) {
  Body body;
  Rig rig(body);
  rig.start(morphine_continuous(DoseRate(24'000'000)));
  rig.run_for(hours(2));
  body.motor.stalled = true;  // an MRI
  rig.run_for(minutes(30));
  EXPECT_TRUE(rig.implant->alarms().is_active(AlarmKind::kMotorStall));
  body.motor.stalled = false;
  rig.run_for(minutes(30));
  EXPECT_FALSE(rig.implant->alarms().is_active(AlarmKind::kMotorStall));
  EXPECT_GT(rig.implant->engine().missed(), Volume(0));
  body.motor.load_permille = 800;  // the catheter kinks
  rig.run_for(hours(1));
  EXPECT_TRUE(rig.implant->alarms().is_active(AlarmKind::kOcclusion));
  body.motor.load_permille = 400;
  rig.run_for(hours(1));
  EXPECT_FALSE(rig.implant->alarms().is_active(AlarmKind::kOcclusion));
}

TEST(Implant, ReservoirRefillAndStoppedAlarms) {
  Body body;
  Rig rig(body);
  RefillOrder order = fill(millilitres(3));
  order.refill_due_in = days(30);
  order.drug_stable_for = days(20);
  ASSERT_TRUE(rig.implant->refill(order, rig.now).ok());
  ASSERT_TRUE(rig.implant->program(morphine_continuous(DoseRate(24'000'000)), rig.now).ok());
  rig.run_for(days(2));
  EXPECT_TRUE(rig.implant->alarms().is_active(AlarmKind::kLowReservoir));
  rig.run_for(days(2));
  EXPECT_TRUE(rig.implant->alarms().is_active(AlarmKind::kReservoirEmpty));
  rig.run_for(hours(5));
  EXPECT_TRUE(rig.implant->alarms().is_active(AlarmKind::kPumpStopped));
  rig.run_for(days(17));
  EXPECT_TRUE(rig.implant->alarms().is_active(AlarmKind::kDrugExpired));
  EXPECT_FALSE(rig.implant->alarms().is_active(AlarmKind::kRefillOverdue));
  rig.run_for(days(10));
  EXPECT_TRUE(rig.implant->alarms().is_active(AlarmKind::kRefillOverdue));
  ASSERT_TRUE(rig.implant->refill(fill(millilitres(18)), rig.now).ok());
  rig.run_for(hours(1));
  for (AlarmKind k : {AlarmKind::kLowReservoir, AlarmKind::kReservoirEmpty, AlarmKind::kPumpStopped,
                      AlarmKind::kDrugExpired, AlarmKind::kRefillOverdue}) {
    EXPECT_FALSE(rig.implant->alarms().is_active(k)) << alarms::name(k);
  }
}

TEST(Implant, ClockLostUntilSet) {
  Body body;
  Rig rig(body);
  rig.implant->clock_lost(rig.now);
  EXPECT_TRUE(rig.implant->alarms().is_active(AlarmKind::kClockLost));
  rig.implant->set_clock(WallTime(kMonday.ms() + hours(5).count()), rig.now);
  EXPECT_FALSE(rig.implant->alarms().is_active(AlarmKind::kClockLost));
}

TEST(Implant, BitFlipInAFlexStepIsCaughtAtTheStepChange) {
  Body body;
  Rig rig(body);
  ASSERT_TRUE(rig.implant->refill(fill(millilitres(18)), rig.now).ok());
  // A step change at 07:50, between two hourly checkpoints.
  const therapy::Prescription rx =
      therapy::testing::morphine_flex({{0, 12'000'000}, {470, 36'000'000}, {1200, 12'000'000}});
  ASSERT_TRUE(rig.implant->program(rx, rig.now).ok());
  rig.run_for(hours(7) + minutes(30));
  // The 07:50 step's dose is hit: the top bit of its 32-bit count of ng/day, 36 mg/day becomes
  // about 2.2 g/day. The dose's top byte found from a step whose dose has only that byte set.
  const therapy::FlexStep probe = therapy::testing::flex_step(0, DoseRate(0x80'00'00'00));
  std::size_t top = 0;
  while (top < sizeof probe && reinterpret_cast<const std::uint8_t*>(&probe)[top] != 0x80) ++top;
  ASSERT_LT(top, sizeof probe);
  const std::size_t offset = offsetof(therapy::Prescription, flex) +
                             offsetof(therapy::FlexProgram, days) +
                             offsetof(therapy::DayProgram, steps) + sizeof(therapy::FlexStep) + top;
  rig.implant->live_prescription_ram()[offset] ^= 0x80;
  const std::int64_t strokes = body.motor.completed;
  rig.run_until(ImplantTime(0) + hours(7) + minutes(59));
  EXPECT_EQ(rig.implant->engine().activity(), Activity::kHalted);
  EXPECT_TRUE(rig.implant->alarms().is_active(AlarmKind::kCriticalMemoryError));
  // Nothing was delivered at the corrupted rate: only the strokes due before 07:50.
  EXPECT_LE(body.motor.completed - strokes, 10);
}

TEST(Implant, PatientBolusLimitsHoldAcrossAReset) {
  Body body;
  Rig rig(body);
  ASSERT_TRUE(rig.implant->refill(fill(millilitres(18)), rig.now).ok());
  therapy::Prescription rx = program_a();
  rx.patient_bolus.max_per_24h = 2;
  ASSERT_TRUE(rig.implant->program(rx, rig.now).ok());
  rig.run_for(hours(1));
  ASSERT_TRUE(rig.implant->patient_bolus(rig.now).granted);
  rig.run_for(hours(2));
  ASSERT_TRUE(rig.implant->patient_bolus(rig.now).granted);
  const Volume before = rig.implant->engine().reservoir_remaining();
  // The grants are in the log, not in a checkpoint: a reset must still count them.
  rig.reset(rig.now + minutes(5));
  const therapy::BolusDecision d = rig.implant->patient_bolus(rig.now);
  EXPECT_FALSE(d.granted);
  EXPECT_EQ(d.reason, therapy::BolusRefusal::kDailyLimit);
  EXPECT_EQ(d.next_allowed, ImplantTime(0) + hours(25));
  // And the reservoir account did not forget them.
  EXPECT_LE(rig.implant->engine().reservoir_remaining(), before);
}

}  // namespace
}  // namespace itdd::app

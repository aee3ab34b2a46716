// The implant: the therapy engine with everything that keeps it safe around it.
//   - storage: the state is checkpointed to flash (two CRC-checked copies) after every command
//     and weekly, the delivery of each hour is recorded, every event is logged; after any
//     reset boot() resumes the committed therapy, replays the hourly records and the patient
//     boluses logged since the checkpoint, assumes the rest of the gap was delivered (never
//     catches up) and logs the gap;
//   - the safety monitor judges the rotor sensor against its own copy of the prescription and,
//     on a breach, cuts the motor driver, halts therapy and raises a critical alarm;
//   - the motor supervisor turns stroke feedback into stall and occlusion alarms;
//   - the live prescription carries a CRC taken when it was programmed, checked at every
//     checkpoint and command: a mismatch (a RAM bit flip) halts therapy with a critical alarm;
//   - the battery monitor judges the cell daily from the loaded voltage and the implant's own
//     energy counters (strokes, radio sessions, tone time, sleep): ERI is raised while at least
//     90 days of therapy at the current program remain; at EOS therapy stops; a brown-out reset
//     raises the critical low-battery-reset alarm;
//   - the alarm manager sounds what is active.
// Event-driven like the modules it holds: next_wake() is the earliest of theirs.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "itdd/alarms/alarm_events.h"
#include "itdd/alarms/alarm_manager.h"
#include "itdd/app/command_journal.h"
#include "itdd/core/result.h"
#include "itdd/engine/events.h"
#include "itdd/engine/therapy_engine.h"
#include "itdd/hal/buzzer.h"
#include "itdd/hal/motor.h"
#include "itdd/hal/nvm.h"
#include "itdd/hal/power_sense.h"
#include "itdd/hal/reset_cause.h"
#include "itdd/power/battery_monitor.h"
#include "itdd/safety/motor_supervisor.h"
#include "itdd/safety/safety_monitor.h"
#include "itdd/storage/delivery_history.h"
#include "itdd/storage/event_log.h"
#include "itdd/storage/layout.h"
#include "itdd/storage/safety_ledger.h"
#include "itdd/storage/settings_store.h"
#include "itdd/therapy/pump_model.h"

namespace itdd::app {

struct ImplantConfig {
  therapy::PumpModel pump{};
  // A full checkpoint (the whole state, two copies) after every command and at least this
  // often; in between, hourly delivery records and the event log carry what changes (a reset
  // replays them), so the big copies are rewritten seldom (flash wear, energy).
  Duration checkpoint_interval = days(7);
  // "Pump stopped" alarm after this long without delivery (stopped, empty or halted).
  Duration pump_stopped_alarm_after = hours(4);
  // The cell and its ERI/EOS rules (from the pump model's data). An invalid configuration
  // leaves the implant without a battery estimate: a memory-error alarm says so at boot.
  power::MonitorConfig battery{};
  // What the battery projection assumes beyond the program's strokes: programmer and patient
  // sessions, and an alarm test (about 4 s of tone) per refill, as yearly averages. An alarm
  // sounding now is assumed to sound at its class's repeat until it is dealt with, at most
  // `sounding_alarm_assumed`, and its tones are counted once (not for every year left). 90 days
  // is the ERI notice: the longest an alarm is meant to sound before the clinic acts (the
  // replacement), far longer than a clinic takes to answer any other alarm (the project's
  // choice, erring toward a shorter projection).
  std::int64_t radio_sessions_per_year = 12;  // or the rate seen so far, if higher
  Duration alarm_test_tone_per_year = seconds(20);
  Duration sounding_alarm_assumed = days(90);
};

// A refill as the clinic orders it: the engine's refill plus the dates it implies.
struct RefillOrder {
  engine::RefillCommand refill{};
  Duration refill_due_in = days(90);    // "refill overdue" after this
  Duration drug_stable_for = days(90);  // "drug past its stability date" after this
};

// Implant-level log codes (engine events use 0x0000-0x00FF, alarm events 0x0100-0x01FF).
enum class ImplantLogCode : std::uint16_t {
  kBoot = 0x0200,             // a = 1 if committed therapy was resumed
  kSettingsCorrupt = 0x0201,  // no settings copy passed its CRC: safe state
  kLogDamaged = 0x0202,       // a = invalid slots found in the log at mount
  kHistoryDamaged = 0x0203,   // a = invalid slots in the delivery history; -1 it does not mount,
                              // -2 the safety ledger does not mount
  kSafetyTrip = 0x0204,       // reason = TripWindow, a = delivered nL, b = allowed nL
  kPrescriptionCorrupt = 0x0205,  // the live prescription failed its CRC
  kClockLost = 0x0206,
  kStorageWriteFailed = 0x0207,         // reason = which store
  kBatteryAssessed = 0x0208,            // reason = BatteryStatus, a = remaining per mille,
                                        // b = projected longevity in hours (logged when it changes)
  kElectiveReplacement = 0x0209,        // reason = BatteryReason, a = longevity h, b = loaded mV
  kEndOfService = 0x020A,               // reason = BatteryReason, a = loaded mV; therapy stopped
  kLowBatteryReset = 0x020B,            // a = loaded mV at boot (0: no reading)
  kBatteryMonitorUnavailable = 0x020C,  // the battery configuration or state was refused
  kSettingsNewestLost = 0x020D,         // a = the damaged copy (0 A, 1 B): the newest settings are
                                        // lost, an older copy is not run; safe state
  kSettingsCopyDamaged = 0x020E,  // a = the damaged copy, b = the seq of the one used: an older
                                  // copy failed its CRC (damage or a cut erase); newest kept
};
// Link-layer records (firmware/app/radio.h) take 0x0300-0x03FF.
inline constexpr std::uint16_t kLinkLogCodeFirst = 0x0300;
inline constexpr std::uint16_t kAlarmLogCodeFirst = 0x0100;

struct BootReport {
  bool resumed = false;               // committed therapy was restored
  bool settings_corrupt = false;      // no committed settings can be trusted: safe state
  bool settings_newest_lost = false;  // ... because the newest copy is damaged (an older one
                                      // is left, and is not run)
  Duration gap{};                     // from the last checkpoint to this boot
  Volume recorded_delivered{};        // in the gap, from the hourly delivery records
  Volume assumed_delivered{};         // in the rest of the gap (no record): assumed, never repeated
  std::uint32_t log_records = 0;
  std::uint32_t damaged_log_slots = 0;
  hal::ResetCause cause = hal::ResetCause::kPowerOn;
  bool end_of_service = false;  // the cell is at end of service: therapy stays stopped
};

// CRCs of the live prescription taken when it was programmed: the header (drug,
// concentration, mode, doses, bolus limits) and each flexible day program.
struct PrescriptionCrc {
  std::uint32_t header = 0;
  std::array<std::uint32_t, 7> days{};
};

// The implant's own part of its settings copies, held in RAM between checkpoints (the
// engine's part is the engine's own state: PersistentState).
struct PersistentFields {
  safety::MotorSupervisor::State motor{};
  ImplantTime checkpoint_at{};
  PrescriptionCrc prescription_crc{};
  std::int64_t hour_delivered_at_start_nl = 0;  // engine.delivered at the start of the hour
  std::int64_t hour_strokes_at_start = 0;
  std::int64_t current_hour = 0;
  ImplantTime stopped_since = ImplantTime::never();
  bool clock_valid = true;
  power::State battery{};
  // What the battery counters have been told so far (engine strokes, alarm tone time).
  std::int64_t battery_strokes_counted = 0;
  std::int64_t battery_tone_ms_counted = 0;
  CommandJournal journal{};
  std::uint32_t program_count = 0;  // prescriptions committed so far: part of the token
};

// Everything the implant keeps in a settings copy, in the copy's layout. No PersistentState is
// held in the implant's RAM: the engine's and the alarm manager's parts are written from their
// own state (the engine's read straight back into it), the rest from and into the implant's
// PersistentFields (storage::BlobStore's parts).
struct PersistentState {
  engine::TherapyEngine::State engine{};
  alarms::AlarmManager::State alarms{};
  PersistentFields implant{};
};
static_assert(offsetof(PersistentState, alarms) == sizeof(engine::TherapyEngine::State) &&
                  offsetof(PersistentState, implant) ==
                      offsetof(PersistentState, alarms) + sizeof(alarms::AlarmManager::State) &&
                  sizeof(PersistentState) ==
                      offsetof(PersistentState, implant) + sizeof(PersistentFields),
              "a settings copy is the engine's state, the alarms' and the implant's fields, "
              "nothing between");

// Bump when PersistentState changes layout: a copy in another format is refused, not misread.
// (Public so that a test can read the implant's settings copies as the implant does.)
// 5: a journal lane per device; 6: the battery counts link work outside sessions; 7: the
// engine's state, the alarms' and then the implant's own fields (PersistentFields); 8: a flex
// step in 8 bytes (therapy::FlexStep: a 16-bit start and a 32-bit dose, was 16 bytes).
inline constexpr std::uint32_t kPersistentStateFormat = 8;

class Implant final : private engine::EventSink,
                      private alarms::AlarmEventSink,
                      private safety::LedgerSink,
                      private safety::StrokeArchive {
 public:
  Implant(const ImplantConfig& config, hal::Motor& motor, hal::Buzzer& buzzer, hal::Nvm& nvm,
          hal::PowerSense& power_sense, ImplantTime now, WallTime wall);
  Implant(const Implant&) = delete;
  Implant& operator=(const Implant&) = delete;

  // Once after power-up: mounts storage, restores the committed state if there is one.
  BootReport boot(ImplantTime now, hal::ResetCause cause = hal::ResetCause::kPowerOn);

  // ---- commands (each is checkpointed when it succeeds) ----
  Status program(const therapy::Prescription& rx, ImplantTime now);
  Result<engine::BridgePlan> refill(const RefillOrder& order, ImplantTime now);
  Status set_catheter_volume(Volume catheter_volume, ImplantTime now);
  Status prime(Volume catheter_volume, ImplantTime now);
  Status clinician_bolus(DrugAmount amount, Duration duration, ImplantTime now);
  therapy::BolusDecision patient_bolus(ImplantTime now);
  void set_clock(WallTime wall, ImplantTime now);
  Status silence_alarm(alarms::AlarmKind kind, Duration duration, ImplantTime now);
  Status alarm_test(ImplantTime now);
  // The real-time clock reports it lost time (e.g. after a brown-out): flexible programs go on
  // with the last known offset and a "clock lost" alarm asks for the clock to be set.
  void clock_lost(ImplantTime now);
  // ---- commands from the radio (command_journal.h) ----
  // A therapy-changing command with this id from this device is about to run: if it is
  // applied, its journal entry is committed with the change itself. end_command() closes it
  // when it was not applied: `remember` records that (in RAM until the next checkpoint; losing
  // it only makes the answer "unknown"), otherwise nothing is journalled (a refused patient
  // request, whose retry is simply asked again).
  void begin_command(CommandSource source, std::uint64_t id);
  void end_command(bool remember = true);
  CommandOutcome command_outcome(CommandSource source, std::uint64_t id) const;
  const CommandJournal& command_journal() const { return persistent_.journal; }
  // Names the committed prescription: changes with every program and refill. A programmer must
  // quote it to replace the prescription (a stale programmer cannot overwrite a newer one).
  std::uint64_t prescription_token() const;
  // Writes a link-layer record (sessions, refusals, pairing) to the event log.
  void log_link_event(ImplantTime at, std::uint16_t code, std::uint8_t reason, std::int64_t a,
                      std::int64_t b);

  // The clinic has read the whole event log and delivery history: what a non-critical memory
  // error reported (damaged records, a bad settings copy) has been seen. Clears that alarm.
  void records_read_by_clinic(ImplantTime now);
  // A programmer or a patient device opened a radio session: its energy is counted.
  enum class RadioPeer : std::uint8_t { kProgrammer, kPatientDevice };
  void radio_session(RadioPeer peer);
  // Link work outside a session (frames, X25519, flash writes): charged to the battery's
  // counters at the configured costs, so the projection sees what an attack costs.
  void link_work(const power::LinkWork& work);

  // ---- the event loop ----
  void on_wake(ImplantTime now);
  ImplantTime next_wake() const { return next_wake_; }

  // ---- reading ----
  const engine::TherapyEngine& engine() const { return engine_; }
  const alarms::AlarmManager& alarms() const { return alarms_; }
  const safety::SafetyMonitor& safety() const { return safety_; }
  const safety::MotorSupervisor& motor_supervisor() const { return supervisor_; }
  // Null when the battery configuration was refused (see ImplantConfig::battery).
  const power::BatteryMonitor* battery() const {
    return battery_.ok() ? &battery_.value() : nullptr;
  }
  // What the battery projection assumes the current program costs.
  power::Consumption battery_consumption(ImplantTime now) const;
  storage::EventLog& event_log() { return log_; }
  storage::DeliveryHistory& delivery_history() { return history_; }
  std::int64_t storage_write_failures() const { return storage_failures_; }
  bool clock_valid() const { return persistent_.clock_valid; }

  // Observers for a host (the simulator's summary); the implant never needs them.
  void observe(engine::EventSink* engine_events, alarms::AlarmEventSink* alarm_events) {
    engine_observer_ = engine_events;
    alarm_observer_ = alarm_events;
  }

  // The RAM that holds the live prescription, for the simulator's fault injector (a cosmic
  // ray): the implant itself never writes it except through program()/refill().
  std::span<std::uint8_t> live_prescription_ram();
  std::span<std::uint8_t> live_scheduler_ram() {
    return engine_.scheduler_ram_for_fault_injection();
  }

 private:
  // Motor with the supervisor in the path: every stroke's feedback is judged.
  class SupervisedMotor final : public hal::Motor {
   public:
    SupervisedMotor(hal::Motor& motor, safety::MotorSupervisor& supervisor)
        : motor_(motor), supervisor_(supervisor) {}
    hal::StrokeFeedback stroke() override;
    std::uint32_t sensed_strokes() const override { return motor_.sensed_strokes(); }
    void set_enabled(bool enabled) override { motor_.set_enabled(enabled); }
    safety::MotorChange take_changes();

   private:
    hal::Motor& motor_;
    safety::MotorSupervisor& supervisor_;
    safety::MotorChange changes_{};
  };

  void record(const engine::TherapyEvent& event) override;
  void record(const alarms::AlarmEvent& event) override;
  void log(ImplantTime at, ImplantLogCode code, std::int64_t a = 0, std::int64_t b = 0,
           std::uint8_t reason = 0);
  void append(const storage::LogRecord& record);
  void after_engine_change(ImplantTime now);
  void handle_motor_changes(ImplantTime now);
  void observe_safety(ImplantTime now);
  // The safety monitor's memory: kept in the ledger as it learns, replayed at boot.
  void strokes_seen(ImplantTime at, std::uint32_t strokes, std::uint32_t first_index) override;
  void strokes_packed(const safety::StrokePack& pack) override;
  bool pack_from(std::uint32_t index, safety::StrokePack* out) override;
  void rate_changed(ImplantTime from, std::int64_t rate) override;
  void bolus_authorised(ImplantTime start, ImplantTime end, Volume volume) override;
  void earlier_patient_extras(ImplantTime until, Volume in_hour, Volume in_day) override;
  void restore_safety(ImplantTime now);
  // kHeader: what every command uses; kInUse: plus today's and tomorrow's day program (what a
  // step change reads); kAll: everything (at boot and daily).
  enum class CrcScope : std::uint8_t { kHeader, kInUse, kAll };
  bool prescription_intact(CrcScope scope) const;
  void check_prescription(ImplantTime now, CrcScope scope = CrcScope::kHeader);
  void track_stopped(ImplantTime now);
  // The checkpoint that ends a command: carries the command's journal entry when one is open.
  void commit_command(ImplantTime now);
  void append_held_grant();
  void feed_battery_counters();
  void check_battery(ImplantTime now);
  bool end_of_service() const {
    return battery_.ok() && battery_->status() == power::BatteryStatus::kEndOfService;
  }
  void checkpoint(ImplantTime now);
  void close_hours(ImplantTime now);
  ImplantTime next_checkpoint() const;
  void hourly(ImplantTime now);
  // What the hourly records after the checkpoint add to the checkpoint's `delivered` and
  // `strokes` (the engine's, as restored).
  engine::DeliveredSince recorded_since_checkpoint(Volume delivered, std::int64_t strokes);
  void replay_patient_boluses();
  void reset_persistent();
  void update_wake();
  template <class Start>
  Status start_override(ImplantTime now, Start start);

  ImplantConfig config_;
  hal::Motor& motor_;
  hal::PowerSense& power_sense_;
  safety::MotorSupervisor supervisor_;
  SupervisedMotor supervised_motor_;
  engine::TherapyEngine engine_;
  safety::SafetyMonitor safety_;
  alarms::AlarmManager alarms_;
  storage::SettingsStore<PersistentState> settings_;
  storage::EventLog log_;
  storage::DeliveryHistory history_;
  storage::SafetyLedger safety_ledger_;
  storage::RingCursor day_cursor_{};      // where the monitor's day window starts in the ledger
  storage::StrokePackRecord day_read_{};  // the pack at the cursor
  bool day_read_valid_ = false;
  Result<power::BatteryMonitor> battery_;
  PersistentFields persistent_{};  // the implant's part of the settings; the engine holds its own
  engine::EventSink* engine_observer_ = nullptr;
  alarms::AlarmEventSink* alarm_observer_ = nullptr;
  std::int64_t storage_failures_ = 0;
  std::uint64_t open_command_ = 0;  // the id of the radio command being run, 0: none
  CommandSource open_command_source_{};
  storage::LogRecord held_grant_{};  // a radio grant's log record, written after its commit
  bool grant_held_ = false;
  bool booted_ = false;
  ImplantTime next_wake_ = ImplantTime::never();  // kept current after every change
  ImplantTime alarm_wake_ = ImplantTime::never();
  bool alarms_changed_ = true;
  alarms::AlarmManager& changing_alarms() {
    alarms_changed_ = true;
    return alarms_;
  }
};

}  // namespace itdd::app

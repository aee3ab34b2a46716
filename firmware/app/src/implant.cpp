#include "itdd/app/implant.h"

#include "itdd/storage/crc32.h"

namespace itdd::app {

using alarms::AlarmKind;
using engine::Activity;
using engine::EventKind;

namespace {

// Bump when PersistentState changes layout: a copy in another format is refused, not misread.
constexpr std::uint32_t kPersistentStateFormat = 1;

static_assert(storage::SettingsStore<PersistentState>::sectors_needed(storage::kImplantFlash) <=
                  storage::kDefaultLayout.settings_a.sector_count,
              "the implant's state must fit one settings copy");

enum class Store : std::uint8_t { kSettings = 1, kLog = 2, kHistory = 3 };

bool delivering(Activity a) {
  return a == Activity::kBasal || a == Activity::kPriming || a == Activity::kClinicianBolus ||
         a == Activity::kBridgeBolus;
}

std::uint32_t crc_of(const therapy::Prescription& rx) {
  return storage::crc32(
      std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(&rx), sizeof(rx)));
}

}  // namespace

// ---- the supervised motor ----

hal::StrokeFeedback Implant::SupervisedMotor::stroke() {
  const hal::StrokeFeedback feedback = motor_.stroke();
  const safety::MotorChange c = supervisor_.on_stroke(
      feedback.outcome == hal::StrokeOutcome::kCompleted, feedback.load_permille);
  changes_.stall_raised |= c.stall_raised;
  changes_.stall_cleared |= c.stall_cleared;
  changes_.occlusion_raised |= c.occlusion_raised;
  changes_.occlusion_cleared |= c.occlusion_cleared;
  return feedback;
}

safety::MotorChange Implant::SupervisedMotor::take_changes() {
  const safety::MotorChange c = changes_;
  changes_ = safety::MotorChange{};
  return c;
}

// ---- construction and boot ----

Implant::Implant(const ImplantConfig& config, hal::Motor& motor, hal::Buzzer& buzzer, hal::Nvm& nvm,
                 ImplantTime now, WallTime wall)
    : config_(config),
      motor_(motor),
      supervised_motor_(motor, supervisor_),
      engine_(config.pump, supervised_motor_, *this, now, wall),
      safety_(config.pump),
      alarms_(buzzer, *this),
      settings_(nvm, storage::kDefaultLayout.settings_a, storage::kDefaultLayout.settings_b,
                kPersistentStateFormat),
      log_(nvm, storage::kDefaultLayout.event_log),
      history_(nvm, storage::kDefaultLayout.delivery_history) {
  persistent_.current_hour = now.ms() / kMillisPerHour;
  safety_.set_wall_offset(Duration(wall.ms() - now.ms()));
}

BootReport Implant::boot(ImplantTime now) {
  BootReport report;
  const Result<storage::RingMount> log_mount = log_.mount();
  const Result<storage::RingMount> history_mount = history_.mount();
  booted_ = true;
  if (log_mount.ok()) {
    report.log_records = log_mount->valid_records;
    // A torn tail is the one record being written at a cut: expected, not damage.
    report.damaged_log_slots = log_mount->invalid_slots - (log_mount->torn_tail ? 1u : 0u);
  }
  const Result<storage::SettingsLoad> loaded = settings_.load(persistent_);
  if (loaded.ok()) {
    engine_.restore(persistent_.engine);
    (void)alarms_.restore(persistent_.alarms);
    supervisor_.restore(persistent_.motor);
    report.resumed = true;
    report.gap = now - persistent_.checkpoint_at;
    if (crc_of(engine_.prescription()) != persistent_.prescription_crc) {
      // The copy passed its own CRC, so this is a fault in what was committed: stop safely.
      check_prescription(now);
    } else {
      report.assumed_delivered = engine_.resume_after_reset(now);
    }
    safety_.set_prescription(engine_.prescription(), now);
    safety_.set_wall_offset(Duration(engine_.wall_clock(now).ms() - now.ms()));
  } else if (storage::is_blank(loaded.error())) {
    persistent_ = PersistentState{};
    persistent_.prescription_crc = crc_of(engine_.prescription());
    persistent_.current_hour = now.ms() / kMillisPerHour;
  } else {
    // Both copies bad: no therapy can be trusted. Safe state until a clinician programs.
    report.settings_corrupt = true;
    persistent_ = PersistentState{};
    persistent_.prescription_crc = crc_of(engine_.prescription());
    persistent_.current_hour = now.ms() / kMillisPerHour;
    (void)alarms_.raise(AlarmKind::kCriticalMemoryError, now);
    log(now, ImplantLogCode::kSettingsCorrupt);
  }
  // Damage found at mount is raised after the restore, which brings back the alarm state.
  if (!log_mount.ok() || report.damaged_log_slots > 0) {
    (void)alarms_.raise(AlarmKind::kNonCriticalMemoryError, now);
    log(now, ImplantLogCode::kLogDamaged, report.damaged_log_slots);
  }
  if (!history_mount.ok() || history_mount->invalid_slots > (history_mount->torn_tail ? 1u : 0u)) {
    (void)alarms_.raise(AlarmKind::kNonCriticalMemoryError, now);
    log(now, ImplantLogCode::kHistoryDamaged,
        history_mount.ok() ? history_mount->invalid_slots : -1);
  }

  safety_.resync_sensor(motor_.sensed_strokes());
  // The motor driver is powered unless a safety trip cut it (a trip halts the engine).
  motor_.set_enabled(engine_.activity() != Activity::kHalted ||
                     !alarms_.is_active(AlarmKind::kSafetyMonitorTrip));
  log(now, ImplantLogCode::kBoot, report.resumed ? 1 : 0, report.gap.count());
  track_stopped(now);
  checkpoint(now);
  return report;
}

// ---- logging ----

void Implant::append(const storage::LogRecord& record) {
  if (!booted_ || !log_.mounted()) return;
  if (!log_.append(record).ok()) ++storage_failures_;
}

void Implant::log(ImplantTime at, ImplantLogCode code, std::int64_t a, std::int64_t b,
                  std::uint8_t reason) {
  storage::LogRecord r;
  r.at = at;
  r.code = static_cast<std::uint16_t>(code);
  r.reason = reason;
  r.a = a;
  r.b = b;
  append(r);
}

void Implant::record(const engine::TherapyEvent& event) {
  storage::LogRecord r;
  r.at = event.at;
  r.code = static_cast<std::uint16_t>(event.kind);
  r.reason = event.reason;
  r.a = event.a;
  r.b = event.b;
  append(r);
  if (engine_observer_ != nullptr) engine_observer_->record(event);
  switch (event.kind) {
    case EventKind::kLowReservoir:
      (void)alarms_.raise(AlarmKind::kLowReservoir, event.at);
      break;
    case EventKind::kReservoirEmpty:
      (void)alarms_.raise(AlarmKind::kReservoirEmpty, event.at);
      break;
    case EventKind::kRefilled:
      (void)alarms_.clear(AlarmKind::kLowReservoir, event.at);
      (void)alarms_.clear(AlarmKind::kReservoirEmpty, event.at);
      break;
    default:
      break;
  }
}

void Implant::record(const alarms::AlarmEvent& event) {
  storage::LogRecord r;
  r.at = event.at;
  r.code =
      static_cast<std::uint16_t>(kAlarmLogCodeFirst + static_cast<std::uint16_t>(event.action));
  r.reason = static_cast<std::uint8_t>(event.kind);
  r.a = event.until.ms();
  append(r);
  if (alarm_observer_ != nullptr) alarm_observer_->record(event);
}

// ---- safety checks ----

bool Implant::prescription_intact() const {
  return crc_of(engine_.prescription()) == persistent_.prescription_crc;
}

void Implant::check_prescription(ImplantTime now) {
  if (prescription_intact() || engine_.activity() == Activity::kHalted) return;
  engine_.halt(now);
  (void)alarms_.raise(AlarmKind::kCriticalMemoryError, now);
  log(now, ImplantLogCode::kPrescriptionCorrupt, persistent_.prescription_crc,
      crc_of(engine_.prescription()));
}

void Implant::observe_safety(ImplantTime now) {
  const safety::Verdict v = safety_.observe(motor_.sensed_strokes(), now);
  if (!v.tripped || alarms_.is_active(AlarmKind::kSafetyMonitorTrip)) return;
  // Independent of the scheduler: power the motor driver off first, then stop the engine.
  motor_.set_enabled(false);
  engine_.halt(now);
  (void)alarms_.raise(AlarmKind::kSafetyMonitorTrip, now);
  log(now, ImplantLogCode::kSafetyTrip, v.delivered.count(), v.allowed.count(),
      static_cast<std::uint8_t>(v.window));
  checkpoint(now);
}

void Implant::handle_motor_changes(ImplantTime now) {
  const safety::MotorChange c = supervised_motor_.take_changes();
  if (c.stall_raised) (void)alarms_.raise(AlarmKind::kMotorStall, now);
  if (c.stall_cleared) (void)alarms_.clear(AlarmKind::kMotorStall, now);
  if (c.occlusion_raised) (void)alarms_.raise(AlarmKind::kOcclusion, now);
  if (c.occlusion_cleared) (void)alarms_.clear(AlarmKind::kOcclusion, now);
}

void Implant::track_stopped(ImplantTime now) {
  if (delivering(engine_.activity())) {
    if (!persistent_.stopped_since.is_never()) {
      persistent_.stopped_since = ImplantTime::never();
      (void)alarms_.clear(AlarmKind::kPumpStopped, now);
    }
  } else if (persistent_.stopped_since.is_never()) {
    persistent_.stopped_since = now;
    (void)alarms_.arm(AlarmKind::kPumpStopped, now + config_.pump_stopped_alarm_after, now);
  }
}

void Implant::after_engine_change(ImplantTime now) {
  handle_motor_changes(now);
  observe_safety(now);
  track_stopped(now);
}

// ---- storage checkpoints ----

void Implant::close_hours(ImplantTime now) {
  const std::int64_t hour = now.ms() / kMillisPerHour;
  if (hour <= persistent_.current_hour) return;
  const std::int64_t delivered = engine_.delivered().count();
  const std::int64_t strokes = engine_.strokes();
  if (history_.mounted()) {
    const Status s = history_.record(persistent_.current_hour,
                                     Volume(delivered - persistent_.hour_delivered_at_start_nl),
                                     strokes - persistent_.hour_strokes_at_start);
    if (!s.ok()) ++storage_failures_;
  }
  persistent_.current_hour = hour;
  persistent_.hour_delivered_at_start_nl = delivered;
  persistent_.hour_strokes_at_start = strokes;
}

void Implant::checkpoint(ImplantTime now) {
  close_hours(now);
  persistent_.engine = engine_.snapshot();
  persistent_.alarms = alarms_.snapshot();
  persistent_.motor = supervisor_.state();
  persistent_.checkpoint_at = now;
  if (!settings_.commit(persistent_).ok()) {
    ++storage_failures_;
    log(now, ImplantLogCode::kStorageWriteFailed, 0, 0,
        static_cast<std::uint8_t>(Store::kSettings));
  }
}

ImplantTime Implant::next_checkpoint() const {
  const std::int64_t interval = config_.checkpoint_interval.count();
  return ImplantTime((persistent_.checkpoint_at.ms() / interval + 1) * interval);
}

// ---- commands ----

Status Implant::program(const therapy::Prescription& rx, ImplantTime now) {
  on_wake(now);
  const Status s = engine_.program(rx, now);
  if (!s.ok()) return s;
  persistent_.prescription_crc = crc_of(engine_.prescription());
  safety_.set_prescription(engine_.prescription(), now);
  if (alarms_.is_active(AlarmKind::kSafetyMonitorTrip)) {
    // A clinician has programmed after a trip: the cause has been dealt with.
    safety_.reset_trip();
    safety_.resync_sensor(motor_.sensed_strokes());
    (void)alarms_.clear(AlarmKind::kSafetyMonitorTrip, now);
  }
  (void)alarms_.clear(AlarmKind::kCriticalMemoryError, now);
  motor_.set_enabled(true);
  after_engine_change(now);
  checkpoint(now);
  return s;
}

Result<engine::BridgePlan> Implant::refill(const RefillOrder& order, ImplantTime now) {
  on_wake(now);
  check_prescription(now);
  const Result<engine::BridgePlan> r = engine_.refill(order.refill, now);
  if (!r.ok()) return r;
  persistent_.prescription_crc = crc_of(engine_.prescription());
  safety_.set_prescription(engine_.prescription(), now);
  if (r->started) safety_.authorise(r->volume, now, r->duration);
  (void)alarms_.clear(AlarmKind::kRefillOverdue, now);
  (void)alarms_.clear(AlarmKind::kDrugExpired, now);
  (void)alarms_.arm(AlarmKind::kRefillOverdue, now + order.refill_due_in, now);
  (void)alarms_.arm(AlarmKind::kDrugExpired, now + order.drug_stable_for, now);
  after_engine_change(now);
  checkpoint(now);
  return r;
}

Status Implant::set_catheter_volume(Volume catheter_volume, ImplantTime now) {
  const Status s = engine_.set_catheter_volume(catheter_volume);
  if (s.ok()) checkpoint(now);
  return s;
}

Status Implant::prime(Volume catheter_volume, ImplantTime now) {
  on_wake(now);
  check_prescription(now);
  const Status s = engine_.start_priming(catheter_volume, now);
  if (!s.ok()) return s;
  const delivery::TimedDelivery& d = engine_.scheduler().override_delivery();
  safety_.authorise(d.volume, d.start, d.end - d.start);
  after_engine_change(now);
  checkpoint(now);
  return s;
}

Status Implant::clinician_bolus(DrugAmount amount, Duration duration, ImplantTime now) {
  on_wake(now);
  check_prescription(now);
  const Status s = engine_.start_clinician_bolus(amount, duration, now);
  if (!s.ok()) return s;
  const delivery::TimedDelivery& d = engine_.scheduler().override_delivery();
  safety_.authorise(d.volume, d.start, d.end - d.start);
  after_engine_change(now);
  checkpoint(now);
  return s;
}

therapy::BolusDecision Implant::patient_bolus(ImplantTime now) {
  on_wake(now);
  check_prescription(now);
  const therapy::BolusDecision d = engine_.request_patient_bolus(now);
  // Patient boluses are within the limits the safety monitor already allows for.
  if (d.granted) checkpoint(now);
  return d;
}

void Implant::set_clock(WallTime wall, ImplantTime now) {
  on_wake(now);
  engine_.set_wall_clock(wall, now);
  safety_.set_wall_offset(Duration(wall.ms() - now.ms()));
  persistent_.clock_valid = true;
  (void)alarms_.clear(AlarmKind::kClockLost, now);
  checkpoint(now);
}

void Implant::clock_lost(ImplantTime now) {
  on_wake(now);
  persistent_.clock_valid = false;
  (void)alarms_.raise(AlarmKind::kClockLost, now);
  log(now, ImplantLogCode::kClockLost);
  checkpoint(now);
}

Status Implant::silence_alarm(AlarmKind kind, Duration duration, ImplantTime now) {
  on_wake(now);
  const Status s = alarms_.silence(kind, now, duration);
  if (s.ok()) checkpoint(now);
  return s;
}

Status Implant::alarm_test(ImplantTime now) {
  on_wake(now);
  return alarms_.start_alarm_test(now);
}

std::span<std::uint8_t> Implant::live_prescription_ram() {
  // The engine's prescription lives in its state; the fault injector writes through this
  // window the way a particle strike would, unseen by the engine.
  const therapy::Prescription& rx = engine_.prescription();
  return std::span<std::uint8_t>(
      const_cast<std::uint8_t*>(reinterpret_cast<const std::uint8_t*>(&rx)), sizeof(rx));
}

// ---- the event loop ----

void Implant::on_wake(ImplantTime now) {
  // The flexible program is read at step changes: check it is intact before it is used.
  if (engine_.scheduler().reaches_step_change(now)) check_prescription(now);
  engine_.on_wake(now);
  handle_motor_changes(now);
  observe_safety(now);
  if (now >= next_checkpoint()) {
    check_prescription(now);
    track_stopped(now);
    checkpoint(now);
  }
  if (alarms_.next_wake() <= now) (void)alarms_.on_wake(now);
}

ImplantTime Implant::next_wake() const {
  ImplantTime next = engine_.next_wake();
  const ImplantTime checkpoint_due = next_checkpoint();
  if (checkpoint_due < next) next = checkpoint_due;
  const ImplantTime alarm_due = alarms_.next_wake();
  if (alarm_due < next) next = alarm_due;
  return next;
}

}  // namespace itdd::app

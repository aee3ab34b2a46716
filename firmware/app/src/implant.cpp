#include "itdd/app/implant.h"

#include <array>
#include <memory>

#include "itdd/storage/crc32.h"

namespace itdd::app {

using alarms::AlarmKind;
using engine::Activity;
using engine::EventKind;

namespace {

static_assert(storage::SettingsStore<PersistentState>::sectors_needed(storage::kImplantFlash) <=
                  storage::kDefaultLayout.settings_a.sector_count,
              "the implant's state must fit one settings copy");

enum class Store : std::uint8_t { kSettings = 1, kLog = 2, kHistory = 3 };

static_assert(storage::StrokePackRecord::kGaps == safety::StrokePack::kGaps &&
                  storage::StrokePackRecord::kNoStroke == safety::StrokePack::kNoStroke,
              "the ledger keeps the monitor's packs as they are");

// A pack as the monitor holds it: the strokes are the first and the gaps before the marker.
safety::StrokePack pack_of(const storage::StrokePackRecord& r) {
  safety::StrokePack p{r.first_index, r.first_ms, r.base_gap_ms, r.gaps, 1};
  for (const std::uint16_t gap : r.gaps) {
    if (gap == storage::StrokePackRecord::kNoStroke) break;
    ++p.strokes;
  }
  return p;
}

bool delivering(Activity a) {
  return a == Activity::kBasal || a == Activity::kPriming || a == Activity::kClinicianBolus ||
         a == Activity::kBridgeBolus;
}

// Over the prescription's fields, not its bytes: padding between fields is not part of the
// value and a copy need not preserve it.
void feed(storage::Crc32& crc, std::int64_t v) {
  crc.update_u32(static_cast<std::uint32_t>(static_cast<std::uint64_t>(v)));
  crc.update_u32(static_cast<std::uint32_t>(static_cast<std::uint64_t>(v) >> 32));
}

// The header: everything but the flexible days (each day has its own CRC, so a step change
// checks only the day it reads).
std::uint32_t header_crc(const therapy::Prescription& rx) {
  storage::Crc32 crc;
  crc.update(std::span<const std::uint8_t>(
      reinterpret_cast<const std::uint8_t*>(rx.drug.name.data()), rx.drug.name.size()));
  feed(crc, static_cast<std::int64_t>(rx.drug.unit));
  feed(crc, rx.concentration.count());
  feed(crc, static_cast<std::int64_t>(rx.mode));
  feed(crc, rx.continuous_dose.count());
  feed(crc, rx.flex.per_weekday ? 1 : 0);
  const therapy::PatientBolusSettings& pb = rx.patient_bolus;
  feed(crc, pb.enabled ? 1 : 0);
  feed(crc, pb.dose.count());
  feed(crc, pb.duration.count());
  feed(crc, pb.max_per_24h);
  feed(crc, pb.lockout.count());
  return crc.value();
}

// A day program: its step count and the steps it uses (a flip in an unused step changes
// nothing delivered; one that would bring it into use changes the count, which is covered).
std::uint32_t day_crc(const therapy::DayProgram& day) {
  storage::Crc32 crc;
  feed(crc, day.step_count);
  const std::size_t steps =
      day.step_count <= therapy::kMaxStepsPerDay ? day.step_count : therapy::kMaxStepsPerDay;
  for (std::size_t i = 0; i < steps; ++i) {
    feed(crc, day.steps[i].start_minute());
    feed(crc, day.steps[i].dose_rate().count());
  }
  return crc.value();
}

PrescriptionCrc crcs_of(const therapy::Prescription& rx) {
  PrescriptionCrc c;
  c.header = header_crc(rx);
  for (std::size_t d = 0; d < rx.flex.days.size(); ++d) c.days[d] = day_crc(rx.flex.days[d]);
  return c;
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
                 hal::PowerSense& power_sense, ImplantTime now, WallTime wall)
    : config_(config),
      motor_(motor),
      power_sense_(power_sense),
      supervised_motor_(motor, supervisor_),
      engine_(config.pump, supervised_motor_, *this, now, wall),
      safety_(config.pump),
      alarms_(buzzer, *this),
      settings_(nvm, storage::kDefaultLayout.settings_a, storage::kDefaultLayout.settings_b,
                kPersistentStateFormat),
      log_(nvm, storage::kDefaultLayout.event_log),
      history_(nvm, storage::kDefaultLayout.delivery_history),
      safety_ledger_(nvm, storage::kDefaultLayout.safety_strokes,
                     storage::kDefaultLayout.safety_windows, storage::kDefaultLayout.safety_day),
      battery_(power::BatteryMonitor::start(config.battery, now)) {
  persistent_.current_hour = now.ms() / kMillisPerHour;
  safety_.set_wall_offset(Duration(wall.ms() - now.ms()));
  safety_.set_sink(this);
}

BootReport Implant::boot(ImplantTime now, hal::ResetCause cause) {
  BootReport report;
  report.cause = cause;
  const Result<storage::RingMount> log_mount = log_.mount();
  const Result<storage::RingMount> history_mount = history_.mount();
  const Result<storage::RingMount> ledger_mount = safety_ledger_.mount();
  booted_ = true;
  if (log_mount.ok()) {
    report.log_records = log_mount->valid_records;
    // A torn tail is the one record being written at a cut: expected, not damage.
    report.damaged_log_slots = log_mount->invalid_slots - (log_mount->torn_tail ? 1u : 0u);
  }
  // Straight into the engine's state and the implant's fields (no copy of either beside them).
  // The alarms' state is checked by their restore(): read beside them, on this stack.
  Result<storage::SettingsLoad> loaded =
      make_error(ErrorCode::kRefused, "settings", "not read yet");
  alarms::AlarmManager::State alarms_state{};
  (void)engine_.restore_in_place([&](engine::TherapyEngine::State& engine_state) {
    const std::span<std::uint8_t> parts[3] = {
        {reinterpret_cast<std::uint8_t*>(&engine_state), sizeof(engine_state)},
        {reinterpret_cast<std::uint8_t*>(&alarms_state), sizeof(alarms_state)},
        {reinterpret_cast<std::uint8_t*>(&persistent_), sizeof(persistent_)}};
    loaded = settings_.load(storage::BlobStore::Parts(parts));
    return loaded.ok();
  });
  if (loaded.ok()) {
    (void)changing_alarms().restore(alarms_state);
    supervisor_.restore(persistent_.motor);
    if (battery_.ok())
      battery_ = power::BatteryMonitor::restore(config_.battery, persistent_.battery);
    report.resumed = true;
    report.gap = now - persistent_.checkpoint_at;
    if (!prescription_intact(CrcScope::kAll)) {
      // The copy passed its own CRC, so this is a fault in what was committed: stop safely.
      check_prescription(now, CrcScope::kAll);
    } else {
      const engine::DeliveredSince known =
          recorded_since_checkpoint(engine_.delivered(), engine_.scheduler().state().strokes);
      replay_patient_boluses();
      report.recorded_delivered = known.volume;
      report.assumed_delivered = engine_.resume_after_reset(now, known);
      const std::int64_t recorded_up_to = known.until.ms() / kMillisPerHour;  // first hour not
      if (recorded_up_to > persistent_.current_hour) {
        // The history already holds the checkpoint's hour and maybe later ones: recording the
        // checkpoint's hour again would be refused (and counted as a storage failure). Hours
        // are accounted from this boot on; the time the implant was off has no record (the
        // gap's event says what was assumed delivered).
        const std::int64_t boot_hour = now.ms() / kMillisPerHour;
        persistent_.current_hour = boot_hour > recorded_up_to ? boot_hour : recorded_up_to;
        persistent_.hour_delivered_at_start_nl = engine_.delivered().count();
        persistent_.hour_strokes_at_start = engine_.strokes();
      }
    }
    safety_.set_wall_offset(Duration(engine_.wall_clock(now).ms() - now.ms()));
  } else if (storage::is_blank(loaded.error())) {
    reset_persistent();
    persistent_.prescription_crc = crcs_of(engine_.prescription());
    persistent_.current_hour = now.ms() / kMillisPerHour;
  } else {
    // No copy can be trusted as the last committed one: both are bad, or the newest is damaged
    // and only an older one is left (running that would silently bring back a replaced
    // prescription). Safe state, therapy stopped, until a clinician programs; the critical
    // alarm and the log record say why at the next interrogation.
    report.settings_corrupt = true;
    report.settings_newest_lost = storage::is_newest_lost(loaded.error());
    reset_persistent();
    persistent_.prescription_crc = crcs_of(engine_.prescription());
    persistent_.current_hour = now.ms() / kMillisPerHour;
    (void)changing_alarms().raise(AlarmKind::kCriticalMemoryError, now);
    if (report.settings_newest_lost) {
      log(now, ImplantLogCode::kSettingsNewestLost, loaded.error().index);
    } else {
      log(now, ImplantLogCode::kSettingsCorrupt);
    }
  }
  if (loaded.ok() && loaded->other_damaged) {
    // The older copy is bad (damage, or an erase cut while it was being overwritten): the newest
    // was kept and runs; the next checkpoint rewrites the bad one. Recorded for the clinic.
    log(now, ImplantLogCode::kSettingsCopyDamaged, 1 - loaded->copy, loaded->seq);
  }
  restore_safety(now);
  // Damage found at mount is raised after the restore, which brings back the alarm state.
  if (!log_mount.ok() || report.damaged_log_slots > 0) {
    (void)changing_alarms().raise(AlarmKind::kNonCriticalMemoryError, now);
    log(now, ImplantLogCode::kLogDamaged, report.damaged_log_slots);
  }
  if (!ledger_mount.ok()) {
    // The monitor starts without its memory: what it permits may widen once. Made visible.
    (void)changing_alarms().raise(AlarmKind::kNonCriticalMemoryError, now);
    log(now, ImplantLogCode::kHistoryDamaged, -2);
  }
  if (!history_mount.ok() || history_mount->invalid_slots > (history_mount->torn_tail ? 1u : 0u)) {
    (void)changing_alarms().raise(AlarmKind::kNonCriticalMemoryError, now);
    log(now, ImplantLogCode::kHistoryDamaged,
        history_mount.ok() ? history_mount->invalid_slots : -1);
  }

  if (!battery_.ok()) {
    // The configuration (or the committed counters) refused: ERI and EOS cannot be judged.
    // The alarm makes it visible; the next clinician session must deal with it.
    (void)changing_alarms().raise(AlarmKind::kNonCriticalMemoryError, now);
    log(now, ImplantLogCode::kBatteryMonitorUnavailable);
  } else if (now < battery_->state().last_check) {
    battery_.value().resume(now, Duration(0));
  }
  if (cause == hal::ResetCause::kBrownOut) {
    // The cell sagged below what the electronics need, most likely under a stroke. The
    // critical alarm asks for the clinic at once and the battery is judged now, the brown-out
    // counting as confirmation: a cell at end of service stops therapy here (no stroke to brown
    // out again); one that reads well again resumes the committed therapy, with the alarm.
    (void)changing_alarms().raise(AlarmKind::kLowBatteryReset, now);
    std::int32_t mv = 0;
    if (battery_.ok()) {
      battery_.value().note_brown_out();
      check_battery(now);
      mv = battery_->last().voltage_mv;
    }
    log(now, ImplantLogCode::kLowBatteryReset, mv);
  }

  safety_.resync_sensor(motor_.sensed_strokes());
  // The motor driver is powered unless a safety trip cut it (a trip halts the engine).
  motor_.set_enabled(engine_.activity() != Activity::kHalted ||
                     !alarms_.is_active(AlarmKind::kSafetyMonitorTrip));
  report.end_of_service = end_of_service();
  log(now, ImplantLogCode::kBoot, report.resumed ? 1 : 0, report.gap.count());
  track_stopped(now);
  checkpoint(now);
  update_wake();
  return report;
}

void Implant::restore_safety(ImplantTime now) {
  using storage::SafetyRecord;
  using storage::SafetyRecordKind;
  const auto strokes_of = [](std::int64_t n) {
    return static_cast<std::uint32_t>(n < 0 ? 0 : (n > INT32_MAX ? INT32_MAX : n));
  };
  // The allowed rate over the last day first, then the program in force from now on, then what
  // was seen and authorised (each replay is one bounded pass over its ring).
  if (safety_ledger_.mounted()) {
    (void)safety_ledger_.replay_windows([&](const SafetyRecord& r) {
      if (r.kind == SafetyRecordKind::kRate) safety_.restore_rate(ImplantTime(r.a), r.b);
    });
  }
  safety_.set_prescription(engine_.prescription(), now);
  if (safety_ledger_.mounted()) {
    // The day window is exact only with the ledger to read its start from.
    safety_.set_archive(this);
    (void)safety_ledger_.replay_windows([&](const SafetyRecord& r) {
      switch (r.kind) {
        case SafetyRecordKind::kBolus:
          safety_.restore_authorised(ImplantTime(r.a), ImplantTime(r.b), Volume(r.c));
          break;
        case SafetyRecordKind::kEarlierExtras:
          safety_.restore_earlier_patient_extras(ImplantTime(r.a), Volume(r.b), Volume(r.c));
          break;
        default:
          break;
      }
    });
    (void)safety_ledger_.replay_packs(
        [&](const storage::StrokePackRecord& p) { safety_.restore_pack(pack_of(p), now); });
    (void)safety_ledger_.replay_strokes([&](const SafetyRecord& r) {
      if (r.kind == SafetyRecordKind::kStrokes) {
        safety_.restore_strokes(ImplantTime(r.a), strokes_of(r.b), static_cast<std::uint32_t>(r.c),
                                now);
      }
    });
  }
  // A re-alignment the restored schedule is still making keeps its bounded headroom: schedule
  // time gains or loses a quarter-ms each ms, so what is left of the offset is what is left of
  // the time.
  const delivery::StrokeScheduler::State& st = engine_.scheduler().state();
  const std::int64_t offset_q = st.schedule_q - st.last.ms() * delivery::kScheduleQuartersPerMs;
  const std::int64_t left =
      offset_q > st.target_offset_q ? offset_q - st.target_offset_q : st.target_offset_q - offset_q;
  if (left > 0) safety_.realigning_until(now + Duration(left), now);
}

void Implant::strokes_seen(ImplantTime at, std::uint32_t strokes, std::uint32_t first_index) {
  if (booted_ && safety_ledger_.mounted() &&
      !safety_ledger_.strokes_seen(at.ms(), strokes, first_index).ok()) {
    ++storage_failures_;
  }
}

void Implant::strokes_packed(const safety::StrokePack& pack) {
  storage::StrokePackRecord r;
  r.first_index = pack.first_index;
  r.first_ms = pack.first_ms;
  r.base_gap_ms = pack.base_gap_ms;
  r.gaps = pack.gaps;
  if (booted_ && safety_ledger_.mounted() && !safety_ledger_.strokes_packed(r).ok()) {
    ++storage_failures_;
  }
}

bool Implant::pack_from(std::uint32_t index, safety::StrokePack* out) {
  if (!safety_ledger_.mounted()) return false;
  const auto ends_after = [&](const storage::StrokePackRecord& r) {
    return static_cast<std::int32_t>(r.first_index + pack_of(r).strokes - index) > 0;
  };
  // The window's start only moves on: read forward from the last pack found, and from the
  // oldest when asked for one before it (after a reset). Bounded by the ring's slots, not its
  // capacity: once it has wrapped it holds up to a sector more than it always keeps, and after
  // a reset the pack wanted (a day back) may be past the capacity'th from the oldest; giving up
  // there made the monitor count the whole day before its open pack for another day (a false
  // 24 h trip after a power cut, at low rates once the ring had wrapped).
  if (day_read_valid_ && static_cast<std::int32_t>(index - day_read_.first_index) < 0) {
    day_cursor_ = storage::RingCursor{};
    day_read_valid_ = false;
  }
  const std::uint32_t most_reads = safety_ledger_.day_slots();
  for (std::uint32_t i = 0; i <= most_reads; ++i) {
    if (day_read_valid_ && ends_after(day_read_)) {
      *out = pack_of(day_read_);
      return true;
    }
    const Result<bool> next = safety_ledger_.read_pack(day_cursor_, &day_read_);
    day_read_valid_ = next.ok() && *next;
    if (!day_read_valid_) return false;
  }
  return false;
}

void Implant::rate_changed(ImplantTime from, std::int64_t rate) {
  if (booted_ && safety_ledger_.mounted() && !safety_ledger_.rate_changed(from.ms(), rate).ok()) {
    ++storage_failures_;
  }
}

void Implant::bolus_authorised(ImplantTime start, ImplantTime end, Volume volume) {
  if (booted_ && safety_ledger_.mounted() &&
      !safety_ledger_.bolus_authorised(start.ms(), end.ms(), volume.count()).ok()) {
    ++storage_failures_;
  }
}

void Implant::earlier_patient_extras(ImplantTime until, Volume in_hour, Volume in_day) {
  if (booted_ && safety_ledger_.mounted() &&
      !safety_ledger_.earlier_patient_extras(until.ms(), in_hour.count(), in_day.count()).ok()) {
    ++storage_failures_;
  }
}

void Implant::reset_persistent() {
  std::construct_at(&persistent_);  // in place: no PersistentFields-sized temporary
}

engine::DeliveredSince Implant::recorded_since_checkpoint(Volume delivered,
                                                          std::int64_t strokes_done) {
  engine::DeliveredSince known;
  if (!history_.mounted()) return known;
  const std::int64_t first = persistent_.checkpoint_at.ms() / kMillisPerHour;
  // At most a checkpoint interval of hours, read in small pages.
  std::array<storage::HourRecord, 24> page{};
  std::int64_t from = first;
  const std::int64_t pages = config_.checkpoint_interval.count() / kMillisPerHour / 24 + 2;
  for (std::int64_t p = 0; p < pages; ++p) {
    const Result<std::size_t> n = history_.read_hours(from, from + 23, page);
    if (!n.ok() || *n == 0) break;
    for (std::size_t i = 0; i < *n; ++i) {
      const storage::HourRecord& h = page[i];
      Volume volume = h.volume;
      std::int64_t strokes = h.strokes;
      if (h.hour_index == persistent_.current_hour) {
        // The checkpoint already holds the part of this hour before it.
        volume -= Volume(delivered.count() - persistent_.hour_delivered_at_start_nl);
        strokes -= strokes_done - persistent_.hour_strokes_at_start;
      }
      known.volume += volume;
      known.strokes += strokes;
      known.until = ImplantTime((h.hour_index + 1) * kMillisPerHour);
    }
    from = page[*n - 1].hour_index + 1;
  }
  return known;
}

void Implant::replay_patient_boluses() {
  if (!log_.mounted()) return;
  // Grants after the checkpoint are in the log only; at most a day's worth can matter, but the
  // log interleaves other events: look through the newest kReplayWindow records. They are read
  // newest first and replayed oldest first, a chunk of grants at a time (a pass over the window
  // for each chunk, the oldest chunk first), so no more than a chunk is held in RAM.
  constexpr std::uint32_t kReplayWindow = 256;
  constexpr std::uint32_t kReplayChunk = 32;
  // Sees the window's grants after the checkpoint, numbered newest first; keeps those in
  // [first, first + kReplayChunk).
  class Grants final : public storage::LogVisitor {
   public:
    Grants(ImplantTime after, std::uint32_t newest_seq, std::uint32_t first)
        : after_(after), newest_seq_(newest_seq), first_(first) {}
    bool visit(const storage::LogRecord& r) override {
      if (r.seq > newest_seq_) return true;  // appended after the replay began: not in it
      if (r.code == static_cast<std::uint16_t>(EventKind::kPatientBolusGranted) && r.at > after_) {
        if (found_ >= first_ && found_ - first_ < kReplayChunk) held_[found_ - first_] = r.at;
        ++found_;
      }
      return ++seen_ < kReplayWindow;
    }
    std::uint32_t found() const { return found_; }
    ImplantTime held(std::uint32_t i) const { return held_[i]; }

   private:
    ImplantTime after_;
    std::uint32_t newest_seq_;
    std::uint32_t first_;
    std::uint32_t seen_ = 0;
    std::uint32_t found_ = 0;
    std::array<ImplantTime, kReplayChunk> held_{};
  };
  const std::uint32_t newest_seq = log_.newest_seq();
  Grants count(persistent_.checkpoint_at, newest_seq, kReplayWindow);
  if (!log_.walk_newest_first(count).ok()) return;
  const std::uint32_t total = count.found();
  // Bounded: at most kReplayWindow / kReplayChunk passes of at most kReplayWindow records.
  for (std::uint32_t end = total; end > 0;) {
    const std::uint32_t first = end > kReplayChunk ? end - kReplayChunk : 0;
    Grants chunk(persistent_.checkpoint_at, newest_seq, first);
    if (!log_.walk_newest_first(chunk).ok()) return;
    for (std::uint32_t i = end - first; i > 0; --i) engine_.replay_patient_bolus(chunk.held(i - 1));
    end = first;
  }
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
  if (event.kind == EventKind::kPatientBolusGranted && open_command_ != 0) {
    // A grant from the radio is committed first, with its command id (commit_command), and
    // logged after: a power cut between the two leaves the grant and its journal entry together
    // in the checkpoint. Logged first, a cut would leave the grant alone in the log, and its
    // replay at boot would count a bolus whose id the journal does not know (a retry after the
    // lockout would be granted again).
    held_grant_ = r;
    grant_held_ = true;
  } else {
    append(r);
  }
  if (engine_observer_ != nullptr) engine_observer_->record(event);
  switch (event.kind) {
    case EventKind::kLowReservoir:
      (void)changing_alarms().raise(AlarmKind::kLowReservoir, event.at);
      break;
    case EventKind::kReservoirEmpty:
      (void)changing_alarms().raise(AlarmKind::kReservoirEmpty, event.at);
      break;
    case EventKind::kRefilled:
      (void)changing_alarms().clear(AlarmKind::kLowReservoir, event.at);
      (void)changing_alarms().clear(AlarmKind::kReservoirEmpty, event.at);
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

bool Implant::prescription_intact(CrcScope scope) const {
  const therapy::Prescription& rx = engine_.prescription();
  if (header_crc(rx) != persistent_.prescription_crc.header) return false;
  if (rx.mode != therapy::BasalMode::kFlexible || scope == CrcScope::kHeader) return true;
  if (!rx.flex.per_weekday) return day_crc(rx.flex.days[0]) == persistent_.prescription_crc.days[0];
  if (scope == CrcScope::kAll) {
    for (std::size_t d = 0; d < rx.flex.days.size(); ++d) {
      if (day_crc(rx.flex.days[d]) != persistent_.prescription_crc.days[d]) return false;
    }
    return true;
  }
  // The day in use and the next (a step change at midnight reads the next day's program).
  const std::int64_t day = floor_div(engine_.scheduler().schedule_ms(), kMillisPerDay);
  for (std::int64_t k = day; k <= day + 1; ++k) {
    const std::size_t wd = static_cast<std::size_t>(weekday_of_day(k));
    if (day_crc(rx.flex.days[wd]) != persistent_.prescription_crc.days[wd]) return false;
  }
  return true;
}

void Implant::check_prescription(ImplantTime now, CrcScope scope) {
  if (engine_.activity() == Activity::kHalted || prescription_intact(scope)) return;
  engine_.halt(now);
  (void)changing_alarms().raise(AlarmKind::kCriticalMemoryError, now);
  log(now, ImplantLogCode::kPrescriptionCorrupt, persistent_.prescription_crc.header,
      header_crc(engine_.prescription()));
}

void Implant::observe_safety(ImplantTime now) {
  const safety::Verdict v = safety_.observe(motor_.sensed_strokes(), now);
  if (!v.tripped || alarms_.is_active(AlarmKind::kSafetyMonitorTrip)) return;
  // Independent of the scheduler: power the motor driver off first, then stop the engine.
  motor_.set_enabled(false);
  engine_.halt(now);
  (void)changing_alarms().raise(AlarmKind::kSafetyMonitorTrip, now);
  log(now, ImplantLogCode::kSafetyTrip, v.delivered.count(), v.allowed.count(),
      static_cast<std::uint8_t>(v.window));
  checkpoint(now);
}

void Implant::handle_motor_changes(ImplantTime now) {
  const safety::MotorChange c = supervised_motor_.take_changes();
  if (c.stall_raised) (void)changing_alarms().raise(AlarmKind::kMotorStall, now);
  if (c.stall_cleared) (void)changing_alarms().clear(AlarmKind::kMotorStall, now);
  if (c.occlusion_raised) (void)changing_alarms().raise(AlarmKind::kOcclusion, now);
  if (c.occlusion_cleared) (void)changing_alarms().clear(AlarmKind::kOcclusion, now);
}

void Implant::track_stopped(ImplantTime now) {
  if (delivering(engine_.activity())) {
    if (!persistent_.stopped_since.is_never()) {
      persistent_.stopped_since = ImplantTime::never();
      (void)changing_alarms().clear(AlarmKind::kPumpStopped, now);
    }
  } else if (persistent_.stopped_since.is_never()) {
    persistent_.stopped_since = now;
    (void)changing_alarms().arm(AlarmKind::kPumpStopped, now + config_.pump_stopped_alarm_after,
                                now);
  }
}

// ---- the battery ----

void Implant::feed_battery_counters() {
  if (!battery_.ok()) return;
  power::BatteryMonitor& b = battery_.value();
  const std::int64_t strokes = engine_.strokes();
  b.on_strokes(strokes - persistent_.battery_strokes_counted);
  persistent_.battery_strokes_counted = strokes;
  const std::int64_t tone_ms = alarms_.stats().sounding.count();
  b.on_tone(Duration(tone_ms - persistent_.battery_tone_ms_counted));
  persistent_.battery_tone_ms_counted = tone_ms;
}

power::Consumption Implant::battery_consumption(ImplantTime now) const {
  const therapy::Prescription& rx = engine_.prescription();
  // The heaviest day of the program plus every patient bolus it allows: the projection errs
  // toward the shorter life.
  Volume per_day{0};
  for (std::size_t d = 0; d < 7; ++d) {
    const Volume v = therapy::basal_volume_per_day(rx, static_cast<Weekday>(d));
    if (v > per_day) per_day = v;
  }
  const therapy::PatientBolusSettings& pb = rx.patient_bolus;
  if (pb.enabled && rx.concentration.count() > 0) {
    per_day += volume_holding(pb.dose, rx.concentration) * therapy::max_patient_boluses_per_day(pb);
  }
  power::Consumption c;
  c.strokes_per_day =
      power::strokes_per_day_for(FlowRate(per_day.count()), config_.pump.stroke_volume);
  // Sessions at the rate seen so far (over at least 90 days, so a busy first day is not taken
  // for a year), programmer sessions at least at the configured rate.
  if (battery_.ok()) {
    const power::State& st = battery_->state();
    const Int128 span = st.elapsed_ms > days(90).count() ? st.elapsed_ms : days(90).count();
    const auto per_year = [&](std::int64_t n) {
      return static_cast<std::int64_t>((static_cast<Int128>(n) * kMillisPerYear + span - 1) / span);
    };
    c.radio_sessions_per_year = per_year(st.radio_sessions);
    c.patient_sessions_per_year = per_year(st.patient_sessions);
  }
  if (c.radio_sessions_per_year < config_.radio_sessions_per_year) {
    c.radio_sessions_per_year = config_.radio_sessions_per_year;
  }
  c.tone_ms_per_year = config_.alarm_test_tone_per_year.count();
  // Alarms sounding now keep sounding at their class's repeat until they are dealt with: at
  // most config_.sounding_alarm_assumed, counted once.
  bool class_sounds[alarms::kAlarmClassCount] = {false, false};
  for (const alarms::AlarmInfo& row : alarms::kAlarmTable) {
    if (alarms_.is_sounding(row.kind, now)) {
      class_sounds[static_cast<std::size_t>(row.alarm_class)] = true;
    }
  }
  const alarms::AlarmConfig& ac = alarms_.config();
  const struct {
    alarms::TonePatternId pattern;
    Duration repeat;
  } per_class[alarms::kAlarmClassCount] = {
      {alarms::TonePatternId::kCritical, ac.critical_repeat},
      {alarms::TonePatternId::kNonCritical, ac.non_critical_repeat}};
  for (std::size_t k = 0; k < alarms::kAlarmClassCount; ++k) {
    if (!class_sounds[k] || per_class[k].repeat.count() <= 0) continue;
    const std::int64_t repeats =
        (config_.sounding_alarm_assumed.count() + per_class[k].repeat.count() - 1) /
        per_class[k].repeat.count();
    c.tone_ms_once += alarms::tone_pattern(per_class[k].pattern).sounding().count() * repeats;
  }
  return c;
}

void Implant::check_battery(ImplantTime now) {
  if (!battery_.ok()) return;
  feed_battery_counters();
  const Result<power::Assessment> a =
      battery_.value().check(now, power_sense_, battery_consumption(now));
  if (!a.ok() || !a->raised) return;
  const power::State& st = battery_->state();
  if (!alarms_.is_active(AlarmKind::kElectiveReplacement)) {
    (void)changing_alarms().raise(AlarmKind::kElectiveReplacement, now);
    log(now, ImplantLogCode::kElectiveReplacement, a->longevity.count() / kMillisPerHour,
        a->voltage_mv, static_cast<std::uint8_t>(st.eri_reason));
  }
  if (a->status == power::BatteryStatus::kEndOfService) {
    // The cell can no longer be trusted to finish a stroke: stop therapy and say so loudly.
    engine_.halt(now);
    (void)changing_alarms().raise(AlarmKind::kEndOfService, now);
    log(now, ImplantLogCode::kEndOfService, a->voltage_mv, 0,
        static_cast<std::uint8_t>(st.eos_reason));
    after_engine_change(now);
  }
  checkpoint(now);
}

// ---- commands from the radio ----

void Implant::begin_command(CommandSource source, std::uint64_t id) {
  open_command_ = id;
  open_command_source_ = source;
}

void Implant::commit_command(ImplantTime now) {
  if (open_command_ != 0) {
    // In the same settings commit as the change: both survive a power cut, or neither does.
    (void)record_command(persistent_.journal, open_command_source_, open_command_,
                         CommandOutcome::kApplied);
    open_command_ = 0;
  }
  checkpoint(now);
  append_held_grant();
}

void Implant::append_held_grant() {
  if (!grant_held_) return;
  grant_held_ = false;
  append(held_grant_);
}

void Implant::end_command(bool remember) {
  if (open_command_ != 0 && remember) {
    (void)record_command(persistent_.journal, open_command_source_, open_command_,
                         CommandOutcome::kNotApplied);
  }
  open_command_ = 0;
  append_held_grant();  // none: a grant is always committed; never lose a record all the same
}

CommandOutcome Implant::command_outcome(CommandSource source, std::uint64_t id) const {
  return find_command(persistent_.journal, source, id);
}

std::uint64_t Implant::prescription_token() const {
  return (static_cast<std::uint64_t>(persistent_.program_count) << 32) |
         persistent_.prescription_crc.header;
}

void Implant::log_link_event(ImplantTime at, std::uint16_t code, std::uint8_t reason,
                             std::int64_t a, std::int64_t b) {
  storage::LogRecord r;
  r.at = at;
  r.code = code;
  r.reason = reason;
  r.a = a;
  r.b = b;
  append(r);
}

void Implant::records_read_by_clinic(ImplantTime now) {
  on_wake(now);
  (void)changing_alarms().clear(AlarmKind::kNonCriticalMemoryError, now);
  checkpoint(now);
  update_wake();
}

void Implant::radio_session(RadioPeer peer) {
  if (!battery_.ok()) return;
  if (peer == RadioPeer::kPatientDevice) {
    battery_.value().on_patient_session();
  } else {
    battery_.value().on_radio_session();
  }
}

void Implant::link_work(const power::LinkWork& work) {
  if (!battery_.ok()) return;
  (void)battery_.value().on_link_work(work);
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
  persistent_.motor = supervisor_.state();
  feed_battery_counters();
  if (battery_.ok()) persistent_.battery = battery_->state();
  persistent_.checkpoint_at = now;
  // The engine's and the alarms' states are written from where they live, the implant's fields
  // after them.
  const engine::TherapyEngine::State& engine_state = engine_.state_for_checkpoint();
  const alarms::AlarmManager::State& alarms_state = alarms_.state();
  const std::span<const std::uint8_t> parts[3] = {
      {reinterpret_cast<const std::uint8_t*>(&engine_state), sizeof(engine_state)},
      {reinterpret_cast<const std::uint8_t*>(&alarms_state), sizeof(alarms_state)},
      {reinterpret_cast<const std::uint8_t*>(&persistent_), sizeof(persistent_)}};
  if (!settings_.commit(storage::BlobStore::ConstParts(parts)).ok()) {
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

namespace {
constexpr Error kEndOfServiceError = make_error(
    ErrorCode::kRefused, "battery", "the battery is at end of service: replace the pump");
}  // namespace

Status Implant::program(const therapy::Prescription& rx, ImplantTime now) {
  on_wake(now);
  if (end_of_service()) return kEndOfServiceError;
  const Status s = engine_.program(rx, now);
  if (!s.ok()) return s;
  persistent_.prescription_crc = crcs_of(engine_.prescription());
  safety_.set_prescription(engine_.prescription(), now);
  if (alarms_.is_active(AlarmKind::kSafetyMonitorTrip)) {
    // A clinician has programmed after a trip: the cause has been dealt with.
    safety_.reset_trip();
    safety_.resync_sensor(motor_.sensed_strokes());
    (void)changing_alarms().clear(AlarmKind::kSafetyMonitorTrip, now);
  }
  (void)changing_alarms().clear(AlarmKind::kCriticalMemoryError, now);
  // A clinician has seen a brown-out's alarm and re-programmed the therapy.
  (void)changing_alarms().clear(AlarmKind::kLowBatteryReset, now);
  motor_.set_enabled(true);
  after_engine_change(now);
  ++persistent_.program_count;
  commit_command(now);
  update_wake();
  return s;
}

Result<engine::BridgePlan> Implant::refill(const RefillOrder& order, ImplantTime now) {
  on_wake(now);
  check_prescription(now);
  const Result<engine::BridgePlan> r = engine_.refill(order.refill, now);
  if (!r.ok()) return r;
  persistent_.prescription_crc = crcs_of(engine_.prescription());
  safety_.set_prescription(engine_.prescription(), now);
  if (r->started) safety_.authorise(r->volume, now, r->duration);
  (void)changing_alarms().clear(AlarmKind::kRefillOverdue, now);
  (void)changing_alarms().clear(AlarmKind::kDrugExpired, now);
  (void)changing_alarms().arm(AlarmKind::kRefillOverdue, now + order.refill_due_in, now);
  (void)changing_alarms().arm(AlarmKind::kDrugExpired, now + order.drug_stable_for, now);
  after_engine_change(now);
  ++persistent_.program_count;
  commit_command(now);
  update_wake();
  return r;
}

Status Implant::set_catheter_volume(Volume catheter_volume, ImplantTime now) {
  const Status s = engine_.set_catheter_volume(catheter_volume);
  if (s.ok()) checkpoint(now);
  update_wake();
  return s;
}

// A clinician-ordered timed delivery (priming, clinician bolus): checked, started, and
// authorised with the safety monitor, which is told by the command layer, not the scheduler.
template <class Start>
Status Implant::start_override(ImplantTime now, Start start) {
  on_wake(now);
  if (end_of_service()) return kEndOfServiceError;
  check_prescription(now);
  const Status s = start();
  if (!s.ok()) return s;
  const delivery::TimedDelivery& d = engine_.scheduler().override_delivery();
  safety_.authorise(d.volume, d.start, d.end - d.start);
  after_engine_change(now);
  commit_command(now);
  update_wake();
  return s;
}

Status Implant::prime(Volume catheter_volume, ImplantTime now) {
  return start_override(now, [&] { return engine_.start_priming(catheter_volume, now); });
}

Status Implant::clinician_bolus(DrugAmount amount, Duration duration, ImplantTime now) {
  return start_override(now, [&] { return engine_.start_clinician_bolus(amount, duration, now); });
}

therapy::BolusDecision Implant::patient_bolus(ImplantTime now) {
  on_wake(now);
  check_prescription(now);
  const therapy::BolusDecision d = engine_.request_patient_bolus(now);
  // A grant is in the event log (and replayed from it after a reset): no full checkpoint.
  // Patient boluses are within the limits the safety monitor already allows for.
  after_engine_change(now);
  // From the radio a grant is committed with its command id, so a retry cannot repeat it.
  if (d.granted && open_command_ != 0) commit_command(now);
  update_wake();
  return d;
}

void Implant::set_clock(WallTime wall, ImplantTime now) {
  on_wake(now);
  engine_.set_wall_clock(wall, now);
  safety_.clock_set(Duration(wall.ms() - now.ms()), now);
  persistent_.clock_valid = true;
  (void)changing_alarms().clear(AlarmKind::kClockLost, now);
  checkpoint(now);
  update_wake();
}

void Implant::clock_lost(ImplantTime now) {
  on_wake(now);
  persistent_.clock_valid = false;
  (void)changing_alarms().raise(AlarmKind::kClockLost, now);
  log(now, ImplantLogCode::kClockLost);
  checkpoint(now);
  update_wake();
}

Status Implant::silence_alarm(AlarmKind kind, Duration duration, ImplantTime now) {
  on_wake(now);
  const Status s = changing_alarms().silence(kind, now, duration);
  if (s.ok()) checkpoint(now);
  update_wake();
  return s;
}

Status Implant::alarm_test(ImplantTime now) {
  on_wake(now);
  const Status s = changing_alarms().start_alarm_test(now);
  update_wake();
  return s;
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
  if (engine_.scheduler().reaches_step_change(now)) check_prescription(now, CrcScope::kInUse);
  engine_.on_wake(now);
  handle_motor_changes(now);
  observe_safety(now);
  if (now.ms() >= (persistent_.current_hour + 1) * kMillisPerHour) hourly(now);
  if (battery_.ok() && battery_->next_check_due() <= now) check_battery(now);
  // Last: the alarms raised above sound in this same wake.
  if (alarm_wake_ <= now || alarms_changed_) {
    if (alarms_.next_wake() <= now) (void)changing_alarms().on_wake(now);
  }
  update_wake();
}

void Implant::hourly(ImplantTime now) {
  // The program is checked where it is read (step changes, commands); once a day as well, so a
  // flip in a part read rarely is found within a day.
  if (persistent_.current_hour % 24 == 23) check_prescription(now, CrcScope::kAll);
  track_stopped(now);
  if (now >= next_checkpoint()) {
    checkpoint(now);
  } else {
    close_hours(now);
  }
}

void Implant::update_wake() {
  ImplantTime next = engine_.next_wake();
  const ImplantTime hour_end = ImplantTime((persistent_.current_hour + 1) * kMillisPerHour);
  if (hour_end < next) next = hour_end;
  // The alarm manager's wake changes only when it is called: ask it again only then.
  if (alarms_changed_) {
    alarm_wake_ = alarms_.next_wake();
    alarms_changed_ = false;
  }
  if (alarm_wake_ < next) next = alarm_wake_;
  if (battery_.ok() && battery_->next_check_due() < next) next = battery_->next_check_due();
  next_wake_ = next;
}

}  // namespace itdd::app

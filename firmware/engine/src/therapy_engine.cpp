#include "itdd/engine/therapy_engine.h"

#include <memory>

#include "itdd/therapy/flex_schedule.h"

namespace itdd::engine {

using therapy::BasalMode;
using therapy::BolusDecision;
using therapy::BolusRefusal;
using therapy::Prescription;

namespace {
constexpr Concentration kMaxConcentration{100 * kNanogramsPerMilligram};
constexpr int kStallRetries = 2;
}  // namespace

const char* name(Activity activity) {
  switch (activity) {
    case Activity::kStopped:
      return "stopped";
    case Activity::kBasal:
      return "basal";
    case Activity::kPriming:
      return "priming";
    case Activity::kClinicianBolus:
      return "clinician_bolus";
    case Activity::kBridgeBolus:
      return "bridge_bolus";
    case Activity::kReservoirEmpty:
      return "reservoir_empty";
    case Activity::kHalted:
      return "halted";
  }
  return "unknown";
}

BridgePlan plan_bridge(Volume dead_volume, DoseRate daily_dose, Concentration old_concentration,
                       Concentration new_concentration) {
  BridgePlan plan;
  plan.old_concentration = old_concentration;
  plan.new_concentration = new_concentration;
  if (old_concentration == new_concentration || daily_dose.count() <= 0 ||
      dead_volume.count() <= 0) {
    return plan;
  }
  // The line holds old solution: to keep the patient's dose, push it at the flow the daily
  // dose needs at the old concentration until the dead volume has been displaced.
  plan.volume = dead_volume;
  plan.flow = flow_for(daily_dose, old_concentration);
  plan.duration = time_to_deliver(dead_volume, plan.flow);
  return plan;
}

TherapyEngine::TherapyEngine(const therapy::PumpModel& pump, hal::Motor& motor, EventSink& events,
                             ImplantTime now, WallTime wall)
    : pump_(pump),
      motor_(motor),
      events_(events),
      scheduler_(pump.stroke_volume, now, Duration(wall.ms() - now.ms())) {
  reset_state(wall.ms() - now.ms());
}

void TherapyEngine::reset_state(std::int64_t wall_offset_ms) {
  std::construct_at(&state_);  // in place: a State is kilobytes, no temporary on the stack
  state_.wall_offset_ms = wall_offset_ms;
  state_.low_threshold = pump_.low_reservoir_default;
}

void TherapyEngine::emit(ImplantTime at, EventKind kind, std::int64_t a, std::int64_t b,
                         std::uint8_t reason) {
  events_.record(TherapyEvent{at, kind, reason, a, b});
}

Activity TherapyEngine::activity() const {
  if (state_.halted) return Activity::kHalted;
  if (state_.empty) return Activity::kReservoirEmpty;
  if (scheduler_.override_active()) return state_.override_activity;
  return state_.prescription.mode == BasalMode::kStopped ? Activity::kStopped : Activity::kBasal;
}

FlowRate TherapyEngine::current_flow() const {
  if (state_.empty || state_.halted) return FlowRate(0);
  FlowRate flow =
      scheduler_.override_active()
          ? FlowRate(scheduler_.override_delivery().units_per_ms / delivery::kScheduleQuartersPerMs)
          : scheduler_.basal_flow();
  if (scheduler_.additive_active()) {
    flow +=
        FlowRate(scheduler_.additive_delivery().units_per_ms / delivery::kScheduleQuartersPerMs);
  }
  return flow;
}

void TherapyEngine::apply_basal(ImplantTime now) {
  const Prescription& rx = state_.prescription;
  switch (rx.mode) {
    case BasalMode::kContinuous:
      scheduler_.set_continuous(therapy::flow_of(rx, rx.continuous_dose), now);
      break;
    case BasalMode::kFlexible:
      scheduler_.set_flexible(&state_.prescription.flex, rx.concentration, now);
      break;
    default:
      scheduler_.set_stopped(now);
      break;
  }
}

Status TherapyEngine::program(const Prescription& rx, ImplantTime now) {
  if (Status s = therapy::validate(rx, pump_); !s) return s;
  if (rx.mode != BasalMode::kStopped) {
    if (!state_.filled) {
      return make_error(ErrorCode::kRefused, "mode", "the reservoir has not been filled");
    }
    if (!(rx.drug == state_.reservoir_drug)) {
      return make_error(ErrorCode::kMismatch, "drug", "does not match the drug in the reservoir");
    }
    if (rx.concentration != state_.reservoir_concentration) {
      return make_error(ErrorCode::kMismatch, "concentration",
                        "does not match the concentration in the reservoir");
    }
  }
  on_wake(now);
  state_.prescription = rx;
  if (state_.halted && !state_.empty) {
    state_.halted = false;
    scheduler_.resume(now);
  }
  state_.halted = false;
  apply_basal(now);
  emit(now, EventKind::kPrescriptionProgrammed, static_cast<std::int64_t>(rx.mode));
  return Status::Ok();
}

Status TherapyEngine::check_reservoir_for(Volume volume, const char* field) const {
  if (state_.halted) {
    return make_error(ErrorCode::kRefused, field,
                      "delivery is halted by a safety check: program a prescription first");
  }
  if (!state_.filled || state_.empty) {
    return make_error(ErrorCode::kRefused, field, "the reservoir is empty");
  }
  if (volume > state_.reservoir_remaining) {
    return make_error(ErrorCode::kRefused, field, "more than the reservoir holds");
  }
  return Status::Ok();
}

Result<BridgePlan> TherapyEngine::refill(const RefillCommand& cmd, ImplantTime now) {
  if (cmd.volume.count() <= 0) {
    return make_error(ErrorCode::kInvalidArgument, "volume", "must be positive");
  }
  if (cmd.volume < pump_.stroke_volume) {
    return make_error(ErrorCode::kInvalidArgument, "volume", "less than one pump stroke");
  }
  if (cmd.volume > pump_.reservoir_capacity) {
    return make_error(ErrorCode::kInvalidArgument, "volume", "exceeds the reservoir capacity");
  }
  if (cmd.concentration.count() <= 0 || cmd.concentration > kMaxConcentration) {
    return make_error(ErrorCode::kInvalidArgument, "concentration",
                      "must be positive and at most 100 mg/mL");
  }
  if (cmd.low_reservoir_threshold.count() < 0 || cmd.low_reservoir_threshold >= cmd.volume) {
    return make_error(ErrorCode::kInvalidArgument, "low_reservoir_threshold",
                      "must be below the filled volume");
  }
  // The same drug keeps its doses at the concentration just filled; another drug needs its own
  // prescription, so therapy stops until one is programmed.
  const bool same_drug = state_.filled && cmd.drug == state_.prescription.drug &&
                         state_.prescription.mode != BasalMode::kStopped;
  // The prescription it leaves is checked in place (a copy is kilobytes: a week of steps), its
  // header put back as it was: the same one at the new concentration, or for another drug an
  // empty one (stopped: its steps and doses are not read).
  Prescription& rx = state_.prescription;
  const Prescription::Header kept = rx.header();
  rx.concentration = cmd.concentration;
  if (!same_drug) {
    rx.drug = cmd.drug;
    rx.mode = BasalMode::kStopped;
    rx.patient_bolus = therapy::PatientBolusSettings{};
  }
  const Status valid = therapy::validate(rx, pump_);
  rx.set_header(kept);
  if (Status s = valid; !s) {
    if (same_drug) {
      // At most 95 characters: the wire's ErrorDetail.message (protocol/schema/itdd.options).
      return make_error(ErrorCode::kRefused, "concentration",
                        "the current doses cannot be delivered at this concentration: "
                        "program a new prescription first");
    }
    return s.error();
  }

  on_wake(now);
  const Concentration old_concentration = state_.reservoir_concentration;
  const DoseRate daily_dose = therapy::basal_daily_dose(
      state_.prescription, weekday_of_day(floor_div(scheduler_.schedule_ms(), kMillisPerDay)));
  scheduler_.cancel_override(now);
  scheduler_.cancel_additive(now);
  state_.patient_bolus_running = false;
  state_.filled = true;
  state_.reservoir_drug = cmd.drug;
  state_.reservoir_concentration = cmd.concentration;
  state_.reservoir_remaining = cmd.volume;
  state_.low_threshold = cmd.low_reservoir_threshold.count() > 0 ? cmd.low_reservoir_threshold
                                                                 : pump_.low_reservoir_default;
  state_.low_reported = false;
  if (same_drug) {
    state_.prescription.concentration = cmd.concentration;
  } else {
    std::construct_at(&state_.prescription);  // in place: no kilobytes temporary
    state_.prescription.drug = cmd.drug;
    state_.prescription.concentration = cmd.concentration;
  }
  if (state_.empty) {
    state_.empty = false;
    if (!state_.halted) scheduler_.resume(now);
  }
  apply_basal(now);
  emit(now, EventKind::kRefilled, cmd.volume.count(), cmd.concentration.count());

  BridgePlan plan;
  if (same_drug && cmd.bridge) {
    plan = plan_bridge(pump_.pump_dead_volume + state_.catheter_volume, daily_dose,
                       old_concentration, cmd.concentration);
    if (plan.volume.count() > 0 && plan.duration.count() > 0) {
      scheduler_.start_override(plan.volume, plan.duration, now);
      state_.override_activity = Activity::kBridgeBolus;
      plan.started = true;
      emit(now, EventKind::kBridgeBolusStarted, plan.volume.count(), plan.duration.count());
    }
  }
  return plan;
}

namespace {
// Longer than any intrathecal catheter holds (110 cm x 0.0026 mL/cm is under 0.3 mL).
constexpr Volume kMaxCatheterVolume = millilitres(2);

Status check_catheter_volume(Volume catheter_volume) {
  if (catheter_volume.count() < 0 || catheter_volume > kMaxCatheterVolume) {
    return make_error(ErrorCode::kInvalidArgument, "catheter_volume", "must be between 0 and 2 mL");
  }
  return Status::Ok();
}
}  // namespace

Status TherapyEngine::set_catheter_volume(Volume catheter_volume) {
  if (Status s = check_catheter_volume(catheter_volume); !s) return s;
  state_.catheter_volume = catheter_volume;
  return Status::Ok();
}

Status TherapyEngine::start_priming(Volume catheter_volume, ImplantTime now) {
  if (Status s = check_catheter_volume(catheter_volume); !s) return s;
  const Volume volume = pump_.pump_dead_volume + catheter_volume;
  if (Status s = check_reservoir_for(volume, "catheter_volume"); !s) return s;
  if (scheduler_.override_active()) {
    return make_error(ErrorCode::kRefused, "priming", "another bolus is running");
  }
  on_wake(now);
  state_.catheter_volume = catheter_volume;
  const Duration duration = time_to_deliver(volume, pump_.priming_rate);
  scheduler_.start_override(volume, duration, now);
  state_.override_activity = Activity::kPriming;
  emit(now, EventKind::kPrimingStarted, volume.count(), duration.count());
  return Status::Ok();
}

Status TherapyEngine::start_clinician_bolus(DrugAmount amount, Duration duration, ImplantTime now) {
  if (amount.count() <= 0) {
    return make_error(ErrorCode::kInvalidArgument, "amount", "must be positive");
  }
  if (duration < therapy::kMinBolusDuration || duration > therapy::kMaxBolusDuration) {
    return make_error(ErrorCode::kInvalidArgument, "duration",
                      "must be between 1 minute and 24 hours");
  }
  // The pump's state first: an empty or halted pump says so, whatever the amount.
  if (Status s = check_reservoir_for(Volume(0), "amount"); !s) return s;
  // Rounded down, as volume_holding does, but compared before narrowing to 64 bits.
  const Int128 exact_nl = static_cast<Int128>(amount.count()) * kNanolitresPerMillilitre /
                          state_.reservoir_concentration.count();
  if (exact_nl > static_cast<Int128>(state_.reservoir_remaining.count())) {
    return make_error(ErrorCode::kRefused, "amount", "more than the reservoir holds");
  }
  const Volume volume(static_cast<std::int64_t>(exact_nl));
  if (volume < pump_.stroke_volume) {
    return make_error(ErrorCode::kInvalidArgument, "amount",
                      "smaller than one pump stroke at this concentration");
  }
  // volume / duration against the maximum rate, exactly (no rounding of the rate lets a bolus
  // a fraction of a nL/day above it through).
  const Int128 day = kMillisPerDay;
  const Int128 max_rate = pump_.max_rate.count();
  if (static_cast<Int128>(volume.count()) * day > max_rate * duration.count()) {
    return make_error(ErrorCode::kInvalidArgument, "duration",
                      "too short: the bolus would exceed the pump's maximum rate");
  }
  if (scheduler_.override_active()) {
    return make_error(ErrorCode::kRefused, "amount", "another bolus is running");
  }
  // A patient bolus runs on top of whatever replaces basal: both together within the maximum.
  if (scheduler_.additive_active()) {
    const delivery::TimedDelivery& p = scheduler_.additive_delivery();
    const Int128 p_ms = (p.end - p.start).count();
    if (p_ms > 0 && (static_cast<Int128>(volume.count()) * day * p_ms +
                         static_cast<Int128>(p.volume.count()) * day * duration.count() >
                     max_rate * duration.count() * p_ms)) {
      return make_error(ErrorCode::kRefused, "duration",
                        "with the patient bolus now running the pump's maximum rate would be "
                        "exceeded: give it over a longer time or after that bolus ends");
    }
  }
  on_wake(now);
  scheduler_.start_override(volume, duration, now);
  state_.override_activity = Activity::kClinicianBolus;
  emit(now, EventKind::kClinicianBolusStarted, volume.count(), duration.count());
  return Status::Ok();
}

BolusDecision TherapyEngine::preview_patient_bolus(ImplantTime now) const {
  const Prescription& rx = state_.prescription;
  BolusDecision decision = limiter_.check(rx.patient_bolus, now);
  auto refuse = [&](BolusRefusal reason, ImplantTime next) {
    decision.granted = false;
    decision.reason = reason;
    decision.next_allowed = next;
  };
  // Limits first (they say when), then the pump's state.
  if (decision.granted) {
    if (rx.mode == BasalMode::kStopped || state_.halted) {
      refuse(BolusRefusal::kTherapyStopped, ImplantTime::never());
    } else if (state_.empty || state_.reservoir_remaining < therapy::patient_bolus_volume(rx)) {
      refuse(BolusRefusal::kReservoirLow, ImplantTime::never());
    } else if (scheduler_.override_active()) {
      refuse(BolusRefusal::kOtherBolusRunning, scheduler_.override_delivery().end);
    }
  }
  return decision;
}

BolusDecision TherapyEngine::request_patient_bolus(ImplantTime now) {
  on_wake(now);
  const Prescription& rx = state_.prescription;
  const BolusDecision decision = preview_patient_bolus(now);
  if (!decision.granted) {
    emit(now, EventKind::kPatientBolusRefused,
         decision.next_allowed.is_never() ? -1 : decision.next_allowed.ms(), 0,
         static_cast<std::uint8_t>(decision.reason));
    return decision;
  }
  const Volume volume = therapy::patient_bolus_volume(rx);
  limiter_.record_grant(now);
  scheduler_.start_additive(volume, rx.patient_bolus.duration, now);
  state_.patient_bolus_running = true;
  emit(now, EventKind::kPatientBolusGranted, volume.count(), rx.patient_bolus.duration.count());
  return decision;
}

void TherapyEngine::set_wall_clock(WallTime wall, ImplantTime now) {
  on_wake(now);
  const std::int64_t old_offset = state_.wall_offset_ms;
  state_.wall_offset_ms = wall.ms() - now.ms();
  scheduler_.set_wall_offset(Duration(state_.wall_offset_ms), false, now);
  emit(now, EventKind::kClockSet, state_.wall_offset_ms, old_offset);
}

void TherapyEngine::halt(ImplantTime now) {
  on_wake(now);
  state_.halted = true;
  state_.patient_bolus_running = false;
  state_.override_activity = Activity::kBasal;
  scheduler_.suspend(now);
}

void TherapyEngine::report_finished(ImplantTime now) {
  (void)now;
  if (state_.override_activity != Activity::kBasal && !scheduler_.override_active()) {
    const ImplantTime ended = scheduler_.override_delivery().end;
    switch (state_.override_activity) {
      case Activity::kPriming:
        emit(ended, EventKind::kPrimingEnded);
        break;
      case Activity::kClinicianBolus:
        emit(ended, EventKind::kClinicianBolusEnded);
        break;
      case Activity::kBridgeBolus:
        emit(ended, EventKind::kBridgeBolusEnded);
        break;
      default:
        break;
    }
    state_.override_activity = Activity::kBasal;
  }
  if (state_.patient_bolus_running && !scheduler_.additive_active()) {
    emit(scheduler_.additive_delivery().end, EventKind::kPatientBolusEnded);
    state_.patient_bolus_running = false;
  }
}

void TherapyEngine::deliver_stroke(ImplantTime now) {
  if (state_.reservoir_remaining < pump_.stroke_volume) {
    state_.empty = true;
    scheduler_.suspend(now);
    emit(now, EventKind::kReservoirEmpty, state_.reservoir_remaining.count());
    return;
  }
  // A stalled rotor is retried at once (a brief blockage often frees); a stroke that still
  // will not turn is counted as missed, never made up later.
  hal::StrokeFeedback feedback = motor_.stroke();
  for (int retry = 0; retry < kStallRetries && feedback.outcome == hal::StrokeOutcome::kStalled;
       ++retry) {
    feedback = motor_.stroke();
  }
  last_stroke_load_ = feedback.load_permille;
  const hal::StrokeOutcome outcome = feedback.outcome;
  scheduler_.take_stroke();
  if (outcome == hal::StrokeOutcome::kCompleted) {
    state_.reservoir_remaining -= pump_.stroke_volume;
    state_.delivered += pump_.stroke_volume;
    if (state_.motor_stalled) {
      state_.motor_stalled = false;
      emit(now, EventKind::kMotorRecovered, state_.missed.count());
    }
  } else {
    // A stroke that did not happen is not made up later: catching up would be an overdose.
    state_.missed += pump_.stroke_volume;
    if (!state_.motor_stalled) {
      state_.motor_stalled = true;
      emit(now, EventKind::kMotorStall, state_.missed.count());
    }
  }
  if (!state_.low_reported && state_.reservoir_remaining <= state_.low_threshold) {
    state_.low_reported = true;
    emit(now, EventKind::kLowReservoir, state_.reservoir_remaining.count());
  }
  if (state_.reservoir_remaining < pump_.stroke_volume) {
    state_.empty = true;
    scheduler_.suspend(now);
    emit(now, EventKind::kReservoirEmpty, state_.reservoir_remaining.count());
  }
}

void TherapyEngine::on_wake(ImplantTime now) {
  scheduler_.advance(now);
  report_finished(now);
  // One stroke per wake-up: the scheduler never lets more than one fall due when woken on
  // time, and a late wake-up must not turn into a burst.
  if (scheduler_.stroke_due() && !state_.empty && !state_.halted) deliver_stroke(now);
}

TherapyEngine::State TherapyEngine::snapshot() const {
  State s = state_;
  s.scheduler = scheduler_.state();
  s.limiter = limiter_.state();
  return s;
}

void TherapyEngine::restore(const State& state) {
  state_ = state;
  restore_parts();
}

const TherapyEngine::State& TherapyEngine::state_for_checkpoint() {
  state_.scheduler = scheduler_.state();
  state_.limiter = limiter_.state();
  return state_;
}

void TherapyEngine::restore_parts() {
  scheduler_.restore(state_.scheduler, state_.prescription.mode == BasalMode::kFlexible
                                           ? &state_.prescription.flex
                                           : nullptr);
  limiter_.restore(state_.limiter);
}

Volume TherapyEngine::resume_after_reset(ImplantTime now, const DeliveredSince& known) {
  const ImplantTime checkpoint = scheduler_.state().last;
  Volume accounted{0};
  if (known.until > checkpoint && known.until <= now) {
    // Recorded delivery replaces what the program called for up to the last record.
    scheduler_.advance(known.until);
    scheduler_.drop_pending();
    scheduler_.count_strokes(known.strokes);
    accounted =
        known.volume < state_.reservoir_remaining ? known.volume : state_.reservoir_remaining;
    state_.reservoir_remaining -= accounted;
    state_.delivered += accounted;
  }
  scheduler_.advance(now);
  report_finished(now);
  Volume assumed = scheduler_.pending_volume();
  if (assumed > state_.reservoir_remaining) assumed = state_.reservoir_remaining;
  scheduler_.drop_pending();
  state_.reservoir_remaining -= assumed;
  emit(now, EventKind::kResumedAfterReset, (now - checkpoint).count(), assumed.count());
  if (!state_.low_reported && state_.filled && state_.reservoir_remaining <= state_.low_threshold) {
    state_.low_reported = true;
    emit(now, EventKind::kLowReservoir, state_.reservoir_remaining.count());
  }
  if (state_.filled && !state_.empty && state_.reservoir_remaining < pump_.stroke_volume) {
    state_.empty = true;
    scheduler_.suspend(now);
    emit(now, EventKind::kReservoirEmpty, state_.reservoir_remaining.count());
  }
  return assumed;
}

void TherapyEngine::replay_patient_bolus(ImplantTime granted_at) {
  limiter_.record_grant(granted_at);
  Volume volume = therapy::patient_bolus_volume(state_.prescription);
  if (volume > state_.reservoir_remaining) volume = state_.reservoir_remaining;
  state_.reservoir_remaining -= volume;
}

std::span<std::uint8_t> TherapyEngine::scheduler_ram_for_fault_injection() {
  delivery::StrokeScheduler::State& raw = scheduler_.raw_state_for_fault_injection();
  return std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(&raw), sizeof(raw));
}

}  // namespace itdd::engine

// The implant's therapy engine: holds the prescription and the reservoir account, turns the
// program into strokes through the StrokeScheduler and hal::Motor, grants or refuses patient
// boluses, and says when it next has work (no polling). Every command is checked and either
// applied whole or refused with a reason, leaving the state unchanged.
#pragma once

#include <cstdint>
#include <span>

#include "itdd/core/result.h"
#include "itdd/core/time.h"
#include "itdd/delivery/stroke_scheduler.h"
#include "itdd/engine/events.h"
#include "itdd/hal/motor.h"
#include "itdd/therapy/patient_bolus_limiter.h"
#include "itdd/therapy/prescription.h"
#include "itdd/therapy/pump_model.h"

namespace itdd::engine {

// What is driving the pump right now.
enum class Activity : std::uint8_t {
  kStopped,         // no prescription delivering (mode stopped)
  kBasal,           // the prescription's basal program
  kPriming,         // filling pump and catheter dead volume
  kClinicianBolus,  // a clinician bolus, basal paused
  kBridgeBolus,     // old drug pushed out of the line after a concentration change
  kReservoirEmpty,  // delivery stopped until a refill
  kHalted,          // stopped by a safety mechanism until a prescription is programmed
};

const char* name(Activity activity);

struct RefillCommand {
  Volume volume{};  // what is now in the reservoir
  therapy::Drug drug{};
  Concentration concentration{};
  Volume low_reservoir_threshold{};  // 0: the pump model's default
  bool bridge = true;  // on a concentration change, push the old drug at the dose-keeping rate
};

// Computed when a refill changes the concentration of the same drug.
struct BridgePlan {
  bool started = false;
  Volume volume{};  // dead volume holding the old solution
  FlowRate flow{};  // keeps the daily dose unchanged with the old concentration
  Duration duration{};
  Concentration old_concentration{};
  Concentration new_concentration{};
};

// Bridge bolus arithmetic, exposed for the programmer's preview and for tests.
BridgePlan plan_bridge(Volume dead_volume, DoseRate daily_dose, Concentration old_concentration,
                       Concentration new_concentration);

// What the implant's delivery records say was delivered after a checkpoint, up to `until`.
struct DeliveredSince {
  Volume volume{};
  std::int64_t strokes = 0;
  ImplantTime until{};
};

struct Projection {
  ImplantTime low_reservoir = ImplantTime::never();
  ImplantTime empty = ImplantTime::never();
};

class TherapyEngine {
 public:
  // Everything that must survive a restart (issue: storage keeps it in flash).
  struct State {
    therapy::Prescription prescription{};
    bool filled = false;  // a drug has been put in the reservoir
    therapy::Drug reservoir_drug{};
    Concentration reservoir_concentration{};
    Volume reservoir_remaining{};
    Volume low_threshold{};
    bool low_reported = false;
    bool empty = false;
    bool halted = false;
    Volume catheter_volume{};
    Activity override_activity = Activity::kBasal;  // what the scheduler's override is
    bool patient_bolus_running = false;
    bool motor_stalled = false;
    std::int64_t wall_offset_ms = 0;
    Volume delivered{};  // completed strokes
    Volume missed{};     // strokes the motor could not complete
    delivery::StrokeScheduler::State scheduler{};
    therapy::PatientBolusLimiter::State limiter{};
  };

  TherapyEngine(const therapy::PumpModel& pump, hal::Motor& motor, EventSink& events,
                ImplantTime now, WallTime wall);

  // ---- commands ----
  Status program(const therapy::Prescription& rx, ImplantTime now);
  Result<BridgePlan> refill(const RefillCommand& refill, ImplantTime now);
  // The catheter's internal volume (set at implant and after a catheter revision): with the
  // pump's dead volume it is what a priming bolus fills and a bridge bolus displaces.
  Status set_catheter_volume(Volume catheter_volume);
  Status start_priming(Volume catheter_volume, ImplantTime now);
  // A clinician bolus of `amount` over `duration`, replacing basal while it runs. The implant's
  // own hard limits, whatever the programmer checked (the drug library's limits are the
  // programmer's): a positive amount of at least one stroke at the reservoir's concentration;
  // 1 minute to 24 hours; no more than the reservoir holds (computed without overflow, so no
  // amount can wrap into a small volume); its rate, with any patient bolus still running on top
  // (which the safety monitor counts too), within the pump's maximum rate, compared exactly;
  // no other bolus running. Each refusal names the limit it met.
  Status start_clinician_bolus(DrugAmount amount, Duration duration, ImplantTime now);
  therapy::BolusDecision request_patient_bolus(ImplantTime now);
  void set_wall_clock(WallTime wall, ImplantTime now);
  // Stops all delivery at once and keeps it stopped (a safety-monitor trip, a corrupted live
  // prescription) until a prescription is programmed again. Nothing pending is caught up.
  void halt(ImplantTime now);

  // ---- the event loop ----
  // Does whatever is due at `now` (strokes, ends of boluses). Call at next_wake() or later.
  void on_wake(ImplantTime now);
  ImplantTime next_wake() const { return scheduler_.next_wake(); }

  // ---- reading ----
  Activity activity() const;
  const therapy::Prescription& prescription() const { return state_.prescription; }
  const therapy::PumpModel& pump() const { return pump_; }
  Volume reservoir_remaining() const { return state_.reservoir_remaining; }
  bool filled() const { return state_.filled; }
  const therapy::Drug& reservoir_drug() const { return state_.reservoir_drug; }
  Concentration reservoir_concentration() const { return state_.reservoir_concentration; }
  Volume low_threshold() const { return state_.low_threshold; }
  Volume catheter_volume() const { return state_.catheter_volume; }
  Volume delivered() const { return state_.delivered; }
  Volume missed() const { return state_.missed; }
  Volume programmed() const { return scheduler_.programmed_volume(); }
  std::int64_t strokes() const { return scheduler_.strokes(); }
  // Drive effort of the last stroke (per mille of rated load), for occlusion detection.
  std::uint16_t last_stroke_load() const { return last_stroke_load_; }
  FlowRate current_flow() const;
  WallTime wall_clock(ImplantTime now) const { return WallTime(now.ms() + state_.wall_offset_ms); }
  std::uint8_t patient_boluses_in_last_24h(ImplantTime now) const {
    return limiter_.granted_in_last_24h(now);
  }
  // What request_patient_bolus() would decide at `now` (after on_wake(now)), changing nothing:
  // what the patient's device shows before the patient asks.
  therapy::BolusDecision preview_patient_bolus(ImplantTime now) const;
  // When the reservoir will reach its low threshold and run empty at the earliest: the program
  // continues and every allowed patient bolus is taken as early as its lockout and 24-hour
  // limit allow (docs/therapy-engine.md). A bound: neither alarm can come sooner, unless the
  // clock is set or a clinician bolus is given afterwards.
  Projection project(ImplantTime now) const;
  const delivery::StrokeScheduler& scheduler() const { return scheduler_; }

  State snapshot() const;
  void restore(const State& state);
  // The same without a State-sized copy (the implant's checkpoint and boot; a State holds a
  // week's prescription, kilobytes): the engine's own state, brought up to date, to be written
  // as it is...
  const State& state_for_checkpoint();
  // ...and read straight into it: `load(State&)` fills it and says whether it succeeded; then
  // the engine is restored from it as restore() would. When it fails, the state is reset to
  // what the constructor made (at a boot: the engine as it was before the load) and false
  // returned. Call only on an engine that has not run yet.
  template <class Load>
  bool restore_in_place(Load&& load) {
    const std::int64_t wall_offset_ms = state_.wall_offset_ms;
    if (!load(state_)) {
      reset_state(wall_offset_ms);
      return false;
    }
    restore_parts();
    return true;
  }
  // The scheduler's live state as raw RAM, for the simulator's fault injector only (a scheduler
  // fault the independent safety monitor must catch). Nothing in the implant calls it.
  std::span<std::uint8_t> scheduler_ram_for_fault_injection();
  // After a reset the restored state is that of the last checkpoint, and what the program
  // called for between then and `now` may or may not have been delivered. The reservoir
  // account assumes it was (so alarms come early, never late), none of it is delivered again,
  // and the gap is reported. Returns the volume assumed delivered (beyond what `known` says).
  // `known` is what the implant's own delivery records say was delivered after the checkpoint
  // (up to known.until); only the time after that is assumed.
  Volume resume_after_reset(ImplantTime now, const DeliveredSince& known = DeliveredSince{});
  // A patient bolus granted after the checkpoint, found in the event log at boot: it counts
  // toward the bolus limits again and is assumed delivered.
  void replay_patient_bolus(ImplantTime granted_at);

 private:
  void emit(ImplantTime at, EventKind kind, std::int64_t a = 0, std::int64_t b = 0,
            std::uint8_t reason = 0);
  void apply_basal(ImplantTime now);
  void report_finished(ImplantTime now);
  void deliver_stroke(ImplantTime now);
  Status check_reservoir_for(Volume volume, const char* field) const;
  void reset_state(std::int64_t wall_offset_ms);
  void restore_parts();
  ImplantTime time_to_consume(Int128 need_units, ImplantTime from,
                              std::int64_t schedule_from) const;

  therapy::PumpModel pump_;
  hal::Motor& motor_;
  std::uint16_t last_stroke_load_ = 0;
  EventSink& events_;
  State state_{};
  delivery::StrokeScheduler scheduler_;
  therapy::PatientBolusLimiter limiter_;
};

}  // namespace itdd::engine

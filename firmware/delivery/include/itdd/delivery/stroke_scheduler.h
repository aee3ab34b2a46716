// Turns flows into strokes. The scheduler integrates every active flow exactly, in integer
// "delivery units" (1 nL = kUnitsPerNanolitre), and calls for a stroke whenever the programmed
// volume not yet delivered reaches one stroke. The remainder carries over, so at any moment
//     0 <= programmed - delivered < one stroke
// across step changes, boluses, clock changes and restarts (the state is a plain value).
//
// Flows:
//   basal     stopped, continuous (a constant flow) or flexible (a week of time-of-day steps);
//   override  a timed delivery that replaces basal while it runs (clinician, priming and
//             bridge boluses), after which basal resumes on its own;
//   additive  a timed delivery on top of basal (a patient bolus).
// A timed delivery of V nL over T ms runs at floor(V*U/T) units/ms and adds the remainder at
// its end, so it delivers exactly V.
//
// Time of day. Flexible programs run on schedule time, which equals local wall time except
// after the clock is set: then schedule time re-aligns by running at 5/4 (clock set forward) or
// 3/4 (clock set back) speed until it meets wall time. A step is therefore never delivered
// twice (clock back) or skipped (clock forward); its dose is spread over the re-alignment.
// Schedule time is kept in quarter-milliseconds so the 5/4 and 3/4 speeds stay integral.
#pragma once

#include <cstdint>

#include "itdd/core/time.h"
#include "itdd/core/units.h"
#include "itdd/therapy/prescription.h"

namespace itdd::delivery {

inline constexpr std::int64_t kScheduleQuartersPerMs = 4;
inline constexpr std::int64_t kUnitsPerNanolitre = kMillisPerDay * kScheduleQuartersPerMs;

// A fixed volume delivered over a fixed time, exactly.
struct TimedDelivery {
  bool active = false;
  std::int64_t units_per_ms = 0;
  std::int64_t end_remainder = 0;  // units added when it ends
  ImplantTime start{};
  ImplantTime end{};
  Volume volume{};
};

class StrokeScheduler {
 public:
  // Everything that must survive a restart.
  struct State {
    Volume stroke_volume{};
    ImplantTime last{};
    std::int64_t pending = 0;  // programmed but not yet delivered, in units
    std::int64_t strokes = 0;  // strokes called for (delivered or missed)
    therapy::BasalMode basal_mode = therapy::BasalMode::kStopped;
    FlowRate continuous_flow{};
    Concentration flex_concentration{};
    std::int64_t schedule_q = 0;       // schedule time in quarter-ms (local ms since 1970 * 4)
    std::int64_t target_offset_q = 0;  // wall offset in quarter-ms that schedule time tends to
    std::int64_t flex_boundary_q = 0;  // schedule time of the next step change
    FlowRate flex_flow{};
    bool suspended = false;
    TimedDelivery override_delivery{};
    TimedDelivery additive_delivery{};
  };

  StrokeScheduler() = default;
  StrokeScheduler(Volume stroke_volume, ImplantTime now, Duration wall_offset);

  // Basal. `flex` must outlive its use; the engine owns the prescription it points into.
  void set_stopped(ImplantTime now);
  void set_continuous(FlowRate flow, ImplantTime now);
  void set_flexible(const therapy::FlexProgram* flex, Concentration concentration, ImplantTime now);

  // Timed deliveries. Starting one replaces any of the same kind (remainder left undelivered).
  void start_override(Volume volume, Duration duration, ImplantTime now);
  void cancel_override(ImplantTime now);
  void start_additive(Volume volume, Duration duration, ImplantTime now);
  void cancel_additive(ImplantTime now);

  // The wall clock moved to `offset` (wall = monotonic + offset). With `realign_now` the
  // schedule jumps (at start-up or when a program is set), otherwise it re-aligns gradually.
  void set_wall_offset(Duration offset, bool realign_now, ImplantTime now);

  // While suspended (empty reservoir) nothing accumulates, timed deliveries are cancelled,
  // the part of a stroke pending is dropped and nothing is caught up later.
  void suspend(ImplantTime now);
  void resume(ImplantTime now);

  // Integrates every flow up to `now`.
  void advance(ImplantTime now);
  bool stroke_due() const { return state_.pending >= stroke_units_; }
  // Records one stroke (completed or missed: a missed stroke is never made up).
  void take_stroke() {
    state_.pending -= stroke_units_;
    ++state_.strokes;
  }

  // True if integrating up to `now` reaches a flexible step change, where the program is read.
  bool reaches_step_change(ImplantTime now) const {
    return state_.basal_mode == therapy::BasalMode::kFlexible && flex_ != nullptr &&
           !state_.suspended &&
           state_.schedule_q + (now - state_.last).count() * (kScheduleQuartersPerMs + 1) >=
               state_.flex_boundary_q;
  }
  // Forgets what is pending (after a reset the engine accounts for it otherwise).
  void drop_pending() { state_.pending = 0; }
  // Strokes made while this state was not kept (known from the delivery records after a reset).
  void count_strokes(std::int64_t strokes) { state_.strokes += strokes; }

  // When the next stroke or change of flow is due; never() if nothing will happen.
  ImplantTime next_wake() const;

  // Everything programmed so far: each stroke called for plus what is pending.
  Volume programmed_volume() const {
    return state_.stroke_volume * state_.strokes + Volume(state_.pending / kUnitsPerNanolitre);
  }
  Volume pending_volume() const { return Volume(state_.pending / kUnitsPerNanolitre); }
  std::int64_t pending_units() const { return state_.pending; }
  std::int64_t strokes() const { return state_.strokes; }
  bool override_active() const { return state_.override_delivery.active; }
  bool additive_active() const { return state_.additive_delivery.active; }
  const TimedDelivery& override_delivery() const { return state_.override_delivery; }
  const TimedDelivery& additive_delivery() const { return state_.additive_delivery; }
  bool suspended() const { return state_.suspended; }
  bool realigning() const { return offset_q() != state_.target_offset_q; }
  // Schedule time, local ms since 1970 (the wall time the flexible program is following).
  std::int64_t schedule_ms() const { return floor_div(state_.schedule_q, kScheduleQuartersPerMs); }
  FlowRate basal_flow() const;

  const State& state() const { return state_; }
  State& raw_state_for_fault_injection() { return state_; }
  void restore(const State& state, const therapy::FlexProgram* flex);

 private:
  std::int64_t offset_q() const {
    return state_.schedule_q - state_.last.ms() * kScheduleQuartersPerMs;
  }
  std::int64_t schedule_speed() const;  // quarter-ms of schedule time per ms of real time
  std::int64_t mono_units_per_ms() const;
  ImplantTime next_change() const;
  void integrate(std::int64_t dt_ms);
  void finish_deliveries();
  void relocate_flex(std::int64_t schedule_q);
  static void start_timed(TimedDelivery& d, Volume volume, Duration duration, ImplantTime now);

  State state_{};
  std::int64_t stroke_units_ = 0;
  const therapy::FlexProgram* flex_ = nullptr;
};

}  // namespace itdd::delivery

#include "itdd/delivery/stroke_scheduler.h"

#include "itdd/therapy/flex_schedule.h"

namespace itdd::delivery {
namespace {

// A long gap (a restore after a day without wake-ups) is integrated in at most this many
// segments per call; what remains is integrated by the next call.
constexpr int kMaxSegmentsPerAdvance = 1 << 16;

constexpr std::int64_t ceil_div(std::int64_t a, std::int64_t b) {
  return (a + b - 1) / b;
}

ImplantTime earlier(ImplantTime a, ImplantTime b) {
  return a < b ? a : b;
}

}  // namespace

StrokeScheduler::StrokeScheduler(Volume stroke_volume, ImplantTime now, Duration wall_offset) {
  state_.stroke_volume = stroke_volume;
  state_.last = now;
  state_.target_offset_q = wall_offset.count() * kScheduleQuartersPerMs;
  state_.schedule_q = now.ms() * kScheduleQuartersPerMs + state_.target_offset_q;
  stroke_units_ = stroke_volume.count() * kUnitsPerNanolitre;
}

void StrokeScheduler::restore(const State& state, const therapy::FlexProgram* flex) {
  state_ = state;
  stroke_units_ = state.stroke_volume.count() * kUnitsPerNanolitre;
  flex_ = flex;
}

void StrokeScheduler::set_stopped(ImplantTime now) {
  advance(now);
  state_.basal_mode = therapy::BasalMode::kStopped;
  flex_ = nullptr;
}

void StrokeScheduler::set_continuous(FlowRate flow, ImplantTime now) {
  advance(now);
  state_.basal_mode = therapy::BasalMode::kContinuous;
  state_.continuous_flow = flow;
  flex_ = nullptr;
}

void StrokeScheduler::set_flexible(const therapy::FlexProgram* flex, Concentration concentration,
                                   ImplantTime now) {
  advance(now);
  state_.basal_mode = therapy::BasalMode::kFlexible;
  state_.flex_concentration = concentration;
  flex_ = flex;
  // A program just set starts aligned with the wall clock.
  state_.schedule_q = now.ms() * kScheduleQuartersPerMs + state_.target_offset_q;
  relocate_flex(state_.schedule_q);
}

void StrokeScheduler::start_timed(TimedDelivery& d, Volume volume, Duration duration,
                                  ImplantTime now) {
  const std::int64_t total = volume.count() * kUnitsPerNanolitre;
  const std::int64_t ms = duration.count() > 0 ? duration.count() : 1;
  d.active = true;
  d.units_per_ms = total / ms;
  d.end_remainder = total - d.units_per_ms * ms;
  d.start = now;
  d.end = now + Duration(ms);
  d.volume = volume;
}

void StrokeScheduler::start_override(Volume volume, Duration duration, ImplantTime now) {
  advance(now);
  if (state_.suspended) return;
  start_timed(state_.override_delivery, volume, duration, now);
}

void StrokeScheduler::cancel_override(ImplantTime now) {
  advance(now);
  state_.override_delivery.active = false;
}

void StrokeScheduler::start_additive(Volume volume, Duration duration, ImplantTime now) {
  advance(now);
  if (state_.suspended) return;
  start_timed(state_.additive_delivery, volume, duration, now);
}

void StrokeScheduler::cancel_additive(ImplantTime now) {
  advance(now);
  state_.additive_delivery.active = false;
}

void StrokeScheduler::set_wall_offset(Duration offset, bool realign_now, ImplantTime now) {
  advance(now);
  state_.target_offset_q = offset.count() * kScheduleQuartersPerMs;
  if (realign_now || state_.suspended || state_.basal_mode != therapy::BasalMode::kFlexible) {
    state_.schedule_q = now.ms() * kScheduleQuartersPerMs + state_.target_offset_q;
    if (state_.basal_mode == therapy::BasalMode::kFlexible && flex_ != nullptr) {
      relocate_flex(state_.schedule_q);
    }
  }
}

void StrokeScheduler::suspend(ImplantTime now) {
  advance(now);
  state_.suspended = true;
  // What was pending when delivery stopped is dropped: resuming must never start with a
  // catch-up.
  state_.pending = 0;
  state_.override_delivery.active = false;
  state_.additive_delivery.active = false;
}

void StrokeScheduler::resume(ImplantTime now) {
  advance(now);
  if (!state_.suspended) return;
  state_.suspended = false;
  state_.schedule_q = now.ms() * kScheduleQuartersPerMs + state_.target_offset_q;
  if (state_.basal_mode == therapy::BasalMode::kFlexible && flex_ != nullptr) {
    relocate_flex(state_.schedule_q);
  }
}

FlowRate StrokeScheduler::basal_flow() const {
  if (state_.suspended) return FlowRate(0);
  switch (state_.basal_mode) {
    case therapy::BasalMode::kContinuous:
      return state_.continuous_flow;
    case therapy::BasalMode::kFlexible:
      return state_.flex_flow;
    default:
      return FlowRate(0);
  }
}

std::int64_t StrokeScheduler::schedule_speed() const {
  const std::int64_t offset = offset_q();
  if (offset < state_.target_offset_q) return kScheduleQuartersPerMs + 1;
  if (offset > state_.target_offset_q) return kScheduleQuartersPerMs - 1;
  return kScheduleQuartersPerMs;
}

std::int64_t StrokeScheduler::mono_units_per_ms() const {
  if (state_.suspended) return 0;
  std::int64_t units = state_.additive_delivery.active ? state_.additive_delivery.units_per_ms : 0;
  if (state_.override_delivery.active) {
    units += state_.override_delivery.units_per_ms;
  } else if (state_.basal_mode == therapy::BasalMode::kContinuous) {
    units += state_.continuous_flow.count() * kScheduleQuartersPerMs;
  }
  return units;
}

ImplantTime StrokeScheduler::next_change() const {
  if (state_.suspended) return ImplantTime::never();
  ImplantTime next = ImplantTime::never();
  if (state_.override_delivery.active) next = earlier(next, state_.override_delivery.end);
  if (state_.additive_delivery.active) next = earlier(next, state_.additive_delivery.end);
  if (state_.basal_mode == therapy::BasalMode::kFlexible && flex_ != nullptr) {
    const std::int64_t slew = state_.target_offset_q - offset_q();
    if (slew != 0) next = earlier(next, state_.last + Duration(slew > 0 ? slew : -slew));
    const std::int64_t ahead = state_.flex_boundary_q - state_.schedule_q;
    const std::int64_t speed = schedule_speed();
    // Normal speed is a power of two: a shift instead of a division on the hot path.
    const std::int64_t ms =
        speed == kScheduleQuartersPerMs ? (ahead + 3) >> 2 : ceil_div(ahead, speed);
    next = earlier(next, state_.last + Duration(ms));
  }
  return next;
}

void StrokeScheduler::relocate_flex(std::int64_t schedule_q) {
  const therapy::FlexPosition position = therapy::locate(
      *flex_, state_.flex_concentration, floor_div(schedule_q, kScheduleQuartersPerMs));
  state_.flex_flow = position.flow;
  state_.flex_boundary_q = position.next_boundary_ms * kScheduleQuartersPerMs;
}

void StrokeScheduler::integrate(std::int64_t dt_ms) {
  std::int64_t units = mono_units_per_ms() * dt_ms;
  const std::int64_t speed = state_.suspended ? kScheduleQuartersPerMs : schedule_speed();
  const std::int64_t from_q = state_.schedule_q;
  const std::int64_t to_q = from_q + speed * dt_ms;
  if (state_.basal_mode == therapy::BasalMode::kFlexible && flex_ != nullptr && !state_.suspended) {
    const bool basal_runs = !state_.override_delivery.active;
    // Segments end at the first millisecond at or after a step change, so at most one change
    // lies inside; the part before it runs at the old step's flow, the rest at the next one's.
    if (to_q >= state_.flex_boundary_q) {
      const std::int64_t boundary_q = state_.flex_boundary_q;
      if (basal_runs) units += state_.flex_flow.count() * (boundary_q - from_q);
      relocate_flex(boundary_q);
      if (basal_runs) units += state_.flex_flow.count() * (to_q - boundary_q);
    } else if (basal_runs) {
      units += state_.flex_flow.count() * (to_q - from_q);
    }
  }
  state_.schedule_q = to_q;
  state_.pending += units;
}

void StrokeScheduler::finish_deliveries() {
  TimedDelivery* deliveries[] = {&state_.override_delivery, &state_.additive_delivery};
  for (TimedDelivery* d : deliveries) {
    if (d->active && d->end <= state_.last) {
      state_.pending += d->end_remainder;
      d->active = false;
    }
  }
}

void StrokeScheduler::advance(ImplantTime now) {
  for (int segment = 0; segment < kMaxSegmentsPerAdvance && state_.last < now; ++segment) {
    ImplantTime segment_end = earlier(now, next_change());
    if (segment_end <= state_.last) segment_end = state_.last + Duration(1);
    integrate((segment_end - state_.last).count());
    state_.last = segment_end;
    finish_deliveries();
  }
}

ImplantTime StrokeScheduler::next_wake() const {
  if (stroke_due()) return state_.last;
  std::int64_t rate = mono_units_per_ms();
  if (!state_.suspended && !state_.override_delivery.active &&
      state_.basal_mode == therapy::BasalMode::kFlexible && flex_ != nullptr) {
    rate += state_.flex_flow.count() * schedule_speed();
  }
  const ImplantTime change = next_change();
  if (rate <= 0) return change;
  const ImplantTime stroke = state_.last + Duration(ceil_div(stroke_units_ - state_.pending, rate));
  return earlier(stroke, change);
}

}  // namespace itdd::delivery

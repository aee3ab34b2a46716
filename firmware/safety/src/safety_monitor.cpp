#include "itdd/safety/safety_monitor.h"

#include "itdd/therapy/flex_schedule.h"

namespace itdd::safety {
namespace {

constexpr std::int64_t kSlewNumerator = 5;
constexpr std::int64_t kSlewDenominator = 4;
constexpr std::int64_t kSlackStrokes = 2;
// Buckets per day, and per hour: a window's volume is a sum of whole buckets.
constexpr std::int64_t kBucketsPerDay = static_cast<std::int64_t>(SafetyMonitor::kBuckets);
constexpr std::int64_t kBucketsPerHour = kBucketsPerDay / 24;

Volume larger(Volume a, Volume b) {
  return a > b ? a : b;
}

}  // namespace

const char* name(TripWindow window) {
  switch (window) {
    case TripWindow::kNone:
      return "none";
    case TripWindow::kOneHour:
      return "1 h";
    case TripWindow::kOneDay:
      return "24 h";
    case TripWindow::kPumpMaximum:
      return "pump maximum";
  }
  return "unknown";
}

void SafetyMonitor::set_prescription(const therapy::Prescription& rx, ImplantTime now) {
  state_.previous = state_.prescription;
  state_.prescription = rx;
  state_.prescription_since = now;
  state_.allowance_minute = -1;
  state_.flex_until_ms = -1;
  state_.continuous_flow = rx.mode == therapy::BasalMode::kContinuous
                               ? therapy::flow_of(rx, rx.continuous_dose).count()
                               : 0;
  state_.patient_extra_1h = patient_extra(hours(1));
  state_.patient_extra_24h = patient_extra(days(1));
  // The minute of the change allows the larger of the two programs.
  const std::int64_t minute = now.ms() / SafetyMonitor::kBucketMs;
  if (minute == state_.current_minute) {
    const std::size_t slot = static_cast<std::size_t>(minute % kBucketsPerDay);
    const std::int32_t flow = minute_flow(minute);
    if (flow > state_.allowed_flow_per_minute[slot]) set_minute(minute, flow);
  }
}

std::int64_t SafetyMonitor::flow_at(const therapy::Prescription& rx, std::int64_t wall_ms) {
  using therapy::BasalMode;
  if (rx.mode == BasalMode::kContinuous) return state_.continuous_flow;
  if (rx.mode != BasalMode::kFlexible) return 0;
  if (wall_ms < state_.flex_from_ms || wall_ms >= state_.flex_until_ms) {
    const therapy::FlexPosition pos = therapy::locate(rx.flex, rx.concentration, wall_ms);
    state_.flex_from_ms = wall_ms;
    state_.flex_until_ms = pos.next_boundary_ms;
    state_.flex_flow = pos.flow.count();
  }
  return state_.flex_flow;
}

std::int32_t SafetyMonitor::minute_flow(std::int64_t minute) {
  const std::int64_t start = minute * SafetyMonitor::kBucketMs + state_.wall_offset_ms;
  const std::int64_t at_start = flow_at(state_.prescription, start);
  const std::int64_t end = start + SafetyMonitor::kBucketMs - 1;
  const std::int64_t at_end =
      end < state_.flex_until_ms ? at_start : flow_at(state_.prescription, end);
  const std::int64_t flow = at_start > at_end ? at_start : at_end;
  return static_cast<std::int32_t>(flow < INT32_MAX ? flow : INT32_MAX);
}

void SafetyMonitor::set_minute(std::int64_t minute, std::int32_t flow) {
  const std::size_t slot = static_cast<std::size_t>(minute % kBucketsPerDay);
  state_.allowed_flow_24h += flow - state_.allowed_flow_per_minute[slot];
  state_.allowed_flow_1h += flow - state_.allowed_flow_per_minute[slot];
  state_.allowed_flow_per_minute[slot] = flow;
}

void SafetyMonitor::authorise(Volume volume, ImplantTime start, Duration duration) {
  state_.authorised[state_.authorised_next] = Authorised{start, start + duration, volume};
  if (start + duration > state_.authorised_until) state_.authorised_until = start + duration;
  state_.authorised_next = static_cast<std::uint8_t>((state_.authorised_next + 1) % kMaxAuthorised);
  state_.allowance_minute = -1;
}

void SafetyMonitor::advance_to_minute(std::int64_t minute) {
  if (minute <= state_.current_minute) return;
  std::int64_t from = state_.current_minute + 1;
  if (minute - state_.current_minute >= kBucketsPerDay) {
    state_.strokes_per_minute.fill(0);
    state_.allowed_flow_per_minute.fill(0);
    state_.strokes_1h = 0;
    state_.strokes_24h = 0;
    state_.allowed_flow_1h = 0;
    state_.allowed_flow_24h = 0;
    from = minute - kBucketsPerDay + 1;
  }
  // At most a day of buckets: bounded by kBuckets. Slots advance by one, wrapping, so no
  // division runs per minute.
  const std::int64_t n = kBucketsPerDay;
  std::size_t slot = static_cast<std::size_t>(from % n);
  std::size_t hour_old = static_cast<std::size_t>(((from - kBucketsPerHour) % n + n) % n);
  for (std::int64_t m = from; m <= minute; ++m) {
    // The bucket leaving the hour is the one an hour before m.
    state_.strokes_1h -= state_.strokes_per_minute[hour_old];
    state_.allowed_flow_1h -= state_.allowed_flow_per_minute[hour_old];
    state_.strokes_24h -= state_.strokes_per_minute[slot];
    state_.allowed_flow_24h -= state_.allowed_flow_per_minute[slot];
    state_.strokes_per_minute[slot] = 0;
    const std::int32_t flow = minute_flow(m);
    state_.allowed_flow_per_minute[slot] = flow;
    state_.allowed_flow_1h += flow;
    state_.allowed_flow_24h += flow;
    slot = slot + 1 == kBuckets ? 0 : slot + 1;
    hour_old = hour_old + 1 == kBuckets ? 0 : hour_old + 1;
  }
  state_.current_minute = minute;
}

Volume SafetyMonitor::basal_allowance(const therapy::Prescription& rx, ImplantTime from,
                                      ImplantTime to) const {
  using therapy::BasalMode;
  if (rx.mode == BasalMode::kContinuous) {
    return volume_over(therapy::flow_of(rx, rx.continuous_dose), to - from);
  }
  if (rx.mode != BasalMode::kFlexible) return Volume(0);
  // Walk the steps over [from, to] in wall time: at most a day and a few steps.
  std::int64_t t = from.ms() + state_.wall_offset_ms;
  const std::int64_t end = to.ms() + state_.wall_offset_ms;
  Int128 units = 0;  // nL x ms per day
  for (int i = 0; i < 2 * static_cast<int>(therapy::kMaxStepsPerDay) + 4 && t < end; ++i) {
    const therapy::FlexPosition pos = therapy::locate(rx.flex, rx.concentration, t);
    const std::int64_t segment_end = pos.next_boundary_ms < end ? pos.next_boundary_ms : end;
    units += static_cast<Int128>(pos.flow.count()) * (segment_end - t);
    t = segment_end;
  }
  return Volume(static_cast<std::int64_t>((units + kMillisPerDay - 1) / kMillisPerDay));
}

Volume SafetyMonitor::patient_extra(Duration window) const {
  const therapy::PatientBolusSettings& pb = state_.prescription.patient_bolus;
  if (!pb.enabled || state_.prescription.mode == therapy::BasalMode::kStopped) return Volume(0);
  std::int64_t most = pb.max_per_24h;
  if (pb.lockout.count() > 0) {
    const std::int64_t by_lockout = window.count() / pb.lockout.count() + 1;
    if (by_lockout < most) most = by_lockout;
  }
  return therapy::patient_bolus_volume(state_.prescription) * most;
}

Volume SafetyMonitor::extras(Duration window, ImplantTime now) const {
  const ImplantTime from = now - window;
  Volume allowed{0};
  if (state_.authorised_until > from) {
    for (const Authorised& a : state_.authorised) {
      if (a.volume.count() > 0 && a.end > from && a.start <= now) allowed += a.volume;
    }
  }
  allowed += window == hours(1)  ? state_.patient_extra_1h
             : window == days(1) ? state_.patient_extra_24h
                                 : patient_extra(window);
  return allowed + pump_.stroke_volume * kSlackStrokes;
}

Volume SafetyMonitor::window_allowance(std::int64_t flow_sum, Duration window,
                                       ImplantTime now) const {
  // Sum of per-minute flows (nL/day) / 1440 is the basal volume, rounded up, then x 5/4.
  const std::int64_t basal = (flow_sum + kBucketsPerDay - 1) / kBucketsPerDay;
  return Volume(basal * kSlewNumerator / kSlewDenominator + 1) + extras(window, now);
}

Volume SafetyMonitor::allowance(Duration window, ImplantTime now) const {
  const ImplantTime from = now - window;
  Volume basal = basal_allowance(state_.prescription, from, now);
  if (state_.prescription_since > from) {
    basal = larger(basal, basal_allowance(state_.previous, from, now));
  }
  return Volume(basal.count() * kSlewNumerator / kSlewDenominator + 1) + extras(window, now);
}

Verdict SafetyMonitor::observe(std::uint32_t sensed_strokes, ImplantTime now) {
  if (state_.tripped) return state_.trip;
  // Most observations fall in the bucket of the last one: no division then.
  const std::int64_t bucket_start = state_.current_minute * SafetyMonitor::kBucketMs;
  const std::int64_t minute =
      now.ms() >= bucket_start && now.ms() < bucket_start + SafetyMonitor::kBucketMs
          ? state_.current_minute
          : now.ms() / SafetyMonitor::kBucketMs;
  advance_to_minute(minute);
  if (!state_.sensor_known) {
    state_.sensor_known = true;
    state_.last_sensed = sensed_strokes;
    return Verdict{};
  }
  // Unsigned difference: the count may wrap.
  const std::uint32_t seen = sensed_strokes - state_.last_sensed;
  state_.last_sensed = sensed_strokes;
  if (seen == 0) return Verdict{};
  const std::size_t slot = static_cast<std::size_t>(minute % kBucketsPerDay);
  const std::uint32_t room = 0xFFFFu - state_.strokes_per_minute[slot];
  state_.strokes_per_minute[slot] =
      static_cast<std::uint16_t>(state_.strokes_per_minute[slot] + (seen < room ? seen : room));
  state_.strokes_1h += seen;
  state_.strokes_24h += seen;

  // Fast path: within the basal allowance alone (boluses and slack only add to it) nothing
  // can have been breached.
  const std::int64_t stroke = pump_.stroke_volume.count();
  if (state_.strokes_1h * stroke * kBucketsPerDay * kSlewDenominator <=
          state_.allowed_flow_1h * kSlewNumerator &&
      state_.strokes_24h * stroke * kBucketsPerDay * kSlewDenominator <=
          state_.allowed_flow_24h * kSlewNumerator) {
    return Verdict{};
  }
  if (state_.allowance_minute != minute) {
    // Once a minute: the windows end with this minute.
    const ImplantTime minute_end = ImplantTime((minute + 1) * SafetyMonitor::kBucketMs);
    state_.allowed_1h = window_allowance(state_.allowed_flow_1h, hours(1), minute_end);
    state_.allowed_24h = window_allowance(state_.allowed_flow_24h, days(1), minute_end);
    state_.allowance_minute = minute;
  }
  Verdict v;
  const Volume hard_1h = volume_over(pump_.max_rate, hours(1)) + pump_.stroke_volume * 2;
  if (delivered_last_hour() > hard_1h) {
    v = Verdict{true, TripWindow::kPumpMaximum, delivered_last_hour(), hard_1h};
  } else if (delivered_last_hour() > state_.allowed_1h) {
    v = Verdict{true, TripWindow::kOneHour, delivered_last_hour(), state_.allowed_1h};
  } else if (delivered_last_day() > state_.allowed_24h) {
    v = Verdict{true, TripWindow::kOneDay, delivered_last_day(), state_.allowed_24h};
  }
  if (v.tripped) {
    state_.tripped = true;
    state_.trip = v;
  }
  return v;
}

}  // namespace itdd::safety

#include "itdd/safety/safety_monitor.h"

#include "itdd/therapy/flex_schedule.h"

namespace itdd::safety {
namespace {

constexpr std::int64_t kSlewNumerator = 5;
constexpr std::int64_t kSlewDenominator = 4;
constexpr std::int64_t kSlackStrokes = 2;

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
}

void SafetyMonitor::authorise(Volume volume, ImplantTime start, Duration duration) {
  state_.authorised[state_.authorised_next] = Authorised{start, start + duration, volume};
  state_.authorised_next = static_cast<std::uint8_t>((state_.authorised_next + 1) % kMaxAuthorised);
  state_.allowance_minute = -1;
}

void SafetyMonitor::advance_to_minute(std::int64_t minute) {
  if (minute <= state_.current_minute) return;
  if (minute - state_.current_minute >= static_cast<std::int64_t>(kMinutes)) {
    state_.strokes_per_minute.fill(0);
    state_.strokes_1h = 0;
    state_.strokes_24h = 0;
    state_.current_minute = minute;
    return;
  }
  // At most a day of buckets: bounded by kMinutes.
  for (std::int64_t m = state_.current_minute + 1; m <= minute; ++m) {
    const std::size_t slot = static_cast<std::size_t>(m % static_cast<std::int64_t>(kMinutes));
    state_.strokes_24h -= state_.strokes_per_minute[slot];
    state_.strokes_per_minute[slot] = 0;
    // The bucket leaving the hour is the one 60 minutes before m.
    const std::size_t hour_old =
        static_cast<std::size_t>((m - 60) % static_cast<std::int64_t>(kMinutes) + kMinutes) %
        kMinutes;
    state_.strokes_1h -= state_.strokes_per_minute[hour_old];
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

Volume SafetyMonitor::allowance(Duration window, ImplantTime now) const {
  const ImplantTime from = now - window;
  Volume basal = basal_allowance(state_.prescription, from, now);
  if (state_.prescription_since > from) {
    basal = larger(basal, basal_allowance(state_.previous, from, now));
  }
  Volume allowed = Volume(basal.count() * kSlewNumerator / kSlewDenominator + 1);
  for (const Authorised& a : state_.authorised) {
    if (a.volume.count() > 0 && a.end > from && a.start <= now) allowed += a.volume;
  }
  const therapy::PatientBolusSettings& pb = state_.prescription.patient_bolus;
  if (pb.enabled && state_.prescription.mode != therapy::BasalMode::kStopped) {
    std::int64_t most = pb.max_per_24h;
    if (pb.lockout.count() > 0) {
      const std::int64_t by_lockout = window.count() / pb.lockout.count() + 1;
      if (by_lockout < most) most = by_lockout;
    }
    allowed += therapy::patient_bolus_volume(state_.prescription) * most;
  }
  return allowed + pump_.stroke_volume * kSlackStrokes;
}

Verdict SafetyMonitor::observe(std::uint32_t sensed_strokes, ImplantTime now) {
  if (state_.tripped) return state_.trip;
  const std::int64_t minute = now.ms() / kMillisPerMinute;
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
  const std::size_t slot = static_cast<std::size_t>(minute % static_cast<std::int64_t>(kMinutes));
  const std::uint32_t room = 0xFFFFu - state_.strokes_per_minute[slot];
  state_.strokes_per_minute[slot] =
      static_cast<std::uint16_t>(state_.strokes_per_minute[slot] + (seen < room ? seen : room));
  state_.strokes_1h += seen;
  state_.strokes_24h += seen;

  if (state_.allowance_minute != minute) {
    // The allowance grows by at most the pump's maximum over the rest of the minute.
    const ImplantTime minute_end = ImplantTime((minute + 1) * kMillisPerMinute);
    state_.allowed_1h = allowance(hours(1), minute_end);
    state_.allowed_24h = allowance(days(1), minute_end);
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

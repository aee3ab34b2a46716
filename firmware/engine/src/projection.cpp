// The reservoir projection: when the low-reservoir alarm and the empty stop come at the
// earliest. It claims to be the worst case, so it must be a bound: the program continues, and
// every patient bolus the limits allow is taken as early as they allow it (the first as soon as
// the lockout and the 24-hour maximum permit, each next one a lockout later, or when the oldest
// of the last 24 hours turns a day old). Spreading the boluses over the day, as an average,
// would put the alarm up to hours after a patient who takes them early actually meets it.
//
// Everything is counted in the scheduler's delivery units (kUnitsPerNanolitre per nL) so that
// nothing is rounded toward a later alarm: a bolus of V nL over D ms is counted as reaching
// the pump at exactly V/D per ms (the scheduler delivers it at floor(V*U/D) units per ms, and
// the remainder at its end, never sooner), and basal at its exact flow.
#include <array>

#include "itdd/engine/therapy_engine.h"
#include "itdd/therapy/flex_schedule.h"

namespace itdd::engine {

using therapy::BasalMode;
using therapy::Prescription;

namespace {

constexpr std::int64_t kWeekMs = 7 * kMillisPerDay;
// Past a century the answer is "never": nothing is filled for that long.
constexpr std::int64_t kMaxWeeks = 100 * 53;
// One week holds at most 7 x (48 steps + midnight) flexible segments.
constexpr int kMaxSegmentsPerWeek = 7 * (static_cast<int>(therapy::kMaxStepsPerDay) + 1) + 1;

// The start times of the worst case's patient boluses: the first ones exactly as the limiter
// would grant them (it knows the boluses already given), then, once the pattern repeats, as a
// periodic tail: every 24 hours (the daily maximum binds) or every lockout (the lockout binds).
class EarliestBoluses {
 public:
  EarliestBoluses(const therapy::PatientBolusLimiter& limiter,
                  const therapy::PatientBolusSettings& pb, ImplantTime from) {
    if (!pb.enabled || pb.max_per_24h == 0 || pb.duration.count() <= 0) return;
    duration_ = pb.duration.count();
    const int n = pb.max_per_24h;
    const std::int64_t lockout = pb.lockout.count();
    therapy::PatientBolusLimiter greedy = limiter;
    ImplantTime t = from;
    while (exact_count_ < kMaxExact) {
      const therapy::BolusDecision d = greedy.check(pb, t);
      const ImplantTime grant = d.granted ? t : d.next_allowed;
      if (grant.is_never()) return;
      greedy.record_grant(grant);
      exact_[static_cast<std::size_t>(exact_count_++)] = grant.ms();
      t = grant;
      const int k = exact_count_ - 1;
      // The next grant is max(last + lockout, the n-th last + 24 h). When each of the last n
      // came 24 hours after the one n before it, so do all later ones.
      if (k >= 2 * n - 1 && repeats_daily(k, n)) {
        set_daily_tail(k, n);
        return;
      }
      // When n lockouts span a day or more and the last n came a lockout apart, the lockout
      // alone decides from then on.
      if (static_cast<Int128>(n) * lockout >= kMillisPerDay && k >= n - 1 &&
          spaced_by(k, n, lockout)) {
        tail_start_[0] = exact_[static_cast<std::size_t>(k)] + lockout;
        tail_count_ = 1;
        period_ = lockout;
        return;
      }
    }
    // Not settled within kMaxExact grants (it settles within a few days): each later grant
    // comes at least 24 hours after the one n before it, so this tail is never later.
    set_daily_tail(exact_count_ - 1, n);
  }

  bool any() const { return exact_count_ > 0; }
  std::int64_t duration_ms() const { return duration_; }

  // Milliseconds of bolus delivery the worst case has made by `t` (summed over boluses; each
  // bolus delivers for duration_ms()).
  Int128 delivering_ms_by(std::int64_t t) const {
    Int128 total = 0;
    for (int i = 0; i < exact_count_; ++i) total += ramp(t - exact_[static_cast<std::size_t>(i)]);
    for (int i = 0; i < tail_count_; ++i) {
      const std::int64_t s = tail_start_[static_cast<std::size_t>(i)];
      if (t <= s) continue;
      // Boluses s, s + period, ...: all but the last started are whole (period >= duration).
      const std::int64_t started = (t - s) / period_ + 1;
      total += static_cast<Int128>(started - 1) * duration_ + ramp(t - s - (started - 1) * period_);
    }
    return total;
  }

 private:
  static constexpr int kMaxExact = 3 * therapy::kMaxPatientBolusesPer24h + 4;

  std::int64_t ramp(std::int64_t since_start) const {
    return since_start <= 0 ? 0 : (since_start < duration_ ? since_start : duration_);
  }
  std::int64_t at(int i) const { return exact_[static_cast<std::size_t>(i)]; }
  bool repeats_daily(int k, int n) const {
    for (int j = k - n + 1; j <= k; ++j) {
      if (at(j) != at(j - n) + kMillisPerDay) return false;
    }
    return true;
  }
  bool spaced_by(int k, int n, std::int64_t lockout) const {
    for (int j = k - n + 2; j <= k; ++j) {
      if (at(j) - at(j - 1) != lockout) return false;
    }
    return true;
  }
  void set_daily_tail(int k, int n) {
    const int first = k - n + 1 < 0 ? 0 : k - n + 1;
    tail_count_ = 0;
    for (int j = first; j <= k; ++j) {
      tail_start_[static_cast<std::size_t>(tail_count_++)] = at(j) + kMillisPerDay;
    }
    period_ = kMillisPerDay;
  }

  std::array<std::int64_t, kMaxExact> exact_{};
  int exact_count_ = 0;
  std::array<std::int64_t, therapy::kMaxPatientBolusesPer24h> tail_start_{};
  int tail_count_ = 0;
  std::int64_t period_ = kMillisPerDay;
  std::int64_t duration_ = 1;
};

struct BasalSegment {
  std::int64_t flow = 0;  // nL/day
  std::int64_t end = 0;   // schedule ms
};

BasalSegment basal_at(const Prescription& rx, std::int64_t schedule, std::int64_t limit) {
  BasalSegment seg;
  if (rx.mode == BasalMode::kContinuous) {
    seg.flow = therapy::flow_of(rx, rx.continuous_dose).count();
    seg.end = limit;
    return seg;
  }
  const therapy::FlexPosition pos = therapy::locate(rx.flex, rx.concentration, schedule);
  seg.flow = pos.flow.count();
  seg.end = pos.next_boundary_ms < limit ? pos.next_boundary_ms : limit;
  return seg;
}

}  // namespace

// When the program and the earliest patient boluses, running from implant time `from`
// (schedule time `schedule_from`), will have programmed `need_units` more.
ImplantTime TherapyEngine::time_to_consume(Int128 need_units, ImplantTime from,
                                           std::int64_t schedule_from) const {
  if (need_units <= 0) return from;
  const Prescription& rx = state_.prescription;
  if (rx.mode != BasalMode::kContinuous && rx.mode != BasalMode::kFlexible) {
    return ImplantTime::never();
  }
  const EarliestBoluses boluses(limiter_, rx.patient_bolus, from);
  // Everything below is scaled by the bolus duration D so that a bolus's V*U/D units per ms
  // stays an integer: total(t) = D * basal units + V*U * bolus delivering ms.
  const Int128 d = boluses.duration_ms();
  const Int128 bolus_units = boluses.any() ? static_cast<Int128>(therapy::patient_bolus_volume(rx).count()) *
                                                 delivery::kUnitsPerNanolitre
                                           : 0;
  const Int128 target = need_units * d;
  const auto total = [&](Int128 basal_units, std::int64_t t_ms) {
    return basal_units * d + bolus_units * boluses.delivering_ms_by(t_ms);
  };
  constexpr std::int64_t q = delivery::kScheduleQuartersPerMs;  // units per ms per nL/day

  // Basal over one week (it repeats weekly).
  Int128 week_basal = 0;
  std::int64_t schedule = schedule_from;
  for (int i = 0; i < kMaxSegmentsPerWeek && schedule < schedule_from + kWeekMs; ++i) {
    const BasalSegment seg = basal_at(rx, schedule, schedule_from + kWeekMs);
    week_basal += static_cast<Int128>(seg.flow) * q * (seg.end - schedule);
    schedule = seg.end;
  }
  if (week_basal <= 0 && bolus_units <= 0) return ImplantTime::never();

  // The last whole week before the target is reached: found by doubling, then halving.
  const std::int64_t start = from.ms();
  const auto short_after = [&](std::int64_t weeks) {
    return total(week_basal * weeks, start + weeks * kWeekMs) < target;
  };
  std::int64_t lo = 0;
  std::int64_t hi = 1;
  while (hi < kMaxWeeks && short_after(hi)) {
    lo = hi;
    hi *= 2;
  }
  if (hi >= kMaxWeeks) {
    hi = kMaxWeeks;
    if (short_after(hi)) return ImplantTime::never();
  }
  while (hi - lo > 1) {
    const std::int64_t mid = lo + (hi - lo) / 2;
    (short_after(mid) ? lo : hi) = mid;
  }

  // Then segment by segment through that week, and the first millisecond within the segment.
  schedule = schedule_from + lo * kWeekMs;
  const std::int64_t week_end = schedule + kWeekMs;
  std::int64_t t = start + lo * kWeekMs;
  Int128 basal = week_basal * lo;
  for (int i = 0; i < kMaxSegmentsPerWeek && schedule < week_end; ++i) {
    const BasalSegment seg = basal_at(rx, schedule, week_end);
    const std::int64_t len = seg.end - schedule;
    const Int128 per_ms = static_cast<Int128>(seg.flow) * q;
    if (total(basal + per_ms * len, t + len) >= target) {
      std::int64_t below = 0;  // total(t + below) < target
      std::int64_t reached = len;
      while (reached - below > 1) {
        const std::int64_t mid = below + (reached - below) / 2;
        (total(basal + per_ms * mid, t + mid) < target ? below : reached) = mid;
      }
      return ImplantTime(t + reached);
    }
    basal += per_ms * len;
    t += len;
    schedule = seg.end;
  }
  return ImplantTime::never();
}

Projection TherapyEngine::project(ImplantTime now) const {
  Projection p;
  if (!state_.filled || state_.empty) {
    p.low_reservoir = now;
    p.empty = now;
    return p;
  }
  // The scheduler has integrated up to `last` (now, when woken first).
  const ImplantTime last = scheduler_.state().last;
  // A running clinician, priming or bridge bolus pauses basal: it uses what is left of it, and
  // the program continues from its end. A running patient bolus adds what is left of it. Both
  // are counted as if delivered at once, which only brings the projection earlier.
  const auto left_of = [&](const delivery::TimedDelivery& d) {
    if (!d.active) return Int128(0);
    return static_cast<Int128>(d.units_per_ms) * (d.end - last).count() + d.end_remainder;
  };
  const delivery::TimedDelivery& override_delivery = scheduler_.override_delivery();
  const Int128 committed = left_of(override_delivery) + left_of(scheduler_.additive_delivery());
  const ImplantTime from = override_delivery.active ? override_delivery.end : last;
  const std::int64_t schedule_from = scheduler_.schedule_ms() + (from - last).count();

  // Delivery is in whole strokes: the alarm comes with the stroke that reaches the threshold,
  // and delivery stops after the last whole stroke the reservoir holds. What is already
  // pending (to the unit) or committed to a running bolus counts toward those strokes.
  const std::int64_t stroke = pump_.stroke_volume.count();
  const Int128 stroke_units = static_cast<Int128>(stroke) * delivery::kUnitsPerNanolitre;
  const std::int64_t above_low = (state_.reservoir_remaining - state_.low_threshold).count();
  const Int128 already = committed + scheduler_.pending_units();
  const std::int64_t strokes_to_low = above_low <= 0 ? 0 : (above_low + stroke - 1) / stroke;
  const Int128 to_low = stroke_units * strokes_to_low - already;
  const Int128 to_empty = stroke_units * (state_.reservoir_remaining.count() / stroke) - already;
  if (state_.low_reported) {
    p.low_reservoir = now;
  } else if (to_low <= 0) {
    p.low_reservoir = from;  // reached during the running bolus: by its end at the latest
  } else {
    p.low_reservoir = time_to_consume(to_low, from, schedule_from);
  }
  p.empty = to_empty <= 0 ? from : time_to_consume(to_empty, from, schedule_from);
  return p;
}

}  // namespace itdd::engine

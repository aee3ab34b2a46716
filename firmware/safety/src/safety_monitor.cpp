#include "itdd/safety/safety_monitor.h"

#include "itdd/therapy/flex_schedule.h"

namespace itdd::safety {
namespace {

constexpr std::int64_t kNever = INT64_MAX;
// Allowance units a millisecond for a flow of 1 nL/day: 4 normally, 5 while re-aligning (5/4).
constexpr std::int64_t kQuarters = 4;
constexpr std::int64_t kRealignQuarters = 5;
// The scheduler re-aligns at a quarter of real time: a change of d takes 4 d.
constexpr std::int64_t kRealignPerMs = 4;
constexpr std::uint32_t kSegmentMask = static_cast<std::uint32_t>(SafetyMonitor::kSegments - 1);
static_assert((SafetyMonitor::kSegments & kSegmentMask) == 0, "the rate record is a power of 2");
// The hour's entries: its kStrokeRing strokes less the oldest (held by its time), and an escape
// for every kEscapeMs of the gaps between them, which add up to less than an hour.
static_assert(SafetyMonitor::kHourEscapes * SafetyMonitor::kEscapeMs < kMillisPerHour &&
                  (SafetyMonitor::kHourEscapes + 1) * SafetyMonitor::kEscapeMs >= kMillisPerHour,
              "the most escapes an hour's gaps hold");
static_assert(SafetyMonitor::kHourEntries ==
                  SafetyMonitor::kStrokeRing - 1 + SafetyMonitor::kHourEscapes,
              "the hour's ring holds its most strokes with every escape");
static_assert(SafetyMonitor::kHourEntries <= UINT16_MAX, "the hour's ring is indexed in 16 bits");
// Boundaries the rate record can pass in one call: a day and a bucket of a flexible program's
// steps and midnights, and a re-alignment's end, with room to spare.
constexpr int kMaxCutsPerAdvance = 4 * (static_cast<int>(therapy::kMaxStepsPerDay) + 2);

constexpr std::int64_t kBucketCount = static_cast<std::int64_t>(SafetyMonitor::kBuckets);
// A pack's base gap is its first gap less this: later gaps up to this much shorter or longer fit.
constexpr std::int64_t kHalfGapRange = StrokePack::kWidestGapMs / 2;

// The bucket's slot in the day ring.
std::size_t slot_of(std::int64_t bucket) {
  return static_cast<std::size_t>(floor_mod(bucket, kBucketCount));
}

std::int64_t distance(std::int64_t a, std::int64_t b) {
  return a > b ? a - b : b - a;
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

SafetyMonitor::SafetyMonitor(const therapy::PumpModel& pump) : pump_(pump) {
  // What the pump's maximum rate delivers in an hour, in whole strokes, and one of slack.
  if (pump_.stroke_volume.count() <= 0) pump_.stroke_volume = Volume(1);
  const std::int64_t stroke = pump_.stroke_volume.count();
  hard_1h_ = volume_over(pump.max_rate, hours(1)).count() / stroke + 1;
}

bool SafetyMonitor::fits(const therapy::PumpModel& pump) {
  if (pump.stroke_volume.count() <= 0) return false;
  const std::int64_t hard =
      volume_over(pump.max_rate, hours(1)).count() / pump.stroke_volume.count() + 1;
  return hard + 1 <= static_cast<std::int64_t>(kStrokeRing);
}

// ---- the allowed rate over time ----

std::int64_t SafetyMonitor::rate_at(std::int64_t ms, std::int64_t* until_ms) {
  using therapy::BasalMode;
  const therapy::Prescription& rx = state_.prescription;
  *until_ms = kNever;
  if (rx.mode == BasalMode::kContinuous) {
    return therapy::flow_of(rx, rx.continuous_dose).count() * kQuarters;
  }
  if (rx.mode != BasalMode::kFlexible) return 0;
  if (ms < state_.realign_until_ms) {
    // Schedule time may stand anywhere between the old and the new wall time, at up to 5/4
    // speed: the program's highest step at 5/4 covers every position.
    *until_ms = state_.realign_until_ms;
    return state_.flex_max_flow * kRealignQuarters;
  }
  const std::int64_t wall = ms + state_.wall_offset_ms;
  if (wall < state_.flex_from_ms || wall >= state_.flex_until_ms) {
    const therapy::FlexPosition pos = therapy::locate(rx.flex, rx.concentration, wall);
    state_.flex_from_ms = wall;
    state_.flex_until_ms = pos.next_boundary_ms;
    state_.flex_flow = pos.flow.count();
  }
  *until_ms = state_.flex_until_ms - state_.wall_offset_ms;
  return state_.flex_flow * kQuarters;
}

void SafetyMonitor::push_segment(std::int64_t start_ms, std::int64_t rate, bool tell) {
  if (state_.segment_count > 0) {
    Segment& newest =
        state_.segments[(state_.segment_oldest + state_.segment_count - 1) & kSegmentMask];
    if (start_ms < newest.start_ms) return;  // the record only grows forward
    if (start_ms == newest.start_ms || rate == newest.rate) {
      // The same moment (the old rate never applied) or no change.
      if (start_ms == newest.start_ms && rate != newest.rate) {
        newest.rate = rate;
        if (tell && sink_ != nullptr) sink_->rate_changed(ImplantTime(start_ms), rate);
      }
      return;
    }
  }
  Segment next{start_ms, rate, 0};
  if (state_.segment_count > 0) {
    const Segment& newest =
        state_.segments[(state_.segment_oldest + state_.segment_count - 1) & kSegmentMask];
    // Modulo 2^64: only differences over a day are ever taken.
    next.accrued = newest.accrued + static_cast<std::uint64_t>(newest.rate) *
                                        static_cast<std::uint64_t>(start_ms - newest.start_ms);
  }
  if (state_.segment_count == kSegments) {
    Segment& oldest = state_.segments[state_.segment_oldest & kSegmentMask];
    Segment& second = state_.segments[(state_.segment_oldest + 1) & kSegmentMask];
    if (second.start_ms > start_ms - kHistoryMs) {
      // Both still needed: merge them into one that accrues nothing until the third begins,
      // so a window starting there is allowed more (what accrued after it), never less.
      second = Segment{oldest.start_ms, 0, oldest.accrued};
    }
    ++state_.segment_oldest;
    --state_.segment_count;
  }
  state_.segments[(state_.segment_oldest + state_.segment_count) & kSegmentMask] = next;
  ++state_.segment_count;
  if (tell && sink_ != nullptr) sink_->rate_changed(ImplantTime(start_ms), rate);
}

void SafetyMonitor::advance_rates(std::int64_t now_ms) {
  if (state_.rate_until_ms > now_ms) return;
  if (now_ms - state_.rate_until_ms > kHistoryMs) {
    // Nothing older than the day window is needed: start again a day back.
    state_.rate_until_ms = now_ms - kHistoryMs;
  }
  for (int i = 0; i < kMaxCutsPerAdvance && state_.rate_until_ms <= now_ms; ++i) {
    const std::int64_t at = state_.rate_until_ms;
    std::int64_t until = kNever;
    const std::int64_t rate = rate_at(at, &until);
    push_segment(at, rate, true);
    state_.rate_until_ms = until > at ? until : at + 1;
  }
}

std::uint64_t SafetyMonitor::accrued_at(std::int64_t ms, std::uint32_t* cursor) const {
  if (state_.segment_count == 0) return 0;
  const std::uint32_t first = state_.segment_oldest;
  const std::uint32_t end = first + state_.segment_count;
  std::uint32_t seq = *cursor;
  if (seq < first || seq >= end || state_.segments[seq & kSegmentMask].start_ms > ms) seq = first;
  // Bounded by kSegments; the windows' starts only move forward, so usually no step at all.
  while (seq + 1 < end && state_.segments[(seq + 1) & kSegmentMask].start_ms <= ms) ++seq;
  *cursor = seq;
  const Segment& s = state_.segments[seq & kSegmentMask];
  if (ms <= s.start_ms) return s.accrued;
  return s.accrued +
         static_cast<std::uint64_t>(s.rate) * static_cast<std::uint64_t>(ms - s.start_ms);
}

std::int64_t SafetyMonitor::allowed_rate_at(ImplantTime at) {
  std::uint32_t cursor = state_.segment_oldest;
  (void)accrued_at(at.ms(), &cursor);
  return state_.segment_count == 0 ? 0 : state_.segments[cursor & kSegmentMask].rate;
}

// ---- the prescription, the clock and authorised boluses ----

Volume SafetyMonitor::patient_extra(Duration window) const {
  const therapy::PatientBolusSettings& pb = state_.prescription.patient_bolus;
  if (!pb.enabled || state_.prescription.mode == therapy::BasalMode::kStopped) return Volume(0);
  const std::int64_t per_day = pb.max_per_24h;
  // Any 24 h holds at most per_day; a window longer than a day, per_day more in the rest.
  std::int64_t most = per_day;
  if (window > days(1)) {
    std::int64_t rest = per_day;
    if (pb.lockout.count() > 0) {
      const std::int64_t by_lockout = (window - days(1)).count() / pb.lockout.count() + 1;
      if (by_lockout < rest) rest = by_lockout;
    }
    most += rest;
  }
  if (pb.lockout.count() > 0) {
    const std::int64_t by_lockout = window.count() / pb.lockout.count() + 1;
    if (by_lockout < most) most = by_lockout;
  }
  return therapy::patient_bolus_volume(state_.prescription) * most;
}

void SafetyMonitor::start(ImplantTime now) {
  if (state_.started) return;
  state_.started = true;
  state_.current_bucket = floor_div(now.ms(), kBucketMs);
  state_.last_ms = now.ms();
  std::int64_t until = kNever;
  const std::int64_t rate = rate_at(now.ms(), &until);
  push_segment(now.ms(), rate, true);
  state_.rate_until_ms = until > now.ms() ? until : now.ms() + 1;
}

void SafetyMonitor::set_prescription(const therapy::Prescription& rx, ImplantTime now) {
  if (state_.started) advance_rates(now.ms());
  // What the program in force allowed stays allowed (added to what earlier ones did, while
  // those still reach a day window) for windows reaching back to before its last bolus ended.
  // The same program told again (a refill, a boot) changes nothing.
  const bool changed = therapy::first_difference(state_.prescription, rx) != nullptr;
  if (changed && state_.earlier_until.ms() <= now.ms() - kHistoryMs) {
    state_.earlier_patient_extra_1h = Volume(0);
    state_.earlier_patient_extra_day = Volume(0);
  }
  if (changed) {
    state_.earlier_patient_extra_1h += state_.patient_extra_1h;
    state_.earlier_patient_extra_day += state_.patient_extra_day;
    const ImplantTime bolus_end = now + state_.prescription.patient_bolus.duration;
    if (bolus_end > state_.earlier_until) state_.earlier_until = bolus_end;
  }
  if (changed && sink_ != nullptr && state_.earlier_patient_extra_day > Volume(0)) {
    sink_->earlier_patient_extras(state_.earlier_until, state_.earlier_patient_extra_1h,
                                  state_.earlier_patient_extra_day);
  }
  state_.prescription = rx;
  state_.flex_until_ms = -1;
  state_.flex_max_flow = 0;
  if (rx.mode == therapy::BasalMode::kFlexible) {
    // Bounded: 7 days of at most 48 steps.
    for (const therapy::DayProgram& day : rx.flex.days) {
      for (std::size_t i = 0; i < day.step_count && i < day.steps.size(); ++i) {
        const std::int64_t flow = therapy::flow_of(rx, day.steps[i].dose_rate()).count();
        if (flow > state_.flex_max_flow) state_.flex_max_flow = flow;
      }
    }
  }
  state_.patient_extra_1h = patient_extra(hours(1));
  state_.patient_extra_day = patient_extra(Duration(kHistoryMs));
  if (!state_.started) {
    start(now);
    return;
  }
  std::int64_t until = kNever;
  const std::int64_t rate = rate_at(now.ms(), &until);
  push_segment(now.ms(), rate, true);
  state_.rate_until_ms = until > now.ms() ? until : now.ms() + 1;
}

void SafetyMonitor::clock_set(Duration offset, ImplantTime now) {
  if (!state_.started) {
    state_.wall_offset_ms = offset.count();
    return;
  }
  advance_rates(now.ms());
  const std::int64_t change = distance(offset.count(), state_.wall_offset_ms);
  state_.wall_offset_ms = offset.count();
  state_.flex_until_ms = -1;
  if (change > 0 && state_.prescription.mode == therapy::BasalMode::kFlexible) {
    // A re-alignment still running has at most its own remaining time left, plus the new one.
    const std::int64_t from =
        state_.realign_until_ms > now.ms() ? state_.realign_until_ms : now.ms();
    state_.realign_until_ms = from + kRealignPerMs * change;
  }
  std::int64_t until = kNever;
  const std::int64_t rate = rate_at(now.ms(), &until);
  push_segment(now.ms(), rate, true);
  state_.rate_until_ms = until > now.ms() ? until : now.ms() + 1;
}

void SafetyMonitor::realigning_until(ImplantTime until, ImplantTime now) {
  if (until.ms() <= state_.realign_until_ms || until <= now) return;
  start(now);
  advance_rates(now.ms());
  state_.realign_until_ms = until.ms();
  std::int64_t next = kNever;
  const std::int64_t rate = rate_at(now.ms(), &next);
  push_segment(now.ms(), rate, true);
  state_.rate_until_ms = next > now.ms() ? next : now.ms() + 1;
}

void SafetyMonitor::authorise(Volume volume, ImplantTime start, Duration duration) {
  restore_authorised(start, start + duration, volume);
  if (sink_ != nullptr) sink_->bolus_authorised(start, start + duration, volume);
}

void SafetyMonitor::restore_authorised(ImplantTime start, ImplantTime end, Volume volume) {
  state_.authorised[state_.authorised_next] = Authorised{start, end, volume};
  if (end > state_.authorised_until) state_.authorised_until = end;
  state_.authorised_next = static_cast<std::uint8_t>((state_.authorised_next + 1) % kMaxAuthorised);
}

// ---- the windows ----

void SafetyMonitor::advance_buckets(std::int64_t bucket) {
  if (bucket <= state_.current_bucket) return;
  if (sink_ != nullptr) {
    const std::int64_t per_hour = kMillisPerHour / kBucketMs;
    if (floor_div(bucket, per_hour) != floor_div(state_.current_bucket, per_hour)) {
      // Once an hour the rate in force is told again, so the ledger always holds the rate at
      // the start of a day window even when it has not changed for longer than it keeps.
      const ImplantTime hour(floor_div(bucket, per_hour) * kMillisPerHour);
      sink_->rate_changed(hour, allowed_rate_at(hour));
    }
  }
  if (bucket - state_.current_bucket >= kBucketCount) {
    state_.bucket_strokes.fill(0);
    state_.strokes_24h = 0;
    state_.current_bucket = bucket;
    return;
  }
  // Fewer than kBuckets steps: each new bucket takes the slot of the one leaving the window.
  for (std::int64_t b = state_.current_bucket + 1; b <= bucket; ++b) {
    std::uint16_t& slot = state_.bucket_strokes[slot_of(b)];
    state_.strokes_24h -= slot;
    slot = 0;
  }
  state_.current_bucket = bucket;
}

void SafetyMonitor::forget_strokes_before(std::int64_t now_ms) {
  if (now_ms - state_.last_ms >= kMillisPerHour) {
    state_.strokes_1h = 0;
    state_.hour_entries = 0;
    return;
  }
  leave_hour(now_ms);
}

// The strokes of the hour's ring that are not in the hour ending at `now_ms` leave, oldest first:
// each one that leaves makes the next the oldest, at its time plus its gap (escapes, then the
// rest).
void SafetyMonitor::leave_hour(std::int64_t now_ms) {
  State& s = state_;
  const std::uint32_t now32 = static_cast<std::uint32_t>(now_ms);
  std::uint32_t strokes = s.strokes_1h;
  std::uint32_t head = s.hour_head;
  std::uint32_t entries = s.hour_entries;
  std::uint32_t oldest = s.hour_oldest_ms;
  // Each stroke leaves once, each entry is read once: bounded by the ring.
  while (strokes > 0 && now32 - oldest >= static_cast<std::uint32_t>(kMillisPerHour)) {
    if (--strokes == 0) entries = 0;
    std::uint16_t entry = kEscape;
    while (entry == kEscape && entries > 0) {
      entry = s.hour_gaps[head];
      head = head + 1 == kHourEntries ? 0 : head + 1;
      --entries;
      oldest += entry;
    }
  }
  s.strokes_1h = strokes;
  s.hour_head = static_cast<std::uint16_t>(head);
  s.hour_entries = static_cast<std::uint16_t>(entries);
  s.hour_oldest_ms = oldest;
}

// A stroke at `ms` joins the hour (the caller has let those an hour older leave). One out of
// time order (a restore) is kept at the newest's time: it leaves with the strokes before it, as
// it did from a ring of times read oldest first. False, the ring unchanged, when it has no room:
// never for an hour of at most kStrokeRing strokes (kHourEntries).
bool SafetyMonitor::keep_in_hour(std::int64_t ms) {
  State& s = state_;
  const std::uint32_t ms32 = static_cast<std::uint32_t>(ms);
  if (s.strokes_1h == 0) {
    s.hour_oldest_ms = ms32;
    s.hour_newest_ms = ms32;
    s.hour_entries = 0;
  } else {
    // Within the hour: far less than 2^31 ms either way.
    const std::int32_t after = static_cast<std::int32_t>(ms32 - s.hour_newest_ms);
    std::uint32_t rest = after > 0 ? static_cast<std::uint32_t>(after) : 0;
    std::uint32_t entries = s.hour_entries;
    std::uint32_t at = s.hour_head + entries;
    // Its escapes, then the rest: bounded by the ring's room.
    for (;;) {
      if (entries == kHourEntries) return false;
      if (at >= kHourEntries) at -= static_cast<std::uint32_t>(kHourEntries);
      ++entries;
      if (rest < kEscapeMs) break;
      s.hour_gaps[at++] = kEscape;
      rest -= kEscapeMs;
    }
    s.hour_gaps[at] = static_cast<std::uint16_t>(rest);
    s.hour_entries = static_cast<std::uint16_t>(entries);
    if (after > 0) s.hour_newest_ms = ms32;
  }
  ++s.strokes_1h;
  return true;
}

Volume SafetyMonitor::extras(std::int64_t from_ms, std::int64_t to_ms, bool day) const {
  Volume allowed = day ? state_.patient_extra_day : state_.patient_extra_1h;
  if (state_.earlier_until.ms() > from_ms) {
    allowed += day ? state_.earlier_patient_extra_day : state_.earlier_patient_extra_1h;
  }
  if (state_.authorised_until.ms() > from_ms) {
    for (const Authorised& a : state_.authorised) {
      if (a.volume.count() > 0 && a.end.ms() > from_ms && a.start.ms() <= to_ms) {
        allowed += a.volume;
      }
    }
  }
  return allowed;
}

std::int64_t SafetyMonitor::allowance(std::int64_t from_ms, std::int64_t to_ms, bool day,
                                      std::uint32_t* cursor) {
  // The window ends now, in the newest segment (the record is advanced before each check).
  std::uint64_t to_accrued = 0;
  if (state_.segment_count > 0) {
    const Segment& newest =
        state_.segments[(state_.segment_oldest + state_.segment_count - 1) & kSegmentMask];
    if (to_ms >= newest.start_ms) {
      to_accrued = newest.accrued + static_cast<std::uint64_t>(newest.rate) *
                                        static_cast<std::uint64_t>(to_ms - newest.start_ms);
    } else {
      std::uint32_t to_cursor = state_.segment_oldest;
      to_accrued = accrued_at(to_ms, &to_cursor);
    }
  }
  // Under a day at the pump's maximum rate x 5/4: about 10^16 units, well inside int64.
  const std::uint64_t basal = to_accrued - accrued_at(from_ms, cursor);
  // floor((basal / U + extras) / stroke) in two integer steps (nested floors of a positive
  // number): whole strokes, rounded toward less, and the stroke of slack.
  const std::int64_t nanolitres =
      static_cast<std::int64_t>(basal / static_cast<std::uint64_t>(kUnitsPerNanolitre)) +
      extras(from_ms, to_ms, day).count();
  return nanolitres / pump_.stroke_volume.count() + 1;
}

std::int64_t SafetyMonitor::allowed_strokes(ImplantTime from, ImplantTime to) {
  if (state_.started) advance_rates(to.ms());
  std::uint32_t cursor = state_.segment_oldest;
  return allowance(from.ms(), to.ms(), to - from > hours(1), &cursor);
}

Verdict SafetyMonitor::check(std::int64_t now_ms) {
  const Volume stroke = pump_.stroke_volume;
  Verdict v;
  const std::int64_t in_hour = state_.strokes_1h;
  if (in_hour > hard_1h_) {
    v = Verdict{true, TripWindow::kPumpMaximum, stroke * in_hour, stroke * hard_1h_};
  } else {
    const std::int64_t allowed_1h = allowance(now_ms - kMillisPerHour, now_ms, false, &cursor_1h_);
    if (in_hour > allowed_1h) {
      v = Verdict{true, TripWindow::kOneHour, stroke * in_hour, stroke * allowed_1h};
    } else {
      // The day window: exactly (now - 24 h, now] with an archive; without one, the buckets
      // from the one 24 h ago, whose first millisecond is included.
      const std::int64_t from = archive_ != nullptr
                                    ? now_ms - kMillisPerDay
                                    : (state_.current_bucket - kBucketsPerDay) * kBucketMs - 1;
      const std::int64_t in_day = strokes_in_day();
      const std::int64_t allowed_day = allowance(from, now_ms, true, &cursor_day_);
      if (in_day > allowed_day) {
        v = Verdict{true, TripWindow::kOneDay, stroke * in_day, stroke * allowed_day};
      }
    }
  }
  if (v.tripped) {
    state_.tripped = true;
    state_.trip = v;
  }
  return v;
}

Verdict SafetyMonitor::observe(std::uint32_t sensed_strokes, ImplantTime now) {
  if (state_.tripped) return state_.trip;
  start(now);
  const std::int64_t now_ms = now.ms() > state_.last_ms ? now.ms() : state_.last_ms;
  advance_rates(now_ms);
  // Most observations fall in the bucket of the last one: no division then.
  if (now_ms >= (state_.current_bucket + 1) * kBucketMs) {
    advance_buckets(floor_div(now_ms, kBucketMs));
  }
  forget_strokes_before(now_ms);
  if (archive_ != nullptr) release_day(now_ms);
  state_.last_ms = now_ms;
  if (!state_.sensor_known) {
    state_.sensor_known = true;
    state_.last_sensed = sensed_strokes;
    return Verdict{};
  }
  // Unsigned difference: the count may wrap.
  const std::uint32_t seen = sensed_strokes - state_.last_sensed;
  state_.last_sensed = sensed_strokes;
  if (seen == 0) return Verdict{};
  if (sink_ != nullptr) sink_->strokes_seen(ImplantTime(now_ms), seen, state_.strokes_total);
  std::uint16_t& bucket = state_.bucket_strokes[slot_of(state_.current_bucket)];
  const std::uint32_t room = 0xFFFFu - bucket;
  bucket = static_cast<std::uint16_t>(bucket + (seen < room ? seen : room));
  state_.strokes_24h += seen;
  // More strokes in an hour than the ring holds are beyond the pump's hard limit. Its entries
  // always have room for them (kHourEntries); were it not so, that would trip too.
  const bool fits_ring = state_.strokes_1h + static_cast<std::uint64_t>(seen) <= kStrokeRing;
  // Bounded by the ring.
  for (std::uint32_t i = 0; i < seen; ++i) {
    if (!fits_ring || !keep_in_hour(now_ms)) {
      const std::int64_t in_hour = static_cast<std::int64_t>(state_.strokes_1h) + (seen - i);
      const Verdict v{true, TripWindow::kPumpMaximum, pump_.stroke_volume * in_hour,
                      pump_.stroke_volume * hard_1h_};
      state_.tripped = true;
      state_.trip = v;
      return v;
    }
    pack_stroke(now_ms);
  }
  return check(now_ms);
}

// ---- the exact day: strokes by number, their times from the archive ----

void SafetyMonitor::pack_stroke(std::int64_t ms) {
  StrokePack& open = state_.open;
  if (!state_.numbered) {
    state_.numbered = true;
    state_.day_oldest = state_.strokes_total;
  }
  if (open.strokes > 0) {
    const std::int64_t gap = ms - state_.open_last_ms;
    if (open.strokes == 1 && gap >= 0) {
      // The second stroke sets the pack's base: its gap sits in the middle of the 16 bits, so
      // a steady rate's gaps (a few ms apart) all fit.
      const std::int64_t base = gap > kHalfGapRange ? gap - kHalfGapRange : 0;
      if (base <= static_cast<std::int64_t>(UINT32_MAX)) {
        open.base_gap_ms = static_cast<std::uint32_t>(base);
      }
    }
    const std::int64_t above = gap - open.base_gap_ms;
    // A pack holds consecutive numbers only (a restore may skip one lost with its record).
    const bool next_number = open.first_index + open.strokes == state_.strokes_total;
    if (next_number && open.strokes <= StrokePack::kGaps && above >= 0 &&
        above <= StrokePack::kWidestGapMs) {
      open.gaps[open.strokes - 1] = static_cast<std::uint16_t>(above);
      ++open.strokes;
      state_.open_last_ms = ms;
      state_.newest_stroke_ms = ms;
      ++state_.strokes_total;
      return;
    }
    // Full, or a gap the pack cannot hold: it goes to the ledger and a new one starts.
    if (sink_ != nullptr) sink_->strokes_packed(open);
  }
  open = StrokePack{state_.strokes_total, ms, 0, StrokePack::filled_gaps(), 1};
  state_.open_last_ms = ms;
  state_.newest_stroke_ms = ms;
  ++state_.strokes_total;
}

namespace {

// a - b as a signed count of strokes (numbers wrap at 2^32; a day holds far fewer).
std::int64_t strokes_after(std::uint32_t a, std::uint32_t b) {
  return static_cast<std::int32_t>(a - b);
}

// The time of stroke `pos` of a pack: bounded by its gaps.
std::int64_t time_in_pack(const StrokePack& p, std::uint8_t pos) {
  std::int64_t ms = p.first_ms;
  for (std::uint8_t i = 0; i < pos && i < StrokePack::kGaps; ++i) ms += p.gap(i);
  return ms;
}

}  // namespace

// The archive's pack holding stroke `index` (or the first later one), if it is older than the
// open pack: the open pack's strokes are not archived yet.
bool SafetyMonitor::archived_pack_from(std::uint32_t index, StrokePack* out) {
  const State& s = state_;
  return archive_ != nullptr && archive_->pack_from(index, out) && out->strokes > 0 &&
         strokes_after(out->first_index + out->strokes, index) > 0 &&
         (s.open.strokes == 0 || strokes_after(s.open.first_index, out->first_index) > 0);
}

// The window's start stands in `pack`: at day_oldest's stroke, or (strokes before the pack not
// kept) at its first, which they wait for.
void SafetyMonitor::stand_at(const StrokePack& pack) {
  State& s = state_;
  s.trailing = pack;
  const std::int64_t pos = strokes_after(s.day_oldest, s.trailing.first_index);
  s.trailing_pos = static_cast<std::uint8_t>(pos > 0 ? pos : 0);
  s.trailing_ms = time_in_pack(s.trailing, s.trailing_pos);
  s.trailing_known = true;
}

bool SafetyMonitor::locate_day_start(std::int64_t now_ms) {
  State& s = state_;
  StrokePack found{};
  if (s.trailing_known &&
      strokes_after(s.day_oldest, s.trailing.first_index) < s.trailing.strokes) {
    // Standing in the open pack for one the archive did not give: ask it again at the next
    // observation (the day is exact to a stroke: waiting longer lets strokes that have left
    // count). Never asked again, a read error after a reset kept the whole day before the open
    // pack counted for another day, and the day window tripped within minutes, halting therapy.
    if (s.trailing_stands_in && now_ms >= s.trailing_ask_again_ms) {
      if (!archived_pack_from(s.day_oldest, &found)) {
        s.trailing_ask_again_ms = now_ms + 1;
      } else {
        s.trailing_stands_in = false;
        // An older pack than the one standing in: the strokes before it leave sooner.
        if (strokes_after(s.trailing.first_index, found.first_index) > 0) stand_at(found);
      }
    }
    return true;
  }
  s.trailing_known = false;
  // The open pack holds it (or the archive has nothing before it): read it from RAM. Its copy
  // is taken again once the window's start passes what it held then.
  const bool in_open = s.open.strokes > 0 && strokes_after(s.day_oldest, s.open.first_index) >= 0;
  if (!in_open && archived_pack_from(s.day_oldest, &found)) {
    s.trailing_stands_in = false;
    stand_at(found);
  } else if (s.open.strokes > 0) {
    s.trailing_stands_in = !in_open && archive_ != nullptr;
    s.trailing_ask_again_ms = now_ms + 1;
    stand_at(s.open);
  } else {
    return false;  // nothing known: every stroke counted stays counted
  }
  return true;
}

void SafetyMonitor::release_day(std::int64_t now_ms) {
  State& s = state_;
  const std::int64_t limit = now_ms - kMillisPerDay;
  if (s.newest_stroke_ms <= limit) {
    // Every stroke seen is older than a day.
    s.day_oldest = s.strokes_total;
    s.trailing_known = false;
    return;
  }
  // Each stroke leaves once; bounded by the strokes counted.
  std::int64_t left = strokes_after(s.strokes_total, s.day_oldest);
  for (; left > 0; --left) {
    if (!locate_day_start(now_ms) || s.trailing_ms > limit) return;
    const std::int64_t pos = strokes_after(s.day_oldest, s.trailing.first_index);
    if (pos < 0) {
      // Strokes whose pack is gone: no later than this pack's first, they leave with it.
      s.day_oldest = s.trailing.first_index;
      continue;
    }
    ++s.day_oldest;
    if (s.trailing_pos + 1 < s.trailing.strokes) {
      s.trailing_ms += s.trailing.gap(s.trailing_pos);
      ++s.trailing_pos;
    } else {
      s.trailing_known = false;
    }
  }
}

// ---- replaying the ledger at boot ----

void SafetyMonitor::restore_rate(ImplantTime from, std::int64_t rate) {
  if (!state_.started) {
    state_.started = true;
    state_.last_ms = from.ms();
    state_.current_bucket = floor_div(from.ms(), kBucketMs);
  }
  push_segment(from.ms(), rate, false);
  // Until the prescription is set again (at boot, next), the recorded rate holds.
  state_.rate_until_ms = kNever;
}

void SafetyMonitor::count_stroke(std::uint32_t index, std::int64_t ms, ImplantTime now,
                                 bool into_open) {
  State& s = state_;
  if (!s.numbered) {
    s.numbered = true;
    s.strokes_total = index;
    s.day_oldest = index;
  }
  // A number skipped (a record lost) leaves its strokes unknown: counted while a later one is.
  s.strokes_total = index;
  if (into_open) {
    pack_stroke(ms);
  } else {
    ++s.strokes_total;
    if (ms > s.newest_stroke_ms) s.newest_stroke_ms = ms;
  }
  if (ms <= now.ms() - kMillisPerDay) s.day_oldest = s.strokes_total;
  s.trailing_known = false;
  // The bucket for the day without an archive, and the hour's ring (time order, bounded by it:
  // what does not fit is beyond the hard limit and trips at once).
  const std::int64_t bucket = floor_div(ms, kBucketMs);
  if (bucket > s.current_bucket - kBucketCount && bucket <= s.current_bucket) {
    std::uint16_t& slot = s.bucket_strokes[slot_of(bucket)];
    if (slot < 0xFFFFu) ++slot;
    ++s.strokes_24h;
  }
  if (now.ms() - ms < kMillisPerHour && ms <= now.ms()) {
    leave_hour(now.ms());
    if (s.strokes_1h < kStrokeRing) (void)keep_in_hour(ms);
  }
}

void SafetyMonitor::restore_pack(const StrokePack& pack, ImplantTime now) {
  start(now);
  advance_buckets(floor_div(now.ms(), kBucketMs));
  state_.last_ms = now.ms();
  std::int64_t ms = pack.first_ms;
  for (std::uint8_t i = 0; i < pack.strokes && i <= StrokePack::kGaps; ++i) {
    if (i > 0) ms += pack.gap(i - 1);
    if (ms > now.ms()) return;
    count_stroke(pack.first_index + i, ms, now, false);
  }
}

void SafetyMonitor::restore_strokes(ImplantTime at, std::uint32_t strokes,
                                    std::uint32_t first_index, ImplantTime now) {
  start(now);
  advance_buckets(floor_div(now.ms(), kBucketMs));
  if (at > now) return;
  state_.last_ms = now.ms();
  // Bounded by the ring: more in one observation is beyond the hard limit.
  for (std::uint32_t i = 0; i < strokes && i < kStrokeRing; ++i) {
    const std::uint32_t index = first_index + i;
    // Those a pack already holds were counted from it.
    if (state_.numbered && strokes_after(index, state_.strokes_total) < 0) continue;
    count_stroke(index, at.ms(), now, true);
  }
}

}  // namespace itdd::safety

// Properties of the safety monitor against the real stroke scheduler:
// - correct delivery never trips it: continuous and flexible programs, patient and clinician
//   boluses, program changes, clock changes (the schedule's re-alignment) and resets;
// - a runaway of any speed, starting at any point of an hour or a day, is caught before any
//   sliding hour or any sliding 24 h holds more than its allowance and one stroke;
// - a reset (the monitor rebuilt from what it told its ledger) never widens that bound.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cstdio>
#include <deque>
#include <vector>

#include "../../therapy/test/test_prescriptions.h"
#include "itdd/delivery/stroke_scheduler.h"
#include "itdd/safety/safety_monitor.h"

namespace itdd::safety {
namespace {

using therapy::testing::kMorphine25;
using therapy::testing::morphine_continuous;

constexpr Volume kStroke = microlitres(1);
// Monday 2026-01-05 00:00 local, in ms since 1970.
constexpr std::int64_t kMonday = 20458LL * kMillisPerDay;
// 25 mg/mL: a dose of 25 ng a day is a flow of 1 nL a day.
constexpr std::int64_t kNanogramsPerNanolitre = 25;

// What the monitor tells its ledger, kept as the implant's flash would keep it, and the packs of
// stroke times read back for the day window.
struct RecordingLedger final : LedgerSink, StrokeArchive {
  struct Record {
    int kind;  // 0 strokes, 2 rate, 3 bolus, 4 earlier patient extras
    std::int64_t a;
    std::int64_t b;
    std::int64_t c = 0;
  };
  std::vector<Record> strokes;
  std::vector<Record> windows;
  std::vector<StrokePack> packs;
  std::size_t reads = 0;  // packs read back
  // Packs whose first stroke is in [lose_from, lose_to) are lost (a failed write).
  std::uint32_t lose_from = 0;
  std::uint32_t lose_to = 0;
  // The next `failed_reads` look-ups fail, as a flash read error would.
  int failed_reads = 0;
  void strokes_seen(ImplantTime at, std::uint32_t n, std::uint32_t first) override {
    strokes.push_back({0, at.ms(), n, first});
  }
  void strokes_packed(const StrokePack& pack) override {
    if (pack.first_index >= lose_from && pack.first_index < lose_to) return;
    packs.push_back(pack);
  }
  void rate_changed(ImplantTime from, std::int64_t rate) override {
    windows.push_back({2, from.ms(), rate});
  }
  void bolus_authorised(ImplantTime start, ImplantTime end, Volume volume) override {
    windows.push_back({3, start.ms(), end.ms(), volume.count()});
  }
  void earlier_patient_extras(ImplantTime until, Volume in_hour, Volume in_day) override {
    windows.push_back({4, until.ms(), in_hour.count(), in_day.count()});
  }
  bool pack_from(std::uint32_t index, StrokePack* out) override {
    if (failed_reads > 0) {
      --failed_reads;
      return false;
    }
    // Numbers start at 0 here and stay far below 2^32: plain order.
    const auto it = std::partition_point(packs.begin(), packs.end(), [&](const StrokePack& p) {
      return p.first_index + p.strokes <= index;
    });
    if (it == packs.end()) return false;
    ++reads;
    *out = *it;
    return true;
  }
};

// A reset: a new monitor rebuilt from the ledger, in the order the implant's boot uses.
void rebuild(SafetyMonitor& m, const RecordingLedger& ledger, const therapy::Prescription& rx,
             Duration wall_offset, ImplantTime now) {
  m.set_wall_offset(wall_offset);
  for (const auto& r : ledger.windows) {
    if (r.kind == 2) m.restore_rate(ImplantTime(r.a), r.b);
  }
  m.set_prescription(rx, now);
  for (const auto& r : ledger.windows) {
    if (r.kind == 3) m.restore_authorised(ImplantTime(r.a), ImplantTime(r.b), Volume(r.c));
    if (r.kind == 4) {
      m.restore_earlier_patient_extras(ImplantTime(r.a), Volume(r.b), Volume(r.c));
    }
  }
  for (const StrokePack& p : ledger.packs) m.restore_pack(p, now);
  for (const auto& r : ledger.strokes) {
    m.restore_strokes(ImplantTime(r.a), static_cast<std::uint32_t>(r.b),
                      static_cast<std::uint32_t>(r.c), now);
  }
}

// Flow in nL/day of a clinically plausible basal rate (0.05 to 6 mL/day).
rc::Gen<std::int64_t> basal_flow() {
  return rc::gen::inRange<std::int64_t>(48'000, 6'000'001);
}

therapy::Prescription continuous_at(std::int64_t flow) {
  return morphine_continuous(DoseRate(flow * kNanogramsPerNanolitre));
}

therapy::Prescription random_program() {
  therapy::Prescription rx = continuous_at(*basal_flow());
  if (*rc::gen::arbitrary<bool>()) {
    rx.mode = therapy::BasalMode::kFlexible;
    // One program for every day, or one for each weekday.
    rx.flex.per_weekday = *rc::gen::arbitrary<bool>();
    for (std::size_t d = 0; d < (rx.flex.per_weekday ? rx.flex.days.size() : 1); ++d) {
      therapy::DayProgram& day = rx.flex.days[d];
      const int steps = *rc::gen::inRange(1, 7);
      std::vector<int> starts{0};
      for (int i = 1; i < steps; ++i) starts.push_back(*rc::gen::inRange(1, 24 * 60));
      std::sort(starts.begin(), starts.end());
      starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
      for (int start : starts) {
        day.steps[day.step_count++] =
            therapy::testing::flex_step(start, DoseRate(*basal_flow() * kNanogramsPerNanolitre));
      }
    }
  }
  if (*rc::gen::arbitrary<bool>()) {
    // 1 to 40 uL over 5 to 30 minutes, lockout 30 minutes to 4 hours, 1 to 6 a day.
    rx.patient_bolus = therapy::testing::patient_bolus(
        DrugAmount(*rc::gen::inRange<std::int64_t>(1, 41) * 25'000),
        minutes(*rc::gen::inRange(5, 31)), static_cast<std::uint8_t>(*rc::gen::inRange(1, 7)),
        minutes(*rc::gen::inRange(30, 241)));
  }
  return rx;
}

// The scheduler and the monitor side by side, as the implant runs them (one observation per
// stroke), with every stroke's time kept for the window checks.
struct Rig {
  therapy::Prescription rx;
  std::int64_t wall_offset = kMonday;
  delivery::StrokeScheduler scheduler{kStroke, ImplantTime(0), Duration(kMonday)};
  RecordingLedger ledger;
  SafetyMonitor monitor{therapy::PumpModel{}};
  std::uint32_t sensed = 0;
  std::vector<std::int64_t> stroke_times;
  ImplantTime last_patient_bolus = ImplantTime(-days(2).count());

  explicit Rig(const therapy::Prescription& first) { program(first, ImplantTime(0), true); }

  void program(const therapy::Prescription& next, ImplantTime now, bool first = false) {
    rx = next;
    if (rx.mode == therapy::BasalMode::kFlexible) {
      scheduler.set_flexible(&rx.flex, rx.concentration, now);
    } else {
      scheduler.set_continuous(therapy::flow_of(rx, rx.continuous_dose), now);
    }
    if (first) {
      monitor.set_sink(&ledger);
      monitor.set_archive(&ledger);
      monitor.set_wall_offset(Duration(wall_offset));
    }
    monitor.set_prescription(rx, now);
    if (first) (void)monitor.observe(sensed, now);
  }

  // Runs the scheduler to `until`, taking and observing every stroke. Returns a trip if any.
  Verdict run_to(ImplantTime until) {
    for (int guard = 0; guard < 1'000'000; ++guard) {
      const ImplantTime wake = scheduler.next_wake();
      if (wake > until) break;
      scheduler.advance(wake);
      if (scheduler.stroke_due()) {
        scheduler.take_stroke();
        const Verdict v = stroke(wake);
        if (v.tripped) return v;
      }
    }
    scheduler.advance(until);
    return Verdict{};
  }

  Verdict stroke(ImplantTime at) {
    ++sensed;
    stroke_times.push_back(at.ms());
    return monitor.observe(sensed, at);
  }

  void set_clock(std::int64_t offset, ImplantTime now) {
    wall_offset = offset;
    scheduler.set_wall_offset(Duration(offset), false, now);
    monitor.clock_set(Duration(offset), now);
  }

  void reset(ImplantTime now) {
    // The engine resumes from its checkpoint: what was pending is assumed delivered.
    scheduler.advance(now);
    scheduler.drop_pending();
    RecordingLedger kept = ledger;
    monitor = SafetyMonitor{therapy::PumpModel{}};
    rebuild(monitor, kept, rx, Duration(wall_offset), now);
    if (scheduler.realigning()) {
      const auto& st = scheduler.state();
      const std::int64_t off = st.schedule_q - st.last.ms() * delivery::kScheduleQuartersPerMs;
      const std::int64_t left =
          off > st.target_offset_q ? off - st.target_offset_q : st.target_offset_q - off;
      monitor.realigning_until(now + Duration(left), now);
    }
    ledger = kept;
    monitor.set_sink(&ledger);
    monitor.set_archive(&ledger);
    monitor.resync_sensor(sensed);
  }
};

// The most strokes any window of `length` ending at a stroke holds, among the strokes so far.
std::int64_t most_in_window(const std::vector<std::int64_t>& times, Duration length) {
  std::int64_t most = 0;
  std::size_t first = 0;
  for (std::size_t i = 0; i < times.size(); ++i) {
    while (times[first] <= times[i] - length.count()) ++first;
    most = std::max<std::int64_t>(most, static_cast<std::int64_t>(i - first + 1));
  }
  return most;
}

RC_GTEST_PROP(SafetyMonitorProperties, CorrectDeliveryNeverTrips, ()) {
  Rig rig(random_program());
  ImplantTime now(0);
  const int events = *rc::gen::inRange(1, 12);
  for (int e = 0; e < events; ++e) {
    const ImplantTime next = now + minutes(*rc::gen::inRange(1, 12 * 60));
    const Verdict v = rig.run_to(next);
    RC_LOG() << "to " << next.ms() << " tripped " << v.tripped << " window " << name(v.window)
             << " delivered " << v.delivered.count() << " allowed " << v.allowed.count() << "\n";
    RC_ASSERT(!v.tripped);
    now = next;
    const int what = *rc::gen::inRange(0, 6);
    RC_LOG() << "event " << what << " at " << now.ms() << " mode " << static_cast<int>(rig.rx.mode)
             << "\n";
    switch (what) {
      case 0:
        rig.program(random_program(), now);
        break;
      case 1: {
        // A clock change: daylight saving either way, or a correction of up to 6 hours.
        const std::int64_t correction =
            *rc::gen::inRange<std::int64_t>(-6 * kMillisPerHour, 6 * kMillisPerHour);
        const std::int64_t change = *rc::gen::element<std::int64_t>(
            std::int64_t{kMillisPerHour}, std::int64_t{-kMillisPerHour}, std::int64_t{correction});
        rig.set_clock(rig.wall_offset + change, now);
        break;
      }
      case 2: {
        // A patient bolus, when the limits allow one (spaced as the limiter would at least).
        const therapy::PatientBolusSettings& pb = rig.rx.patient_bolus;
        const Duration spacing =
            std::max(pb.lockout, Duration(kMillisPerDay / std::max(1, int{pb.max_per_24h}) + 1));
        if (pb.enabled && now - rig.last_patient_bolus >= spacing) {
          rig.scheduler.start_additive(therapy::patient_bolus_volume(rig.rx), pb.duration, now);
          rig.last_patient_bolus = now;
        }
        break;
      }
      case 3: {
        // A clinician bolus of up to 200 uL over 10 minutes to 2 hours, authorised.
        const Volume volume = microlitres(*rc::gen::inRange(1, 201));
        const Duration duration = minutes(*rc::gen::inRange(10, 121));
        rig.scheduler.start_override(volume, duration, now);
        rig.monitor.authorise(volume, now, duration);
        break;
      }
      case 4:
        rig.reset(now);
        break;
      default:
        break;
    }
  }
  const Verdict v = rig.run_to(now + hours(26));
  RC_LOG() << "end tripped " << v.tripped << " window " << name(v.window) << " delivered "
           << v.delivered.count() << " allowed " << v.allowed.count() << " strokes "
           << rig.stroke_times.size() << " last " << rig.stroke_times.back() << "\n";
  RC_ASSERT(!v.tripped);
}

// A runaway on top of correct delivery: `extra` uncommanded strokes an hour from `start`.
struct Runaway {
  std::int64_t per_hour;
  ImplantTime start;
  std::int64_t interval_ms = 0;  // if > 0, instead of per_hour
};

// Runs correct delivery with a runaway until the monitor trips or `until`; stops at a reset
// time if given. Returns the trip.
Verdict run_with_runaway(Rig& rig, const Runaway& r, ImplantTime until) {
  const std::int64_t interval =
      r.interval_ms > 0 ? r.interval_ms : std::max<std::int64_t>(1, kMillisPerHour / r.per_hour);
  ImplantTime next_runaway = r.start;
  while (true) {
    const ImplantTime wake = std::min(rig.scheduler.next_wake(), next_runaway);
    if (wake > until) break;
    if (wake == next_runaway) {
      const Verdict v = rig.stroke(wake);
      next_runaway = next_runaway + Duration(interval);
      if (v.tripped) return v;
      continue;
    }
    const Verdict v = rig.run_to(wake);
    if (v.tripped) return v;
  }
  return rig.run_to(until);
}

// The bound a runaway must stay within, checked over every window ending at a stroke: the hour
// and the day each allow floor(P / stroke) + 1, and one more stroke (the one that trips).
void check_bound(const Rig& rig, std::int64_t flow) {
  const std::int64_t hour_allowance = flow / 24 / kStroke.count() + 1;
  RC_ASSERT(most_in_window(rig.stroke_times, hours(1)) <= hour_allowance + 1);
  const std::int64_t day_allowance = flow / kStroke.count() + 1;
  RC_ASSERT(most_in_window(rig.stroke_times, days(1)) <= day_allowance + 1);
}

RC_GTEST_PROP(SafetyMonitorProperties, RunawayIsCaughtWithinOneStrokeOfTheAllowance, ()) {
  const std::int64_t flow = *basal_flow();
  Rig rig(continuous_at(flow));
  // Warm-up of up to a day and a half, then the runaway starts at any point of the hour.
  const ImplantTime start = ImplantTime(0) + hours(*rc::gen::inRange(1, 36)) +
                            Duration(*rc::gen::inRange<std::int64_t>(0, kMillisPerHour));
  const Runaway r{*rc::gen::inRange<std::int64_t>(1, 3'000), start};
  const Verdict v = run_with_runaway(rig, r, start + days(2));
  RC_ASSERT(v.tripped);
  check_bound(rig, flow);
}

RC_GTEST_PROP(SafetyMonitorProperties, AResetNeverWidensWhatTheMonitorPermits, ()) {
  const std::int64_t flow = *basal_flow();
  Rig rig(continuous_at(flow));
  const ImplantTime start = ImplantTime(0) + hours(*rc::gen::inRange(1, 30)) +
                            Duration(*rc::gen::inRange<std::int64_t>(0, kMillisPerHour));
  // A runaway too slow to trip at once, a reset inside it, and a runaway again.
  const Runaway first{*rc::gen::inRange<std::int64_t>(1, 3'000), start};
  const ImplantTime reset_at =
      start + Duration(*rc::gen::inRange<std::int64_t>(1, 2 * kMillisPerHour));
  Verdict v = run_with_runaway(rig, first, reset_at);
  if (!v.tripped) {
    rig.reset(reset_at);
    const Runaway again{*rc::gen::inRange<std::int64_t>(1, 3'000), reset_at + Duration(1)};
    v = run_with_runaway(rig, again, reset_at + days(2));
  }
  RC_ASSERT(v.tripped);
  check_bound(rig, flow);
}

TEST(SafetyMonitorRunaway, EverySpeedAndStartWithinTheBound) {
  // 40 strokes an hour programmed; runaways of 2 to 2,000 extra strokes an hour starting at
  // 0, 7, 29.5 and 59 minutes past the hour: no sliding hour ever holds more than 40 + 1 + 1.
  for (std::int64_t per_hour : {2, 5, 41, 100, 400, 2'000}) {
    for (std::int64_t past : {std::int64_t{0}, 7 * kMillisPerMinute, 59 * kMillisPerMinute / 2,
                              59 * kMillisPerMinute}) {
      Rig rig(continuous_at(960'000));
      const Runaway r{per_hour, ImplantTime(0) + hours(5) + Duration(past)};
      const Verdict v = run_with_runaway(rig, r, r.start + days(2));
      ASSERT_TRUE(v.tripped) << per_hour << " " << past;
      EXPECT_LE(most_in_window(rig.stroke_times, hours(1)), 42) << per_hour << " " << past;
    }
  }
}

TEST(SafetyMonitorRunaway, RunawayResetRunawayStaysWithinTheBound) {
  // A runaway of 1 extra stroke an hour cannot trip the hour (41 allowed); after a reset the
  // rebuilt monitor still counts the hour before it, so 2 more an hour are caught at once.
  Rig rig(continuous_at(960'000));
  const Runaway first{1, ImplantTime(0) + hours(5)};
  ASSERT_FALSE(run_with_runaway(rig, first, ImplantTime(0) + hours(5) + minutes(50)).tripped);
  rig.reset(ImplantTime(0) + hours(5) + minutes(50));
  const Runaway again{30, ImplantTime(0) + hours(5) + minutes(51)};
  const Verdict v = run_with_runaway(rig, again, ImplantTime(0) + hours(8));
  ASSERT_TRUE(v.tripped);
  EXPECT_EQ(v.window, TripWindow::kOneHour);
  EXPECT_LE(most_in_window(rig.stroke_times, hours(1)), 42);
}

TEST(SafetyMonitorRunaway, WithoutTheLedgerAResetWouldForget) {
  // The same as above with a monitor that starts empty: it lets the hour hold more. This is what
  // the ledger is for (and shows the test above can fail).
  Rig rig(continuous_at(960'000));
  const Runaway first{1, ImplantTime(0) + hours(5)};
  ASSERT_FALSE(run_with_runaway(rig, first, ImplantTime(0) + hours(5) + minutes(50)).tripped);
  rig.ledger = RecordingLedger{};  // nothing kept
  rig.reset(ImplantTime(0) + hours(5) + minutes(50));
  const Runaway again{30, ImplantTime(0) + hours(5) + minutes(51)};
  (void)run_with_runaway(rig, again, ImplantTime(0) + hours(8));
  EXPECT_GT(most_in_window(rig.stroke_times, hours(1)), 42);
}

TEST(SafetyMonitorClock, ClockSetBackAcrossAStepDoesNotTrip) {
  // Night 20 strokes an hour, day 80 from 08:00. At 08:30 the clock is set back 2 hours: wall
  // time says night while the schedule re-aligns through the day step at 3/4 speed.
  Rig rig(therapy::testing::morphine_flex({{0, 12'000'000}, {480, 48'000'000}}));
  ASSERT_FALSE(rig.run_to(ImplantTime(0) + hours(8) + minutes(30)).tripped);
  rig.set_clock(kMonday - 2 * kMillisPerHour, ImplantTime(0) + hours(8) + minutes(30));
  EXPECT_FALSE(rig.run_to(ImplantTime(0) + days(2) + hours(4)).tripped);
  EXPECT_FALSE(rig.scheduler.realigning());
  // Re-aligned, the 5/4 headroom is gone: from 01:00 to 02:00 (wall) the night's 20 and one.
  EXPECT_EQ(rig.monitor.allowed_strokes(ImplantTime(0) + days(2) + hours(3),
                                        ImplantTime(0) + days(2) + hours(4)),
            21);
}

// ---- the day window, exact ----

// Runaway strokes every `interval_ms` from `start` (the day window's own speeds: slower than the
// hour can see).
Runaway every(Duration interval, ImplantTime start) {
  return Runaway{0, start, interval.count()};
}

// How far the fullest 24 h ending at a stroke goes beyond the allowance and the stroke that
// trips, in strokes, for a continuous program of `flow` (0 or less: within the bound).
std::int64_t day_overshoot(const Rig& rig, std::int64_t flow) {
  return most_in_window(rig.stroke_times, days(1)) - (flow / kStroke.count() + 1 + 1);
}

// Runaways of one extra stroke every 4 h, 2 h, 1 h (only the day sees them), every 20 minutes
// and 100 an hour, starting 0, 3:17, 11:59:30 and 23:59 into a day, on 40 and 800 strokes an
// hour: the worst day overshoot. Without an archive the monitor counts five-minute buckets.
std::int64_t worst_day_overshoot(bool exact, int* day_trips) {
  std::int64_t worst = INT64_MIN;
  for (const std::int64_t flow : {std::int64_t{960'000}, std::int64_t{19'200'000}}) {
    for (const Duration interval :
         {hours(4), hours(2), hours(1), minutes(20), Duration(kMillisPerHour / 100)}) {
      for (const Duration past :
           {Duration(0), hours(3) + minutes(17), hours(11) + minutes(59) + Duration(30'000),
            hours(23) + minutes(59)}) {
        Rig rig(continuous_at(flow));
        if (!exact) rig.monitor.set_archive(nullptr);
        const Runaway r = every(interval, ImplantTime(0) + days(1) + past);
        const Verdict v = run_with_runaway(rig, r, r.start + days(3));
        EXPECT_TRUE(v.tripped) << flow << " " << interval.count() << " " << past.count();
        if (v.window == TripWindow::kOneDay) ++*day_trips;
        worst = std::max(worst, day_overshoot(rig, flow));
      }
    }
  }
  return worst;
}

TEST(SafetyMonitorDay, EverySpeedAndStartOfTheDayWithinTheAllowanceAndOneStroke) {
  int exact_day_trips = 0;
  const std::int64_t exact = worst_day_overshoot(true, &exact_day_trips);
  int bucket_day_trips = 0;
  const std::int64_t buckets = worst_day_overshoot(false, &bucket_day_trips);
  // The slow runaways (every 4, 2 and 1 hours) are the day's to catch.
  EXPECT_EQ(exact_day_trips, 2 * 3 * 4);
  // Exact: the fullest 24 h holds the allowance and the one stroke that trips, never more, and
  // the slow runaways are stopped at that stroke, not before. (On top of correct delivery the
  // buckets do as well: the part of their oldest bucket before the window holds its share.)
  EXPECT_EQ(exact, 0);
  EXPECT_LE(buckets, 0);
}

// The worst a faulty schedule can do to the day window: no stroke from the start until five
// minutes into a day (the pause fills the oldest bucket's part before the window), then as many
// strokes as the hour allows (the program's hourly share and one). Returns how far the fullest
// 24 h went beyond the allowance and the stroke that trips.
std::int64_t pause_then_hourly_limit(std::int64_t flow, bool exact) {
  SafetyMonitor m{therapy::PumpModel{}};
  RecordingLedger ledger;
  m.set_sink(&ledger);
  if (exact) m.set_archive(&ledger);
  m.set_wall_offset(Duration(kMonday));
  m.set_prescription(continuous_at(flow), ImplantTime(0));
  (void)m.observe(0, ImplantTime(0));
  const std::int64_t per_hour = flow / 24 / kStroke.count() + 1;
  const std::int64_t interval = (kMillisPerHour + per_hour - 1) / per_hour;
  std::vector<std::int64_t> times;
  std::uint32_t sensed = 0;
  for (std::int64_t t = kMillisPerDay + 5 * kMillisPerMinute; t < 4 * kMillisPerDay;
       t += interval) {
    times.push_back(t);
    const Verdict v = m.observe(++sensed, ImplantTime(t));
    if (v.tripped) {
      EXPECT_EQ(v.window, TripWindow::kOneDay);
      break;
    }
  }
  EXPECT_TRUE(m.tripped());
  return most_in_window(times, days(1)) - (flow / kStroke.count() + 2);
}

TEST(SafetyMonitorDay, APauseThenTheHourlyLimitIsCaughtAtTheAllowanceAndOneStroke) {
  for (const std::int64_t flow :
       {std::int64_t{960'000}, std::int64_t{19'200'000}, std::int64_t{24'000'000}}) {
    const std::int64_t exact = pause_then_hourly_limit(flow, true);
    const std::int64_t buckets = pause_then_hourly_limit(flow, false);
    std::printf(
        "%lld strokes an hour, a pause then the hourly limit: the fullest 24 h beyond "
        "the allowance and one stroke: exact %lld, five-minute buckets %lld\n",
        static_cast<long long>(flow / 24'000), static_cast<long long>(exact),
        static_cast<long long>(buckets));
    EXPECT_EQ(exact, 0) << flow;
    // The buckets let the window hold the prescription of the paused five minutes more, as
    // much as the hour lets through (about 20 strokes at 800 and 1,000 an hour; at 40 an hour
    // the hour's share is what stops it): this test can fail.
    if (flow >= 19'200'000) EXPECT_GT(buckets, 0) << flow;
  }
}

RC_GTEST_PROP(SafetyMonitorProperties, ARunawayAnywhereInTheDayIsCaughtAtTheAllowanceAndOneStroke,
              ()) {
  const std::int64_t flow = *basal_flow();
  Rig rig(continuous_at(flow));
  // Warm-up of up to two days, then a runaway anywhere in a day: one extra stroke every 1 to 8
  // hours (the day's to catch) or faster; half the time a reset inside it, and a runaway again.
  const ImplantTime start = ImplantTime(0) + hours(*rc::gen::inRange(1, 48)) +
                            Duration(*rc::gen::inRange<std::int64_t>(0, kMillisPerHour));
  const auto interval = [] {
    return Duration(
        *rc::gen::oneOf(rc::gen::inRange<std::int64_t>(kMillisPerHour, 8 * kMillisPerHour + 1),
                        rc::gen::inRange<std::int64_t>(1'000, kMillisPerHour)));
  };
  const Runaway first = every(interval(), start);
  Verdict v;
  if (*rc::gen::arbitrary<bool>()) {
    const ImplantTime reset_at =
        start + Duration(*rc::gen::inRange<std::int64_t>(1, 30 * kMillisPerHour));
    v = run_with_runaway(rig, first, reset_at);
    if (!v.tripped) {
      rig.reset(reset_at);
      v = run_with_runaway(rig, every(interval(), reset_at + Duration(1)), reset_at + days(4));
    }
  } else {
    v = run_with_runaway(rig, first, start + days(4));
  }
  RC_ASSERT(v.tripped);
  check_bound(rig, flow);
  if (v.window == TripWindow::kOneDay) {
    // Stopped at the stroke beyond the allowance: not one stroke later, nor earlier; a day after
    // the start the allowance is the day's whole prescription and one stroke.
    RC_ASSERT(v.delivered == v.allowed + kStroke);
    if (rig.stroke_times.back() >= kMillisPerDay) {
      RC_ASSERT(v.allowed == kStroke * (flow / kStroke.count() + 1));
    }
  }
}

// The patient presses as soon as the lockout and the daily count allow, from `now` to `until`.
void press_at_the_limits(Rig& rig, std::deque<ImplantTime>& presses, ImplantTime now,
                         ImplantTime until) {
  const therapy::PatientBolusSettings& pb = rig.rx.patient_bolus;
  if (!pb.enabled || pb.max_per_24h == 0) return;
  for (int guard = 0; guard < 1'000; ++guard) {
    ImplantTime next = now;
    if (!presses.empty() && presses.back() + pb.lockout > next) next = presses.back() + pb.lockout;
    if (presses.size() >= pb.max_per_24h) {
      // No more than max_per_24h in any 24 hours.
      const ImplantTime oldest = presses[presses.size() - pb.max_per_24h];
      if (oldest + days(1) + Duration(1) > next) next = oldest + days(1) + Duration(1);
    }
    if (next > until) return;
    RC_ASSERT(!rig.run_to(next).tripped);
    rig.scheduler.start_additive(therapy::patient_bolus_volume(rig.rx), pb.duration, next);
    presses.push_back(next);
    rig.last_patient_bolus = next;
    now = next;
  }
}

RC_GTEST_PROP(SafetyMonitorProperties, CorrectDeliveryForWeeksNeverTrips, ()) {
  // Weekday and flexible programs, patient boluses at their limits, clinician boluses, program
  // and clock changes and resets, for two to three weeks: the exact day never trips.
  Rig rig(random_program());
  ImplantTime now(0);
  const ImplantTime end = now + days(*rc::gen::inRange(14, 22));
  std::deque<ImplantTime> presses;
  for (int e = 0; e < 200 && now < end; ++e) {
    const ImplantTime next = std::min(end, now + minutes(*rc::gen::inRange(10, 3 * 24 * 60)));
    const Verdict v = rig.run_to(next);
    RC_LOG() << "to " << next.ms() << " tripped " << v.tripped << " window " << name(v.window)
             << " delivered " << v.delivered.count() << " allowed " << v.allowed.count() << "\n";
    RC_ASSERT(!v.tripped);
    now = next;
    switch (*rc::gen::inRange(0, 8)) {
      case 0:
        rig.program(random_program(), now);
        presses.clear();  // the new program's limits count afresh: the harder case
        break;
      case 1: {
        const std::int64_t correction =
            *rc::gen::inRange<std::int64_t>(-6 * kMillisPerHour, 6 * kMillisPerHour);
        const std::int64_t change = *rc::gen::element<std::int64_t>(
            std::int64_t{kMillisPerHour}, std::int64_t{-kMillisPerHour}, std::int64_t{correction});
        rig.set_clock(rig.wall_offset + change, now);
        break;
      }
      case 2:
      case 3: {
        const ImplantTime until = std::min(end, now + hours(*rc::gen::inRange(1, 36)));
        press_at_the_limits(rig, presses, now, until);
        RC_ASSERT(!rig.run_to(until).tripped);
        now = until;
        break;
      }
      case 4: {
        const Volume volume = microlitres(*rc::gen::inRange(1, 201));
        const Duration duration = minutes(*rc::gen::inRange(10, 121));
        rig.scheduler.start_override(volume, duration, now);
        rig.monitor.authorise(volume, now, duration);
        break;
      }
      case 5:
        rig.reset(now);
        break;
      default:
        break;
    }
  }
  RC_ASSERT(!rig.run_to(end + hours(26)).tripped);
}

TEST(SafetyMonitorDay, APackTheLedgerLostStopsTheRunawayEarlierNeverLater) {
  // 40 strokes an hour and a runaway stroke every 2 hours from hour 30: the day trips at the
  // stroke beyond its allowance. With the packs of strokes 100 to 160 lost, those strokes stay
  // counted until the next pack kept leaves the window: it trips earlier, never later.
  Rig full(continuous_at(960'000));
  const Runaway r = every(hours(2), ImplantTime(0) + hours(30));
  const Verdict v = run_with_runaway(full, r, r.start + days(3));
  ASSERT_TRUE(v.tripped);
  EXPECT_EQ(v.window, TripWindow::kOneDay);
  EXPECT_EQ(day_overshoot(full, 960'000), 0);

  Rig lossy(continuous_at(960'000));
  lossy.ledger.lose_from = 100;
  lossy.ledger.lose_to = 160;
  const Verdict w = run_with_runaway(lossy, r, r.start + days(3));
  ASSERT_TRUE(w.tripped);
  EXPECT_EQ(w.window, TripWindow::kOneDay);
  EXPECT_LT(lossy.stroke_times.size(), full.stroke_times.size());
  EXPECT_LE(day_overshoot(lossy, 960'000), 0);
  EXPECT_GT(lossy.ledger.reads, 0u);
}

TEST(SafetyMonitorDay, ReadsAPackOfTheLedgerEveryThirteenStrokes) {
  // What the exact day costs in flash: a pack written every thirteen strokes, and read back as
  // the window's start passes it, at 800 strokes an hour (4.5 s apart) and at 40 (90 s apart).
  for (const std::int64_t flow : {std::int64_t{19'200'000}, std::int64_t{960'000}}) {
    Rig rig(continuous_at(flow));
    ASSERT_FALSE(rig.run_to(ImplantTime(0) + days(3)).tripped);
    const std::size_t strokes = rig.stroke_times.size();
    const std::size_t in_day = static_cast<std::size_t>(flow / kStroke.count());
    // The newest (up to thirteen) strokes wait in the open pack.
    EXPECT_EQ(rig.ledger.packs.size(), (strokes - 1) / 13) << flow;
    // Strokes older than a day left the window pack by pack.
    EXPECT_LE(rig.ledger.reads, (strokes - in_day) / 13 + 2) << flow;
    EXPECT_GE(rig.ledger.reads + 2, (strokes - in_day) / 13) << flow;
    EXPECT_EQ(rig.monitor.strokes_in_day(), static_cast<std::int64_t>(in_day)) << flow;
  }
}

TEST(SafetyMonitorDay, AGapAPackCannotHoldStartsANewPackAndStaysExact) {
  // 40 strokes an hour, then 2 an hour for 5 hours (gaps of 30 minutes, far beyond 16 bits
  // above the pack's base), then a bolus (gaps far shorter than its base): the packs are cut,
  // the times stay exact: a slow runaway is still stopped at the stroke beyond the allowance.
  Rig rig(continuous_at(960'000));
  ASSERT_FALSE(rig.run_to(ImplantTime(0) + hours(10)).tripped);
  const std::size_t packs = rig.ledger.packs.size();
  rig.program(continuous_at(48'000), ImplantTime(0) + hours(10));
  ASSERT_FALSE(rig.run_to(ImplantTime(0) + hours(15)).tripped);
  rig.program(continuous_at(960'000), ImplantTime(0) + hours(15));
  ASSERT_FALSE(rig.run_to(ImplantTime(0) + hours(16)).tripped);
  rig.scheduler.start_override(microlitres(30), minutes(10), ImplantTime(0) + hours(16));
  rig.monitor.authorise(microlitres(30), ImplantTime(0) + hours(16), minutes(10));
  ASSERT_FALSE(rig.run_to(ImplantTime(0) + hours(20)).tripped);
  EXPECT_GE(rig.ledger.packs.size(), packs + 3);
  const Verdict v =
      run_with_runaway(rig, every(hours(3), ImplantTime(0) + hours(42)), ImplantTime(0) + days(5));
  ASSERT_TRUE(v.tripped);
  EXPECT_EQ(v.window, TripWindow::kOneDay);
  // Every 24 h after the stop and the bolus (the strokes from hour 17 on) holds at most the
  // allowance and the stroke that trips, and the fullest exactly that.
  std::vector<std::int64_t> later;
  for (const std::int64_t t : rig.stroke_times) {
    if (t >= 17 * kMillisPerHour) later.push_back(t);
  }
  EXPECT_EQ(most_in_window(later, days(1)), 960 + 2);
}

TEST(SafetyMonitorDay, ALookUpThatFailedAfterAResetIsAskedAgainAndDoesNotTripADayLater) {
  // 40 strokes an hour for three days, a reset, and the first look-up of the day's start after
  // it fails (a flash read error). The monitor falls back on its open pack: the day's strokes
  // before it stay counted until it is asked again. It was never asked again: the whole day
  // before the open pack stayed counted for another day beside the new strokes, and the 24 h
  // window tripped within hours, halting therapy.
  Rig rig(continuous_at(960'000));
  ASSERT_FALSE(rig.run_to(ImplantTime(0) + days(3) + minutes(7)).tripped);
  const std::int64_t before = rig.monitor.strokes_in_day();
  rig.reset(ImplantTime(0) + days(3) + minutes(8));
  rig.ledger.failed_reads = 1;
  for (int hour = 1; hour <= 30; ++hour) {
    const Verdict v = rig.run_to(ImplantTime(0) + days(3) + hours(hour));
    ASSERT_FALSE(v.tripped) << "hour " << hour << " after the reset: " << name(v.window) << " "
                            << v.delivered.count() << " nL against " << v.allowed.count();
    // Asked again at the next observation, the day holds what it held, a stroke either way.
    EXPECT_LE(rig.monitor.strokes_in_day(), before + 1) << "hour " << hour;
  }
  EXPECT_EQ(rig.ledger.failed_reads, 0);
}

}  // namespace
}  // namespace itdd::safety

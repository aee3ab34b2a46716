// Properties of the safety monitor against the real stroke scheduler:
// - correct delivery never trips it: continuous and flexible programs, patient and clinician
//   boluses, program changes, clock changes (the schedule's re-alignment) and resets;
// - a runaway of any speed, starting at any point of an hour, is caught before any sliding hour
//   holds more than the allowance and one stroke, and before any 24 h holds more than the
//   allowance, one stroke and the five minutes of the day window's oldest bucket;
// - a reset (the monitor rebuilt from what it told its ledger) never widens that bound.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
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

// What the monitor tells its ledger, kept as the implant's flash would keep it.
struct RecordingLedger final : LedgerSink {
  struct Record {
    int kind;  // 0 strokes, 1 bucket, 2 rate, 3 bolus, 4 earlier patient extras
    std::int64_t a;
    std::int64_t b;
    std::int64_t c = 0;
  };
  std::vector<Record> strokes;
  std::vector<Record> windows;
  void strokes_seen(ImplantTime at, std::uint32_t n) override {
    strokes.push_back({0, at.ms(), n});
  }
  void bucket_closed(std::int64_t bucket, std::uint32_t n) override {
    windows.push_back({1, bucket, n});
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
    if (r.kind == 1) m.restore_bucket(r.a, static_cast<std::uint32_t>(r.b), now);
    if (r.kind == 3) m.restore_authorised(ImplantTime(r.a), ImplantTime(r.b), Volume(r.c));
    if (r.kind == 4) {
      m.restore_earlier_patient_extras(ImplantTime(r.a), Volume(r.b), Volume(r.c));
    }
  }
  for (const auto& r : ledger.strokes) {
    m.restore_strokes(ImplantTime(r.a), static_cast<std::uint32_t>(r.b), now);
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
    therapy::DayProgram& day = rx.flex.days[0];
    const int steps = *rc::gen::inRange(1, 7);
    std::vector<int> starts{0};
    for (int i = 1; i < steps; ++i) starts.push_back(*rc::gen::inRange(1, 24 * 60));
    std::sort(starts.begin(), starts.end());
    starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
    for (int start : starts) {
      day.steps[day.step_count++] =
          therapy::FlexStep{start, DoseRate(*basal_flow() * kNanogramsPerNanolitre)};
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
      const std::int64_t left = off > st.target_offset_q ? off - st.target_offset_q
                                                          : st.target_offset_q - off;
      monitor.realigning_until(now + Duration(left), now);
    }
    ledger = kept;
    monitor.set_sink(&ledger);
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
    RC_LOG() << "event " << what << " at " << now.ms() << " mode "
             << static_cast<int>(rig.rx.mode) << "\n";
    switch (what) {
      case 0:
        rig.program(random_program(), now);
        break;
      case 1: {
        // A clock change: daylight saving either way, or a correction of up to 6 hours.
        const std::int64_t correction =
            *rc::gen::inRange<std::int64_t>(-6 * kMillisPerHour, 6 * kMillisPerHour);
        const std::int64_t change =
            *rc::gen::element<std::int64_t>(std::int64_t{kMillisPerHour},
                                            std::int64_t{-kMillisPerHour}, std::int64_t{correction});
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
};

// Runs correct delivery with a runaway until the monitor trips or `until`; stops at a reset
// time if given. Returns the trip.
Verdict run_with_runaway(Rig& rig, const Runaway& r, ImplantTime until) {
  const std::int64_t interval = std::max<std::int64_t>(1, kMillisPerHour / r.per_hour);
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
// allows floor(P / stroke) + 1 and one more stroke (the one that trips); the day as well, and the
// prescription of the one bucket before the window.
void check_bound(const Rig& rig, std::int64_t flow) {
  const std::int64_t hour_allowance = flow / 24 / kStroke.count() + 1;
  RC_ASSERT(most_in_window(rig.stroke_times, hours(1)) <= hour_allowance + 1);
  const std::int64_t day_allowance = flow / kStroke.count() + 1;
  const std::int64_t bucket = (flow + kStroke.count() * 288 - 1) / (kStroke.count() * 288);
  RC_ASSERT(most_in_window(rig.stroke_times, days(1)) <= day_allowance + 1 + bucket);
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

}  // namespace
}  // namespace itdd::safety

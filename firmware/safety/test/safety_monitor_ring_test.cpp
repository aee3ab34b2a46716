// The safety monitor against a plain record of every stroke (host-only test code): whatever the
// way it stores the last hour's stroke times, it must answer as a list of every stroke time
// would, to the millisecond and to the stroke. The model here keeps every stroke's time, every
// program's flow and every authorised bolus, and works each verdict out from them directly:
// the strokes in (now - 1 h, now] and (now - 24 h, now], the allowance over each window (the
// exact integral of the flows, the boluses that overlap it, in whole strokes, and one of slack)
// and the pump's hard limit. The monitor is driven with random strokes (gaps from 0 ms to hours,
// the gaps around the ring's 16-bit escape, bursts at the pump's maximum rate, many strokes in
// one observation), program changes, authorised boluses and resets (the monitor rebuilt from
// what it told its ledger), and its every observation compared.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "../../therapy/test/test_prescriptions.h"
#include "itdd/safety/safety_monitor.h"

namespace itdd::safety {
namespace {

constexpr std::int64_t kStrokeNl = 1'000;      // the reference pump's stroke: 1 uL
constexpr std::int64_t kMaxFlow = 24'000'000;  // its maximum rate: 24 mL/day, 1,000 strokes an hour
constexpr std::int64_t kHardLimit = 1'001;     // what that puts in an hour, and one of slack
constexpr std::int64_t kMonday = 20458LL * kMillisPerDay;

therapy::Prescription program_of(std::int64_t flow) {
  // 25 mg/mL: a dose of 25 ng a day is 1 nL a day. No flow: the pump stopped.
  therapy::Prescription rx = therapy::testing::morphine_continuous(DoseRate(flow * 25));
  if (flow == 0) rx.mode = therapy::BasalMode::kStopped;
  return rx;
}

// What the monitor tells its ledger, all of it kept, and its packs read back for the day window.
struct KeepAll final : LedgerSink, StrokeArchive {
  struct Seen {
    std::int64_t at;
    std::uint32_t strokes;
    std::uint32_t first;
  };
  struct Bolus {
    std::int64_t start;
    std::int64_t end;
    std::int64_t volume;
  };
  std::vector<Seen> seen;
  std::vector<StrokePack> packs;
  std::vector<std::pair<std::int64_t, std::int64_t>> rates;
  std::vector<Bolus> boluses;
  void strokes_seen(ImplantTime at, std::uint32_t n, std::uint32_t first) override {
    seen.push_back({at.ms(), n, first});
  }
  void strokes_packed(const StrokePack& pack) override { packs.push_back(pack); }
  void rate_changed(ImplantTime from, std::int64_t rate) override {
    rates.emplace_back(from.ms(), rate);
  }
  void bolus_authorised(ImplantTime start, ImplantTime end, Volume volume) override {
    boluses.push_back({start.ms(), end.ms(), volume.count()});
  }
  void earlier_patient_extras(ImplantTime, Volume, Volume) override {}
  bool pack_from(std::uint32_t index, StrokePack* out) override {
    const auto it = std::partition_point(packs.begin(), packs.end(), [&](const StrokePack& p) {
      return p.first_index + p.strokes <= index;
    });
    if (it == packs.end()) return false;
    *out = *it;
    return true;
  }
};

// The plain record: every stroke's time, every flow from when it held, every authorised bolus.
struct Model {
  std::vector<std::int64_t> strokes;                         // time order
  std::vector<std::pair<std::int64_t, std::int64_t>> flows;  // (from ms, nL/day)
  std::vector<KeepAll::Bolus> boluses;

  // Strokes in (from, to].
  std::int64_t count(std::int64_t from, std::int64_t to) const {
    return std::upper_bound(strokes.begin(), strokes.end(), to) -
           std::upper_bound(strokes.begin(), strokes.end(), from);
  }
  // Whole strokes allowed over (from, to] and one of slack: nothing accrues before the first
  // program.
  std::int64_t allowance(std::int64_t from, std::int64_t to) const {
    std::int64_t flow_ms = 0;  // nL/day x ms
    for (std::size_t i = 0; i < flows.size(); ++i) {
      const std::int64_t start = std::max(from, flows[i].first);
      const std::int64_t end = i + 1 < flows.size() ? std::min(to, flows[i + 1].first) : to;
      if (end > start) flow_ms += flows[i].second * (end - start);
    }
    std::int64_t nanolitres = flow_ms / kMillisPerDay;
    for (const KeepAll::Bolus& b : boluses) {
      if (b.end > from && b.start <= to) nanolitres += b.volume;
    }
    return nanolitres / kStrokeNl + 1;
  }
  // What the monitor must answer to the strokes seen at `now`.
  Verdict verdict(std::int64_t now) const {
    const Volume stroke(kStrokeNl);
    const std::int64_t hour = count(now - kMillisPerHour, now);
    if (hour > kHardLimit) {
      return Verdict{true, TripWindow::kPumpMaximum, stroke * hour, stroke * kHardLimit};
    }
    const std::int64_t allowed_hour = allowance(now - kMillisPerHour, now);
    if (hour > allowed_hour) {
      return Verdict{true, TripWindow::kOneHour, stroke * hour, stroke * allowed_hour};
    }
    const std::int64_t day = count(now - kMillisPerDay, now);
    const std::int64_t allowed_day = allowance(now - kMillisPerDay, now);
    if (day > allowed_day) {
      return Verdict{true, TripWindow::kOneDay, stroke * day, stroke * allowed_day};
    }
    return Verdict{};
  }
};

// The monitor, its ledger and the model side by side.
struct Pair {
  KeepAll ledger;
  SafetyMonitor monitor{therapy::PumpModel{}};
  Model model;
  therapy::Prescription rx;
  std::int64_t now = 0;
  std::int64_t flow = 0;
  std::uint32_t sensed = 0;
  std::string mismatch;  // the first place the monitor and the model disagreed

  explicit Pair(std::int64_t flow) {
    monitor.set_sink(&ledger);
    monitor.set_archive(&ledger);
    monitor.set_wall_offset(Duration(kMonday));
    program(flow);
    (void)monitor.observe(sensed, ImplantTime(now));
  }
  void program(std::int64_t next) {
    flow = next;
    rx = program_of(flow);
    monitor.set_prescription(rx, ImplantTime(now));
    model.flows.emplace_back(now, flow);
  }
  void authorise(std::int64_t volume, std::int64_t duration) {
    monitor.authorise(Volume(volume), ImplantTime(now), Duration(duration));
    model.boluses.push_back({now, now + duration, volume});
  }
  // A reset: a new monitor rebuilt from the ledger as the implant's boot does.
  void reset() {
    monitor = SafetyMonitor{therapy::PumpModel{}};
    monitor.set_wall_offset(Duration(kMonday));
    for (const auto& [from, rate] : ledger.rates) monitor.restore_rate(ImplantTime(from), rate);
    monitor.set_prescription(rx, ImplantTime(now));
    for (const KeepAll::Bolus& b : ledger.boluses) {
      monitor.restore_authorised(ImplantTime(b.start), ImplantTime(b.end), Volume(b.volume));
    }
    for (const StrokePack& p : ledger.packs) monitor.restore_pack(p, ImplantTime(now));
    for (const KeepAll::Seen& s : ledger.seen) {
      monitor.restore_strokes(ImplantTime(s.at), s.strokes, s.first, ImplantTime(now));
    }
    monitor.set_sink(&ledger);
    monitor.set_archive(&ledger);
    monitor.resync_sensor(sensed);
  }
  // `strokes` more strokes seen at `now` + `gap` (none: an observation that saw nothing).
  // Returns the monitor's verdict, and notes where it or its windows differ from the model.
  Verdict observe(std::int64_t gap, std::uint32_t strokes) {
    now += gap;
    sensed += strokes;
    for (std::uint32_t i = 0; i < strokes; ++i) model.strokes.push_back(now);
    const Verdict v = monitor.observe(sensed, ImplantTime(now));
    const Verdict want = strokes > 0 ? model.verdict(now) : Verdict{};
    const auto differ = [&](const char* what, std::int64_t got, std::int64_t expected) {
      if (got == expected || !mismatch.empty()) return;
      mismatch = std::string(what) + " at " + std::to_string(now) + " ms: " + std::to_string(got) +
                 ", the model " + std::to_string(expected);
    };
    differ("tripped", v.tripped, want.tripped);
    differ("window", static_cast<int>(v.window), static_cast<int>(want.window));
    differ("delivered", v.delivered.count(), want.delivered.count());
    differ("allowed", v.allowed.count(), want.allowed.count());
    if (!v.tripped) {
      differ("the hour", monitor.delivered_last_hour().count() / kStrokeNl,
             model.count(now - kMillisPerHour, now));
      differ("the day", monitor.strokes_in_day(), model.count(now - kMillisPerDay, now));
    }
    return v;
  }
};

// A number in [lo, hi), over the whole range whatever the size rapidcheck is at (its inRange
// scales the range down for the first cases): long runs from the first.
template <typename T>
T pick(T lo, T hi) {
  return *rc::gen::resize(rc::kNominalSize, rc::gen::inRange<T>(lo, hi));
}

// A gap between observations, of one of the kinds the ring must hold exactly; `flow`: the
// program's.
std::int64_t any_gap(int kind, std::int64_t flow) {
  switch (kind) {
    case 0:
      // Around the ring's 16-bit escape, and none at all.
      return *rc::gen::element<std::int64_t>(0, 1, 65'533, 65'534, 65'535, 65'536, 65'537, 131'070,
                                             131'071);
    case 1:
      return pick<std::int64_t>(0, 140'000);
    case 2:
      // The pump's maximum rate: 1,001 strokes an hour (3,597 ms apart), or one faster.
      return *rc::gen::element<std::int64_t>(3'596, 3'597, 3'600);
    case 3:
      return pick<std::int64_t>(0, kMillisPerHour + 2);
    case 4: {
      // As many strokes as the hour allows, steadily, give or take a millisecond: more than the
      // day allows, which trips it a day on.
      const std::int64_t per_hour = flow * kMillisPerHour / kMillisPerDay / kStrokeNl + 1;
      return (kMillisPerHour + per_hour - 1) / per_hour + pick<std::int64_t>(-1, 2);
    }
    default:
      return pick<std::int64_t>(0, 5 * kMillisPerHour);
  }
}

RC_GTEST_PROP(SafetyMonitorHourRing, AnswersAsAPlainRecordOfEveryStroke, ()) {
  // Mostly the pump's maximum rate programmed, so the hour may fill to its hard limit.
  Pair p(*rc::gen::element<std::int64_t>(std::int64_t{kMaxFlow}, std::int64_t{kMaxFlow}, 960'000,
                                         19'200'000));
  const int phases = pick<int>(1, 16);
  int observations = 0;
  int resets = 0;
  const auto end = [&](const char* how) {
    RC_TAG(how, observations > 1'000 ? "over 1,000 observations" : "1,000 or fewer",
           resets > 0 ? "a reset" : "no reset");
    RC_CLASSIFY(p.model.boluses.size() > 0, "an authorised bolus");
  };
  for (int phase = 0; phase < phases; ++phase) {
    const int what = pick<int>(0, 10);
    if (what == 0) {
      p.program(*rc::gen::oneOf(
          rc::gen::element<std::int64_t>(0, 48'000, std::int64_t{kMaxFlow}),
          rc::gen::resize(rc::kNominalSize, rc::gen::inRange<std::int64_t>(48'000, kMaxFlow + 1))));
      continue;
    }
    if (what == 1) {
      p.reset();
      ++resets;
      continue;
    }
    if (what == 2 && p.model.boluses.size() < 12) {
      p.authorise(pick<std::int64_t>(1, 400) * kStrokeNl,
                  pick<std::int64_t>(1, 3 * kMillisPerHour));
      continue;
    }
    // A run of observations: one stroke each, sometimes none or several at once.
    const int kind = pick<int>(0, 6);
    // Dense runs short (they trip the hour soon), sparse and steady ones long.
    const int count = pick<int>(1, kind <= 2 ? 100 : kind == 4 ? 3'000 : 1'200);
    for (int i = 0; i < count; ++i) {
      const int many = pick<int>(0, 100);
      const std::uint32_t strokes =
          many == 0   ? 0u
          : many == 1 ? static_cast<std::uint32_t>(pick<int>(0, 2) == 0 ? pick<int>(2, 20)
                                                                        : pick<int>(2, 1'100))
                      : 1u;
      const Verdict v = p.observe(any_gap(kind, p.flow), strokes);
      ++observations;
      RC_LOG() << p.mismatch << "\n";
      RC_ASSERT(p.mismatch.empty());
      if (v.tripped) {
        end(name(v.window));
        return;
      }
    }
  }
  end("no trip");
}

// Strokes at `gaps` apart from `start` (one observation each); the model checks every verdict.
void strokes_apart(Pair& p, std::int64_t start, const std::vector<std::int64_t>& gaps) {
  EXPECT_FALSE(p.observe(start - p.now, 1).tripped);
  for (const std::int64_t gap : gaps) EXPECT_FALSE(p.observe(gap, 1).tripped);
}

// Observations that see nothing at each stroke's last millisecond in the hour and its first
// out of it: the hour's count must fall at exactly that millisecond.
void watch_each_leave(Pair& p) {
  const std::vector<std::int64_t> times = p.model.strokes;
  for (const std::int64_t t : times) {
    if (t + kMillisPerHour - 1 < p.now) continue;
    (void)p.observe(t + kMillisPerHour - 1 - p.now, 0);
    (void)p.observe(1, 0);
  }
}

TEST(SafetyMonitorHourRing, GapsOf65535And65536MsLeaveTheHourAtTheirMillisecond) {
  // The widest gap one 16-bit entry holds, and the first that needs the escape, each side of
  // it, and several escapes in one gap: every stroke leaves the hour at its millisecond, before
  // and after a reset.
  for (const bool reset : {false, true}) {
    Pair p(kMaxFlow);
    strokes_apart(p, 2 * kMillisPerHour,
                  {65'535, 65'536, 65'534, 65'537, 0, 1, 131'070, 131'071, 196'605, 65'535, 65'536,
                   1'000'000, 65'535});
    if (reset) p.reset();
    watch_each_leave(p);
    EXPECT_EQ(p.monitor.delivered_last_hour().count(), 0);
    EXPECT_EQ(p.mismatch, "") << "reset " << reset;
  }
}

TEST(SafetyMonitorHourRing, AnHourFullOfEscapesAndTheMostStrokesTheRingHolds) {
  // 55 strokes 65,535 ms apart (54 gaps that each take an escape, 3,538,890 ms: the most an
  // hour holds), then in one observation as many strokes as make the ring's 1,024: beyond the
  // hard limit, it trips; each stroke still leaves at its millisecond, in the monitor that
  // tripped (its trip cleared) and in one rebuilt from the ledger.
  for (const bool reset : {false, true}) {
    Pair p(kMaxFlow);
    strokes_apart(p, 2 * kMillisPerHour, std::vector<std::int64_t>(54, 65'535));
    const Verdict v = p.observe(1, SafetyMonitor::kStrokeRing - 55);
    ASSERT_TRUE(v.tripped);
    EXPECT_EQ(v.window, TripWindow::kPumpMaximum);
    EXPECT_EQ(v.delivered.count(), kStrokeNl * 1'024);
    EXPECT_EQ(p.monitor.delivered_last_hour().count(), kStrokeNl * 1'024);
    if (reset) {
      p.reset();
    } else {
      p.monitor.reset_trip();
    }
    EXPECT_EQ(p.monitor.delivered_last_hour().count(), kStrokeNl * 1'024);
    watch_each_leave(p);
    EXPECT_EQ(p.monitor.delivered_last_hour().count(), 0);
    EXPECT_EQ(p.mismatch, "") << "reset " << reset;
  }
}

TEST(SafetyMonitorHourRing, TheFullestHourHoldsTheAllowanceAndOneStrokeMoreTrips) {
  // 40 strokes an hour programmed: any hour may hold 41. Strokes whose gaps are 65,535 and
  // 65,536 ms and short ones, each an hour after the one 41 strokes before it (that one has just
  // left): every hour holds 41 and nothing trips; then a stroke a millisecond early trips the
  // hour at 42.
  for (const bool reset : {false, true}) {
    Pair p(960'000);
    std::vector<std::int64_t> gaps;
    std::int64_t span = 0;
    for (int i = 0; i < 40; ++i) {
      const std::int64_t gap = i % 3 == 0 ? 65'535 : i % 3 == 1 ? 65'536 : 1'000 + i;
      gaps.push_back(gap);
      span += gap;
    }
    ASSERT_LT(span, kMillisPerHour);
    strokes_apart(p, 2 * kMillisPerHour, gaps);
    if (reset) p.reset();
    // The next 41 strokes repeat the hour's pattern: each an hour after the one 41 before.
    gaps.insert(gaps.begin(), kMillisPerHour - span);
    for (const std::int64_t gap : gaps) {
      EXPECT_FALSE(p.observe(gap, 1).tripped);
      EXPECT_EQ(p.monitor.delivered_last_hour().count(), kStrokeNl * 41);
    }
    const Verdict v = p.observe(gaps[0] - 1, 1);
    ASSERT_TRUE(v.tripped);
    EXPECT_EQ(v.window, TripWindow::kOneHour);
    EXPECT_EQ(v.delivered.count(), kStrokeNl * 42);
    EXPECT_EQ(v.allowed.count(), kStrokeNl * 41);
    EXPECT_EQ(p.mismatch, "") << "reset " << reset;
  }
}

}  // namespace
}  // namespace itdd::safety

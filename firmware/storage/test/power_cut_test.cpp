// The exhaustive power-cut test. A scripted life of the implant's storage (the therapy State
// committed again and again, hundreds of log records across several wraps of the ring, delivery
// hours across a wrap of theirs) is first run uncut to count its N flash write operations; then,
// for every k in 0..N-1 and both ways a write can tear, a fresh flash runs the script with the
// power failing during write k, "reboots" (power back, every store built anew and mounted) and
// must show:
//   - settings: load() returns the last commit that returned Ok, or the one being written if
//     it happened to complete; never anything else, never an error once a commit succeeded;
//   - log and history: every record whose append returned Ok is still there (all those the
//     ring's capacity keeps), the one being written is either whole or absent, nothing else
//     appears, and a torn slot is only ever reported by the store that was writing;
//   - storage works on: a new commit, append and hour are read back, also after another reboot.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <optional>
#include <vector>

#include "../../therapy/test/test_prescriptions.h"
#include "itdd/hal/fake_nvm.h"
#include "itdd/storage/delivery_history.h"
#include "itdd/storage/engine_storage.h"
#include "itdd/storage/event_log.h"
#include "itdd/storage/settings_store.h"

namespace itdd::storage {
namespace {

using State = engine::TherapyEngine::State;
using Bytes = std::vector<std::uint8_t>;

// Small sectors so the rings wrap often; 40-byte log records straddle 128-byte pages, so some
// appends are two program operations.
constexpr hal::NvmGeometry kGeometry{512, 32, 8, 128};
constexpr Region kSettingsA{0, 12};  // State: 6,032 bytes + trailer in 12 x 512
constexpr Region kSettingsB{12, 12};
constexpr Region kLog{24, 4};      // 48 slots, 36 always kept
constexpr Region kHistory{28, 3};  // 48 slots, 32 always kept

constexpr int kRounds = 6;
constexpr int kAppendsPerRound = 60;

template <class T>
Bytes bytes_of(const T& v) {
  Bytes b(sizeof(T));
  std::memcpy(b.data(), &v, sizeof(T));
  return b;
}

State make_state(int round) {
  State s{};
  std::memset(static_cast<void*>(&s), 0, sizeof(s));  // padding too: the bytes are what is compared
  s.prescription.mode = therapy::BasalMode::kFlexible;
  s.prescription.flex.days[0].step_count = 48;
  for (std::size_t i = 0; i < 48; ++i) {
    s.prescription.flex.days[0].steps[i] = therapy::testing::flex_step(
        static_cast<std::int32_t>(i * 30), DoseRate(static_cast<std::int64_t>(round * 100 + 1)));
  }
  s.filled = true;
  s.reservoir_remaining = Volume(20'000'000 - round * 250'000);
  s.delivered = Volume(round * 250'000);
  s.wall_offset_ms = round;
  return s;
}

LogRecord make_event(int round, int i) {
  LogRecord r;
  r.at = ImplantTime(static_cast<std::int64_t>(round) * 3'600'000 + i * 1000);
  r.code = static_cast<std::uint16_t>(i % 16);
  r.reason = static_cast<std::uint8_t>(round);
  r.a = round * 1000 + i;
  r.b = -i;
  return r;
}

// What the script achieved before the cut.
struct Outcome {
  std::optional<Bytes> committed;   // last commit that returned Ok
  std::optional<Bytes> committing;  // the commit the cut interrupted
  std::vector<LogRecord> logged;    // appends that returned Ok, with their seq
  std::optional<LogRecord> logging;
  std::vector<HourRecord> hours;
  std::optional<HourRecord> recording;
  bool cut = false;
  enum class Where { kNone, kSettings, kLog, kHistory } where = Where::kNone;
};

struct Stores {
  explicit Stores(hal::Nvm& nvm)
      : settings(nvm, kSettingsA, kSettingsB, kEngineStateFormat),
        log(nvm, kLog),
        history(nvm, kHistory) {}
  SettingsStore<State> settings;
  EventLog log;
  DeliveryHistory history;
};

// The script. Stops at the first failing operation (the one the power cut hit).
Outcome run_script(hal::Nvm& nvm) {
  Outcome o;
  Stores st(nvm);
  if (!st.log.mount().ok() || !st.history.mount().ok()) {
    ADD_FAILURE() << "mount of blank flash failed";
    return o;
  }
  std::int64_t hour = 1000;
  for (int round = 0; round < kRounds; ++round) {
    const State s = make_state(round);
    if (!st.settings.commit(s).ok()) {
      o.cut = true;
      o.where = Outcome::Where::kSettings;
      o.committing = bytes_of(s);
      return o;
    }
    o.committed = bytes_of(s);
    for (int i = 0; i < kAppendsPerRound; ++i) {
      const LogRecord e = make_event(round, i);
      auto seq = st.log.append(e);
      if (!seq.ok()) {
        o.cut = true;
        o.where = Outcome::Where::kLog;
        o.logging = e;
        return o;
      }
      LogRecord done = e;
      done.seq = seq.value();
      o.logged.push_back(done);
      if (i % 3 == 2) {
        const HourRecord h{hour, Volume(hour * 10 + round), i};
        if (!st.history.record(h.hour_index, h.volume, h.strokes).ok()) {
          o.cut = true;
          o.where = Outcome::Where::kHistory;
          o.recording = h;
          return o;
        }
        o.hours.push_back(h);
        ++hour;
      }
    }
  }
  return o;
}

// After the reboot: the checks listed at the top. Returns false (with failures added) if any
// property does not hold.
void check_after_reboot(hal::FakeNvm& nvm, const Outcome& o, const std::string& label) {
  SCOPED_TRACE(label);
  Stores st(nvm);

  // Settings.
  State loaded{};
  auto l = st.settings.load(loaded);
  const Bytes got = bytes_of(loaded);
  if (l.ok()) {
    const bool is_committed = o.committed && got == *o.committed;
    const bool is_committing = o.committing && got == *o.committing;
    EXPECT_TRUE(is_committed || is_committing) << "load returned something never committed";
  } else {
    // Only before the first commit completed, and then it says so: blank, never corrupt.
    EXPECT_FALSE(o.committed.has_value()) << "committed settings lost: " << l.error().message;
    EXPECT_TRUE(is_blank(l.error())) << l.error().message;
  }

  // Event log.
  auto lm = st.log.mount();
  ASSERT_TRUE(lm.ok());
  std::vector<LogRecord> present(200);
  auto n = st.log.read_from(1, present);
  ASSERT_TRUE(n.ok());
  present.resize(n.value());
  const std::uint32_t last_ok = o.logged.empty() ? 0 : o.logged.back().seq;
  for (std::size_t i = 0; i < present.size(); ++i) {
    const LogRecord& r = present[i];
    if (i > 0) {
      EXPECT_LT(present[i - 1].seq, r.seq);
    }
    if (r.seq <= last_ok) {
      EXPECT_EQ(r, o.logged[r.seq - 1]) << "record " << r.seq << " changed";
    } else {
      ASSERT_TRUE(o.logging.has_value()) << "record " << r.seq << " from nowhere";
      LogRecord want = *o.logging;
      want.seq = last_ok + 1;
      EXPECT_EQ(r, want);
    }
  }
  const std::uint32_t keep = std::min<std::uint32_t>(last_ok, st.log.capacity());
  for (std::uint32_t seq = last_ok - keep + 1; seq <= last_ok; ++seq) {
    const bool found = std::any_of(present.begin(), present.end(),
                                   [&](const LogRecord& r) { return r.seq == seq; });
    EXPECT_TRUE(found) << "committed log record " << seq << " lost";
  }
  if (o.where != Outcome::Where::kLog) {
    EXPECT_FALSE(lm->torn_tail);
    EXPECT_EQ(lm->invalid_slots, 0u);
    EXPECT_EQ(lm->missing_seqs, 0u);
  }

  // Delivery history.
  auto hm = st.history.mount();
  ASSERT_TRUE(hm.ok());
  std::vector<HourRecord> hours(200);
  auto hn = st.history.read_hours(0, 1'000'000, hours);
  ASSERT_TRUE(hn.ok());
  hours.resize(hn.value());
  const std::size_t keep_hours = std::min<std::size_t>(o.hours.size(), st.history.capacity_hours());
  for (std::size_t i = o.hours.size() - keep_hours; i < o.hours.size(); ++i) {
    const bool found = std::any_of(hours.begin(), hours.end(),
                                   [&](const HourRecord& h) { return h == o.hours[i]; });
    EXPECT_TRUE(found) << "committed hour " << o.hours[i].hour_index << " lost";
  }
  for (const HourRecord& h : hours) {
    const bool known =
        std::any_of(o.hours.begin(), o.hours.end(), [&](const HourRecord& k) { return k == h; }) ||
        (o.recording && *o.recording == h);
    EXPECT_TRUE(known) << "hour " << h.hour_index << " from nowhere";
  }
  if (o.where != Outcome::Where::kHistory) {
    EXPECT_FALSE(hm->torn_tail);
    EXPECT_EQ(hm->invalid_slots, 0u);
  }

  // Storage works on: one more of each, read back now and after another reboot.
  const State next = make_state(99);
  auto c = st.settings.commit(next);
  ASSERT_TRUE(c.ok()) << c.error().message;
  const LogRecord e = make_event(99, 1);
  auto seq = st.log.append(e);
  ASSERT_TRUE(seq.ok()) << seq.error().message;
  EXPECT_EQ(seq.value(), lm->newest_seq + 1);
  const std::int64_t next_hour = st.history.newest_hour() + 1;
  ASSERT_TRUE(st.history.record(next_hour, Volume(7), 7).ok());

  Stores again(nvm);
  State reloaded{};
  ASSERT_TRUE(again.settings.load(reloaded).ok());
  EXPECT_EQ(bytes_of(reloaded), bytes_of(next));
  auto lm2 = again.log.mount();
  ASSERT_TRUE(lm2.ok());
  EXPECT_EQ(lm2->newest_seq, seq.value());
  EXPECT_EQ(lm2->missing_seqs, 0u);
  EXPECT_FALSE(lm2->torn_tail);
  LogRecord newest;
  ASSERT_EQ(again.log.read_newest(std::span(&newest, 1)).value(), 1u);
  LogRecord want = e;
  want.seq = seq.value();
  EXPECT_EQ(newest, want);
  auto hm2 = again.history.mount();
  ASSERT_TRUE(hm2.ok());
  EXPECT_EQ(again.history.newest_hour(), next_hour);
  HourRecord h;
  ASSERT_EQ(again.history.read_hours(next_hour, next_hour, std::span(&h, 1)).value(), 1u);
  EXPECT_EQ(h, (HourRecord{next_hour, Volume(7), 7}));
}

TEST(PowerCut, EveryWritePointOfTheScriptLosesNothingCommitted) {
  // The uncut run: N write operations, and the script really wraps both rings.
  hal::FakeNvm reference(kGeometry);
  const Outcome full = run_script(reference);
  ASSERT_FALSE(full.cut);
  const std::uint64_t n = reference.operations();
  ASSERT_EQ(full.logged.size(), static_cast<std::size_t>(kRounds * kAppendsPerRound));
  ASSERT_GT(full.logged.size(), 48u * 3);  // the log ring wraps several times
  ASSERT_GT(full.hours.size(), 48u);       // the history ring wraps
  check_after_reboot(reference, full, "uncut");

  std::uint64_t runs = 0;
  std::uint64_t in_settings = 0, in_log = 0, in_history = 0;
  std::uint64_t torn_reported = 0, landed_anyway = 0;
  for (std::uint64_t k = 0; k < n; ++k) {
    for (hal::TearMode mode : {hal::TearMode::kPrefix, hal::TearMode::kRandomBits}) {
      hal::FakeNvm nvm(kGeometry, k * 2 + static_cast<std::uint64_t>(mode) + 1);
      nvm.cut_power_after(k, mode);
      const Outcome o = run_script(nvm);
      ASSERT_TRUE(o.cut) << "no operation failed at cut point " << k;
      ASSERT_EQ(nvm.operations(), k + 1);
      nvm.power_restore();
      ++runs;
      in_settings += o.where == Outcome::Where::kSettings;
      in_log += o.where == Outcome::Where::kLog;
      in_history += o.where == Outcome::Where::kHistory;
      {
        // Count what the reboot saw, for the summary.
        EventLog log(nvm, kLog);
        auto m = log.mount();
        ASSERT_TRUE(m.ok());
        torn_reported += m->torn_tail;
        landed_anyway += o.where == Outcome::Where::kLog && !o.logged.empty() &&
                         m->newest_seq == o.logged.back().seq + 1;
      }
      check_after_reboot(nvm, o,
                         "cut at write " + std::to_string(k) +
                             (mode == hal::TearMode::kPrefix ? " (prefix)" : " (random bits)"));
      if (::testing::Test::HasFailure()) return;
    }
  }
  std::printf(
      "power-cut test: %llu write operations in the script, %llu cut runs (prefix and random-bit "
      "tears), all passed; cuts in settings commits %llu, log appends %llu, history %llu; torn "
      "log tail reported %llu times, torn append landed whole %llu times\n",
      static_cast<unsigned long long>(n), static_cast<unsigned long long>(runs),
      static_cast<unsigned long long>(in_settings), static_cast<unsigned long long>(in_log),
      static_cast<unsigned long long>(in_history), static_cast<unsigned long long>(torn_reported),
      static_cast<unsigned long long>(landed_anyway));
}

}  // namespace
}  // namespace itdd::storage

// The implant's battery monitor on its own: the curve arithmetic, the energy counters, ERI and
// EOS on a healthy cell, the voltage rules with their confirmation, a faulty cell, the service
// life, persistence and bad input. The cell here is the monitor's own nominal curve read at the
// counters' depth (a healthy cell) unless a test says otherwise; the simulated cell is used in
// battery_monitor_sim_test.cpp.
#include "itdd/power/battery_monitor.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <string>
#include <vector>

#include "itdd/hal/fake_power_sense.h"
#include "test_battery_config.h"

namespace itdd::power {
namespace {

using testing::data_like_config;

BatteryMonitor started(const MonitorConfig& c = data_like_config()) {
  Result<BatteryMonitor> m = BatteryMonitor::start(c, ImplantTime(0));
  EXPECT_TRUE(m.ok());
  return m.value();
}

Consumption at_strokes_per_day(std::int64_t n) {
  return Consumption{n, 9, 16'234};  // refills every 90 days: 2 sessions and a 4 s alarm test
}

// The voltage a healthy cell shows at the counters' depth.
std::int32_t healthy_mv(const BatteryMonitor& m, ImplantTime now) {
  return loaded_mv_at(m.config(), m.used_uj(now) * kPartsPerMillion / m.config().capacity_uj);
}

// Moves the monitor forward to its next check (at most a day), counting the program's strokes
// in bulk, and checks with the voltage `mv_of` gives.
struct Driver {
  explicit Driver(const MonitorConfig& c = data_like_config()) : monitor(started(c)) {}

  template <class VoltageOf>
  Assessment step(const Consumption& c, VoltageOf mv_of) {
    ImplantTime to = monitor.next_check_due();
    if (to <= now) to = now + milliseconds(1);
    if (to > now + days(1)) to = now + days(1);
    const std::int64_t strokes_to = c.strokes_per_day * to.ms() / kMillisPerDay;
    monitor.on_strokes(strokes_to - strokes_counted);
    strokes_counted = strokes_to;
    now = to;
    const Result<Assessment> a = monitor.check(now, mv_of(monitor, now), c);
    EXPECT_TRUE(a.ok());
    return a.ok() ? a.value() : Assessment{};
  }
  Assessment step(const Consumption& c) { return step(c, healthy_mv); }

  BatteryMonitor monitor;
  ImplantTime now{0};
  std::int64_t strokes_counted = 0;
};

struct Life {
  ImplantTime eri = ImplantTime::never();
  ImplantTime eos = ImplantTime::never();
  Assessment at_eri{};
  Assessment at_day_100{};
  bool have_day_100 = false;
  std::vector<Assessment> log;
};

Life live(const Consumption& c, const MonitorConfig& config = data_like_config()) {
  Driver d(config);
  Life life;
  for (int i = 0; i < 40'000 && life.eos.is_never(); ++i) {
    const Assessment a = d.step(c);
    life.log.push_back(a);
    if (!life.have_day_100 && d.now >= ImplantTime(days(100).count())) {
      life.at_day_100 = a;
      life.have_day_100 = true;
    }
    if (life.eri.is_never() && a.status != BatteryStatus::kOk) {
      life.eri = d.now;
      life.at_eri = a;
    }
    if (a.status == BatteryStatus::kEndOfService) life.eos = d.now;
  }
  return life;
}

double years(Duration d) {
  return static_cast<double>(d.count()) / (365.25 * kMillisPerDay);
}

// ---- configuration and arithmetic ----

TEST(BatteryMonitorConfig, TheDataLikeConfigIsValid) {
  EXPECT_TRUE(validate(data_like_config()).ok());
}

TEST(BatteryMonitorConfig, RefusesWhatItCannotWorkWith) {
  const auto field_of = [](const MonitorConfig& c) {
    const Status s = validate(c);
    return s.ok() ? std::string("(valid)") : std::string(s.error().field);
  };
  MonitorConfig c = data_like_config();
  c.capacity_uj = 0;
  EXPECT_EQ(field_of(c), "capacity_uj");
  c = data_like_config();
  c.curve[4].loaded_mv = 3580;  // rises after 3575
  EXPECT_EQ(field_of(c), "curve");
  EXPECT_EQ(validate(c).error().index, 4);
  c = data_like_config();
  c.curve_points = 1;
  EXPECT_EQ(field_of(c), "curve");
  c = data_like_config();
  c.eos_mv = 3450;  // above ERI
  EXPECT_EQ(field_of(c), "eri_mv");
  c = data_like_config();
  c.eos_mv = 2500;  // below the curve
  EXPECT_EQ(field_of(c), "eos_mv");
  c = data_like_config();
  c.service_life = days(100);  // shorter than notice + margin
  EXPECT_EQ(field_of(c), "service_life");
  c = data_like_config();
  c.recheck_interval = days(2);
  EXPECT_EQ(field_of(c), "check_interval");
  c = data_like_config();
  c.stroke_energy_uj = -1;
  EXPECT_EQ(field_of(c), "energy");
  EXPECT_FALSE(BatteryMonitor::start(c, ImplantTime(0)).ok());
}

TEST(BatteryMonitorCurve, ReadsBackBothWays) {
  const MonitorConfig c = data_like_config();
  EXPECT_EQ(depth_ppm_at(c, 3700), 0);
  EXPECT_EQ(depth_ppm_at(c, 3610), 0);
  EXPECT_EQ(depth_ppm_at(c, 3575), 500'000);
  EXPECT_EQ(depth_ppm_at(c, 3562), 604'000);  // 13 of the 25 mV from 3575 to 3550
  EXPECT_EQ(depth_ppm_at(c, 2600), 1'000'000);
  EXPECT_EQ(depth_ppm_at(c, 100), 1'000'000);
  EXPECT_EQ(loaded_mv_at(c, 0), 3610);
  EXPECT_EQ(loaded_mv_at(c, 925'000), 3385);
  EXPECT_EQ(loaded_mv_at(c, 2'000'000), 2600);
  // EOS at 3.2 V lies between 95% (3330 mV) and 98% (3125 mV).
  EXPECT_EQ(depth_ppm_at(c, 3200), 969'024);
  EXPECT_EQ(started().eos_depth_ppm(), 969'024);
}

TEST(BatteryMonitorCurve, VoltageAndDepthAreMonotonic) {
  const MonitorConfig c = data_like_config();
  std::int64_t previous = -1;
  for (std::int32_t mv = 3700; mv >= 2500; --mv) {
    const std::int64_t depth = depth_ppm_at(c, mv);
    EXPECT_GE(depth, previous);
    previous = depth;
    // Reading the curve back lands within a millivolt.
    if (mv <= 3610 && mv >= 2600) {
      EXPECT_NEAR(loaded_mv_at(c, depth), mv, 1);
    }
  }
}

TEST(BatteryMonitorCounters, LinkWorkOutsideSessionsIsChargedNotProjected) {
  BatteryMonitor m = started();
  const ImplantTime now(0);
  const std::int64_t used = m.used_uj(now);
  const Consumption program{100, 12, 0, 0};
  const std::int64_t daily = m.daily_energy_uj(program);
  // An hour of junk: 36,000 frames in, 30 answered, 200 X25519, one link write.
  const LinkWork junk{36'000, 30, 200, 1};
  const std::int64_t uj = m.on_link_work(junk);
  EXPECT_EQ(uj, 36'000 * 30 + 30 * 40 + 200 * 150 + 600);
  EXPECT_EQ(m.used_uj(now) - used, uj);
  EXPECT_EQ(m.state().link_work_uj, uj);
  EXPECT_EQ(m.daily_energy_uj(program), daily);  // not projected: an attack is not the program
  // Negative counts charge nothing; a persisted negative counter is refused.
  EXPECT_EQ(m.on_link_work(LinkWork{-5, -5, -5, -5}), 0);
  State bad = m.state();
  bad.link_work_uj = -1;
  EXPECT_FALSE(BatteryMonitor::restore(m.config(), bad).ok());
  MonitorConfig c = data_like_config();
  c.x25519_energy_uj = -1;
  EXPECT_FALSE(validate(c).ok());
}

TEST(BatteryMonitorCounters, StrokesPerDayRoundUp) {
  EXPECT_EQ(strokes_per_day_for(FlowRate(500'000), nanolitres(1000)), 500);
  EXPECT_EQ(strokes_per_day_for(FlowRate(500'001), nanolitres(1000)), 501);
  EXPECT_EQ(strokes_per_day_for(FlowRate(0), nanolitres(1000)), 0);
  EXPECT_EQ(strokes_per_day_for(FlowRate(500'000), nanolitres(0)), 0);
}

TEST(BatteryMonitorCounters, AddUpEverythingSpent) {
  BatteryMonitor m = started();
  m.on_strokes(100);
  m.on_strokes(-3);  // ignored
  m.on_radio_session();
  m.on_tone(seconds(3));
  // 15 uA x 3.6 V = 54 uW for 86,400 s = 4.6656 J; 100 x 2 mJ; 2 J; 20 mW x 3 s.
  EXPECT_EQ(m.used_uj(ImplantTime(days(1).count())), 4'665'600 + 200'000 + 2'000'000 + 60'000);
  // A day of the program: sleep, 500 strokes, and the yearly 18 J of sessions and 324.68 mJ of
  // tones spread over 365.25 days (rounded up).
  EXPECT_EQ(m.daily_energy_uj(at_strokes_per_day(500)), 4'665'600 + 1'000'000 + 50'171);
}

// ---- a healthy cell ----

TEST(BatteryMonitorHealthy, HalfAMillilitreADayGivesEriWithNinetyDaysLeftThenEos) {
  const Life life = live(at_strokes_per_day(500));  // 0.5 mL/day at 1 uL a stroke
  ASSERT_FALSE(life.eri.is_never());
  ASSERT_FALSE(life.eos.is_never());
  // ERI with at least 90 days of therapy left, and EOS after them. At this rate the voltage
  // reaches the ERI threshold a little before the projection reaches 90 + 30 days.
  EXPECT_GE(life.eos - life.eri, days(90));
  EXPECT_LE(life.eos - life.eri, days(150));
  EXPECT_GE(life.at_eri.longevity, days(90));
  EXPECT_FALSE(life.at_eri.faulty_cell);
  // Plausible: a SynchroMed II-like 5-7 years (no service-life limit in this config).
  EXPECT_GT(years(life.eos - ImplantTime(0)), 6.0);
  EXPECT_LT(years(life.eos - ImplantTime(0)), 8.5);
  // Early on the projection already knew: ERI and EOS dates within 2% of what happened.
  const Assessment& early = life.at_day_100;
  EXPECT_NEAR(static_cast<double>(early.eri_date.ms()), static_cast<double>(life.eri.ms()),
              0.02 * static_cast<double>(life.eri.ms()));
  EXPECT_NEAR(static_cast<double>(early.eos_date.ms()), static_cast<double>(life.eos.ms()),
              0.02 * static_cast<double>(life.eos.ms()));
  EXPECT_EQ(early.status, BatteryStatus::kOk);
  EXPECT_TRUE(early.voltage_read);
  EXPECT_GT(early.remaining_permille, 900);
}

TEST(BatteryMonitorHealthy, ChecksAreDailyAndRaisedOnce) {
  const Life life = live(at_strokes_per_day(500));
  int raised = 0;
  ImplantTime previous(0);
  for (const Assessment& a : life.log) {
    raised += a.raised ? 1 : 0;
    EXPECT_LE(a.next_check - previous, days(2));
    previous = a.next_check;
  }
  EXPECT_EQ(raised, 2);  // ERI, then EOS
  // Bounded: about one check a day for the cell's life.
  EXPECT_LT(life.log.size(), static_cast<std::size_t>((life.eos - ImplantTime(0)).count() /
                                                      kMillisPerDay * 11 / 10));
}

TEST(BatteryMonitorHealthy, EveryRateGetsItsNinetyDays) {
  for (std::int64_t strokes : {48, 250, 500, 1000, 2000, 5000, 20'000}) {
    const Life life = live(at_strokes_per_day(strokes));
    ASSERT_FALSE(life.eos.is_never()) << strokes;
    EXPECT_GE(life.eos - life.eri, days(90)) << strokes;
  }
}

TEST(BatteryMonitorHealthy, LongevityShrinksWhenTheRateRises) {
  Driver d;
  for (int i = 0; i < 400; ++i) d.step(at_strokes_per_day(500));
  Duration previous = Duration(INT64_MAX);
  for (std::int64_t strokes : {0, 48, 250, 500, 1000, 2000, 4000}) {
    BatteryMonitor copy = d.monitor;
    const Result<Assessment> a =
        copy.check(d.now, healthy_mv(copy, d.now), at_strokes_per_day(strokes));
    ASSERT_TRUE(a.ok());
    EXPECT_LT(a->longevity, previous) << strokes;
    previous = a->longevity;
  }
}

TEST(BatteryMonitorHealthy, TheProjectedEriDatePullsTheCheckEarlier) {
  // At 2 mL/day the projection reaches 90 + 30 days before the voltage reaches 3.4 V.
  Driver d;
  Assessment a{};
  for (int i = 0; i < 10'000; ++i) {
    a = d.step(at_strokes_per_day(2000));
    if (a.eri_date - d.now < days(1) || a.status != BatteryStatus::kOk) break;
  }
  ASSERT_EQ(a.status, BatteryStatus::kOk);
  const ImplantTime projected = a.eri_date;
  EXPECT_EQ(a.next_check, projected < d.now + hours(1) ? d.now + hours(1) : projected);
  // Raised at that check, or (when the last millivolt makes the voltage the tighter estimate)
  // after its two hourly confirmations.
  for (int i = 0; i < 3 && a.status == BatteryStatus::kOk; ++i)
    a = d.step(at_strokes_per_day(2000));
  EXPECT_EQ(a.status, BatteryStatus::kElectiveReplacement);
  EXPECT_TRUE(a.raised);
  EXPECT_LE(d.now - projected, hours(3));
  EXPECT_EQ(d.monitor.state().eri_reason, BatteryReason::kLongevity);
  EXPECT_GE(a.longevity, days(118));
}

// ---- voltage rules ----

TEST(BatteryMonitorVoltage, OneLowReadingDoesNotCondemnAPump) {
  Driver d;
  for (int i = 0; i < 30; ++i) d.step(at_strokes_per_day(500));
  const auto low = [](const BatteryMonitor&, ImplantTime) { return 3150; };  // below EOS
  Assessment a = d.step(at_strokes_per_day(500), low);
  EXPECT_EQ(a.status, BatteryStatus::kOk);
  EXPECT_EQ(a.next_check, d.now + hours(1));  // re-measured soon
  a = d.step(at_strokes_per_day(500));        // a normal reading clears it
  EXPECT_EQ(a.status, BatteryStatus::kOk);
  EXPECT_EQ(a.next_check, d.now + days(1));
  EXPECT_FALSE(a.faulty_cell);
  EXPECT_EQ(d.monitor.state().eos_voltage_streak, 0);
}

TEST(BatteryMonitorVoltage, ThreeLowReadingsInARowEndService) {
  Driver d;
  for (int i = 0; i < 30; ++i) d.step(at_strokes_per_day(500));
  const auto low = [](const BatteryMonitor&, ImplantTime) { return 3150; };
  Assessment a = d.step(at_strokes_per_day(500), low);
  const ImplantTime first_low = d.now;
  a = d.step(at_strokes_per_day(500), low);
  EXPECT_EQ(a.status, BatteryStatus::kOk);
  a = d.step(at_strokes_per_day(500), low);
  EXPECT_EQ(a.status, BatteryStatus::kEndOfService);
  EXPECT_TRUE(a.raised);
  EXPECT_EQ(d.now - first_low, hours(2));  // confirmed within two hours
  EXPECT_EQ(d.monitor.state().eos_reason, BatteryReason::kVoltage);
  EXPECT_EQ(d.monitor.state().eri_at, d.now);  // ERI implied
  EXPECT_TRUE(a.faulty_cell);                  // 3.15 V a month into life is no healthy cell
  EXPECT_EQ(a.remaining_uj, 0);
  EXPECT_EQ(a.longevity, Duration(0));
  // Latched: a good reading afterwards changes nothing.
  a = d.step(at_strokes_per_day(500));
  EXPECT_EQ(a.status, BatteryStatus::kEndOfService);
  EXPECT_FALSE(a.raised);
}

TEST(BatteryMonitorVoltage, EriByVoltageBeforeTheCountersSeeIt) {
  // At a very low rate the counters' ERI would come late in the knee; the voltage rule first.
  const Life life = live(at_strokes_per_day(48));
  EXPECT_EQ(life.at_eri.status, BatteryStatus::kElectiveReplacement);
  EXPECT_LE(life.at_eri.voltage_mv, 3400);
  EXPECT_GT(life.at_eri.longevity, days(120));
}

// ---- a faulty cell ----

TEST(BatteryMonitorFaulty, VoltageBelowTheCountersFlagsTheCellAndRaisesEri) {
  Driver d;
  for (int i = 0; i < 365; ++i) d.step(at_strokes_per_day(500));
  ASSERT_EQ(d.monitor.status(), BatteryStatus::kOk);
  // The film: the cell reads as if 25% deeper than the counters say.
  const auto film = [](const BatteryMonitor& m, ImplantTime now) {
    return loaded_mv_at(m.config(),
                        m.used_uj(now) * kPartsPerMillion / m.config().capacity_uj + 250'000);
  };
  Assessment a = d.step(at_strokes_per_day(500), film);
  EXPECT_FALSE(a.faulty_cell);               // not yet confirmed
  EXPECT_EQ(a.limited_by, Limit::kVoltage);  // but the estimate already trusts the worse
  EXPECT_EQ(a.next_check, d.now + hours(1));
  a = d.step(at_strokes_per_day(500), film);
  EXPECT_EQ(a.status, BatteryStatus::kOk);
  a = d.step(at_strokes_per_day(500), film);
  EXPECT_TRUE(a.faulty_cell);
  EXPECT_EQ(a.status, BatteryStatus::kElectiveReplacement);
  EXPECT_TRUE(a.raised);
  EXPECT_EQ(d.monitor.state().eri_reason, BatteryReason::kFaultyCell);
  EXPECT_NEAR(a.voltage_depth_ppm - a.counter_depth_ppm, 250'000, 10'000);
  // The remaining estimate is the voltage's: about 25% less than the counters would say.
  EXPECT_LT(a.remaining_permille, 1000 - 250 - 60);
}

TEST(BatteryMonitorFaulty, AFailingCellsObservedLossShortensTheProjection) {
  Driver d;
  for (int i = 0; i < 365; ++i) d.step(at_strokes_per_day(500));
  // A film growing 0.2% of the capacity a day on top of the program's use.
  const ImplantTime onset = d.now;
  const auto growing = [onset](const BatteryMonitor& m, ImplantTime now) {
    const std::int64_t extra = 40'000 + 2000 * (now - onset).count() / kMillisPerDay;
    return loaded_mv_at(m.config(),
                        m.used_uj(now) * kPartsPerMillion / m.config().capacity_uj + extra);
  };
  Assessment a{};
  for (int i = 0; i < 40; ++i) a = d.step(at_strokes_per_day(500), growing);
  ASSERT_TRUE(a.faulty_cell);
  // The projection uses the observed loss (about 0.2% + 0.04% a day), not the program's.
  const std::int64_t program = d.monitor.daily_energy_uj(at_strokes_per_day(500));
  EXPECT_GT(a.daily_uj, 5 * program);
  EXPECT_LT(a.longevity, days(450));
}

// ---- service life ----

TEST(BatteryMonitorServiceLife, EosAtSevenYearsWhateverTheEnergy) {
  MonitorConfig c = data_like_config();
  c.service_life = days(2557);  // 7 years of 365.25 days
  const Life life = live(at_strokes_per_day(48), c);
  EXPECT_EQ(life.eos, ImplantTime(days(2557).count()));
  EXPECT_EQ(life.eri, ImplantTime(days(2557 - 120).count()));
  EXPECT_EQ(life.at_eri.limited_by, Limit::kServiceLife);
  EXPECT_EQ(life.log.back().status, BatteryStatus::kEndOfService);
  EXPECT_GT(life.log.back().remaining_uj, 0);  // energy left, but the service life is over
}

// ---- ports, persistence and bad input ----

TEST(BatteryMonitorInput, RefusesTimeGoingBackAndImplausibleVoltages) {
  BatteryMonitor m = started();
  ASSERT_TRUE(m.check(ImplantTime(days(2).count()), 3600, at_strokes_per_day(500)).ok());
  const State before = m.state();
  Result<Assessment> r = m.check(ImplantTime(days(1).count()), 3600, at_strokes_per_day(500));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(std::string(r.error().field), "now");
  r = m.check(ImplantTime(days(3).count()), -1, at_strokes_per_day(500));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(std::string(r.error().field), "voltage_mv");
  r = m.check(ImplantTime(days(3).count()), 60'000, at_strokes_per_day(500));
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(m.state().elapsed_ms, before.elapsed_ms);
  EXPECT_EQ(m.state().last_check, before.last_check);
}

TEST(BatteryMonitorInput, ReadsThePortAndFallsBackToTheCounters) {
  BatteryMonitor m = started();
  hal::FakePowerSense sense;
  sense.millivolts = 3605;
  Result<Assessment> a = m.check(ImplantTime(days(1).count()), sense, at_strokes_per_day(500));
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->voltage_read);
  EXPECT_EQ(a->voltage_mv, 3605);
  sense.failing = true;
  a = m.check(ImplantTime(days(2).count()), sense, at_strokes_per_day(500));
  ASSERT_TRUE(a.ok());
  EXPECT_FALSE(a->voltage_read);
  EXPECT_EQ(a->limited_by, Limit::kCounters);
  EXPECT_EQ(m.state().elapsed_ms, days(2).count());  // the counters still ran
  sense.failing = false;
  sense.load_ua = 1000;  // measured under another load than the curve's: not comparable
  a = m.check(ImplantTime(days(3).count()), sense, at_strokes_per_day(500));
  ASSERT_TRUE(a.ok());
  EXPECT_FALSE(a->voltage_read);
  EXPECT_EQ(sense.reads, 3);
}

TEST(BatteryMonitorInput, CountersAloneStillReachEriAndEos) {
  BatteryMonitor m = started();
  ImplantTime now(0);
  ImplantTime eri = ImplantTime::never();
  for (int day = 0; day < 5000 && m.status() != BatteryStatus::kEndOfService; ++day) {
    m.on_strokes(1000);
    now = now + days(1);
    const Result<Assessment> a = m.check_counters_only(now, at_strokes_per_day(1000));
    ASSERT_TRUE(a.ok());
    if (eri.is_never() && a->status != BatteryStatus::kOk) eri = now;
  }
  ASSERT_EQ(m.status(), BatteryStatus::kEndOfService);
  EXPECT_EQ(m.state().eos_reason, BatteryReason::kEnergy);
  EXPECT_GE(now - eri, days(90));
}

TEST(BatteryMonitorState, PersistedAndRestoredCarriesOnIdentically) {
  Driver a;
  for (int i = 0; i < 500; ++i) a.step(at_strokes_per_day(700));
  Result<BatteryMonitor> restored = BatteryMonitor::restore(a.monitor.config(), a.monitor.state());
  ASSERT_TRUE(restored.ok());
  Driver b;
  b.monitor = restored.value();
  b.now = a.now;
  b.strokes_counted = a.strokes_counted;
  // The restored monitor wants a check at once; give it the same one.
  const Result<Assessment> first_a =
      a.monitor.check(a.now, healthy_mv(a.monitor, a.now), at_strokes_per_day(700));
  const Result<Assessment> first_b =
      b.monitor.check(b.now, healthy_mv(b.monitor, b.now), at_strokes_per_day(700));
  ASSERT_TRUE(first_a.ok() && first_b.ok());
  for (int i = 0; i < 3000; ++i) {
    const Assessment x = a.step(at_strokes_per_day(700));
    const Assessment y = b.step(at_strokes_per_day(700));
    ASSERT_EQ(x.status, y.status);
    ASSERT_EQ(x.remaining_uj, y.remaining_uj);
    ASSERT_EQ(x.longevity, y.longevity);
    ASSERT_EQ(x.next_check, y.next_check);
    if (x.status == BatteryStatus::kEndOfService) break;
  }
  EXPECT_EQ(a.monitor.status(), BatteryStatus::kEndOfService);
}

TEST(BatteryMonitorState, RestoreRefusesAnInconsistentState) {
  State s;
  s.strokes = -1;
  EXPECT_FALSE(BatteryMonitor::restore(data_like_config(), s).ok());
  s = State{};
  s.status = BatteryStatus::kElectiveReplacement;  // but no ERI date
  EXPECT_EQ(BatteryMonitor::restore(data_like_config(), s).error().code, ErrorCode::kMismatch);
  s.eri_at = ImplantTime(5);
  EXPECT_TRUE(BatteryMonitor::restore(data_like_config(), s).ok());
  s.status = static_cast<BatteryStatus>(7);
  EXPECT_FALSE(BatteryMonitor::restore(data_like_config(), s).ok());
}

TEST(BatteryMonitorState, ResumeAfterAResetCountsTheKnownGap) {
  BatteryMonitor m = started();
  ASSERT_TRUE(m.check(ImplantTime(days(10).count()), 3605, at_strokes_per_day(0)).ok());
  // The monotonic clock starts again at 0; an hour passed that the implant knows of.
  m.resume(ImplantTime(0), hours(1));
  EXPECT_EQ(m.next_check_due(), ImplantTime(0));
  ASSERT_TRUE(m.check(ImplantTime(days(1).count()), 3605, at_strokes_per_day(0)).ok());
  EXPECT_EQ(m.state().elapsed_ms, (days(11) + hours(1)).count());
}

TEST(BatteryMonitorDeterminism, SameInputsSameAssessments) {
  const Life a = live(at_strokes_per_day(900));
  const Life b = live(at_strokes_per_day(900));
  ASSERT_EQ(a.log.size(), b.log.size());
  for (std::size_t i = 0; i < a.log.size(); ++i) {
    ASSERT_EQ(a.log[i].remaining_uj, b.log[i].remaining_uj);
    ASSERT_EQ(a.log[i].next_check, b.log[i].next_check);
  }
}

// For any program, a healthy cell raises ERI with at least 90 days of therapy left and EOS
// after them, and the projected longevity never grows while the program stays the same.
RC_GTEST_PROP(BatteryMonitorProperty, HealthyCellsGiveTheirNinetyDays, ()) {
  const std::int64_t strokes = *rc::gen::inRange<std::int64_t>(0, 30'000);
  const Life life = live(at_strokes_per_day(strokes));
  RC_ASSERT(!life.eos.is_never());
  RC_ASSERT(life.eos - life.eri >= days(90));
  Duration previous = Duration(INT64_MAX);
  for (const Assessment& a : life.log) {
    RC_ASSERT(a.longevity <= previous);
    previous = a.longevity;
  }
}

}  // namespace
}  // namespace itdd::power

// What the safety monitor costs per stroke: observe() fed one stroke at a time, as the implant
// does, for a continuous and a flexible program at 1 mL/day (about 42 strokes an hour) and at the
// pump's maximum rate (1,000 strokes an hour), with its ledger in RAM (the exact day window reads
// its packs of stroke times back). Reported as time per stroke; callgrind gives instructions per
// stroke (docs in bench/README.md).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <vector>

#include "itdd/safety/safety_monitor.h"

namespace {

using namespace itdd;

// The monitor's ledger in RAM: the packs of stroke times it hands over, read back in order for
// the exact day window (the implant reads them from flash: bench/README.md gives that cost).
struct RamLedger final : safety::LedgerSink, safety::StrokeArchive {
  std::vector<safety::StrokePack> packs;
  std::size_t cursor = 0;
  void strokes_seen(ImplantTime, std::uint32_t, std::uint32_t) override {}
  void strokes_packed(const safety::StrokePack& pack) override { packs.push_back(pack); }
  void rate_changed(ImplantTime, std::int64_t) override {}
  void bolus_authorised(ImplantTime, ImplantTime, Volume) override {}
  void earlier_patient_extras(ImplantTime, Volume, Volume) override {}
  bool pack_from(std::uint32_t index, safety::StrokePack* out) override {
    while (cursor < packs.size() && packs[cursor].first_index + packs[cursor].strokes <= index) {
      ++cursor;
    }
    if (cursor == packs.size()) return false;
    *out = packs[cursor];
    return true;
  }
};

therapy::Prescription continuous(DoseRate dose) {
  therapy::Prescription rx;
  rx.drug = therapy::make_drug("morphine", DoseUnit::kMilligram);
  rx.concentration = Concentration(25'000'000);
  rx.mode = therapy::BasalMode::kContinuous;
  rx.continuous_dose = dose;
  return rx;
}

// A step of the benchmark's own program, which fits a FlexStep: a refusal is a bug here.
void set_step(therapy::DayProgram& day, std::size_t i, std::int64_t start, DoseRate dose) {
  if (!day.steps[i].set(start, dose)) std::abort();
}

therapy::Prescription flexible() {
  therapy::Prescription rx = continuous(DoseRate(0));
  rx.mode = therapy::BasalMode::kFlexible;
  for (therapy::DayProgram& day : rx.flex.days) {
    // Three steps a day at 1 to 1.04 mL/day: the feed below (41 an hour) stays within each.
    set_step(day, 0, 0, DoseRate(25'000'000));
    set_step(day, 1, 7 * 60, DoseRate(26'000'000));
    set_step(day, 2, 22 * 60, DoseRate(25'000'000));
    day.step_count = 3;
  }
  return rx;
}

void run(benchmark::State& state, const therapy::Prescription& rx, std::int64_t strokes_per_hour) {
  const std::int64_t interval = kMillisPerHour / strokes_per_hour;
  std::int64_t strokes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    safety::SafetyMonitor m{therapy::PumpModel{}};
    RamLedger ledger;
    ledger.packs.reserve(static_cast<std::size_t>(2 * 24 * strokes_per_hour));
    m.set_sink(&ledger);
    m.set_archive(&ledger);
    m.set_prescription(rx, ImplantTime(0));
    (void)m.observe(0, ImplantTime(0));
    state.ResumeTiming();
    // Two days of strokes, each observed once.
    std::uint32_t sensed = 0;
    for (std::int64_t t = interval; t <= 2 * kMillisPerDay; t += interval) {
      const safety::Verdict v = m.observe(++sensed, ImplantTime(t));
      benchmark::DoNotOptimize(v);
      ++strokes;
    }
    // A trip would make every later observation free: the figure would mean nothing.
    if (m.tripped()) state.SkipWithError("the monitor tripped on correct delivery");
  }
  state.SetItemsProcessed(strokes);
  state.counters["ns_per_stroke"] = benchmark::Counter(
      static_cast<double>(strokes), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_SafetyMonitorContinuous1mLPerDay(benchmark::State& state) {
  run(state, continuous(DoseRate(25'000'000)), 41);
}
void BM_SafetyMonitorFlexible1mLPerDay(benchmark::State& state) {
  run(state, flexible(), 41);
}
void BM_SafetyMonitorContinuousMaximumRate(benchmark::State& state) {
  run(state, continuous(DoseRate(600'000'000)), 1000);
}

BENCHMARK(BM_SafetyMonitorContinuous1mLPerDay)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SafetyMonitorFlexible1mLPerDay)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SafetyMonitorContinuousMaximumRate)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();

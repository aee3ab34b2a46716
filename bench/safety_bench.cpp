// What the safety monitor costs per stroke: observe() fed one stroke at a time, as the implant
// does, for a continuous and a flexible program at 1 mL/day (about 42 strokes an hour) and at the
// pump's maximum rate (1,000 strokes an hour). Reported as time per stroke; callgrind gives
// instructions per stroke (docs in bench/README.md).
#include <benchmark/benchmark.h>

#include "itdd/safety/safety_monitor.h"

namespace {

using namespace itdd;

therapy::Prescription continuous(DoseRate dose) {
  therapy::Prescription rx;
  rx.drug = therapy::make_drug("morphine", DoseUnit::kMilligram);
  rx.concentration = Concentration(25'000'000);
  rx.mode = therapy::BasalMode::kContinuous;
  rx.continuous_dose = dose;
  return rx;
}

therapy::Prescription flexible() {
  therapy::Prescription rx = continuous(DoseRate(0));
  rx.mode = therapy::BasalMode::kFlexible;
  for (therapy::DayProgram& day : rx.flex.days) {
    // Three steps a day at 1 to 1.04 mL/day: the feed below (41 an hour) stays within each.
    day.steps[0] = {0, DoseRate(25'000'000)};
    day.steps[1] = {7 * 60, DoseRate(26'000'000)};
    day.steps[2] = {22 * 60, DoseRate(25'000'000)};
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

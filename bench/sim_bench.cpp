// Simulated pump-years per CPU-second of the whole simulator: the unchanged therapy engine on
// the simulated mechanism, reservoir, catheter and battery, driven by the discrete-event runner,
// for the reference scenario (baclofen, flexible weekday program of about 1 mL/day, patient
// boluses requested through the day, monthly refills), one simulated year per iteration.
#include <benchmark/benchmark.h>

#include "itdd/host/pump_catalog.h"
#include "itdd/scenario/scenario.h"
#include "itdd/sim/runner.h"

namespace {

void BM_SimulatorPumpYear(benchmark::State& state) {
  const auto catalog = itdd::host::PumpCatalog::load(ITDD_PUMP_MODELS_FILE).value();
  const auto scenario = itdd::scenario::load_scenario_file(
                            ITDD_SOURCE_DIR "/examples/baclofen-flex-ptm.json", catalog)
                            .value();
  const double years =
      static_cast<double>(scenario.duration.count()) / static_cast<double>(itdd::days(365).count());
  std::int64_t strokes = 0;
  std::int64_t moved_nl = 0;
  for (auto _ : state) {
    const itdd::sim::SimulationResult result = itdd::sim::run_scenario(scenario);
    strokes = result.strokes;
    moved_nl = result.moved.count();
    benchmark::DoNotOptimize(moved_nl);
  }
  state.counters["pump_years_per_cpu_s"] = benchmark::Counter(
      years * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["strokes_per_run"] = static_cast<double>(strokes);
  state.counters["mL_per_day"] = static_cast<double>(moved_nl) / (years * 365.0) / 1e6;
}
BENCHMARK(BM_SimulatorPumpYear)->Unit(benchmark::kMillisecond);

// The case the runner's old idle skip was written for: morphine without its refills, so the
// reservoir runs empty after about three months and stays empty for the rest of the year.
void BM_SimulatorEmptyReservoirYear(benchmark::State& state) {
  const auto catalog = itdd::host::PumpCatalog::load(ITDD_PUMP_MODELS_FILE).value();
  itdd::scenario::Scenario scenario =
      itdd::scenario::load_scenario_file(ITDD_SOURCE_DIR "/examples/morphine-continuous.json",
                                         catalog)
          .value();
  scenario.events.clear();
  std::int64_t iterations = 0;
  for (auto _ : state) {
    const itdd::sim::SimulationResult result = itdd::sim::run_scenario(scenario);
    iterations = result.loop_iterations;
    benchmark::DoNotOptimize(result.moved);
  }
  state.counters["loop_iterations"] = static_cast<double>(iterations);
}
BENCHMARK(BM_SimulatorEmptyReservoirYear)->Unit(benchmark::kMillisecond);

}  // namespace

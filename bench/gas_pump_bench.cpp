// Simulated pump-years per CPU-second of a fixed-rate gas-driven pump (sim/gas_pump): the travel
// example (a flight, altitude, a dive, a sauna, a refill) stretched to a year of 30 s steps, and
// its trumpet analysis over 48 h.
#include <benchmark/benchmark.h>

#include "itdd/host/pump_catalog.h"
#include "itdd/scenario/gas_scenario.h"
#include "itdd/sim/gas_runner.h"
#include "itdd/sim/trumpet.h"

namespace {

itdd::scenario::GasScenario travel_year(const itdd::host::PumpCatalog& catalog) {
  auto any = itdd::scenario::load_any_scenario_file(
                 ITDD_SOURCE_DIR "/examples/gas-travel-baclofen.json", catalog)
                 .value();
  auto scenario = std::get<itdd::scenario::GasScenario>(std::move(any));
  scenario.duration = itdd::days(365);
  return scenario;
}

void BM_GasPumpYear(benchmark::State& state) {
  const auto catalog = itdd::host::PumpCatalog::load(ITDD_PUMP_MODELS_FILE).value();
  const itdd::scenario::GasScenario scenario = travel_year(catalog);
  std::int64_t steps = 0;
  for (auto _ : state) {
    const itdd::sim::GasRunResult r = itdd::sim::run_gas_scenario(scenario);
    steps = r.steps;
    benchmark::DoNotOptimize(r.moved);
  }
  state.counters["pump_years_per_cpu_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["steps_per_run"] = static_cast<double>(steps);
}
BENCHMARK(BM_GasPumpYear)->Unit(benchmark::kMillisecond);

void BM_TrumpetAnalysis48h(benchmark::State& state) {
  itdd::sim::TrumpetInput in;
  in.set_rate = itdd::FlowRate(160'000);
  for (int i = 0; i < 48 * 120; ++i) in.sample_volume_nl.push_back(i % 18 == 0 ? 1000 : 0);
  for (auto _ : state) benchmark::DoNotOptimize(itdd::sim::analyse_trumpet(in));
}
BENCHMARK(BM_TrumpetAnalysis48h)->Unit(benchmark::kMicrosecond);

}  // namespace

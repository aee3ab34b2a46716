// A fleet campaign's cost (sim/fleet, docs/fleet.md): what planning a pump costs (its draws and
// its scenario text, read back by the scenario reader), and pump-years per CPU-second of whole
// campaign items, each kind of pump apart, beside the simulator alone (itdd_bench's
// BM_SimulatorPumpYear). Run: build/release/bench/itdd_fleet_bench
#include <benchmark/benchmark.h>

#include <string>

#include "itdd/host/pump_catalog.h"
#include "itdd/scenario/gas_scenario.h"
#include "itdd/sim/fleet/fleet.h"
#include "itdd/sim/fleet/pump_plan.h"

namespace {

using namespace itdd::sim::fleet;

const LoadedCampaign& example() {
  static const LoadedCampaign c =
      load_campaign(ITDD_SOURCE_DIR "/examples/fleet/refill-margin-3-vs-7.json",
                    ITDD_SOURCE_DIR "/data/pump-models.json",
                    ITDD_SOURCE_DIR "/data/csf-pharmacokinetics.json")
          .value();
  return c;
}

// Planning and reading one pump's two years: the campaign's own overhead on each pump.
void BM_FleetPlanAndReadPump(benchmark::State& state) {
  const LoadedCampaign& c = example();
  std::int64_t pump = 0;
  for (auto _ : state) {
    const PumpPlan plan = plan_pump(c.campaign, 0, pump++ % c.campaign.pumps, c.models, c.csf);
    benchmark::DoNotOptimize(itdd::scenario::parse_any_scenario_text(plan.scenario_json, c.models));
  }
}
BENCHMARK(BM_FleetPlanAndReadPump)->Unit(benchmark::kMicrosecond);

// The example's items of one kind (0: programmable without a patient, 1: with one, 2: gas),
// planned, run and judged, in turn.
void BM_FleetPumpYears(benchmark::State& state) {
  const LoadedCampaign& c = example();
  const FleetInputs in = c.inputs();
  std::vector<std::int64_t> items;
  for (std::int64_t pump = 0; pump < c.campaign.pumps && items.size() < 8; ++pump) {
    const PumpPlan p = plan_pump(c.campaign, 0, pump, c.models, c.csf);
    const int kind = p.gas ? 2 : p.patient ? 1 : 0;
    if (kind == state.range(0)) items.push_back(pump);
  }
  std::size_t next = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(run_item(in, items[next++ % items.size()]));
  }
  state.counters["pump_years_per_cpu_s"] = benchmark::Counter(
      static_cast<double>(c.campaign.years) * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate);
}
BENCHMARK(BM_FleetPumpYears)->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();

// Simulated pump-years per CPU-second of the therapy engine alone (fake motor, no body model):
// a flexible program averaging 1 mL/day with every allowed patient bolus requested.
#include <benchmark/benchmark.h>

#include <cstdlib>

#include "itdd/engine/therapy_engine.h"
#include "itdd/hal/fake_motor.h"

namespace {

using namespace itdd;

struct NullSink final : engine::EventSink {
  void record(const engine::TherapyEvent&) override { ++count; }
  std::int64_t count = 0;
};

// A step of the benchmark's own program, which fits a FlexStep: a refusal is a bug here.
void set_step(therapy::DayProgram& day, std::size_t i, std::int64_t start, DoseRate dose) {
  if (!day.steps[i].set(start, dose)) std::abort();
}

therapy::Prescription reference_flex_program() {
  // Baclofen 500 mcg/mL; 400 / 600 / 500 mcg/day steps: 0.96 mL/day of basal, plus 4 patient
  // boluses of 10 mcg (20 uL) a day: about 1 mL/day in all.
  therapy::Prescription rx;
  rx.drug = therapy::make_drug("baclofen", DoseUnit::kMicrogram);
  rx.concentration = Concentration(500'000);
  rx.mode = therapy::BasalMode::kFlexible;
  therapy::DayProgram& day = rx.flex.days[0];
  set_step(day, 0, 0, DoseRate(400'000));
  set_step(day, 1, 7 * 60, DoseRate(600'000));
  set_step(day, 2, 22 * 60, DoseRate(500'000));
  day.step_count = 3;
  rx.patient_bolus = {true, micrograms(10), minutes(15), 4, hours(4)};
  return rx;
}

void BM_EnginePumpYear(benchmark::State& state) {
  const therapy::Prescription rx = reference_flex_program();
  therapy::PumpModel pump;
  pump.reservoir_capacity = millilitres(1000);
  std::int64_t strokes = 0;
  for (auto _ : state) {
    hal::FakeMotor motor;
    NullSink sink;
    engine::TherapyEngine engine(pump, motor, sink, ImplantTime(0),
                                 WallTime(20458LL * kMillisPerDay));
    engine::RefillCommand fill{millilitres(1000), rx.drug, rx.concentration, Volume(0), false};
    (void)engine.refill(fill, ImplantTime(0));
    (void)engine.program(rx, ImplantTime(0));
    const ImplantTime end = ImplantTime(0) + days(365);
    ImplantTime next_bolus = ImplantTime(0) + hours(8);
    for (ImplantTime wake = engine.next_wake(); wake <= end; wake = engine.next_wake()) {
      if (next_bolus <= wake) {
        (void)engine.request_patient_bolus(next_bolus);
        next_bolus = next_bolus + hours(4);
        continue;
      }
      engine.on_wake(wake);
    }
    strokes += engine.strokes();
    benchmark::DoNotOptimize(engine.delivered());
  }
  state.counters["pump_years_per_cpu_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["strokes_per_year"] =
      static_cast<double>(strokes) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_EnginePumpYear)->Unit(benchmark::kMillisecond);

// One reservoir projection (what an interrogation asks for): a full 20 mL reservoir of the
// reference program, with two boluses already given that day.
void BM_EngineProjection(benchmark::State& state) {
  const therapy::Prescription rx = reference_flex_program();
  const therapy::PumpModel pump;
  hal::FakeMotor motor;
  NullSink sink;
  engine::TherapyEngine engine(pump, motor, sink, ImplantTime(0),
                               WallTime(20458LL * kMillisPerDay));
  engine::RefillCommand fill{millilitres(20), rx.drug, rx.concentration, Volume(0), false};
  (void)engine.refill(fill, ImplantTime(0));
  (void)engine.program(rx, ImplantTime(0));
  (void)engine.request_patient_bolus(ImplantTime(0) + hours(8));
  (void)engine.request_patient_bolus(ImplantTime(0) + hours(12));
  const ImplantTime now = ImplantTime(0) + hours(13);
  engine.on_wake(now);
  for (auto _ : state) benchmark::DoNotOptimize(engine.project(now));
}
BENCHMARK(BM_EngineProjection);

}  // namespace

BENCHMARK_MAIN();

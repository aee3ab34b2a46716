// itdd_battery_life: projected battery life of a pump model for the reference programs
// (0.25, 0.5, 1 and 2 mL/day, refilled every 90 days), from the figures in
// data/pump-models.json, the simulated cell (sim::SimBattery) and the implant's own monitor
// (power::BatteryMonitor), a check at a time over the cell's whole life.
//
//   build/release/bench/itdd_battery_life [pump-models.json] [model]
//
// Each refill costs two radio sessions (interrogate, then refill and program) and an alarm
// test (the ~3 s critical and ~1 s non-critical tones); after ERI its ~1 s tone sounds hourly.
// Therapy is taken to go on after EOS only to show when the cell itself would fail.
#include <fmt/format.h>

#include <exception>
#include <string>

#include "itdd/host/pump_catalog.h"
#include "itdd/power/battery_monitor.h"
#include "itdd/sim/sim_battery.h"

namespace {

using namespace itdd;

double years(Duration d) {
  return static_cast<double>(d.count()) / (365.25 * static_cast<double>(kMillisPerDay));
}

// The implant's own projection of EOS a month after implant (counters and a reading).
double projected_eos_years(const host::PumpModelSpec& spec, const sim::LifeProgram& program) {
  Result<power::BatteryMonitor> monitor =
      power::BatteryMonitor::start(spec.battery_monitor, ImplantTime(0));
  if (!monitor.ok()) return -1;
  sim::SimBattery cell(spec.battery);
  const Duration month = days(30);
  cell.sleep(month);
  cell.on_strokes(program.strokes_per_day * 30);
  monitor.value().on_strokes(program.strokes_per_day * 30);
  const Result<power::Assessment> a = monitor.value().check(
      ImplantTime(month.count()), cell.voltage_mv(), sim::consumption_of(program, false));
  return a.ok() ? years(a->eos_date - ImplantTime(0)) : -1;
}

void print_row(const std::string& label, const sim::LifeResult& r, double projected) {
  fmt::print("{:>12} | {:>12.2f} | {:>12.2f} | {:>9.0f} | {:<12} | {:<12} | {:>10.2f} | {:>9}\n",
             label, years(r.eri_at), years(r.eos_at),
             static_cast<double>((r.eos_at - r.eri_at).count()) / kMillisPerDay,
             power::name(r.eri_reason), power::name(r.eos_reason), years(r.dead_at),
             projected < 0 ? std::string("-") : fmt::format("{:.2f}", projected));
}

}  // namespace

int main(int argc, char** argv) {
  const std::string file = argc > 1 ? argv[1] : ITDD_PUMP_MODELS_FILE;
  const std::string name = argc > 2 ? argv[2] : "peristaltic-20";
  try {
    const host::Checked<host::PumpCatalog> catalog = host::PumpCatalog::load(file);
    if (!catalog.ok()) {
      fmt::print(stderr, "error: {}: {}\n", file, catalog.error().text());
      return 2;
    }
    const host::PumpModelSpec* spec = catalog->find(name);
    if (spec == nullptr) {
      fmt::print(stderr, "error: no pump model \"{}\" in {}\n", name, file);
      return 2;
    }
    const power::MonitorConfig& m = spec->battery_monitor;
    const double stroke_ul = static_cast<double>(spec->model.stroke_volume.count()) / 1000.0;
    fmt::print("Projected battery life: {} ({})\n", spec->name, spec->description);
    fmt::print(
        "cell {:.0f} J at {:.1f} V, sleep {:.1f} uA, {:.1f} mJ a stroke of {:.1f} uL, "
        "{:.1f} J a radio session; ERI at {} mV or {} + {} days left, EOS at {} mV, service "
        "life {:.1f} years\n",
        static_cast<double>(m.capacity_uj) / 1e6, static_cast<double>(m.nominal_voltage_mv) / 1e3,
        static_cast<double>(m.sleep_current_na) / 1e3,
        static_cast<double>(m.stroke_energy_uj) / 1e3, stroke_ul,
        static_cast<double>(m.radio_session_energy_uj) / 1e6, m.eri_mv,
        m.eri_notice.count() / kMillisPerDay, m.eri_safety_margin.count() / kMillisPerDay, m.eos_mv,
        years(m.service_life));
    fmt::print(
        "refills every 90 days (2 radio sessions and a 4 s alarm test each); most battery "
        "figures are unconfirmed (see data/pump-models.json, docs/battery.md)\n\n");
    fmt::print("{:>12} | {:>12} | {:>12} | {:>9} | {:<12} | {:<12} | {:>10} | {:>9}\n", "mL/day",
               "ERI (years)", "EOS (years)", "ERI->EOS", "ERI by", "EOS by", "cell fails",
               "day-30 EOS");
    fmt::print("{:>12} | {:>12} | {:>12} | {:>9} | {:<12} | {:<12} | {:>10} | {:>9}\n", "", "", "",
               "(days)", "", "", "(years)", "(years)");
    fmt::print("{:-<108}\n", "");
    for (const double ml : {0.25, 0.5, 1.0, 2.0}) {
      sim::LifeProgram program;
      program.strokes_per_day = power::strokes_per_day_for(
          FlowRate(static_cast<std::int64_t>(ml * 1e6)), spec->model.stroke_volume);
      const sim::LifeResult r = sim::simulate_life(spec->battery, m, program);
      print_row(fmt::format("{:.2f}", ml), r, projected_eos_years(*spec, program));
    }
    // The resistive-film failure, for comparison: 0.5 mL/day, from year 3.
    sim::LifeProgram program;
    program.strokes_per_day =
        power::strokes_per_day_for(FlowRate(500'000), spec->model.stroke_volume);
    const sim::CellFault film{days(1096), 0, Duration(0), 100};
    const sim::CellFault loss{days(1096), 400, days(730), 0};
    fmt::print("\nfaulty cell at 0.50 mL/day, from year 3:\n");
    print_row("+0.1 ohm/day", sim::simulate_life(spec->battery, m, program, &film), -1);
    print_row("-40%/2 y", sim::simulate_life(spec->battery, m, program, &loss), -1);
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 2;
  }
  return 0;
}

// A pump model's battery cell as data/pump-models.json describes it: energy figures and the
// discharge curve (open-circuit voltage and internal resistance against depth of discharge).
// The simulator models the cell from it (sim::SimBattery) and the pump catalog derives the
// implant's own nominal copy from it (power::MonitorConfig's loaded-voltage curve), so both read
// the curve through the same functions below.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace itdd::host {

// One point of the cell's discharge characteristic.
struct CellPoint {
  std::int32_t depth_permille = 0;   // energy used, per mille of the usable energy
  std::int32_t open_circuit_mv = 0;  // voltage with no load
  std::int32_t resistance_mohm = 0;  // internal resistance, milliohms
};

inline constexpr std::size_t kMaxCellPoints = 16;

struct CellSpec {
  std::int64_t capacity_uj = 0;                // usable energy, microjoules
  std::int64_t stroke_energy_uj = 0;           // one motor stroke
  std::int64_t sleep_current_na = 0;           // nanoamps, drawn continuously
  std::int64_t nominal_voltage_mv = 0;         // converts the sleep current to power
  std::int64_t radio_session_energy_uj = 0;    // one programmer session
  std::int64_t patient_session_energy_uj = 0;  // one patient device request
  std::int64_t tone_power_uw = 0;              // while an alarm tone sounds
  std::int32_t load_ua = 0;    // the load the voltage is measured under (the motor's current)
  std::int32_t cutoff_mv = 0;  // below this under load the electronics brown out
  // Depth rising from 0 to 1000 per mille. No points: a constant nominal voltage, no resistance.
  std::array<CellPoint, kMaxCellPoints> curve{};
  std::size_t curve_points = 0;
  // The processor's own work, measured on the emulated Cortex-M4 (docs/footprint.md): the
  // wake-up of a stroke, and the hourly and daily wake-ups as an average current.
  std::int64_t processor_stroke_uj = 0;
  std::int64_t processor_idle_na = 0;
};

// The open-circuit voltage and internal resistance the curve gives at a depth (ppm of the usable
// energy), rounded to nearest between two points, flat before the first and after the last.
std::int32_t open_circuit_mv_at(const CellSpec& cell, std::int64_t depth_ppm);
std::int32_t resistance_mohm_at(const CellSpec& cell, std::int64_t depth_ppm);
// Loaded voltage of a healthy cell at a depth, under its measurement load: what the implant's
// battery curve stores.
std::int32_t loaded_mv_at(const CellSpec& cell, std::int64_t depth_ppm);

}  // namespace itdd::host

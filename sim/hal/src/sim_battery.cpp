#include "itdd/sim/sim_battery.h"

namespace itdd::sim {

std::int64_t SimBattery::sleep_energy_uj() const {
  // nA x mV = pW; pW x ms = 1e-15 J = 1e-9 uJ.
  const Int128 picowatt_ms =
      static_cast<Int128>(params_.sleep_current_na) * params_.nominal_voltage_mv * sleep_ms_;
  return static_cast<std::int64_t>(picowatt_ms / 1'000'000'000);
}

std::int64_t SimBattery::remaining_uj() const {
  const std::int64_t left = params_.capacity_uj - used_uj();
  return left > 0 ? left : 0;
}

double SimBattery::remaining_percent() const {
  if (params_.capacity_uj <= 0) return 0.0;
  return 100.0 * static_cast<double>(remaining_uj()) / static_cast<double>(params_.capacity_uj);
}

}  // namespace itdd::sim

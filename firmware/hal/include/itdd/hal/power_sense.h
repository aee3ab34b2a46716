// The implant's view of its battery: the terminal voltage, measured under a defined load. An
// idle lithium cell shows almost its open-circuit voltage whatever its state; under load the
// cell's internal resistance shows, and a cell with a resistive film (the SynchroMed II battery
// failure) sags. So the board switches in its measurement load (the motor driver's stroke
// current, `load_ua` below) for the few milliseconds of the reading. A board implements this
// with an ADC channel and a load switch; the simulator with `SimPowerSense` over `SimBattery`.
#pragma once

#include <cstdint>

#include "itdd/core/result.h"

namespace itdd::hal {

struct BatteryReading {
  std::int32_t millivolts = 0;  // terminal voltage under the load
  std::int32_t load_ua = 0;     // the load it was measured under, microamps
};

class PowerSense {
 public:
  // One measurement under the board's defined load, or an error (ErrorCode::kRefused, field
  // "power_sense") when the converter did not answer. Not const: it loads the cell.
  virtual Result<BatteryReading> read_battery() = 0;

 protected:
  ~PowerSense() = default;
};

}  // namespace itdd::hal

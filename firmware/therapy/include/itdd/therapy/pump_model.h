// What the implant must know about the pump it runs: the figures come from a data file
// (data/pump-models.json) read by the host at manufacture/simulation time, never from code.
#pragma once

#include <cstdint>

#include "itdd/core/units.h"

namespace itdd::therapy {

struct PumpModel {
  Volume stroke_volume = microlitres(1);  // nominal volume of one stroke
  Volume reservoir_capacity = millilitres(20);
  Volume pump_dead_volume = microlitres(200);  // from reservoir outlet to catheter connector
  FlowRate min_rate = FlowRate(48'000);        // lowest non-zero programmable rate
  FlowRate max_rate = FlowRate(24 * kNanolitresPerMillilitre);  // highest total rate
  FlowRate priming_rate = FlowRate(24 * kNanolitresPerMillilitre);
  Volume low_reservoir_default = millilitres(2);
  std::uint8_t max_patient_boluses_per_day = 24;
};

}  // namespace itdd::therapy

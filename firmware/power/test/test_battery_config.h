// A battery monitor configuration with the figures of data/pump-models.json, for firmware
// tests that cannot read the data file (the firmware build has no JSON reader).
#pragma once

#include "itdd/power/battery_monitor.h"

namespace itdd::power::testing {

// The figures of data/pump-models.json: 1.2 Ah at 3.6 V, the loaded curve under 5 mA.
inline MonitorConfig data_like_config() {
  MonitorConfig c;
  c.capacity_uj = 15'552'000'000;
  c.nominal_voltage_mv = 3600;
  c.curve = {{{0, 3610},
              {100, 3600},
              {300, 3590},
              {500, 3575},
              {700, 3550},
              {800, 3520},
              {900, 3440},
              {950, 3330},
              {980, 3125},
              {1000, 2600}}};
  c.curve_points = 10;
  c.load_ua = 5000;
  c.sleep_current_na = 15'000;
  c.stroke_energy_uj = 2000;
  c.radio_session_energy_uj = 2'000'000;
  c.tone_power_uw = 20'000;
  c.eri_mv = 3400;
  c.eos_mv = 3200;
  return c;
}

}  // namespace itdd::power::testing

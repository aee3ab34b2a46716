// The implant's battery as an energy budget: a capacity, a cost per motor stroke and a sleep
// current drawn all the time at a nominal voltage. Deliberately simple (no voltage curve, no
// ERI/EOS yet); the figures come from data/pump-models.json and are marked unconfirmed there.
#pragma once

#include <cstdint>

#include "itdd/core/units.h"

namespace itdd::sim {

struct BatteryParams {
  std::int64_t capacity_uj = 0;         // usable energy, microjoules
  std::int64_t stroke_energy_uj = 0;    // one motor stroke
  std::int64_t sleep_current_na = 0;    // nanoamps, drawn continuously
  std::int64_t nominal_voltage_mv = 0;  // converts the sleep current to power
};

class SimBattery {
 public:
  explicit SimBattery(const BatteryParams& params) : params_(params) {}

  // The runner calls this for every jump of the clock, so sleep is integrated over time.
  void sleep(Duration d) { sleep_ms_ += d.count(); }
  void on_stroke() { ++strokes_; }

  const BatteryParams& params() const { return params_; }
  std::int64_t strokes() const { return strokes_; }
  std::int64_t sleep_energy_uj() const;
  std::int64_t stroke_energy_uj() const { return strokes_ * params_.stroke_energy_uj; }
  std::int64_t used_uj() const { return sleep_energy_uj() + stroke_energy_uj(); }
  // Never below zero: an exhausted battery reports 0 (what happens then is issue 3's).
  std::int64_t remaining_uj() const;
  double remaining_percent() const;

 private:
  BatteryParams params_;
  std::int64_t sleep_ms_ = 0;
  std::int64_t strokes_ = 0;
};

}  // namespace itdd::sim

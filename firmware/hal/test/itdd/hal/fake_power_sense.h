// A PowerSense for host tests: reports whatever voltage the test sets, counts reads, and fails
// on demand.
#pragma once

#include <cstdint>

#include "itdd/hal/power_sense.h"

namespace itdd::hal {

class FakePowerSense final : public PowerSense {
 public:
  Result<BatteryReading> read_battery() override {
    ++reads;
    if (failing) {
      return make_error(ErrorCode::kRefused, "power_sense", "the converter did not answer");
    }
    return BatteryReading{millivolts, load_ua};
  }
  std::int32_t millivolts = 3600;
  std::int32_t load_ua = 5000;
  std::int64_t reads = 0;
  bool failing = false;
};

}  // namespace itdd::hal
